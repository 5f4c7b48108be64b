"""The data layer's shared types: the ImageSet every loader returns, its error, and MNIST's 28 → 32 padding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aevae.errors import AevaeError

SIZE = 32  # default side of the images handed to the models: MNIST's 28 plus 2 px each side, a power of two
SIZES = (32, 64)  # the sides a data set can be loaded at (--image-size)
CHANNELS = (1, 3)  # grey or RGB
MNIST_SIZE = 28  # side of MNIST and Fashion-MNIST as distributed
SPLITS = ("train", "test")  # every data set has these two


class DataError(AevaeError, RuntimeError):
    """Any problem with data: a missing, truncated or corrupt file, an unusable image, a failed download."""


class SpecError(DataError, ValueError):
    """An unknown data-set spec or split; also a ValueError, since the caller passed a bad argument."""


@dataclass(frozen=True, eq=False)  # eq=False: comparing ndarray fields element-wise has no single truth value
class ImageSet:
    """Images ready for the models, uint8, with integer labels and, for data sets that have them, known factors.

    Grey images are (N, S, S), bright ink (or shape) on a dark background, as MNIST is; colour images are
    (N, 3, S, S), channels first as PyTorch takes them. S is one of SIZES.
    """

    images: np.ndarray  # (N, S, S) or (N, 3, S, S) uint8, 0 = dark
    labels: np.ndarray  # (N,) int64, index into classes
    classes: tuple[str, ...]  # class names, index = label
    name: str  # canonical data-set name, see aevae.data.dataset_name
    factors: np.ndarray | None = None  # (N, K) int64: index of each image's value of each known factor, or None
    factor_names: tuple[str, ...] = ()  # the K factors' names, e.g. ("shape", "scale", "orientation", "x", "y")
    factor_values: tuple[tuple[str, ...], ...] = ()  # each factor's values as labels ("heart", "0.75"), by index

    def __post_init__(self) -> None:
        shape, n = self.images.shape, len(self.images)
        square = self.images.ndim >= 3 and shape[-1] == shape[-2] and shape[-1] in SIZES
        layout = self.images.ndim == 3 or (self.images.ndim == 4 and shape[1] == 3)
        if self.images.dtype != np.uint8 or not (square and layout):
            raise DataError(f"{self.name}: images must be uint8 (N, S, S) grey or (N, 3, S, S) colour with S in "
                            f"{SIZES}, got {self.images.dtype} {shape}")
        if self.labels.dtype != np.int64 or self.labels.shape != (n,):
            raise DataError(f"{self.name}: labels must be int64 ({n},), got {self.labels.dtype} {self.labels.shape}")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.classes)):
            raise DataError(f"{self.name}: labels must lie in 0..{len(self.classes) - 1}, "
                            f"got {self.labels.min()}..{self.labels.max()}")
        if self.factors is not None and (self.factors.dtype != np.int64
                                         or self.factors.shape != (n, len(self.factor_names))):
            raise DataError(f"{self.name}: factors must be int64 ({n}, {len(self.factor_names)}), one column per "
                            f"factor name, got {self.factors.dtype} {self.factors.shape}")
        if self.factor_values:
            counts = np.array([len(v) for v in self.factor_values])
            if len(counts) != len(self.factor_names) or (n and (self.factors.max(0) >= counts).any()):
                raise DataError(f"{self.name}: factor_values must label every value of each of the "
                                f"{len(self.factor_names)} factors")

    def __len__(self) -> int:
        """Number of images."""
        return len(self.images)

    @property
    def channels(self) -> int:
        """1 for grey images, 3 for colour."""
        return 1 if self.images.ndim == 3 else self.images.shape[1]

    @property
    def side(self) -> int:
        """Height (= width) of the images in pixels."""
        return self.images.shape[-1]

    def subset(self, n: int) -> ImageSet:
        """The first n images (all of them if there are fewer), for tiny tests and quick runs."""
        if n < 0:
            raise ValueError(f"subset size must be >= 0, got {n}")
        factors = None if self.factors is None else self.factors[:n]
        return ImageSet(self.images[:n], self.labels[:n], self.classes, self.name, factors, self.factor_names,
                        self.factor_values)


def pad_to_32(images_28: np.ndarray) -> np.ndarray:
    """Zero-pad (N, 28, 28) uint8 images by 2 px on each side to (N, 32, 32)."""
    if images_28.ndim != 3 or images_28.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise DataError(f"pad_to_32 expects (N, {MNIST_SIZE}, {MNIST_SIZE}), got {images_28.shape}")
    margin = (SIZE - MNIST_SIZE) // 2
    return np.pad(images_28, ((0, 0), (margin, margin), (margin, margin)))
