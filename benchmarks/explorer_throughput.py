"""How many decode requests per second does the explorer's server answer under 50 concurrent loopback clients?

    python benchmarks/explorer_throughput.py                       # 50 clients, 40 requests each
    python benchmarks/explorer_throughput.py --clients 50 --requests 100 --batch 8

Launches the real command (``aevae explore --no-browser --port 0``, the shipped models) as a subprocess, warms
it up (the first decode imports PyTorch and builds the model), then runs the clients (httpx, asyncio, one
keep-alive connection each). Every client sends its requests one after the other: POST
/api/models/vae/decode with a fresh random latent (or a batch of them). Reports requests/s, latents/s,
latency percentiles and the number of errors (any non-200 answer or failed connection).

Baseline, same server and clients: GET /api/models (JSON metadata, no PyTorch), so the ratio shows what decoding
costs on top of the HTTP stack. Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time

import httpx
import numpy as np


async def client(base: str, n: int, make_request, latencies: list[float], errors: list[str]) -> None:
    """One client: n requests in sequence on one connection."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
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


def report(name: str, wall: float, latencies: list[float], errors: list[str], per_request: int = 1) -> float:
    """Print one line of figures; returns requests/s."""
    rate = len(latencies) / wall
    ms = sorted(1000 * t for t in latencies)
    print(f"{name}: {len(latencies)} requests in {wall:.2f} s = {rate:.0f} requests/s"
          + (f" ({rate * per_request:.0f} latents/s)" if per_request > 1 else "")
          + f"; latency p50 {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms; "
          f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return rate


def main() -> None:
    """Run the throughput benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--requests", type=int, default=40, help="requests per client (default: 40)")
    parser.add_argument("--batch", type=int, default=1, help="latents per decode request (default: 1)")
    args = parser.parse_args()
    proc = subprocess.Popen([sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
        d = httpx.get(base + "api/models/vae", timeout=30).json()["latent_dim"]
        warm = httpx.post(base + "api/models/vae/decode", json={"latent": [0.0] * d}, timeout=120)
        assert warm.status_code == 200, warm.text
        rng = np.random.default_rng(0)

        async def decode(http: httpx.AsyncClient) -> httpx.Response:
            z = rng.normal(size=(args.batch, d)).tolist()
            return await http.post("/api/models/vae/decode", json={"latents": z})

        async def metadata(http: httpx.AsyncClient) -> httpx.Response:
            return await http.get("/api/models")

        print(f"server: the real 'aevae explore' command, shipped models; {args.clients} concurrent clients x "
              f"{args.requests} requests, {args.batch} latent(s) per decode request")
        base_rate = report("baseline GET /api/models", *asyncio.run(load(base, args.clients, args.requests, metadata)))
        rate = report("POST /api/models/vae/decode", *asyncio.run(load(base, args.clients, args.requests, decode)),
                      per_request=args.batch)
        print(f"ratio decode / metadata throughput: {rate / base_rate:.2f}")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
