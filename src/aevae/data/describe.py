"""A human-readable account of a data set: where it was found, its shapes, class counts and brightness."""

from __future__ import annotations

import numpy as np

from aevae.config import AUTO_PREPROCESS
from aevae.data.fashion import locate
from aevae.data.imageset import SIZE, SPLITS, ImageSet
from aevae.data.mnist import ensure_cache
from aevae.data.registry import load_dataset, parse_spec, resolve_preprocess
from aevae.data.sprites import GRIDS, ensure_sprites, factor_values


def fetch_report(spec: str, size: int = SIZE, preprocess: str = AUTO_PREPROCESS) -> str:
    """Load (fetching or drawing if need be) both splits of a data set and describe them, for `aevae data SPEC`."""
    kind, folder = parse_spec(spec)
    how = resolve_preprocess(spec, preprocess)
    factors = []
    if kind == "mnist":
        path, origin = ensure_cache()
        where = f"cache {path}" + ("" if origin == "cache" else f" (just fetched from {origin})")
    elif kind == "fashion-mnist":
        where = f"folder {locate(folder)}"
    elif kind == "sprites":
        path, origin = ensure_sprites(folder or "grey", size)
        where = f"cache {path}" + ("" if origin == "cache" else " (just drawn)")
        grid = GRIDS[folder or "grey"]
        factors = [f"factors ({' x '.join(str(n) for n in grid.values())} = {int(np.prod(list(grid.values()))):,} "
                   "images, every combination):"]
        factors += [f"  {name}: {', '.join(_value(v) for v in values)}"
                    for name, values in factor_values(folder or "grey").items()]
    else:
        where = f"folder {folder}"
    lines = [f"{spec}: from {where}; {size}x{size} px, preprocessing {how}"]
    for split in SPLITS:
        lines += _describe(split, load_dataset(spec, split, size, how))
    return "\n".join(lines + factors)


def _value(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _describe(split: str, data: ImageSet) -> list[str]:
    counts = np.bincount(data.labels, minlength=len(data.classes))
    mean = float(data.images.mean()) if len(data) else 0.0
    return [
        f"{split}: {len(data)} images, array {data.images.dtype} {data.images.shape}, "
        f"pixel mean {mean:.1f} of 255 ({mean / 255:.3f} in [0, 1]), name {data.name!r}",
        "  images per class: " + ", ".join(f"{name} {n}" for name, n in zip(data.classes, counts, strict=True)),
    ]
