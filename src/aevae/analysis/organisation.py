"""How the latent space is organised with respect to the labels: neighbours, clusters, separation.

Each score runs on a random subsample (sizes below, recorded in the analysis) because their cost grows with N
or N²; the subsample is drawn with a fixed seed so numbers repeat.
"""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score, silhouette_score
from sklearn.neighbors import KNeighborsClassifier

KNN_K = 5  # neighbours voting for a test image's digit
KNN_TRAIN = 20_000  # training latents the k-NN classifier looks through (all test latents are classified)
KMEANS_K = 10  # clusters, one per digit as in the paper's clustering remark
KMEANS_POINTS = 10_000  # training latents k-means is fitted on
KMEANS_INIT = 3  # k-means restarts; the best inertia wins
SILHOUETTE_POINTS = 5_000  # silhouette needs all pairwise distances: 5k points = 25M distances
SILHOUETTE_MEMORY_MIB = 16  # distances are computed in chunks this large, not as one 200 MiB matrix


def subsample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``size`` of ``n`` items drawn without replacement (all of them if n <= size)."""
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size, replace=False))


def knn_accuracy(train_z: np.ndarray, train_y: np.ndarray, test_z: np.ndarray, test_y: np.ndarray,
                 rng: np.random.Generator) -> float:
    """Fraction of test images whose label is the majority of their ``KNN_K`` nearest training latents."""
    idx = subsample(len(train_z), KNN_TRAIN, rng)
    k = min(KNN_K, len(idx))
    clf = KNeighborsClassifier(n_neighbors=k).fit(train_z[idx], train_y[idx])
    return float(clf.score(test_z, test_y))


def cluster_scores(z: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> dict[str, float]:
    """k-means (k = 10) on the latents: NMI and purity of the clusters against the labels.

    Purity: each cluster votes for its most common label; the fraction of points that match their cluster's vote.
    """
    idx = subsample(len(z), KMEANS_POINTS, rng)
    z, y = z[idx], y[idx]
    k = min(KMEANS_K, len(np.unique(z, axis=0)))
    clusters = KMeans(n_clusters=k, n_init=KMEANS_INIT, random_state=int(rng.integers(2**31))).fit_predict(z)
    counts = np.zeros((k, int(y.max()) + 1), np.int64)
    np.add.at(counts, (clusters, y), 1)
    return {"kmeans10_nmi": float(normalized_mutual_info_score(y, clusters)),
            "kmeans10_purity": float(counts.max(axis=1).sum() / len(y))}


def label_silhouette(z: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> float | None:
    """Mean silhouette of the labels as clusters (−1…1; high = digits form separate clumps); None with < 2 labels."""
    idx = subsample(len(z), SILHOUETTE_POINTS, rng)
    if len(np.unique(y[idx])) < 2:
        return None
    with sklearn.config_context(working_memory=SILHOUETTE_MEMORY_MIB):
        return float(silhouette_score(z[idx], y[idx]))
