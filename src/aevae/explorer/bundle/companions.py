"""Runs the article measures beside the pair, without showing them in the explorer: today one, "ae-d2", the
paper's AE with a 2-dimensional latent space, which the article's claim 1 (an AE with 2 latent variables
reconstructs about as well as the VAE with 4) compares with the VAE.

A companion is its model's metadata only (the same fields as a bundle slot's, ``from_runs.model_meta``: config,
test metrics, organisation, bit budget, rate–distortion curve), stored as one small JSON file beside the shipped
bundle, ``defaults/ae-d2.json``, so it merges and regenerates independently of the bundle. Its weights are not
shipped: the claim is a comparison of numbers, and the export must stay small. The page receives companions in the
bundle's metadata (``meta["companions"]``) when the VAE it compares with is the shipped one; with a user's own VAE
the article says "not measured" and prints ``COMPANIONS[name]["command"]``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from aevae.explorer.bundle.format import Bundle, model_facts

COMPANIONS = {  # name -> what it is for and how to train it (RUNS: the folder of the paper pair)
    "ae-d2": {
        "file": "defaults/ae-d2.json",
        "command": "aevae train --model ae --latent 2 --epochs 8 --out RUNS/ae-d2",
        "role": "the paper's AE with d = 2, for claim 1 (AE with 2 latent variables vs VAE with 4)",
    },
}


def shipped_companions() -> dict[str, dict[str, Any]]:
    """The companions that ship with the package, by name (a missing file is simply left out)."""
    found = {}
    for name, spec in COMPANIONS.items():
        path = resources.files("aevae.explorer.bundle") / spec["file"]
        if path.is_file():
            meta = json.loads(path.read_text(encoding="utf-8"))
            found[name] = {**meta, **model_facts(meta["config"]["model"])}  # derived as a slot's are
    return found


def with_companions(bundle: Bundle, companions: dict[str, dict[str, Any]]) -> Bundle:
    """``bundle`` with ``companions`` in its metadata (arrays shared, not copied); unchanged when there are none."""
    if not companions:
        return bundle
    return Bundle({**bundle.meta, "companions": companions}, bundle.arrays)
