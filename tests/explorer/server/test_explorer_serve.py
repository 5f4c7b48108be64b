"""``aevae explore`` where no browser can be opened: it says so and prints the URL to open, then keeps serving."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading

import httpx


def test_explore_without_a_browser_says_so_and_prints_the_url() -> None:
    env = {**os.environ, "BROWSER": "false"}  # webbrowser's launcher for $BROWSER: a command that fails
    proc = subprocess.Popen([sys.executable, "-m", "aevae", "explore", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()  # read in a thread: a command that says nothing must fail, not hang
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        first, second = lines.get(timeout=60), lines.get(timeout=30)
        url = re.search(r"http://127\.0\.0\.1:\d+/", first).group(0)
        assert "No browser could be opened" in second and url in second
        assert httpx.get(url, timeout=10).status_code == 200  # the server is up all the same
    finally:
        proc.terminate()
        proc.wait(10)
