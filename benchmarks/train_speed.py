"""Training-step speed of the paper preset: float32 against the shipped recipe, both against this machine's peaks.

    python benchmarks/train_speed.py                 # about 2 minutes
    python benchmarks/train_speed.py --rounds 8      # more alternations where the machine is shared
    python benchmarks/train_speed.py --threads 1     # one thread: CPU seconds stay honest on a busy machine
    python benchmarks/train_speed.py --device cuda --batch 1024   # a GPU (peaks from 8192^3 products there)
    python benchmarks/train_speed.py --loop --threads 1           # the trainer's per-batch bookkeeping (below)

Everything is measured in one process, on the same threads. Peaks: a 1024^3 matmul loop in float32 and in bfloat16
(8192^3 on a GPU, timed with a synchronisation at both ends).
Steps: ``aevae.training.step.train_step`` (the trainer's own step) for the AE and VAE of the paper preset, once in
float32 and once in the precision ``"auto"`` picks here, alternated round by round so a busy neighbour slows both
alike; each round's ratio is reported with the spread over rounds. Per-step CPU seconds of the process are shown
beside the wall clock: on a shared machine they move less, but only with ``--threads 1`` (with several threads,
OpenMP workers spin while a descheduled sibling catches up, and that spinning counts as CPU time). A
pytorch/examples-shaped MLP VAE (784-400-20) is the outside reference. Figures only; nothing here asserts on time.

``--loop``: the trainer's bookkeeping around the VAE's step in a side-by-side worker (``training.side_by_side``), the
step plus what ``trainer._train`` does per batch with the worker's console: a worker relaying a bar (a queue message
per batch, the loss sums read for the bar every 10 batches), as every worker did before, against one whose parent
draws no bars (nothing per batch), alternated round by round.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import threading
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from aevae.plans import PRESETS
from aevae.config import ModelConfig, TrainConfig
from aevae.models import build_model
from aevae.training.side_by_side import RelayConsole
from aevae.training.step import DTYPES, Sums, make_optimizer, part_names, resolve_precision, train_step


def sync(device: torch.device) -> None:
    """Wait for the work queued on ``device`` (a GPU runs ahead of Python)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_size(device: torch.device) -> int:
    """Side of the square matrices the peak is measured on: large enough to keep the device's matrix units busy."""
    return 8192 if device.type == "cuda" else 1024


def matmul_peak(dtype: torch.dtype, device: torch.device, seconds: float = 3.0) -> tuple[float, float]:
    """(GFLOP per wall second, GFLOP per process CPU second) of a square matmul loop in ``dtype``."""
    size = peak_size(device)
    a, b = (torch.randn(size, size, dtype=dtype, device=device) for _ in range(2))
    for _ in range(3):
        a @ b
    sync(device)
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        a @ b
        n += 1
        if n % 10 == 0:
            sync(device)
    sync(device)
    work = n * 2 * size**3 / 1e9
    return work / (time.perf_counter() - start), work / (time.process_time() - cpu)


def aevae_step(cfg, batch: int, precision: str, device: torch.device):
    """A closure running one trainer step of ``cfg`` on a fixed binary batch, as the trainer lays it out."""
    model = build_model(cfg).train().to(device, memory_format=torch.channels_last)
    opt = make_optimizer(model, 1e-3, device)
    x = (torch.rand(batch, 1, 32, 32, device=device) > 0.7).float().contiguous(memory_format=torch.channels_last)
    return lambda: train_step(cfg, model, opt, x, 1e-3, precision)


class ExamplesVAE(nn.Module):
    """The MLP VAE shape of pytorch/examples (784-400-d), written here as a reference point."""

    def __init__(self, d: int = 20) -> None:
        super().__init__()
        self.enc, self.mu, self.logvar = nn.Linear(784, 400), nn.Linear(400, d), nn.Linear(400, d)
        self.dec1, self.dec2 = nn.Linear(d, 400), nn.Linear(400, 784)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logits (B, 784), mu (B, d), logvar (B, d)) with one reparameterised sample."""
        h = torch.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.dec2(torch.relu(self.dec1(z))), mu, logvar

    @staticmethod
    def neg_elbo(x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """BCE summed over pixels + KL (Kingma & Welling 2014, appendix B), per image: (B,)."""
        bce = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        return bce - 0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)


def examples_step(batch: int, device: torch.device):
    model = ExamplesVAE().to(device)
    opt = make_optimizer(model, 1e-3, device)
    x = (torch.rand(batch, 784, device=device) > 0.7).float()

    def step() -> None:
        loss = ExamplesVAE.neg_elbo(x, *model(x)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def flops(step) -> float:
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def timed(step, seconds: float, device: torch.device) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) per step over about ``seconds`` of wall time."""
    sync(device)
    n, wall, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        step()
        n += 1
    sync(device)
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def bookkeeping_step(cfg, batch: int, precision: str, device: torch.device, console):
    """A closure running one step of ``cfg`` and the trainer's per-batch bookkeeping with ``console``'s bar."""
    step = aevae_step(cfg, batch, precision, device)
    sums = Sums(part_names(cfg), {}, device)
    bar = console.bar(10**9, 0, "benchmark")
    count = [0]

    def run() -> None:
        sums.add(step(), batch)
        bar.update(1)
        if count[0] % 10 == 0 and not bar.disable:
            bar.set_postfix_str(f"loss={sums.read()['loss'] / batch:.1f} nats/img")  # as trainer._train does
        count[0] += 1

    return run


