"""Analysis: statistics against NumPy/scikit-learn, the information view, the file format and its errors,
on tiny real runs trained on the shapes folder."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from sklearn.decomposition import PCA

from aevae.analysis import ANALYSIS, LatentStats, analyze_run, load_analysis
from aevae.analysis.information import bit_budget, bits_used
from aevae.analysis.prior import AGREEMENT, neighbours
from aevae.analysis.rate_distortion import quantise
from aevae.files import TEMPORARY_SUFFIX
from aevae.runs.analysis_file import DTYPES, REQUIRED
from aevae.cli import main
from aevae.config import ModelConfig
from aevae.runs import METRICS, WEIGHTS, RunError, read_json, write_json

from support.tiny_runs import train_tiny_run


def tiny_run(folder: Path, out: Path, kind: str, epochs: int) -> Path:
    """A tiny model trained on the shapes: enough steps that its latent code matters to the decoder."""
    return train_tiny_run(folder, out, kind, 2, epochs=epochs, lr=5e-3)


@pytest.fixture(scope="module")
def runs(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Analysed AE and VAE runs (the AE trained 40 epochs so quantisation has something to lose)."""
    root = tmp_path_factory.mktemp("analysis_runs")
    out = {"ae": tiny_run(tiny_folder, root / "ae", "ae", 40), "vae": tiny_run(tiny_folder, root / "vae", "vae", 5)}
    for run in out.values():
        analyze_run(run, progress=False)
    return out


def blobs(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three labelled, correlated Gaussian clusters in 3-D."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 1.0, -2.0], [-3.0, 5.0, 1.0]])
    mixing = np.array([[2.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.2]])
    return centres[y] + rng.standard_normal((n, 3)) @ mixing, y


def test_pca_matches_scikit_learn_and_numpy() -> None:
    z, y = blobs()
    stats = LatentStats(n_classes=3).fit(z, y)
    ref = PCA(n_components=2).fit(z)
    cos = np.abs((stats.pca_components_ * ref.components_).sum(axis=1))
    np.testing.assert_allclose(cos, 1.0, atol=1e-8)
    np.testing.assert_allclose(stats.pca_explained_variance_, ref.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(stats.pca_explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8)
    signs = np.sign((stats.pca_components_ * ref.components_).sum(axis=1))
    np.testing.assert_allclose(stats.transform(z), ref.transform(z) * signs, atol=1e-8)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(z.T)))[::-1][:2]
    np.testing.assert_allclose(stats.pca_explained_variance_, eigenvalues, rtol=1e-8)


def test_densities_integrate_to_one_on_their_grid() -> None:
    z, y = blobs()
    z[:, 2] = 1.5  # a collapsed dimension still gets a density
    stats = LatentStats(n_classes=4).fit(z, y)  # class 3 has no members
    area = np.trapezoid(stats.density_, stats.density_grid_, axis=1)
    np.testing.assert_allclose(area, 1.0, atol=0.02)
    for j in range(3):
        by_class = np.trapezoid(stats.density_by_class_[j], stats.density_grid_[j], axis=1)
        np.testing.assert_allclose(by_class[:3], 1.0, atol=0.03)
        assert by_class[3] == 0.0
    for j in range(2):  # the grid holds the data's 1st–99th percentiles
        assert stats.density_grid_[j, 0] <= np.percentile(z[:, j], 1) < np.percentile(z[:, j], 99) <= stats.density_grid_[j, -1]


def test_quantiles_spread_and_organisation_on_separable_clusters() -> None:
    z, y = blobs()
    stats = LatentStats(n_classes=3).fit(z, y)
    np.testing.assert_allclose(stats.quantiles_[:, [0, 50, 100]], np.stack([z.min(0), np.median(z, 0), z.max(0)]).T)
    assert stats.mean_latent_norm_ == pytest.approx(np.linalg.norm(z, axis=1).mean())
    np.testing.assert_allclose(stats.per_dim_std_, z.std(0))
    z_test, y_test = blobs(seed=1)
    assert stats.score(z_test, y_test) > 0.95
    assert stats.silhouette_by_label_ > 0.3
    shuffled = LatentStats(n_classes=3).fit(z, np.random.default_rng(2).permutation(y))
    assert shuffled.silhouette_by_label_ < 0.05 < stats.silhouette_by_label_
    assert shuffled.kmeans_["kmeans10_nmi"] < stats.kmeans_["kmeans10_nmi"]


