"""The explorer by keyboard and screen reader, in a real headless Chromium on the real server: the black line's
handles are sliders with their value, range and percentile spoken and the slider keys; the PCA maps move a cursor
and Enter moves the line there; the drawing pad takes strokes from the keyboard; the first Tab stop is the skip
link."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from aevae.explorer.bundle import Bundle, shipped_bundle_bytes

from support.browser import handle_values, output_pixels, save_screenshot
from support.explorer_page import explorer_page

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


def training_percentile(bundle: Bundle, slot: str, j: int, value: float) -> float:
    """Percentile of ``value`` among the training values of dimension ``j`` (the bundle's stored 0..100th)."""
    q = bundle.arrays[f"{slot}.quantiles"].reshape(-1, 101)[j].astype(np.float64)
    return float(np.interp(value, q, np.arange(101)))


def test_handles_are_sliders_that_speak_value_range_and_percentile(browser: Any, url: str, shipped: Bundle) -> None:
    grid = shipped.arrays["vae.density_grid"]
    with explorer_page(browser, url, 1280) as page:
        handles = page.locator(".handle")
        assert handles.count() == 4
        assert page.locator("svg.parallel").get_attribute("role") != "img"  # an image's children are not spoken
        for j in range(4):
            h = handles.nth(j)
            assert h.get_attribute("role") == "slider" and h.get_attribute("aria-orientation") == "vertical"
            assert abs(float(h.get_attribute("aria-valuemin")) - grid[j, 0]) < 0.01 * abs(grid[j, 0])
            assert abs(float(h.get_attribute("aria-valuemax")) - grid[j, -1]) < 0.01 * abs(grid[j, -1])
            value = float(h.get_attribute("data-value"))
            assert abs(float(h.get_attribute("aria-valuenow")) - value) < 0.01 * max(1, abs(value))
            text = h.get_attribute("aria-valuetext")
            match = re.fullmatch(rf"z{j + 1} = (-?\d+\.\d\d), (\d+(?:\.\d)?)(st|nd|rd|th) percentile of the training codes",
                                 text)
            assert match, text
            assert abs(float(match.group(1)) - value) <= 0.005
            assert abs(float(match.group(2)) - training_percentile(shipped, "vae", j, value)) <= 0.6, text

        h = handles.nth(1)
        h.focus()
        lo, hi = grid[1, 0], grid[1, -1]
        step = (hi - lo) / 50
        before = handle_values(page)[1]
        page.keyboard.press("PageUp")
        assert abs(handle_values(page)[1] - min(hi, before + 10 * step)) < 1e-6
        page.keyboard.press("PageDown")
        page.keyboard.press("PageDown")
        assert abs(handle_values(page)[1] - max(lo, before - 10 * step)) < 1e-6
        page.keyboard.press("End")
        assert abs(handle_values(page)[1] - hi) < 1e-6 and float(h.get_attribute("aria-valuenow")) == pytest.approx(
            float(h.get_attribute("aria-valuemax")))
        assert re.search(r"\b(99\.\d|100)th percentile", h.get_attribute("aria-valuetext"))
        page.keyboard.press("Home")
        assert abs(handle_values(page)[1] - lo) < 1e-6
        assert re.search(r", 0(\.\d)?th percentile", h.get_attribute("aria-valuetext"))
        page.locator(".show-ae").check()  # the AE's own ranges
        ae = shipped.arrays["ae.density_grid"]
        assert abs(float(handles.nth(0).get_attribute("aria-valuemax")) - ae[0, -1]) < 0.01 * abs(ae[0, -1])


def test_the_first_tab_stop_is_the_skip_link_then_the_article_link(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        page.keyboard.press("Tab")
        first = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent]")
        assert first == ["skip", "Skip to the latent plot"]
        assert page.locator(".skip").is_visible()  # shown while it has focus
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('nav')?.className") == "page-switch"
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")  # the skip link takes the keyboard to the plot's first handle
        assert page.evaluate("() => document.activeElement.getAttribute('role')") == "slider"


def test_the_plots_switches_keep_the_keyboards_focus_when_toggled(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        for switch in (".common-scale", ".fit-axes"):
            page.focus(switch)
            page.keyboard.press("Space")  # the plot redraws its axes
            assert page.evaluate(f"() => document.activeElement.matches('{switch}')"), switch
            assert page.locator(switch).is_checked()
            page.keyboard.press("Space")
            assert not page.locator(switch).is_checked()


def test_the_pca_map_takes_a_cursor_from_the_arrow_keys_and_enter_moves_the_line(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        area = page.locator('.pca-map[data-slot="ae"] .map-area')
        overlay = page.locator('.pca-map[data-slot="ae"] .map-overlay')
        assert area.get_attribute("tabindex") == "0" and "arrow keys" in area.get_attribute("aria-label")
        start = np.array([float(overlay.get_attribute("data-marker-x")), float(overlay.get_attribute("data-marker-y"))])
        before = output_pixels(page)
        area.focus()
        for key in ["ArrowRight"] * 4 + ["Shift+ArrowUp"]:
            page.keyboard.press(key)
        status = page.locator('.pca-map[data-slot="ae"] .map-status').text_content()
        assert re.match(r"PC1 -?[\d.]+, PC2 -?[\d.]+; nearest training point: \d", status), status
        assert page.locator('.pca-map[data-slot="ae"] .map-tooltip').is_visible()  # the preview, as on hover
        assert float(overlay.get_attribute("data-marker-x")) == start[0]  # the line waits for Enter
        assert page.locator(".latent-title").text_content().startswith("VAE")
        page.keyboard.press("Enter")
        # the AE is shown and its line sits at the cursor: 4 small steps right, 1 large step up
        assert page.locator(".latent-title").text_content().startswith("AE")
        end = np.array([float(overlay.get_attribute("data-marker-x")), float(overlay.get_attribute("data-marker-y"))])
        size = area.bounding_box()["width"] - 2
        step = max(2, size / 40)
        assert np.abs(end - (start + [4 * step, -5 * step])).max() < 0.6, (start, end, step)
        assert np.abs(output_pixels(page).astype(int) - before).max() > 0
        save_screenshot(page, "keyboard-map-cursor")


def test_the_drawing_pad_takes_strokes_from_the_keyboard(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        page.locator(".pad-preset").focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Shift+Tab")
        page.locator(".pad-preset").select_option("vertical line")
        page.keyboard.press("Tab")  # to "Add stroke"
        assert page.evaluate("() => document.activeElement.className") == "pad-add"
        page.keyboard.press("Enter")
        assert page.locator(".own-inputs .thumb").count() == 1
        row = page.locator('.input-row:has(.input-name:text-is("drawing 1"))')
        assert row.count() == 1
        one = row.locator(".swatch-canvas").screenshot()
        page.locator(".pad-preset").select_option("ring")
        page.locator(".pad-add").press("Enter")  # a second stroke updates the same drawing
        assert page.locator(".own-inputs .thumb").count() == 1
        assert row.locator(".swatch-canvas").screenshot() != one
        save_screenshot(page, "keyboard-pad-strokes")
