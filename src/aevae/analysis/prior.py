"""Does a sample from the prior N(0, I) decode to something that looks like a real digit?

Measured in pixel space against real images, with two tests:

- *near*: the RMS pixel distance (pixels in [0, 1]) to the nearest of ``REFERENCE_IMAGES`` training images is at
  most the 95th percentile of the same distance for real test images;
- *unambiguous*: at least ``AGREEMENT`` of its ``NEIGHBOURS`` nearest training images share one label (a k-NN
  digit classifier in pixel space is confident).

A decoded sample is *plausible* when it passes both. The first rejects shapes far from any digit; the second
rejects blends of several digits: the pixel-wise average of MNIST lies as near a training image as real digits
do (squared error favours blur), but its neighbours split between classes. The same tests applied to the real
test images give the ceiling (``real_plausible_fraction``) to read the samples' fraction against.
"""

from __future__ import annotations

import numpy as np
import torch

from aevae.analysis.encoding import decode_latents
from aevae.analysis.organisation import subsample
from aevae.models import LatentModel

PRIOR_SAMPLES = 500  # decoded prior draws; the plausible fraction is then known to about ±2 %
REFERENCE_IMAGES = 5_000  # training images searched for neighbours
REAL_IMAGES = 500  # real test images that calibrate both thresholds
NEIGHBOURS = 10  # nearest training images whose labels vote
PERCENTILE = 95.0  # share of real test images the distance test lets through
AGREEMENT = 0.7  # a clear majority: at least 7 of the 10 nearest training images carry one label


def neighbours(queries: np.ndarray, reference: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query image: RMS distance to the nearest reference image, and the largest share of its
    ``NEIGHBOURS`` nearest references that carry one label. Images (·, S, S) with values in [0, 1]."""
    q = torch.as_tensor(queries.reshape(len(queries), -1), dtype=torch.float32)
    r = torch.as_tensor(reference.reshape(len(reference), -1), dtype=torch.float32)
    squared = (q.pow(2).sum(1, keepdim=True) + r.pow(2).sum(1) - 2.0 * q @ r.T).clamp_min(0)  # (Q, R)
    k = min(NEIGHBOURS, len(reference))
    dist, idx = squared.topk(k, dim=1, largest=False)
    votes = labels[idx.numpy()]  # (Q, k)
    agreement = np.array([np.bincount(v).max() / k for v in votes])
    return (dist[:, 0] / q.shape[1]).sqrt().numpy(), agreement


def prior_plausibility(model: LatentModel, train_images: np.ndarray, train_labels: np.ndarray,
                       test_images: np.ndarray, seed: int = 0) -> dict:
    """Fraction of decoded N(0, I) samples that pass both tests of the module docstring, with the thresholds."""
    rng = np.random.default_rng(seed)
    ref_idx = subsample(len(train_images), REFERENCE_IMAGES, rng)
    reference, labels = train_images[ref_idx].astype(np.float32) / 255.0, train_labels[ref_idx]
    real = test_images[subsample(len(test_images), REAL_IMAGES, rng)].astype(np.float32) / 255.0
    z = rng.standard_normal((PRIOR_SAMPLES, model.cfg.latent_dim)).astype(np.float32)
    real_dist, real_agree = neighbours(real, reference, labels)
    dist, agree = neighbours(decode_latents(model, z), reference, labels)
    max_dist = float(np.percentile(real_dist, PERCENTILE))
    near, unambiguous = dist <= max_dist, agree >= AGREEMENT
    k = min(NEIGHBOURS, len(reference))
    return {
        "plausible_fraction": float((near & unambiguous).mean()),
        "near_fraction": float(near.mean()),
        "unambiguous_fraction": float(unambiguous.mean()),
        "real_plausible_fraction": float(((real_dist <= max_dist) & (real_agree >= AGREEMENT)).mean()),
        "max_nn_rms_per_pixel": max_dist,
        "min_neighbour_agreement": AGREEMENT,
        "median_nn_rms_per_pixel_prior": float(np.median(dist)),
        "median_nn_rms_per_pixel_real": float(np.median(real_dist)),
        "n_prior_samples": PRIOR_SAMPLES,
        "n_reference_images": len(reference),
        "n_real_images": len(real),
        "neighbours": k,
        "method": f"fraction of {PRIOR_SAMPLES} decoded N(0, I) samples that lie as near one of {len(reference)} "
                  f"training images (RMS pixel distance) as {PERCENTILE:g} % of {len(real)} real test images do, and "
                  f"whose {k} nearest training images agree on one label at least {AGREEMENT:.0%} of the time; "
                  "real_plausible_fraction is the same test passed by the real test images",
    }
