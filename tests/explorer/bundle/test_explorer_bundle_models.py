"""The bundle's models in PyTorch (aevae.explorer.bundle.models.BundleModels) and the slot metadata it reads: each
fact stored once, the latent size under one name, axis ranges and clamping as the page computes them."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from aevae.errors import InputError
from aevae.explorer.bundle.format import MODEL_FACTS, Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle.models import BundleModels


def test_axis_ranges_are_the_violin_grids_span_and_clamping_keeps_values_on_them(shipped: Bundle) -> None:
    models = BundleModels(shipped)
    members = len(shipped.meta.get("family", {}).get("members", []))
    assert models.slots == ("ae", "vae", *(f"family.{i}" for i in range(members)))  # the β family's too
    for slot in models.slots:
        grid = shipped.arrays[f"{slot}.density_grid"]  # (d, G)
        ranges = models.axis_ranges(slot)
        assert len(ranges) == models.latent_dim(slot) == len(grid)
        assert ranges == [(float(row[0]), float(row[-1])) for row in grid]
        inside = [(lo + hi) / 2 for lo, hi in ranges]
        assert models.clamp(slot, inside) == inside
        assert models.clamp(slot, [1e6] * len(ranges)) == [hi for _, hi in ranges]
        assert models.clamp(slot, [-1e6] * len(ranges)) == [lo for lo, _ in ranges]


def test_encode_then_decode_gives_images_in_the_models_layout(shipped: Bundle) -> None:
    models = BundleModels(shipped)
    image = shipped.arrays["gallery.images"][0] / 255.0  # (32, 32) grey
    for slot in ("ae", "vae"):
        mu, sigma = models.encode(slot, image)
        assert mu.shape == (4,) and (sigma is None) == (slot == "ae")
        decoded = models.decode(slot, mu[None])
        assert decoded.shape == (1, 32, 32) and decoded.dtype == np.float32
        assert 0 <= decoded.min() and decoded.max() <= 1
        assert np.abs(decoded[0] - image).mean() < 0.1  # a test digit comes back close to itself
    if "family.0" in models.slots:  # a family member (8-bit weights in the bundle) encodes and decodes the same way
        mu, _ = models.encode("family.0", image)
        assert models.decode("family.0", mu[None]).shape == (1, 32, 32)
    assert models.model("vae") is models.model("vae")  # built once, then shared
    with pytest.raises(InputError, match=r"\(B, 4\); got \(1, 3\)"):
        models.decode("vae", np.zeros((1, 3)))


def test_a_model_handed_over_is_used_as_it_is(shipped: Bundle) -> None:
    built = BundleModels(shipped).model("ae")
    models = BundleModels(shipped, own={"vae": built})  # the vae slot now answers with the AE handed over
    z = np.zeros((1, 4), np.float32)
    assert np.array_equal(models.decode("vae", z), BundleModels(shipped).decode("ae", z))


def test_a_slot_stores_its_latent_size_once_and_reads_derive_it(analysed_runs: dict[str, Path]) -> None:
    bundle = Bundle.from_bytes(build_bundle(analysed_runs, progress=False).to_bytes())
    for slot, d in (("ae", 3), ("vae", 2)):
        stored = bundle.meta["models"][slot]
        assert not set(MODEL_FACTS) & set(stored) and "latent_dim" not in stored["layers"]
        assert stored["config"]["model"]["latent_dim"] == d
        assert bundle.model(slot)["latent_dim"] == bundle.latent_dim(slot) == d
        assert bundle.model(slot)["variational"] == (slot == "vae")
    older = copy.deepcopy(bundle.meta)  # a bundle from before stored copies beside the config: the config wins
    older["models"]["vae"]["latent_dim"] = 99
    assert Bundle(older, bundle.arrays).latent_dim("vae") == 2
