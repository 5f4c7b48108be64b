"""Hand-written models that aevae did not build, for the tests of exploring your own model: an MLP VAE with a 7-d
latent on 32×32 grey images (GELU activations, which the layer table does not describe: only Python runs it), a
convolutional AE on 64×64 RGB images (with a GELU: Python only too), a plain conv VAE the layer table describes,
which the page converts and runs itself, and the usual idioms of real VAEs, which the page runs too: a conv VAE
with GroupNorm, BatchNorm, residual blocks and separate fc_mu/fc_logvar heads (d = 16, 64×64 RGB), an MLP VAE with
d = 64 of which half the dimensions are collapsed (LayerNorm, BatchNorm1d, LeakyReLU, ELU, an nn.Unflatten after
the sigmoid), and a tanh decoder of a model that reads inputs in [-1, 1]. Tiny and untrained, seeded: their
outputs still vary with the latent. The factories are what ``aevae explore --model own_models:mlp_vae``
imports."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn


class MlpVae(nn.Module):
    """(N, 1, 32, 32) -> mu, logvar (N, 7) -> (N, 1, 32, 32) through one hidden layer each way."""

    def __init__(self, d: int = 7, hidden: int = 64) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, hidden), nn.GELU(), nn.Linear(hidden, 2 * d))
        self.dec = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, 32 * 32))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.enc(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z)).view(-1, 1, 32, 32)


class ConvAe(nn.Module):
    """(N, 3, 64, 64) -> (N, 5) -> (N, 3, 64, 64): two stride-2 convolutions, a BatchNorm, a GELU, their
    transposes."""

    def __init__(self, d: int = 5, w: int = 8) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, w, 4, 2, 1), nn.BatchNorm2d(w), nn.GELU(), nn.Conv2d(w, w, 4, 2, 1),
                                 nn.ReLU(), nn.Flatten(), nn.Linear(w * 16 * 16, d))
        self.dec = nn.Sequential(nn.Linear(d, w * 16 * 16), nn.ReLU(), nn.Unflatten(1, (w, 16, 16)),
                                 nn.ConvTranspose2d(w, w, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(w, 3, 4, 2, 1))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z))


class PlainVae(nn.Module):
    """A plain chain the layer table describes: conv, ReLU, flatten, linear, chunk into (mu, logvar); linear, ReLU,
    unflatten, transposed conv, sigmoid. d = 3 on 32×32 grey."""

    def __init__(self, d: int = 3, w: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, w, 4, stride=2, padding=1)
        self.fc = nn.Linear(w * 16 * 16, 2 * d)
        self.fc_dec = nn.Linear(d, w * 16 * 16)
        self.deconv = nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1)
        self.w = w

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.conv(x)).flatten(1)
        return self.fc(h).chunk(2, dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc_dec(z)).unflatten(1, (self.w, 16, 16))
        return torch.sigmoid(self.deconv(h))


def _randomise_norms(model: nn.Module) -> None:
    """Running statistics and affine parameters away from their defaults, so folding them in is tested."""
    gen = torch.Generator().manual_seed(5)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.3)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
            with torch.no_grad():
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


class ResBlock(nn.Module):
    """x + conv(silu(groupnorm(x))): a pre-activation residual block."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(4, c)
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(torch.nn.functional.silu(self.norm(x)))


class ResConvVae(nn.Module):
    """(N, 3, 64, 64) -> fc_mu, fc_logvar (N, 16) -> (N, 3, 64, 64): convolutions with GroupNorm and a residual
    block each way, separate linear heads, a BatchNorm and a LeakyReLU in the decoder, a final sigmoid."""

    def __init__(self, d: int = 16, w: int = 8) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, w, 4, 2, 1), nn.GroupNorm(4, w), nn.SiLU(), ResBlock(w),
                                 nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
                                 nn.Linear(2 * w * 16 * 16, 64), nn.ReLU())
        self.fc_mu, self.fc_logvar = nn.Linear(64, d), nn.Linear(64, d)
        self.dec = nn.Sequential(nn.Linear(d, 2 * w * 16 * 16), nn.ReLU(), nn.Unflatten(1, (2 * w, 16, 16)),
                                 ResBlock(2 * w), nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w),
                                 nn.LeakyReLU(0.1), nn.ConvTranspose2d(w, 3, 4, 2, 1))
        _randomise_norms(self)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z))


class CollapsedMlpVae(nn.Module):
    """(N, 1, 32, 32) -> mu, logvar (N, 64) -> (N, 1, 32, 32), of which dimensions 32..63 are collapsed: their mu
    and logvar are 0 for every input (KL 0) and the decoder ignores them, as posterior collapse leaves them."""

    def __init__(self, d: int = 64, active: int = 32, hidden: int = 128) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, hidden), nn.LayerNorm(hidden), nn.LeakyReLU(),
                                 nn.Linear(hidden, 2 * d))
        self.dec = nn.Sequential(nn.Linear(d, hidden), nn.BatchNorm1d(hidden), nn.ELU(), nn.Linear(hidden, 32 * 32),
                                 nn.Sigmoid(), nn.Unflatten(1, (1, 32, 32)))
        with torch.no_grad():
            head = self.enc[-1]
            head.weight *= 4  # codes spread over about ±1, as a trained VAE's active dimensions
            for rows in (slice(active, d), slice(d + active, 2 * d)):  # collapsed: mu = 0, logvar = 0
                head.weight[rows] = 0
                head.bias[rows] = 0
            head.bias[d : d + active] = -3  # active: sigma about 0.2
            self.dec[0].weight[:, active:] = 0
        _randomise_norms(self)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.enc(x).chunk(2, dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z)


