"""One optimisation step, its numeric precision and its running sums, the same on CPU and CUDA.

The step never waits for the device: the loss parts stay tensors and are summed on the device; the loop reads them
(``Sums.read``) only where a number is shown or saved. Mixed precision is PyTorch's autocast: matrix products and
convolutions run in bfloat16, the loss and the optimiser state stay float32 (Micikevicius et al. 2018, "Mixed
Precision Training"; bfloat16 needs no loss scaling because it keeps float32's exponent range).
"""

from __future__ import annotations

import dataclasses

import torch

from aevae.config import PRECISIONS, ModelConfig, TrainConfig
from aevae.models import training_loss
from aevae.training.data_parallel import pick_device

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def bf16_pays(device: torch.device) -> bool:
    """True where bfloat16 autocast makes the step faster: a CPU with AVX-512 BF16 / AMX, which oneDNN uses
    (elsewhere autocast would emulate bfloat16 and run slower).

    Not on CUDA: the networks aevae trains are small enough that a GPU step is bound by kernel launches, and
    autocast's extra casting kernels made bfloat16 slower than float32 there (measure it with
    ``benchmarks/train_speed.py --device cuda``; the figures are in docs/training.md)."""
    return (device.type == "cpu" and torch.backends.mkldnn.is_available()
            and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve_precision(name: str, device: torch.device) -> str:
    """The concrete precision ``"auto"`` stands for on ``device``; other names pass through."""
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}")
    if name == "auto":
        return "bfloat16" if bf16_pays(device) else "float32"
    return name


def resolved(train: TrainConfig) -> TrainConfig:
    """``train`` with its precision as a new run on this machine saves it (to compare with a saved config)."""
    return dataclasses.replace(train, precision=resolve_precision(train.precision, pick_device(train.device)))


class Sums:
    """Per-image loss parts summed over the images of an epoch, kept on the device so adding them never syncs.

    float64 accumulation: the same additions as the Python floats of the checkpoint, so a resumed epoch reports
    exactly what an uninterrupted one does.
    """

    def __init__(self, names: list[str], start: dict[str, float], device: torch.device) -> None:
        self.names = names
        self.total = torch.tensor([start.get(k, 0.0) for k in names], dtype=torch.float64, device=device)
        self.bad = torch.tensor(-1, device=device)  # the first batch whose loss was NaN or infinite (-1: none yet)

    def add(self, parts: torch.Tensor, n: int, batch: int) -> None:
        """Add one batch's mean parts (a float32 tensor in ``names`` order) for ``n`` images; ``batch``: its index
        in the epoch, remembered if its loss is not a finite number (on the device, without waiting for it)."""
        self.total += parts.double() * n
        self.bad = torch.where((self.bad < 0) & ~torch.isfinite(parts).all(), batch, self.bad)

    def first_bad_batch(self) -> int | None:
        """The index of the first batch added whose loss was NaN or infinite, or None (this waits for the device)."""
        bad = int(self.bad)
        return None if bad < 0 else bad

    def read(self) -> dict[str, float]:
        """The sums as Python floats (this waits for the device)."""
        return dict(zip(self.names, self.total.tolist()))


def part_names(cfg: ModelConfig) -> list[str]:
    """The names of the loss parts ``train_step`` returns for ``cfg``, in order."""
    return ["bce"] + (["kl"] if cfg.variational else []) + (["mmd"] if cfg.mmd_weight else []) + ["loss"]


def make_optimizer(model: torch.nn.Module, lr: float, device: torch.device) -> torch.optim.Optimizer:
    """The trainer's Adam. On CUDA its fused kernel updates every parameter in one launch instead of several (a GPU
    step of these small networks is bound by launches); on the CPU it measured within noise of the multi-tensor
    kernel (docs/training.md), so the CPU keeps the update the shipped models were trained with. The state dict is
    the same either way, so checkpoints load into both."""
    return torch.optim.Adam(model.parameters(), lr=lr, fused=device.type == "cuda")


def train_step(cfg: ModelConfig, net: torch.nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
               lr: float, precision: str) -> torch.Tensor:
    """One Adam step on batch ``x`` at learning rate ``lr``; returns the batch's loss parts (``part_names``
    order, nats per image, mean over the batch) as a detached float32 tensor on ``x``'s device."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    with torch.autocast(x.device.type, dtype=DTYPES[precision], enabled=precision != "float32"):
        out = net(x)
    # The loss itself in float32: per-image sums over 1,024 pixels lose too much in bfloat16's 8-bit mantissa.
    out = {k: None if v is None else v.float() for k, v in out.items()}
    loss, parts = training_loss(cfg, out, x)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return torch.stack([*parts.values(), loss]).detach()