def test_bit_budget_for_d4_on_32x32() -> None:
    budget = bit_budget(ModelConfig(latent_dim=4))
    assert (budget["input_bits"], budget["latent_float_bits"], budget["ratio"]) == (8192, 128, 64)
    assert budget["compression_ratio"] == 256
    assert all(budget[f"{k}_meaning"] for k in ("input_bits", "latent_float_bits", "ratio"))


def test_bits_used_is_the_smallest_rate_within_tolerance() -> None:
    bits = np.array([4, 8, 12, 16])
    assert bits_used(bits, np.array([130.0, 103.0, 100.9, 100.1]), 100.0) == 12
    assert bits_used(bits, np.array([130.0, 120.0, 110.0, 105.0]), 100.0) is None


def test_quantise_uses_2_to_the_k_midpoints() -> None:
    z = torch.linspace(-3, 5, 1001)[:, None]
    lo, hi = torch.tensor([-3.0]), torch.tensor([5.0])
    for k in (1, 3):
        q = quantise(z, lo, hi, k)
        assert len(torch.unique(q)) == 2**k
        assert (q - z).abs().max() <= 8.0 / 2**k / 2 + 1e-6
    assert quantise(torch.tensor([[9.0]]), lo, hi, 2).item() == pytest.approx(4.0)  # clipped to the last cell


def test_plausibility_tests_accept_class_members_and_reject_blends() -> None:
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 0.1, (40, 32, 32)).astype(np.float32)
    labels = np.repeat([0, 1], 20)
    images[:20, :, :16] += 0.8  # class 0: left half lit
    images[20:, :, 16:] += 0.8  # class 1: right half lit
    dist, agree = neighbours(images[[3, 25]], images, labels)
    np.testing.assert_allclose(dist, 0.0, atol=1e-3)  # each is its own nearest neighbour
    np.testing.assert_array_equal(agree, 1.0)
    blend = images.mean(axis=0, keepdims=True)  # both halves half lit: near both classes, neither's
    _, agree = neighbours(blend, images, labels)
    assert agree[0] < AGREEMENT


def test_16_bits_reconstruct_like_unquantised_and_1_bit_clearly_worse(runs: dict[str, Path]) -> None:
    a = load_analysis(runs["ae"])
    reference = a.info["rd_reference_bce_nats_per_image"]
    assert a.rd_bce_nats_per_image[-1] == pytest.approx(reference, abs=0.05)
    assert a.rd_bce_nats_per_image[0] > reference + 5.0
    np.testing.assert_array_equal(a.rd_bits_per_image, np.arange(1, 17) * 2)
    assert a.info["bits_used_per_image"] is not None and 2 <= a.info["bits_used_per_image"] <= 32


def test_vae_kl_bits_are_nats_over_ln2_and_metrics_carry_units(runs: dict[str, Path]) -> None:
    m = load_analysis(runs["vae"]).metrics
    assert m["kl_bits_per_image"] == pytest.approx(m["kl_nats_per_image"] / math.log(2))
    np.testing.assert_allclose(m["kl_bits_per_dim"], np.array(m["kl_nats_per_dim"]) / math.log(2))
    assert m["active_units"] == sum(v > m["active_units_threshold_nats_per_dim"] for v in m["kl_nats_per_dim"])
    assert load_analysis(runs["vae"]).info["vae_rate_bits_per_image"] == m["kl_bits_per_image"]


