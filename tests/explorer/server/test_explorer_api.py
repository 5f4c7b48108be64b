"""The explorer's server: bundle building, the JSON API and its refusals, on a real uvicorn server on loopback.

The models are tiny real runs (an AE with d = 3 and a VAE with d = 2 on a drawn-shapes image folder), analysed
by the real ``analyze_run``, so the tests also show that any latent size and any data set can be explored.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
import uvicorn
from PIL import Image, ImageDraw
from starlette.applications import Starlette

from aevae.data import preprocess_image, to_uint8
from aevae.explorer.server import app as server_app
from aevae.explorer.server.app import create_app
from aevae.explorer.server.connections import server_config
from aevae.explorer.server.origins import OriginGuard
from aevae.explorer.web import STATIC
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle import Bundle
from aevae.explorer.server.requests import MAX_BODY_BYTES, MAX_LATENTS
from aevae.explorer.server.serve import bind, url_of
from aevae.runs import load_model
from support.tiny_runs import ANALYSED_LATENT

LATENT = ANALYSED_LATENT
JSON = {"content-type": "application/json"}
IMAGE = {"content-type": "image/png"}



@contextlib.contextmanager
def served(app: Starlette) -> Iterator[str]:
    """``app`` on a free loopback port, served by uvicorn in a thread; yields its URL."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(server_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def app_url(bundle: Bundle) -> Iterator[str]:
    """The explorer app on a free loopback port."""
    with served(create_app(bundle.to_bytes())) as address:
        yield address


@pytest.fixture(scope="module")
def client(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app_url, timeout=30) as c:
        yield c


def png(img: Image.Image, **save) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=save.pop("format", "PNG"), **save)
    return buf.getvalue()


def digit_like(mode: str = "L", size: int = 64) -> Image.Image:
    """A white ring on black (or the mode's equivalent), off-centre so normalisation has work to do."""
    img = Image.new("L", (size, size), 0)
    ImageDraw.Draw(img).ellipse((10, 8, 40, 50), outline=255, width=6)
    return img if mode == "L" else img.convert(mode)


def expect_error(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert re.search(words, response.json()["error"], re.I), response.json()


def still_serving(client: httpx.Client) -> None:
    response = client.post("/api/models/vae/decode", json={"latent": [0.0, 0.0]})
    assert response.status_code == 200


# --- reading the API ----------------------------------------------------------------------------------------------


def test_page_bundle_and_metadata(client: httpx.Client, bundle: Bundle) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'import { loadBundle, mount } from "./static/js/explorer.js"' in page.text
    module = client.get("/static/js/explorer.js")
    assert module.status_code == 200 and "javascript" in module.headers["content-type"]
    served = client.get("/api/bundle")
    assert served.headers["content-type"] == "application/octet-stream"
    assert Bundle.from_bytes(served.content).meta == bundle.meta
    models = client.get("/api/models").json()["models"]
    assert {s: m["latent_dim"] for s, m in models.items()} == LATENT
    vae = client.get("/api/models/vae").json()
    assert vae["variational"] and vae["info"]["input_bits"] == 32 * 32 * 8


def test_decode_matches_pytorch(client: httpx.Client, runs: dict[str, Path]) -> None:
    z = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    response = client.post("/api/models/ae/decode", json={"latents": z.tolist()})
    assert response.status_code == 200
    images = np.array(response.json()["images"], np.float32)
    _, model = load_model(runs["ae"])
    with torch.no_grad():
        expected = model.decode(torch.from_numpy(z))[:, 0].numpy()
    assert images.shape == (5, 32, 32) and np.abs(images - expected).max() < 1e-6
    one = client.post("/api/models/ae/decode", json={"latent": z[0].tolist()}).json()["images"]
    assert np.abs(np.array(one[0]) - expected[0]).max() < 1e-6


def test_encode_pixels_and_files_match_pytorch(client: httpx.Client, runs: dict[str, Path]) -> None:
    img = digit_like()
    _, model = load_model(runs["vae"])
    x = preprocess_image(img)
    with torch.no_grad():
        enc = model.encode(torch.from_numpy(x)[None, None])
    by_pixels = client.post("/api/models/vae/encode", json={"pixels": np.asarray(img).tolist()}).json()
    by_file = client.post("/api/models/vae/encode", content=png(img), headers={"content-type": "image/png"}).json()
    for result in (by_pixels, by_file):
        assert np.allclose(result["mu"], enc.mu[0].numpy(), atol=1e-5)
        assert np.allclose(result["sigma"], enc.sigma[0].numpy(), atol=1e-5)
        assert np.abs(np.array(result["image"]) - x).max() < 1e-6
    ae = client.post("/api/models/ae/encode", content=png(img), headers={"content-type": "image/png"}).json()
    assert len(ae["mu"]) == 3 and ae["sigma"] is None


# --- refusals: each answered with a 4xx and a message, and the server keeps serving --------------------------------


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"latent": [0.0, 0.0, 0.0]}, 422, "has 2 values; got 3"),
    ({"latent": [0.0]}, 422, "has 2 values; got 1"),
    ({"latent": ["0.5", 1]}, 422, "numbers only"),
    ({"latent": [True, 0.0]}, 422, "numbers only"),
    ({"latent": [None, 0.0]}, 422, "numbers only"),
    ({"latent": [[0.0, 0.0], [1.0]]}, 422, "rectangular|list of numbers"),
    ({"latent": 3}, 422, "list of numbers"),
    ({"latent": []}, 422, "numbers only"),
    ({"z": [0, 0]}, 422, 'send {"latent"'),
    ({"latent": [0, 0], "latents": [[0, 0]]}, 422, 'send {"latent"'),
    ({"latents": [[0.0, 0.0]] * (MAX_LATENTS + 1)}, 413, f"at most {MAX_LATENTS}"),
])
def test_bad_latents_are_refused(client: httpx.Client, body: dict, status: int, words: str) -> None:
    expect_error(client.post("/api/models/vae/decode", json=body), status, words)
    still_serving(client)


