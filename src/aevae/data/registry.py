"""From a data-set spec, as typed on the command line or stored in a run's config, to the loader that serves it."""

from __future__ import annotations

import os
from pathlib import Path

from aevae.data.fashion import load_fashion
from aevae.data.folder import load_folder
from aevae.data.imageset import SPLITS, ImageSet, SpecError
from aevae.data.mnist import load_mnist

TEST_SHARE = 6  # a limited run keeps one test image per six training images, as MNIST has (60,000 / 10,000)
SPEC_HELP = "'mnist', 'fashion-mnist', 'fashion-mnist:DIR', 'folder:DIR' or the path of an image folder"


def dataset_name(spec: str) -> str:
    """The canonical name of a spec, as stored in run configs: "mnist", "fashion-mnist[:/abs/dir]", "folder:/abs/dir".

    Relative paths become absolute so that a stored name still means the same data from another working directory.
    """
    kind, folder = parse_spec(spec)
    return f"{kind}:{folder}" if folder else kind


def load_dataset(spec: str, split: str) -> ImageSet:
    """The train or test split of the data set a spec names (see dataset_name), as 32×32 uint8 images."""
    if split not in SPLITS:
        raise SpecError(f"unknown split {split!r}; expected one of {SPLITS}")
    kind, folder = parse_spec(spec)
    if kind == "mnist":
        return load_mnist(split)
    if kind == "fashion-mnist":
        return load_fashion(split, folder)
    return load_folder(folder, split)


def load_splits(spec: str, limit: int = 0) -> tuple[ImageSet, ImageSet]:
    """The training and test splits of a data set; ``limit`` > 0 keeps the first ``limit`` training images and
    the first ``limit // TEST_SHARE`` test images (at least one), the rule every quick run and test follows."""
    train, test = load_dataset(spec, "train"), load_dataset(spec, "test")
    if limit:
        train, test = train.subset(limit), test.subset(max(limit // TEST_SHARE, 1))
    return train, test


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split a spec into its kind ("mnist", "fashion-mnist" or "folder") and its absolute folder, if it names one."""
    text = spec.strip()
    lowered = text.lower()
    if lowered in ("mnist", "fashion-mnist"):
        return lowered, None
    for kind in ("fashion-mnist", "folder"):
        if lowered.startswith(f"{kind}:"):
            rest = text[len(kind) + 1:]
            if not rest:
                raise SpecError(f"data-set spec {spec!r} names no folder after '{kind}:'")
            return kind, _absolute(rest)
    if os.sep in text or "/" in text or text.startswith(("~", ".")) or Path(text).is_dir():
        return "folder", _absolute(text)
    raise SpecError(f"unknown data set {spec!r}; expected {SPEC_HELP}")


def _absolute(folder: str) -> str:
    return str(Path(folder).expanduser().resolve())
