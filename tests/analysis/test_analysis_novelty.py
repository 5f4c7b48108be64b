"""The out-of-distribution scores (aevae.analysis.novelty): per-image scores as PyTorch's own losses compute them,
their stored test distributions, and the likelihood regret of a VAE."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from aevae.analysis import load_analysis
from aevae.analysis.novelty import QUANTILES, image_scores, likelihood_regret
from aevae.data import load_splits
from aevae.metrics import as_batch, evaluate
from aevae.runs import load_config, load_model


def model_and_test(run: Path) -> tuple[torch.nn.Module, np.ndarray]:
    _, model = load_model(run)
    _, test = load_splits(load_config(run).train.data)
    return model.eval(), test.images


def test_scores_are_bce_and_bce_plus_kl_per_image(analysed_runs: dict[str, Path]) -> None:
    model, images = model_and_test(analysed_runs["vae"])
    scores = image_scores(model, images[:5], batch_size=2)  # batches of 2 and a last one of 1
    with torch.no_grad():
        x = as_batch(images[:5])
        enc = model.encode(x)
        p = torch.sigmoid(model.decode_logits(enc.mu)).double().clamp(1e-12, 1 - 1e-12)
        bce = -(x * p.log() + (1 - x) * (1 - p).log()).flatten(1).sum(1)
        kl = 0.5 * (enc.mu.pow(2) + enc.logvar.exp() - 1 - enc.logvar).sum(1)
    np.testing.assert_allclose(scores["bce"], bce.numpy(), rtol=1e-4)
    np.testing.assert_allclose(scores["neg_elbo"], (bce + kl.double()).numpy(), rtol=1e-4)
    filled: dict[str, np.ndarray] = {}
    evaluate(model, images[:5], batch_size=2, scores=filled)  # the test metrics' pass gives the same scores
    np.testing.assert_allclose(filled["bce"], scores["bce"], rtol=1e-6)
    np.testing.assert_allclose(filled["neg_elbo"], scores["neg_elbo"], rtol=1e-6)
    ae, _ = model_and_test(analysed_runs["ae"])
    assert set(image_scores(ae, images[:3])) == {"bce"}  # an AE has no KL, so no bound
    of_ae: dict[str, np.ndarray] = {}
    evaluate(ae, images[:3], scores=of_ae)
    assert set(of_ae) == {"bce"} and len(of_ae["bce"]) == 3


def test_stored_quantiles_are_the_test_scores_percentiles(analysed_runs: dict[str, Path]) -> None:
    for kind, run in analysed_runs.items():
        model, images = model_and_test(run)
        a = load_analysis(run)
        scores = image_scores(model, images)
        np.testing.assert_allclose(a.test_bce_quantiles, np.percentile(scores["bce"], QUANTILES), rtol=1e-5)
        assert np.all(np.diff(a.test_bce_quantiles) >= 0) and a.extra["novelty"]["n_test_images"] == len(images)
        if kind == "vae":
            centre = a.extra["novelty"]["typicality_centre_nats_per_image"]
            assert centre == pytest.approx(scores["neg_elbo"].mean(), rel=1e-6)
            np.testing.assert_allclose(a.test_typicality_quantiles,
                                       np.percentile(np.abs(scores["neg_elbo"] - centre), QUANTILES), rtol=1e-4)
        else:
            assert "test_typicality_quantiles" not in a.arrays


def test_likelihood_regret_is_non_negative_and_leaves_the_weights_alone(analysed_runs: dict[str, Path]) -> None:
    model, images = model_and_test(analysed_runs["vae"])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    regret = likelihood_regret(model, images[:6], steps=20, batch_size=4)
    assert regret.shape == (6,) and np.all(regret >= 0) and regret.max() > 0  # a fitted posterior does better
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.requires_grad for p in model.parameters())
    ae, _ = model_and_test(analysed_runs["ae"])
    with pytest.raises(ValueError, match="needs a VAE"):
        likelihood_regret(ae, images[:2])


def test_the_explorer_bundle_carries_them_and_older_analyses_still_build(analysed_runs: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    from aevae.explorer.bundle import Bundle
    from aevae.explorer.bundle.from_runs import build_bundle
    from aevae.runs import save_analysis

    bundle = Bundle.from_bytes(build_bundle(analysed_runs, progress=False).to_bytes())
    a = load_analysis(analysed_runs["vae"])
    np.testing.assert_array_equal(bundle.arrays["vae.test_bce_quantiles"], a.test_bce_quantiles)
    assert "ae.test_typicality_quantiles" not in bundle.arrays and "vae.test_typicality_quantiles" in bundle.arrays
    assert bundle.model("vae")["novelty"] == a.extra["novelty"]
    old = tmp_path / "vae"  # an analysis written before the novelty arrays existed
    shutil.copytree(analysed_runs["vae"], old)
    a.arrays = {k: v for k, v in a.arrays.items() if not k.startswith("test_")}
    a.extra.pop("novelty")
    save_analysis(old, a)
    older = build_bundle({"ae": analysed_runs["ae"], "vae": old}, progress=False)
    assert not any(k.startswith("vae.test_") for k in older.arrays) and older.model("vae")["novelty"] is None
