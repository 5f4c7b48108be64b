"""Sprites: a dSprites-like data set with known factors, drawn here, deterministically, with NumPy and Pillow.

dSprites (Matthey, Higgins, Hassabis & Lerchner 2017, https://github.com/deepmind/dsprites-dataset) is every
combination of a shape (square, ellipse, heart), a scale, an orientation and an x and y position, so each image's
generating factors are known and a latent space can be scored on how it carries them. Its 737,280 images of 64×64
are more than a 2-core CPU trains on in minutes; this set keeps the factors and their ranges on a coarser grid
(``GRIDS``): the grey variant has 3 × 4 × 10 × 12 × 12 = 17,280 images, the colour variant adds a colour factor
(red, green, blue) on a coarser position grid, 3 × 3 × 3 × 8 × 8 × 8 = 13,824 images. Either is drawn at 32 or 64
px, white (or coloured) on black, antialiased by drawing at 4× the size and averaging 4×4 blocks.

Factor values: scale from 0.5 to 1 of the largest sprite (which fits a circle of 0.4 × the image side); orientation
from 0 to 2π (end excluded; as in dSprites, a square repeats every quarter turn and an ellipse every half turn, so
part of that factor is invisible); x and y centres from 0.2 to 0.8 of the side, so no sprite is ever cut.

Drawn on first use and cached under the data folder (``aevae.data.cache.data_dir``) as one .npz per variant and
size, written atomically; `aevae data sprites` draws it ahead. A fixed tenth of the images (seeded) is the test
split; both splits come in a seeded random order.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from aevae.data.cache import data_dir, load_npz, save_npz
from aevae.data.imageset import SIZES, SPLITS, DataError, ImageSet, SpecError

VARIANTS = ("grey", "colour")
SHAPES = ("square", "ellipse", "heart")
COLOURS = {"red": (1.0, 0.25, 0.2), "green": (0.2, 0.85, 0.3), "blue": (0.3, 0.45, 1.0)}  # bright on black
GRIDS = {  # values per factor, in the order of the factor columns; see the module docstring for their ranges
    "grey": {"shape": 3, "scale": 4, "orientation": 10, "x": 12, "y": 12},
    "colour": {"colour": 3, "shape": 3, "scale": 3, "orientation": 8, "x": 8, "y": 8},
}
SUPERSAMPLE = 4  # drawn at 4× the side and averaged down: each pixel's value is the share of it the sprite covers
RADIUS = 0.2  # of the image side: the largest sprite fits a circle this wide, centred at least this far from an edge
TEST_SHARE = 10  # one image in ten is a test image
SPLIT_SEED = 0
CACHE_VERSION = 1  # bumped when the drawing changes, so an old cache is never read as the new one


def factor_values(variant: str) -> dict[str, list]:
    """Each factor's values, in column order: names for shape and colour, numbers for the rest (scale as a fraction
    of the largest sprite, orientation in radians, x and y as fractions of the side)."""
    grid = _grid(variant)
    values = {"colour": list(COLOURS)[: grid.get("colour", 0)], "shape": list(SHAPES)}
    values["scale"] = np.linspace(0.5, 1.0, grid["scale"]).tolist()
    values["orientation"] = (2 * np.pi * np.arange(grid["orientation"]) / grid["orientation"]).tolist()
    values["x"] = values["y"] = np.linspace(0.2, 0.8, grid["x"]).tolist()
    return {name: values[name] for name in grid}


def render_sprites(variant: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw every combination of the variant's factors: images uint8 (N, S, S) grey or (N, 3, S, S) colour, and
    factors int64 (N, K), each column the index of that factor's value (``factor_values``)."""
    if size not in SIZES:
        raise DataError(f"sprites are drawn at {' or '.join(map(str, SIZES))} px, not {size}")
    grid, values = _grid(variant), factor_values(variant)
    factors = np.array(list(itertools.product(*(range(n) for n in grid.values()))), np.int64)
    names = list(grid)
    big = size * SUPERSAMPLE
    colours = np.array([COLOURS[c] for c in values.get("colour", [])], np.float32).reshape(-1, 3, 1, 1)
    images = np.empty((len(factors), size, size) if variant == "grey" else (len(factors), 3, size, size), np.uint8)
    for i, row in enumerate(factors):
        f = {name: values[name][j] for name, j in zip(names, row, strict=True)}
        canvas = Image.new("L", (big, big), 0)
        centre = np.array([f["x"], f["y"]]) * big
        points = _outline(f["shape"], RADIUS * f["scale"] * big, f["orientation"]) + centre
        ImageDraw.Draw(canvas).polygon([tuple(p) for p in points], fill=255)
        # each pixel's value is the share of it the sprite covers: the mean of its 4×4 block of the big canvas
        mask = np.asarray(canvas, np.float32).reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3))
        images[i] = np.rint(mask if variant == "grey" else colours[row[0]] * mask)  # (3, 1, 1) * (S, S)
    return images, factors


