"""What the explorer's views show, in a real headless Chromium on the real server: the AE-vs-VAE contrast (the
greyed model on shared axes, comparable PCA maps, the VAE's σ and samples), input colours apart from class
colours, and the axes' ticks. Screenshots go to $AEVAE_ARTIFACTS (default: artifacts/ at the repository root)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle.models import BundleModels

from support.browser import handle_values, output_pixels, save_screenshot
from support.explorer_page import explorer_page

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture
def views_page(browser: Any, url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shipped explorer at 1280 px (the views' layout width), with a screenshot left behind."""
    with explorer_page(browser, url, width=1280) as pg:
        yield pg
        save_screenshot(pg, f"views-{request.node.name}", full_page=True)


def ranges(bundle: Bundle, slot: str) -> np.ndarray:
    """Each dimension's axis range (lo, hi) as the page computes it (BundleModels.axis_ranges); (d, 2)."""
    return np.array(BundleModels(bundle).axis_ranges(slot), dtype=np.float64)


def axes(views_page: Any) -> np.ndarray:
    """The plotted axes' (lo, hi); (number of axes, 2)."""
    return np.array(views_page.eval_on_selector_all(".axis", "as => as.map(a => [+a.dataset.min, +a.dataset.max])"))


def points(attribute: str) -> np.ndarray:
    return np.array([[float(v) for v in p.split(",")] for p in attribute.split()])


def svg_scale(views_page: Any) -> float:
    """CSS pixels per SVG unit of the parallel plot."""
    return views_page.locator("svg.parallel").bounding_box()["width"] / views_page.evaluate(
        "document.querySelector('svg.parallel').viewBox.baseVal.width")


# --- Show AE greys the other model on shared axes --------------------------------------------------------------------


def test_show_ae_keeps_the_vae_grey_on_axes_spanning_both(views_page: Any, shipped: Bundle) -> None:
    ae, vae = ranges(shipped, "ae"), ranges(shipped, "vae")
    both = np.stack([np.minimum(ae[:, 0], vae[:, 0]), np.maximum(ae[:, 1], vae[:, 1])], axis=1)
    views_page.locator(".thumb").nth(21).click()
    views_page.locator(".show-ae").check()
    assert np.allclose(axes(views_page), both, atol=1e-4)  # the axes contain both models' ranges
    assert views_page.locator(".violin").count() == 4
    assert views_page.locator(".violin-other").count() == 4
    grey = views_page.eval_on_selector_all(".other-line",
                                           "ls => ls.map(l => [l.dataset.slot, l.getAttribute('stroke')])")
    assert len(grey) == 2 and {slot for slot, _ in grey} == {"vae"}
    r, g, b = (int(grey[0][1][k:k + 2], 16) for k in (1, 3, 5))
    assert max(r, g, b) - min(r, g, b) < 20  # grey: no hue
    assert views_page.locator('.other-recon[data-slot="vae"]').count() == 1
    # The VAE's compact violins sit inside the AE's wide axes: their drawn height is a fraction of the axis.
    heights = views_page.eval_on_selector_all(".violin-other", "vs => vs.map(v => v.getBBox().height)")
    axis_height = float(views_page.locator(".axis").first.get_attribute("data-bottom")) - float(
        views_page.locator(".axis").first.get_attribute("data-top"))
    assert max(heights) < 0.6 * axis_height
    views_page.locator(".fit-axes").check()  # the switch fits the axes to the shown model only
    assert np.allclose(axes(views_page), ae, atol=1e-4)
    assert views_page.locator(".violin-other").count() == 4  # the VAE stays, on the AE's axes
    views_page.locator(".show-ae").uncheck()  # the other way round: the VAE shown, the AE greyed
    assert np.allclose(axes(views_page), vae, atol=1e-4)
    assert views_page.locator(".sigma-band").count() == 2
    assert {s for s in views_page.eval_on_selector_all(".other-line", "ls => ls.map(l => l.dataset.slot)")} == {"ae"}
    views_page.locator(".fit-axes").uncheck()
    assert np.allclose(axes(views_page), both, atol=1e-4)


@pytest.fixture(scope="module")
def tiny_bundle(analysed_runs: dict[str, Path]) -> bytes:
    return build_bundle(analysed_runs, progress=False).to_bytes()  # AE d = 3, VAE d = 2


