"""Figures of the latent space drawn from the stored analyses: the PCA map (the paper's Fig. 4) and violins.

Every figure puts the models side by side on shared axes, so their spreads compare at a glance.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from aevae.analysis import Analysis
from aevae.report.palette import VIOLIN_FILL, class_colour, model_label

POINT_SIZE = 1.0  # pt²: 60,000 points stay readable as a cloud
POINT_ALPHA = 0.35
VIOLIN_HALF_WIDTH = 0.4  # of the spacing between neighbouring violins


def class_legend(fig: Figure, classes: list[str]) -> None:
    """One legend for the whole figure: a coloured dot per class."""
    handles = [Line2D([], [], linestyle="", marker="o", markersize=6, color=class_colour(k)) for k in range(len(classes))]
    fig.legend(handles, classes, loc="outside right center", title="class", frameon=False)


def pca_figure(analyses: list[Analysis], seed: int = 0) -> Figure:
    """Scatter of every training latent projected on its model's first two principal components, coloured by class.

    All panels share one square window, centred on the latents' mean, holding 99.9 % of every model's points.
    """
    fig = Figure(figsize=(5.2 * len(analyses) + 1.2, 5.0), layout="constrained")
    axes = fig.subplots(1, len(analyses), sharex=True, sharey=True, squeeze=False)[0]
    for ax, a in zip(axes, analyses):
        points = a.pca_points.astype(np.float32)
        order = np.random.default_rng(seed).permutation(len(points))  # no class is always drawn on top
        colours = np.array([class_colour(k) for k in range(len(a.classes))])[a.labels[order]]
        ax.scatter(points[order, 0], points[order, 1], s=POINT_SIZE, c=colours, alpha=POINT_ALPHA,
                   linewidths=0, rasterized=True)
        ratio = a.pca_explained_variance_ratio
        ax.set_title(f"{model_label(a.kind, a.latent_dim)}: {len(points):,} training latents")
        ax.set_xlabel(f"PC 1 ({ratio[0]:.0%} of variance), latent units")
        ax.set_ylabel(f"PC 2 ({ratio[1]:.0%} of variance), latent units")
        ax.axhline(0, color="0.8", lw=0.6, zorder=0)
        ax.axvline(0, color="0.8", lw=0.6, zorder=0)
        ax.set_box_aspect(1)
    lim = 1.05 * max(np.percentile(np.abs(a.pca_points.astype(np.float32)), 99.9) for a in analyses)
    axes[0].set_xlim(-lim, lim)  # shared by every panel: one latent unit is as long in each
    axes[0].set_ylim(-lim, lim)
    class_legend(fig, analyses[0].classes)
    return fig


def _violin(ax, grid: np.ndarray, density: np.ndarray, x: float, width: float, **fill) -> None:
    peak = density.max()
    if peak <= 0:
        return
    half = width * density / peak
    ax.fill_betweenx(grid, x - half, x + half, **fill)


def violin_figure(analyses: list[Analysis]) -> Figure:
    """One violin per latent dimension for each model (all classes), with the median and the 25–75 % range."""
    fig = Figure(figsize=(4.0 + 0.9 * max(a.latent_dim for a in analyses) * len(analyses), 4.4), layout="constrained")
    axes = fig.subplots(1, len(analyses), sharey=True, squeeze=False)[0]
    for ax, a in zip(axes, analyses):
        for j in range(a.latent_dim):
            _violin(ax, a.density_grid[j], a.density[j], j + 1, VIOLIN_HALF_WIDTH, color=VIOLIN_FILL,
                    edgecolor="#2b4a6f", linewidth=0.8)
            q = a.quantiles[j]
            ax.vlines(j + 1, q[25], q[75], color="#2b4a6f", lw=3)
            ax.plot([j + 1], [q[50]], marker="o", color="white", markeredgecolor="#2b4a6f", markersize=5)
        ax.set_xticks(range(1, a.latent_dim + 1), [f"z{j + 1}" for j in range(a.latent_dim)])
        ax.set_title(model_label(a.kind, a.latent_dim))
        ax.set_xlabel("latent dimension")
        ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    axes[0].set_ylabel("latent value (training μ), latent units")
    fig.suptitle("Distribution of each latent dimension (kernel density; bar = 25–75 %, dot = median)")
    return fig


SPLIT_SMOOTH = 3  # grid steps either side pooled when counting a factor's values, as the explorer's violins do


def factor_shares(latent: np.ndarray, levels: np.ndarray, n_levels: int, grid: np.ndarray) -> np.ndarray:
    """(G, L): at each grid point, the share of the training latents there (within ``SPLIT_SMOOTH`` grid steps)
    that have each of the factor's ``n_levels`` values; an even split where no latent is near."""
    step = (grid[-1] - grid[0]) / max(len(grid) - 1, 1) or 1.0
    at = np.clip(np.rint((latent - grid[0]) / step).astype(np.int64), 0, len(grid) - 1)
    counts = np.zeros((len(grid), n_levels))
    np.add.at(counts, (at, levels), 1.0)
    kernel = np.ones(2 * SPLIT_SMOOTH + 1)
    pooled = np.stack([np.convolve(counts[:, l], kernel, mode="same") for l in range(n_levels)], axis=1)
    total = pooled.sum(1, keepdims=True)
    return np.where(total > 0, pooled / np.maximum(total, 1e-12), 1.0 / n_levels)


