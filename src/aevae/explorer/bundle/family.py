"""A family of models in the bundle, for the explorer's slider: each member's weights (8-bit, ``quantize``), the
analysis arrays its views draw and its headline numbers, beside the two slots.

Metadata ``"family"``: ``axis`` ("beta", "latent_dim" or "epoch"), ``symbol`` (β, d, epoch), ``values``, and
``members``, each a model's metadata as the slots have it (``from_runs.model_meta``) plus ``value`` and
``headline`` (BCE in nats/image, KL in bits/image, −ELBO in nats/image). Arrays ``family.I.NAME`` for member I: the
slots' analysis arrays (``format.ANALYSIS_ARRAYS``) with the training points thinned to ``FAMILY_POINTS`` (every
k-th, the same rows for every member, ``family.I.labels`` theirs), and ``family.I.weights``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from aevae.analysis import ANALYSIS, analyze, load_analysis
from aevae.config import ModelConfig
from aevae.explorer.bundle.format import Bundle, BundleError
from aevae.explorer.bundle.from_runs import analysis_arrays, model_meta
from aevae.explorer.bundle.quantize import dequantize, quantize
from aevae.models import LatentModel
from aevae.models.layers import layer_table
from aevae.runs import load_metrics, load_model, model_from_tensors, run_data
from aevae.runs.family import Family, family_of
from aevae.runs.snapshots import load_snapshots

FAMILY_POINTS = 10_000  # training points per member on the PCA map: 50 KB instead of 300 KB for MNIST's 60,000
MAX_MEMBERS = 16  # the page builds every member's network at load, and each slider stop is one model
MAX_BYTES = 24 * 2**20  # a family's bytes in the bundle: the page holds them in memory and the export as base64
HEADLINE = ("bce_nats_per_image", "kl_bits_per_image", "neg_elbo_nats_per_image")


def headline(metrics: dict[str, Any]) -> dict[str, float]:
    """The numbers the slider shows at each stop (those the model has: an AE has no KL)."""
    return {k: float(metrics[k]) for k in HEADLINE if k in metrics}


def thinned(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """``arrays`` with the training points and their labels cut to every k-th row (at most FAMILY_POINTS)."""
    points, labels = arrays[f"{prefix}.pca_points"], arrays[f"{prefix}.labels"]
    step = max(1, -(-len(points) // FAMILY_POINTS))
    return {**arrays, f"{prefix}.pca_points": np.ascontiguousarray(points[::step]),
            f"{prefix}.labels": np.ascontiguousarray(labels[::step])}


def family_entries(family: Family, progress: bool = True) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The bundle's ``"family"`` metadata and ``family.I.*`` arrays of ``family``: a run's analysis file where it
    has one, else an analysis in memory without the slow parts (``analyze(full=False)``: no rate–distortion
    curve, so "bits the decoder uses" shows as not measured), as for snapshots."""
    members, arrays = [], {}
    snapshots = ({s.epoch: s for s in load_snapshots(family.members[0].run, family.members[0].config)}
                 if family.axis == "epoch" else {})
    for i, member in enumerate(family.members):
        prefix = f"family.{i}"
        if member.epoch is None:
            _, model = load_model(member.run)
            analysis = (load_analysis(member.run) if (member.run / ANALYSIS).is_file()
                        else analyze(model, *run_data(member.config), full=False, progress=progress))
            metrics = load_metrics(member.run)
        else:
            snap = snapshots[member.epoch]
            model = model_from_tensors(member.config.model, snap.weights, f"{member.run} epoch {member.epoch}")
            analysis = analyze(model, *run_data(member.config), full=False, progress=progress)
            metrics = {"units": {}}
        meta = model_meta(prefix, member.config.to_dict(), metrics, analysis, layer_table(model),
                          source=f"{member.run.resolve()}" + (f" at epoch {member.epoch}" if member.epoch is not None
                                                              else ""))
        weights = quantize({k: v.detach().float().numpy() for k, v in model.state_dict().items()})
        arrays.update(thinned(analysis_arrays(prefix, analysis), prefix))
        arrays[f"{prefix}.weights"] = np.frombuffer(weights, np.uint8).copy()
        members.append({**meta, "value": member.value, "headline": headline(analysis.metrics)})
    size = sum(v.nbytes for v in arrays.values())
    if len(members) > MAX_MEMBERS or size > MAX_BYTES:
        raise BundleError(f"this family has {len(members)} models of {size / len(members) / 1e6:.2f} MB each "
                          f"({size / 1e6:.1f} MB); the page holds at most {MAX_MEMBERS} models and "
                          f"{MAX_BYTES / 2**20:.0f} MiB, since it builds every model when it opens and the export "
                          "carries them all: pass fewer runs or snapshots")
    meta = {"axis": family.axis, "symbol": family.symbol, "values": family.values, "members": members,
            "bytes_per_model": round(size / len(members))}
    return meta, arrays


def snapshot_entries(family: Family) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """For "Watch it learn": where the family's first member (the AE-like end) and the member nearest β = 1 (the
    paper's VAE) were trained with snapshots, each one's latents of the fixed test images at every saved epoch
    (``family.snapshots.K``, float16 (E, N, d)) and the images' labels (``family.snapshots.labels``)."""
    chosen = [0, min(range(len(family.members)), key=lambda i: abs(family.members[i].value - 1.0))]
    entries, arrays = [], {}
    for i in dict.fromkeys(chosen):
        member = family.members[i]
        if member.epoch is not None or not member.config.train.snapshot_epochs:
            continue
        snaps = load_snapshots(member.run, member.config)
        arrays[f"family.snapshots.{len(entries)}"] = np.stack([s.mu.numpy() for s in snaps]).astype(np.float16)
        entries.append({"member": i, "epochs": [s.epoch for s in snaps],
                        "metrics": [headline(s.metrics) for s in snaps]})
        if "family.snapshots.labels" not in arrays:
            test = run_data(member.config)[1]
            arrays["family.snapshots.labels"] = np.ascontiguousarray(test.labels[:len(snaps[0].mu)], np.uint8)
    return entries, arrays


def with_family(bundle: Bundle, paths: list[Path], progress: bool = True) -> Bundle:
    """``bundle`` with the family that ``paths`` make (see ``aevae.runs.family.family_of``), replacing any it had,
    and its members' snapshots where they have them (``snapshot_entries``)."""
    family = family_of(paths)
    meta, arrays = family_entries(family, progress)
    if family.axis != "epoch":
        meta["snapshots"], more = snapshot_entries(family)
        arrays.update(more)
    kept = {k: v for k, v in bundle.arrays.items() if not k.startswith("family.")}
    return Bundle({**bundle.meta, "family": meta}, {**kept, **arrays})


def without_family(bundle: Bundle) -> Bundle:
    """``bundle`` with its family left out (``aevae export --no-family``): only the two slots remain."""
    meta = {k: v for k, v in bundle.meta.items() if k != "family"}
    return Bundle(meta, {k: v for k, v in bundle.arrays.items() if not k.startswith("family.")})


def member_model(bundle: Bundle, index: int) -> LatentModel:
    """The family's ``index``-th model in PyTorch, with the very float32 weights the page rebuilds from the bundle."""
    meta = bundle.meta["family"]["members"][index]
    weights = dequantize(bundle.arrays[f"family.{index}.weights"].tobytes())
    tensors = {k: torch.from_numpy(v) for k, v in weights.items()}
    return model_from_tensors(ModelConfig(**meta["config"]["model"]), tensors, f"the bundle's family model {index}",
                              error=BundleError)
