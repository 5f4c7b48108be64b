"""Images handed over as arrays, for exploring a model aevae did not train: any square size, 1 or 3 channels.

``array_images(images, labels)`` takes a NumPy array or a torch tensor (anything ``np.asarray`` reads) of shape
(N, C, S, S) or (N, S, S), channels first, with values in [0, 1] (floats) or 0..255 (uint8), and optional labels
(N,) of any kind (numbers, in increasing order, or names, in the order they first appear, become the classes). Nothing is resized or
normalised: the images are the ones the user's model reads, stored as 8-bit like every image aevae keeps. Also
``load_arrays(path)`` for the command line: a ``.npy`` file of images, or a ``.npz`` with ``images`` and an
optional ``labels`` array, read without unpickling.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aevae.data.imageset import DataError

CHANNELS = (1, 3)  # grey or RGB
NO_LABELS = "all"  # the one class of images given without labels


@dataclass(frozen=True, eq=False)
class ArrayImages:
    """A user's images as the analysis reads an ImageSet: images (N, C, S, S) uint8, labels, classes, name, and how
    an outside picture (a drawing, an upload) is prepared to look like them (``aevae.data.preprocess``)."""

    images: np.ndarray  # (N, C, S, S) uint8, channels first
    labels: np.ndarray  # (N,) int64, index into classes
    classes: tuple[str, ...]
    name: str
    factors: None = None  # images handed over carry no known factors (see ImageSet for data sets that do)
    factor_names: tuple[str, ...] = ()
    factor_values: tuple[tuple[str, ...], ...] = ()
    preprocess: str = "fit"  # images as given; "glyph" where they are MNIST-style (looks_like_glyphs, a glyph data set)

    def __len__(self) -> int:
        """Number of images."""
        return len(self.images)


GLYPH_GROUND = 26  # uint8, about 0.1: grey images whose median pixel is darker are light strokes on a dark ground


def looks_like_glyphs(images: np.ndarray) -> bool:
    """Whether uint8 images (N, C, S, S) are MNIST-style glyphs, light strokes on a dark ground (grey, the median
    pixel of a sample of them under ``GLYPH_GROUND``): a drawing or an upload is then prepared the glyph way."""
    sample = images[:: max(1, len(images) // 256)]
    return images.shape[1] == 1 and float(np.median(sample)) < GLYPH_GROUND


def array_images(images: Any, labels: Any = None, name: str = "your images") -> ArrayImages:
    """The images and labels as ``ArrayImages``; DataError names what is wrong with them."""
    x = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in CHANNELS or x.shape[2] != x.shape[3] or not len(x):
        hint = " (channels last? move them first: x.transpose(0, 3, 1, 2))" if x.ndim == 4 and x.shape[-1] in \
            CHANNELS and x.shape[1] not in CHANNELS else ""
        raise DataError(f"images must be an array (N, C, S, S) or (N, S, S) of square images with C = 1 or 3 "
                        f"channels, N ≥ 1; got shape {x.shape}{hint}")
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.floating) and not np.issubdtype(x.dtype, np.integer) or x.dtype == bool:
            raise DataError(f"images must hold numbers, got dtype {x.dtype}")
        x = x.astype(np.float32)  # a copy, so the steps below may work in place
        lo, hi = float(x.min()), float(x.max())  # NaN if any value is NaN; ±inf if any is infinite
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise DataError("images hold NaN or infinite values")
        if lo < 0 or hi > 1:
            raise DataError(f"images of dtype {np.asarray(images).dtype} must lie in [0, 1] (or be uint8 0..255); "
                            f"got values in [{lo:.3g}, {hi:.3g}]")
        x = np.rint(np.multiply(x, 255, out=x), out=x).astype(np.uint8)  # 2,000 64×64 RGB images: 98 MB each pass
    how = "glyph" if looks_like_glyphs(x) else "fit"
    if labels is None:
        return ArrayImages(np.ascontiguousarray(x), np.zeros(len(x), np.int64), (NO_LABELS,), name, preprocess=how)
    y = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
    if y.shape != (len(x),):
        raise DataError(f"labels must be one per image, shape ({len(x)},); got {y.shape}")
    classes, first, index = np.unique(y, return_index=True, return_inverse=True)
    if y.dtype.kind in "USO":  # names keep the order the user gave them in, not the alphabet's
        rank = np.argsort(np.argsort(first))
        classes, index = classes[np.argsort(first)], rank[index.reshape(-1)]
    return ArrayImages(np.ascontiguousarray(x), index.astype(np.int64), tuple(str(c) for c in classes), name,
                       preprocess=how)


def load_arrays(path: str | Path) -> ArrayImages:
    """Images (and labels) from a ``.npy`` file or a ``.npz`` file with ``images`` and optional ``labels``."""
    path = Path(path)
    try:
        loaded = np.load(path, allow_pickle=False)  # never unpickle: an object array is refused
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read images from it ({exc}); give a .npy array or a .npz with an "
                        "'images' array") from None
    if isinstance(loaded, np.ndarray):
        return array_images(loaded, name=path.stem)
    with loaded:
        if "images" not in loaded.files:
            raise DataError(f"{path} holds {', '.join(loaded.files) or 'no arrays'}; it needs one named 'images' "
                            "(and optionally 'labels')")
        arrays = {}
        for name in ("images", "labels"):
            if name not in loaded.files:
                continue
            try:
                arrays[name] = loaded[name]
            except ValueError:  # an object array: reading it would unpickle
                raise DataError(f"{path}: '{name}' is an array of Python objects, which aevae does not unpickle; "
                                f"save it as numbers or strings, e.g. np.savez(..., {name}=np.asarray({name}, "
                                f"dtype={'str' if name == 'labels' else 'np.float32'}))") from None
        return array_images(arrays["images"], arrays.get("labels"), name=path.stem)
