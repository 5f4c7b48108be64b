"""Uploads decoded in worker processes: the server's own memory does not hold a decoded frame, a WebP too large to
decode reduced is refused from its header, and the workers answer refusals like the server did."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import httpx
import pytest

from aevae.explorer.server.decoder import DecoderPool
from aevae.explorer.server.requests import MAX_WEBP_PIXELS, ApiError

from support.uploads import IMAGE, peak_mib, worst_upload

@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_decoded_frames_stay_out_of_the_servers_memory() -> None:
    # Four 4096² uploads at once of each format (the WebP at its 2048² limit) raised the server's peak resident
    # memory by a decoded frame or more each (64 MiB for RGBA); decoded elsewhere, only a few KB come back.
    uploads = {fmt: worst_upload(fmt, 2048 if fmt == "WEBP" else 4096)
               for fmt in ("PNG", "WEBP", "TIFF", "GIF", "JPEG", "BMP")}
    proc = subprocess.Popen([sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
        with httpx.Client(base_url=url, timeout=120) as http:  # torch imported, a worker started: warmed up
            warm_up = http.post("/api/models/vae/encode", content=worst_upload("PNG", 64), headers=IMAGE)
            assert warm_up.status_code == 200
        before = peak_mib(proc.pid)
        answers: list[int] = []

        def upload(data: bytes) -> None:
            with httpx.Client(base_url=url, timeout=300) as http:
                while (status := http.post("/api/models/vae/encode", content=data, headers=IMAGE).status_code) == 503:
                    pass  # all slots busy: as a client honouring Retry-After would, again
                answers.append(status)

        for fmt, data in uploads.items():
            threads = [threading.Thread(target=upload, args=(data,)) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(300)
        assert answers == [200] * 4 * len(uploads), answers
        grown = peak_mib(proc.pid) - before
        assert grown < 32, f"the server's peak resident memory grew by {grown:.0f} MiB"
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_webp_too_large_to_decode_reduced_is_refused_from_its_header() -> None:
    # A 4096² lossless WebP of 10 KB cost 85 MiB more at its peak: WebP cannot be decoded reduced.
    pool = DecoderPool(1)
    try:
        side = int(MAX_WEBP_PIXELS**0.5)
        with pytest.raises(ApiError, match=r"WebP image is 4096×4096 pixels.*at most 4,194,304") as refused:
            pool.decode(worst_upload("WEBP", 4096), ("glyph", 32, 1))
        assert refused.value.status == 413
        assert pool.decode(worst_upload("WEBP", side), ("glyph", 32, 1)).shape == (32, 32)  # the limit itself
        assert pool.decode(worst_upload("PNG", 4096), ("glyph", 32, 1)).max() == 1.0  # other formats up to 4096²
    finally:
        pool.close()


def test_a_worker_that_dies_is_replaced() -> None:
    pool = DecoderPool(1)
    try:
        assert pool.decode(worst_upload("PNG", 64), ("glyph", 32, 1)).shape == (32, 32)
        worker = pool.idle.get()
        worker.proc.kill()  # as the OOM killer would
        worker.proc.wait()
        pool.idle.put(worker)
        with pytest.raises(ApiError, match="decoder stopped"):
            pool.decode(worst_upload("PNG", 64), ("glyph", 32, 1))
        assert pool.decode(worst_upload("PNG", 64), ("glyph", 32, 1)).shape == (32, 32)
    finally:
        pool.close()
