"""Factor metrics on constructed latents whose answer is known, then on a real tiny model trained on the sprites."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from aevae.analysis.factors import (
    binned,
    entropy,
    factor_scores,
    factorvae_score,
    mi_matrix,
    mig,
    mutual_information,
)


def grid_factors(sizes: tuple[int, ...]) -> np.ndarray:
    """Every combination of factors with these numbers of values, (N, K), like the sprites."""
    return np.array(list(itertools.product(*(range(n) for n in sizes))), np.int64)


FACTORS = grid_factors((3, 4, 6, 8, 8))  # 4,608 images, five factors
NAMES = ("shape", "scale", "orientation", "x", "y")


def test_discrete_information_matches_its_closed_form() -> None:
    a = np.repeat(np.arange(4), 250)  # uniform over 4 values: H = ln 4
    assert entropy(a) == pytest.approx(np.log(4))
    assert mutual_information(a, a) == pytest.approx(np.log(4))  # I(a; a) = H(a)
    assert mutual_information(a, a // 2) == pytest.approx(np.log(2))  # a function of a keeps H(f(a)) of it
    b = np.tile(np.arange(5), 200)  # independent of a by construction
    assert mutual_information(a, b) == pytest.approx(0.0, abs=1e-12)


def test_binned_information_agrees_with_scikit_learn() -> None:
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(3)
    latents = rng.standard_normal((len(FACTORS), 3)) + FACTORS[:, [1, 3, 4]] * [0.5, 0.2, 0.0]
    ours = mi_matrix(latents, FACTORS)
    codes = binned(latents)
    theirs = [[mutual_info_score(codes[:, j], FACTORS[:, k]) for k in range(5)] for j in range(3)]
    np.testing.assert_allclose(ours, theirs, atol=1e-10)
    assert codes.min() == 0 and codes.max() == 19 and len(np.unique(codes[:, 0])) == 20  # 20 bins, ends included


def test_a_latent_that_copies_one_factor_has_mig_near_1_for_it_and_random_latents_near_0() -> None:
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((len(FACTORS), 4))
    latents[:, 1] = FACTORS[:, 3] * 0.7 + rng.normal(0, 0.01, len(FACTORS))  # z2 copies x (scaled, a little noise)
    scores = factor_scores(latents, FACTORS, NAMES)
    gaps = dict(zip(NAMES, scores["mig_per_factor"]))
    assert gaps["x"] > 0.95
    assert max(v for k, v in gaps.items() if k != "x") < 0.05
    assert scores["mi_normalised"][1][3] > 0.95  # row z2, column x
    random = factor_scores(rng.standard_normal((len(FACTORS), 4)), FACTORS, NAMES)
    assert random["mig"] < 0.02 and max(random["mig_per_factor"]) < 0.05


def test_one_dimension_per_factor_scores_1_and_a_copy_in_two_dimensions_has_no_gap() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.05, (len(FACTORS), 5))
    perfect = FACTORS[:, [4, 0, 2, 1, 3]] + noise  # each factor in its own dimension, order shuffled
    scores = factor_scores(perfect, FACTORS, NAMES)
    assert scores["mig"] > 0.95 and scores["factorvae_score"] == 1.0
    assert scores["factorvae_dimension_factor"] == [4, 0, 2, 1, 3]
    doubled = np.column_stack([FACTORS[:, 0], FACTORS[:, 0], rng.standard_normal(len(FACTORS))])
    mi = mi_matrix(doubled, FACTORS[:, :1])
    gap, _ = mig(mi, np.array([entropy(FACTORS[:, 0])]))
    assert gap < 0.01  # two dimensions know the shape equally: information, but no disentanglement


def test_factorvae_score_is_chance_for_random_latents_and_capped_by_too_few_dimensions() -> None:
    rng = np.random.default_rng(2)
    score, _ = factorvae_score(rng.standard_normal((len(FACTORS), 4)), FACTORS)
    assert score < 0.3  # a classifier of 4 dimensions on noise: near 1/5 per vote (chance), a little more by luck
    three = FACTORS[:, :3] + rng.normal(0, 0.05, (len(FACTORS), 3))  # d = 3 carries three of the five factors
    scores = factor_scores(three, FACTORS, NAMES)
    assert scores["factorvae_ceiling"] == pytest.approx(0.6)
    assert 0.5 <= scores["factorvae_score"] <= 0.6 + 1e-9
    constant = np.column_stack([FACTORS[:, 0] + rng.normal(0, 0.05, len(FACTORS)), np.zeros(len(FACTORS))])
    _, assigned = factorvae_score(constant, FACTORS)
    assert assigned[1] == -1  # a dimension that never moves never wins a vote


def test_sprites_run_analysis_stores_and_prints_the_factor_scores(sprites_home: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from aevae.cli import main
    from aevae.runs import load_analysis

    out = tmp_path / "vae"
    assert main(["train", "--data", "sprites", "--limit", "480", "--epochs", "2", "--width", "8", "--hidden", "32",
                 "--batch-size", "32", "--threads", "1", "--out", str(out)]) == 0
    assert main(["analyze", str(out), "--quiet", "--rd-images", "20"]) == 0
    printed = capsys.readouterr().out
    assert "MIG" in printed and "FactorVAE score" in printed and "orientation" in printed
    analysis = load_analysis(out)
    scores = analysis.extra["factors"]
    assert scores["factor_names"] == list(NAMES) and np.asarray(scores["mi_nats"]).shape == (4, 5)
    assert 0 <= scores["mig"] <= 1 and 0 <= scores["factorvae_score"] <= 1
    assert analysis.factors.shape == (480, 5) and analysis.factors.dtype == np.uint8
    assert "mig" in analysis.units
