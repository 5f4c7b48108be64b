"""Figures of decoded images: reconstructions (with the out-of-distribution probes), prior samples, latent
traversals and interpolations, each with the models side by side and the same latents or inputs for both.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from aevae.analysis import Analysis
from aevae.analysis.encoding import decode_latents, encode_images
from aevae.data import ImageSet
from aevae.models import LatentModel
from aevae.report.palette import model_label

GAP = 2  # px of background between tiles
PRIOR_GRID = 8  # prior samples per side of each model's square
TRAVERSAL_STEPS = 9  # columns of a traversal: percentiles 1 … 99 of the dimension, evenly spaced
INTERPOLATION_STEPS = 9  # decoded points from one latent to the other, ends included
INK = "gray"  # colour map: white ink on black, as the models see it


def mosaic(tiles: np.ndarray) -> np.ndarray:
    """Tile grey images (R, C, S, S) into one (H, W) array, or colour ones (R, C, 3, S, S) into one (H, W, 3), with
    GAP-wide mid-grey seams."""
    rows, cols, s = *tiles.shape[:2], tiles.shape[-1]
    colour = tiles.ndim == 5
    tiles = tiles.transpose(0, 1, 3, 4, 2) if colour else tiles  # channels last, as imshow takes them
    out = np.full((rows * (s + GAP) - GAP, cols * (s + GAP) - GAP, *tiles.shape[4:]), 0.5, np.float32)
    for r in range(rows):
        for c in range(cols):
            out[r * (s + GAP): r * (s + GAP) + s, c * (s + GAP): c * (s + GAP) + s] = tiles[r, c]
    return out


def _show(ax, tiles: np.ndarray, row_labels: list[str], col_labels: list[str] | None = None) -> None:
    s = tiles.shape[-1]
    ax.imshow(mosaic(tiles), cmap=INK if tiles.ndim == 4 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([r * (s + GAP) + s / 2 for r in range(tiles.shape[0])], row_labels)
    if col_labels is None:
        ax.set_xticks([])
    else:
        ax.set_xticks([c * (s + GAP) + s / 2 for c in range(tiles.shape[1])], col_labels, rotation=60, ha="right",
                      rotation_mode="anchor", fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)


def reconstruct(model: LatentModel, images: np.ndarray) -> np.ndarray:
    """Decoded latent means of uint8 images (N, S, S) or (N, 3, S, S): the same shape, in [0, 1]."""
    mu, _ = encode_images(model, images, progress=False)
    return decode_latents(model, mu)


def first_of_each_class(test: ImageSet) -> np.ndarray:
    """Index of the first test image of every class present, in class order."""
    return np.array([np.flatnonzero(test.labels == k)[0] for k in range(len(test.classes)) if (test.labels == k).any()])


def reconstructions_figure(models: list[LatentModel], test: ImageSet, probes: ImageSet) -> Figure:
    """Inputs and each model's reconstruction: one test image per class, then the probe images."""
    idx = first_of_each_class(test)
    images = np.concatenate([test.images[idx], probes.images])  # (n, S, S) or (n, 3, S, S) uint8
    names = [test.classes[test.labels[i]] for i in idx] + [f"probe: {n}" for n in probes.classes]
    rows = [images.astype(np.float32) / 255.0] + [reconstruct(m, images) for m in models]
    labels = ["input"] + [model_label(m.cfg.kind, m.cfg.latent_dim) for m in models]
    fig = Figure(figsize=(max(0.62 * len(images) + 1.6, 7.0), 0.7 * len(rows) + 1.4), layout="constrained")
    _show(fig.subplots(), np.stack(rows), labels, names)
    fig.suptitle("Test reconstructions (decoded μ); the probes are drawings no digit looks like", fontsize=10)
    return fig


