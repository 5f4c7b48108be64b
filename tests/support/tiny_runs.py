"""Tiny real runs for tests: a width-8 model trained briefly on the shapes data set, in seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.training.trainer import train

ANALYSED_LATENT = {"ae": 3, "vae": 2}  # latent sizes of the shared analysed pair: different on purpose


def train_tiny_run(folder: Path, out: Path, kind: str, latent_dim: int, epochs: int = 1, **train_options: Any) -> Path:
    """Train a width-8, hidden-32 model of ``kind`` on the image folder ``folder`` into run folder ``out``."""
    cfg = RunConfig(model=ModelConfig(kind=kind, latent_dim=latent_dim, width=8, hidden=32),
                    train=TrainConfig(data=f"folder:{folder}", epochs=epochs, batch_size=16, threads=1,
                                      **train_options))
    train(cfg, out, progress_bar=False)
    return out


TINY_BETAS = (0.0, 1.0, 8.0)  # the tiny β family: an AE-like end, the VAE, a strongly pressed end


def train_tiny_family(folder: Path, root: Path, betas: tuple[float, ...] = TINY_BETAS, epochs: int = 2,
                      snapshots: str = "0,1,2") -> Path:
    """Train one tiny VAE (d = 2) per β on ``folder`` into ``root/beta-B``, with ``snapshots``; returns ``root``."""
    for beta in betas:
        cfg = RunConfig(model=ModelConfig(kind="vae", latent_dim=2, width=8, hidden=32, beta=beta),
                        train=TrainConfig(data=f"folder:{folder}", epochs=epochs, batch_size=16, threads=1,
                                          snapshots=snapshots))
        train(cfg, root / f"beta-{beta:g}", progress_bar=False)
    return root
