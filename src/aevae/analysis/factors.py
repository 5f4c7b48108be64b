"""How the latent dimensions carry the known factors of a data set (the sprites' shape, scale, orientation, x, y).

Three standard measures, computed from the training latents (μ) and each image's factor values; NumPy only.
disentanglement_lib (Locatello et al. 2019), the usual reference implementation, needs TensorFlow, which aevae does
not depend on, so the formulas are written here following the papers and that library's choices (20 equal-width
bins per latent dimension, 64 images per FactorVAE vote).

- Mutual information matrix I(z_j; v_k), in nats: each latent dimension's values are put in ``BINS`` equal-width
  bins between its minimum and maximum and the discrete mutual information is read off the joint histogram with
  each factor. Divided by the factor's entropy H(v_k) it lies in [0, 1]: 1 when the dimension determines the factor.
- MIG, the mutual information gap (Chen, Li, Grosse & Duvenaud 2018, "Isolating Sources of Disentanglement in
  Variational Autoencoders", eq. 6): for each factor, the gap between the largest and second-largest I(z_j; v_k)
  over the dimensions, divided by H(v_k); MIG is its mean over the factors. 1: every factor lives in one dimension
  and in no other; 0: no dimension stands out for any factor.
- FactorVAE score (Kim & Mnih 2018, "Disentangling by Factorising", section 4): latents are divided by their
  standard deviation over the data set; a vote fixes one factor at one value, draws ``VOTE_BATCH`` images that
  share it and picks the dimension of least variance among them. A majority-vote classifier (dimension -> factor)
  is fitted on ``TRAIN_VOTES`` votes and its accuracy on ``EVAL_VOTES`` fresh votes is the score: 1 when each
  factor has a dimension of its own. With d latent dimensions and K factors at most min(d, K) factors can be told
  apart, so the score's ceiling is min(d, K) / K (0.8 for d = 4 and the five grey sprite factors).
"""

from __future__ import annotations

import numpy as np

BINS = 20  # per latent dimension, as disentanglement_lib discretises for MIG
VOTE_BATCH = 64  # images per FactorVAE vote (Kim & Mnih 2018 use L = 64)
TRAIN_VOTES = 2000  # votes the majority classifier is fitted on
EVAL_VOTES = 1000  # votes it is scored on

FACTOR_UNITS = {
    "mi_nats": "I(z_j; v_k): mutual information of each latent dimension (binned training μ, 20 bins) with each "
               "factor, nats; rows = latent dimensions, columns = factors",
    "mi_normalised": "the same divided by the factor's entropy H(v_k): 0 (nothing) to 1 (the dimension determines "
                     "the factor)",
    "factor_entropy_nats": "entropy of each factor over the training images, nats",
    "mig": "mutual information gap (Chen et al. 2018): mean over factors of (largest - second largest "
           "I(z_j; v_k)) / H(v_k), 0-1",
    "mig_per_factor": "that gap for each factor, 0-1",
    "factorvae_score": "FactorVAE score (Kim & Mnih 2018): accuracy of the majority-vote classifier, 0-1, ceiling "
                       "min(d, K) / K",
}


