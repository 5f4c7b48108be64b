"""The explorer server's throughput, latency and memory, measured on the real ``aevae explore`` command.

    python benchmarks/explorer_throughput.py                           # this checkout's server
    python benchmarks/explorer_throughput.py --compare ../main/src     # ... and another checkout's, as the baseline
    python benchmarks/explorer_throughput.py --clients 50 --requests 100 --batch 8

Each server is launched as ``python -m aevae explore --no-browser --port 0`` (the shipped models; with --compare,
PYTHONPATH names the other source tree) and warmed up (the first decode imports PyTorch). Clients are httpx on
loopback, each on one keep-alive connection, sending its requests one after the other. Figures:

1. sequential latency, one client: GET /api/models (JSON metadata, no PyTorch) and POST decode of one latent
2. concurrent clients (default 50): decode requests/s, against GET /api/models requests/s on the same server
3. 256-latent batches, 4 clients: latents/s with a JSON answer and with raw float32 (Accept: application/octet-stream)
4. metadata latency while those batches run: GET /api/models from another process (is the event loop free?)
5. memory: the server's peak resident set (VmHWM in /proc, MiB) before and after the worst accepted upload, a
   4096×4096 RGBA PNG of about 100 kB, sent once and then 4 at once

Figures only; nothing here asserts on time. Errors (any non-200 answer or failed connection) are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image, ImageDraw

BATCH = 256  # latents per request in figures 3 and 4: the API's maximum
BINARY = {"accept": "application/octet-stream"}


@contextlib.contextmanager
def explorer(src: str | None) -> Iterator[tuple[str, int]]:
    """The real command on a free port, importing aevae from ``src`` if given; yields (base URL, process id)."""
    env = {**os.environ, "PYTHONPATH": src} if src else None
    proc = subprocess.Popen([sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        yield re.search(r"http://\S+/", proc.stdout.readline()).group(0), proc.pid
    finally:
        proc.terminate()
        proc.wait(30)  # a server with upload decoder workers ends them first


async def client(base: str, n: int, make_request, latencies: list[float], errors: list[str]) -> None:
    """One client: n requests in sequence on one connection."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for _ in range(n):
            started = time.perf_counter()
            try:
                response = await make_request(http)
                if response.status_code != 200:
                    errors.append(f"{response.status_code}: {response.text[:80]}")
            except httpx.HTTPError as exc:
                errors.append(repr(exc))
            latencies.append(time.perf_counter() - started)


