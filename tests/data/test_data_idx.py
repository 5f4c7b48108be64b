"""IDX reader: round trips through real files, and every kind of damage reported with the file's name."""

import gzip
import struct

import numpy as np
import pytest

from aevae.data import DataError, read_idx
from support.idx import idx_bytes

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


@pytest.mark.parametrize("dtype", list(CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tmp_path, dtype, compress):
    rng = np.random.default_rng(0)
    arr = (rng.normal(size=(3, 4, 5)) * 100).astype(dtype)
    data = idx_bytes(arr, CODES[dtype])
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    got = read_idx(path)
    assert got.shape == arr.shape
    assert got.dtype == np.dtype(dtype)  # native byte order, not big-endian
    np.testing.assert_array_equal(got, arr)


def test_one_dimensional_labels(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    (tmp_path / "labels").write_bytes(idx_bytes(labels, 0x08))
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), labels)


def damaged(good: bytes) -> dict[str, tuple[bytes, str]]:
    """Name → (file content, text the error must contain)."""
    return {
        "truncated": (good[:-3], "truncated"),
        "trailing": (good + b"\x00\x01", "trailing"),
        "magic": (b"\x01" + good[1:], "not an IDX file"),
        "type": (good[:2] + b"\x07" + good[3:], "type code 0x07"),
        "header": (good[:9], "truncated IDX header"),
        "corrupt-gzip": (gzip.compress(good)[:-10] + b"junkjunkju", "gzip"),
    }


@pytest.mark.parametrize("kind", list(damaged(b"")))
def test_damage_is_a_data_error_naming_the_file(tmp_path, kind):
    good = idx_bytes(np.zeros((2, 3, 3), np.uint8), 0x08)
    content, expected = damaged(good)[kind]
    path = tmp_path / f"{kind}-images-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_idx(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(DataError, match="nothing-here"):
        read_idx(tmp_path / "nothing-here")
