"""The explorer's bundle (aevae.explorer.bundle): built from run folders, round-tripped through its bytes, a slot
replaced by a run; runs on other data than grey 32 px digits (the sprites' factors travel with the latents, colour
runs get a colour gallery, and models that take different images are refused together)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aevae.explorer.bundle.format import Bundle, BundleError, shipped_bundle_bytes
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.runs import WEIGHTS
from support.tiny_runs import ANALYSED_LATENT

LATENT = ANALYSED_LATENT



def test_a_sprites_bundle_carries_the_factors_of_latents_and_gallery(sprite_runs: dict[str, Path],
                                                                      sprites_home: Path) -> None:
    bundle = Bundle.from_bytes(build_bundle({"ae": sprite_runs["ae"], "vae": sprite_runs["vae"]},
                                            progress=False).to_bytes())
    for slot in ("ae", "vae"):
        factors = bundle.arrays[f"{slot}.factors"]
        assert factors.shape == (240, 5) and factors.dtype == np.uint8
        assert len(factors) == len(bundle.arrays[f"{slot}.pca_points"])  # one row per training latent
        np.testing.assert_array_equal(factors[:, 0], bundle.arrays[f"{slot}.labels"])  # shape is the class
        meta = bundle.model(slot)["factors"]
        assert meta["factor_names"] == ["shape", "scale", "orientation", "x", "y"]
        assert meta["factor_values"][0] == ["square", "ellipse", "heart"] and len(meta["factor_values"][3]) == 12
        assert np.asarray(meta["mi_normalised"]).shape == (2, 5) and 0 <= meta["mig"] <= 1
    tests = [item for item in bundle.meta["gallery"] if item["kind"] == "test"]
    assert len(tests) == 9 and set(tests[0]["factors"]) == {"shape", "scale", "orientation", "x", "y"}
    assert all(item["factors"]["shape"] == item["label"] for item in tests)
    assert "factors" not in Bundle.from_bytes(shipped_bundle_bytes()).model("vae")  # MNIST has no known factors


def test_colour_runs_get_a_colour_gallery_and_mixed_layouts_are_refused(sprite_runs: dict[str, Path],
                                                                         sprites_home: Path) -> None:
    bundle = build_bundle({"ae": sprite_runs["colour"], "vae": sprite_runs["colour"]}, progress=False)
    images = bundle.arrays["gallery.images"]
    assert images.shape == (len(bundle.meta["gallery"]), 3, 32, 32)
    assert (bundle.model("vae")["channels"], bundle.model("vae")["preprocess"]) == (3, "fit")
    probes = images[[i for i, item in enumerate(bundle.meta["gallery"]) if item["kind"] == "probe"]]
    assert len(probes) == 3 and (probes[:, 0] == probes[:, 2]).all()  # grey probes in every channel
    with pytest.raises(BundleError, match=r"different images \(ae 1×32×32, vae 3×32×32"):
        build_bundle({"ae": sprite_runs["ae"], "vae": sprite_runs["colour"]}, progress=False)
    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    with pytest.raises(BundleError, match="one image size and channel count"):
        build_bundle({"ae": None, "vae": sprite_runs["colour"]}, shipped, progress=False)


def test_a_run_s_bundle_carries_its_test_loss_after_every_epoch(analysed_runs: dict[str, Path]) -> None:
    from aevae.runs import load_metrics

    bundle = Bundle.from_bytes(build_bundle({"ae": analysed_runs["ae"], "vae": analysed_runs["vae"]},
                                            progress=False).to_bytes())
    for slot, loss, key in (("ae", "BCE", "bce_nats_per_image"), ("vae", "-ELBO", "neg_elbo_nats_per_image")):
        history = load_metrics(analysed_runs[slot])["history"]
        training = bundle.model(slot)["training"]
        assert training["loss"] == loss and training["epochs"] == history[-1]["epoch"]
        assert training["test_loss_nats_per_image"] == pytest.approx([h["test"][key] for h in history])
    assert "training" not in Bundle.from_bytes(shipped_bundle_bytes()).model("vae")  # no run folder, no history


# --- a bundle of runs ---------------------------------------------------------------------------------------------------


def test_bundle_round_trips_and_holds_the_runs(bundle: Bundle, runs: dict[str, Path]) -> None:
    again = Bundle.from_bytes(bundle.to_bytes())
    for slot, run in runs.items():
        assert again.weights(slot) == (run / WEIGHTS).read_bytes()
        meta = again.model(slot)
        assert meta["latent_dim"] == LATENT[slot] and meta["kind"] == slot
        assert meta["classes"] == ["bar", "ring"]
        assert again.arrays[f"{slot}.quantiles"].shape == (LATENT[slot], 101)
        assert again.arrays[f"{slot}.pca_points"].dtype == np.float16
    kinds = [item["kind"] for item in again.meta["gallery"]]
    assert kinds.count("test") == 2 * 3 and kinds.count("probe") == 3  # 3 per class, 3 probes
    assert again.arrays["gallery.images"].shape == (9, 32, 32)


def test_bundle_refuses_garbage() -> None:
    with pytest.raises(BundleError):
        Bundle.from_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(BundleError):
        Bundle.from_bytes(b"not a bundle at all")


def test_a_run_replaces_one_slot_of_the_shipped_bundle(runs: dict[str, Path]) -> None:
    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    mixed = build_bundle({"ae": None, "vae": runs["vae"]}, shipped, progress=False)
    assert mixed.model("ae") == shipped.model("ae") and mixed.weights("ae") == shipped.weights("ae")
    assert mixed.model("vae")["latent_dim"] == 2
    data = {item["data"] for item in mixed.meta["gallery"] if item["kind"] == "test"}
    assert data == {"mnist", mixed.model("vae")["data"]}  # the shipped AE keeps its digits in the gallery


def test_a_run_without_analysis_is_analysed_first(runs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "vae"
    copy.mkdir()
    for f in runs["vae"].iterdir():
        if f.name != "analysis.safetensors":
            (copy / f.name).write_bytes(f.read_bytes())
    built = build_bundle({"ae": runs["ae"], "vae": copy}, progress=False)
    assert (copy / "analysis.safetensors").is_file() and built.model("vae")["latent_dim"] == 2
