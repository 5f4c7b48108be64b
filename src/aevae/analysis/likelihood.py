"""The importance-weighted estimate of -log p(x) for VAEs: a tighter bound than the one-sample ELBO.

Burda, Grosse & Salakhutdinov (2016), "Importance Weighted Autoencoders", eq. 8: with z_1..z_k drawn from q(z|x),

    log p(x) >= L_k = E[ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) ],   L_1 = ELBO <= L_k <= log p(x),

and L_k -> log p(x) as k grows. pythae reports its NLL the same way with k = 500. Cost: k decodes per image, so
it runs on a subsample of the test set (the first ``IW_IMAGES``), in batches of ``IW_BATCH_DECODES`` decodes.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from aevae.metrics import as_batch
from aevae.models import LatentModel, bce_per_image

IW_SAMPLES = 500  # k of Burda et al. and of pythae's NLL
IW_IMAGES = 500  # test images it runs on: 250k decodes, about 25 CPU-seconds (one core of the shared 2-core CPU)
IW_BATCH_DECODES = 2_500  # decodes per forward pass (5 images); 2,500 was cheaper per decode than 10,000 here
IW_SEED = 4321  # fixed noise, so the estimate repeats exactly

LOG_2PI = math.log(2.0 * math.pi)

LIKELIHOOD_UNITS = {
    "iw_nll_nats_per_image": f"-log p(x) estimated by the importance-weighted bound (Burda et al. 2016) with "
                             f"k = iw_samples posterior samples, nats per image, mean over the first iw_test_images "
                             f"test images",
    "iw_neg_elbo_nats_per_image": "the one-sample -ELBO averaged over the same k samples and images (nats/image), "
                                  "for comparison on the same subsample",
    "iw_samples": "posterior samples per image (k) of the importance-weighted bound",
    "iw_test_images": "test images the importance-weighted bound is averaged over (the first N of the test set)",
}


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension, in nats."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


@torch.inference_mode()
def log_weights(model: LatentModel, x: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """log p(x|z_i) + log p(z_i) - log q(z_i|x) for k samples z_i ~ q(z|x) per image: (B, C, S, S) -> (B, k)."""
    enc = model.encode(x)
    mu, logvar = enc.mu[:, None], enc.logvar[:, None]  # (B, 1, d)
    eps = torch.randn((len(x), k, mu.shape[-1]), generator=generator, device=x.device)
    z = mu + (0.5 * logvar).exp() * eps  # (B, k, d)
    logits = model.decode_logits(z.flatten(0, 1))  # (B*k, C, S, S)
    log_px_z = -bce_per_image(logits, x.repeat_interleave(k, dim=0)).view(len(x), k)
    log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
    return log_px_z + log_pz - log_normal(z, mu, logvar)


def importance_weighted_nll(model: LatentModel, images: np.ndarray, k: int = IW_SAMPLES,
                            batch_decodes: int = IW_BATCH_DECODES, seed: int = IW_SEED) -> dict[str, float | int]:
    """The importance-weighted -log p(x) of a VAE on uint8 ``images`` (N, S, S), and the -ELBO on the same samples.

    -log p(x) ~= -(logsumexp_i log w_i - log k), averaged over images (nats per image).
    """
    if not model.cfg.variational:
        raise ValueError("the importance-weighted bound needs a VAE (an encoder that outputs q(z|x))")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    per_batch = max(batch_decodes // k, 1)
    nll = elbo = 0.0
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(images), per_batch):
            w = log_weights(model, as_batch(images[start : start + per_batch], device), k, generator).double()
            nll -= (torch.logsumexp(w, dim=1) - math.log(k)).sum().item()
            elbo -= w.mean(dim=1).sum().item()
    finally:
        model.train(was_training)
    n = max(len(images), 1)
    return {"iw_nll_nats_per_image": nll / n, "iw_neg_elbo_nats_per_image": elbo / n, "iw_samples": k,
            "iw_test_images": len(images)}