def test_file_format_tensors_dtypes_and_metadata(runs: dict[str, Path]) -> None:
    for kind, run in runs.items():
        tensors = load_file(str(run / ANALYSIS))
        assert set(REQUIRED) <= set(tensors) and (("sigma" in tensors) == (kind == "vae"))
        n, d, c, g = 96, 2, 2, 128
        shapes = {"mu": (n, d), "labels": (n,), "pca_components": (2, d), "pca_mean": (d,), "pca_points": (n, 2),
                  "density_grid": (d, g), "density": (d, g), "density_by_class": (d, c, g), "quantiles": (d, 101),
                  "rd_bits_per_image": (16,), "rd_bce_nats_per_image": (16,)}
        for name, shape in shapes.items():
            assert tuple(tensors[name].shape) == shape, name
        for name, t in tensors.items():
            expected = {np.float16: torch.float16, np.uint8: torch.uint8}.get(DTYPES.get(name), torch.float32)
            assert t.dtype == expected, name
        a = load_analysis(run)
        assert a.kind == kind and a.latent_dim == 2 and a.n_train == 96 and a.n_test == 24 and a.classes == ["bar", "ring"]
        assert a.organisation["subsamples"]["silhouette_latents"] == 96
        assert "nats" in a.units["bce_nats_per_image"] and a.aevae_version
        prior = a.extra["prior"]
        assert 0.0 <= prior["plausible_fraction"] <= min(prior["near_fraction"], prior["unambiguous_fraction"]) <= 1.0
        np.testing.assert_allclose(a.pca_points, (a.mu.astype(np.float32) - a.pca_mean) @ a.pca_components.T,
                                   atol=0.05)


def test_load_analysis_refuses_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="missing"):
        load_analysis(tmp_path)
    (tmp_path / ANALYSIS).write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(RunError, match="corrupt"):
        load_analysis(tmp_path)


def _copy(run: Path, dest: Path) -> Path:
    shutil.copytree(run, dest)
    (dest / ANALYSIS).unlink()
    return dest


def test_bad_run_folders_are_refused_and_nothing_is_written(runs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(RunError, match="no run folder"):
        analyze_run(tmp_path / "nowhere", progress=False)
    assert not (tmp_path / "nowhere").exists()

    no_weights = _copy(runs["ae"], tmp_path / "no_weights")
    (no_weights / WEIGHTS).unlink()
    short = _copy(runs["ae"], tmp_path / "short")
    metrics = read_json(short / METRICS)
    write_json(short / METRICS, {**metrics, "history": metrics["history"][:3]})
    other_data = _copy(runs["ae"], tmp_path / "other_data")
    for run, message in ((no_weights, "incomplete"), (short, "trained 3 of 40 epochs"), (other_data, "not on")):
        before = sorted(p.name for p in run.iterdir())
        with pytest.raises(RunError, match=message):
            analyze_run(run, data="mnist" if run is other_data else None, progress=False)
        assert sorted(p.name for p in run.iterdir()) == before  # no analysis, no temp file


def test_rerun_replaces_the_analysis_in_one_rename(runs: dict[str, Path], tmp_path: Path) -> None:
    run = shutil.copytree(runs["vae"], tmp_path / "vae")
    (run / ANALYSIS).write_bytes(b"stale")
    first = analyze_run(run, progress=False)
    second = analyze_run(run, progress=False)
    np.testing.assert_array_equal(first.mu, second.mu)  # deterministic
    assert first.organisation == second.organisation
    assert sorted(p.name for p in run.iterdir() if p.name.endswith(TEMPORARY_SUFFIX)) == []  # no temp files left


def test_cli_analyze_end_to_end(runs: dict[str, Path], tiny_folder: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture) -> None:
    run = _copy(runs["ae"], tmp_path / "ae")
    assert main(["analyze", str(run), "--trained-on", f"folder:{tiny_folder}", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "nats/image" in out and "bits/image" in out and (run / ANALYSIS).is_file()
    with safe_open(str(run / ANALYSIS), framework="np") as f:
        assert json.loads(f.metadata()["analysis"])["info"]["input_bits"] == 8192

    fresh = _copy(runs["ae"], tmp_path / "fresh")
    assert main(["analyze", str(fresh), str(tmp_path / "missing"), "--quiet"]) == 2
    assert "no run folder" in capsys.readouterr().err
    assert not (fresh / ANALYSIS).exists()  # every folder is checked before any is analysed