async def load(base: str, clients: int, requests: int, make_request) -> tuple[float, list[float], list[str]]:
    """Run ``clients`` clients of ``requests`` requests each; returns wall seconds, latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    await asyncio.gather(*(client(base, requests, make_request, latencies, errors) for _ in range(clients)))
    return time.perf_counter() - started, latencies, errors


def probe(base: str, start: Any, stop: Any, results: Any) -> None:
    """GET /api/models in sequence on one connection from ``start`` until ``stop``; puts the latencies on ``results``.

    Runs in a process of its own, so the latencies are the server's and not those of the loaded clients' event loop.
    """
    latencies = []
    with httpx.Client(base_url=base, timeout=120) as http:
        start.wait()
        while not stop.is_set():
            started = time.perf_counter()
            http.get("/api/models")
            latencies.append(time.perf_counter() - started)
    results.put(latencies)


def load_and_probe(base: str, clients: int, requests: int, make_request) -> tuple[tuple, list[float]]:
    """``load`` while a probe process sends GET /api/models; returns the load's figures and the probe's latencies."""
    context = multiprocessing.get_context("spawn")
    start, stop, results = context.Event(), context.Event(), context.Queue()
    prober = context.Process(target=probe, args=(base, start, stop, results))
    prober.start()
    time.sleep(2.0)  # the probe's interpreter starts and imports httpx before the load begins
    start.set()
    try:
        figures = asyncio.run(load(base, clients, requests, make_request))
    finally:
        stop.set()
    latencies = results.get(timeout=120)
    prober.join(30)
    return figures, latencies


def percentiles(latencies: list[float]) -> str:
    ms = sorted(1000 * t for t in latencies)
    return (f"p50 {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, "
            f"max {ms[-1]:.1f} ms (n = {len(ms)})")


def report(name: str, wall: float, latencies: list[float], errors: list[str], per_request: int = 1) -> float:
    """Print one line of figures; returns requests/s (latents/s if per_request > 1)."""
    rate = len(latencies) / wall
    print(f"  {name}: {len(latencies)} requests in {wall:.2f} s = {rate:.0f} requests/s"
          + (f" = {rate * per_request:.0f} latents/s" if per_request > 1 else "")
          + f"; latency {percentiles(latencies)}; errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return rate * per_request


def worst_upload() -> bytes:
    """The costliest image the API accepts for its size: 4096×4096 RGBA (the most pixels, 4 bytes each), a ring."""
    img = Image.new("RGBA", (4096, 4096), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((900, 700, 3100, 3300), outline="black", width=220)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def peak_mib(pid: int) -> float:
    """The process's peak resident set size so far (VmHWM), MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def measure(src: str | None, args: argparse.Namespace) -> dict[str, float]:
    """All figures for one server; returns the headline ones by name."""
    out: dict[str, float] = {}
    with explorer(src) as (base, pid):
        d = httpx.get(base + "api/models/vae", timeout=30).json()["latent_dim"]
        warm = httpx.post(base + "api/models/vae/decode", json={"latent": [0.0] * d}, timeout=120)
        assert warm.status_code == 200, warm.text
        rng = np.random.default_rng(0)
        print(f"server: {'this checkout' if src is None else src}, pid {pid}, shipped models (VAE d = {d})")

        async def metadata(http: httpx.AsyncClient) -> httpx.Response:
            return await http.get("/api/models")

        async def decode(http: httpx.AsyncClient) -> httpx.Response:
            z = rng.normal(size=(args.batch, d)).tolist()
            return await http.post("/api/models/vae/decode", json={"latents": z})

        async def batch(http: httpx.AsyncClient, headers: dict | None = None) -> httpx.Response:
            return await http.post("/api/models/vae/decode", json={"latents": rng.normal(size=(BATCH, d)).tolist()},
                                   headers=headers)

        async def batch_binary(http: httpx.AsyncClient) -> httpx.Response:
            return await batch(http, BINARY)

        print("1. one client, sequential requests on one keep-alive connection")
        for name, make in (("GET /api/models", metadata), ("POST decode, 1 latent", decode)):
            wall, latencies, errors = asyncio.run(load(base, 1, args.sequential, make))
            report(name, wall, latencies, errors)
            out[f"sequential {name} p50 (ms)"] = 1000 * statistics.median(latencies)

        print(f"2. {args.clients} concurrent clients x {args.requests} requests")
        base_rate = report("GET /api/models", *asyncio.run(load(base, args.clients, args.requests, metadata)))
        rate = report(f"POST decode, {args.batch} latent(s)", *asyncio.run(load(base, args.clients, args.requests,
                                                                                decode)), per_request=args.batch)
        print(f"  ratio decode / metadata requests/s: {rate / args.batch / base_rate:.2f}")
        out["concurrent decode requests/s"] = rate / args.batch

        print(f"3. {BATCH}-latent batches, 4 clients x 5 requests; 4. GET /api/models from another process meanwhile")
        binary_offered = httpx.post(base + "api/models/vae/decode", json={"latent": [0.0] * d}, headers=BINARY,
                                    timeout=60).headers["content-type"] == "application/octet-stream"
        for name, make in (("JSON", batch), ("raw float32", batch_binary)):
            if name != "JSON" and not binary_offered:
                print(f"  {name}: not offered by this server")
                continue
            figures, meanwhile = load_and_probe(base, 4, 5, make)
            out[f"batch {name} latents/s"] = report(f"batches, {name} answer", *figures, per_request=BATCH)
            print(f"  GET /api/models meanwhile: {percentiles(meanwhile)}")
            p95 = sorted(meanwhile)[int(0.95 * (len(meanwhile) - 1))]
            out[f"metadata p95 during {name} batches (ms)"] = 1000 * p95

        print("5. memory: the worst accepted upload (4096x4096 RGBA PNG)")
        data = worst_upload()
        ring, small = Image.new("L", (64, 64), 0), io.BytesIO()  # warm-up: a small upload loads decoders and model
        ImageDraw.Draw(ring).ellipse((10, 10, 50, 50), outline=255, width=6)
        ring.save(small, format="PNG")
        httpx.post(base + "api/models/vae/encode", content=small.getvalue(), headers={"content-type": "image/png"},
                   timeout=120)
        before = peak_mib(pid)
        started = time.perf_counter()
        one = httpx.post(base + "api/models/vae/encode", content=data, headers={"content-type": "image/png"},
                         timeout=300)
        seconds = time.perf_counter() - started
        after_one = peak_mib(pid)

        async def upload(http: httpx.AsyncClient) -> httpx.Response:
            return await http.post("/api/models/vae/encode", content=data, headers={"content-type": "image/png"})

        wall, _, errors = asyncio.run(load(base, 4, 1, upload))
        after_four = peak_mib(pid)
        print(f"  upload of {len(data) / 1e3:.0f} kB: status {one.status_code} in {seconds:.2f} s; peak resident "
              f"memory {before:.0f} MiB before, {after_one:.0f} MiB after one (+{after_one - before:.0f} MiB), "
              f"{after_four:.0f} MiB after 4 at once (+{after_four - before:.0f} MiB, {wall:.2f} s, "
              f"errors {len(errors)}{f': {errors[0]}' if errors else ''})")
        out["peak RSS extra, one worst upload (MiB)"] = after_one - before
        out["peak RSS extra, 4 worst uploads at once (MiB)"] = after_four - before
    return out


def main() -> None:
    """Run the benchmark (and its baseline, with --compare) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients in figure 2 (default: 50)")
    parser.add_argument("--requests", type=int, default=40, help="requests per client in figure 2 (default: 40)")
    parser.add_argument("--batch", type=int, default=1, help="latents per decode request in figure 2 (default: 1)")
    parser.add_argument("--sequential", type=int, default=100, help="requests in figure 1 (default: 100)")
    parser.add_argument("--compare", metavar="SRC", help="also measure the server of another source tree (its src/)")
    args = parser.parse_args()
    figures = measure(None, args)
    if args.compare:
        baseline = measure(args.compare, args)
        print(f"\nsummary: baseline ({args.compare}) -> this checkout")
        for name, value in figures.items():
            old = baseline.get(name)
            ratio = f"  ({value / old:.2f}x)" if old else ""
            print(f"  {name}: {'n/a' if old is None else f'{old:.1f}'} -> {value:.1f}{ratio}")


if __name__ == "__main__":
    main()
