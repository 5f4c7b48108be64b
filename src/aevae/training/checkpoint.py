"""The resume checkpoint: model, optimizer and progress in one safetensors file (no pickle).

It is the run's single source of truth: it carries the history of finished epochs too, so ``metrics.json`` (written
after it) can always be rebuilt from it, and a crash between the two writes never leaves them disagreeing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from aevae.runs import RunError, load_tensors, save_tensors


@dataclass
class Progress:
    """Where training stands: the next batch to run and the running sums of the epoch in progress."""

    epoch: int = 0  # epochs completed
    step: int = 0  # batches of the current epoch completed
    sums: dict[str, float] = field(default_factory=dict)  # per-image loss parts summed over the epoch so far
    seen: int = 0  # training images seen in the current epoch
    seconds: float = 0.0  # training time spent in the current epoch
    history: list[dict] = field(default_factory=list)  # metrics.json's record of each finished epoch


def save_checkpoint(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, progress: Progress) -> None:
    """Write everything ``--resume`` needs, atomically."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    state = optimizer.state_dict()
    for idx, slots in state["state"].items():
        for name, value in slots.items():
            tensors[f"optim.{idx}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
    meta = {"progress": json.dumps(asdict(progress), allow_nan=False),
            "param_groups": json.dumps(state["param_groups"], allow_nan=False)}
    save_tensors(path, tensors, meta)


def saved_progress(path: Path) -> Progress | None:
    """The progress a checkpoint file records (its metadata only, no tensors read); None if it is unreadable."""
    try:
        with safe_open(str(path), "pt") as f:
            return Progress(**json.loads((f.metadata() or {})["progress"]))
    except (SafetensorError, OSError, KeyError, TypeError, ValueError):
        return None


def load_checkpoint(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Progress:
    """Restore model and optimizer from ``save_checkpoint`` output and return the saved progress."""
    tensors = load_tensors(path)
    try:
        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
        progress = Progress(**json.loads(meta["progress"]))
        # JSON turns tuples (Adam's betas) into lists; restore them so the state is exactly what was saved.
        groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v for k, v in g.items()}
                  for g in json.loads(meta["param_groups"])]
        model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        slots: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, idx, name = key.split(".", 2)
                slots.setdefault(int(idx), {})[name] = value
        optimizer.load_state_dict({"state": slots, "param_groups": groups})
        _match_layouts(optimizer)
    except (KeyError, TypeError, ValueError, RuntimeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path} is not a usable aevae checkpoint ({exc})") from None
    return progress


def _match_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Give each moment buffer its parameter's memory layout (channels-last for convolutions): the file stores them
    contiguous, and CUDA's fused Adam refuses buffers whose strides differ from their parameter's."""
    for param, slots in optimizer.state.items():
        for name, value in slots.items():
            if isinstance(value, torch.Tensor) and value.shape == param.shape and value.stride() != param.stride():
                slots[name] = torch.empty_like(param, dtype=value.dtype).copy_(value)