def prior_figure(models: list[LatentModel], seed: int = 0) -> Figure:
    """Decoded samples z ~ N(0, I), the same draws for every model of the same latent size."""
    fig = Figure(figsize=(4.2 * len(models), 4.6), layout="constrained")
    axes = fig.subplots(1, len(models), squeeze=False)[0]
    for ax, m in zip(axes, models):
        z = np.random.default_rng(seed).standard_normal((PRIOR_GRID**2, m.cfg.latent_dim)).astype(np.float32)
        decoded = decode_latents(m, z)
        tiles = decoded.reshape(PRIOR_GRID, PRIOR_GRID, *decoded.shape[1:])
        _show(ax, tiles, [""] * PRIOR_GRID)
        ax.set_title(model_label(m.cfg.kind, m.cfg.latent_dim))
    fig.suptitle(f"Decoded samples from the prior N(0, I), {PRIOR_GRID ** 2} per model")
    return fig


def traversal_figure(models: list[LatentModel], analyses: list[Analysis]) -> Figure:
    """Per model, one row per latent dimension: that dimension swept from its 1st to its 99th percentile while
    every other dimension stays at its median."""
    rows_max = max(a.latent_dim for a in analyses)
    fig = Figure(figsize=(4.6 * len(models), 3.4 * rows_max / TRAVERSAL_STEPS + 1.4), layout="constrained")
    axes = fig.subplots(1, len(models), squeeze=False)[0]
    percentiles = np.linspace(1, 99, TRAVERSAL_STEPS).round().astype(int)
    for ax, m, a in zip(axes, models, analyses):
        q = a.quantiles  # (d, 101)
        rows = []
        for j in range(a.latent_dim):
            z = np.tile(q[:, 50], (TRAVERSAL_STEPS, 1)).astype(np.float32)
            z[:, j] = q[j, percentiles]
            rows.append(decode_latents(m, z))
        labels = [f"z{j + 1}: {q[j, 1]:.2g} … {q[j, 99]:.2g}" + _main_factor(a, j) for j in range(a.latent_dim)]
        _show(ax, np.stack(rows), labels, [f"p{p}" for p in percentiles])
        ax.set_title(model_label(a.kind, a.latent_dim))
    fig.suptitle("Traversals: one dimension from its 1st to its 99th percentile (training μ), the others at their "
                 "median", fontsize=10)
    return fig


def _main_factor(a: Analysis, dim: int) -> str:
    """For a data set with known factors, the factor this dimension carries most of, e.g. " (x 0.81)" (its share
    of the factor's entropy); empty otherwise."""
    scores = a.extra.get("factors")
    if not scores:
        return ""
    row = scores["mi_normalised"][dim]
    k = max(range(len(row)), key=row.__getitem__)
    return f"\n({scores['factor_names'][k]} {row[k]:.2f})"


def interpolation_pair(test: ImageSet) -> tuple[int, int]:
    """Indices of the first test image and of the first one after it with another label."""
    other = np.flatnonzero(test.labels != test.labels[0])
    return 0, int(other[0]) if len(other) else min(1, len(test) - 1)


def interpolation_figure(models: list[LatentModel], test: ImageSet) -> Figure:
    """Straight-line interpolation between the latents of two test digits, in every model; inputs at both ends."""
    a, b = interpolation_pair(test)
    ends = test.images[[a, b]]
    rows = []
    for m in models:
        mu, _ = encode_images(m, ends, progress=False)
        t = np.linspace(0, 1, INTERPOLATION_STEPS, dtype=np.float32)[:, None]
        path = decode_latents(m, (1 - t) * mu[0] + t * mu[1])
        rows.append(np.concatenate([ends[:1] / 255.0, path, ends[1:] / 255.0]))
    names = [f"input {test.classes[test.labels[a]]}"] + [f"t = {v:.2f}" for v in np.linspace(0, 1, INTERPOLATION_STEPS)]
    names.append(f"input {test.classes[test.labels[b]]}")
    fig = Figure(figsize=(0.62 * (INTERPOLATION_STEPS + 2) + 1.6, 0.62 * len(models) + 1.2), layout="constrained")
    _show(fig.subplots(), np.stack(rows).astype(np.float32), [model_label(m.cfg.kind, m.cfg.latent_dim) for m in models],
          names)
    fig.suptitle("Interpolation between two test digits: decoded (1 − t)·μ_a + t·μ_b", fontsize=10)
    return fig
