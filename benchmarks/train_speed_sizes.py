"""Training speed at each image layout: images/s of the trainer's step at 32 and 64 px, grey and colour (RGB).

    python benchmarks/train_speed_sizes.py --threads 1     # about 1 minute; one thread keeps a shared machine fair
    python benchmarks/train_speed_sizes.py --rounds 6      # more alternations where the machine is busy

The VAE of the paper preset (d = 4, width 16, hidden 128; at 64 px the network has a fourth stride-2 stage, 16 to
128 channels) trained by ``aevae.training.step.train_step``, the trainer's own step, in the precision "auto"
resolves to here, on a fixed batch of 128 sprite-like binary images laid out as the trainer lays them out
(channels-last). The layouts are measured round by round in turn, so a busy neighbour slows all alike; reported:
images per wall second (median over rounds), the parameter count, and the ratio to the shipped 32 px grey layout
measured in the same run. Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from aevae.config import ModelConfig
from aevae.models import build_model
from aevae.training.step import resolve_precision, train_step

LAYOUTS = {"32 px grey (shipped)": (32, 1), "32 px colour": (32, 3), "64 px grey": (64, 1), "64 px colour": (64, 3)}
BATCH = 128


def step_for(size: int, channels: int, precision: str):
    """(parameter count, a closure running one training step) for the layout."""
    cfg = ModelConfig(kind="vae", latent_dim=4, image_size=size, channels=channels)
    model = build_model(cfg).train().to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = (torch.rand(BATCH, channels, size, size) > 0.9).float().contiguous(memory_format=torch.channels_last)
    return cfg.parameter_count, lambda: train_step(cfg, model, opt, x, 1e-3, precision)


def images_per_second(step, seconds: float) -> float:
    step()  # warm-up: the first call allocates
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return n * BATCH / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the layouts (default 3)")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per measurement (default 4)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: PyTorch's, one per core)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    precision = resolve_precision("auto", torch.device("cpu"))
    steps = {name: step_for(size, channels, precision) for name, (size, channels) in LAYOUTS.items()}
    rates: dict[str, list[float]] = {name: [] for name in LAYOUTS}
    for _ in range(args.rounds):
        for name, (_, step) in steps.items():
            rates[name].append(images_per_second(step, args.seconds))
    base = statistics.median(rates[next(iter(LAYOUTS))])
    print(f"VAE d = 4, batch {BATCH}, precision {precision}, {torch.get_num_threads()} thread(s), "
          f"{args.rounds} rounds of {args.seconds:g} s; median over rounds")
    print("| layout | parameters | training images/s (wall) | spread over rounds | vs 32 px grey |")
    print("|---|---|---|---|---|")
    for name, (params, _) in steps.items():
        median = statistics.median(rates[name])
        print(f"| {name} | {params:,} | {median:,.0f} | {min(rates[name]):,.0f}–{max(rates[name]):,.0f} | "
              f"{median / base:.2f}x |")


if __name__ == "__main__":
    main()