def violin_by_factor_figure(analyses: list[Analysis]) -> Figure:
    """For data with known factors: each model's violins (rows) split across their width by each factor's values
    (columns), as the explorer draws them: a dimension that carries a factor shows its colours in bands along the
    axis, one that ignores it shows them mixed at every height."""
    names = analyses[0].extra["factors"]["factor_names"]
    d = max(a.latent_dim for a in analyses)
    fig = Figure(figsize=(max(2.2 + 0.55 * d, 3.0) * len(names), 2.8 * len(analyses) + 0.6), layout="constrained")
    axes = fig.subplots(len(analyses), len(names), squeeze=False)
    for row, a in zip(axes, analyses):
        mu = a.mu.astype(np.float64)
        for k, (ax, name) in enumerate(zip(row, names)):
            levels = a.factors[:, k].astype(np.int64)
            n_levels = int(levels.max()) + 1
            colours = [_level_colour(name, l, n_levels) for l in range(n_levels)]
            for j in range(a.latent_dim):
                grid, density = a.density_grid[j], a.density[j]
                half = VIOLIN_HALF_WIDTH * density / max(density.max(), 1e-12)
                below = np.zeros_like(grid)
                for l, share in enumerate(factor_shares(mu[:, j], levels, n_levels, grid).T):
                    ax.fill_betweenx(grid, j + 1 - half + 2 * half * below, j + 1 - half + 2 * half * (below + share),
                                     color=colours[l], linewidth=0)
                    below = below + share
            ax.set_xticks(range(1, a.latent_dim + 1), [f"z{j + 1}" for j in range(a.latent_dim)], fontsize=8)
            ax.set_title(name, fontsize=9)
            ax.tick_params(labelsize=7)
        row[0].set_ylabel(f"{model_label(a.kind, a.latent_dim)}\nlatent value, latent units", fontsize=8)
    fig.suptitle("Each dimension's violin split by each known factor's values (ordered factors: dark = first value)",
                 fontsize=10)
    return fig


def _level_colour(name: str, level: int, n_levels: int) -> tuple:
    """Viridis for ordered factors (scale, orientation, position), the class palette for shape and colour."""
    if name in ("shape", "colour"):
        return class_colour(level)
    return tuple(matplotlib.colormaps["viridis"](level / max(n_levels - 1, 1)))


def violin_by_class_figure(analyses: list[Analysis]) -> Figure:
    """Per-class violins: one panel per (model, dimension), one narrow violin per class, shared y within a dimension."""
    d = max(a.latent_dim for a in analyses)
    n_classes = len(analyses[0].classes)
    fig = Figure(figsize=(max(1.8 + 0.32 * n_classes * d, 7.0), 2.6 * len(analyses) + 0.8), layout="constrained")
    axes = fig.subplots(len(analyses), d, sharey="col", squeeze=False)
    for row, a in zip(axes, analyses):
        for j, ax in enumerate(row):
            if j >= a.latent_dim:
                ax.set_visible(False)
                continue
            for k in range(n_classes):
                _violin(ax, a.density_grid[j], a.density_by_class[j, k], k, VIOLIN_HALF_WIDTH,
                        color=class_colour(k), alpha=0.85, linewidth=0)
            ax.set_xticks([])
            ax.set_title(f"z{j + 1}", fontsize=9)
            ax.axhline(0, color="0.8", lw=0.6, zorder=0)
        row[0].set_ylabel(f"{model_label(a.kind, a.latent_dim)}\nlatent value, latent units")
    class_legend(fig, analyses[0].classes)
    fig.suptitle("Each latent dimension by class (densities scaled to equal height per class)", fontsize=10)
    return fig



def pca_by_factor_figure(analyses: list[Analysis], seed: int = 0) -> Figure:
    """For data with known factors: the PCA map of each model (rows) coloured by each factor (columns), so one sees
    which factor varies along which direction of the latent space. Panels share the window of ``pca_figure``."""
    names = analyses[0].extra["factors"]["factor_names"]
    values = analyses[0].extra["factors"].get("factor_values") or [[] for _ in names]
    fig = Figure(figsize=(2.6 * len(names) + 0.6, 2.8 * len(analyses) + 0.8), layout="constrained")
    axes = fig.subplots(len(analyses), len(names), sharex=True, sharey=True, squeeze=False)
    lim = 1.05 * max(np.percentile(np.abs(a.pca_points.astype(np.float32)), 99.9) for a in analyses)
    for r, (row, a) in enumerate(zip(axes, analyses)):
        points = a.pca_points.astype(np.float32)
        order = np.random.default_rng(seed).permutation(len(points))  # no value is always drawn on top
        mi = a.extra["factors"]["mi_normalised"]
        for k, (ax, name) in enumerate(zip(row, names)):
            levels = int(a.factors[:, k].max()) + 1
            shown = ax.scatter(points[order, 0], points[order, 1], s=POINT_SIZE, c=a.factors[order, k], cmap="viridis",
                               vmin=-0.5, vmax=levels - 0.5, alpha=POINT_ALPHA * 1.5, linewidths=0, rasterized=True)
            best = max(mi[j][k] for j in range(a.latent_dim))
            ax.set_title(f"{name} (best I/H {best:.2f})", fontsize=9)
            ax.set_box_aspect(1)
            ax.tick_params(labelsize=7)
            if r == len(analyses) - 1:  # one scale per factor, under its column
                bar = fig.colorbar(shown, ax=axes[:, k], location="bottom", shrink=0.8, aspect=15)
                bar.solids.set_alpha(1)
                labels = values[k] if len(values[k]) == levels else [str(v) for v in range(levels)]
                step = max(1, levels // 4)
                bar.set_ticks(range(0, levels, step), labels=labels[::step], fontsize=7)
        row[0].set_ylabel(f"{model_label(a.kind, a.latent_dim)}\nPC 2, latent units", fontsize=8)
    axes[0, 0].set_xlim(-lim, lim)
    axes[0, 0].set_ylim(-lim, lim)
    fig.suptitle("Training latents on their first two principal components, coloured by each known factor")
    return fig
