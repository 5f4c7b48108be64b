"""How long from typing ``aevae explore`` to a meaningful page? Command -> first output image drawn, in Chromium.

    python benchmarks/explorer_startup.py               # 3 cold starts of the real command, shipped models
    python benchmarks/explorer_startup.py --repeats 5

Chromium is started first and kept open (the user's browser is already running; its launch is not the
explorer's). Each repeat then launches the real console script, ``aevae explore --no-browser --port 0``, as a
subprocess, waits for the URL it prints, opens it and stops the clock when the page's output canvas holds its
first decoded image (the "aevae:output" event), taken from the page's own clock (performance.timeOrigin + now).

Split: command -> URL printed (Python start-up, imports, loading the bundle, binding the port) and URL -> output
drawn (fetching the page, its modules and the bundle; parsing; building both networks; the first decode).
Baseline, same run: the page alone against a server already running (a reload), and the time Python takes to
import the CLI's parser and the explorer's server module on their own.
Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # Chromium as the browser tests run it
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

FIRST_OUTPUT_MS = """() => new Promise((done) => {
    const canvas = document.querySelector('.output-canvas[data-drawn]');
    if (canvas) done(performance.timeOrigin + performance.now());
    else document.addEventListener('aevae:output', () => done(performance.timeOrigin + performance.now()),
                                   {once: true, capture: true});
})"""


def aevae_command() -> list[str]:
    """The installed console script (beside this Python), else ``python -m aevae``."""
    script = Path(sys.executable).with_name("aevae")
    return [str(script)] if script.exists() else [sys.executable, "-m", "aevae"]


def import_seconds(statement: str) -> float:
    """Wall time of a fresh Python running ``statement``."""
    started = time.time()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.time() - started


def cold_start(page: object) -> tuple[float, float, str]:
    """Seconds command -> URL printed and URL -> first output drawn, for one launch of the real command."""
    started = time.time()
    proc = subprocess.Popen([*aevae_command(), "explore", "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        url_at = time.time()
        url = re.search(r"http://\S+/", line).group(0)
        page.goto(url, wait_until="commit")
        painted_at = page.evaluate(FIRST_OUTPUT_MS) / 1000
        return url_at - started, painted_at - url_at, url
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    """Run the start-up benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="cold starts to time (default: 3)")
    args = parser.parse_args()
    if not shutil.which(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        colds, warms = [], []
        for _ in range(args.repeats):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            to_url, to_paint, url = cold_start(page)
            colds.append((to_url, to_paint))
            page.close()
        proc = subprocess.Popen([*aevae_command(), "explore", "--no-browser", "--port", "0"],
                                stdout=subprocess.PIPE, text=True)
        url = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
        for _ in range(args.repeats + 1):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            started = time.time()
            page.goto(url, wait_until="commit")
            warms.append(page.evaluate(FIRST_OUTPUT_MS) / 1000 - started)
            page.close()
        proc.terminate()
        proc.wait(10)
        browser.close()
    warms = warms[1:]  # the first load also warms the server's file cache
    totals = [a + b for a, b in colds]
    print(f"aevae explore -> first output drawn (cold, {args.repeats} runs): median {statistics.median(totals):.2f} s, "
          f"runs {', '.join(f'{t:.2f}' for t in totals)} s (target <= 2 s)")
    print(f"  command -> URL printed: median {statistics.median(a for a, _ in colds):.2f} s")
    print(f"  URL -> output drawn:    median {statistics.median(b for _, b in colds):.2f} s")
    print(f"baseline, page alone on a running server: median {statistics.median(warms):.2f} s; "
          f"ratio cold command / page alone: {statistics.median(totals) / statistics.median(warms):.2f}x")
    cli = import_seconds("from aevae.cli import build_parser; build_parser()")
    server = import_seconds("import aevae.explorer.server.serve")
    bare = import_seconds("pass")
    print(f"Python start-up alone {bare:.3f} s; with building the CLI's parser {cli:.2f} s; "
          f"with importing the explorer's server {server:.2f} s")


if __name__ == "__main__":
    main()