@pytest.mark.parametrize("text", ['{"latent": [NaN, 0]}', '{"latent": [Infinity, 0]}', '{"latent": [-Infinity, 0]}',
                                  '{"latent": [1e999, 0]}'])
def test_nan_and_infinity_are_refused(client: httpx.Client, text: str) -> None:
    response = client.post("/api/models/vae/decode", content=text, headers={"content-type": "application/json"})
    expect_error(response, 422, "finite")
    still_serving(client)


def test_malformed_requests_are_refused(client: httpx.Client) -> None:
    expect_error(client.post("/api/models/vae/decode", content=b"{latent: oops", headers=JSON), 400, "not valid JSON")
    expect_error(client.post("/api/models/vae/decode", content=b"\xff\xfe", headers=JSON), 400, "not valid JSON")
    expect_error(client.post("/api/models/gan/decode", json={"latent": [0, 0]}), 404, "unknown model 'gan'")
    expect_error(client.get("/api/models/gan"), 404, "unknown model")
    expect_error(client.get("/api/models/vae/decode"), 405, "method not allowed")
    expect_error(client.get("/api/nothing/here"), 404, "not found")
    expect_error(client.post("/api/models/vae/encode", json={"pixels": [[0, 1], [2]]}), 422, "rectangular")
    expect_error(client.post("/api/models/vae/encode", content=b'{"pixels": [[NaN]]}',
                             headers={"content-type": "application/json"}), 422, "finite")
    expect_error(client.post("/api/models/vae/encode", json={"pixels": [[0] * 2000]}), 422, "at most")
    expect_error(client.post("/api/models/vae/encode", json={"image": []}), 422, "pixels")
    still_serving(client)


