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
