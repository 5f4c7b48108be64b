"""Losses, with their reductions spelled out.

Every per-image quantity is a *sum* over pixels or latent dimensions (nats per image); batch
losses are the *mean* of those per-image sums. This is the reduction of Kingma & Welling (2014)
and of pytorch/examples' VAE; per-pixel figures are only ever reported with "per pixel" in their name.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from aevae.config import ModelConfig

def bce_per_image(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Bernoulli negative log-likelihood in nats, summed over pixels: (B, C, S, S) -> (B,)."""
    return F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) in nats for each image and dimension: (B, d) -> (B, d).

    Closed form from Kingma & Welling (2014), appendix B: -1/2 (1 + log sigma^2 - mu^2 - sigma^2).
    """
    return -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp())


def mmd(z: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """Biased estimate of the squared maximum mean discrepancy between two samples (B, d).

    Gaussian kernel with bandwidth 2d, as in Zhao, Song & Ermon, "InfoVAE" (2019).
    """
    d = z.shape[1]

    def kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.exp(-torch.cdist(a, b).pow(2) / (2.0 * d))

    return kernel(z, z).mean() + kernel(prior, prior).mean() - 2.0 * kernel(z, prior).mean()


def training_loss(cfg: ModelConfig, out: dict, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """The objective for ``cfg.kind`` (mean over the batch) and its parts in nats per image.

    ae: BCE. vae / beta-vae: BCE + beta * KL (beta = 1 is the negative ELBO). mmd-vae: BCE + beta * KL
    + mmd_weight * MMD(q(z), N(0, I)), the InfoVAE objective with the aggregate-posterior divergence
    measured by MMD.
    """
    rec = bce_per_image(out["logits"], x).mean()
    loss = rec
    parts = {"bce": rec.item()}
    if out["logvar"] is not None:
        kl = kl_per_dim(out["mu"], out["logvar"]).sum(1).mean()
        parts["kl"] = kl.item()
        if cfg.beta:
            loss = loss + cfg.beta * kl
    if cfg.mmd_weight:
        m = mmd(out["z"], torch.randn_like(out["z"]))
        parts["mmd"] = m.item()
        loss = loss + cfg.mmd_weight * m
    return loss, parts
