"""The drawn sprites: every factor combination once, drawn the same way every time, cached atomically, split fairly,
and trainable from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from aevae.cli import main
from aevae.data import DataError, SpecError, dataset_name, load_dataset, load_splits
from aevae.data.sprites import GRIDS, cache_path, factor_values, load_sprites, render_sprites


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(image.shape)
    return float((image * ys).sum() / image.sum()), float((image * xs).sum() / image.sum())


def test_every_factor_combination_appears_once_and_drawing_repeats_exactly(sprites_home: Path) -> None:
    images, factors = render_sprites("grey", 32)
    grid = GRIDS["grey"]
    assert images.shape == (int(np.prod(list(grid.values()))), 32, 32) and images.dtype == np.uint8
    assert len(np.unique(factors, axis=0)) == len(factors)
    assert factors.max(0).tolist() == [n - 1 for n in grid.values()]
    cached = np.load(cache_path("grey", 32))  # drawn by the fixture in another call: the same pixels
    np.testing.assert_array_equal(cached["images"], images)
    np.testing.assert_array_equal(cached["factors"], factors)


def test_the_pixels_follow_the_factors(sprites_home: Path) -> None:
    data = load_dataset("sprites", "train")
    col = {name: i for i, name in enumerate(data.factor_names)}
    f, images = data.factors, data.images.astype(np.float64)
    # Larger scale, more ink: mean area grows with every step of the scale factor.
    area = [images[f[:, col["scale"]] == s].sum((1, 2)).mean() for s in range(GRIDS["grey"]["scale"])]
    assert all(a < b for a, b in zip(area, area[1:])), area
    # x and y move the centre of mass along the columns and the rows, where the factor says.
    x = factor_values("grey")["x"]
    for i in range(0, len(data), 997):
        cy, cx = centre_of_mass(images[i])
        assert abs(cx - x[f[i, col["x"]]] * 32 + 0.5) < 1.5 and abs(cy - x[f[i, col["y"]]] * 32 + 0.5) < 1.5
    # Shapes differ in area at the same scale (square 2r², ellipse πr²/2, heart in between), so labels mean shape.
    assert data.labels.tolist() == f[:, col["shape"]].tolist() and data.classes == ("square", "ellipse", "heart")


def test_colour_sprites_are_coloured_by_their_colour_factor(sprites_home: Path) -> None:
    data = load_dataset("sprites:colour", "test")
    assert data.images.shape[1:] == (3, 32, 32) and data.channels == 3 and data.name == "sprites:colour"
    assert data.factor_names == tuple(GRIDS["colour"])
    brightest = data.images.reshape(len(data), 3, -1).sum(2).argmax(1)  # 0 red, 1 green, 2 blue
    np.testing.assert_array_equal(brightest, data.factors[:, 0])


def test_splits_are_disjoint_fair_and_limits_keep_every_shape(sprites_home: Path) -> None:
    train, test = load_sprites("train"), load_sprites("test")
    n = int(np.prod(list(GRIDS["grey"].values())))
    assert len(train) + len(test) == n and len(test) == n // 10
    rows = {tuple(r) for r in train.factors}
    assert not rows & {tuple(r) for r in test.factors}
    small_train, small_test = load_splits("sprites", limit=60)
    assert (len(small_train), len(small_test)) == (60, 10)
    assert set(small_train.labels.tolist()) == {0, 1, 2}  # not 60 squares in grid order
    assert small_train.factors.shape == (60, 5)  # subsets keep the factors


def test_specs_and_preprocessing_of_sprites(sprites_home: Path) -> None:
    assert dataset_name(" Sprites ") == "sprites" and dataset_name("sprites:color") == "sprites:colour"
    with pytest.raises(SpecError, match="sprites:colour"):
        load_dataset("sprites:purple", "train")
    with pytest.raises(SpecError, match="--preprocess fit"):
        load_dataset("sprites", "train", preprocess="glyph")
    with pytest.raises(SpecError, match="one of auto, glyph, fit"):
        load_dataset("sprites", "train", preprocess="smooth")
    with pytest.raises(DataError, match="32 or 64"):
        render_sprites("grey", 48)


def test_a_damaged_cache_is_named_and_can_be_redrawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEVAE_DATA", str(tmp_path))
    path = cache_path("colour", 32)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="delete it to rebuild it"):
        load_sprites("train", "colour")
    path.unlink()
    assert len(load_sprites("test", "colour")) == 1382  # drawn again, and no temporary file left beside it
    assert os.listdir(path.parent) == [path.name]


def test_aevae_data_sprites_reports_the_grid(sprites_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "sprites:colour"]) == 0
    out = capsys.readouterr().out
    assert "3 x 3 x 3 x 8 x 8 x 8 = 13,824 images" in out and "colour: red, green, blue" in out
    assert "uint8 (12442, 3, 32, 32)" in out and "preprocessing fit" in out


def test_training_on_colour_sprites_takes_the_channels_from_the_data(sprites_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["train", "--data", "sprites:colour", "--limit", "64", "--epochs", "1", "--width", "8",
                 "--hidden", "32", "--batch-size", "16", "--threads", "1", "--out", str(out)]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"]["channels"] == 3 and cfg["train"]["preprocess"] == "fit"
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert np.isfinite(final["bce_nats_per_image"])


def test_the_paper_preset_trains_on_colour_sprites_too(sprites_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "paper"
    assert main(["train", "--preset", "paper", "--data", "sprites:colour", "--limit", "64", "--epochs", "1",
                 "--batch-size", "16", "--threads", "1", "--out", str(out)]) == 0
    for kind in ("ae", "vae"):
        model = json.loads((out / kind / "config.json").read_text())["model"]
        assert (model["channels"], model["width"], model["latent_dim"]) == (3, 16, 4)  # the preset's, in colour
