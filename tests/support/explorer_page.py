"""The explorer served by the real ``aevae explore`` command and opened in a real headless Chromium, for the view
tests and the stored-reference screenshots."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def served_explorer(*args: str, command: str = "explore") -> Iterator[str]:
    """Run ``aevae explore`` (or ``aevae article``) with ``args`` (default: the shipped models) on a free loopback
    port; yields the page's URL as the command prints it."""
    proc = subprocess.Popen([sys.executable, "-m", "aevae", command, "--no-browser", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/\S*", line)
        assert match, line + proc.stdout.read()
        yield match.group(0)
    finally:
        proc.terminate()
        proc.wait(10)


def watched_page(browser: Any, width: int, height: int, bundle: bytes | None = None) -> tuple[Any, list[str]]:
    """A new page at ``width`` × ``height`` CSS pixels that collects its console errors into the list returned with
    it, and is served ``bundle`` (when given) in place of the server's own."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    if bundle is not None:
        page.route("**/api/bundle", lambda route: route.fulfill(body=bundle, content_type="application/octet-stream"))
    return page, errors


@contextmanager
def explorer_page(browser: Any, url: str, width: int = 1280, height: int = 900,
                  bundle: bytes | None = None) -> Iterator[Any]:
    """A fresh page at ``width`` × ``height`` CSS pixels with the explorer drawn (from ``bundle`` when given instead
    of the shipped one); fails on any console error when the block ends."""
    page, errors = watched_page(browser, width, height, bundle)
    page.goto(url)
    page.wait_for_selector(".output-canvas[data-drawn]")
    try:
        yield page
    finally:
        page.close()
    assert not errors, errors
