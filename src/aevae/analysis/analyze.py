"""The one analysis path: ``analyze`` (a model and its data -> an ``Analysis``), ``analyze_run`` (a run folder ->
its ``analysis.safetensors``) and ``ensure_analysis`` (the run's analysis, computed first if it has none).

One pass encodes the training and test images in batches; everything else works on the latents, on subsamples
where a statistic's cost grows faster than N. Nothing is written until every number is computed, and then in one
atomic rename, so a failed or interrupted analysis leaves the folder as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from aevae.version import __version__
from aevae.analysis import organisation
from aevae.analysis.encoding import encode_images
from aevae.analysis.factors import FACTOR_UNITS, describe_factors, factor_scores
from aevae.analysis.information import bit_budget, measured_info
from aevae.analysis.likelihood import IW_IMAGES, LIKELIHOOD_UNITS, importance_weighted_nll
from aevae.analysis.novelty import reference_quantiles
from aevae.analysis.prior import prior_plausibility
from aevae.analysis.rate_distortion import BITS, RD_IMAGES, rate_distortion
from aevae.analysis.stats import LatentStats
from aevae.config import ModelConfig
from aevae.data import ImageSet
from aevae.metrics import UNITS, evaluate
from aevae.models import LatentModel
from aevae.runs import (ANALYSIS, Analysis, check_trained, load_analysis, load_model, run_data, save_analysis,
                        writing)

SEED = 0  # seeds every subsample and the prior draws, so an analysis repeats exactly
ACTIVE_UNIT_NATS = 0.1  # a latent dimension is active when its KL exceeds this (nats/image); unused ones sit near 0
ACTIVE_VARIANCE = 0.01  # Burda et al. 2016 (§5.2): a dimension is active when Var_x(E[z_j|x]) exceeds this

ANALYSIS_UNITS = {
    **UNITS,
    **LIKELIHOOD_UNITS,
    "active_units": f"number of latent dimensions whose KL exceeds {ACTIVE_UNIT_NATS} nats/image",
    "mean_latent_norm": "Euclidean norm of the training latent (mu), mean over training images, latent units",
    "per_dim_std": "standard deviation of each latent dimension over training images, latent units",
    "mean_variance_per_dim": "variance over training images of each dimension's mean E[z_j|x] (the code, for an AE), "
                             "latent units squared: how much the dimension is used",
    "active_units_burda": f"number of latent dimensions whose mean varies with the input, Var_x(E[z_j|x]) > "
                          f"{ACTIVE_VARIANCE} over training images (Burda et al. 2016), AE and VAE alike",
    "knn5_accuracy": "fraction of test images whose 5 nearest training latents vote for their label",
    "kmeans10_nmi": "normalised mutual information (0-1) of k-means (10 clusters) with the labels, training latents",
    "kmeans10_purity": "fraction of training latents whose k-means cluster's majority label is their own",
    "silhouette_by_label": "mean silhouette (-1 to 1) of the labels as clusters in latent space, training latents",
    "rd_bits_per_image": "total bits of the quantised code per image (bits per dimension x d)",
    "rd_bce_nats_per_image": "BCE of reconstructions from the quantised code, nats summed over pixels, mean over images",
    "input_bits": "bits per image of the 8-bit input",
    "latent_float_bits": "bits per image of the float32 latent",
    "bits_used_per_image": "smallest rate on the rate-distortion curve within the tolerance of the unquantised BCE, bits/image",
    "vae_rate_bits_per_image": "the VAE's KL to the prior, bits/image (test mean)",
    "plausible_fraction": "fraction of decoded N(0, I) samples as near a training image as 95 % of real test "
                          "images are, with at least 7 of their 10 nearest training images sharing a label",
    "rms_per_pixel": "root-mean-square pixel difference, pixels in [0, 1]",
    "seconds": "wall-clock seconds of each phase of the analysis",
    "test_images": "number of test images the test metrics and the unusualness references were measured on",
    "test_bce_quantiles": "percentiles 0, 0.1, ..., 100 of the test images' reconstruction BCE from the latent "
                          "mean, nats/image",
    "test_typicality_quantiles": "percentiles 0, 0.1, ..., 100 over test images of |BCE + KL - H| (Nalisnick et "
                                 "al. 2019), H its test mean, nats/image",
    "typicality_centre_nats_per_image": "H: mean over test images of BCE from the latent mean + KL, nats/image",
    **FACTOR_UNITS,
}


class Phases:
    """Wall-clock seconds of each named phase of an analysis, in order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the enclosed block as phase ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def inference_model(run_dir: Path) -> LatentModel:
    """The run's model, in eval mode, laid out for fast CPU inference.

    oneDNN convolutions run ~20 % faster on CPU with channels-last weights; results agree to float rounding.
    """
    return load_model(run_dir)[1].to(memory_format=torch.channels_last)


