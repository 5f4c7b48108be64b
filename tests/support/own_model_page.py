"""The explorer served on a user's own model by the real ``aevae explore --model FACTORY --images DATA``, and a
Chromium page on it: what the own-model tests share."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from support.browser import handle_values, record_traffic
from support.own_models import mlp_vae, with_tests_importable


@contextmanager
def served_own(model: str, data: Path, *options: str) -> Iterator[str]:
    """``aevae explore --model MODEL --images DATA [OPTIONS]`` on a free loopback port; yields the URL it prints
    after the analysis's progress lines."""
    proc = subprocess.Popen([sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0", "--model", model,
                             "--images", str(data), *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=with_tests_importable())
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            match = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if match:
                break
        assert match, "".join(seen)
        yield match.group(0)
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def own_page(browser: Any, model: str, data: Path, *options: str, width: int = 1300
             ) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium page ``width`` CSS pixels wide on ``aevae explore --model MODEL --images DATA [OPTIONS]`` once its
    output is drawn, and the list the URLs it requests fill; fails at the end on any console or page error."""
    with served_own(model, data, *options) as url:
        page = browser.new_page(viewport={"width": width, "height": 1000})
        requests, errors = record_traffic(page)
        page.goto(url)
        page.wait_for_selector(".output-canvas[data-drawn]")
        yield page, requests
        page.close()
    assert not errors, errors


def shows_mlp_decoding(page: Any, output: np.ndarray) -> bool:
    """True when the output canvas (H, W, 3) is the test MLP VAE's decoding of the black line, drawn inverted."""
    with torch.inference_mode():
        want = mlp_vae().decode(torch.tensor(handle_values(page)[None], dtype=torch.float32))[0, 0].numpy()
    return bool(np.abs(output[:, :, 0].astype(int) - np.round(255 * (1 - want))).max() <= 1)


def canvas_rgb(page: Any, selector: str) -> np.ndarray:
    """A canvas as drawn: (H, W, 3) uint8."""
    values = page.evaluate("""(sel) => {
        const c = document.querySelector(sel);
        return [c.width, c.height, Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)];
    }""", selector)
    w, h, data = values
    return np.array(data, np.uint8).reshape(h, w, 4)[:, :, :3]


def wait_for_drawn_after(page: Any, count: int) -> None:
    """Wait until the output canvas has been drawn more than ``count`` times."""
    page.wait_for_function("(n) => Number(document.querySelector('.output-canvas').dataset.drawn) > n", arg=count)


def drawn(page: Any) -> int:
    """How many times the output canvas has been drawn."""
    return int(page.get_attribute(".output-canvas", "data-drawn"))
