"""One-dimensional densities of latent values on a fixed grid, for violin plots.

Each dimension gets its own grid, wide enough to hold the data: from the 0.1th to the 99.9th percentile padded by
10 % of that span on each side (and never narrower than the 1st–99th percentiles). The density is a Gaussian
kernel density estimate (``scipy.stats.gaussian_kde``, Scott's bandwidth) fitted on at most ``MAX_KDE_POINTS``
values, so it integrates to about 1 over the grid.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import gaussian_kde

GRID_POINTS = 128  # G: fine enough for a smooth violin, small enough to ship to the browser
MAX_KDE_POINTS = 10_000  # kde cost grows with points × grid; 10k points pin a 1-D density down well
TAIL_PERCENTILES = (0.1, 99.9)  # ends of the robust range; single outliers beyond them do not stretch the violin
PAD = 0.10  # fraction of the robust span added on each side, so the density reaches ~0 inside the grid


def density_grid(values: np.ndarray, points: int = GRID_POINTS) -> np.ndarray:
    """Evenly spaced grid (points,) over the robust, padded range of 1-D ``values``."""
    lo, hi = np.percentile(values, TAIL_PERCENTILES)
    p1, p99 = np.percentile(values, (1.0, 99.0))
    span = hi - lo
    if span <= 0:  # a constant dimension: centre a unit-free small window on it
        span = max(abs(float(lo)), 1.0) * 1e-3
    lo, hi = min(lo - PAD * span, p1), max(hi + PAD * span, p99)
    return np.linspace(lo, hi, points)


def kde_on_grid(values: np.ndarray, grid: np.ndarray, rng: np.random.Generator,
                max_points: int = MAX_KDE_POINTS) -> np.ndarray:
    """Density (G,) of 1-D ``values`` at ``grid``; all zeros when there are no values.

    A constant sample (or a single value) has no spread for a kernel to scale with: it gets a Gaussian one grid
    step wide, which still integrates to about 1.
    """
    if len(values) == 0:
        return np.zeros_like(grid)
    if len(values) > max_points:
        values = rng.choice(values, max_points, replace=False)
    if len(values) < 2 or np.ptp(values) == 0:
        step = grid[1] - grid[0]
        return np.exp(-0.5 * ((grid - values.mean()) / step) ** 2) / (step * np.sqrt(2 * np.pi))
    return gaussian_kde(values.astype(np.float64))(grid)
