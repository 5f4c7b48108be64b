"""The importance-weighted -log p(x): against numerical integration for a one-dimensional latent, and its bounds."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from aevae.analysis import describe
from aevae.analysis.likelihood import importance_weighted_nll, log_normal
from aevae.config import ModelConfig
from aevae.data import load_splits
from aevae.models import bce_per_image, build_model
from aevae.runs import load_analysis, load_model
from support.tiny_runs import train_tiny_run


@pytest.fixture(scope="module")
def vae_d1(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """A tiny VAE with a one-dimensional latent, trained for a few epochs, and its test images."""
    run = train_tiny_run(tiny_folder, tmp_path_factory.mktemp("iw") / "vae", "vae", 1, epochs=3)
    model = load_model(run)[1]
    return model, load_splits(f"folder:{tiny_folder}")[1].images[:6]


def exact_nll(model: torch.nn.Module, images) -> float:
    """-log p(x) = -log integral p(x|z) N(z; 0, 1) dz by the trapezoid rule on a dense grid (d = 1 only)."""
    z = torch.linspace(-30.0, 30.0, 30001)[:, None]  # (G, 1); a barely trained decoder can peak far out
    with torch.inference_mode():
        logits = model.decode_logits(z)  # (G, 1, S, S)
        total = 0.0
        for image in images:
            x = torch.as_tensor(image, dtype=torch.float32)[None, None] / 255.0
            log_joint = -bce_per_image(logits, x.expand_as(logits)) - 0.5 * (z[:, 0] ** 2 + math.log(2 * math.pi))
            dz = float(z[1, 0] - z[0, 0])
            total -= (torch.logsumexp(log_joint, 0) + math.log(dz)).item()  # the prior leaves no mass at +-30
    return total / len(images)


def test_bounds_order_and_tighten_with_k(vae_d1: tuple) -> None:
    model, images = vae_d1
    truth = exact_nll(model, images)
    one, ten, many = (importance_weighted_nll(model, images, k=k) for k in (1, 10, 1000))
    assert many["iw_samples"] == 1000 and many["iw_test_images"] == len(images)
    assert one["iw_nll_nats_per_image"] == pytest.approx(one["iw_neg_elbo_nats_per_image"])  # L_1 is the ELBO
    # -log p(x) <= -L_1000 < -L_10 <= -ELBO (Burda et al. 2016, theorem 1); the tiny VAE's gap is tens of nats.
    assert truth < many["iw_nll_nats_per_image"] < ten["iw_nll_nats_per_image"] < many["iw_neg_elbo_nats_per_image"]


def test_log_normal_is_the_gaussian_log_density() -> None:
    z, mu, logvar = torch.randn(5, 3), torch.randn(5, 3), torch.randn(5, 3)
    expected = torch.distributions.Normal(mu, (0.5 * logvar).exp()).log_prob(z).sum(-1)
    assert torch.allclose(log_normal(z, mu, logvar), expected, atol=1e-5)


def test_the_seed_repeats_it_and_any_batching_gives_the_bound(vae_d1: tuple) -> None:
    model, images = vae_d1
    whole = importance_weighted_nll(model, images, k=50, batch_decodes=10_000)
    split = importance_weighted_nll(model, images, k=50, batch_decodes=50)
    assert whole == importance_weighted_nll(model, images, k=50, batch_decodes=10_000)
    # Batches draw their noise in another order: a different sample of the same bound, still between the two.
    assert exact_nll(model, images) < split["iw_nll_nats_per_image"] < split["iw_neg_elbo_nats_per_image"]


def test_the_ae_has_no_posterior_to_weight() -> None:
    with pytest.raises(ValueError, match="needs a VAE"):
        importance_weighted_nll(build_model(ModelConfig(kind="ae", width=8)), torch.zeros(2, 32, 32).byte().numpy())


def test_full_analysis_reports_it_for_the_vae_only(analysed_runs: dict[str, Path]) -> None:
    vae, ae = load_analysis(analysed_runs["vae"]), load_analysis(analysed_runs["ae"])
    assert vae.metrics["iw_nll_nats_per_image"] <= vae.metrics["iw_neg_elbo_nats_per_image"]
    assert vae.metrics["iw_samples"] == 500 and vae.metrics["iw_test_images"] > 0
    assert "nats per image" in vae.units["iw_nll_nats_per_image"]
    assert "iw_nll_nats_per_image" not in ae.metrics
    shown = f"-log p(x) <= {vae.metrics['iw_nll_nats_per_image']:.2f} nats/image by the importance-weighted bound"
    assert shown in describe(vae) and "importance-weighted" not in describe(ae)  # what `aevae analyze` prints
