"""Shared fixtures: tiny real data sets on disk, so tests exercise the real loaders and models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from support.browser import CHROMIUM, CHROMIUM_ARGS, save_screenshot
from support.explorer_page import served_explorer


def draw_shape(kind: str, rng: np.random.Generator, size: int = 28) -> Image.Image:
    """A white-on-black ring or bar with random position and thickness, MNIST-like."""
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    c = rng.uniform(10, 18, size=2)
    r = rng.uniform(5, 8)
    w = int(rng.integers(2, 4))
    if kind == "ring":
        d.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=255, width=w)
    else:
        d.line([c[0], c[1] - r, c[0] + rng.uniform(-3, 3), c[1] + r], fill=255, width=w)
    return img


def write_shapes_folder(root: Path, n_train: int, n_test: int, seed: int) -> Path:
    """Fill ``root`` with an image-folder data set: train/ and test/, two classes (ring, bar) of drawn shapes, the
    given number of images per split (half per class); returns ``root``."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("test", n_test)):
        for kind in ("bar", "ring"):
            folder = root / split / kind
            folder.mkdir(parents=True)
            for i in range(n // 2):
                draw_shape(kind, rng).save(folder / f"{i:03d}.png")
    return root


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image-folder data set: train/ and test/ with two classes (ring, bar) of drawn shapes."""
    return write_shapes_folder(tmp_path_factory.mktemp("shapes"), 96, 24, seed=0)


def write_colour_folder(root: Path, n_per_class: int, seed: int, grey_every: int = 0) -> Path:
    """Fill ``root`` with a colour photo-like folder: classes red/ and blue/, each image a coloured disc on a
    random dark background, of varied sizes (wider or taller than square); with ``grey_every`` > 0 every such
    image of each class is saved as a grey PNG instead, so the folder mixes channel counts."""
    rng = np.random.default_rng(seed)
    colours = {"blue": (40, 60, 230), "red": (230, 40, 30)}
    for name, colour in colours.items():
        (root / name).mkdir(parents=True)
        for i in range(n_per_class):
            w, h = int(rng.integers(40, 90)), int(rng.integers(40, 90))
            img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 40, 3)))
            r, (cx, cy) = min(w, h) * rng.uniform(0.2, 0.35), (w / 2 + rng.uniform(-5, 5), h / 2 + rng.uniform(-5, 5))
            ImageDraw.Draw(img).ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
            grey = grey_every and i % grey_every == grey_every - 1
            (img.convert("L") if grey else img).save(root / name / f"{i:03d}.png")
    return root


@pytest.fixture(scope="session")
def colour_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny colour image folder (red and blue discs, 60 images per class) for --preprocess fit."""
    return write_colour_folder(tmp_path_factory.mktemp("colour"), 60, seed=1)


@pytest.fixture(scope="session")
def sprites_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the drawn sprites, grey and colour, at 32 px (drawn once per session, ~7 s)."""
    from aevae.data.sprites import VARIANTS, cache_path, ensure_sprites

    home = tmp_path_factory.mktemp("sprites-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AEVAE_DATA", str(home))
        for variant in VARIANTS:
            ensure_sprites(variant, 32)
            assert cache_path(variant, 32).is_file()
    return home


@pytest.fixture
def sprites_home(sprites_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """AEVAE_DATA pointing at the session's drawn sprites for this test."""
    monkeypatch.setenv("AEVAE_DATA", str(sprites_cache))
    return sprites_cache


@pytest.fixture(scope="session")
def sprite_runs(sprites_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny runs on the sprites (240 images, one epoch, d = 2): an AE and a VAE on the grey set, a β-VAE on colour."""
    from aevae.config import ModelConfig, RunConfig, TrainConfig
    from aevae.training.trainer import train

    root = tmp_path_factory.mktemp("sprite-runs")
    runs = {"ae": ("ae", "sprites", 1), "vae": ("vae", "sprites", 1), "colour": ("beta-vae", "sprites:colour", 3)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AEVAE_DATA", str(sprites_cache))
        for name, (kind, data, channels) in runs.items():
            cfg = RunConfig(model=ModelConfig(kind=kind, latent_dim=2, channels=channels, width=8, hidden=32),
                            train=TrainConfig(data=data, limit=240, epochs=1, batch_size=32, threads=1))
            train(cfg, root / name, progress_bar=False)
    return {name: root / name for name in runs}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run; if missing: skipped, or failed where AEVAE_REQUIRE_BROWSER is set."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("AEVAE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """The real ``aevae explore`` command serving the shipped models on a free loopback port, one per test module."""
    with served_explorer() as address:
        yield address


@pytest.fixture(scope="session")
def analysed_runs(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny trained and analysed AE (d = 3) and VAE (d = 2), shared by every test that only reads them."""
    from aevae.analysis import analyze_run
    from support.tiny_runs import ANALYSED_LATENT, train_tiny_run

    root = tmp_path_factory.mktemp("analysed-runs")
    for kind, d in ANALYSED_LATENT.items():
        analyze_run(train_tiny_run(tiny_folder, root / kind, kind, d), progress=False)
    return {kind: root / kind for kind in ANALYSED_LATENT}


@pytest.fixture(scope="session")
def tiny_family(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of three tiny VAEs at β = 0, 1, 8 (d = 2, two epochs): a family for the explorer's slider."""
    from support.tiny_runs import train_tiny_family

    return train_tiny_family(tiny_folder, tmp_path_factory.mktemp("beta-family"))


# --- the shipped models, and the explorer page on them ------------------------------------------------------------


@pytest.fixture(scope="session")
def shipped() -> Bundle:
    """The pretrained bundle that ships with the package."""
    from aevae.explorer.bundle import Bundle, shipped_bundle_bytes

    return Bundle.from_bytes(shipped_bundle_bytes())


@pytest.fixture(scope="module")
def runs(analysed_runs: dict[str, Path]) -> dict[str, Path]:
    """A tiny trained and analysed AE (d = 3) and VAE (d = 2) (the explorer's bundle and API tests)."""
    return analysed_runs


@pytest.fixture(scope="module")
def bundle(runs: dict[str, Path]) -> Any:
    """The explorer's bundle of that tiny pair."""
    from aevae.explorer.bundle.from_runs import build_bundle

    return build_bundle(runs, progress=False)


@pytest.fixture(scope="session")
def reference(shipped: Any) -> Any:
    """The shipped models in PyTorch (BundleModels): what the page's own decoding is checked against."""
    from aevae.explorer.bundle.models import BundleModels  # imports torch

    return BundleModels(shipped)


@pytest.fixture
def page(browser: object, url: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh page with the explorer drawn; fails the test on any console error; leaves a screenshot behind."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_selector(".output-canvas[data-drawn]")
    yield pg
    save_screenshot(pg, f"explorer-{request.node.name}", full_page=True)
    pg.close()
    assert not errors, errors
