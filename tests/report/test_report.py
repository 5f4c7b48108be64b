"""The report: every listed figure is written, the page links only files that exist, the claims are checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aevae.analysis import ANALYSIS
from aevae.cli import main
from aevae.report import build_report
from aevae.report.claims import check_claims
from aevae.report.palette import CLASS_COLOURS

from support.tiny_runs import train_tiny_run

FIGURES = ("pca.png", "violins.png", "violins_by_class.png", "reconstructions.png", "prior_samples.png",
           "traversals.png", "interpolation.png", "rate_distortion.png")


@pytest.fixture(scope="module")
def pair(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny AE and VAE, trained briefly and not yet analysed."""
    root = tmp_path_factory.mktemp("report_runs")
    ae, vae = (train_tiny_run(tiny_folder, root / kind, kind, 3, epochs=2) for kind in ("ae", "vae"))
    return ae, vae


def test_report_writes_every_figure_and_a_page_linking_only_existing_files(
        pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    index = build_report(*pair, tmp_path / "report", progress=False)
    assert "running aevae analyze" in capsys.readouterr().out  # analyses were missing, so they were made first
    assert all((run / ANALYSIS).is_file() for run in pair)
    for name in FIGURES:
        with Image.open(tmp_path / "report" / name) as img:
            assert img.format == "PNG" and img.width > 300 and img.height > 150
    page = index.read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(links) == sorted(FIGURES)
    assert all((tmp_path / "report" / link).is_file() for link in links)
    assert "http" not in page  # offline: nothing fetched from elsewhere
    for text in ("nats/image", "bits/image", "8192", "AE (d = 3)", "VAE (d = 3)", "not tested"):
        assert text in page


def test_cli_report_end_to_end_and_refuses_missing_run(pair: tuple[Path, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(pair[0]), str(pair[1]), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "index.html").is_file()
    assert main(["report", str(pair[0]), str(tmp_path / "nothing"), "--out", str(tmp_path / "r2")]) == 2
    assert "no run folder" in capsys.readouterr().err


def test_palette_has_ten_distinct_colours() -> None:
    assert len(set(CLASS_COLOURS)) == 10


def row(model: str, d: int, bce: float, norm: float, sil: float, plausible: float) -> dict:
    return {"model": model, "d": d, "bce_nats_per_image": bce, "mean_latent_norm": norm, "silhouette_by_label": sil,
            "prior_plausible_fraction": plausible}


def test_claims_verdicts_follow_the_stated_criteria() -> None:
    agreeing = [row("ae", 2, 100.0, 9.0, 0.5, 0.1), row("vae", 2, 110.0, 1.0, 0.2, 0.8),
                row("vae", 4, 98.0, 1.2, 0.2, 0.9), row("ae", 4, 80.0, 12.0, 0.6, 0.2)]
    assert [c.verdict for c in check_claims(agreeing)] == ["agrees"] * 3
    disagreeing = [row("ae", 2, 130.0, 1.5, 0.1, 0.9), row("vae", 2, 110.0, 1.0, 0.2, 0.8),
                   row("vae", 4, 98.0, 1.2, 0.2, 0.9)]
    assert [c.verdict for c in check_claims(disagreeing)] == ["disagrees"] * 3
    assert [c.verdict for c in check_claims([row("ae", 4, 80.0, 9.0, 0.5, 0.1)])] == ["not tested"] * 3
    assert "nats/image" in check_claims(agreeing)[0].evidence


def test_report_of_colour_sprites_shows_colour_figures_and_the_factor_matrix(sprites_home: Path,
                                                                             tmp_path: Path) -> None:
    from aevae.config import ModelConfig, RunConfig, TrainConfig
    from aevae.training.trainer import train

    runs = []
    for kind in ("ae", "vae"):
        cfg = RunConfig(model=ModelConfig(kind=kind, latent_dim=3, channels=3, width=8, hidden=32),
                        train=TrainConfig(data="sprites:colour", limit=240, epochs=1, batch_size=32, threads=1))
        train(cfg, tmp_path / kind, progress_bar=False)
        runs.append(tmp_path / kind)
    index = build_report(*runs, tmp_path / "report", progress=False)
    page = index.read_text()
    assert "Known factors: which dimension carries which" in page and "MIG (0-1)" in page
    for name in ("colour", "shape", "scale", "orientation"):
        assert f"<th>{name}</th>" in page
    assert page.count("<td>z3</td>") == 2  # one matrix per model, a row per latent dimension
    assert 'src="pca_by_factor.png"' in page and (tmp_path / "report" / "pca_by_factor.png").is_file()
    assert 'src="violins_by_factor.png"' in page and (tmp_path / "report" / "violins_by_factor.png").is_file()
    recon = np.asarray(Image.open(tmp_path / "report" / "reconstructions.png").convert("RGB"), np.int64)
    assert (np.abs(recon[:, :, 0] - recon[:, :, 2]) > 60).any()  # red and blue sprites drawn in colour, not grey


def test_factor_shares_split_a_violin_by_where_each_value_lies() -> None:
    from aevae.report.latent_figures import factor_shares

    rng = np.random.default_rng(0)
    levels = rng.integers(0, 3, 3000)
    grid = np.linspace(-1, 7, 161)
    carried = levels * 3 + rng.normal(0, 0.2, len(levels))  # a dimension that carries the factor: values 0, 3, 6
    shares = factor_shares(carried, levels, 3, grid)
    assert np.allclose(shares.sum(1), 1)
    for value in range(3):
        assert shares[np.argmin(np.abs(grid - 3 * value)), value] > 0.99  # one colour at each value's height
    ignored = factor_shares(rng.normal(3, 1, len(levels)), levels, 3, grid)  # one that ignores it: mixed
    middle = np.abs(grid - 3) < 1
    assert np.abs(ignored[middle] - 1 / 3).max() < 0.1


def test_a_family_report_has_a_row_per_member_and_a_figure_per_headline_number(tiny_family: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture) -> None:
    assert main(["report", "--family", str(tiny_family), "--out", str(tmp_path / "family")]) == 0
    rows = json.loads((tmp_path / "family" / "family.json").read_text())["rows"]
    assert [r["beta"] for r in rows] == [0.0, 1.0, 8.0] and [r["run"] for r in rows] == ["beta-0", "beta-1", "beta-8"]
    table = (tmp_path / "family" / "family.md").read_text()
    assert "| β (KL weight) | model |" in table and table.count("| vae |") == 3
    for name in ("bce", "kl", "neg_elbo"):
        assert (tmp_path / "family" / f"family_{name}.png").stat().st_size > 1000
    assert f"{rows[2]['kl_bits_per_image']:.2f}" in table
    assert main(["report", str(tiny_family / "beta-0"), "--family", str(tiny_family), "--out", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err
