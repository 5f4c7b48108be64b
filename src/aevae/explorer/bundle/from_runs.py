"""Build an explorer bundle from run folders: weights, analysis and a gallery of their data sets' test images.

A run without ``analysis.safetensors`` is analysed first (``aevae.analysis.ensure_analysis``), so any trained run
folder can be explored. Imports torch (through the run and analysis loaders); the shipped bundle never needs this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import save as save_tensors

from aevae.analysis import ensure_analysis
from aevae.explorer.bundle.format import (
    ANALYSIS_ARRAYS,
    BUNDLE_FORMAT,
    FACTOR_LATENTS,
    OPTIONAL_ARRAYS,
    SLOTS,
    Bundle,
    BundleError,
    input_layout,
)
from aevae.explorer.bundle.gallery import build_gallery
from aevae.models.layers import layer_table
from aevae.runs import WEIGHTS, Analysis, load_config, load_metrics, load_model


def build_bundle(runs: dict[str, Path | None], fallback: Bundle | None = None, progress: bool = True,
                 half: bool = False) -> Bundle:
    """A bundle with the run folder given for each slot ("ae", "vae"); a slot given None is taken from ``fallback``.

    ``half`` stores the weights as float16 (half the bytes; decoded images move by about 1e-3).
    The gallery holds test images of every data set in the bundle (a fallback slot's come from ``fallback``'s
    gallery, so no data set needs to be fetched for it) and the probes.
    """
    meta: dict[str, Any] = {"format": BUNDLE_FORMAT, "models": {}, "provenance": {}}
    arrays: dict[str, np.ndarray] = {}
    specs, kept, layouts, how = [], [], {}, {}
    for slot in SLOTS:
        run = runs.get(slot)
        if run is None:
            if fallback is None:
                raise ValueError(f"no run folder for the {slot} slot and no bundle to take it from")
            meta["models"][slot] = fallback.meta["models"][slot]  # as stored (Bundle.model adds derived facts)
            arrays.update({k: v for k, v in fallback.arrays.items() if k.startswith(f"{slot}.")})
            kept.append(fallback.model(slot)["data"])
            layouts[slot] = input_layout(fallback.model(slot))[1:]  # (side, channels)
        else:
            model_meta, model_arrays = run_entry(slot, Path(run), progress, half)
            meta["models"][slot] = model_meta
            arrays.update(model_arrays)
            train_cfg = model_meta["config"]["train"]
            specs.append(train_cfg["data"])
            how[train_cfg["data"]] = train_cfg.get("preprocess", "auto")
            layouts[slot] = input_layout(model_meta)[1:]
    if len(set(layouts.values())) > 1:  # one gallery feeds both models, so both must take the same images
        shown = ", ".join(f"{slot} {c}×{s}×{s}" for slot, (s, c) in layouts.items())
        raise BundleError(f"the two models take different images ({shown}, channels × height × width); explore "
                          "models of one image size and channel count side by side")
    size, channels = next(iter(layouts.values()))
    images, items = build_gallery(specs, size=size, channels=channels, preprocess=how)
    if fallback is not None and kept:
        own = {item["data"] for item in items}
        reuse = [i for i, item in enumerate(fallback.meta["gallery"])
                 if item["kind"] == "test" and item["data"] in kept and item["data"] not in own]
        images = np.concatenate([fallback.arrays["gallery.images"][reuse], images])
        items = [fallback.meta["gallery"][i] for i in reuse] + items
    meta["gallery"] = items
    arrays["gallery.images"] = np.ascontiguousarray(images, np.uint8)
    return Bundle(meta, arrays)


def run_entry(slot: str, run: Path, progress: bool = True, half: bool = False
              ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Metadata and arrays of one run folder for ``slot``, analysing the run first if it has no analysis."""
    _, model = load_model(run)  # also checks that the weights match the config, with the run loader's messages
    analysis = ensure_analysis(run, progress=progress)
    if half:
        weights = save_tensors({k: v.half().contiguous() for k, v in model.state_dict().items()})
    else:
        weights = (run / WEIGHTS).read_bytes()
    meta = model_meta(slot, load_config(run).to_dict(), load_metrics(run), analysis, layer_table(model),
                      source=str(run.resolve()))
    return meta, {f"{slot}.weights": np.frombuffer(weights, np.uint8).copy(), **analysis_arrays(slot, analysis)}