def test_models_with_different_latent_sizes_share_max_d_axes(browser: Any, url: str, tiny_bundle: bytes) -> None:
    with explorer_page(browser, url, width=1280, bundle=tiny_bundle) as pg:
        # VAE shown (d = 2): three axes, the VAE's two handles and violins, the AE's three outlined violins
        assert pg.locator(".axis").count() == 3 and pg.locator(".handle").count() == 2
        assert pg.locator(".violin").count() == 2 and pg.locator(".violin-other").count() == 3
        assert len(points(pg.locator(".other-recon").get_attribute("points"))) == 3
        pg.locator(".fit-axes").check()  # the VAE's own two axes: the AE drawn on the axes it has
        assert pg.locator(".axis").count() == 2 and pg.locator(".violin-other").count() == 2
        assert len(points(pg.locator(".other-recon").get_attribute("points"))) == 2
        pg.locator(".show-ae").check()  # AE shown, fitted: its three axes, the VAE greyed on the first two
        assert pg.locator(".axis").count() == 3 and pg.locator(".handle").count() == 3
        assert pg.locator(".violin-other").count() == 2
        assert len(points(pg.locator(".other-recon").get_attribute("points"))) == 2
        before = handle_values(pg)
        box = pg.locator(".handle").nth(2).bounding_box()
        pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        pg.mouse.down()
        pg.mouse.move(box["x"] + box["width"] / 2, box["y"] - 40, steps=4)
        pg.mouse.up()
        assert handle_values(pg)[2] > before[2]  # the third axis, which only the AE has, still drags
        save_screenshot(pg, "views-different-latent-sizes", full_page=True)


@pytest.mark.parametrize("width", [800, 1280, 1920])
def test_models_of_different_data_sets_show_their_own_gallery_and_labels(browser: Any, url: str, shipped: Bundle,
                                                                          analysed_runs: dict[str, Path],
                                                                          width: int) -> None:
    # `aevae explore --vae RUN` beside the shipped MNIST AE: the gallery was headed with the VAE's data set over
    # both sets' images, and the legend showed the VAE's classes beside the AE's map of digits.
    mixed = build_bundle({"ae": None, "vae": analysed_runs["vae"]}, shipped, progress=False)
    vae = mixed.model("vae")
    with explorer_page(browser, url, width=width, bundle=mixed.to_bytes()) as pg:
        headings = pg.locator(".gallery h3").all_inner_texts()
        assert f"Test digits (mnist, the AE's data)" in headings, headings
        assert f"Test images ({vae['data']}, the VAE's data)" in headings, headings
        for slot, model in (("ae", mixed.model("ae")), ("vae", vae)):
            row = pg.locator(f'.legend-row[data-slot="{slot}"]')
            assert row.locator(".legend-item").all_inner_texts() == model["classes"]
        pg.locator(".show-ae").check()  # the other model active: each row keeps its own model's classes
        assert pg.locator('.legend-row[data-slot="ae"] .legend-item').all_inner_texts() == [str(k) for k in range(10)]
        save_screenshot(pg, f"views-mixed-data-{width}", full_page=True)


def test_models_of_one_data_set_share_one_legend_and_gallery_section(browser: Any, url: str,
                                                                     tiny_bundle: bytes) -> None:
    with explorer_page(browser, url, width=1280, bundle=tiny_bundle) as pg:
        assert pg.locator(".legend-row").count() == 0 and pg.locator(".legend-item").count() > 0
        assert [h for h in pg.locator(".gallery h3").all_inner_texts() if h.startswith("Test")] == ["Test images"]


# --- Figure 4 comparable -----------------------------------------------------------------------------------------------


MAP_PIXELS = """slot => {
    const c = document.querySelector(`.pca-map[data-slot="${slot}"] .map-points`);
    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
}"""


def coloured_fraction(views_page: Any, slot: str) -> float:
    """Fraction of a map canvas's pixels with a clear hue (channels spread by more than 40 of 255)."""
    rgba = np.array(views_page.evaluate(MAP_PIXELS, slot), np.int16).reshape(-1, 4)
    return float(np.mean(rgba[:, :3].max(axis=1) - rgba[:, :3].min(axis=1) > 40))


