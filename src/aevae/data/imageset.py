"""The data layer's shared types: the ImageSet every loader returns, its error, and MNIST's 28 → 32 padding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aevae.errors import AevaeError

SIZE = 32  # side of every image handed to the models: MNIST's 28 plus 2 px each side, a power of two for the convs
MNIST_SIZE = 28  # side of MNIST and Fashion-MNIST as distributed
SPLITS = ("train", "test")  # every data set has these two


class DataError(AevaeError, RuntimeError):
    """Any problem with data: a missing, truncated or corrupt file, an unusable image, a failed download."""


class SpecError(DataError, ValueError):
    """An unknown data-set spec or split; also a ValueError, since the caller passed a bad argument."""


@dataclass(frozen=True, eq=False)  # eq=False: comparing ndarray fields element-wise has no single truth value
class ImageSet:
    """Images ready for the models: bright ink on a dark background, 32×32 uint8, with integer labels."""

    images: np.ndarray  # (N, 32, 32) uint8, 0 = background, 255 = ink
    labels: np.ndarray  # (N,) int64, index into classes
    classes: tuple[str, ...]  # class names, index = label
    name: str  # canonical data-set name, see aevae.data.dataset_name

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 3 or self.images.shape[1:] != (SIZE, SIZE):
            raise DataError(f"{self.name}: images must be uint8 (N, {SIZE}, {SIZE}), "
                            f"got {self.images.dtype} {self.images.shape}")
        if self.labels.dtype != np.int64 or self.labels.shape != (len(self.images),):
            raise DataError(f"{self.name}: labels must be int64 ({len(self.images)},), "
                            f"got {self.labels.dtype} {self.labels.shape}")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.classes)):
            raise DataError(f"{self.name}: labels must lie in 0..{len(self.classes) - 1}, "
                            f"got {self.labels.min()}..{self.labels.max()}")

    def __len__(self) -> int:
        """Number of images."""
        return len(self.images)

    def subset(self, n: int) -> ImageSet:
        """The first n images (all of them if there are fewer), for tiny tests and quick runs."""
        if n < 0:
            raise ValueError(f"subset size must be >= 0, got {n}")
        return ImageSet(self.images[:n], self.labels[:n], self.classes, self.name)


def pad_to_32(images_28: np.ndarray) -> np.ndarray:
    """Zero-pad (N, 28, 28) uint8 images by 2 px on each side to (N, 32, 32)."""
    if images_28.ndim != 3 or images_28.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise DataError(f"pad_to_32 expects (N, {MNIST_SIZE}, {MNIST_SIZE}), got {images_28.shape}")
    margin = (SIZE - MNIST_SIZE) // 2
    return np.pad(images_28, ((0, 0), (margin, margin), (margin, margin)))
