"""The sprites in a real headless Chromium: colouring by a known factor (the PCA maps, the legend, the split
violins, the factor table), and inputs the "fit" way (an upload, no drawing pad); MNIST's page stays as it was.
Screenshots go to $AEVAE_ARTIFACTS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aevae.data import prepare_image
from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.from_runs import build_bundle

from support.browser import save_screenshot
from support.explorer_page import explorer_page

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sprite_bundle(sprite_runs: dict[str, Path], sprites_cache: Path) -> Bundle:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AEVAE_DATA", str(sprites_cache))
        return build_bundle({"ae": sprite_runs["ae"], "vae": sprite_runs["vae"]},
                            Bundle.from_bytes(shipped_bundle_bytes()), progress=False)


@pytest.fixture
def sprites_page(browser: Any, url: str, sprite_bundle: Bundle,
                 request: pytest.FixtureRequest) -> Iterator[Any]:
    """The explorer on the sprites pair (data with known factors) at 1280 px, with a screenshot left behind."""
    with explorer_page(browser, url, width=1280, bundle=sprite_bundle.to_bytes()) as pg:
        yield pg
        save_screenshot(pg, f"factors-{request.node.name}", full_page=True)


def map_pixels(sprites_page: Any, slot: str) -> str:
    return sprites_page.eval_on_selector(f'.map[data-slot="{slot}"] canvas.map-points', "c => c.toDataURL()")


def test_the_bundle_carries_factors_and_latents_for_sprites_only(sprite_bundle: Bundle) -> None:
    meta = sprite_bundle.model("vae")
    n, d = len(sprite_bundle.arrays["vae.labels"]), meta["latent_dim"]
    factors, latents = sprite_bundle.arrays["vae.factors"], sprite_bundle.arrays["vae.latents"]
    assert factors.shape == (n, len(meta["factors"]["factor_names"])) and latents.shape == (n, d)
    # the latents are the rows the PCA points were projected from
    points = (latents.astype(np.float64) - sprite_bundle.arrays["vae.pca_mean"]) @ sprite_bundle.arrays[
        "vae.pca_components"].T
    assert np.allclose(points, sprite_bundle.arrays["vae.pca_points"], atol=0.05 * np.abs(points).max())
    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    assert not any(k.endswith((".factors", ".latents")) for k in shipped.arrays)


def test_colouring_by_a_factor_recolours_maps_legend_and_violins(sprites_page: Any, sprite_bundle: Bundle) -> None:
    factors = sprite_bundle.model("vae")["factors"]
    options = sprites_page.locator(".colour-by select option").all_inner_texts()
    assert options == ["class", *factors["factor_names"]]
    before = {slot: map_pixels(sprites_page, slot) for slot in ("ae", "vae")}
    levels = len(sprite_bundle.model("vae")["classes"])
    d = sprite_bundle.model("vae")["latent_dim"]
    assert sprites_page.locator(".violin-split").count() == d * levels  # split by class to start with
    assert sprites_page.locator(".legend-item").count() == levels

    sprites_page.select_option(".colour-by select", "factor:x")
    x_levels = len(factors["factor_values"][factors["factor_names"].index("x")])
    assert all(map_pixels(sprites_page, slot) != before[slot] for slot in ("ae", "vae"))
    assert sprites_page.locator(".violin-split").count() == d * x_levels
    assert sprites_page.locator(".legend-ramp").count() == 1  # ordered: a ramp
    assert sprites_page.locator(".legend-item").count() == 0
    assert sprites_page.locator('.factor-name[data-factor="x"]').get_attribute("aria-pressed") == "true"

    sprites_page.click('.factor-name[data-factor="shape"]')  # the table's header switches the colouring too
    assert sprites_page.locator(".colour-by select").input_value() == "factor:shape"
    assert sprites_page.locator(".legend-item").all_inner_texts() == factors["factor_values"][0]


def test_the_factor_table_shows_the_analysis_and_names_the_dragged_dimension(sprites_page: Any,
                                                                             sprite_bundle: Bundle) -> None:
    factors = sprite_bundle.model("vae")["factors"]
    cells = sprites_page.locator(".factor-table tbody td").all_inner_texts()
    assert cells == [f"{v:.2f}" for row in factors["mi_normalised"] for v in row]
    assert f"VAE: MIG {factors['mig']:.2f}" in sprites_page.locator(".factor-scores").inner_text()
    for j, row in enumerate(factors["mi_normalised"]):
        sprites_page.locator(".handle").nth(j).focus()
        sprites_page.keyboard.press("ArrowUp")
        text = sprites_page.locator(".factor-drag").inner_text()
        assert text.startswith(f"z{j + 1} ")
        if max(row) >= 0.05:
            assert factors["factor_names"][int(np.argmax(row))] in text
        assert sprites_page.locator(f'.factor-table tr[data-dim="{j}"]').get_attribute("class") == "dragging"


def test_mnist_has_no_factor_views(browser: Any, url: str) -> None:
    with explorer_page(browser, url, width=1280) as pg:
        assert pg.locator(".colour-by").count() == 0
        assert pg.locator(".factor-matrix").is_hidden()
        assert pg.locator(".violin-split").count() == 0 and pg.locator(".violin").count() == 4
        assert pg.locator(".legend-item").count() == 10


def test_sprites_take_uploads_the_fit_way_and_offer_no_pad(sprites_page: Any, tmp_path: Path) -> None:
    assert sprites_page.locator(".pad").is_hidden() and sprites_page.locator(".pad-new").is_hidden()
    assert sprites_page.locator(".own-title").inner_text().lower() == "upload"
    assert "Probes (not sprites)" in sprites_page.locator(".gallery").inner_text()
    picture = Image.new("RGB", (90, 60), (0, 0, 0))  # a white disc off centre on a wide black picture
    ImageDraw.Draw(picture).ellipse((30, 10, 70, 50), fill=(255, 255, 255))
    picture.save(tmp_path / "disc.png")
    rows = sprites_page.locator(".input-row").count()
    sprites_page.set_input_files(".drawpad input[type=file]", str(tmp_path / "disc.png"))
    sprites_page.wait_for_function(f"document.querySelectorAll('.input-row').length > {rows}")
    assert "Added disc.png" in sprites_page.locator(".pad-status").inner_text()
    expected = prepare_image(np.asarray(picture), "fit", 32, 1)  # what the Python side would hand the model
    swatch = np.array(sprites_page.evaluate("""() => {
        const rows = document.querySelectorAll('.input-row .swatch-canvas');
        const c = rows[rows.length - 1];
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    }"""), np.float64).reshape(32, 32, 4)[:, :, 0] / 255
    shown = 1 - swatch  # grey swatches are drawn black on white by default
    assert np.abs(shown - expected).max() <= 0.5 / 255 + 1e-6


def test_a_colour_sprites_model_is_drawn_in_colour(browser: Any, url: str, sprite_runs: dict[str, Path],
                                                  sprites_cache: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AEVAE_DATA", str(sprites_cache))
        bundle = build_bundle({"ae": sprite_runs["colour"], "vae": sprite_runs["colour"]},
                              Bundle.from_bytes(shipped_bundle_bytes()), progress=False)
    assert bundle.arrays["gallery.images"].shape[1] == 3  # (M, 3, S, S)
    with explorer_page(browser, url, width=1280, bundle=bundle.to_bytes()) as pg:
        first = pg.evaluate("""() => {
            const c = document.querySelector('.gallery canvas');
            return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
        }""")
        rgba = np.array(first, np.int64).reshape(-1, 4)
        # a red, green or blue sprite on black: somewhere the three channels differ a lot
        assert (rgba[:, :3].max(1) - rgba[:, :3].min(1)).max() > 100
        out = np.array(pg.evaluate("""() => {
            const c = document.querySelector('.output-canvas');
            return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
        }"""), np.int64).reshape(-1, 4)
        assert (out[:, :3].max(1) - out[:, :3].min(1)).max() > 0  # the decoded output is not grey either
        assert pg.locator(".colour-by select option").all_inner_texts()[:2] == ["class", "colour"]
        save_screenshot(pg, "factors-colour-sprites-model", full_page=True)
