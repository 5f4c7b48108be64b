"""How fast does the output follow a drag when Python decodes? Your own model through the server, in Chromium.

    python benchmarks/own_model_drag.py               # both models, 300 pointer moves each
    python benchmarks/own_model_drag.py --moves 600
    python benchmarks/own_model_drag.py --large       # d = 64 and d = 512, in the page and through Python

A model the browser cannot build (``aevae.explorer.bundle.own_model``) is decoded by the server: each pointer move
of a drag becomes a request to ``/api/models/SLOT/decode``, coalesced by the page (remote.js: one request in
flight, the newest line kept). Two hand-written models from the tests (``tests/support/own_models.py``), untrained:

- an MLP VAE with d = 7 on 32×32 grey images (target: drag -> new pixels p95 <= 30 ms on loopback)
- a conv AE with d = 5 on 64×64 RGB images (target p95 <= 60 ms)

With ``--large``: MLP VAEs of real latent size, d = 64 (half collapsed) and d = 512 (48 used), each decoded in the
page (their layer table converts: target p95 <= 16 ms, one frame) and through Python (handed over as a pair of
functions, which the page cannot convert: target p95 <= 30 ms). The dragged axis is the first one drawn, the most
used dimension.

The server runs in this process (one PyTorch thread, as ``aevae explore`` sets it), on a free loopback port; the
page in headless Chromium (Debian's /usr/bin/chromium). For every pointer move the page records, on its own
clock, the time from the start of the move's dispatch to the first output drawn for that move or a later one
(a move whose line was replaced before it was sent is shown by the next drawing: that is what the user sees).
Baselines, same run: the model's decode of one latent in Python alone, and one decode request's round trip from
the page with no drag (fetch -> pixels). Figures only; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch
import uvicorn
from playwright.sync_api import sync_playwright

from aevae.explorer.bundle.own_model import own_model_bundle
from aevae.explorer.server.app import create_app
from aevae.explorer.server.serve import bind, url_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test models, Chromium as tests run it
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from explorer_drag import scripted_drag  # noqa: E402  (this folder: the same scripted drag as the in-browser path)
from support.own_models import colour_images, collapsed_mlp_vae, conv_ae, grey_images, mlp_vae, mlp_vae_512  # noqa: E402

TARGETS_MS = {"MLP VAE, 32×32 grey": 30.0, "conv AE, 64×64 RGB": 60.0, "d = 64, in the page": 16.0,
              "d = 512, in the page": 16.0, "d = 64, through Python": 30.0, "d = 512, through Python": 30.0}

RECORDER = """([root, handle, dim]) => {
    const moves = [];  // {t, value}: when each move's dispatch began, the dragged value it set
    const served = [];  // ms from each move to the first drawing of it or a later move
    let next = 0;  // first move not yet served
    let dispatching = false;  // a move's handlers are running: a drawing now (decoded in the page) is of that move
    document.addEventListener('pointermove', () => { moves.push({t: performance.now(), value: null}); dispatching = true; }, true);
    window.addEventListener('pointermove', () => {  // after the page's handlers: the value this move set
        moves[moves.length - 1].value = document.querySelectorAll('.handle')[handle].getAttribute('data-value');
        dispatching = false;
    });
    root.addEventListener('aevae:output', (e) => {
        const now = performance.now();
        const value = String(e.detail.latent[dim]);
        let j = moves.length - 1;
        if (!dispatching) while (j >= next && moves[j].value !== value) j--;
        for (; next <= j; next++) served.push(now - moves[next].t);
    });
    window.__served = served;  // read back by this benchmark only
}"""

ROUND_TRIP = """async ([slot, d]) => {
    const times = [];
    for (let i = 0; i < 100; i++) {
        const z = Array.from({length: d}, (_, j) => 0.01 * Math.sin(i + j));
        const t = performance.now();
        const r = await fetch(`api/models/${slot}/decode`, {method: 'POST', headers: {'Content-Type':
            'application/json', Accept: 'application/octet-stream'}, body: JSON.stringify({latents: [z]})});
        new Float32Array(await r.arrayBuffer());
        times.push(performance.now() - t);
    }
    return times;
}"""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def serve_in_thread(bundle: bytes, models: dict) -> str:
    """Serve the explorer for a user's models on a free loopback port; returns its URL."""
    sock = bind("127.0.0.1", 0)
    app = create_app(bundle, torch_threads=1, own_models=models)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return url_of(sock)


