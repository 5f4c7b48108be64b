"""What the served page gives a model only Python decodes (its slot says "decoder": "python"): uploads (chosen or
dropped) encoded by the server at the model's own size, grey or colour; the drawing pad for a glyph model, its
strokes encoded by the server; the article, with the figures that need the page's own network said to be missing.

The models are the hand-written ones of ``support.own_models`` (a 28×28 MLP AE, a 32×32 MLP VAE, a 64×64 RGB conv
AE, each with a GELU the layer table has no entry for), served by the real ``aevae explore --model``; Chromium drives
the page, and PyTorch, given the same pictures, says what the page must show.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from aevae.data import prepare_image
from aevae.explorer.bundle import Bundle
from aevae.explorer.bundle.models import BundleModels

from support.browser import handle_values, record_traffic, save_screenshot
from support.own_model_page import canvas_rgb, own_page, served_own
from support.own_models import colour_images, conv_ae, grey_images, mlp_vae, mnist28_ae

pytestmark = pytest.mark.browser

MODELS = {"mnist28_ae": mnist28_ae, "mlp_vae": mlp_vae, "conv_ae": conv_ae}


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The images as the .npz files --images reads: grey 32×32, grey 28×28 (the 32 px blobs resized) and colour
    64×64."""
    root = tmp_path_factory.mktemp("python-path-data")
    grey, labels = grey_images(60)
    grey28 = np.stack([np.asarray(Image.fromarray(im).resize((28, 28), Image.Resampling.LANCZOS)) for im in grey])
    files = {}
    for name, (x, y) in {"grey": (grey, labels), "grey28": (np.clip(grey28, 0, 1), labels),
                         "colour": colour_images()}.items():
        files[name] = root / f"{name}.npz"
        np.savez(files[name], images=x, labels=y)
    return files


