"""Snapshots: a run's model at chosen epochs, so a reader can watch its latent space form.

``aevae train --snapshots 0,1,2,4,8`` writes one file per listed epoch into ``RUN/snapshots/`` (epoch 0 = the
weights before the first step): ``epoch-0004.safetensors`` holds

- the weights as float16 (``weights.<name>``; half of float32's bytes, as the explorer's bundle ships them),
- ``mu`` float32 (K, d) and, for VAEs, ``logvar`` float32 (K, d): the latents of the first ``SNAPSHOT_IMAGES``
  test images (the same images at every epoch, so their paths can be followed),

and in its metadata the epoch, that epoch's test metrics and the run's identity (``identity``: its config without
the settings a resume may change). A paper-sized model (347,561 parameters, d = 4) costs 0.70 MB per snapshot
(695 KB of weights, 16 KB of latents). Each file is written atomically before the checkpoint of its epoch, so a run
stopped at any point and resumed ends with every snapshot it asked for, each written once or rewritten unchanged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open

from aevae.config import RunConfig
from aevae.errors import RunError
from aevae.metrics import as_batch
from aevae.models import LatentModel
from aevae.runs.folder import save_tensors

SNAPSHOTS = "snapshots"  # the folder inside a run
SNAPSHOT_IMAGES = 500  # test images whose latents each snapshot keeps: 16 KB at d = 4, enough for a scatter
RESUMABLE = ("epochs", "threads")  # settings a resume may change: not part of a run's identity


def snapshot_path(run: Path, epoch: int) -> Path:
    """Where the snapshot of ``epoch`` lives in run folder ``run``."""
    return Path(run) / SNAPSHOTS / f"epoch-{epoch:04d}.safetensors"


def run_identity(cfg: RunConfig) -> str:
    """The settings that make a run this run (model and training, less what a resume may change), as JSON."""
    train = {k: v for k, v in asdict(cfg.train).items() if k not in RESUMABLE}
    return json.dumps({"model": asdict(cfg.model), "train": train}, sort_keys=True)


@torch.no_grad()
def save_snapshot(run: Path, epoch: int, model: LatentModel, cfg: RunConfig, images: Any,
                  metrics: dict[str, Any]) -> Path:
    """Write the snapshot of ``epoch``: ``model``'s weights and the latents of ``images`` (uint8, the fixed test
    subset), atomically; returns its path."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    enc = model.encode(as_batch(images, device).contiguous())
    model.train(was_training)
    tensors = {f"weights.{k}": v.detach().cpu().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    tensors["mu"] = enc.mu.float().cpu().contiguous()
    if enc.logvar is not None:
        tensors["logvar"] = enc.logvar.float().cpu().contiguous()
    meta = {"epoch": str(epoch), "identity": run_identity(cfg), "metrics": json.dumps(metrics, allow_nan=False)}
    path = snapshot_path(run, epoch)
    path.parent.mkdir(exist_ok=True)
    save_tensors(path, tensors, meta)
    return path


@dataclass
class Snapshot:
    """One saved epoch of a run: its weights (float16), the fixed test images' latents and that epoch's metrics."""

    epoch: int
    weights: dict[str, torch.Tensor]
    mu: torch.Tensor  # (K, d)
    logvar: torch.Tensor | None  # (K, d) for VAEs
    metrics: dict[str, Any]  # test metrics at that epoch (aevae.metrics.evaluate)


def load_snapshots(run: Path, cfg: RunConfig) -> list[Snapshot]:
    """Every snapshot the run ``run`` (config ``cfg``) asked for and has trained to, by epoch; RunError naming the
    file when one is missing, unreadable, or was written by another run."""
    run = Path(run)
    done = len(json.loads((run / "metrics.json").read_text()).get("history", [])) if (run / "metrics.json").is_file() \
        else 0
    wanted = [e for e in cfg.train.snapshot_epochs if e <= done]
    if not wanted:
        raise RunError(f"{run} has no snapshots: train it with --snapshots (e.g. --snapshots 0,1,2,4,8) to record "
                       "its model at chosen epochs")
    out = []
    identity = run_identity(cfg)
    for epoch in wanted:
        path = snapshot_path(run, epoch)
        if not path.is_file():
            raise RunError(f"{path} is missing: {run} asked for a snapshot at epoch {epoch}; train the run again "
                           "with --snapshots to record it")
        try:
            with safe_open(str(path), "pt") as f:
                meta = f.metadata() or {}
                tensors = {k: f.get_tensor(k) for k in f.keys()}
        except (SafetensorError, OSError, ValueError) as exc:
            raise RunError(f"{path} is corrupt or truncated ({exc})") from None
        if meta.get("identity") != identity or meta.get("epoch") != str(epoch):
            raise RunError(f"{path} was written by another run (or for another epoch) than {run}: its settings "
                           "differ from the run's config.json; snapshots cannot be moved between runs")
        weights = {k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith("weights.")}
        out.append(Snapshot(epoch, weights, tensors["mu"], tensors.get("logvar"), json.loads(meta["metrics"])))
    return out
