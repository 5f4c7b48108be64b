"""What the browser tests share: Debian's Chromium, its headless flags and where screenshots go."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

CHROMIUM = os.environ.get("AEVAE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("AEVAE_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


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
