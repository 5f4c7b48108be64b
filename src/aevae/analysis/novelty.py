"""How unusual an input is for a model: per-image scores, their distribution over the test images, and the
likelihood regret of a VAE.

The explorer ranks each input's scores among the test images' (``reference_quantiles``), so a badge reads "worse
than 98 % of test images" rather than a raw number of nats. Scores, each in nats per image (summed over pixels):

- ``bce``: reconstruction error, BCE of the image against the decoding of its latent mean. Any autoencoder.
- ``neg_elbo``: the VAE's bound on -log p(x), BCE from the latent mean plus KL(q(z|x) || N(0, I)); deterministic
  (no posterior sample), so the browser can compute the same number.
- ``typicality``: |neg_elbo - H|, H the test images' mean neg_elbo: the typicality test of Nalisnick et al. (2019,
  "Detecting out-of-distribution inputs to deep generative models using typicality") for a batch of one. It flags
  inputs whose likelihood is too *high* as well as too low (a blank image is very likely and very atypical).
- ``likelihood_regret`` (Xiao et al. 2020, "Likelihood Regret: an out-of-distribution detection score for VAEs"):
  how much the bound improves when the posterior is fitted to this one input instead of read off the encoder. The
  paper refits the encoder's weights; here the posterior's (mu, log sigma²) are fitted directly, which needs no
  copy of the network per input. Too slow for the page; ``benchmarks/ood_signals.py`` measures it.
"""

from __future__ import annotations

import numpy as np
import torch

from aevae.metrics import as_batch, evaluate
from aevae.models import LatentModel, bce_per_image, kl_per_dim

QUANTILE_STEP = 0.1  # percent: the stored percentiles 0, 0.1, ..., 100 resolve the tails a badge talks about
QUANTILES = np.linspace(0, 100, int(round(100 / QUANTILE_STEP)) + 1)
BATCH = 1000  # images per forward pass, as aevae.analysis.encoding


def image_scores(model: LatentModel, images: np.ndarray, batch_size: int = BATCH) -> dict[str, np.ndarray]:
    """Per-image ``bce`` and, for VAEs, ``neg_elbo`` (nats/image, float64 (N,)) of uint8 images (N, S, S): those of
    the test metrics' own pass (``aevae.metrics.evaluate``), the one place they are computed."""
    scores: dict[str, np.ndarray] = {}
    evaluate(model, images, batch_size, scores=scores)
    return scores


def reference_quantiles(model: LatentModel, test_images: np.ndarray,
                        scores: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """The test images' score distributions as stored in the analysis: arrays ``test_bce_quantiles`` and, for
    VAEs, ``test_typicality_quantiles`` (each (1001,), percentiles 0, 0.1, ..., 100, nats/image), and metadata
    with the typicality centre H (nats/image) and the number of test images. ``scores``: the images' scores where
    they were computed already (``aevae.metrics.evaluate`` fills them from its own pass), else computed here."""
    scores = scores if scores is not None else image_scores(model, test_images)
    arrays = {"test_bce_quantiles": np.percentile(scores["bce"], QUANTILES)}
    meta: dict = {"n_test_images": len(test_images), "quantile_step_percent": QUANTILE_STEP}
    if "neg_elbo" in scores:
        centre = float(scores["neg_elbo"].mean())
        arrays["test_typicality_quantiles"] = np.percentile(np.abs(scores["neg_elbo"] - centre), QUANTILES)
        meta["typicality_centre_nats_per_image"] = centre
    return arrays, meta


def likelihood_regret(model: LatentModel, images: np.ndarray, steps: int = 100, lr: float = 0.05,
                      samples: int = 8, seed: int = 0, batch_size: int = 500) -> np.ndarray:
    """Likelihood regret (nats/image, (N,)): the encoder's -ELBO minus the -ELBO of a posterior fitted to each
    image by ``steps`` Adam steps on (mu, log sigma²), both estimated with the same ``samples`` fixed noise draws."""
    if not model.cfg.variational:
        raise ValueError("likelihood regret needs a VAE: an AE has no ELBO")
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    trainable = [p.requires_grad for p in model.parameters()]
    model.requires_grad_(False)  # only the posterior is fitted; the network's weights stay as trained
    try:
        out = [_regret_batch(model, as_batch(images[start : start + batch_size], device), gen, steps, lr, samples)
               for start in range(0, len(images), batch_size)]
    finally:
        for p, flag in zip(model.parameters(), trainable, strict=True):
            p.requires_grad_(flag)
    return torch.cat(out).numpy() if out else np.empty(0)


def _regret_batch(model: LatentModel, x: torch.Tensor, gen: torch.Generator, steps: int, lr: float,
                  samples: int) -> torch.Tensor:
    """Likelihood regret of one batch of images (B, C, S, S) -> (B,) float64."""
    eps = torch.randn((samples, len(x), model.cfg.latent_dim), generator=gen, device=x.device)

    def neg_elbo(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        z = mu + (0.5 * logvar).exp() * eps  # (K, B, d): the same noise for the encoder's and the fitted q
        logits = model.decode_logits(z.flatten(0, 1))
        bce = bce_per_image(logits, x.repeat(samples, 1, 1, 1)).view(samples, -1).mean(0)
        return bce + kl_per_dim(mu, logvar).sum(1)  # (B,)

    with torch.no_grad():
        enc = model.encode(x)
        before = neg_elbo(enc.mu, enc.logvar)
    mu, logvar = enc.mu.clone().requires_grad_(), enc.logvar.clone().requires_grad_()
    opt = torch.optim.Adam([mu, logvar], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        neg_elbo(mu, logvar).sum().backward()  # images are independent: the sum's gradient is each image's own
        opt.step()
    with torch.no_grad():  # the fitted posterior can only help: a worse fit than the encoder's counts as no regret
        return (before - torch.minimum(before, neg_elbo(mu, logvar))).double().cpu()