def analyze(model: LatentModel, train_set: ImageSet, test_set: ImageSet, full: bool = True, progress: bool = True,
            rd_images: int = RD_IMAGES, test_limit: int | None = None) -> Analysis:
    """Everything aevae measures about ``model`` on its training and test images, computed in memory.

    ``test_limit`` measures the test metrics and the unusualness references on the first that many test images
    only (their percentiles need no more). ``full=False`` leaves out what exploring does not need and what costs most: the rate–distortion curve (so
    "bits the decoder uses" is unknown), the prior samples, the importance-weighted likelihood and the k-NN score. The model is put in eval mode for
    the analysis and handed back in the mode it came in.
    """
    cfg: ModelConfig = model.cfg
    phases = Phases()
    say = (lambda text: print(text, flush=True)) if progress else (lambda text: None)
    measured = test_set.images[:test_limit] if test_limit else test_set.images  # the test metrics' images
    was_training = model.training
    model.eval()
    try:
        with phases("encode_train"):
            mu, sigma = encode_images(model, train_set.images, desc="encoding training images", progress=progress)
        # The test codes serve only the full analysis (k-NN, rate-distortion); a user's images play both parts.
        test_mu = mu if test_set is train_set else None
        if full and test_mu is None:
            with phases("encode_test"):
                test_mu, _ = encode_images(model, test_set.images, desc="encoding test images", progress=progress)
        scores: dict[str, np.ndarray] = {}  # each measured image's scores, for the unusualness references below
        with phases("test_metrics"):
            say(f"test metrics (reconstruction error, KL) on {len(measured):,} images")
            metrics = evaluate(model, measured, scores=scores)
            metrics["test_images"] = len(measured)
            if cfg.variational:
                metrics["active_units"] = int(sum(v > ACTIVE_UNIT_NATS for v in metrics["kl_nats_per_dim"]))
                metrics["active_units_threshold_nats_per_dim"] = ACTIVE_UNIT_NATS
        with phases("statistics"):
            stats = LatentStats(n_classes=len(train_set.classes), seed=SEED).fit(mu, train_set.labels)
        variance = stats.per_dim_std_ ** 2  # (d,): each dimension's use, for an AE as for a VAE
        metrics["mean_variance_per_dim"] = variance.tolist()
        metrics["active_units_burda"] = int((variance > ACTIVE_VARIANCE).sum())
        org = {
            "mean_latent_norm": stats.mean_latent_norm_,
            "per_dim_std": stats.per_dim_std_.tolist(),
            **stats.kmeans_,
            "silhouette_by_label": stats.silhouette_by_label_,
            "subsamples": {"kmeans10_latents": min(organisation.KMEANS_POINTS, len(mu)),
                           "silhouette_latents": min(organisation.SILHOUETTE_POINTS, len(mu)), "seed": SEED},
        }
        arrays = {
            "mu": mu, "labels": train_set.labels,
            "pca_components": stats.pca_components_, "pca_mean": stats.pca_mean_,
            "pca_explained_variance": stats.pca_explained_variance_,
            "pca_explained_variance_ratio": stats.pca_explained_variance_ratio_,
            "pca_points": stats.transform(mu),
            "density_grid": stats.density_grid_, "density": stats.density_,
            "density_by_class": stats.density_by_class_, "quantiles": stats.quantiles_,
        }
        if sigma is not None:
            arrays["sigma"] = sigma
        with phases("novelty"):
            say(f"reference percentiles of the unusualness signals on {len(measured):,} images")
            novelty_arrays, novelty = reference_quantiles(model, measured, scores)  # from the metrics' pass
            arrays.update(novelty_arrays)
        budget = bit_budget(cfg)
        extra: dict = {"seconds": phases.seconds, "novelty": novelty}
        if train_set.factors is not None:  # a data set with known factors (the sprites): how the latents carry them
            with phases("factors"):
                extra["factors"] = factor_scores(mu, train_set.factors, train_set.factor_names, seed=SEED,
                                                 values=train_set.factor_values)
            arrays["factors"] = train_set.factors
        if not full:
            info = {**budget, **measured_info(budget, None, metrics.get("kl_bits_per_image"), len(test_set))}
        else:
            with phases("organisation"):
                org["knn5_accuracy"] = stats.score(test_mu, test_set.labels)
                org["subsamples"].update(knn5_train_latents=min(organisation.KNN_TRAIN, len(mu)),
                                         knn5_test_latents=len(test_mu))
            if cfg.variational:
                with phases("likelihood"):
                    metrics.update(importance_weighted_nll(model, test_set.images[:IW_IMAGES]))
            with phases("prior"):
                extra["prior"] = prior_plausibility(model, train_set.images, train_set.labels, test_set.images,
                                                    seed=SEED)
            with phases("rate_distortion"):
                n_rd = min(rd_images, len(test_set))
                rd_bce, reference = rate_distortion(model, test_set.images[:n_rd], test_mu[:n_rd], mu.min(0),
                                                    mu.max(0), progress=progress)
            rd_bits = BITS * cfg.latent_dim
            arrays.update(rd_bits_per_image=rd_bits, rd_bce_nats_per_image=rd_bce)
            info = {**budget, **measured_info(budget, (rd_bits, rd_bce, reference), metrics.get("kl_bits_per_image"),
                                              len(test_set)),
                    "rd_test_images": n_rd}
    finally:
        model.train(was_training)
    return Analysis(arrays=arrays, data=train_set.name, classes=list(train_set.classes), kind=cfg.kind,
                    latent_dim=cfg.latent_dim, n_train=len(train_set), n_test=len(test_set), metrics=metrics,
                    organisation=org, info=info, units=ANALYSIS_UNITS, aevae_version=__version__, extra=extra)


