"""The shared architecture, the sampler and the objectives, with real PyTorch."""

import math

import pytest
import torch

from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.models import build_model, kl_per_dim, mmd, training_loss


@pytest.mark.parametrize("kind", ["ae", "vae", "beta-vae", "mmd-vae"])
@pytest.mark.parametrize("d", [2, 4, 8])
def test_shapes(kind: str, d: int) -> None:
    model = build_model(ModelConfig(kind=kind, latent_dim=d, width=8))
    x = torch.rand(5, 1, 32, 32)
    enc = model.encode(x)
    assert enc.mu.shape == (5, d)
    assert (enc.logvar is None) == (kind == "ae")
    img = model.decode(enc.mu)
    assert img.shape == (5, 1, 32, 32)
    assert 0.0 <= img.min() and img.max() <= 1.0
    out = model(x)
    assert out["logits"].shape == (5, 1, 32, 32)


def test_ae_and_vae_share_the_decoder_shapes() -> None:
    ae = build_model(ModelConfig(kind="ae"))
    vae = build_model(ModelConfig(kind="vae"))
    assert {k: v.shape for k, v in ae.decoder.state_dict().items()} == {
        k: v.shape for k, v in vae.decoder.state_dict().items()
    }


def test_gradients_reach_mu_and_sigma_through_the_sampler() -> None:
    model = build_model(ModelConfig(kind="vae", width=8))
    model.train()
    mu = torch.zeros(3, 4, requires_grad=True)
    logvar = torch.zeros(3, 4, requires_grad=True)
    from aevae.models import Encoding

    z = model.sample(Encoding(mu, logvar))
    (z**2).sum().backward()
    assert mu.grad is not None and mu.grad.abs().sum() > 0
    assert logvar.grad is not None and logvar.grad.abs().sum() > 0


def test_sample_scales_noise_by_sigma_not_variance() -> None:
    model = build_model(ModelConfig(kind="vae", width=8))
    from aevae.models import Encoding

    logvar = torch.full((20000, 1), math.log(4.0))  # sigma = 2, sigma^2 = 4
    z = model.sample(Encoding(torch.zeros(20000, 1), logvar))
    assert z.std().item() == pytest.approx(2.0, rel=0.03)


def test_analytic_kl_matches_monte_carlo() -> None:
    torch.manual_seed(0)
    mu = torch.tensor([[0.7, -1.2, 0.0]])
    logvar = torch.tensor([[-1.0, 0.5, 0.0]])
    analytic = kl_per_dim(mu, logvar)[0]
    sigma = torch.exp(0.5 * logvar[0])
    z = mu[0] + sigma * torch.randn(400_000, 3)
    log_q = torch.distributions.Normal(mu[0], sigma).log_prob(z)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z)
    mc = (log_q - log_p).mean(0)
    assert torch.allclose(analytic, mc, atol=0.01)
    assert analytic[2].item() == pytest.approx(0.0, abs=1e-7)


def test_mmd_separates_distributions() -> None:
    torch.manual_seed(0)
    same = mmd(torch.randn(500, 4), torch.randn(500, 4)).item()
    shifted = mmd(torch.randn(500, 4) + 2.0, torch.randn(500, 4)).item()
    assert shifted > 10 * abs(same)


@pytest.mark.parametrize("kind,parts", [("ae", {"bce"}), ("vae", {"bce", "kl"}), ("mmd-vae", {"bce", "kl", "mmd"})])
def test_training_loss_parts(kind: str, parts: set) -> None:
    cfg = ModelConfig(kind=kind, width=8)
    model = build_model(cfg).train()
    x = torch.rand(8, 1, 32, 32)
    loss, got = training_loss(cfg, model(x), x)
    assert set(got) == parts
    expected = float(got["bce"] + cfg.beta * got.get("kl", 0.0) + cfg.mmd_weight * got.get("mmd", 0.0))
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_a_few_steps_lower_the_loss() -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(kind="vae", width=8)
    model = build_model(cfg).train()
    x = (torch.rand(32, 1, 32, 32) > 0.8).float()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss, _ = training_loss(cfg, model(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def test_config_round_trip_and_validation() -> None:
    cfg = RunConfig(model=ModelConfig(kind="beta-vae", latent_dim=8), train=TrainConfig(epochs=3))
    again = RunConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.model.beta == 4.0
    with pytest.raises(ValueError, match="unknown model kind"):
        ModelConfig(kind="gan")
    with pytest.raises(ValueError, match="unknown ModelConfig field"):
        RunConfig.from_dict({"model": {"kind": "ae", "latnt_dim": 3}})


@pytest.mark.parametrize("shape", [(2, 1, 32, 32), (2, 3, 64, 64), (1, 32, 32), (2, 3, 32, 64)])
def test_images_of_another_shape_are_refused_by_name(shape: tuple[int, ...]) -> None:
    from aevae.errors import InputError

    model = build_model(ModelConfig(kind="vae", channels=3, width=4, hidden=8))  # colour, 32×32
    with pytest.raises(InputError, match=r"takes colour \(RGB\) 32x32 images, batches of shape \(B, 3, 32, 32\)"):
        model.encode(torch.rand(shape))
    assert model.encode(torch.rand(2, 3, 32, 32)).mu.shape == (2, 4)