def png_bytes(pixels: np.ndarray) -> bytes:
    """(H, W) or (H, W, 3) floats in [0, 1] as a PNG file."""
    out = io.BytesIO()
    Image.fromarray(np.rint(pixels * 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def reference(page: Any) -> BundleModels:
    """The served bundle's axes, to clamp a code as the page clamps the line it snaps to it."""
    return BundleModels(Bundle.from_bytes(httpx.get(page.url + "api/bundle", timeout=30).content))


def wait_for_line_at(page: Any, want: np.ndarray) -> None:
    """Wait until the black line's handles hold ``want`` (to 1e-4): the page snapped to an input with that code."""
    page.wait_for_function("""(want) => {
        const hs = [...document.querySelectorAll('.handle')];
        return hs.length === want.length && hs.every((h, j) => Math.abs(Number(h.dataset.value) - want[j]) < 1e-4);
    }""", arg=[float(v) for v in want], timeout=20_000)


def shows_decoding(page: Any, model: torch.nn.Module) -> bool:
    """True when the output canvas is ``model``'s decoding of the black line (grey drawn inverted, colour as is)."""
    with torch.inference_mode():
        want = model.decode(torch.tensor(handle_values(page)[None], dtype=torch.float32))[0].numpy()  # (C, S, S)
    page.wait_for_timeout(300)  # the newest decode request lands
    got = canvas_rgb(page, ".output-canvas").astype(int)
    expected = np.round(255 * (1 - want[0])) if len(want) == 1 else np.round(255 * want.transpose(1, 2, 0))
    return bool(np.abs((got[:, :, 0] if len(want) == 1 else got) - expected).max() <= 1)


UPLOADS = [  # model, its images, their side and channels, the picture uploaded (any size), how the page gets it
    ("mnist28_ae", "grey28", 28, 1, grey_images(1, seed=3)[0][0], "chosen"),
    ("mlp_vae", "grey", 32, 1, np.asarray(Image.fromarray(grey_images(1, seed=4)[0][0]).resize((45, 60))), "chosen"),
    ("conv_ae", "colour", 64, 3, colour_images(3, seed=5)[0][1].transpose(1, 2, 0), "dropped"),
]


@pytest.mark.parametrize(("name", "data", "side", "channels", "picture", "how"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_an_upload_is_encoded_by_the_server_at_the_models_size(browser: Any, data_files: dict[str, Path], name: str,
                                                                data: str, side: int, channels: int,
                                                                picture: np.ndarray, how: str) -> None:
    model = MODELS[name]().eval()  # as the server runs it (the conv AE has a BatchNorm)
    png = png_bytes(np.clip(picture, 0, 1))
    prep = "glyph" if channels == 1 else "fit"  # grey blobs on black are glyphs (aevae.data.arrays.looks_like_glyphs)
    with own_page(browser, f"own_models:{name}", data_files[data]) as (page, requests):
        assert page.locator(".pad").is_visible() == (prep == "glyph")  # glyphs: a drawing pad besides the upload
        rows = page.locator(".input-row").count()
        if how == "chosen":
            page.locator(".drawpad input[type=file]").set_input_files(
                {"name": "mine.png", "mimeType": "image/png", "buffer": png})
        else:
            outlined = page.evaluate("""(bytes) => {
                const transfer = new DataTransfer();
                transfer.items.add(new File([new Uint8Array(bytes)], 'mine.png', {type: 'image/png'}));
                const pad = document.querySelector('.drawpad');
                const held = (type) => pad.dispatchEvent(new DragEvent(type,
                    {dataTransfer: transfer, bubbles: true, cancelable: true}));
                held('dragover');  // a file held over the upload area outlines it
                const outlined = pad.classList.contains('dropping');
                held('drop');
                return [outlined, pad.classList.contains('dropping')];
            }""", list(png))
            assert outlined == [True, False]
        page.wait_for_selector('.own-inputs .thumb[aria-label="mine.png"]', timeout=20_000)
        assert page.locator(".input-row").count() == rows + 1  # its line and its row
        assert page.locator(".input-row .input-name").last.inner_text() == "mine.png"
        with torch.inference_mode():
            x = torch.as_tensor(prepare_image(Image.open(io.BytesIO(png)), prep, side, channels))
            enc = model.encode(x[None, None] if channels == 1 else x[None])
        mu = (enc[0] if isinstance(enc, tuple) else enc)[0].numpy()
        wait_for_line_at(page, np.array(reference(page).clamp("vae", mu)))  # snapped to the upload's code
        assert shows_decoding(page, model)
        assert page.locator(".pad-status").inner_text() == "Added mine.png."
        assert any(r.endswith("/api/models/ae/encode") for r in requests)  # one model, one request
        thumb = canvas_rgb(page, '.own-inputs .thumb-canvas')
        assert thumb.shape[:2] == (side, side)  # the picture as the model took it
        save_screenshot(page, f"python-upload-{name}", full_page=True)


def test_a_refused_upload_says_why_and_adds_nothing(browser: Any, data_files: dict[str, Path]) -> None:
    with served_own("own_models:mlp_vae", data_files["grey"]) as url:
        page = browser.new_page()
        _, errors = record_traffic(page)
        page.goto(url)
        page.wait_for_selector(".output-canvas[data-drawn]")
        rows = page.locator(".input-row").count()
        page.locator(".drawpad input[type=file]").set_input_files(
            {"name": "black.png", "mimeType": "image/png", "buffer": png_bytes(np.zeros((20, 20)))})
        page.wait_for_function("() => document.querySelector('.pad-status').textContent.includes('blank')")
        assert page.locator(".pad-status").inner_text().startswith("Could not read black.png: the image is blank")
        assert page.locator(".input-row").count() == rows
        page.close()
    assert errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]


def stroke(page: Any, points: list[tuple[float, float]]) -> None:
    """A stroke with the mouse through ``points`` (fractions of the pad)."""
    box = page.locator(".pad").bounding_box()
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for p in at[1:]:
        page.mouse.move(*p, steps=4)
    page.mouse.up()


def pad_code(page: Any, model: torch.nn.Module, side: int) -> np.ndarray:
    """The code ``model`` gives the pad's drawing prepared the glyph way at ``side``, as Python would."""
    grey = canvas_rgb(page, ".pad")[:, :, 0]
    with torch.inference_mode():
        enc = model.encode(torch.as_tensor(prepare_image(grey, "glyph", side, 1))[None, None])
    return (enc[0] if isinstance(enc, tuple) else enc)[0].numpy()


@pytest.mark.parametrize(("name", "data", "side"), [("mnist28_ae", "grey28", 28), ("mlp_vae", "grey", 32)])
def test_the_drawing_pad_of_a_glyph_model_encodes_its_strokes_in_python(browser: Any, data_files: dict[str, Path],
                                                                        name: str, data: str, side: int) -> None:
    model = MODELS[name]().eval()  # as the server runs it (the conv AE has a BatchNorm)
    with own_page(browser, f"own_models:{name}", data_files[data], "--preprocess", "glyph") as (page, requests):
        assert page.locator(".pad").is_visible() and page.locator(".own-title").text_content() == "Draw or upload"
        axes = reference(page)
        stroke(page, [(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)])  # a 7
        page.wait_for_selector('.own-inputs .thumb[aria-label="drawing 1"]', timeout=20_000)
        wait_for_line_at(page, np.array(axes.clamp("vae", pad_code(page, model, side))))
        assert shows_decoding(page, model)
        page.select_option(".pad-preset", "horizontal line")  # a second stroke, from the keyboard's list
        page.click(".pad-add")
        wait_for_line_at(page, np.array(axes.clamp("vae", pad_code(page, model, side))))  # the same drawing, updated
        assert page.locator(".own-inputs .thumb").count() == 1
        page.click(".pad-new")
        stroke(page, [(0.5, 0.15), (0.5, 0.85)])
        page.wait_for_selector('.own-inputs .thumb[aria-label="drawing 2"]', timeout=20_000)
        wait_for_line_at(page, np.array(axes.clamp("vae", pad_code(page, model, side))))
        assert sum(r.endswith("/api/models/ae/encode") for r in requests) == 3  # each stroke, once
        save_screenshot(page, f"python-drawing-{name}", full_page=True)


@pytest.mark.parametrize(("name", "data"), [("mlp_vae", "grey"), ("conv_ae", "colour")])
def test_the_article_opens_and_python_decodes_its_figures(browser: Any, data_files: dict[str, Path], name: str,
                                                          data: str) -> None:
    model = MODELS[name]().eval()
    with served_own(f"own_models:{name}", data_files[data]) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests, errors = record_traffic(page)
        page.goto(url + "article")
        page.wait_for_selector(".aevae-article[data-ready]", state="attached", timeout=60_000)
        assert "in both the AE's place and the VAE's" in page.inner_text(".masthead .models")  # one model, said so
        missing = page.inner_text("#fig-ae .missing")  # Figure 1 runs each layer in the page: said why not, in a line
        assert "decoded by Python" in missing and "the layer table has no entry for GELU" in missing
        page.wait_for_selector(".embedded-explorer .output-canvas[data-drawn]")  # the explorer inside it decodes too
        a, b = (int(page.input_value(s)) for s in (".holes-a", ".holes-b"))
        t = float(page.get_attribute("#fig-holes .fig-body", "data-t"))
        images = Bundle.from_bytes(httpx.get(url + "api/bundle", timeout=30).content).arrays["gallery.images"]
        with torch.inference_mode():
            x = torch.as_tensor(images[[a, b]], dtype=torch.float32) / 255
            enc = model.encode(x if x.dim() == 4 else x[:, None])
            za, zb = (enc[0] if isinstance(enc, tuple) else enc)
            want = model.decode((za + t * (zb - za))[None])[0].numpy()  # Figure 2's image at t, from Python
        expected = np.round(255 * (1 - want[0])) if len(want) == 1 else np.round(255 * want.transpose(1, 2, 0))
        page.wait_for_function("() => document.querySelector('.holes-now-canvas').width > 0")
        page.wait_for_timeout(500)
        got = canvas_rgb(page, '.holes-now[data-slot="vae"] canvas').astype(int)
        assert np.abs((got[:, :, 0] if len(want) == 1 else got) - expected).max() <= 1
        assert any(r.endswith("/api/models/vae/decode") for r in requests)
        if name == "mlp_vae":  # a VAE: Figure 3's sample is decoded by Python as well
            page.wait_for_function("() => document.querySelector('.fig2-output').width === 32")
        save_screenshot(page, f"python-article-{name}", full_page=True)
        page.close()
    assert not errors, errors


def test_the_lines_own_requests_go_first_and_the_other_views_fill_the_gaps(browser: Any,
                                                                           data_files: dict[str, Path]) -> None:
    with own_page(browser, "own_models:mlp_vae", data_files["grey"]) as (page, _):
        sent = page.evaluate("""async () => {
            const {createDecodeQueue} = await import('/static/js/remote.js');
            const sent = [];  // the batches the transport was asked for, as the views' first values
            const answer = [];  // resolves each batch in flight, oldest first
            const decode = createDecodeQueue((slot, latents) => new Promise((resolve) => {
                sent.push(latents.map((z) => z[0]));
                answer.push(() => resolve(latents.map(() => new Float32Array(4))));
            }));
            const settle = () => new Promise((r) => setTimeout(r, 0));
            decode('traversal-0', 'vae', [10]);  // a view, sent at once: the line is idle
            decode('traversal-1', 'vae', [11]);  // queued behind it
            decode('output-vae', 'vae', [1], 'line');  // the line: sent at once, beside the view's request in flight
            decode('output-vae', 'vae', [2], 'line');  // queued behind its own request
            decode('traversal-0', 'vae', [12]);  // joins the queued views
            answer.shift()(); await settle();  // the view's request lands: the line is busy, the views wait
            answer.shift()(); await settle();  // the line's lands: its newest value goes next, alone
            answer.shift()(); await settle();  // ... and only once the line is idle, the views' batch
            return sent;
        }""")
        assert sent == [[10], [1], [2], [11, 12]]
