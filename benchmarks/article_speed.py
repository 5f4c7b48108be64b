"""How fast is the article? First paint after the command, Figure 1's activations, and each update of a figure.

    python benchmarks/article_speed.py                  # 3 cold starts, 60 updates of each kind, shipped models
    python benchmarks/article_speed.py --repeats 5 --updates 200

Chromium is started first and kept open (the user's browser is already running). Figures, in Chromium:

- first paint: the real ``aevae article --no-browser --port 0`` launched as a subprocess; the clock runs from the
  launch to the frame that first paints the article's opening (masthead and Figures 1-4 drawn: ``data-first-paint``)
  and on to the article being fully built (Figures 5-7, the embedded explorer: ``data-ready``), both read
  from the page's own clock. Baseline in the same run: ``aevae explore``, launch -> first output image drawn.
- Figure 1's activations for one input: the whole encoder and decoder run with every layer traced and drawn
  (``data-activations-ms`` after choosing another input); baseline: the decoder half alone (``data-decode-ms``).
- updates within one frame: a Figure 1 bottleneck edit (an input event on its slider), a drag of Figure 2's handle
  along the line between two codes (both models decode), or a click on Figure 3's "Sample ε": the page's
  synchronous work for it (decode, redraw, table), and the time to the next animation frame (which includes
  waiting for the frame boundary); p95 against the 16.7 ms of one frame at 60 Hz.
- Figure 2's larger jobs, decoded a few images per frame: "Draw again" (the prior draws of both models) and the
  two 2-D slice grids (after choosing other dimensions), from the click to the last image drawn, with the longest
  frame's work while they run (a long task would show as a frame over 16.7 ms).

Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

FRAME_MS = 1000 / 60
PAINT = """() => new Promise((done) => {
    // The article stamps the frame that first paints its opening (masthead, Figures 1-3) in data-first-paint,
    // then builds the rest and sets data-ready; the explorer is there when its output image is drawn.
    const poll = () => {
        const app = document.querySelector('#app');
        const explorer = document.querySelector('.output-canvas[data-drawn]') && !app.dataset.firstPaint;
        if (app.dataset.ready || explorer) {
            const now = performance.timeOrigin + performance.now();
            done([app.dataset.firstPaint ? +app.dataset.firstPaint : now, now]);
        } else requestAnimationFrame(poll);
    };
    poll();
})"""
UPDATES = """async ([selector, kind, n]) => {
    const times = [];
    const el = document.querySelector(selector);
    for (let k = 0; k < n; k++) {
        const t0 = performance.now();
        if (kind === 'slider') {
            el.value = String(+el.min + (+el.max - +el.min) * ((k * 37) % 100) / 100);
            el.dispatchEvent(new Event('input'));
        } else el.click();
        const t1 = performance.now();
        await new Promise(requestAnimationFrame);
        times.push([t1 - t0, performance.now() - t0]);
    }
    return times;
}"""


SPREAD = """async ([selector, action, done]) => {
    // Time from the action to the figure's counter `done` going up, and every frame's length meanwhile.
    const el = document.querySelector('#fig-holes .fig-body');
    const before = +(el.dataset[done] || 0);
    const frames = [];
    const t0 = performance.now();
    let last = t0;
    if (action === 'click') document.querySelector(selector).click();
    else {
        const s = document.querySelector(selector);
        s.value = s.value === '0' ? '1' : '0';
        s.dispatchEvent(new Event('change'));
    }
    const firstWork = performance.now() - t0;
    while (+(el.dataset[done] || 0) === before) {
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        frames.push(now - last);
        last = now;
    }
    return [performance.now() - t0, firstWork, Math.max(...frames)];
}"""


def aevae_command() -> list[str]:
    """The installed console script (beside this Python), else ``python -m aevae``."""
    script = Path(sys.executable).with_name("aevae")
    return [str(script)] if script.exists() else [sys.executable, "-m", "aevae"]


def cold_start(page: object, command: str) -> tuple[float, float]:
    """Seconds from launching ``aevae COMMAND`` to first contentful paint, and to the page being ready."""
    started = time.time()
    proc = subprocess.Popen([*aevae_command(), command, "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = re.search(r"http://\S+", proc.stdout.readline())[0]
        page.goto(url)
        paint, ready = page.evaluate(PAINT)
        return paint / 1000 - started, ready / 1000 - started
    finally:
        proc.terminate()
        proc.wait(10)


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="cold starts of each command (default 3)")
    parser.add_argument("--updates", type=int, default=60, help="updates measured of each kind (default 60)")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        starts = {cmd: [cold_start(page, cmd) for _ in range(args.repeats)] for cmd in ("article", "explore")}
        for cmd, runs in starts.items():
            print(f"aevae {cmd}: launch -> first paint {statistics.median(r[0] for r in runs):.2f} s, -> ready "
                  f"{statistics.median(r[1] for r in runs):.2f} s (median of {len(runs)}; runs: "
                  + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in runs) + ")")
        article_ready = statistics.median(r[1] for r in starts["article"])
        explore_ready = statistics.median(r[1] for r in starts["explore"])
        print(f"ratio article ready / explorer ready: {article_ready / explore_ready:.2f}×")

        proc = subprocess.Popen([*aevae_command(), "article", "--no-browser", "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            page.goto(re.search(r"http://\S+", proc.stdout.readline())[0])
            page.wait_for_selector(".aevae-article[data-ready]")
            inputs = page.locator("#fig1-input option").count()
            full, half = [], []
            for k in range(args.updates):
                page.select_option("#fig1-input", index=(k * 7) % inputs)
                full.append(float(page.get_attribute("#fig-ae .fig-body", "data-activations-ms")))
                half.append(float(page.get_attribute("#fig-ae .fig-body", "data-decode-ms")))
            print(f"Figure 1, activations of every layer for one input: median {statistics.median(full):.2f} ms, "
                  f"p95 {p95(full):.2f} ms ({len(full)} inputs); baseline, decoder half alone: median "
                  f"{statistics.median(half):.2f} ms; ratio {statistics.median(full) / statistics.median(half):.1f}×")
            for name, selector, kind in (("Figure 1 bottleneck edit", "#fig-ae .zslider", "slider"),
                                         ("Figure 2 drag along the line (AE and VAE decode)", "#holes-t", "slider"),
                                         ("Figure 3 Sample ε", "#fig-vae .sample-button", "click")):
                times = page.evaluate(UPDATES, [selector, kind, args.updates])
                work, frame = [t[0] for t in times], [t[1] for t in times]
                print(f"{name}: the page's work median {statistics.median(work):.2f} ms, p95 {p95(work):.2f} ms; "
                      f"to the next frame median {statistics.median(frame):.2f} ms, p95 {p95(frame):.2f} ms "
                      f"({len(times)} updates; one frame = {FRAME_MS:.1f} ms)")
            for name, selector, action, done in (("Figure 2 Draw again (prior draws, both models)",
                                                  "#fig-holes .holes-resample", "click", "resampled"),
                                                 ("Figure 2 slice grids (both models)", "#holes-i", "change", "grids")):
                runs = [page.evaluate(SPREAD, [selector, action, done]) for _ in range(max(3, args.updates // 10))]
                total, first, frame = ([r[k] for r in runs] for k in range(3))
                print(f"{name}: click -> last image median {statistics.median(total):.1f} ms; the click's own work "
                      f"median {statistics.median(first):.2f} ms, p95 {p95(first):.2f} ms; longest frame meanwhile "
                      f"median {statistics.median(frame):.1f} ms, max {max(frame):.1f} ms ({len(runs)} runs)")
        finally:
            proc.terminate()
            proc.wait(10)
        browser.close()


if __name__ == "__main__":
    main()