def cache_path(variant: str, size: int) -> Path:
    """Where the drawn set of a variant and size is cached."""
    return data_dir() / "sprites" / f"sprites-{variant}-{size}px-v{CACHE_VERSION}.npz"


def ensure_sprites(variant: str, size: int) -> tuple[Path, str]:
    """Make sure the variant is cached at this size, drawing it if need be; its path and "cache" or "drawn"."""
    path = cache_path(variant, size)
    if path.exists():
        return path, "cache"
    n = int(np.prod(list(_grid(variant).values())))
    print(f"aevae: drawing the {variant} sprites ({n:,} images at {size} px) into {path}, once", file=sys.stderr,
          flush=True)
    images, factors = render_sprites(variant, size)
    save_npz(path, images=images, factors=factors)
    return path, "drawn"


def load_sprites(split: str, variant: str = "grey", size: int = 32) -> ImageSet:
    """The train or test split of the sprites, with their factors; labels are the shapes."""
    if split not in SPLITS:
        raise SpecError(f"unknown split {split!r}; expected one of {SPLITS}")
    grid = _grid(variant)
    path, _ = ensure_sprites(variant, size)
    arrays = load_npz(path, ("images", "factors"))
    images, factors = arrays["images"], arrays["factors"]
    n = int(np.prod(list(grid.values())))
    if len(images) != n or factors.shape != (n, len(grid)):
        raise DataError(f"{path}: holds {len(images)} images with factors {factors.shape}, expected {n} and "
                        f"({n}, {len(grid)}); delete it to draw it again")
    # Drawn in grid order; a seeded shuffle splits them and makes the first N of either split (--limit) a fair sample
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    keep = order[: n // TEST_SHARE] if split == "test" else order[n // TEST_SHARE:]
    name = "sprites" if variant == "grey" else f"sprites:{variant}"
    shape_column = list(grid).index("shape")
    labels = tuple(tuple(v if isinstance(v, str) else f"{v:.3g}" for v in values)
                   for values in factor_values(variant).values())
    return ImageSet(images[keep], factors[keep, shape_column].astype(np.int64), SHAPES, name,
                    factors[keep].astype(np.int64), tuple(grid), labels)


def _grid(variant: str) -> dict[str, int]:
    if variant not in GRIDS:
        raise SpecError(f"unknown sprites variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    return GRIDS[variant]


def _outline(shape: str, radius: float, angle: float) -> np.ndarray:
    """The shape's outline (P, 2) in pixels about (0, 0), fitting a circle of ``radius``, turned by ``angle``."""
    t = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    if shape == "square":
        points = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]]) / np.sqrt(2)
    elif shape == "ellipse":
        points = np.stack([np.cos(t), 0.5 * np.sin(t)], axis=1)  # 2:1, so its orientation shows
    else:  # the classic heart curve, point down, scaled so its farthest point lies on the circle
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        points = np.stack([x, y + 2.5], axis=1)  # shifted so the curve sits about its box's centre
        points /= np.linalg.norm(points, axis=1).max()
    c, s = np.cos(angle), np.sin(angle)
    return radius * points @ np.array([[c, s], [-s, c]])
