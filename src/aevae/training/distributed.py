"""Multi-process training through ``torchrun``: process-group setup and the rank-0 rule.

Launch: ``torchrun --nproc_per_node=2 -m aevae train ...`` (add ``--nnodes``/``--rdzv-endpoint`` for several
machines). Gloo is used on CPU, NCCL on CUDA. Only rank 0 prints and writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from aevae.errors import ConfigError


@dataclass(frozen=True)
class Context:
    """Where this process runs: its rank among ``world`` processes and its torch device."""

    rank: int
    world: int
    device: torch.device

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
    return Context(dist.get_rank(), dist.get_world_size(), device)


def barrier(ctx: Context) -> None:
    """Wait for every process (no-op for a single one)."""
    if ctx.world > 1:
        dist.barrier()


def any_rank(ctx: Context, flag: bool) -> bool:
    """True on every process when ``flag`` is true on at least one, so all of them stop at the same batch."""
    if ctx.world == 1:
        return flag
    t = torch.tensor([float(flag)], device=ctx.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def teardown(ctx: Context) -> None:
    """Leave the process group."""
    if ctx.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
