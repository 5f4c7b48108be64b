"""Training speed of the paper preset against this machine's float32 matmul peak, measured in one run.

    python benchmarks/train_speed.py            # step throughput only (~1 min)
    python benchmarks/train_speed.py --full     # also trains the paper preset into a temp folder and reports it

Figures printed: matmul peak (GFLOP/s, 1024^3 loop on the same threads), training images/s and GFLOP/s for the
AE and VAE of the paper preset, their fraction of the peak, and the same for a baseline in the same process: an
MLP VAE shaped like pytorch/examples' (784-400-20), the usual reference point.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from aevae.cli import PRESET_EPOCHS, PRESETS
from aevae.config import RunConfig, TrainConfig
from aevae.models import build_model, training_loss


def matmul_peak(seconds: float = 3.0) -> float:
    """Float32 GFLOP/s of a 1024^3 matmul loop."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        n += 1
    return n * 2 * 1024**3 / (time.perf_counter() - start) / 1e9


def step_rate(step, batch: int, seconds: float = 8.0) -> tuple[float, float]:
    """(images/s, GFLOP/s) of a training step function on batches of ``batch`` images."""
    warm_until = time.perf_counter() + 2.0  # oneDNN builds its kernels on the first steps of each shape
    while time.perf_counter() < warm_until:
        step()
    with FlopCounterMode(display=False) as counter:
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    dt = (time.perf_counter() - start) / n
    return batch / dt, counter.get_total_flops() / dt / 1e9


def aevae_step(cfg, batch: int):
    model = build_model(cfg).train().to(memory_format=torch.channels_last)  # as the trainer runs it
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = (torch.rand(batch, 1, 32, 32) > 0.7).float().contiguous(memory_format=torch.channels_last)

    def step() -> None:
        loss, _ = training_loss(cfg, model(x), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


class ExamplesVAE(nn.Module):
    """The MLP VAE shape of pytorch/examples (784-400-20), written here only as a speed baseline."""

    def __init__(self) -> None:
        super().__init__()
        self.enc, self.mu, self.logvar = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.dec1, self.dec2 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.dec2(torch.relu(self.dec1(z)))
        bce = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def examples_step(batch: int):
    model = ExamplesVAE()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = (torch.rand(batch, 784) > 0.7).float()

    def step() -> None:
        loss = model(x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also train the whole paper preset and report it")
    args = parser.parse_args()
    batch = TrainConfig().batch_size
    peak = matmul_peak()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"matmul peak (1024^3 float32): {peak:.1f} GFLOP/s")
    rows = [(f"aevae {cfg.kind} (d={cfg.latent_dim}, paper preset)", aevae_step(cfg, batch)) for cfg in PRESETS["paper"]]
    rows.append(("baseline: pytorch/examples-shaped MLP VAE", examples_step(batch)))
    for name, step in rows:
        rate, gflops = step_rate(step, batch)
        print(f"{name:45s} {rate:8.0f} images/s  {gflops:6.1f} GFLOP/s  {gflops / peak:6.1%} of matmul peak")
    if args.full:
        with tempfile.TemporaryDirectory() as tmp:
            from aevae.training.trainer import train

            start = time.perf_counter()
            for cfg in PRESETS["paper"]:
                run = RunConfig(model=cfg, train=TrainConfig(epochs=PRESET_EPOCHS))
                final = train(run, Path(tmp) / cfg.kind, progress_bar=False)
                print(f"{cfg.kind}: {json.dumps({k: v for k, v in final.items() if not isinstance(v, list)})}")
            print(f"paper preset wall time: {time.perf_counter() - start:.0f} s for {PRESET_EPOCHS} epochs x 2 models")


if __name__ == "__main__":
    main()
