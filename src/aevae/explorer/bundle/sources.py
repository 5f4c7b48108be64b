"""The explorer bundle for the notebook widget and the static export, from whatever the user hands over.

Each model slot ("ae", "vae") takes the shipped model (``None``), a trained run folder (a path; analysed first if
it has no ``analysis.safetensors``, see ``aevae.explorer.bundle.from_runs``) or a model in memory (an
``aevae.models.LatentModel``), which is analysed here on the fly: its training latents give the violins, PCA map
and percentiles, its test images the metrics, its config the bit budget (``aevae.analysis.analyze`` with
``full=False``: the slow parts of ``aevae analyze``, the rate–distortion curve, prior samples and k-NN score, are
not needed to explore and are left out, so "bits the decoder uses" reads "—" for such a model). Extra images (arrays or PIL images, any size and mode)
join the gallery as the user's inputs, prepared the models' way (``aevae.data.prepare_image``: MNIST-style for the
shipped models).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np
from PIL import Image
from safetensors.torch import save as save_tensors

from aevae.version import __version__
from aevae.analysis import analyze
from aevae.config import RunConfig, TrainConfig
from aevae.data import load_splits, prepare_image, to_uint8
from aevae.explorer.bundle.format import SLOTS, Bundle, BundleError, input_layout, shipped_bundle_bytes
from aevae.explorer.bundle.from_runs import analysis_arrays, build_bundle, model_meta
from aevae.explorer.bundle.gallery import build_gallery
from aevae.models import LatentModel
from aevae.models.layers import layer_table

Source = Union[None, str, os.PathLike, LatentModel]  # what one slot can be given
Images = Union[Sequence[Any], Mapping[str, Any]]  # images, or {name: image}
IN_MEMORY_LIMIT = 10_000  # training images encoded for an in-memory model: its maps in seconds rather than a minute


def explorer_bundle(ae: Source = None, vae: Source = None, images: Images = (), data: str = "mnist",
                    limit: int | None = IN_MEMORY_LIMIT, half: bool = False, progress: bool = False) -> Bundle:
    """A bundle with each slot filled from its source, and ``images`` appended to the gallery as inputs.

    ``data`` and ``limit`` concern in-memory models only: the data-set spec they are analysed on and how many
    training images to encode (None: all; the test metrics use a sixth as many, as ``aevae analyze`` does for
    a limited run). ``half`` stores run folders' and in-memory models' weights as float16 (the export does).
    """
    sources = {"ae": ae, "vae": vae}
    for slot, source in sources.items():
        if source is not None and not isinstance(source, (str, os.PathLike, LatentModel)):
            raise TypeError(f"{slot}= takes a run folder, an aevae LatentModel or None (the shipped {slot}), "
                            f"not {type(source).__name__}")
    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    runs = {slot: Path(s) if isinstance(s, (str, os.PathLike)) else None for slot, s in sources.items()}
    bundle = build_bundle(runs, shipped, progress=progress, half=half) if any(runs.values()) else shipped
    meta, arrays = dict(bundle.meta, models=dict(bundle.meta["models"])), dict(bundle.arrays)
    memory = [slot for slot in SLOTS if isinstance(sources[slot], LatentModel)]
    for slot in memory:
        meta["models"][slot], entry = model_entry(slot, sources[slot], data, limit, half, progress)
        arrays.update(entry)
    used = {meta["models"][slot]["data"] for slot in SLOTS}  # test images of a replaced model's data set go
    keep = [i for i, item in enumerate(meta["gallery"]) if item["kind"] != "test" or item["data"] in used]
    items, pixels = [meta["gallery"][i] for i in keep], [arrays["gallery.images"][keep]]
    if memory and not any(item["kind"] == "test" and item["data"] == meta["models"][memory[0]]["data"]
                          for item in items):  # a data set the gallery has no test images of yet
        test_images, test_items = build_gallery([data])
        keep = [i for i, item in enumerate(test_items) if item["kind"] == "test"]
        items, pixels = [test_items[i] for i in keep] + items, [test_images[keep], *pixels]
    uploads = named_images(images)
    layouts = {input_layout(meta["models"][slot]) for slot in SLOTS}
    if uploads and len(layouts) > 1:  # one gallery feeds both models
        raise BundleError(f"the two models prepare their inputs differently ({sorted(layouts)}: preprocessing, "
                          "side, channels); add images only to a pair that takes the same images")
    for name, image in uploads:
        items.append({"name": name, "label": name, "kind": "upload", "data": "user"})
        pixels.append(to_uint8(prepare_image(image, *next(iter(layouts))))[None])
    meta["gallery"] = items
    arrays["gallery.images"] = np.ascontiguousarray(np.concatenate(pixels), np.uint8)
    return Bundle(meta, arrays)


def named_images(images: Images) -> list[tuple[str, Any]]:
    """(name, image) pairs: a mapping's own names, or "image 1", "image 2", … for a sequence."""
    if isinstance(images, Mapping):
        return [(str(name), image) for name, image in images.items()]
    if isinstance(images, (np.ndarray, Image.Image)):
        raise TypeError("images= takes a list of images (or {name: image}); wrap a single image in a list")
    return [(f"image {i}", image) for i, image in enumerate(images, 1)]


def model_entry(slot: str, model: LatentModel, data: str, limit: int | None, half: bool = False,
                progress: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Metadata and arrays of an in-memory model for ``slot``, analysed on the data set ``data``."""
    cfg = RunConfig(model=model.cfg, train=TrainConfig(data=data, limit=limit or 0), aevae_version=__version__)
    train_set, test_set = load_splits(data, limit or 0, model.cfg.image_size)
    analysis = analyze(model, train_set, test_set, full=False, progress=progress)
    state = {k: (v.half() if half else v.float()).detach().cpu().contiguous() for k, v in model.state_dict().items()}
    source = f"in-memory {model.cfg.kind} (analysed on {len(train_set)} {train_set.name} training images)"
    meta = model_meta(slot, cfg.to_dict(), {}, analysis, layer_table(model), source=source)
    weights = np.frombuffer(save_tensors(state), np.uint8).copy()
    return meta, {f"{slot}.weights": weights, **analysis_arrays(slot, analysis)}
