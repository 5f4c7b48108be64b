"""The explorer bundle for models aevae did not build: the user's encoder/decoder and the images they give.

``own_model_bundle(model, images, labels)`` checks the model (``aevae.models.user_model``), encodes the images and
runs the analysis that needs nothing else (``aevae.analysis.analyze`` with ``full=False``: violins, PCA map,
percentiles, the out-of-distribution references, the bit budget and, for a variational model, its rate). The images
play both parts the analysis knows, training and test set: the numbers describe the images given, not a held-out
set. ``model`` is one model, shown in both slots, or ``{"ae": model, "vae": model}`` for two side by side (any
kinds; the slot is only where it is drawn).

Where the model is a plain chain the layer table describes (``aevae.models.user_layers``: linear, convolutions,
ReLU/SiLU, flatten/unflatten, mu or chunk(2) into mu and logvar, a final sigmoid), it is converted: its slot
carries the table and the weights, the page decodes it by itself and ``aevae export`` can write it. Otherwise the
slot carries no weights, the metadata ``"decoder": "python"`` and ``"python_only"`` (why it could not be
converted), and the page asks Python to decode (the server's API, or the widget's kernel). The latent codes of the
gallery images and their reconstruction error are computed here either way, so selecting an input needs no round
trip. Imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from safetensors.torch import save as save_tensors

from aevae.config import AUTO_PREPROCESS, PREPROCESSING
from aevae.version import __version__
from aevae.analysis import analyze
from aevae.data.arrays import ArrayImages, array_images
from aevae.explorer.bundle.format import BUNDLE_FORMAT, SLOTS, Bundle, BundleError
from aevae.explorer.bundle.from_runs import analysis_arrays, model_meta
from aevae.metrics import as_batch
from aevae.models import bce_per_image
from aevae.models.user_layers import user_layer_table
from aevae.models.user_model import UserModel

PYTHON_DECODER = "python"  # a slot's "decoder" when only Python can run its network
GALLERY_PER_CLASS = 3  # images of each class in the gallery: a row of three (gallery.js), as the shipped gallery's
GALLERY_FEW = 12  # images in the gallery at least, where there are few classes (rows of three for each)
GALLERY_MAX = 39  # at most this many thumbnails, whatever the number of classes
TEST_IMAGES = 1000  # test metrics and unusualness percentiles (0, 0.1, ..., 100) need no more images than this


def upload_note(preprocess: str, cli: bool = False) -> str:
    """One line saying how a drawing or an upload will be prepared for the model, and the option that changes it."""
    other = "fit" if preprocess == "glyph" else "glyph"
    option = f"--preprocess {other}" if cli else f"preprocess={other!r}"
    if preprocess == "glyph":
        return ("drawings and uploads: prepared as MNIST-style glyphs (light strokes on a dark ground, centred and "
                f"scaled); {option} takes uploads as they are, resized and cropped")
    return (f"uploads: resized and centre-cropped, colours kept; {option} prepares them as MNIST-style glyphs and "
            "adds a drawing pad")


def user_models(model: Any, images: ArrayImages, output: str | None = None,
                input_range: tuple[float, float] | None = None, cli: bool = False) -> dict[str, UserModel]:
    """Each slot's checked, wrapped model: ``model`` in both slots, or a mapping {"ae": …, "vae": …}; ``output``
    and ``input_range`` as ``UserModel.wrap`` takes them (None: found from the first decodings)."""
    given = dict(model) if isinstance(model, Mapping) else {slot: model for slot in SLOTS}
    if set(given) != set(SLOTS):
        raise BundleError(f"model= takes one model, or a mapping with the keys {', '.join(SLOTS)}; got the keys "
                          f"{', '.join(map(str, given))}")
    x = as_batch(images.images[:8])  # (n, C, S, S) float32 in [0, 1]
    wrapped: dict[int, UserModel] = {}  # one wrapper per distinct model, so it is analysed once
    for value in given.values():
        if id(value) not in wrapped:
            wrapped[id(value)] = UserModel.wrap(value, x, output, input_range=input_range, cli=cli)
    return {slot: wrapped[id(given[slot])] for slot in SLOTS}


def own_model_bundle(model: Any, images: Any, labels: Any = None, output: str | None = None,
                     progress: bool = False, input_range: tuple[float, float] | None = None,
                     cli: bool = False, preprocess: str | None = None) -> tuple[Bundle, dict[str, UserModel]]:
    """The bundle for the user's model(s) on their images, and the wrapped models the page's decoding calls; with
    ``progress``, what was decided about each model (its ranges, why Python decodes it) is printed first, one line
    each, options spelled as on the command line where ``cli``. ``preprocess``: how a drawing or an upload is
    prepared for the models, "glyph" (an MNIST-style digit; the page then offers a drawing pad) or "fit" (resized
    and cropped); None: the images' own (``ArrayImages.preprocess``: glyph for MNIST, fit for arrays)."""
    data = images if isinstance(images, ArrayImages) else array_images(images, labels)
    if preprocess not in (None, AUTO_PREPROCESS):
        if preprocess not in PREPROCESSING:
            raise BundleError(f"unknown preprocessing {preprocess!r}; choose one of {', '.join(PREPROCESSING)}")
        data = replace(data, preprocess=preprocess)
    if progress:
        print(upload_note(data.preprocess, cli), flush=True)
    models = user_models(model, data, output, input_range, cli)
    gallery = gallery_indices(data)
    meta: dict[str, Any] = {"format": BUNDLE_FORMAT, "models": {}, "provenance": {"aevae_version": __version__}}
    arrays: dict[str, np.ndarray] = {}
    done: dict[int, tuple[dict[str, Any], dict[str, np.ndarray]]] = {}
    for slot in SLOTS:
        m = models[slot]
        if id(m) not in done:
            done[id(m)] = slot_entry(m, data, gallery, progress)
        entry, entry_arrays = done[id(m)]
        meta["models"][slot] = {**entry, "slot": slot,
                                "both_slots": models["ae"] is models["vae"]}  # one model: no "Show AE" switch
        arrays.update({f"{slot}.{name}": value for name, value in entry_arrays.items()})
    label_names = [data.classes[i] for i in data.labels[gallery]]
    meta["gallery"] = [{"name": f"{label} (image #{i})", "label": label, "kind": "test", "data": data.name}
                       for i, label in zip(gallery, label_names)]
    pixels = data.images[gallery]  # (M, C, S, S)
    arrays["gallery.images"] = np.ascontiguousarray(pixels[:, 0] if pixels.shape[1] == 1 else pixels)  # as format.py
    return Bundle(meta, arrays), models


