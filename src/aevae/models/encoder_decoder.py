"""The convolutional encoder and decoder that the AE and every VAE share.

Activations are SiLU, x * sigmoid(x): in the paper preset's 5-minute budget it reconstructs about 6 nats/image
better than ReLU at d = 4. Layer names are part of the saved format (the tensor names of ``model.safetensors``).
The browser does not restate this architecture: ``aevae.models.layers.layer_table`` traces these ``forward``
methods into a table that the explorer's bundle carries and the page's ``network.js`` builds its network from, so
a change here (widths, depths, kernels, image size, channels) reaches the browser without a JS change, as long as
every step is one the table describes (linear, conv2d, conv_transpose2d, SiLU, flatten, unflatten, in a chain).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aevae.config import ModelConfig


class Encoder(nn.Module):
    """One stride-2 convolution per halving down to 4×4 (``cfg.stages``: 3 at 32×32, 4 at 64×64) and a two-layer
    head: (B, C, S, S) -> (B, out_features). Layers are named conv1, conv2, ... (the safetensors names)."""

    def __init__(self, cfg: ModelConfig, out_features: int) -> None:
        super().__init__()
        chain = [cfg.channels, *cfg.stage_widths]
        self.stages = cfg.stages
        for i in range(self.stages):
            setattr(self, f"conv{i + 1}", nn.Conv2d(chain[i], chain[i + 1], 4, stride=2, padding=1))
        side = cfg.image_size >> cfg.stages
        self.fc1 = nn.Linear(chain[-1] * side * side, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i in range(self.stages):
            h = F.silu(getattr(self, f"conv{i + 1}")(h))  # (B, width·2^i, S/2^(i+1), S/2^(i+1))
        h = F.silu(self.fc1(h.flatten(1)))  # (B, hidden)
        return self.fc2(h)  # (B, out_features)


class Decoder(nn.Module):
    """Two linear layers and one stride-2 transposed convolution per encoder stage: (B, d) -> logits (B, C, S, S).
    Layers are named deconv1 (the widest), deconv2, ..."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        chain = [*reversed(cfg.stage_widths), cfg.channels]
        self.stages = cfg.stages
        self.side = cfg.image_size >> cfg.stages
        self.fc1 = nn.Linear(cfg.latent_dim, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden, chain[0] * self.side * self.side)
        for i in range(self.stages):
            setattr(self, f"deconv{i + 1}", nn.ConvTranspose2d(chain[i], chain[i + 1], 4, stride=2, padding=1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.fc1(z))  # (B, hidden)
        h = F.silu(self.fc2(h)).unflatten(1, (-1, self.side, self.side))  # (B, widest, 4, 4)
        for i in range(1, self.stages):
            h = F.silu(getattr(self, f"deconv{i}")(h))  # each doubles the side
        return getattr(self, f"deconv{self.stages}")(h)  # (B, C, S, S) logits; the image is their sigmoid