def model_meta(slot: str, config: dict[str, Any], metrics: dict[str, Any], analysis: Analysis,
               layers: dict[str, Any], source: str) -> dict[str, Any]:
    """What the page and the API show about one model, each fact once (the slot schema in
    ``aevae.explorer.bundle.format``: kind, latent size, image size and channels are read from ``config``);
    ``layers`` is its ``aevae.models.layers.layer_table``, from which the browser builds the network."""
    return {
        "slot": slot,
        "preprocess": input_layout({"config": config})[0],  # "glyph" (a drawing pad makes sense) or "fit"
        "data": analysis.data,
        "classes": list(analysis.classes),
        "config": config,
        "layers": layers,
        "metrics": analysis.metrics,
        "organisation": analysis.organisation,
        "info": analysis.info,
        "novelty": analysis.extra.get("novelty"),
        "units": {**metrics.get("units", {}), **analysis.units},
        "pca_explained_variance_ratio": [float(v) for v in analysis.pca_explained_variance_ratio],
        **({"factors": analysis.extra["factors"]} if "factors" in analysis.extra else {}),
        **article_fields(analysis),
        **training_curve(metrics),
        "source": source,
    }


def training_curve(metrics: dict[str, Any]) -> dict[str, Any]:
    """The run's test loss after each epoch, from its ``metrics.json`` history, for the page's judgement of whether
    it trained long enough: ``{"training": {"epochs", "loss", "test_loss_nats_per_image"}}`` with ``loss`` "-ELBO"
    (a VAE's bound) or "BCE" (an AE's); nothing for a model without a history (one of your own, an old run)."""
    history = [h for h in metrics.get("history", []) if isinstance(h.get("test"), dict)]
    if not history:
        return {}
    variational = all("neg_elbo_nats_per_image" in h["test"] for h in history)
    key = "neg_elbo_nats_per_image" if variational else "bce_nats_per_image"
    return {"training": {"epochs": int(history[-1]["epoch"]), "loss": "-ELBO" if variational else "BCE",
                         "test_loss_nats_per_image": [float(h["test"][key]) for h in history]}}


def article_fields(analysis: Analysis) -> dict[str, Any]:
    """What the article draws beyond the explorer's views, where the analysis has it: the rate–distortion curve
    (``aevae analyze``'s quantised-code sweep; absent for a quick in-memory analysis) and the prior-sample test."""
    fields: dict[str, Any] = {}
    if "rd_bits_per_image" in analysis.arrays:
        fields["rate_distortion"] = {
            "bits_per_image": [float(v) for v in analysis.arrays["rd_bits_per_image"]],
            "bce_nats_per_image": [float(v) for v in analysis.arrays["rd_bce_nats_per_image"]],
        }
    if analysis.extra.get("prior"):
        fields["prior"] = analysis.extra["prior"]
    return fields


def analysis_arrays(slot: str, analysis: Analysis) -> dict[str, np.ndarray]:
    """The analysis arrays the page draws, named and typed for the bundle (see aevae.explorer.bundle)."""
    wanted = {**ANALYSIS_ARRAYS, **{k: v for k, v in OPTIONAL_ARRAYS.items() if k in analysis.arrays}}
    arrays = {f"{slot}.{name}": np.ascontiguousarray(analysis.arrays[name], dtype=dtype)
              for name, dtype in wanted.items()}
    if "factors" in analysis.arrays:  # the page splits the violins by a factor from the latents themselves
        arrays[f"{slot}.latents"] = np.ascontiguousarray(analysis.arrays["mu"], dtype=FACTOR_LATENTS)
    return arrays
