"""The explorer server's memory and responsiveness under the worst image uploads of each format it reads.

    python benchmarks/explorer_uploads.py                           # this checkout's server
    python benchmarks/explorer_uploads.py --compare ../main/src     # ... and another checkout's, as the baseline

Each server is the real ``python -m aevae explore --no-browser --port 0`` (the shipped models; with --compare,
PYTHONPATH names the other source tree), a fresh one per format, warmed up with a small upload (PyTorch imported,
decoders loaded). For each format, the costliest upload of the largest size it accepts (a ring on a 4096² image:
RGBA PNG, WebP and deflated TIFF, palette GIF, RGB JPEG, 1-bit BMP; WebP also at 2048²) is sent by 4 clients at
once, repeating a 503 (every slot busy) as a client honouring Retry-After would. Meanwhile another process sends
GET /api/models in sequence: its worst latency is how long the server's event loop could not answer (on a busy
machine, also how long it waited for a core). Figures per format:

- the server process's peak resident memory (VmHWM, MiB) gained over the 4 uploads, and the peaks of its decoder
  processes (children), which this checkout uses and a baseline may not
- the 4 uploads' wall time (s), their answers, and GET /api/models latency meanwhile (p50, max, ms)

Figures only; nothing here asserts on time or memory.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from explorer_throughput import explorer  # the real command on a free port (run from benchmarks/)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the uploads the decoder's tests send
from support.uploads import IMAGE, peak_mib, worst_upload

FORMATS = [("PNG", 4096), ("WEBP", 4096), ("WEBP", 2048), ("TIFF", 4096), ("GIF", 4096), ("JPEG", 4096),
           ("BMP", 4096)]


def children(pid: int) -> list[int]:
    """The process ids of a process's children."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def probe(base: str, ready: Any, stop: Any, results: Any) -> None:
    """GET /api/models in sequence until ``stop`` (``ready`` set after the first); puts the latencies (s) on
    ``results``. A process of its own, so its latencies are the server's, not those of the uploading clients."""
    latencies = []
    with httpx.Client(base_url=base, timeout=120) as http:
        http.get("/api/models")
        ready.set()
        while not stop.is_set():
            started = time.perf_counter()
            http.get("/api/models")
            latencies.append(time.perf_counter() - started)
    results.put(latencies)


def four_at_once(base: str, data: bytes) -> tuple[float, list[int]]:
    """4 clients upload ``data`` at once, each repeating a 503; returns wall seconds and the final statuses."""
    statuses: list[int] = []

    def upload() -> None:
        with httpx.Client(base_url=base, timeout=300) as http:
            while (status := http.post("/api/models/vae/encode", content=data, headers=IMAGE).status_code) == 503:
                time.sleep(0.05)
            statuses.append(status)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses


def measure(src: str | None) -> dict[str, float]:
    """All figures for one server source tree, a fresh server per format (peak memory only ever grows); returns the
    headline ones by name."""
    out: dict[str, float] = {}
    context = multiprocessing.get_context("spawn")
    print(f"server: {src or 'this checkout'}, shipped models, a fresh one per format")
    for fmt, side in FORMATS:
        data = worst_upload(fmt, side)
        with explorer(src) as (base, pid):
            httpx.post(base + "api/models/vae/encode", content=worst_upload("PNG", 64), headers=IMAGE, timeout=120)
            server_before = peak_mib(pid)
            ready, stop, results = context.Event(), context.Event(), context.Queue()
            prober = context.Process(target=probe, args=(base, ready, stop, results))
            prober.start()
            ready.wait(120)
            wall, statuses = four_at_once(base, data)
            time.sleep(0.2)  # the probe's request under way at the end completes
            stop.set()
            latencies = sorted(1000 * t for t in results.get(timeout=120)) or [float("nan")]
            prober.join(30)
            server = peak_mib(pid) - server_before
            workers = [peak_mib(child) for child in children(pid)]
        name = f"{fmt} {side}²"
        print(f"  {name}, {len(data) / 1e3:.0f} kB, 4 at once: answers {sorted(statuses)} in {wall:.2f} s; server "
              f"peak resident memory {server_before:.0f} MiB after warm-up, +{server:.0f} MiB; decoder processes' "
              f"peaks {', '.join(f'{w:.0f}' for w in workers) or 'none'} MiB; GET /api/models meanwhile p50 "
              f"{statistics.median(latencies):.1f} ms, max {latencies[-1]:.1f} ms (n = {len(latencies)})")
        out[f"{name}: server peak RSS gained (MiB)"] = server
        out[f"{name}: GET /api/models max latency (ms)"] = latencies[-1]
    return out


def main() -> None:
    """Run the benchmark (and its baseline, with --compare) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", metavar="SRC", help="also measure the server of another source tree (its src/)")
    args = parser.parse_args()
    figures = measure(None)
    if args.compare:
        baseline = measure(args.compare)
        print(f"\nsummary: baseline ({args.compare}) -> this checkout")
        for name, value in figures.items():
            old = baseline.get(name)
            ratio = f"  ({value / old:.2f}x)" if old else ""
            print(f"  {name}: {'n/a' if old is None else f'{old:.1f}'} -> {value:.1f}{ratio}")


if __name__ == "__main__":
    main()