def slot_entry(model: UserModel, data: ArrayImages, gallery: np.ndarray, progress: bool
               ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Metadata and arrays (named without the slot) of one user model analysed on ``data``."""
    try:
        layers, weights = user_layer_table(model)
    except Exception as exc:  # noqa: BLE001 - not steps the page can run, or a trace that failed: Python decodes
        layers, weights = None, None
        why = str(exc) if isinstance(exc, ValueError) else f"tracing failed: {type(exc).__name__}: {exc}"
    if progress:  # said before the analysis starts, one line each
        for note in model.notes:
            print(f"{model.name}: {note}", flush=True)
        print(f"{model.name}: " + ("the page decodes it (every step has a layer-table entry)" if layers else
                                   f"decoded by Python behind the page, because {why}"), flush=True)
    analysis = analyze(model, data, data, full=False, progress=progress, test_limit=TEST_IMAGES)
    cfg = model.cfg
    config = {"model": {"kind": cfg.kind, "latent_dim": cfg.latent_dim, "image_size": cfg.image_size,
                        "channels": cfg.channels},
              "train": {"data": data.name, "preprocess": data.preprocess}}  # how an upload is made like them
    source = f"{model.name} (your {cfg.kind.upper()}, analysed on {len(data)} of your images)"
    meta = model_meta("", config, {}, analysis, layers, source=source)
    meta["own"] = True  # a user's own model on their images: the page words its gallery and hints for that
    named = {k.split(".", 1)[1]: v for k, v in analysis_arrays("slot", analysis).items()}
    if weights is None:
        meta.update(decoder=PYTHON_DECODER, python_only=why)
        named["weights"] = np.zeros(0, np.uint8)
    else:
        named["weights"] = np.frombuffer(save_tensors(weights), np.uint8).copy()
    named.update(gallery_codes(model, data.images[gallery]))
    return meta, named


@torch.inference_mode()
def gallery_codes(model: UserModel, images: np.ndarray) -> dict[str, np.ndarray]:
    """The gallery images' latent means (M, d), standard deviations (M, d, VAEs only) and reconstruction BCE from
    the mean (M,, nats/image), which the page would otherwise compute with a network it cannot build."""
    x = as_batch(images)
    enc = model.encode(x)
    out = {"gallery_mu": enc.mu.numpy().astype(np.float32),
           "gallery_bce": bce_per_image(model.decode_logits(enc.mu), x).numpy().astype(np.float32)}
    if enc.sigma is not None:
        out["gallery_sigma"] = enc.sigma.numpy().astype(np.float32)
    return out


def gallery_indices(data: ArrayImages, per_class: int = GALLERY_PER_CLASS, most: int = GALLERY_MAX) -> np.ndarray:
    """The first ``per_class`` images of each class (more, in whole rows of three, where fewer than four classes
    leave room: ``GALLERY_FEW`` in all), class by class, at most ``most`` in all."""
    per_class = max(per_class, GALLERY_FEW // len(data.classes) // 3 * 3)
    picked = [np.flatnonzero(data.labels == label)[:per_class] for label in range(len(data.classes))]
    return np.concatenate(picked)[:most]


def python_only(bundle: Bundle) -> dict[str, str]:
    """Slots whose network only Python can run, with the reason the layer table gave."""
    return {slot: bundle.model(slot).get("python_only") or "no layer table" for slot in SLOTS
            if bundle.model(slot).get("decoder") == PYTHON_DECODER}
