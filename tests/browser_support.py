"""What the browser tests share: Debian's Chromium, its headless flags and where screenshots go."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("AEVAE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("AEVAE_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


def save_screenshot(page: Any, name: str, **options: Any) -> None:
    """Keep a screenshot of ``page`` as a test artefact, ``$AEVAE_ARTIFACTS/NAME.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), **options)
