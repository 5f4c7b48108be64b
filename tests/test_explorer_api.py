"""The explorer's server: bundle building, the JSON API and its refusals, on a real uvicorn server on loopback.

The models are tiny real runs (an AE with d = 3 and a VAE with d = 2 on a drawn-shapes image folder), analysed
by the real ``analyze_run``, so the tests also show that any latent size and any data set can be explored.
"""

from __future__ import annotations

import io
import json
import re
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

from aevae.data import preprocess_image
from aevae.explorer.server.app import create_app
from aevae.explorer.web import STATIC
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle import Bundle, BundleError, shipped_bundle_bytes
from aevae.explorer.server.requests import MAX_BODY_BYTES, MAX_LATENTS
from aevae.explorer.server.serve import bind, url_of
from aevae.runs import WEIGHTS, load_model
from tiny_runs import ANALYSED_LATENT

LATENT = ANALYSED_LATENT


@pytest.fixture(scope="module")
def runs(analysed_runs: dict[str, Path]) -> dict[str, Path]:
    """A tiny trained and analysed AE (d = 3) and VAE (d = 2)."""
    return analysed_runs


@pytest.fixture(scope="module")
def bundle(runs: dict[str, Path]) -> Bundle:
    return build_bundle(runs, progress=False)


@pytest.fixture(scope="module")
def url(bundle: Bundle) -> Iterator[str]:
    """The explorer app on a free loopback port, served by uvicorn in a thread."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(bundle.to_bytes()), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield url_of(sock)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as c:
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


# --- the bundle ---------------------------------------------------------------------------------------------------


def test_bundle_round_trips_and_holds_the_runs(bundle: Bundle, runs: dict[str, Path]) -> None:
    again = Bundle.from_bytes(bundle.to_bytes())
    for slot, run in runs.items():
        assert again.weights(slot) == (run / WEIGHTS).read_bytes()
        meta = again.model(slot)
        assert meta["latent_dim"] == LATENT[slot] and meta["kind"] == slot
        assert meta["classes"] == ["bar", "ring"]
        assert again.arrays[f"{slot}.quantiles"].shape == (LATENT[slot], 101)
        assert again.arrays[f"{slot}.pca_points"].dtype == np.float16
    kinds = [item["kind"] for item in again.meta["gallery"]]
    assert kinds.count("test") == 2 * 3 and kinds.count("probe") == 3  # 3 per class, 3 probes
    assert again.arrays["gallery.images"].shape == (9, 32, 32)


def test_bundle_refuses_garbage() -> None:
    with pytest.raises(BundleError):
        Bundle.from_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(BundleError):
        Bundle.from_bytes(b"not a bundle at all")


def test_a_run_replaces_one_slot_of_the_shipped_bundle(runs: dict[str, Path]) -> None:
    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    mixed = build_bundle({"ae": None, "vae": runs["vae"]}, shipped, progress=False)
    assert mixed.model("ae") == shipped.model("ae") and mixed.weights("ae") == shipped.weights("ae")
    assert mixed.model("vae")["latent_dim"] == 2
    data = {item["data"] for item in mixed.meta["gallery"] if item["kind"] == "test"}
    assert data == {"mnist", mixed.model("vae")["data"]}  # the shipped AE keeps its digits in the gallery


def test_a_run_without_analysis_is_analysed_first(runs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "vae"
    copy.mkdir()
    for f in runs["vae"].iterdir():
        if f.name != "analysis.safetensors":
            (copy / f.name).write_bytes(f.read_bytes())
    built = build_bundle({"ae": runs["ae"], "vae": copy}, progress=False)
    assert (copy / "analysis.safetensors").is_file() and built.model("vae")["latent_dim"] == 2


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
    expect_error(client.post("/api/models/vae/decode", content=b"{latent: oops"), 400, "not valid JSON")
    expect_error(client.post("/api/models/vae/decode", content=b"\xff\xfe"), 400, "not valid JSON")
    expect_error(client.post("/api/models/gan/decode", json={"latent": [0, 0]}), 404, "unknown model 'gan'")
    expect_error(client.get("/api/models/gan"), 404, "unknown model")
    assert client.get("/api/models/vae/decode").status_code == 405
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

    expect_error(client.post("/api/models/vae/decode", content=chunks()), 413, "exceeds")
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


def raw_get(url: str, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written (no client-side normalisation of '..')."""
    host, port = re.match(r"http://([\d.]+):(\d+)/", url).groups()
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
def test_nothing_outside_the_static_folder_is_served(url: str, target: str) -> None:
    status, reply = raw_get(url, target)
    assert status in (400, 404), reply[:200]
    assert b"def create_app" not in reply and b"root:" not in reply and b"[project]" not in reply
    assert raw_get(url, "/static/explorer.css")[0] == 200  # and the real files still are


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