def test_both_maps_coloured_with_ticks_side_by_side_at_1280(views_page: Any) -> None:
    ae, vae = (views_page.locator(f'.pca-map[data-slot="{s}"] .map-area').bounding_box() for s in ("ae", "vae"))
    assert abs(ae["y"] - vae["y"]) < 2 and ae["x"] + ae["width"] < vae["x"]  # side by side, same row
    slider = views_page.locator(".family").bounding_box()  # the family slider's panel above the plot, where shipped
    below = 900 + 400 + (slider["height"] if slider else 0)
    assert vae["y"] + vae["height"] <= below  # within reach below the plot, not under the AE's map
    for slot in ("ae", "vae"):
        assert coloured_fraction(views_page, slot) > 0.005  # coloured by class, the hidden model's map included
        for axis in ("pc1", "pc2"):
            labels = views_page.locator(f'.pca-map[data-slot="{slot}"] .map-tick-label[data-axis="{axis}"]')
            assert labels.count() >= 3
            assert all(re.fullmatch(r"-?\d+(\.\d+)?", t) for t in labels.all_text_contents())
    hidden = views_page.locator('.pca-map[data-slot="ae"] .map-points')
    assert float(hidden.evaluate("c => getComputedStyle(c).opacity")) < 1  # dimmer
    assert hidden.evaluate("c => getComputedStyle(c).filter") == "none"  # not grey
    spans = lambda: [float(views_page.locator(f'.pca-map[data-slot="{s}"] .map-area').get_attribute("data-span"))
                     for s in ("ae", "vae")]
    assert spans()[0] == spans()[1]  # one shared scale by default
    ae_ticks = views_page.locator('.pca-map[data-slot="vae"] .map-tick-label[data-axis="pc1"]').all_text_contents()
    views_page.locator(".map-shared").uncheck()
    own = spans()
    assert own[1] < own[0]  # fitted: the VAE's compact map fills its own square
    vae_ticks = views_page.locator('.pca-map[data-slot="vae"] .map-tick-label[data-axis="pc1"]')
    assert vae_ticks.all_text_contents() != ae_ticks


# --- the VAE's uncertainty ---------------------------------------------------------------------------------------------


def band_heights(views_page: Any) -> np.ndarray:
    """The ±σ band's height at each axis in CSS pixels, for the first selected input."""
    xy = points(views_page.locator(".sigma-band").first.get_attribute("points"))
    d = len(xy) // 2
    upper, lower = xy[:d], xy[d:][::-1]
    return (lower[:, 1] - upper[:, 1]) * svg_scale(views_page)


def test_sigma_band_is_at_least_2_px_and_to_scale_when_larger(views_page: Any, shipped: Bundle) -> None:
    assert band_heights(views_page).min() >= 2 - 1e-6  # the default view: axes spanning both models
    views_page.locator(".fit-axes").check()
    sigma = np.array([float(v) for v in views_page.locator(".sigma-band").first.get_attribute("data-sigma").split()])
    top, bottom = (float(views_page.locator(".axis").first.get_attribute(k)) for k in ("data-top", "data-bottom"))
    vae = ranges(shipped, "vae")
    expected = 2 * sigma / (vae[:, 1] - vae[:, 0]) * (bottom - top) * svg_scale(views_page)
    assert np.allclose(band_heights(views_page), np.maximum(expected, 2), atol=0.05)
    opacity = float(views_page.locator(".sigma-band").first.evaluate("b => getComputedStyle(b).fillOpacity"))
    assert opacity >= 0.35