def decode_alone(model: torch.nn.Module, d: int) -> list[float]:
    """Milliseconds of 100 single-latent decodes in Python, one PyTorch thread."""
    times = []
    with torch.inference_mode():
        for i in range(100):
            z = torch.full((1, d), 0.01 * np.sin(i))
            start = time.perf_counter()
            model.decode(z)
            times.append(1000 * (time.perf_counter() - start))
    return times


def drag_handle(page: object, dim: int, moves: int) -> float:
    """Drag handle ``dim`` up and down the middle 80 % of its axis, one pointer move at a time; wall seconds."""
    box = page.locator(".handle").nth(dim).bounding_box()
    axis = page.locator(".axis").nth(dim).bounding_box()
    return scripted_drag(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, axis, moves)


def run(browser: object, name: str, model: torch.nn.Module, images: np.ndarray, labels: np.ndarray,
        moves: int) -> None:
    """Benchmark one model and print its figures."""
    bundle, wrapped = own_model_bundle(model, images, labels)
    where = "the page" if bundle.model("vae").get("decoder") != "python" else "Python"
    torch.set_num_threads(1)  # as aevae explore's server does
    d = wrapped["vae"].cfg.latent_dim
    url = serve_in_thread(bundle.to_bytes(), wrapped)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_selector(".output-canvas[data-drawn]")
    round_trip = page.evaluate(ROUND_TRIP, ["vae", d])
    dim = int(page.get_attribute(".handle", "data-dim"))  # the first axis drawn: the most used dimension
    page.evaluate(RECORDER, [page.query_selector(".aevae"), 0, dim])
    wall = drag_handle(page, 0, moves)
    page.wait_for_timeout(300)  # the last request lands
    served = page.evaluate("() => window.__served")
    page.close()
    alone = decode_alone(wrapped["vae"], d)
    p95 = percentile(served, 95)
    print(f"{name} (d = {d}, decoded by {where}): {moves} pointer moves in {wall:.2f} s ({moves / wall:.0f} moves/s), "
          f"{len(served)} served")
    print(f"  drag -> new pixels: p50 {percentile(served, 50):.2f} ms, p95 {p95:.2f} ms, max {max(served):.2f} ms "
          f"(target p95 <= {TARGETS_MS[name]:g} ms)")
    print(f"  baseline, one decode request from the page, no drag (fetch -> pixels): p50 "
          f"{percentile(round_trip, 50):.2f} ms, p95 {percentile(round_trip, 95):.2f} ms")
    print(f"  baseline, model.decode of one latent in Python alone: p50 {percentile(alone, 50):.2f} ms, "
          f"p95 {percentile(alone, 95):.2f} ms")
    print(f"  ratios at p95: drag / round trip {p95 / percentile(round_trip, 95):.2f}x; "
          f"drag / decode alone {p95 / percentile(alone, 95):.1f}x; drag / target {p95 / TARGETS_MS[name]:.2f}")


def main() -> None:
    """Run the drag benchmark on both models and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=300, help="pointer moves per model (default: 300)")
    parser.add_argument("--large", action="store_true", help="MLP VAEs with d = 64 and 512, page and Python")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        if args.large:
            for d, make in ((64, collapsed_mlp_vae), (512, mlp_vae_512)):
                run(browser, f"d = {d}, in the page", make(), *grey_images(), args.moves)
                model = make().eval()  # plain functions, which the page cannot convert: Python decodes
                run(browser, f"d = {d}, through Python", (lambda x, m=model: m.encode(x), lambda z, m=model: m.decode(z)),
                    *grey_images(), args.moves)
        else:
            run(browser, "MLP VAE, 32×32 grey", mlp_vae(), *grey_images(), args.moves)
            run(browser, "conv AE, 64×64 RGB", conv_ae(), *colour_images(), args.moves)
        browser.close()


if __name__ == "__main__":
    main()
