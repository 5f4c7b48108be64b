"""How fast does the output follow a dragged point? Latency from pointer event to new output pixels, in Chromium.

    python benchmarks/explorer_drag.py                  # the shipped models, 240 moves
    python benchmarks/explorer_drag.py --moves 600 --ae RUN_DIR --vae RUN_DIR

Starts the explorer (``aevae.explorer.server.serve``) on a free loopback port, opens it in headless Chromium
(Debian's /usr/bin/chromium) and drags a point of the black reconstruction line up and down its axis, one pointer
move at a time. For every move the page records, on the browser's own clock:

- handler -> pixels: from the start of the pointermove's dispatch (a capturing listener on the document, the
  first code to see it) to the decoded image being in the output canvas (the "aevae:output" event, raised
  right after putImageData): the explorer's own work per move, the figure the 16 ms target is about
- event -> pixels: from the event's timestamp instead. Chromium delivers pointer moves aligned to animation
  frames, so this adds up to a frame of waiting that no page can avoid
- event -> frame: to the next animation frame, when the new pixels can first reach the screen

Baselines, same run: one decode of the same model alone (the work a move cannot avoid), and event -> handler on
a blank page with a no-op listener (what the browser itself adds). Figures only; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from aevae.explorer.server.app import create_app
from aevae.explorer.server.serve import bind, bundle_bytes, url_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # Chromium as the browser tests run it
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

FRAME_MS = 1000 / 60

RECORDER = """(root) => {
    const log = {handler: [], pixels: [], frames: []};
    let event = null;
    let start = null;
    document.addEventListener('pointermove', (e) => { event = e.timeStamp; start = performance.now(); }, true);
    root.addEventListener('aevae:output', () => {
        if (event === null) return;
        const now = performance.now();
        log.handler.push(now - start);
        log.pixels.push(now - event);
        const from = event;
        requestAnimationFrame(() => log.frames.push(performance.now() - from));
    });
    window.__dragLog = log;  // read back by this benchmark only
}"""

BLANK_PAGE_DELAY = """() => {
    window.__delays = [];  // read back by this benchmark only
    document.addEventListener('pointermove', (e) => window.__delays.push(performance.now() - e.timeStamp), true);
}"""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def serve_in_thread(data: bytes) -> str:
    """Serve the explorer app for ``data`` (a bundle) on a free loopback port; returns its URL."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(data), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return url_of(sock)


def main() -> None:
    """Run the drag benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=240, help="pointer moves in the scripted drag (default: 240)")
    parser.add_argument("--ae", type=Path, help="run folder for the AE slot (default: shipped)")
    parser.add_argument("--vae", type=Path, help="run folder for the VAE slot (default: shipped)")
    args = parser.parse_args()
    url = serve_in_thread(bundle_bytes(args.ae, args.vae))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".output-canvas[data-drawn]")
        page.evaluate(RECORDER, page.query_selector(".aevae"))
        decode_ms = page.evaluate("""async () => {
            const {loadBundle} = await import('/static/js/bundle.js');
            const bundle = loadBundle(await (await fetch('/api/bundle')).arrayBuffer());
            const net = bundle.models.vae.net;
            const z = new Float64Array(bundle.models.vae.meta.latent_dim);
            const times = [];
            for (let i = 0; i < 300; i++) {
                z[0] = Math.sin(i);
                const t = performance.now();
                net.decode(z);
                times.push(performance.now() - t);
            }
            return times;
        }""")
        box = page.locator(".handle").first.bounding_box()
        axis = page.locator(".axis").first.bounding_box()
        wall = scripted_drag(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, axis, args.moves)
        page.wait_for_timeout(100)  # let the last animation frame land
        log = page.evaluate("() => window.__dragLog")
        blank = browser.new_page(viewport={"width": 1400, "height": 1000})
        blank.set_content("<div style='height: 900px'></div>")
        blank.evaluate(BLANK_PAGE_DELAY)
        scripted_drag(blank, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, axis, args.moves)
        floor = blank.evaluate("() => window.__delays")
        browser.close()

    handler, pixels, frames = log["handler"], log["pixels"], log["frames"]
    print(f"scripted drag: {args.moves} pointer moves, {len(pixels)} outputs drawn, {wall:.2f} s wall "
          f"({args.moves / wall:.0f} moves/s driven through the DevTools protocol)")
    print(f"handler -> new output pixels: p50 {percentile(handler, 50):.2f} ms, p95 {percentile(handler, 95):.2f} ms, "
          f"max {max(handler):.2f} ms (target p95 <= 16 ms)")
    print(f"event -> new output pixels:   p50 {percentile(pixels, 50):.2f} ms, p95 {percentile(pixels, 95):.2f} ms, "
          f"max {max(pixels):.2f} ms")
    print(f"event -> next animation frame: p50 {percentile(frames, 50):.2f} ms, p95 {percentile(frames, 95):.2f} ms")
    print(f"baseline, one in-browser decode alone: p50 {statistics.median(decode_ms):.2f} ms, "
          f"p95 {percentile(decode_ms, 95):.2f} ms")
    print(f"baseline, event -> no-op handler on a blank page: p50 {percentile(floor, 50):.2f} ms, "
          f"p95 {percentile(floor, 95):.2f} ms")
    p95 = {name: percentile(values, 95) for name, values in
           (("handler", handler), ("pixels", pixels), ("decode", decode_ms), ("floor", floor))}
    print(f"ratios at p95: handler -> pixels / decode alone {p95['handler'] / p95['decode']:.2f}x; "
          f"event -> pixels / blank-page event delay {p95['pixels'] / p95['floor']:.2f}x; "
          f"handler -> pixels / 60 Hz frame {p95['handler'] / FRAME_MS:.2f}")


def scripted_drag(page: object, x: float, y: float, axis: dict, moves: int) -> float:
    """Press at (x, y) and move up and down over the middle 80 % of the axis; returns wall seconds."""
    page.mouse.move(x, y)
    page.mouse.down()
    started = time.perf_counter()
    for i in range(moves):
        phase = (i % 80) / 80
        offset = (phase * 2 if phase < 0.5 else 2 - phase * 2) - 0.5
        page.mouse.move(x, axis["y"] + axis["height"] * (0.5 - 0.8 * offset))
    wall = time.perf_counter() - started
    page.mouse.up()
    return wall


if __name__ == "__main__":
    main()
