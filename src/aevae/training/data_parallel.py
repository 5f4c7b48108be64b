"""Multi-process training through ``torchrun``: process-group setup and the rank-0 rule.

Launch: ``torchrun --nproc_per_node=2 -m aevae train ...`` (add ``--nnodes``/``--rdzv-endpoint`` for several
machines). Gloo is used on CPU, NCCL on CUDA. Only rank 0 prints and writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from aevae.errors import ConfigError


@dataclass(frozen=True)
class Context:
    """Where this process runs: its rank among ``world`` processes and its torch device."""

    rank: int
    world: int
    device: torch.device
    host_group: Any = None  # the gloo group stop flags travel over (None: the default group, gloo on the CPU)

    @property
    def main(self) -> bool:
        """True for the one process that prints and writes."""
        return self.rank == 0


def usable_cores() -> int:
    """CPU cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """``"auto"`` -> CUDA (this process's local GPU) when present, else CPU; other names pass through, checked."""
    if name == "auto":
        return torch.device(f"cuda:{local_rank}") if torch.cuda.is_available() else torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r}: CUDA is not available here; use --device cpu (or auto)")
    return device


def setup(device_name: str) -> Context:
    """Join the process group if launched by torchrun, else describe a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_name, local_rank)
    if world == 1:
        return Context(0, 1, device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    # Under NCCL a second group over gloo carries the stop flags as CPU tensors, so agreeing on a stop never waits
    # for the GPU's queue (every process must create it, in the same order).
    host = dist.new_group(backend="gloo") if device.type == "cuda" else None
    return Context(dist.get_rank(), dist.get_world_size(), device, host)


def barrier(ctx: Context) -> None:
    """Wait for every process (no-op for a single one)."""
    if ctx.world > 1:
        dist.barrier()


STOP_CHECK_EVERY = 16  # batches between the processes' agreement on a stop request (Ctrl-C, SIGTERM) under torchrun


def any_rank(ctx: Context, flag: bool) -> bool:
    """True on every process when ``flag`` is true on at least one, so all of them stop at the same batch."""
    if ctx.world == 1:
        return flag
    t = torch.tensor([float(flag)])  # on the host: over gloo, reading it waits for the other processes, not a GPU
    dist.all_reduce(t, op=dist.ReduceOp.MAX, group=ctx.host_group)
    return bool(t.item())  # sync point (processes): every STOP_CHECK_EVERY batches only, see stop_agreed


def stop_agreed(ctx: Context, flag: bool, step: int, steps: int) -> bool:
    """Whether to stop after batch ``step`` (0-based) of ``steps``: a lone process acts on ``flag`` at once; several
    agree (``any_rank``) after every ``STOP_CHECK_EVERY`` batches and after an epoch's last, all at the same batch,
    instead of exchanging a message per batch."""
    if ctx.world == 1:
        return flag
    if (step + 1) % STOP_CHECK_EVERY and step + 1 != steps:
        return False
    return any_rank(ctx, flag)


def teardown(ctx: Context) -> None:
    """Leave the process group."""
    if ctx.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
