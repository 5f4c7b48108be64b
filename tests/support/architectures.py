"""Architectures the layer-table tests build in PyTorch and run again from their table, in NumPy and in the browser.

Five come from ``ModelConfig`` alone (the shipped one, another width and hidden size, a 64×64 input, colour, and a
64×64 colour one at the default width, four stride-2 stages); one
swaps in an encoder and decoder of other depths, kernels, strides and paddings, with and without biases, to show
that the table follows whatever ``forward`` runs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aevae.config import ModelConfig
from aevae.models import LatentModel, build_model

CONFIGS = {
    "shipped": ModelConfig(kind="vae"),
    "width 24, hidden 64, ae": ModelConfig(kind="ae", latent_dim=3, width=24, hidden=64),
    "64x64": ModelConfig(kind="vae", latent_dim=6, image_size=64, width=8, hidden=48),
    "colour": ModelConfig(kind="beta-vae", channels=3, width=8, hidden=32),
    "64x64 colour, default width": ModelConfig(kind="vae", channels=3, image_size=64),  # four stages, 16..128
}
ARCHITECTURES = [*CONFIGS, "other depth and kernels"]


class OddEncoder(nn.Module):
    """Four convolutions of different kernels and strides, one without bias: (B, 1, 40, 40) -> (B, out)."""

    def __init__(self, hidden: int, out_features: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, stride=2, padding=2)  # 20
        self.conv2 = nn.Conv2d(6, 6, 3, stride=1, padding=1, bias=False)  # 20
        self.conv3 = nn.Conv2d(6, 10, 4, stride=2, padding=1)  # 10
        self.conv4 = nn.Conv2d(10, 12, 3, stride=2, padding=1)  # 5
        self.act = nn.SiLU()
        self.fc1 = nn.Linear(12 * 5 * 5, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.conv1(x))
        h = self.act(self.conv2(h))
        h = F.silu(self.conv3(h))
        h = F.silu(self.conv4(h)).flatten(1)  # (B, 300)
        return self.fc2(F.silu(self.fc1(h)))


class OddDecoder(nn.Module):
    """Transposed convolutions with output padding and a plain convolution between them: (B, d) -> (B, 1, 40, 40)."""

    def __init__(self, latent_dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(latent_dim, hidden)
        self.fc2 = nn.Linear(hidden, 8 * 5 * 5)
        self.up1 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1)  # 10
        self.up2 = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1, bias=False)  # 20
        self.mix = nn.Conv2d(6, 6, 3, padding=1)  # 20
        self.up3 = nn.ConvTranspose2d(6, 1, (4, 4), stride=(2, 2), padding=(1, 1))  # 40

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.fc2(F.silu(self.fc1(z)))).unflatten(1, (8, 5, 5))
        h = F.silu(self.up1(h))
        h = F.silu(self.mix(F.silu(self.up2(h))))
        return self.up3(h)


def architecture(name: str, seed: int = 0) -> LatentModel:
    """A freshly initialised model of the named architecture, in eval mode."""
    torch.manual_seed(seed)
    if name in CONFIGS:
        return build_model(CONFIGS[name]).eval()
    cfg = ModelConfig(kind="vae", latent_dim=5, image_size=40, hidden=40)
    model = build_model(cfg)
    model.encoder, model.decoder = OddEncoder(cfg.hidden, 2 * cfg.latent_dim), OddDecoder(cfg.latent_dim, cfg.hidden)
    return model.eval()
