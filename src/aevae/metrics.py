"""Test-set metrics with their units in their names.

Reductions: ``*_nats_per_image`` / ``*_bits_per_image`` are sums over pixels (or latent dimensions)
averaged over images; ``mse_per_pixel`` is averaged over pixels and images; ``*_per_dim`` lists
hold one average-over-images value per latent dimension.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from aevae.models import LatentModel, bce_per_image, kl_per_dim

LN2 = math.log(2.0)
EVAL_SEED = 1234  # fixed noise for the one-sample ELBO, so metrics are repeatable and leave training RNG alone

UNITS = {
    "bce_nats_per_image": "reconstruction BCE from the latent mean, nats summed over pixels, mean over images",
    "mse_per_pixel": "squared error of the reconstruction from the latent mean, mean over pixels and images",
    "kl_nats_per_image": "KL(q(z|x) || N(0, I)) in nats, summed over latent dimensions, mean over images",
    "kl_bits_per_image": "the same KL in bits (nats / ln 2)",
    "kl_nats_per_dim": "KL per latent dimension in nats, mean over images",
    "kl_bits_per_dim": "KL per latent dimension in bits, mean over images",
    "neg_elbo_nats_per_image": "BCE of one posterior sample + KL, nats per image (the VAE's bound on -log p(x))",
}


def as_batch(images: np.ndarray | torch.Tensor, device: torch.device | str | None = None) -> torch.Tensor:
    """uint8 images (B, S, S) or (B, C, S, S) -> float tensor (B, C, S, S) in [0, 1], on ``device`` (default: where
    ``images`` already are, so a batch taken from data kept on a GPU stays there)."""
    t = torch.as_tensor(images)
    if t.dtype == torch.uint8:
        t = t.float().div_(255.0)
    if t.dim() == 3:
        t = t.unsqueeze(1)
    return t if device is None else t.to(device)


@torch.no_grad()
def evaluate(model: LatentModel, images: np.ndarray, batch_size: int = 500,
             scores: dict[str, np.ndarray] | None = None) -> dict[str, float | list[float]]:
    """Metrics of ``model`` on ``images`` (uint8, (N, S, S)); see the module docstring for reductions. A dict given
    as ``scores`` is filled with each image's ``bce`` and, for a VAE, ``neg_elbo`` (BCE from the mean + KL), float64
    (N,) nats/image, from the same pass (``aevae.analysis.novelty.image_scores`` returns them alone).

    500 images per pass: the trainer evaluates after every epoch, and on one CPU core a 32×32 VAE's 10,000 test
    images took 1.95 s in passes of 500 against 2.30 s in passes of 1,000 (the activations stay in cache)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(EVAL_SEED)
    n = len(images)
    bce = mse = elbo = 0.0
    kl = torch.zeros(model.cfg.latent_dim, dtype=torch.float64)
    per_image: dict[str, list[torch.Tensor]] = {"bce": [], "neg_elbo": []}
    for start in range(0, n, batch_size):
        x = as_batch(images[start : start + batch_size], device)
        enc = model.encode(x)
        logits = model.decode_logits(enc.mu)
        bce_b = bce_per_image(logits, x)
        bce += bce_b.sum().item()
        mse += (torch.sigmoid(logits) - x).pow(2).flatten(1).mean(1).sum().item()
        if scores is not None:
            per_image["bce"].append(bce_b.double().cpu())
        if enc.logvar is not None:
            kl_b = kl_per_dim(enc.mu, enc.logvar)
            kl += kl_b.sum(0).double().cpu()
            if scores is not None:
                per_image["neg_elbo"].append((bce_b + kl_b.sum(1)).double().cpu())
            z = enc.mu + enc.sigma * torch.randn(enc.mu.shape, generator=gen, device=device)
            elbo += (bce_per_image(model.decode_logits(z), x) + kl_b.sum(1)).sum().item()
    model.train(was_training)
    if scores is not None:
        scores["bce"] = torch.cat(per_image["bce"]).numpy() if per_image["bce"] else np.empty(0)
        if model.cfg.variational:
            scores["neg_elbo"] = torch.cat(per_image["neg_elbo"]).numpy() if per_image["neg_elbo"] else np.empty(0)
    out: dict[str, float | list[float]] = {"bce_nats_per_image": bce / n, "mse_per_pixel": mse / n}
    if model.cfg.variational:
        kl_dim = (kl / n).tolist()
        out.update(
            kl_nats_per_image=sum(kl_dim),
            kl_bits_per_image=sum(kl_dim) / LN2,
            kl_nats_per_dim=kl_dim,
            kl_bits_per_dim=[v / LN2 for v in kl_dim],
            neg_elbo_nats_per_image=elbo / n,
        )
    return out


def summary_line(m: dict) -> str:
    """One human line of the main metrics, every figure with its unit."""
    parts = [f"BCE {m['bce_nats_per_image']:.2f} nats/image", f"MSE {m['mse_per_pixel']:.4f}/pixel"]
    if "kl_nats_per_image" in m:
        parts.append(f"KL {m['kl_nats_per_image']:.2f} nats ({m['kl_bits_per_image']:.2f} bits)/image")
        parts.append(f"-ELBO {m['neg_elbo_nats_per_image']:.2f} nats/image")
    return ", ".join(parts)
