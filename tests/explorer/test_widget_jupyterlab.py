"""The widget in a real JupyterLab on loopback, driven by headless Chromium: a notebook makes an ``Explorer``, the
explorer appears through anywidget's own runtime and a real kernel, a value set in Python moves the line, and a
drag in the page reaches the kernel's ``w.latent``. Skipped where JupyterLab is not installed.

Screenshot: $AEVAE_ARTIFACTS/widget-jupyterlab.png (default: artifacts/ at the repository root).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import handle_values, save_screenshot

pytest.importorskip("jupyterlab")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELLS = [
    "from aevae import Explorer\n\nw = Explorer()  # the shipped AE and VAE\nw",
    "w.latent = [1.0, -0.5, 0.5, 0.0]  # moves the black line in the page",
    "import json\nprint(json.dumps(w.latent))  # after a drag in the page: the dragged line",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab serving a folder with one notebook, on a free loopback port, with its own config and state."""
    root = tmp_path_factory.mktemp("lab")
    cells = [{"cell_type": "code", "id": f"cell{i}", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for i, source in enumerate(CELLS)]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (root / "explorer.ipynb").write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": kernel},
                                                     "nbformat": 4, "nbformat_minor": 5}))
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no question about Jupyter news popping up over the notebook
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".config"), "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
           "JUPYTER_DATA_DIR": str(root / ".data")}  # so the kernel is this Python's, not one in the user's folders
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
               f"--LabApp.workspaces_dir={root / '.workspaces'}", f"--LabApp.user_settings_dir={root / '.settings'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with open(root / "lab.log", "w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/api", timeout=1)
                break
            except OSError:
                assert proc.poll() is None, (root / "lab.log").read_text()
                time.sleep(0.2)
        yield f"{url}/lab/tree/explorer.ipynb"
    finally:
        proc.terminate()
        proc.wait(30)


def test_the_widget_in_jupyterlab_both_ways(browser: Any, lab: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 1500})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(lab)
    page.wait_for_function("() => window.jupyterapp && jupyterapp.shell.currentWidget?.sessionContext?.session")
    page.evaluate("""async () => {
        const panel = jupyterapp.shell.currentWidget;
        await panel.sessionContext.ready;
        if (!jupyterapp.shell.leftCollapsed) await jupyterapp.commands.execute('application:toggle-left-area');
        await jupyterapp.commands.execute('notebook:run-all-cells');
    }""")
    page.wait_for_selector(".aevae .output-canvas[data-drawn]", timeout=120_000)
    page.wait_for_function("() => document.querySelectorAll('.jp-InputPrompt')[1].textContent.includes('2')",
                           timeout=60_000)  # the cell setting w.latent has run
    page.wait_for_function("(z) => [...document.querySelectorAll('.aevae .handle')].every((h, j) => "
                           "+h.dataset.value === z[j])", arg=[1.0, -0.5, 0.5, 0.0])  # Python -> page

    box = page.locator(".aevae .handle").nth(1).bounding_box()  # page -> Python
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 60, steps=6)
    page.mouse.up()
    dragged = handle_values(page).tolist()
    assert dragged != [1.0, -0.5, 0.5, 0.0]
    # ipywidgets keeps one update in flight and sends the latest state after it: the last moves of a drag may
    # reach the kernel just after a cell run at once, so the cell is run until it prints the dragged line.
    for _ in range(20):
        page.evaluate("""async () => {
            const notebook = jupyterapp.shell.currentWidget.content;
            notebook.activeCellIndex = 2;
            await jupyterapp.commands.execute('notebook:run-cell');
        }""")
        printed = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output")
        printed.wait_for(timeout=60_000)
        page.wait_for_function("() => !document.querySelectorAll('.jp-InputPrompt')[2].textContent.includes('*')")
        if json.loads(printed.text_content()) == dragged:
            break
        time.sleep(0.5)
    assert json.loads(printed.text_content()) == dragged

    page.locator(".jp-Cell").first.scroll_into_view_if_needed()
    save_screenshot(page, "widget-jupyterlab")
    page.close()
    assert not errors, errors
