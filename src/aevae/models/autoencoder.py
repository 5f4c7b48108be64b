"""The AE and the VAE family behind one interface: ``encode``, ``decode``, ``forward``.

The only difference between the kinds lives in ``LatentModel.encode`` (a point or a Gaussian)
and in ``aevae.models.objectives`` (which regulariser the loss adds).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from aevae.config import ModelConfig
from aevae.errors import InputError
from aevae.models.encoder_decoder import Decoder, Encoder

# Keeps exp(logvar) finite in float32 when a regulariser lets the variance collapse or explode.
LOGVAR_RANGE = (-20.0, 10.0)


@dataclass
class Encoding:
    """What the encoder says about a batch: the latent mean and, for VAEs, the log-variance."""

    mu: torch.Tensor  # (B, d); the AE's latent code, the VAE's posterior mean (used for display)
    logvar: torch.Tensor | None  # (B, d) for VAEs, None for the AE

    @property
    def sigma(self) -> torch.Tensor | None:
        """Posterior standard deviation, or None for the AE."""
        return None if self.logvar is None else torch.exp(0.5 * self.logvar)


class LatentModel(nn.Module):
    """An autoencoder (``cfg.kind == "ae"``) or a variational one, sharing Encoder and Decoder."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.latent_dim
        self.encoder = Encoder(cfg, 2 * d if cfg.variational else d)
        self.decoder = Decoder(cfg)

    def encode(self, x: torch.Tensor) -> Encoding:
        """Encode images (B, C, S, S) in [0, 1]; images of another shape are refused with an InputError (resizing
        them here would feed the model something it never saw)."""
        check_input(self.cfg, x)
        h = self.encoder(x)
        if not self.cfg.variational:
            return Encoding(h, None)
        mu, logvar = h.chunk(2, dim=1)
        return Encoding(mu, logvar.clamp(*LOGVAR_RANGE))

    def sample(self, enc: Encoding) -> torch.Tensor:
        """Draw z from q(z|x) by reparameterisation, z = mu + sigma * eps (Kingma & Welling 2014).

        The paper this project follows writes sigma^2 * eps; that is a slip: the noise is scaled by the
        standard deviation sigma = exp(logvar / 2), which keeps gradients flowing to mu and logvar.
        For the AE the code is deterministic and returned as is.
        """
        if enc.logvar is None:
            return enc.mu
        return enc.mu + enc.sigma * torch.randn_like(enc.mu)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder logits (B, C, S, S) for latents (B, d)."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded images (B, C, S, S) in [0, 1] for latents (B, d)."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | None]:
        """Encode, sample (VAEs only) and decode: returns mu, logvar, z and logits."""
        enc = self.encode(x)
        z = self.sample(enc) if self.training else enc.mu
        return {"mu": enc.mu, "logvar": enc.logvar, "z": z, "logits": self.decode_logits(z)}


def check_input(cfg: ModelConfig, x: torch.Tensor) -> None:
    """Refuse a batch that is not (B, C, S, S) for the model's channels C and size S, naming both shapes."""
    c, s = cfg.channels, cfg.image_size
    if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
        what = "colour (RGB)" if c == 3 else "grey" if c == 1 else f"{c}-channel"
        got = f"images of shape {tuple(x.shape[1:])}" if x.dim() == 4 else f"a tensor of shape {tuple(x.shape)}"
        raise InputError(f"this model takes {what} {s}x{s} images, batches of shape (B, {c}, {s}, {s}); got "
                         f"{got}. Prepare images the model's way (aevae.data.prepare_image with its "
                         f"preprocessing, size and channels) rather than resizing them")


def build_model(cfg: ModelConfig) -> LatentModel:
    """A freshly initialised model for ``cfg``."""
    return LatentModel(cfg)
