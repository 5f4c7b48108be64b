"""Rate–distortion curve of a latent code: quantise every dimension to k bits, decode, measure the BCE.

Quantiser: uniform with 2^k cells over each dimension's observed training range [min, max]; a value is replaced by
its cell's midpoint (values outside the range fall into the end cells). Total rate = k · d bits per image.
Distortion = reconstruction BCE in nats per image (summed over pixels, mean over images), the same reduction as
``aevae.metrics``.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from aevae.metrics import as_batch
from aevae.models import LatentModel, bce_per_image

BITS = np.arange(1, 17)  # k = 1 … 16 bits per dimension
RD_IMAGES = 2000  # test images on which the curve is measured: 16 decodes of the full 10k would dominate the run
BATCH = 1000  # images per decode


def quantise(z: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, bits: int) -> torch.Tensor:
    """Uniform k-bit quantisation of latents (B, d) over per-dimension ranges [lo, hi], to cell midpoints."""
    cells = 2**bits
    width = (hi - lo).clamp_min(1e-12) / cells
    index = ((z - lo) / width).floor().clamp(0, cells - 1)
    return lo + (index + 0.5) * width


def rate_distortion(model: LatentModel, images: np.ndarray, mu: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    bits: np.ndarray = BITS, progress: bool = True) -> tuple[np.ndarray, float]:
    """BCE (K,) in nats/image of ``images`` decoded from their k-bit quantised latents ``mu``, for each k in
    ``bits``, and the BCE of the unquantised latents (the reference the curve approaches)."""
    device = next(model.parameters()).device
    lo_t = torch.as_tensor(lo, dtype=torch.float32, device=device)
    hi_t = torch.as_tensor(hi, dtype=torch.float32, device=device)
    sums = np.zeros(len(bits) + 1)  # last slot: unquantised
    n = len(images)
    with torch.inference_mode(), tqdm(total=n * (len(bits) + 1), desc="rate-distortion", unit="decode",
                                      disable=not progress, leave=False, dynamic_ncols=True) as bar:
        for start in range(0, n, BATCH):
            x = as_batch(images[start : start + BATCH], device)
            z = torch.as_tensor(mu[start : start + BATCH], dtype=torch.float32, device=device)
            for i, k in enumerate(list(bits) + [None]):
                zq = z if k is None else quantise(z, lo_t, hi_t, int(k))
                sums[i] += bce_per_image(model.decode_logits(zq), x).sum().item()
                bar.update(len(x))
    per_image = sums / max(n, 1)
    return per_image[:-1], float(per_image[-1])