def test_oversized_bodies_are_refused(client: httpx.Client) -> None:
    big = b"0" * (MAX_BODY_BYTES + 1)
    expect_error(client.post("/api/models/vae/encode", content=big, headers={"content-type": "image/png"}), 413,
                 "at most")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
        for _ in range(MAX_BODY_BYTES // 2**20 + 2):
            yield b"0" * 2**20

    expect_error(client.post("/api/models/vae/decode", content=chunks(), headers=JSON), 413, "exceeds")
    still_serving(client)


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (Pillow checks the size before decoding)."""
    data = bytearray(png(Image.new("L", (1, 1))))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr: ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4: ihdr + 13]))
    data[ihdr + 13: ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize(("data", "status", "words"), [
    (b"", 400, "empty"),
    (b"hello, I am a text file named digit.png\n", 415, "not an image"),
    (png(digit_like())[:60], 422, "damaged or truncated"),
    (png(digit_like())[:8] + b"\x00" * 200, 415, "not an image"),
    (bomb_png(100_000, 100_000), 413, "decompression bomb|pixels"),
    (png(Image.new("L", (5000, 4000))), 413, "at most"),  # 20 Mpx of zeros: a few kB of file
])
def test_bad_uploads_are_refused(client: httpx.Client, data: bytes, status: int, words: str) -> None:
    response = client.post("/api/models/vae/encode", content=data, headers={"content-type": "image/png"})
    expect_error(response, status, words)
    still_serving(client)


def test_multipart_uploads_are_refused_with_advice(client: httpx.Client) -> None:
    response = client.post("/api/models/vae/encode", files={"file": ("digit.png", png(digit_like()), "image/png")})
    expect_error(response, 415, "request body")


@pytest.mark.parametrize("name", ["cmyk-jpeg", "16-bit", "palette", "alpha", "grey-alpha", "1-bit", "gif", "webp"])
def test_unusual_image_modes_are_normalised_like_the_data_layer(client: httpx.Client, runs: dict[str, Path],
                                                                name: str) -> None:
    ring = digit_like()
    if name == "alpha":  # dark strokes on a transparent sheet
        img = Image.new("RGBA", ring.size, (0, 0, 0, 0))
        img.paste((20, 20, 20, 255), mask=ring)
    make = {
        "cmyk-jpeg": lambda: png(ring.convert("CMYK"), format="JPEG", quality=95),
        "16-bit": lambda: png(Image.fromarray(np.asarray(ring).astype(np.uint16) * 257)),
        "palette": lambda: png(ring.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE)),
        "alpha": lambda: png(img),
        "grey-alpha": lambda: png(Image.merge("LA", (ring, ring))),
        "1-bit": lambda: png(ring.convert("1")),
        "gif": lambda: png(ring, format="GIF"),
        "webp": lambda: png(ring, format="WEBP", lossless=True),
    }
    data = make[name]()
    response = client.post("/api/models/vae/encode", content=data, headers={"content-type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    with Image.open(io.BytesIO(data)) as original:
        expected = preprocess_image(original)
    assert np.abs(np.array(response.json()["image"]) - expected).max() < 1e-6
    assert np.array(response.json()["image"]).max() == pytest.approx(1.0)  # the ring was found, whatever the mode


# --- nothing outside the static folder ---------------------------------------------------------------------------


def raw_get(app_url: str, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written (no client-side normalisation of '..')."""
    host, port = re.match(r"http://([\d.]+):(\d+)/", app_url).groups()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1]), reply


@pytest.mark.parametrize("target", [
    "/static/../app.py",
    "/static/../../explorer/app.py",
    "/static/%2e%2e/app.py",
    "/static/..%2fapp.py",
    "/static/js/../../app.py",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/static//etc/passwd",
    "/static/..%5capp.py",
    "/static/%252e%252e/app.py",
    "/../../../../etc/passwd",
    "/static/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd",
])
def test_nothing_outside_the_static_folder_is_served(app_url: str, target: str) -> None:
    status, reply = raw_get(app_url, target)
    assert status in (400, 404), reply[:200]
    assert b"def create_app" not in reply and b"root:" not in reply and b"[project]" not in reply
    assert raw_get(app_url, "/static/explorer.css")[0] == 200  # and the real files still are


def test_static_folder_has_only_the_page() -> None:
    files = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())
    assert all(f.endswith((".js", ".css", ".html")) for f in files), files


# --- the command -------------------------------------------------------------------------------------------------


