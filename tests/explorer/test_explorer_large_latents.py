"""Latent spaces of real size in the page: hand-written VAEs with d = 64 (half collapsed) and d = 512 explored in a
real Chromium through ``aevae explore --model``: the axes are ordered by use with the collapsed dimensions
summarised, labels never overlap from 800 to 2560 px, the strip picks axes, one scale for all axes, the traversal
row follows a drag, Random is not clipped to the axes; and the sentences come from the numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aevae.explorer.bundle import Bundle
from aevae.explorer.bundle.own_model import own_model_bundle

from support.browser import drag_handle, save_screenshot
from support.own_models import collapsed_mlp_vae, grey_images
from support.own_model_page import canvas_rgb, drawn, own_page, wait_for_drawn_after

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def grey_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "grey.npz"
    x, y = grey_images(150)
    np.savez(path, images=x, labels=y)
    return path


def drawn_dims(page: Any) -> list[int]:
    return [int(v) for v in page.eval_on_selector_all(".handle", "hs => hs.map(h => h.dataset.dim)")]


def boxes_overlap(page: Any, selector: str) -> list[tuple[str, str]]:
    """Pairs of texts matching ``selector`` whose boxes on screen intersect."""
    boxes = page.eval_on_selector_all(selector, """els => els.map(e => {
        const b = e.getBoundingClientRect(); return [e.textContent, b.left, b.right, b.top, b.bottom]; })""")
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]]


def test_d64_axes_by_use_collapsed_summarised_readable_and_live(browser: Any, grey_file: Path) -> None:
    bundle, _ = own_model_bundle(collapsed_mlp_vae(), *grey_images(150))
    kl = np.array(Bundle.from_bytes(bundle.to_bytes()).model("vae")["metrics"]["kl_nats_per_dim"])
    with own_page(browser, "own_models:collapsed_mlp_vae", grey_file) as (page, requests):
        dims = drawn_dims(page)
        assert 4 <= len(dims) < 32 and all(j < 32 for j in dims)  # only the used half, as many as fit
        assert list(kl[dims]) == sorted(kl[dims], reverse=True)  # the most used first
        assert dims == list(np.argsort(-kl, kind="stable")[: len(dims)])
        summary = page.inner_text(".use-summary")
        assert "Active units (Burda et al. 2016): 32 of 64" in summary
        assert "32 unused dimensions: KL < 0.0001 nats/image each" in summary
        axes = {}
        for width in (800, 1280, 2560):
            page.set_viewport_size({"width": width, "height": 1000})
            page.wait_for_timeout(300)
            axes[width] = page.locator(".handle").count()
            for selector in (".axis-name", ".axis-end", ".tick-label"):
                assert not boxes_overlap(page, selector), (width, selector, boxes_overlap(page, selector))
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing pushes the page wider
            save_screenshot(page, f"own-model-d64-{width}", full_page=True)
        assert axes[800] < axes[1280] < axes[2560]  # a wider window draws more axes
        # the strip: a bar of an unused dimension adds its axis
        order = [int(v) for v in page.get_attribute(".use-bars", "data-order").split()]
        before = page.locator(".handle").count()
        box = page.locator(".use-bars").bounding_box()
        page.mouse.click(box["x"] + box["width"] * (63.5 / 64), box["y"] + box["height"] - 2)
        assert page.locator(".handle").count() == before + 1 and drawn_dims(page)[-1] == order[63]
        # one scale: every axis spans the same range
        page.locator(".common-scale").check()
        ranges = page.eval_on_selector_all(".axis", "as => as.map(a => [a.dataset.min, a.dataset.max].join())")
        assert len(set(ranges)) == 1
        page.locator(".common-scale").uncheck()
        # a drag changes the output and the traversal row of another dimension, decoded in the page
        row = page.locator(".traversal-row").nth(1)
        before_row, before_out, count = canvas_rgb(page, ".traversal-row:nth-child(2) canvas"), \
            canvas_rgb(page, ".output-canvas"), drawn(page)
        assert row.get_attribute("data-dim") == str(drawn_dims(page)[1])
        drag_handle(page, 0, -60)
        wait_for_drawn_after(page, count)
        page.wait_for_timeout(400)
        assert np.abs(canvas_rgb(page, ".output-canvas").astype(int) - before_out).max() > 0
        assert np.abs(canvas_rgb(page, ".traversal-row:nth-child(2) canvas").astype(int) - before_row).max() > 0
        assert not any("/decode" in r for r in requests)
        # Random draws from the prior, not clipped: a collapsed dimension's axis is about 0 wide
        page.click(".random")
        z = [float(v) for v in page.get_attribute(".output-z", "title")[5:-1].split(", ")]
        assert len(z) == 64 and max(abs(v) for v in z[32:]) > 0.5


def test_d512_draws_what_fits_and_the_rest_scrolls_readably(browser: Any, grey_file: Path) -> None:
    with own_page(browser, "own_models:mlp_vae_512", grey_file) as (page, _):
        assert "Active units (Burda et al. 2016): 48 of 512" in page.inner_text(".use-summary")
        assert "464 unused dimensions" in page.inner_text(".use-summary")
        assert all(j < 48 for j in drawn_dims(page))
        page.click('.use-buttons [data-pick="active"]')
        assert page.locator(".handle").count() == 48  # more than fit: the plot scrolls sideways
        assert not boxes_overlap(page, ".axis-name") and not boxes_overlap(page, ".axis-end")
        scroll = page.eval_on_selector(".parallel-scroll", "e => [e.scrollWidth, e.clientWidth]")
        assert scroll[0] > scroll[1]
        save_screenshot(page, "own-model-d512", full_page=True)


SUMMARY_IN_PAGE = """async (models) => {
    const {unusedSummary, dimensionUse} = await import('/static/js/dims.js');
    return models.map((m) => [unusedSummary(m), dimensionUse(m).order.join(' ')]);
}"""


def test_the_unused_summary_follows_the_numbers(browser: Any, grey_file: Path) -> None:
    def model(kl: list[float], std: list[float], variational: bool = True) -> dict:
        return {"meta": {"latent_dim": len(std), "variational": variational, "metrics": {"kl_nats_per_dim": kl},
                                        "organisation": {"per_dim_std": std}}}

    with own_page(browser, "own_models:plain_vae", grey_file) as (page, _):
        many = [0.0] * 10
        got = page.evaluate(SUMMARY_IN_PAGE, [
            model([2.0, 0.003] + many, [1.0, 0.01] + [0.0] * 10),
            model([2.0, 0.0004] + many, [1.0, 0.01] + [0.0] * 10),
            model([2.0, 1.5] + many, [1.0, 0.9] + [0.0] * 10),
            model([], [1.0, 0.05] + [0.001] * 10, variational=False),
        ])
    assert got[0][0] == "11 unused dimensions: KL < 0.003 nats/image each"
    assert got[1][0] == "11 unused dimensions: KL < 0.0004 nats/image each"
    assert got[2][0] == "10 unused dimensions: KL < 0.0001 nats/image each"
    assert got[2][1].split()[:2] == ["0", "1"]
    assert got[3][0] == "11 unused dimensions: variance of the codes < 0.003 each"