def analyze_run(run_dir: Path, data: str | None = None, progress: bool = True,
                rd_images: int = RD_IMAGES) -> Analysis:
    """Analyse a trained run folder and write ``run_dir/analysis.safetensors`` (replacing any earlier one)."""
    run_dir = Path(run_dir)
    started = time.perf_counter()
    cfg = check_trained(run_dir, data)
    model = inference_model(run_dir)
    train_set, test_set = run_data(cfg)
    load_seconds = time.perf_counter() - started
    analysis = analyze(model, train_set, test_set, progress=progress, rd_images=rd_images)
    analysis.extra["seconds"] = {"load": load_seconds, **analysis.extra["seconds"]}
    with writing(run_dir):  # refused while a training process writes the folder
        save_analysis(run_dir, analysis)
    return load_analysis(run_dir)  # as stored: the compact dtypes every later reader sees


def ensure_analysis(run_dir: Path, progress: bool = True) -> Analysis:
    """The run's analysis, computing it first (and saying so) when the run has no analysis file yet."""
    if not (Path(run_dir) / ANALYSIS).is_file():
        print(f"{run_dir}: no {ANALYSIS} yet; running aevae analyze {run_dir} first", flush=True)
        return analyze_run(run_dir, progress=progress)
    return load_analysis(run_dir)


def describe(a: Analysis) -> str:
    """A few human lines summarising an analysis, every number with its unit."""
    m, o, i = a.metrics, a.organisation, a.info
    lines = [f"{a.kind}, d = {a.latent_dim}, {a.data}: {a.n_train} training / {a.n_test} test images",
             f"  test: BCE {m['bce_nats_per_image']:.2f} nats/image, MSE {m['mse_per_pixel']:.4f}/pixel"]
    if "kl_bits_per_image" in m:
        lines.append(f"  KL {m['kl_nats_per_image']:.2f} nats/image = {m['kl_bits_per_image']:.2f} bits/image, "
                     f"-ELBO {m['neg_elbo_nats_per_image']:.2f} nats/image, active units {m['active_units']} of "
                     f"{a.latent_dim} (KL > {m['active_units_threshold_nats_per_dim']} nats)")
    if "active_units_burda" in m:
        lines.append(f"  active units (Burda et al. 2016: Var_x E[z_j|x] > {ACTIVE_VARIANCE}): "
                     f"{m['active_units_burda']} of {a.latent_dim}; the most used: "
                     + ", ".join(f"z{j + 1}" for j in sorted(range(a.latent_dim),
                                                            key=lambda j: -m['mean_variance_per_dim'][j])[:5]))
    if "iw_nll_nats_per_image" in m:
        lines.append(f"  -log p(x) <= {m['iw_nll_nats_per_image']:.2f} nats/image by the importance-weighted bound "
                     f"(Burda et al. 2016, k = {m['iw_samples']}; first {m['iw_test_images']} test images, where the "
                     f"one-sample -ELBO is {m['iw_neg_elbo_nats_per_image']:.2f})")
    sil = o["silhouette_by_label"]
    lines.append(f"  latents: mean |z| {o['mean_latent_norm']:.2f} latent units, k-NN(5) test accuracy "
                 f"{o['knn5_accuracy']:.1%}, k-means NMI {o['kmeans10_nmi']:.3f} (0-1), purity "
                 f"{o['kmeans10_purity']:.1%}, silhouette by label " + ("n/a" if sil is None else f"{sil:.3f} (-1..1)"))
    used = i["bits_used_per_image"]
    lines.append(f"  bits: input {i['input_bits']} bits/image, latent float capacity {i['latent_float_bits']} "
                 f"bits/image (ratio {i['ratio']:g}); decoder needs "
                 + ("more than the curve's 16 bits/dim" if used is None else f"{used:g} bits/image")
                 + (f"; VAE rate {i['vae_rate_bits_per_image']:.1f} bits/image" if "vae_rate_bits_per_image" in i else ""))
    if "factors" in a.extra:
        lines += describe_factors(a.extra["factors"])
    prior = a.extra.get("prior")
    if prior:
        lines.append(f"  prior samples: {prior['plausible_fraction']:.0%} of {prior['n_prior_samples']} plausible "
                     f"(near a training image, clear k-NN majority; real test images: "
                     f"{prior['real_plausible_fraction']:.0%})")
    return "\n".join(lines)
