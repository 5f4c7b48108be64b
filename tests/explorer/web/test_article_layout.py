"""The article's Figure 1 at 800, 1280 and 1920 px in a real headless Chromium on the real ``aevae article``: the
arrows between the layer blocks always point at the next block, on its row, and none dangles at the end of a
wrapped row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import save_screenshot
from support.explorer_page import served_explorer

pytestmark = pytest.mark.browser

ARROWS = """() => [...document.querySelectorAll('#fig-ae .block')].map((b) => {
    const r = b.getBoundingClientRect();
    return {top: r.top, left: r.left, right: r.right, bottom: r.bottom,
            after: getComputedStyle(b, '::after').content, before: getComputedStyle(b, '::before').content};
})"""


@pytest.fixture(scope="module")
def article_url() -> Iterator[str]:
    with served_explorer(command="article") as address:
        yield address


@pytest.mark.parametrize("width", [800, 1280, 1920])
def test_figure_1_arrows_lead_to_the_next_block_and_never_dangle(browser: Any, article_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(article_url)
    page.wait_for_selector(".aevae-article[data-ready]")
    page.wait_for_timeout(100)  # the row marks follow the figure's first layout
    blocks = page.evaluate(ARROWS)
    save_screenshot(page.locator("#fig-ae"), f"article-figure-1-{width}")
    page.close()
    assert len(blocks) >= 8
    for k, (block, following) in enumerate(zip(blocks, blocks[1:])):
        same_row = following["top"] < block["bottom"] and following["left"] > block["right"]
        arrow_after = block["after"] not in ("none", "normal")
        arrow_before = following["before"] not in ("none", "normal")
        assert arrow_after == same_row, (k, block, following)  # an arrow after a block only toward its neighbour
        assert arrow_after != arrow_before, k  # exactly one arrow between two blocks: after, or leading the new row
    assert blocks[-1]["after"] in ("none", "normal")


def test_no_text_in_the_article_below_11_px_at_800(browser: Any, article_url: str) -> None:
    from support.browser import SMALL_TEXT

    page = browser.new_page(viewport={"width": 800, "height": 900})
    page.goto(article_url)
    page.wait_for_selector(".aevae-article[data-ready]")
    small = page.evaluate(SMALL_TEXT.replace("document.querySelector('.aevae')", "document.querySelector('.aevae-article')"))
    page.close()
    assert small == []
