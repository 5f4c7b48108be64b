"""A human-readable account of a data set: where it was found, its shapes, class counts and brightness."""

from __future__ import annotations

import numpy as np

from aevae.data.fashion import locate
from aevae.data.imageset import SPLITS, ImageSet
from aevae.data.mnist import ensure_cache
from aevae.data.registry import load_dataset, parse_spec


def fetch_report(spec: str) -> str:
    """Load (fetching if need be) both splits of a data set and describe them, for `aevae data SPEC`."""
    kind, folder = parse_spec(spec)
    if kind == "mnist":
        path, origin = ensure_cache()
        where = f"cache {path}" + ("" if origin == "cache" else f" (just fetched from {origin})")
    elif kind == "fashion-mnist":
        where = f"folder {locate(folder)}"
    else:
        where = f"folder {folder}"
    lines = [f"{spec}: from {where}"]
    for split in SPLITS:
        lines += _describe(split, load_dataset(spec, split))
    return "\n".join(lines)


def _describe(split: str, data: ImageSet) -> list[str]:
    counts = np.bincount(data.labels, minlength=len(data.classes))
    mean = float(data.images.mean()) if len(data) else 0.0
    return [
        f"{split}: {len(data)} images, array {data.images.dtype} {data.images.shape}, "
        f"pixel mean {mean:.1f} of 255 ({mean / 255:.3f} in [0, 1]), name {data.name!r}",
        "  images per class: " + ", ".join(f"{name} {n}" for name, n in zip(data.classes, counts, strict=True)),
    ]
