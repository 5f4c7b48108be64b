"""From a data-set spec, as typed on the command line or stored in a run's config, to the loader that serves it."""

from __future__ import annotations

import os
from pathlib import Path

from aevae.config import AUTO_PREPROCESS, PREPROCESS, PREPROCESSING
from aevae.data.fashion import load_fashion
from aevae.data.folder import folder_channels, load_folder
from aevae.data.imageset import SIZE, SIZES, SPLITS, ImageSet, SpecError
from aevae.data.mnist import load_mnist
from aevae.data.preprocess import resize_images
from aevae.data.sprites import VARIANTS, load_sprites

TEST_SHARE = 6  # a limited run keeps one test image per six training images, as MNIST has (60,000 / 10,000)
SPEC_HELP = ("'mnist', 'fashion-mnist', 'fashion-mnist:DIR', 'sprites', 'sprites:colour', 'folder:DIR' or the "
             "path of an image folder")


def dataset_name(spec: str) -> str:
    """The canonical name of a spec, as stored in run configs: "mnist", "fashion-mnist[:/abs/dir]", "sprites[:colour]",
    "folder:/abs/dir".

    Relative paths become absolute so that a stored name still means the same data from another working directory.
    """
    kind, folder = parse_spec(spec)
    return f"{kind}:{folder}" if folder else kind


def resolve_preprocess(spec: str, preprocess: str = AUTO_PREPROCESS) -> str:
    """The preprocessing a data set is loaded with: ``preprocess`` itself, or for "auto" the data set's own (``fit``
    for sprites, ``glyph`` for everything else, as before there was a choice). Refuses what cannot work."""
    kind, _ = parse_spec(spec)
    if preprocess == AUTO_PREPROCESS:
        return "fit" if kind == "sprites" else "glyph"
    if preprocess not in PREPROCESSING:
        raise SpecError(f"unknown preprocessing {preprocess!r}; choose one of {', '.join(PREPROCESS)}")
    if kind == "sprites" and preprocess == "glyph":
        raise SpecError("sprites are drawn at the model's size; glyph preprocessing would erase their position and "
                        "scale factors: use --preprocess fit (what auto picks for sprites)")
    return preprocess


def data_channels(spec: str, preprocess: str = AUTO_PREPROCESS) -> int:
    """How many channels the data set's images have when loaded this way (1 or 3), found without loading them."""
    kind, folder = parse_spec(spec)
    how = resolve_preprocess(spec, preprocess)
    if kind == "sprites":
        return 3 if folder == "colour" else 1
    if kind == "folder" and how == "fit":
        return folder_channels(folder)
    return 1


def load_dataset(spec: str, split: str, size: int = SIZE, preprocess: str = AUTO_PREPROCESS) -> ImageSet:
    """The train or test split of the data set a spec names (see dataset_name), as uint8 images of side ``size``,
    prepared the ``preprocess`` way (see resolve_preprocess)."""
    if split not in SPLITS:
        raise SpecError(f"unknown split {split!r}; expected one of {SPLITS}")
    if size not in SIZES:
        raise SpecError(f"image size must be one of {', '.join(map(str, SIZES))}, got {size}")
    how = resolve_preprocess(spec, preprocess)
    kind, folder = parse_spec(spec)
    if kind == "sprites":
        return load_sprites(split, folder or "grey", size)
    if kind == "folder":
        return load_folder(folder, split, size, how)
    data = load_mnist(split) if kind == "mnist" else load_fashion(split, folder)
    if how == "glyph" and size == SIZE:
        return data  # stored MNIST-style already: padded 28 -> 32
    # glyph at 64 px is the 32 px glyph at twice the scale; fit fills the frame with the 28 px digit, unpadded
    raw = data.images if how == "glyph" else data.images[:, 2:-2, 2:-2]
    return ImageSet(resize_images(raw, size), data.labels, data.classes, data.name)


def load_splits(spec: str, limit: int = 0, size: int = SIZE, preprocess: str = AUTO_PREPROCESS) -> tuple[ImageSet, ImageSet]:
    """The training and test splits of a data set (arguments as for load_dataset); ``limit`` > 0 keeps the first
    ``limit`` training images and the first ``limit // TEST_SHARE`` test images (at least one), the rule every quick
    run and test follows."""
    train, test = load_dataset(spec, "train", size, preprocess), load_dataset(spec, "test", size, preprocess)
    if limit:
        train, test = train.subset(limit), test.subset(max(limit // TEST_SHARE, 1))
    return train, test


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split a spec into its kind ("mnist", "fashion-mnist", "sprites" or "folder") and its absolute folder, if it
    names one; for sprites the second part is the variant ("colour"), or None for the grey one."""
    text = spec.strip()
    lowered = text.lower()
    if lowered in ("mnist", "fashion-mnist", "sprites", "sprites:grey"):
        return lowered.removesuffix(":grey"), None
    if lowered.startswith("sprites:"):
        variant = lowered.split(":", 1)[1].replace("color", "colour")  # both spellings
        if variant not in VARIANTS:
            raise SpecError(f"unknown sprites variant in {spec!r}; expected 'sprites' or 'sprites:colour'")
        return "sprites", variant
    for kind in ("fashion-mnist", "folder"):
        if lowered.startswith(f"{kind}:"):
            rest = text[len(kind) + 1:]
            if not rest:
                raise SpecError(f"data-set spec {spec!r} names no folder after '{kind}:'")
            return kind, _folder(rest)
    if os.sep in text or "/" in text or text.startswith(("~", ".")) or Path(text).is_dir():
        return "folder", _folder(text)
    raise SpecError(f"unknown data set {spec!r}; expected {SPEC_HELP}")


def _folder(text: str) -> str:
    """The absolute path of a folder a spec names; a file there is refused (a data set is a folder or a name)."""
    folder = _absolute(text)
    if Path(folder).is_file():
        raise SpecError(f"{folder} is a file, not a data set; expected {SPEC_HELP}")
    return folder


def _absolute(folder: str) -> str:
    return str(Path(folder).expanduser().resolve())
