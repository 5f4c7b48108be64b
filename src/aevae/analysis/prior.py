"""Does a sample from the prior N(0, I) decode to something that looks like real data?

Measured by nearest-neighbour distance in pixel space, calibrated on the model's own reconstructions: decode
``PRIOR_SAMPLES`` latents drawn from N(0, I); for each, find the nearest of ``REFERENCE_IMAGES`` training images
(root-mean-square pixel difference, pixels in [0, 1]). Do the same for the model's reconstructions of test images.
A prior sample counts as plausible when it lies as close to some real image as 95 % of reconstructions do
(distance ≤ their 95th percentile). Calibrating on reconstructions, not on raw images, means the decoder's usual
blur is not held against the samples.
"""

from __future__ import annotations

import numpy as np
import torch

from aevae.analysis.encoding import decode_latents
from aevae.analysis.organisation import subsample
from aevae.models import LatentModel

PRIOR_SAMPLES = 500  # decoded prior draws; the plausible fraction is then known to about ±2 %
REFERENCE_IMAGES = 5_000  # training images searched for each nearest neighbour
RECONSTRUCTIONS = 500  # test images whose reconstructions set the threshold
THRESHOLD_PERCENTILE = 95.0


def nearest_rms(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """RMS pixel distance (Q,) from each query image to its nearest reference image; both (·, S, S) in [0, 1]."""
    q = torch.as_tensor(queries.reshape(len(queries), -1), dtype=torch.float32)
    r = torch.as_tensor(reference.reshape(len(reference), -1), dtype=torch.float32)
    squared = (q.pow(2).sum(1, keepdim=True) + r.pow(2).sum(1) - 2.0 * q @ r.T).clamp_min(0)  # (Q, R)
    return (squared.min(dim=1).values / q.shape[1]).sqrt().numpy()


def prior_plausibility(model: LatentModel, train_images: np.ndarray, test_images: np.ndarray,
                       test_mu: np.ndarray, seed: int = 0) -> dict:
    """Fraction of decoded N(0, I) samples that are as near a real image as the model's reconstructions are."""
    rng = np.random.default_rng(seed)
    reference = train_images[subsample(len(train_images), REFERENCE_IMAGES, rng)].astype(np.float32) / 255.0
    z = rng.standard_normal((PRIOR_SAMPLES, model.cfg.latent_dim)).astype(np.float32)
    recon_idx = subsample(len(test_images), RECONSTRUCTIONS, rng)
    prior_d = nearest_rms(decode_latents(model, z), reference)
    recon_d = nearest_rms(decode_latents(model, test_mu[recon_idx]), reference)
    threshold = float(np.percentile(recon_d, THRESHOLD_PERCENTILE))
    return {
        "plausible_fraction": float((prior_d <= threshold).mean()),
        "threshold_rms_per_pixel": threshold,
        "median_nn_rms_per_pixel_prior": float(np.median(prior_d)),
        "median_nn_rms_per_pixel_reconstructions": float(np.median(recon_d)),
        "n_prior_samples": PRIOR_SAMPLES,
        "n_reference_images": len(reference),
        "n_reconstructions": len(recon_idx),
        "method": f"fraction of {PRIOR_SAMPLES} decoded N(0, I) samples whose RMS pixel distance to the nearest of "
                  f"{len(reference)} training images is at most the {THRESHOLD_PERCENTILE:g}th percentile of the same "
                  f"distance for the model's reconstructions of {len(recon_idx)} test images",
    }
