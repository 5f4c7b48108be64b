"""LatentStats: everything measured on a set of latents and their labels, in scikit-learn's estimator shape.

``__init__`` stores parameters only; ``fit(latents, labels)`` learns the attributes ending in ``_``; ``score``
classifies held-out latents with k-NN. PCA is computed here with NumPy's SVD (the same decomposition as
``sklearn.decomposition.PCA``, with its sign convention) so the stored components are reproducible without
scikit-learn's solver choices.
"""

from __future__ import annotations

import numpy as np

from aevae.analysis import organisation
from aevae.analysis.density import GRID_POINTS, density_grid, kde_on_grid

PCA_COMPONENTS = 2  # the paper's Fig. 4 is a 2-D projection
QUANTILES = np.arange(101)  # percentiles 0, 1, …, 100 of each dimension


class LatentStats:
    """Statistics of latents (N, d) with integer labels (N,): PCA, densities, quantiles, spread, organisation."""

    def __init__(self, n_classes: int, grid_points: int = GRID_POINTS, seed: int = 0) -> None:
        self.n_classes = n_classes  # C: rows of density_by_class_, even for classes absent from the sample
        self.grid_points = grid_points  # G: points of each dimension's density grid
        self.seed = seed  # seeds every subsample (kde, k-means, silhouette, k-NN)

    def fit(self, latents: np.ndarray, labels: np.ndarray) -> LatentStats:
        """Learn every statistic from training latents and their labels; returns self."""
        z = np.asarray(latents, np.float64)
        y = np.asarray(labels, np.int64)
        rng = np.random.default_rng(self.seed)
        self._fit_pca(z)
        self._fit_densities(z, y, rng)
        self.quantiles_ = np.percentile(z, QUANTILES, axis=0).T  # (d, 101)
        self.mean_latent_norm_ = float(np.linalg.norm(z, axis=1).mean())
        self.per_dim_std_ = z.std(axis=0)  # (d,)
        self.kmeans_ = organisation.cluster_scores(z, y, rng)
        self.silhouette_by_label_ = organisation.label_silhouette(z, y, rng)
        self._train = (z, y)  # kept for score(); a reference, not a copy
        return self

    def score(self, latents: np.ndarray, labels: np.ndarray) -> float:
        """k-NN (k = 5) digit accuracy on held-out latents, neighbours taken from the fitted training latents."""
        z, y = self._train
        rng = np.random.default_rng(self.seed + 1)
        return organisation.knn_accuracy(z, y, np.asarray(latents, np.float64), np.asarray(labels), rng)

    def transform(self, latents: np.ndarray) -> np.ndarray:
        """Project latents (N, d) onto the fitted principal components: (N, 2)."""
        return (np.asarray(latents, np.float64) - self.pca_mean_) @ self.pca_components_.T

    def _fit_pca(self, z: np.ndarray) -> None:
        self.pca_mean_ = z.mean(axis=0)
        centred = z - self.pca_mean_
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        k = min(PCA_COMPONENTS, vt.shape[0])
        # scikit-learn's svd_flip convention: the largest-magnitude entry of each component is positive.
        signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
        vt = vt * np.where(signs == 0, 1.0, signs)[:, None]
        variance = s**2 / max(len(z) - 1, 1)
        total = variance.sum()
        components = np.zeros((PCA_COMPONENTS, z.shape[1]))  # a 1-D latent gets a zero second component
        explained = np.zeros(PCA_COMPONENTS)
        components[:k], explained[:k] = vt[:k], variance[:k]
        self.pca_components_ = components  # (2, d)
        self.pca_explained_variance_ = explained  # (2,)
        self.pca_explained_variance_ratio_ = explained / total if total > 0 else np.zeros(PCA_COMPONENTS)

    def _fit_densities(self, z: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        d, g, c = z.shape[1], self.grid_points, self.n_classes
        self.density_grid_ = np.stack([density_grid(z[:, j], g) for j in range(d)])  # (d, G)
        self.density_ = np.stack([kde_on_grid(z[:, j], self.density_grid_[j], rng) for j in range(d)])  # (d, G)
        by_class = np.zeros((d, c, g))
        for k in range(c):
            members = z[y == k]
            for j in range(d):
                by_class[j, k] = kde_on_grid(members[:, j], self.density_grid_[j], rng)
        self.density_by_class_ = by_class  # (d, C, G); a class with no members has an all-zero row
