"""The analysis file: ``RUN_DIR/analysis.safetensors``, written by ``aevae.analysis``, read by the report and the explorer.

Tensors (float32 unless noted; N training images, d latent dimensions, C classes, G = 128 grid points,
K = 16 rate–distortion points):

=============================  =========  ======================================================================
name                           shape      meaning
=============================  =========  ======================================================================
mu                             (N, d)     float16: training latents (the AE's code, the VAE's posterior mean)
sigma                          (N, d)     float16, VAEs only: posterior standard deviations
labels                         (N,)       uint8: class index of each training image
pca_components                 (2, d)     principal axes of the training latents
pca_mean                       (d,)       their mean
pca_explained_variance         (2,)       variance along each axis (latent units²)
pca_explained_variance_ratio   (2,)       fraction of the total variance
pca_points                     (N, 2)     float16: training latents projected on the axes
density_grid                   (d, G)     per-dimension grid for violins
density                        (d, G)     kernel density on that grid (integrates to ≈ 1)
density_by_class               (d, C, G)  the same per class
quantiles                      (d, 101)   0th, 1st, …, 100th percentile of each dimension
rd_bits_per_image              (K,)       total bits k·d of the quantised code, k = 1 … 16
rd_bce_nats_per_image          (K,)       reconstruction BCE at that rate, nats/image
test_bce_quantiles             (1001,)    percentiles 0, 0.1, …, 100 of the test images' reconstruction BCE from
                                          the latent mean, nats/image (optional: older files lack it)
test_typicality_quantiles      (1001,)    VAEs only: the same of |BCE + KL − H| over test images, H their mean
                                          (aevae.analysis.novelty)
factors                        (N, K)     uint8, data sets with known factors only (the sprites): index of each
                                          training image's value of each factor, columns as factors.factor_names
=============================  =========  ======================================================================

Metadata key ``analysis``: a JSON object with data, classes, kind, latent_dim, n_train, n_test, metrics,
organisation, info, prior, novelty, units, seconds and aevae_version (see docs/analysis.md), and for a data set with
known factors ``factors``: the mutual-information matrix, MIG and FactorVAE score (``aevae.analysis.factors``).
No pickle anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open

from aevae.errors import RunError
from aevae.runs.folder import check_not_folder, save_tensors

ANALYSIS = "analysis.safetensors"
META_KEY = "analysis"
DTYPES = {"mu": np.float16, "sigma": np.float16, "pca_points": np.float16, "labels": np.uint8,
          "factors": np.uint8}  # others float32
REQUIRED = ("mu", "labels", "pca_components", "pca_mean", "pca_explained_variance", "pca_explained_variance_ratio",
            "pca_points", "density_grid", "density", "density_by_class", "quantiles", "rd_bits_per_image",
            "rd_bce_nats_per_image")
META_FIELDS = ("data", "classes", "kind", "latent_dim", "n_train", "n_test", "metrics", "organisation", "info",
               "units", "aevae_version")


@dataclass(eq=False)  # eq=False: ndarray fields have no single truth value
class Analysis:
    """An analysed run: the stored arrays as NumPy (names as in the file) and the JSON fields as attributes."""

    arrays: dict[str, np.ndarray] = field(repr=False)  # every tensor of the file, by name
    data: str  # data-set name the latents come from
    classes: list[str]  # class names, index = label
    kind: str  # model kind ("ae", "vae", ...)
    latent_dim: int
    n_train: int
    n_test: int
    metrics: dict[str, Any]  # test metrics, keys with units (aevae.metrics.UNITS)
    organisation: dict[str, Any]  # latent-space organisation scores and the subsample sizes they used
    info: dict[str, Any]  # bit budget and measured bits, with "meaning" sentences
    units: dict[str, str]  # unit and reduction of every number above
    aevae_version: str
    extra: dict[str, Any] = field(default_factory=dict, repr=False)  # further metadata fields (prior, seconds, ...)

    def __getattr__(self, name: str) -> np.ndarray:
        """``analysis.mu`` etc.: the array of that name."""
        arrays = self.__dict__.get("arrays", {})
        if name in arrays:
            return arrays[name]
        raise AttributeError(name)


def save_analysis(run_dir: Path, analysis: Analysis) -> Path:
    """Write ``run_dir/analysis.safetensors`` atomically (temp file in the folder, then rename); returns its path."""
    meta = {**{k: getattr(analysis, k) for k in META_FIELDS}, **analysis.extra}
    missing = [k for k in REQUIRED if k not in analysis.arrays]
    if missing:
        raise ValueError(f"analysis lacks {', '.join(missing)}")
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=DTYPES.get(k, np.float32)))
               for k, v in analysis.arrays.items()}
    path = Path(run_dir) / ANALYSIS
    text = json.dumps(meta, allow_nan=False)
    save_tensors(path, tensors, {META_KEY: text})
    return path


def load_analysis(run_dir: Path) -> Analysis:
    """Read ``run_dir/analysis.safetensors``; a missing, corrupt or incomplete file raises RunError."""
    path = Path(run_dir) / ANALYSIS
    check_not_folder(path)
    if not path.is_file():
        raise RunError(f"{path} is missing; run: aevae analyze {run_dir}")
    try:
        with safe_open(str(path), framework="np") as f:
            meta_text = (f.metadata() or {}).get(META_KEY)
            arrays = {k: f.get_tensor(k) for k in f.keys()}
        meta = json.loads(meta_text) if meta_text else None
    except (SafetensorError, OSError, ValueError) as exc:
        raise RunError(f"{path} is corrupt or truncated ({exc}); re-run: aevae analyze {run_dir}") from None
    if not isinstance(meta, dict):
        raise RunError(f"{path} has no '{META_KEY}' metadata; re-run: aevae analyze {run_dir}")
    missing = [k for k in REQUIRED if k not in arrays] + [k for k in META_FIELDS if k not in meta]
    if missing:
        raise RunError(f"{path} lacks {', '.join(missing)} (written by another aevae version?); "
                       f"re-run: aevae analyze {run_dir}")
    extra = {k: v for k, v in meta.items() if k not in META_FIELDS}
    return Analysis(arrays=arrays, extra=extra, **{k: meta[k] for k in META_FIELDS})
