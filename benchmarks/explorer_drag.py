"""How fast does the output follow a dragged point? Latency from pointer event to new output pixels, in Chromium.

    python benchmarks/explorer_drag.py                  # the shipped models, 240 moves
    python benchmarks/explorer_drag.py --moves 600 --ae RUN_DIR --vae RUN_DIR

Starts the explorer (``aevae.explorer.server``) on a free loopback port, opens it in headless Chromium
(Debian's /usr/bin/chromium) and drags a point of the black reconstruction line up and down its axis, one pointer
move at a time. For every move the page records, against the browser's own clock:

- event -> pixels: from the pointer event's timestamp to the moment the decoded image is in the output canvas
  (the "aevae:output" event, raised right after putImageData)
- event -> frame: to the next animation frame, when the new pixels can first reach the screen

Baseline, measured in the same page: one decode of the same model alone (the work the drag cannot avoid).
The target is p95 event -> pixels <= 16 ms (one 60 Hz frame). Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from aevae.explorer.app import create_app
from aevae.explorer.server import bind, bundle_bytes, url_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
FRAME_MS = 1000 / 60

RECORDER = """(root) => {
    const log = {moves: [], pixels: [], frames: []};
    let last = null;
    document.addEventListener('pointermove', (e) => { last = e.timeStamp; log.moves.push(e.timeStamp); }, true);
    root.addEventListener('aevae:output', () => {
        if (last === null) return;
        const start = last;
        log.pixels.push(performance.now() - start);
        requestAnimationFrame(() => log.frames.push(performance.now() - start));
    });
    window.__dragLog = log;  // read back by this benchmark only
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
            const z = new Float64Array(net.latentDim);
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
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        axis = page.locator(".axis").first.bounding_box()
        page.mouse.move(x, y)
        page.mouse.down()
        started = time.perf_counter()
        for i in range(args.moves):
            phase = (i % 80) / 80  # up and down the axis, over its middle 80 %
            offset = (phase * 2 if phase < 0.5 else 2 - phase * 2) - 0.5
            page.mouse.move(x, axis["y"] + axis["height"] * (0.5 - 0.8 * offset))
        wall = time.perf_counter() - started
        page.mouse.up()
        page.wait_for_timeout(100)  # let the last animation frame land
        log = page.evaluate("() => window.__dragLog")
        browser.close()

    pixels, frames, moves = log["pixels"], log["frames"], log["moves"]
    decode_p95 = percentile(decode_ms, 95)
    print(f"scripted drag: {args.moves} pointer moves sent, {len(moves)} received, {len(pixels)} outputs drawn, "
          f"{wall:.2f} s wall ({args.moves / wall:.0f} moves/s driven through the DevTools protocol)")
    print(f"event -> new output pixels: p50 {percentile(pixels, 50):.2f} ms, p95 {percentile(pixels, 95):.2f} ms, "
          f"max {max(pixels):.2f} ms (target p95 <= 16 ms)")
    print(f"event -> next animation frame: p50 {percentile(frames, 50):.2f} ms, p95 {percentile(frames, 95):.2f} ms")
    print(f"baseline, one in-browser decode alone: p50 {statistics.median(decode_ms):.2f} ms, "
          f"p95 {decode_p95:.2f} ms")
    print(f"ratio p95 event -> pixels / p95 decode alone: {percentile(pixels, 95) / decode_p95:.2f}x; "
          f"p95 as a fraction of a 60 Hz frame: {percentile(pixels, 95) / FRAME_MS:.2f}")


if __name__ == "__main__":
    main()