class TanhAe(nn.Module):
    """An AE that reads and writes pixels in [-1, 1], as models trained on normalised images do: a linear
    projection on the principal directions of the test blobs (d = 8), decoded through a tanh."""

    def __init__(self, d: int = 8) -> None:
        super().__init__()
        u = torch.as_tensor(grey_images(200, seed=7)[0]).flatten(1) * 2 - 1  # (N, 1024) in [-1, 1]
        mean = u.mean(0)
        basis = torch.linalg.svd(u - mean, full_matrices=False)[2][:d]  # (d, 1024)
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, d))
        self.dec = nn.Sequential(nn.Linear(d, 32 * 32), nn.Tanh())
        with torch.no_grad():
            self.enc[1].weight.copy_(basis)
            self.enc[1].bias.copy_(-basis @ mean)
            self.dec[0].weight.copy_(2 * basis.T)
            self.dec[0].bias.copy_(2 * mean)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z).view(-1, 1, 32, 32)


def res_conv_vae() -> ResConvVae:
    """The conv VAE with GroupNorm, residual blocks and separate heads, seeded."""
    torch.manual_seed(4)
    return ResConvVae()


def collapsed_mlp_vae() -> CollapsedMlpVae:
    """The MLP VAE with d = 64, half of it collapsed, seeded."""
    torch.manual_seed(6)
    return CollapsedMlpVae()


def tanh_ae() -> TanhAe:
    """The AE of pixels in [-1, 1] with a tanh decoder."""
    return TanhAe()


def plain_vae() -> PlainVae:
    """The plain conv VAE, seeded: converted to the layer table, decoded by the page."""
    torch.manual_seed(3)
    return PlainVae()


def mlp_vae() -> MlpVae:
    """The MLP VAE, seeded (the factory ``--model own_models:mlp_vae`` names)."""
    torch.manual_seed(0)
    return MlpVae()


def conv_ae() -> ConvAe:
    """The conv AE on 64×64 RGB, seeded."""
    torch.manual_seed(1)
    return ConvAe()


def ae_and_vae() -> dict:
    """Two models side by side, as a factory may return them: an AE made of the MLP VAE's mean, and the VAE."""
    vae = mlp_vae()
    return {"ae": (lambda x: vae.encode(x)[0], vae.decode), "vae": vae}


def broken_factory() -> nn.Module:
    """A factory that fails, as a user's might."""
    raise RuntimeError("weights file not found: model.pt")


def grey_images(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 32, 32) float32 blobs in [0, 1] and labels 0..2 (blob left, centre, right)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:32, :32]
    labels = np.arange(n) % 3
    cx = 8 + 8 * labels + rng.normal(0, 1.5, n)
    cy = 16 + rng.normal(0, 3, n)
    images = np.exp(-((xx - cx[:, None, None]) ** 2 + (yy - cy[:, None, None]) ** 2) / 18.0)
    return images.astype(np.float32), labels


def colour_images(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3, 64, 64) float32 squares of a random colour on black, and labels 0..1 (red-ish, blue-ish)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = np.zeros((n, 3, 64, 64), np.float32)
    for i in range(n):
        colour = rng.uniform(0.2, 1.0, 3) * (np.array([1, 0.4, 0.2]) if labels[i] == 0 else np.array([0.2, 0.4, 1]))
        x, y = rng.integers(4, 40, 2)
        images[i, :, y : y + 20, x : x + 20] = colour[:, None, None]
    return images, labels


class FlakyAe(nn.Module):
    """An MLP AE whose decode raises for a first latent value above any its images have: as a user's decoder might
    fail on codes it never saw. Encoding its own images and decoding their codes works, so it passes the checks."""

    def __init__(self, d: int = 3) -> None:
        super().__init__()
        torch.manual_seed(2)
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, d))
        self.dec = nn.Linear(d, 32 * 32)
        with torch.no_grad():
            self.limit = float(self.encode(torch.as_tensor(grey_images()[0])[:, None])[:, 0].max()) + 1e-4

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if (z[:, 0] > self.limit).any():
            raise ValueError(f"z1 above {self.limit:.3g} is outside what this decoder was built for")
        return torch.sigmoid(self.dec(z)).view(-1, 1, 32, 32)


def flaky_ae() -> FlakyAe:
    """The AE whose decode raises beyond its images' codes."""
    return FlakyAe()


def mlp_vae_512() -> CollapsedMlpVae:
    """An MLP VAE with d = 512, of which 48 dimensions are used, seeded: the size of real VAEs' latents."""
    torch.manual_seed(8)
    return CollapsedMlpVae(d=512, active=48)


class Mnist28Ae(nn.Module):
    """An MLP AE on 28×28 grey images, as most MNIST models are, with a GELU (Python decodes it)."""

    def __init__(self, d: int = 6) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 32), nn.GELU(), nn.Linear(32, d))
        self.dec = nn.Sequential(nn.Linear(d, 28 * 28), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z)


def mnist28_ae() -> Mnist28Ae:
    """The 28×28 MLP AE, seeded."""
    torch.manual_seed(9)
    return Mnist28Ae()


HERE = Path(__file__).parent  # on PYTHONPATH, this module imports as ``own_models``, as a user's project would


def with_tests_importable() -> dict[str, str]:
    """The environment with this module's folder on PYTHONPATH, so ``own_models:FACTORY`` imports as a user's project
    would."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
