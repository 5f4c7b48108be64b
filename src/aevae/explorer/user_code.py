"""What ``aevae explore --model package.module:factory --images SPEC`` loads: the user's model, by importing the one
module they named and calling the factory in it, and the images to explore it on, at the model's size.

Importing a module runs its code, with the user's rights: only the module named on the command line is imported,
and only because the user asked. Nothing else is imported by name. A name that does not resolve, a module that
fails to import or a factory that raises is reported in one line naming the cause, not as a traceback.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

from aevae.data import SIZES, load_dataset, resolve_preprocess
from aevae.data.arrays import ArrayImages, load_arrays
from aevae.data.preprocess import resize_images
from aevae.errors import AevaeError

ARRAY_FILES = (".npy", ".npz")  # --images given as a file of arrays rather than a data-set spec
PROBE_SIZES = (32, 28, 64)  # sides tried, in this order, for a data-set spec when --image-size is not given


class UserCodeError(AevaeError, ImportError):
    """The model named with --model cannot be imported or made."""


def load_factory_model(spec: str) -> Any:
    """The model made by ``factory()`` in ``package.module`` for ``spec`` = "package.module:factory"; the current
    folder is searched first, as ``python -m`` would."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UserCodeError(f"--model takes package.module:factory (a function returning the model with its weights "
                            f"loaded); got {spec!r}")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any error of the user's code: summarised, the traceback is theirs to rerun
        raise UserCodeError(f"cannot import {module_name!r} (from --model {spec}): {type(exc).__name__}: {exc}"
                            ) from None
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise UserCodeError(f"{module_name} has no {attr!r} (from --model {spec})")
        target = getattr(target, part)
    if not callable(target):
        raise UserCodeError(f"{spec} is a {type(target).__name__}, not a function that returns the model")
    try:
        return target()
    except Exception as exc:
        raise UserCodeError(f"{spec}() raised {type(exc).__name__}: {exc}") from None


def load_images(spec: str, image_size: int | None = None, model: Any = None) -> ArrayImages:
    """The images to explore a model on: a .npy/.npz file of arrays (``aevae.data.arrays``), or a data-set spec
    (its test split, as aevae's loaders give it, grey or colour, with the data set's own preprocessing) at side
    ``image_size``, or, when that is None, at the first side of PROBE_SIZES whose images ``model``'s encode takes."""
    if spec.endswith(ARRAY_FILES):
        return load_arrays(spec)
    test = load_dataset(spec, "test", size=SIZES[-1] if (image_size or 0) > SIZES[0] else SIZES[0])
    images = test.images if test.images.ndim == 4 else test.images[:, None]  # (N, C, S, S)
    size = image_size or (model_side(model, images.shape[1]) if model is not None else images.shape[-1])
    if size != images.shape[-1]:
        images = resize_images(images, size)
    return ArrayImages(np.ascontiguousarray(images), test.labels, tuple(test.classes), test.name,
                       preprocess=resolve_preprocess(spec))  # mnist's digits are glyphs: a drawing pad fits them


def model_side(model: Any, channels: int) -> int:
    """The first side in PROBE_SIZES at which ``model`` (or, for a mapping of models, its first) encodes images of
    ``channels`` channels without raising; the first size when none does (the checks then say why)."""
    first = next(iter(model.values())) if isinstance(model, dict) else model
    encode = first[0] if isinstance(first, (tuple, list)) else getattr(first, "encode", None)
    if not callable(encode):
        return PROBE_SIZES[0]
    import torch  # the user's model is a torch model: torch is there

    if hasattr(first, "eval"):
        first.eval()
    for side in PROBE_SIZES:
        try:
            with torch.inference_mode():
                encode(torch.zeros(2, channels, side, side))
        except Exception:  # noqa: BLE001 - not this size; the next one is tried
            continue
        return side
    return PROBE_SIZES[0]
