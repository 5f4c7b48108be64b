"""What ``aevae explore --model package.module:factory --images SPEC`` loads: the user's model, by importing the one
module they named and calling the factory in it, and the images to explore it on.

Importing a module runs its code, with the user's rights: only the module named on the command line is imported,
and only because the user asked. Nothing else is imported by name. A name that does not resolve, a module that
fails to import or a factory that raises is reported in one line naming the cause, not as a traceback.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from aevae.data import load_dataset
from aevae.data.arrays import ArrayImages, load_arrays
from aevae.errors import AevaeError

ARRAY_FILES = (".npy", ".npz")  # --images given as a file of arrays rather than a data-set spec


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


def load_images(spec: str) -> ArrayImages:
    """The images to explore a model on: a .npy/.npz file of arrays (``aevae.data.arrays``), or a data-set spec
    (its test split, the images as aevae's loaders give them: 32×32 grey)."""
    if spec.endswith(ARRAY_FILES):
        return load_arrays(spec)
    test = load_dataset(spec, "test")
    return ArrayImages(test.images[:, None], test.labels, tuple(test.classes), test.name)
