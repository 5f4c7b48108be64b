"""A data set made from a folder of image files, one subfolder per class, each image normalised like MNIST
(``glyph``, the default) or resized and cropped with its colours kept (``fit``).

Layouts: ROOT/train/CLASS/* and ROOT/test/CLASS/* give the two splits; otherwise ROOT/CLASS/* is split
deterministically, every TEST_EVERY-th image (sorted by path) going to test. Files that are not images (a
readme.txt) are skipped and reported on stderr; a file that claims to be an image but cannot be read (truncated,
corrupt) or is blank (one flat colour, nothing to learn) is refused with its name, and so is a class folder without
images and a test split with classes the training split lacks. Under ``fit`` a folder with any colour image is a
colour data set: its grey images get their grey copied to three channels, with a note on stderr. Large images are
decoded at a reduced size (``aevae.data.decode``), so a folder costs memory by its number of images, not their size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from aevae.data.decode import ORIENTATION, decode_reduced, upright
from aevae.data.imageset import SIZE, SPLITS, DataError, ImageSet, SpecError
from aevae.data.preprocess import prepare_image, to_uint8

TEST_EVERY = 10  # a 90/10 split: small folders need most of their images for training
SKIPPED_SHOWN = 5  # skipped files named in the report; the rest are counted
GREY_MODES = ("1", "L", "LA", "La", "I", "F")  # Pillow modes without colour (and I;16 variants, checked apart)


def load_folder(root: str | Path, split: str, size: int = SIZE, preprocess: str = "glyph") -> ImageSet:
    """The train or test split of an image folder as a uint8 ImageSet of side ``size``, prepared the ``preprocess``
    way (``glyph`` or ``fit``); classes are the sorted subfolder names."""
    if split not in SPLITS:
        raise SpecError(f"unknown split {split!r}; expected one of {SPLITS}")
    root = Path(root).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise DataError(f"{root} is a file, not an image folder (expected {root}/CLASS/IMAGE files)")
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist")
    if all((root / s).is_dir() for s in SPLITS):
        classes = sorted({c.name for s in SPLITS for c in _class_dirs(root / s)})
        unseen = sorted({c.name for c in _class_dirs(root / "test")} - {c.name for c in _class_dirs(root / "train")})
        if unseen:
            raise DataError(f"image folder {root}: its test split has class(es) its training split lacks: "
                            f"{', '.join(unseen)} (in {root / 'test'}); a model never shown a class cannot be "
                            f"judged on it: add training images of it to {root / 'train'}, or move it out of test")
        files, skipped = _labelled_files(root / split, classes)
    else:
        classes = [c.name for c in _class_dirs(root)]
        everything, skipped = _labelled_files(root, classes)
        files = [f for i, f in enumerate(everything) if (i % TEST_EVERY == TEST_EVERY - 1) == (split == "test")]
        skipped = skipped if split == "train" else []  # both splits scan the same files: report them once
    if skipped:
        names = ", ".join(str(p.relative_to(root)) for p in skipped[:SKIPPED_SHOWN])
        more = f" and {len(skipped) - SKIPPED_SHOWN} more" if len(skipped) > SKIPPED_SHOWN else ""
        print(f"aevae: image folder {root}: skipped {len(skipped)} file(s) that are not images: {names}{more}",
              file=sys.stderr)
    if not classes:
        raise DataError(f"image folder {root} has no class subfolders (expected {root}/CLASS/IMAGE files)")
    if not files:
        raise DataError(f"image folder {root} has no {split} images"
                        + ("" if split == "train" else f" (fewer than {TEST_EVERY} images in all)"))
    channels = 1
    if preprocess == "fit":  # both splits must agree, so the whole folder decides
        colour = [_is_colour(path) for path in _every_image(root)]
        channels = 3 if any(colour) else 1
        if channels == 3 and not all(colour) and split == "train":
            print(f"aevae: image folder {root}: {len(colour) - sum(colour)} grey image(s) among "
                  f"{sum(colour)} colour ones; their grey is copied to the three channels", file=sys.stderr)
    read = [_read(path, preprocess, size, channels) for path, _ in files]
    blank = [path for (path, _), (image, _) in zip(files, read) if image.min() == image.max()]
    if blank:
        names = ", ".join(str(p.relative_to(root)) for p in blank[:SKIPPED_SHOWN])
        more = f" and {len(blank) - SKIPPED_SHOWN} more" if len(blank) > SKIPPED_SHOWN else ""
        raise DataError(f"image folder {root}: {len(blank)} {split} image(s) are blank (one flat colour, no strokes "
                        f"or shapes to learn from): {names}{more}; remove them")
    images = np.stack([image for image, _ in read])
    coloured = sum(colourful for _, colourful in read)
    if coloured and split == "train":  # glyph makes grey MNIST-style digits: right for drawings, not for photos
        print(f"aevae: image folder {root}: {coloured} of {len(read)} training images are in colour; the glyph "
              "preprocessing makes grey MNIST-style glyphs of them (right for digits, letters and drawings); for "
              "photos or sprites use --preprocess fit, which keeps colour", file=sys.stderr)
    labels = np.array([label for _, label in files], dtype=np.int64)
    return ImageSet(images, labels, tuple(classes), f"folder:{root}")


def folder_channels(root: str | Path) -> int:
    """The channels a folder has under ``fit``: 3 if any of its images is in colour, else 1 (file headers only)."""
    return 3 if any(_is_colour(p) for p in _every_image(Path(root).expanduser().resolve())) else 1


def _every_image(root: Path) -> list[Path]:
    """The image files of both splits, in either layout."""
    if all((root / s).is_dir() for s in SPLITS):
        classes = sorted({c.name for s in SPLITS for c in _class_dirs(root / s)})
        return [p for s in SPLITS for p, _ in _labelled_files(root / s, classes)[0]]
    return [p for p, _ in _labelled_files(root, [c.name for c in _class_dirs(root)])[0]]


def _is_colour(path: Path) -> bool:
    """True when the file's pixels have colour, judged from its header (no pixels decoded) and, for palette
    images, from the palette."""
    try:
        with Image.open(path) as img:
            if img.mode in GREY_MODES or img.mode.startswith("I;16"):
                return False
            if img.mode in ("P", "PA"):
                palette = np.asarray(img.getpalette() or [], np.int64).reshape(-1, 3)
                return bool((palette != palette[:, :1]).any())
            return True
    except (OSError, ValueError, Image.DecompressionBombError):
        return False  # refused with its name when read


def _class_dirs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _labelled_files(folder: Path, classes: list[str]) -> tuple[list[tuple[Path, int]], list[Path]]:
    """(path, label) of every image in folder's class subfolders, sorted by path, and the files skipped as no images.

    Hidden files are ignored; a class subfolder that exists but holds no image is a DataError.
    """
    files, skipped = [], []
    for label, name in enumerate(classes):
        class_dir = folder / name
        if not class_dir.is_dir():
            continue
        candidates = sorted(p for p in class_dir.iterdir() if p.is_file() and not p.name.startswith("."))
        kept = {p: _looks_like_image(p) for p in candidates}
        images = [p for p, ok in kept.items() if ok]
        skipped += [p for p, ok in kept.items() if not ok]
        if not images:
            raise DataError(f"class folder {class_dir} holds no images; add some or remove the folder")
        files += [(p, label) for p in images]
    return sorted(files), sorted(skipped)


def _looks_like_image(path: Path) -> bool:
    """True for a file named like an image (kept even if broken, so it is refused by name when read) or one whose
    header Pillow recognises; False for anything else, such as a readme.txt."""
    if path.suffix.lower() in Image.registered_extensions():
        return True
    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError, ValueError):
        return False


COLOUR_LEVELS = 12  # mean spread between an image's colour channels (of 255) above which it counts as colour


def _read(path: Path, preprocess: str, size: int, channels: int) -> tuple[np.ndarray, bool]:
    """One file as a uint8 image of the set's layout, and whether glyph preprocessing dropped real colour from it;
    or a DataError naming the file. Decoded at a reduced size: one large image costs about one decoded frame."""
    try:
        with Image.open(path) as img:
            small = decode_reduced(img)
            small = upright(small, img.getexif().get(ORIENTATION))  # phone photos store their rotation in EXIF
            small = small.copy() if small is img else small  # still usable once the file is closed
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: not a readable image ({e})") from e
    try:
        image = to_uint8(prepare_image(small, preprocess, size, channels))
    except DataError as e:
        raise DataError(f"{path}: {e}") from e
    colourful = False
    if preprocess == "glyph" and small.mode in ("RGB", "RGBA"):
        rgb = np.asarray(small)[:, :, :3].astype(np.int16)
        colourful = bool((rgb.max(axis=2) - rgb.min(axis=2)).mean() > COLOUR_LEVELS)
    return image, colourful