def binned(latents: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Each column of (N, d) latents as integer bin indices 0..bins-1 of equal-width bins over its range."""
    lo, hi = latents.min(0), latents.max(0)
    width = np.where(hi > lo, (hi - lo) / bins, 1.0)
    return np.clip(((latents - lo) / width).astype(np.int64), 0, bins - 1)


def entropy(codes: np.ndarray) -> float:
    """Entropy in nats of one discrete variable given as non-negative integer codes (N,)."""
    p = np.bincount(codes) / len(codes)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """I(a; b) in nats of two discrete variables given as non-negative integer codes (N,), from their histogram."""
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= len(a)
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())


def mi_matrix(latents: np.ndarray, factors: np.ndarray, bins: int = BINS) -> np.ndarray:
    """I(z_j; v_k) in nats, (d, K), for latents (N, d) and integer factor values (N, K)."""
    codes = binned(latents, bins)
    return np.array([[mutual_information(codes[:, j], factors[:, k]) for k in range(factors.shape[1])]
                     for j in range(latents.shape[1])])


def mig(mi: np.ndarray, factor_entropy: np.ndarray) -> tuple[float, np.ndarray]:
    """MIG (Chen et al. 2018, eq. 6) and its per-factor gaps from an MI matrix (d, K) and the factor entropies (K,).

    With one latent dimension the second-largest information is taken as 0.
    """
    ordered = np.sort(mi, axis=0)[::-1]  # (d, K), largest first
    second = ordered[1] if len(ordered) > 1 else np.zeros(mi.shape[1])
    gaps = (ordered[0] - second) / np.maximum(factor_entropy, 1e-12)
    return float(gaps.mean()), gaps


def factorvae_score(latents: np.ndarray, factors: np.ndarray, seed: int = 0, batch: int = VOTE_BATCH,
                    train_votes: int = TRAIN_VOTES, eval_votes: int = EVAL_VOTES) -> tuple[float, list[int]]:
    """The FactorVAE score (Kim & Mnih 2018) of latents (N, d) against factors (N, K), and the factor the majority
    classifier assigns to each dimension (-1 for a dimension that never won a vote)."""
    rng = np.random.default_rng(seed)
    scale = latents.std(0)
    active = scale > 1e-8  # a dimension that never moves carries nothing; it must not win votes by standing still
    normalised = latents / np.where(active, scale, 1.0)
    k_count, d = factors.shape[1], latents.shape[1]
    members = [[np.flatnonzero(factors[:, k] == v) for v in np.unique(factors[:, k])] for k in range(k_count)]

    def votes(n: int) -> np.ndarray:
        out = np.empty((n, 2), np.int64)  # (dimension of least variance, fixed factor)
        for i in range(n):
            k = rng.integers(k_count)
            group = members[k][rng.integers(len(members[k]))]
            chosen = normalised[group[rng.integers(len(group), size=batch)]]  # with replacement, as the library
            variance = np.where(active, chosen.var(0), np.inf)
            out[i] = variance.argmin(), k
        return out

    fitted = np.zeros((d, k_count), np.int64)
    np.add.at(fitted, tuple(votes(train_votes).T), 1)
    assigned = np.where(fitted.sum(1) > 0, fitted.argmax(1), -1)
    check = votes(eval_votes)
    return float((assigned[check[:, 0]] == check[:, 1]).mean()), assigned.tolist()


def factor_scores(latents: np.ndarray, factors: np.ndarray, names: tuple[str, ...] | list[str],
                  seed: int = 0, values: tuple[tuple[str, ...], ...] = ()) -> dict:
    """Everything above for latents (N, d) and factors (N, K) named ``names``, as a JSON-ready dict (units in
    ``FACTOR_UNITS``); ``values`` (each factor's value labels, e.g. ``ImageSet.factor_values``) is passed through
    for legends."""
    latents = np.asarray(latents, np.float64)
    factors = np.asarray(factors, np.int64)
    h = np.array([entropy(factors[:, k]) for k in range(factors.shape[1])])
    mi = mi_matrix(latents, factors)
    gap, gaps = mig(mi, h)
    score, assigned = factorvae_score(latents, factors, seed)
    return {
        "factor_names": list(names),
        "factor_values": [list(v) for v in values],
        "mi_nats": mi.tolist(),
        "mi_normalised": (mi / np.maximum(h, 1e-12)).tolist(),
        "factor_entropy_nats": h.tolist(),
        "mig": gap,
        "mig_per_factor": gaps.tolist(),
        "factorvae_score": score,
        "factorvae_ceiling": min(latents.shape[1], factors.shape[1]) / factors.shape[1],
        "factorvae_dimension_factor": assigned,
        "n_images": len(latents),
        "settings": {"bins": BINS, "vote_batch": VOTE_BATCH, "train_votes": TRAIN_VOTES, "eval_votes": EVAL_VOTES,
                     "seed": seed},
    }


def describe_factors(scores: dict) -> list[str]:
    """Lines for `aevae analyze`: MIG and the FactorVAE score, then the normalised MI matrix as a small table."""
    names, matrix = scores["factor_names"], np.asarray(scores["mi_normalised"])
    lines = [f"  factors ({scores['n_images']} training images): MIG {scores['mig']:.3f} (0-1), FactorVAE score "
             f"{scores['factorvae_score']:.3f} (0-1, ceiling {scores['factorvae_ceiling']:.2f} at this d)",
             "  I(z_j; factor) / H(factor), 0-1 (rows: latent dimensions):",
             "        " + "".join(f"{n[:11]:>12}" for n in names)]
    lines += [f"    z{j + 1:<3}" + "".join(f"{v:12.3f}" for v in row) for j, row in enumerate(matrix)]
    return lines