def test_aevae_explore_serves_any_two_runs(runs: dict[str, Path]) -> None:
    cmd = [sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0",
           "--ae", str(runs["ae"]), "--vae", str(runs["vae"])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line
        models = httpx.get(match.group(0) + "api/models", timeout=30).json()["models"]
        assert {s: m["latent_dim"] for s, m in models.items()} == LATENT
        assert models["vae"]["source"] == str(runs["vae"].resolve())
    finally:
        proc.terminate()
        proc.wait(10)


def test_aevae_explore_names_a_bad_run(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "aevae", "explore", "--no-browser", "--vae", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and str(tmp_path) in result.stderr and "Traceback" not in result.stderr


def test_gallery_json_is_plain(bundle: Bundle) -> None:
    json.dumps(bundle.meta, allow_nan=False)  # the page parses it with JSON.parse: no NaN, no Infinity


# --- limits: large and stalled uploads, busy encodes, host names, origins, absurd values --------------------------------


def host_port(app_url: str) -> tuple[str, int]:
    host, port = re.match(r"http://([\d.]+):(\d+)/", app_url).groups()
    return host, int(port)


def read_reply(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer with a Content-Length from a raw socket: status, headers (lower-case names), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection (after {data[:200]!r})"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(lines[0].split(" ", 2)[1]), headers, body


# 1. memory and concurrency of uploads

WORST_UPLOAD = """
import io, resource, sys
from PIL import Image, ImageDraw
from aevae.explorer.server.requests import image_from_file
data = sys.stdin.buffer.read()
small = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
ImageDraw.Draw(small).ellipse((10, 10, 50, 50), outline="black", width=5)
buf = io.BytesIO()
small.save(buf, format="PNG")
image_from_file(buf.getvalue())  # every code path warmed up: only the large image's own memory is measured below
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
image = image_from_file(data)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, image.max())
"""


def test_a_large_upload_costs_at_most_100_mib() -> None:
    # A 4096×4096 RGBA PNG (about 90 kB; no accepted upload decodes to more bytes) took 1 GiB to normalise at full
    # size. Measured in a fresh process that never held the image, from its peak resident memory (ru_maxrss, KiB)
    # before and after the one upload.
    big = Image.new("RGBA", (4096, 4096), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((900, 700, 3100, 3300), outline="black", width=220)
    data = png(big)
    del big
    result = subprocess.run([sys.executable, "-c", WORST_UPLOAD], input=data, capture_output=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(Path(server_app.__file__).parents[3])})  # aevae tested
    assert result.returncode == 0, result.stderr.decode()
    extra_mib, peak = result.stdout.split()
    assert len(data) < 200_000 and float(peak) == 1.0
    assert float(extra_mib) <= 100, f"one upload of {len(data):,} bytes raised peak memory by {float(extra_mib)} MiB"


def test_a_large_upload_is_normalised_much_as_at_full_size(client: httpx.Client) -> None:
    big = Image.new("L", (4000, 3000), 255)  # a pen "7" on paper, photographed large: reduced 7× before normalising
    ImageDraw.Draw(big).line([(1500, 800), (2500, 800), (1900, 2300)], fill=0, width=120)
    finer = preprocess_image(big.resize((1000, 750), Image.Resampling.LANCZOS))  # full size would take 1 GiB here
    for fmt in ("PNG", "JPEG"):
        response = client.post("/api/models/vae/encode", content=png(big, format=fmt), headers=IMAGE)
        assert response.status_code == 200, response.text
        difference = np.abs(np.array(response.json()["image"]) - finer)
        assert difference.max() < 0.15 and difference.mean() < 0.005, (fmt, difference.max(), difference.mean())


def stalled_upload(host: str, port: int, sent: bytes = b"", length: int = 1000) -> socket.socket:
    """A socket that has sent the headers of an image upload of ``length`` bytes and ``sent`` of them."""
    sock = socket.create_connection((host, port), timeout=30)
    sock.sendall(f"POST /api/models/vae/encode HTTP/1.1\r\nHost: {host}\r\nContent-Type: image/png\r\n"
                 f"Content-Length: {length}\r\n\r\n".encode() + sent)
    return sock


def test_uploads_that_stall_hold_no_encode_slot(app_url: str, client: httpx.Client,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Two uploads that never finish held both slots for as long as their sockets stayed open, and every other
    # encode got 503; a slot is now taken only once a body is complete.
    monkeypatch.setattr(server_app, "ENCODE_WAIT_S", 0.5)
    host, port = host_port(app_url)
    stalled = [stalled_upload(host, port, png(digit_like())[:100]) for _ in range(server_app.MAX_ENCODES + 1)]
    try:
        time.sleep(1.0)  # the stalled requests have reached the app and are reading their bodies
        for _ in range(3):
            response = client.post("/api/models/vae/encode", content=png(digit_like()), headers=IMAGE)
            assert response.status_code == 200, response.text
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize("trickle", [False, True])
def test_a_body_that_stalls_or_trickles_gets_408_and_is_closed(app_url: str, trickle: bool,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A body must arrive within BODY_GRACE_S plus its length at MIN_BODY_RATE: 1 s + 2,000 bytes at 2,000 B/s here.
    monkeypatch.setattr(server_app, "BODY_GRACE_S", 1.0)
    monkeypatch.setattr(server_app, "MIN_BODY_RATE", 2000)
    host, port = host_port(app_url)
    started = time.monotonic()
    with stalled_upload(host, port, b"x" * 10, length=2000) as sock:
        while trickle and time.monotonic() - started < 10 and not select.select([sock], [], [], 0.1)[0]:
            sock.sendall(b"x" * 10)  # 10 bytes every 0.1 s: never silent for long, but the body would take 20 s
        status, headers, answer = read_reply(sock)  # without a deadline: no answer, and a timeout after 30 s
        assert status == 408 and headers["connection"] == "close", answer
        assert re.search(r"\d+ of 2,000 bytes", json.loads(answer)["error"]), answer
        assert sock.recv(1) == b""  # closed: the rest of that body will never be read


def test_bodies_held_at_once_are_bounded(bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    # Bodies are read before a slot is taken, so their bytes, all requests together, are bounded instead.
    monkeypatch.setattr(server_app, "MAX_PENDING_BYTES", 5000)
    upload = png(digit_like(size=56), compress_level=0)  # about 3.3 kB: more than the 1 kB left, less than 5 kB
    with served(create_app(bundle.to_bytes())) as address, httpx.Client(base_url=address, timeout=30) as http:
        host, port = host_port(address)
        with stalled_upload(host, port, b"x" * 4000, length=8000):
            deadline = time.monotonic() + 20
            while (response := http.post("/api/models/vae/encode", content=upload, headers=IMAGE)).status_code == 200:
                assert time.monotonic() < deadline, "the stalled upload's 4,000 bytes were never counted"
            expect_error(response, 503, "bodies")
        assert http.post("/api/models/vae/encode", content=upload, headers=IMAGE).status_code == 200


def test_encodes_beyond_the_slots_wait_then_get_503(app_url: str, client: httpx.Client,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Slots are held while work is done: 4096 × 4096 uploads (about a second of work each) fill them, and an
    # encode that cannot get a slot within ENCODE_WAIT_S gets 503.
    monkeypatch.setattr(server_app, "ENCODE_WAIT_S", 0.01)
    big = Image.new("RGBA", (4096, 4096), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((900, 700, 3100, 3300), outline="black", width=220)
    data = png(big)
    answers: list[int] = []

    def upload() -> None:  # as a client that honours Retry-After would
        with httpx.Client(base_url=app_url, timeout=120) as http:
            while (status := http.post("/api/models/vae/encode", content=data, headers=IMAGE).status_code) == 503:
                time.sleep(0.05)
            answers.append(status)

    workers = [threading.Thread(target=upload) for _ in range(2 * server_app.MAX_ENCODES)]
    for worker in workers:
        worker.start()
    statuses = []
    while any(worker.is_alive() for worker in workers) and 503 not in statuses:
        response = client.post("/api/models/vae/encode", content=png(digit_like()), headers=IMAGE)
        statuses.append(response.status_code)
    for worker in workers:
        worker.join(120)
    assert answers == [200] * len(workers)
    assert 503 in statuses, statuses
    expect_error(response, 503, "busy encoding")
    assert response.headers["retry-after"] == "1"
    response = client.post("/api/models/vae/encode", content=png(digit_like()), headers=IMAGE)
    assert response.status_code == 200, response.text


# 2. other web sites and DNS rebinding


@pytest.mark.parametrize("headers", [
    {"host": "evil.example"},
    {"host": "evil.example:8765"},
    {"host": "127.0.0.1.evil.example"},
    {"host": "localhost.evil.example"},
    {"host": ""},
    {"host": "evil.example@127.0.0.1"},  # userinfo, which a URL parser skips: never part of a Host header
    {"host": "[::1].nip.io"},  # an IPv6 literal with a name after it
    {"host": "127.0.0.1:80:80"},  # two ports
    {"host": "127.0.0.1:http"},
    {"host": "127.0.0.1 evil.example"},
    {"host": "[::1"},
    {"host": "[localhost]"},
])
def test_requests_for_other_host_names_are_refused(client: httpx.Client, headers: dict[str, str]) -> None:
    for path in ("/api/models", "/api/bundle", "/"):
        expect_error(client.get(path, headers=headers), 403, "refused a request for Host")
    expect_error(client.post("/api/models/vae/decode", json={"latent": [0, 0]}, headers=headers), 403, "Host")


def test_loopback_names_are_answered(app_url: str) -> None:
    _, port = host_port(app_url)
    for host in ("127.0.0.1", "localhost", "LOCALHOST", "[::1]", f"localhost:{port}", "127.0.0.1:9999"):
        assert httpx.get(app_url + "api/models", headers={"host": host}).status_code == 200, host


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},  # sandboxed frames and file:// pages
    {"origin": "http://localhost:3000"},  # another server on this machine is another origin
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site"},
])
def test_cross_origin_api_requests_are_refused(client: httpx.Client, headers: dict[str, str]) -> None:
    expect_error(client.post("/api/models/vae/decode", json={"latent": [0, 0]}, headers=headers), 403,
                 "refused .*(cross-origin|another site)")
    expect_error(client.get("/api/models", headers=headers), 403, "--allow-origin")
    assert client.get("/", headers=headers).status_code == 200  # a link from anywhere may still open the page
    still_serving(client)


@pytest.mark.parametrize(("served", "answered", "refused"), [
    ("0.0.0.0", ["192.168.1.20:8765", "[fe80::1]", "localhost", socket.gethostname()],
     ["evil.example", "1.2.3.4.nip.io", "evil.example@10.0.0.7", "[::1].nip.io", "10.0.0.7:80:80", "[10.0.0.7]"]),
    ("::", ["10.0.0.7", "[::1]:8765"], ["evil.example", "[::1]evil.example", "::1"]),
    ("myhost.lan", ["myhost.lan:8765", "MyHost.LAN", "127.0.0.1"], ["192.168.1.20", "evil.example"]),
])
def test_hosts_answered_follow_the_address_served(served: str, answered: list[str], refused: list[str]) -> None:
    guard = OriginGuard(None, host=served)
    for host in answered:
        assert guard.refusal("/api/models", {"host": host}) is None, host
    for host in refused:
        assert "refused a request for Host" in guard.refusal("/api/models", {"host": host}), host


def test_same_origin_requests_are_answered(client: httpx.Client, app_url: str) -> None:
    same = {"origin": app_url.rstrip("/"), "sec-fetch-site": "same-origin"}
    assert client.post("/api/models/vae/decode", json={"latent": [0, 0]}, headers=same).status_code == 200
    assert client.get("/api/models", headers={"sec-fetch-site": "none"}).status_code == 200  # typed in the bar


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", None])
def test_posts_need_a_json_or_image_content_type(client: httpx.Client, kind: str | None) -> None:
    # These are the types a page elsewhere may POST without asking first (a CORS "simple" request).
    headers = {"content-type": kind} if kind else {}
    body = json.dumps({"latent": [0, 0]}).encode()
    expect_error(client.post("/api/models/vae/decode", content=body, headers=headers), 415, "application/json")
    expect_error(client.post("/api/models/vae/encode", content=png(digit_like()), headers=headers), 415,
                 "image file")


def test_an_allowed_origin_may_call_the_api(bundle: Bundle) -> None:
    app = create_app(bundle.to_bytes(), allow_origins=["https://Example.org/"])
    with served(app) as address, httpx.Client(base_url=address) as http:
        origin = {"origin": "https://example.org", "sec-fetch-site": "cross-site"}
        preflight = http.options("/api/models/vae/decode", headers={
            **origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://example.org"
        assert "content-type" in preflight.headers["access-control-allow-headers"]
        answer = http.post("/api/models/vae/decode", json={"latent": [0, 0]}, headers=origin)
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://example.org"
        assert http.get("/api/models", headers={"host": "example.org"}).status_code == 200  # behind its proxy
        expect_error(http.get("/api/models", headers={"origin": "https://example.com"}), 403, "--allow-origin")


def test_a_malformed_allowed_origin_is_refused_at_start(bundle: Bundle) -> None:
    result = subprocess.run([sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0",
                             "--allow-origin", "example.org/page"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "not an origin: 'example.org/page'" in result.stderr
    assert "Traceback" not in result.stderr


# 3. every bad input a JSON 4xx, every unexpected error a JSON 500, and the connection kept


@pytest.mark.parametrize(("text", "status", "words"), [
    ('{"latent": [1e38, 0]}', 422, "within ±1e\\+06"),  # fits float32, but the shipped decoder's output was NaN
    ('{"latent": [-1e38, 1e38]}', 422, "within ±"),
    ('{"latent": [1e39, 0]}', 422, "within ±"),  # beyond float32
    ('{"latent": [1' + "0" * 300 + ', 0]}', 422, "within ±"),
    ('{"latent": [1' + "0" * 5000 + ', 0]}', 422, "too long"),
    ('{"latent": [1' + "0" * 308 + ', 0]}', 422, "within ±"),  # integers of 309 to 4,300 digits
    ('{"latent": [-1' + "0" * 4299 + ', 0]}', 422, "finite.*float64's range"),
    ('{"latent": [1' + "0" * 400 + ', 0.5]}', 422, "finite.*float64's range"),
    ('{"latent": [1' + "0" * 20 + ', 0.5]}', 422, "within ±"),  # beyond int64 beside a float
    ('{"latents": [[1' + "0" * 400 + ', 0], [1, 2]]}', 422, "finite.*float64's range"),
    ('{"latent": [1e400, 0]}', 422, "finite"),
    ('{"latent": ' + "[" * 5000 + "]" * 5000 + "}", 400, "nested too deeply"),
    ('{"latent": [' + "[" * 50 + "0" + "]" * 50 + ", 0]}", 422, "rectangular|numbers"),
])
def test_absurd_values_get_a_json_4xx_on_a_kept_connection(app_url: str, text: str, status: int, words: str) -> None:
    host, port = host_port(app_url)
    with socket.create_connection((host, port), timeout=30) as sock:  # one connection for both requests
        for body, expected in ((text, status), ('{"latent": [0, 0]}', 200)):
            sock.sendall(f"POST /api/models/vae/decode HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
            got, headers, answer = read_reply(sock)
            assert got == expected and headers["content-type"] == "application/json", answer[:300]
            if expected != 200:
                assert re.search(words, json.loads(answer)["error"], re.I), answer[:300]


def test_pixels_of_absurd_size_are_refused_with_json(client: httpx.Client) -> None:
    expect_error(client.post("/api/models/vae/encode", content=b'{"pixels": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                             headers=JSON), 400, "nested too deeply")
    expect_error(client.post("/api/models/vae/encode", content=b'{"pixels": [[1' + b"0" * 5000 + b', 0]]}',
                             headers=JSON), 422, "too long")
    for digits in (310, 4300):  # beyond float64, within what Python's JSON parser reads
        for row in (b"[1" + b"0" * (digits - 1) + b", 0]", b"[-1" + b"0" * (digits - 1) + b", 0.5]"):
            expect_error(client.post("/api/models/vae/encode", content=b'{"pixels": [' + row + b", [0, 1]]}",
                                     headers=JSON), 422, "finite|range")
    still_serving(client)


def test_an_unexpected_error_is_a_json_500_and_the_connection_stays(bundle: Bundle) -> None:
    broken = Bundle.from_bytes(bundle.to_bytes())  # weights that are not a safetensors file: a server-side fault
    broken.arrays["vae.weights"] = np.frombuffer(b"not weights at all" * 10, np.uint8).copy()
    with served(create_app(broken.to_bytes())) as address:
        host, port = host_port(address)
        with socket.create_connection((host, port), timeout=60) as sock:
            body = b'{"latent": [0, 0]}'
            sock.sendall(f"POST /api/models/vae/decode HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            status, headers, answer = read_reply(sock)
            assert status == 500 and "internal error" in json.loads(answer)["error"]
            sock.sendall(f"GET /api/models HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert read_reply(sock)[0] == 200


# 4. no Nagle delay on a kept connection


def test_sequential_requests_on_one_connection_are_not_delayed(app_url: str) -> None:
    # Without TCP_NODELAY each answer's body waited for the client's delayed ACK (about 40 ms) on a kept connection,
    # while a fresh connection (Linux acknowledges at once while a connection is new) was not delayed. The ratio of
    # the two medians was about 40; it should be about 1 (kept connections save the handshake).
    host, port = host_port(app_url)
    request = f"GET /api/models/vae HTTP/1.1\r\nHost: {host}\r\n".encode()

    def timed(sock: socket.socket, last: bool) -> float:
        started = time.perf_counter()
        sock.sendall(request + (b"Connection: close\r\n\r\n" if last else b"\r\n"))
        assert read_reply(sock)[0] == 200
        return time.perf_counter() - started

    def connect() -> socket.socket:
        sock = socket.create_connection((host, port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # the client sends each request in one write
        return sock

    with connect() as sock:
        kept = [timed(sock, last=False) for _ in range(25)]
    fresh = []
    for _ in range(25):
        with connect() as sock:
            fresh.append(timed(sock, last=True))
    ratio = np.median(kept) / np.median(fresh)
    assert ratio < 3, f"kept connection p50 {1e3 * np.median(kept):.1f} ms, fresh {1e3 * np.median(fresh):.1f} ms"


# 5. batches in binary, and big bodies refused before they are read


def test_decode_answers_raw_pixels_on_request(client: httpx.Client) -> None:
    z = np.random.default_rng(1).normal(size=(MAX_LATENTS, 2)).tolist()
    as_json = np.array(client.post("/api/models/vae/decode", json={"latents": z}).json()["images"])
    raw = {}
    for dtype in ("float32", "uint8"):
        answer = client.post(f"/api/models/vae/decode?dtype={dtype}", json={"latents": z},
                             headers={"accept": "application/octet-stream"})
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/octet-stream"
        assert answer.headers["x-aevae-shape"] == f"{MAX_LATENTS},32,32" and answer.headers["x-aevae-dtype"] == dtype
        raw[dtype] = np.frombuffer(answer.content, dtype).reshape(MAX_LATENTS, 32, 32)
    assert np.abs(raw["float32"] - as_json).max() <= 5e-7 + 1e-9  # JSON's 6 decimals, float32's last bit
    assert np.array_equal(raw["uint8"], to_uint8(raw["float32"]))  # a quarter of float32's bytes
    expect_error(client.post("/api/models/vae/decode?dtype=float64", json={"latents": z},
                             headers={"accept": "application/octet-stream"}), 422, "dtype must be")


def test_decode_takes_latents_as_raw_float32_bytes(client: httpx.Client) -> None:
    z = np.random.default_rng(2).normal(size=(5, 2)).astype("<f4")
    as_json = np.array(client.post("/api/models/vae/decode", json={"latents": z.tolist()}).json()["images"])
    raw = {"content-type": "application/octet-stream"}
    answer = client.post("/api/models/vae/decode", content=z.tobytes(), headers=raw)
    assert answer.status_code == 200 and np.abs(np.array(answer.json()["images"]) - as_json).max() == 0
    expect_error(client.post("/api/models/vae/decode", content=z.tobytes()[:-4], headers=raw), 422,
                 r"a multiple of 8 bytes\); got 36 bytes")
    expect_error(client.post("/api/models/vae/decode", content=np.array([[np.nan, 0]], "<f4").tobytes(),
                             headers=raw), 422, "must be finite")
    expect_error(client.post("/api/models/vae/decode", content=np.zeros((MAX_LATENTS + 1, 2), "<f4").tobytes(),
                             headers=raw), 413, f"at most {MAX_LATENTS} latents")
    expect_error(client.post("/api/models/vae/decode", content=b"0.5", headers={"content-type": "text/plain"}), 415,
                 "Content-Type: application/json")


def test_a_decode_body_too_big_for_256_latents_is_refused_unread(app_url: str) -> None:
    # 8 MiB of JSON took the server a second or more to parse only to be refused; the answer now comes from the
    # declared size alone, while the client has sent none of the body.
    host, port = host_port(app_url)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"POST /api/models/vae/decode HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {MAX_BODY_BYTES}\r\n\r\n".encode())
        status, _, answer = read_reply(sock)
    assert status == 413 and f"room for {MAX_LATENTS} latents of 2 values" in json.loads(answer)["error"]


# 6. blank images


@pytest.mark.parametrize("image", [Image.new("L", (64, 64), 0), Image.new("RGB", (300, 200), (200, 180, 40)),
                                   Image.new("RGBA", (64, 64), (0, 0, 0, 0)), Image.new("L", (4096, 4096), 255)])
def test_a_blank_image_is_refused(client: httpx.Client, image: Image.Image) -> None:
    response = client.post("/api/models/vae/encode", content=png(image), headers={"content-type": "image/png"})
    expect_error(response, 422, "blank")
    expect_error(client.post("/api/models/ae/encode", json={"pixels": [[0.5] * 20] * 20}), 422, "blank")


# --- a colour model: inputs prepared its way, colour answers ----------------------------------------------------------

def test_a_colour_model_encodes_uploads_its_way_and_decodes_colour(sprite_runs: dict[str, Path],
                                                                    sprites_home: Path) -> None:
    bundle = build_bundle({"ae": sprite_runs["colour"], "vae": sprite_runs["colour"]}, progress=False)
    photo = Image.new("RGB", (90, 60), (0, 0, 0))
    ImageDraw.Draw(photo).ellipse((30, 15, 60, 45), fill=(230, 40, 30))  # a red disc, wider than tall
    with served(create_app(bundle.to_bytes())) as address, httpx.Client(base_url=address, timeout=30) as c:
        answer = c.post("/api/models/vae/encode", content=png(photo), headers=IMAGE)
        assert answer.status_code == 200, answer.text
        image = np.array(answer.json()["image"])
        assert image.shape == (3, 32, 32)  # fit: colour kept, not an MNIST glyph
        assert image[0, 16, 16] > 0.8 and image[2, 16, 16] < 0.3 and image[:, 0, 0].max() == 0
        _, model = load_model(sprite_runs["colour"])
        with torch.no_grad():
            mu = model.encode(torch.as_tensor(image, dtype=torch.float32)[None]).mu[0].numpy()
        assert np.abs(np.array(answer.json()["mu"]) - mu).max() < 1e-4
        drawn = c.post("/api/models/vae/encode", json={"pixels": np.eye(40).tolist()})  # a drawn stroke, grey
        assert np.array(drawn.json()["image"]).shape == (3, 32, 32)
        decoded = c.post("/api/models/vae/decode", json={"latents": [[0.0, 0.0], [1.0, -1.0]]})
        assert np.array(decoded.json()["images"]).shape == (2, 3, 32, 32)
        raw = c.post("/api/models/vae/decode", json={"latent": [0.0, 0.0]},
                     headers={"accept": "application/octet-stream"})
        assert raw.headers["x-aevae-shape"] == "1,3,32,32" and len(raw.content) == 3 * 32 * 32 * 4
