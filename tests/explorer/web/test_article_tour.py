"""The article's guided tour in a real headless Chromium on the real ``aevae article``: at 800, 1280 and 1920 px
every step's box sits beside the part it describes, never over it, and in view; the panels it dims keep their text
readable (axe-core's colour contrast over the embedded explorer at every step). Screenshots of every step go to
$AEVAE_ARTIFACTS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import save_screenshot
from support.explorer_page import served_explorer
from support.browser import violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def article_url() -> Iterator[str]:
    with served_explorer(command="article") as address:
        yield address


def overlap(a: dict, b: dict) -> float:
    """Area (CSS px²) shared by two bounding boxes."""
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(0.0, w) * max(0.0, h)


@pytest.mark.parametrize("width", [800, 1280, 1920])
def test_every_step_s_box_sits_beside_its_target_in_view(browser: Any, article_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900}, reduced_motion="reduce")
    page.goto(article_url)
    page.wait_for_selector(".aevae-article[data-ready]")
    page.click(".tour-start")
    box = page.locator(".tour-box")
    covered, outside, step = [], [], 0
    while box.is_visible():
        step += 1
        page.wait_for_timeout(50)  # the explorer redraws what the step changed
        b = box.bounding_box()
        t = page.locator(".embedded-explorer .tour-lit").bounding_box()
        if overlap(b, t) > 0:
            covered.append((step, overlap(b, t)))
        if b["y"] < -1 or b["y"] + b["height"] > 901 or b["x"] < 0 or b["x"] + b["width"] > width:  # 1 px: rounding
            outside.append((step, b))
        save_screenshot(page, f"tour-{width}-step-{step}")
        page.locator(".tour-next").click()
    page.close()
    assert step >= 8
    assert covered == [], f"the box covers its target at steps {covered}"
    assert outside == [], f"the box is out of view at steps {outside}"


@pytest.mark.parametrize("width", [800, 1280])
def test_dimmed_panels_keep_their_text_readable(browser: Any, article_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900}, reduced_motion="reduce")
    page.goto(article_url)
    page.wait_for_selector(".aevae-article[data-ready]")
    page.click(".tour-start")
    found, step = {}, 0
    while page.locator(".tour-box").is_visible():
        step += 1
        found[step] = [v for v in violations(page, ".embedded-explorer") if v["id"] == "color-contrast"]
        page.locator(".tour-next").click()
    page.close()
    assert step >= 8 and all(v == [] for v in found.values()), {k: v for k, v in found.items() if v}
