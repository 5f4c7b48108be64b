"""Fashion-MNIST (Xiao et al. 2017), read from a folder of its IDX files; nothing is downloaded.

Looked for in a folder the user names, else in $AEVAE_DATA/fashion-mnist, else where Debian's
dataset-fashion-mnist package installs it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aevae.data.cache import data_dir
from aevae.data.imageset import SPLITS, DataError, ImageSet, SpecError, pad_to_32
from aevae.data.mnist import read_mnist_format

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")  # `apt install dataset-fashion-mnist`
MARKER = "train-images-idx3-ubyte"  # a folder holding this (or its .gz) is taken to be a Fashion-MNIST folder


def default_dirs() -> tuple[Path, ...]:
    """The folders searched when the spec names none, in order."""
    return data_dir() / "fashion-mnist", DEBIAN_DIR


def locate(folder: str | None = None) -> Path:
    """The folder to read Fashion-MNIST from: the one given, else the first default holding its files."""
    if folder:
        path = Path(folder).expanduser().resolve()
        if not path.is_dir():
            raise DataError(f"Fashion-MNIST folder {path} does not exist")
        return path
    for path in default_dirs():
        if (path / MARKER).exists() or (path / f"{MARKER}.gz").exists():
            return path
    raise DataError(
        "Fashion-MNIST not found in " + " or ".join(str(p) for p in default_dirs())
        + ": install Debian's dataset-fashion-mnist package, put its four IDX files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in the first folder, "
        "or name a folder as 'fashion-mnist:/path'"
    )


def load_fashion(split: str, folder: str | None = None) -> ImageSet:
    """Fashion-MNIST's train or test split as 32×32 uint8; folder as for locate()."""
    if split not in SPLITS:
        raise SpecError(f"unknown split {split!r}; expected one of {SPLITS}")
    path = locate(folder)
    images, labels = read_mnist_format(path, split)
    name = f"fashion-mnist:{path}" if folder else "fashion-mnist"
    return ImageSet(pad_to_32(images), labels.astype(np.int64), CLASSES, name)
