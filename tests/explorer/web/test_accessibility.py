"""axe-core over the explorer and the article in a real headless Chromium, at 800 and 1280 px, in the states a
newcomer reaches: the explorer fresh, with six inputs, with Show AE and with samples; the article fresh and with the
guided tour open at every step. No violation of serious or critical impact, and none of the landmark and table-header
rules (moderate in axe) that an embedded page breaks most easily."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import violations
from support.explorer_page import explorer_page, served_explorer

pytestmark = pytest.mark.browser

WIDTHS = (800, 1280)
@pytest.fixture(scope="module")
def article_url() -> Iterator[str]:
    with served_explorer(command="article") as address:
        yield address


@pytest.mark.parametrize("width", WIDTHS)
def test_the_explorer_fresh_with_six_inputs_show_ae_and_samples(browser: Any, url: str, width: int) -> None:
    with explorer_page(browser, url, width) as page:
        found = {"fresh": violations(page)}
        for i in (7, 12, 21, 28, 30):
            page.locator(".thumb").nth(i).click()
        found["six inputs"] = violations(page)
        page.locator(".show-ae").check()
        found["Show AE"] = violations(page)
        page.locator(".show-ae").uncheck()
        page.locator(".sample").click()
        page.wait_for_selector(".sample-thumb")
        found["samples"] = violations(page)
    assert all(v == [] for v in found.values()), found


@pytest.mark.parametrize("width", WIDTHS)
def test_the_article_fresh_and_with_the_tour_open_at_every_step(browser: Any, article_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(article_url)
    page.wait_for_selector(".aevae-article[data-ready]")
    found = {"fresh": violations(page)}
    page.click(".tour-start")
    box = page.locator(".tour-box")
    step = 0
    while box.is_visible():
        step += 1
        found[f"tour step {step}"] = violations(page, ".embedded-explorer")
        page.locator(".tour-next").click()
    page.close()
    assert step >= 8
    assert all(v == [] for v in found.values()), {k: v for k, v in found.items() if v}