def test_sample_decodes_draws_from_q_while_mu_stays(views_page: Any) -> None:
    mu_line = views_page.locator(".input-line .mu").first.get_attribute("points")
    mu = handle_values(views_page)
    assert "μ" in views_page.locator(".output-origin").text_content()
    outputs, lines = [], []
    for _ in range(3):
        views_page.locator("button.sample").click()
        assert views_page.locator(".output-origin").get_attribute("data-kind") == "sample"
        assert "sample 1 of 5" in views_page.locator(".output-origin").text_content()
        outputs.append(output_pixels(views_page))
        lines.append(handle_values(views_page))
    assert views_page.locator(".sample-thumb").count() == 5
    assert all(np.abs(a.astype(int) - b).max() > 0 for a, b in zip(outputs, outputs[1:]))  # each draw differs
    assert all(np.abs(z - mu).max() > 0 for z in lines) and np.abs(np.array(lines) - mu).max() < 1.0  # near μ
    assert views_page.locator(".input-line .mu").first.get_attribute("points") == mu_line  # μ stays
    views_page.locator(".sample-thumb").nth(3).click()
    assert "sample 4 of 5" in views_page.locator(".output-origin").text_content()
    views_page.locator(".input-row .snap").first.click()  # back to μ
    assert np.allclose(handle_values(views_page), mu) and "μ" in views_page.locator(".output-origin").text_content()
    assert not views_page.locator(".samples").is_visible()  # snapping shows μ: the strip goes
    views_page.locator("button.sample").click()
    assert views_page.locator(".samples").is_visible()
    views_page.locator(".show-ae").check()
    assert views_page.locator("button.sample").is_disabled()  # the AE has no q(z|x)
    views_page.locator(".show-ae").uncheck()
    views_page.locator(".input-row .remove").first.click()  # the sampled input goes: so do its samples
    assert not views_page.locator(".samples").is_visible()


# --- inputs never look like classes, and stay visible -----------------------------------------------------------------


def lab(hex_colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB "#rrggbb"."""
    c = np.array([int(hex_colour[k:k + 2], 16) for k in (1, 3, 5)]) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    t = xyz / [0.95047, 1, 1.08883]  # relative to the D65 white
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_input_colours_are_far_from_every_class_colour(views_page: Any) -> None:
    for i in (7, 12, 21, 28, 30):
        views_page.locator(".thumb").nth(i).click()
    shown = views_page.eval_on_selector_all(".input-line", "ls => ls.map(l => l.dataset.colour)")
    assert len(set(shown)) == 6
    classes = views_page.evaluate("async () => (await import('/static/js/palette.js')).COLOURS.classes")
    legend = views_page.eval_on_selector_all(".legend-item", "ls => ls.map(l => l.style.getPropertyValue('--colour'))")
    assert sorted(legend) == sorted(classes)  # the maps' class colours are this palette
    distance = min(np.linalg.norm(lab(a) - lab(b)) for a in shown for b in classes)
    assert distance > 20  # CIELAB ΔE: clearly another colour, not a shade of a class's


def test_the_selected_input_line_is_visible_on_the_black_line(views_page: Any) -> None:
    colour = views_page.locator(".input-line").first.get_attribute("data-colour")
    xy = points(views_page.locator(".input-line .mu").first.get_attribute("points"))
    box = views_page.locator("svg.parallel").bounding_box()
    mid = (xy[1] + xy[2]) / 2 * svg_scale(views_page) + [box["x"], box["y"]]  # between two axes, off the handles
    shot = views_page.screenshot(clip={"x": mid[0] - 1, "y": mid[1] - 1, "width": 3, "height": 3})
    pixel = np.asarray(Image.open(BytesIO(shot)).convert("RGB"))[1, 1].astype(int)
    want = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])
    # the input's colour on top (antialiased over the black line beneath), not the black line
    assert np.linalg.norm(pixel - want) < 0.5 * np.linalg.norm(pixel), (pixel, want)


# --- ticks ---------------------------------------------------------------------------------------------------------


def test_parallel_axes_have_intermediate_ticks_with_values(views_page: Any) -> None:
    for j in range(4):
        axis = views_page.locator(f'.axis[data-dim="{j}"]')
        lo, hi = float(axis.get_attribute("data-min")), float(axis.get_attribute("data-max"))
        top, bottom = float(axis.get_attribute("data-top")), float(axis.get_attribute("data-bottom"))
        labels = views_page.locator(f'.tick-label[data-dim="{j}"]')
        assert labels.count() >= 3
        values = np.array([float(v) for v in labels.all_text_contents()])
        ys = np.array([float(y) for y in views_page.eval_on_selector_all(f'.tick-label[data-dim="{j}"]',
                                                                    "ls => ls.map(l => l.getAttribute('y'))")])
        assert np.all((values > lo) & (values < hi))
        assert np.allclose(ys, bottom - (values - lo) / (hi - lo) * (bottom - top), atol=0.01)  # placed at value
        size = float(labels.first.evaluate("l => parseFloat(getComputedStyle(l).fontSize)"))
        assert size * svg_scale(views_page) >= 9.5  # readable on screen at 1280 px
