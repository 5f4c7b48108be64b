"""Stored-reference screenshots of the explorer's main views (parallel coordinates with the VAE shown and with the
AE shown, the PCA maps, the output with the VAE's samples' strip hidden), at 1280 × 900 CSS pixels in headless
Chromium, so that a visual regression fails a test. See reference_images.py for the tolerance and for how to
refresh the references (AEVAE_UPDATE_REFERENCES=1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.explorer_page import explorer_page
from support.reference_images import assert_matches_reference

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture
def still_page(browser: Any, url: str) -> Iterator[Any]:
    """The shipped explorer at 1280 px with the pointer parked in a corner, so no view shows a hover state."""
    with explorer_page(browser, url, width=1280) as pg:
        pg.mouse.move(0, 0)  # no hover state in any view
        yield pg


def shot(still_page: Any, selector: str) -> bytes:
    element = still_page.locator(selector)
    element.scroll_into_view_if_needed()
    return element.screenshot(animations="disabled", caret="hide")


def test_parallel_coordinates_vae_shown(still_page: Any) -> None:
    still_page.locator(".thumb").nth(21).click()  # a second input: two lines, two bands
    assert_matches_reference(shot(still_page, "svg.parallel"), "explorer/parallel-vae")


def test_parallel_coordinates_ae_shown_vae_greyed(still_page: Any) -> None:
    still_page.locator(".thumb").nth(21).click()
    still_page.locator(".show-ae").check()
    assert_matches_reference(shot(still_page, "svg.parallel"), "explorer/parallel-ae")


def test_pca_maps(still_page: Any) -> None:
    still_page.locator(".thumb").nth(21).click()
    assert_matches_reference(shot(still_page, ".maps"), "explorer/pca-maps")


def test_output(still_page: Any) -> None:
    assert_matches_reference(shot(still_page, ".output"), "explorer/output")