def loop_overhead(args: argparse.Namespace, device: torch.device, recipe: str) -> None:
    """Per-step time of the VAE's step with a worker's bookkeeping, bars relayed against none (see the docstring)."""
    messages = mp.get_context("spawn").Queue()
    threading.Thread(target=lambda: [messages.get() for _ in iter(int, 1)], daemon=True).start()  # the parent
    cfg = ModelConfig(**PRESETS["paper"][1])
    steps = {"bars relayed (before)": bookkeeping_step(cfg, args.batch, recipe, device, RelayConsole(messages, 0)),
             "no bars (now)": bookkeeping_step(cfg, args.batch, recipe, device,
                                               RelayConsole(messages, 1, bars=False))}
    for step in steps.values():
        timed(step, 2.0, device)
    rounds = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            rounds[name].append(timed(step, args.seconds, device)[0])
    print(f"trainer bookkeeping in a side-by-side worker, {cfg.kind} step in {recipe}, batch {args.batch}:")
    for name, times in rounds.items():
        print(f"  {name:22s}: {statistics.median(times) * 1e3:7.3f} ms/step (median of {args.rounds}), "
              f"{args.batch / statistics.median(times):7.0f} images/s")
    ratios = [a / b for a, b in zip(*rounds.values())]
    print(f"  before / now, per round: {statistics.median(ratios):.3f}x (range {min(ratios):.3f}-{max(ratios):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="alternations of float32 and the recipe (default 4)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement (default 2)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: PyTorch's, one per core)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--batch", type=int, default=TrainConfig().batch_size, help="images per step (default: "
                        "the trainer's)")
    parser.add_argument("--loop", action="store_true", help="measure the trainer's per-batch bookkeeping instead")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device, batch = torch.device(args.device), args.batch
    recipe = resolve_precision("auto", device)
    if args.loop:
        loop_overhead(args, device, recipe)
        return
    peaks = {"float32": matmul_peak(torch.float32, device)}
    if recipe != "float32":
        peaks[recipe] = matmul_peak(DTYPES[recipe], device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, {where}, batch {batch}; precision 'auto' -> {recipe}")
    for name, (peak, cpu_peak) in peaks.items():
        print(f"matmul peak ({peak_size(device)}^3 {name}): {peak:.1f} GFLOP/s wall, "
              f"{cpu_peak:.1f} GFLOP per CPU-second")

    for cfg in (ModelConfig(**m) for m in PRESETS["paper"]):
        steps = {p: aevae_step(cfg, batch, p, device) for p in dict.fromkeys(["float32", recipe])}
        work = flops(steps["float32"])  # the same operations in either precision
        for step in steps.values():  # oneDNN builds its kernels on the first steps of each shape and dtype
            timed(step, 2.0, device)
        rounds = {p: [] for p in steps}
        for _ in range(args.rounds):
            for p, step in steps.items():
                rounds[p].append(timed(step, args.seconds, device))
        for p, times in rounds.items():
            wall = statistics.median(t[0] for t in times)
            cpu = statistics.median(t[1] for t in times)
            gflops, cpu_gflops = work / wall / 1e9, work / cpu / 1e9
            print(f"aevae {cfg.kind} (d={cfg.latent_dim}) {p:8s}: {batch / wall:7.0f} images/s (median of "
                  f"{args.rounds}), {gflops:6.1f} GFLOP/s = {gflops / peaks[p][0]:5.1%} of the {p} matmul peak; "
                  f"{cpu / batch * 1e6:6.1f} CPU-us/image, {cpu_gflops / peaks[p][1]:5.1%} of the peak per CPU-second")
        if recipe != "float32":
            ratios = [f[0] / r[0] for f, r in zip(rounds["float32"], rounds[recipe])]
            cpu_ratios = [f[1] / r[1] for f, r in zip(rounds["float32"], rounds[recipe])]
            print(f"  {recipe} / float32 speed, per round: wall {statistics.median(ratios):.2f}x "
                  f"(range {min(ratios):.2f}-{max(ratios):.2f}), CPU time {statistics.median(cpu_ratios):.2f}x "
                  f"(range {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f})")

    step = examples_step(batch, device)
    timed(step, 1.0, device)
    wall, _ = timed(step, args.seconds * 2, device)
    gflops = flops(step) / wall / 1e9
    print(f"reference: pytorch/examples-shaped MLP VAE (784-400-20) float32: {batch / wall:7.0f} images/s, "
          f"{gflops:6.1f} GFLOP/s = {gflops / peaks['float32'][0]:5.1%} of the float32 matmul peak")


if __name__ == "__main__":
    main()
