"""Reader for IDX files, the format MNIST and Fashion-MNIST ship in, raw or gzip-compressed.

Format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the number of dimensions, one
big-endian uint32 per dimension, then the data, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import zlib
from os import PathLike
from pathlib import Path

import numpy as np

from aevae.data.imageset import DataError

# IDX type code → big-endian NumPy dtype.
TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip, told apart by its first bytes) into an array in native byte order."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read IDX file ({e.strerror or e})") from e
    return parse_idx(raw, str(path))


def parse_idx(raw: bytes, source: str) -> np.ndarray:
    """Parse the bytes of an IDX file (raw or gzip); source names it in error messages."""
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{source}: corrupt gzip data ({e})") from e
    if len(raw) < 4:
        raise DataError(f"{source}: too short for an IDX header ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{source}: not an IDX file (magic starts {raw[:2].hex()}, expected 0000)")
    code, ndim = raw[2], raw[3]
    if code not in TYPES:
        raise DataError(f"{source}: unknown IDX type code 0x{code:02X} (known: "
                        + ", ".join(f"0x{c:02X}" for c in TYPES) + ")")
    if ndim == 0:
        raise DataError(f"{source}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{source}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions need {header})")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = TYPES[code]
    expected = header + dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    what = f"shape {shape} of {dtype.name}"
    if len(raw) < expected:
        raise DataError(f"{source}: truncated: {what} needs {expected} bytes, file has {len(raw)}")
    if len(raw) > expected:
        raise DataError(f"{source}: {len(raw) - expected} unexpected trailing bytes after {what}")
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
