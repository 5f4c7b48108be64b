"""What the browser tests share: Debian's Chromium, its headless flags and where screenshots go."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CHROMIUM = os.environ.get("AEVAE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("AEVAE_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))


def save_screenshot(page: Any, name: str, **options: Any) -> None:
    """Keep a screenshot of ``page`` as a test artefact, ``$AEVAE_ARTIFACTS/NAME.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), **options)


def output_pixels(page: Any) -> np.ndarray:
    """The explorer's big output canvas as drawn: grey levels (32, 32) uint8."""
    values = page.evaluate("""() => {
        const c = document.querySelector('.output-canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    }""")
    return np.array(values, np.uint8).reshape(32, 32, 4)[:, :, 0]


def handle_values(page: Any) -> np.ndarray:
    """The latent values of the black reconstruction line's handles, as the page holds them."""
    return np.array([float(v) for v in page.eval_on_selector_all(".handle", "hs => hs.map(h => h.dataset.value)")])


def drag_handle(page: Any, dim: int, dy: float, steps: int = 8) -> None:
    """Drag the black line's handle on axis ``dim`` by ``dy`` CSS pixels (down is positive) with the mouse."""
    box = page.locator(".handle").nth(dim).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + dy, steps=steps)
    page.mouse.up()


def record_traffic(page: Any) -> tuple[list[str], list[str]]:
    """Lists that fill, as the page runs, with the URL of every request it makes and every console or page error."""
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return requests, errors

ALWAYS = {"landmark-main-is-top-level", "landmark-no-duplicate-main", "landmark-unique", "landmark-one-main",
          "empty-table-header", "region"}  # moderate in axe, but what an embedded view gets wrong


def violations(page: Any, context: str = "document") -> list[dict]:
    """axe-core's violations on ``page`` (within ``context``, a selector) that are serious, critical or in ALWAYS."""
    axe = pytest.importorskip("axe_playwright_python")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(Path(axe.__file__).parent / "axe.min.js"))
    found = page.evaluate("""(context) => axe.run(context === 'document' ? document : {include: [[context]]},
            {resultTypes: ['violations']})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.length, where: v.nodes.slice(0, 4).map(n => n.target.join(' '))})))""",
                          context)
    return [v for v in found if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS]


# Text nodes of the explorer drawn smaller than 11 px on screen, as "TAG.class: text size" lines.
SMALL_TEXT = """() => {
    const small = [];
    const walker = document.createTreeWalker(document.querySelector('.aevae'), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || !el.getClientRects().length || el.closest('[hidden], .skip')) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') continue;
        // an SVG's text is scaled with its viewBox: what counts is its size on screen
        const m = el instanceof SVGElement ? el.getScreenCTM() : null;
        const scale = m ? Math.hypot(m.a, m.b) : 1; // a rotated label (an axis title) scales the same
        const size = parseFloat(style.fontSize) * scale;
        if (size < 10.95) small.push(`${el.tagName}.${el.className.baseVal ?? el.className}: "${node.textContent.trim().slice(0, 20)}" ${size.toFixed(1)} px`);
    }
    return small;
}"""


def drag(pg: object, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
    """Press the mouse at ``start``, move it to ``end`` in ``steps`` steps and release it."""
    pg.mouse.move(*start)
    pg.mouse.down()
    pg.mouse.move(*end, steps=steps)
    pg.mouse.up()
