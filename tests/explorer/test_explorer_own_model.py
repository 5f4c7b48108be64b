"""Exploring a model aevae did not build: the bundle made from it (aevae.explorer.bundle.own_model), the real
``aevae explore --model MODULE:FACTORY --images FILE`` serving it, and a real Chromium dragging its lines while the
server decodes; bad --model strings and a decoder that raises during a drag.

The models are hand-written in ``own_models.py`` (an MLP VAE with d = 7 on 32×32 grey, a conv AE with a GELU on
64×64 RGB, both decoded by Python): not aevae's classes, untrained and seeded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from aevae.explorer.bundle import Bundle
from aevae.explorer.bundle.own_model import own_model_bundle, python_only

from support.browser import drag_handle, handle_values, record_traffic, save_screenshot
from support.own_model_page import canvas_rgb, drawn, own_page, served_own, shows_mlp_decoding, wait_for_drawn_after
from support.own_models import colour_images, conv_ae, grey_images, mlp_vae, plain_vae, with_tests_importable



@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The grey and the colour images as the .npz files --images reads."""
    root = tmp_path_factory.mktemp("own-data")
    files = {}
    for name, (x, y) in {"grey": grey_images(), "colour": colour_images()}.items():
        files[name] = root / f"{name}.npz"
        np.savez(files[name], images=x, labels=y)
    return files


def test_the_bundle_holds_the_analysis_and_the_gallerys_codes() -> None:
    x, y = colour_images()
    model = conv_ae()
    bundle, models = own_model_bundle(model, x, y)
    bundle = Bundle.from_bytes(bundle.to_bytes())  # as the page receives it
    meta = bundle.model("ae")
    assert meta["decoder"] == "python" and meta["layers"] is None and meta["kind"] == "ae"
    assert meta["latent_dim"] == 5 and meta["image_size"] == 64 and meta["config"]["model"]["channels"] == 3
    images = bundle.arrays["gallery.images"]
    # two classes: six of each, two rows of three
    assert images.shape == (12, 3, 64, 64) and [item["label"] for item in bundle.meta["gallery"]] == ["0"] * 6 + ["1"] * 6
    with torch.inference_mode():
        mu = model.encode(torch.as_tensor(images, dtype=torch.float32) / 255).numpy()
    assert np.abs(bundle.arrays["ae.gallery_mu"] - mu).max() < 1e-5
    assert bundle.arrays["ae.pca_points"].shape == (len(x), 2) and bundle.arrays["ae.quantiles"].shape == (5, 101)
    assert models["ae"] is models["vae"]  # one model fills both slots, analysed once
    assert meta["both_slots"] and bundle.model("vae")["both_slots"]  # the page then offers no "Show AE"


def test_two_models_side_by_side_each_in_its_slot() -> None:
    x, y = grey_images(60)
    ae = ((lambda v: mlp_vae().encode(v)[0]), mlp_vae().decode)  # a pair of callables: an AE made of the VAE's mean
    bundle, _ = own_model_bundle({"ae": ae, "vae": mlp_vae()}, x, y)
    assert bundle.model("ae")["kind"] == "ae" and bundle.model("vae")["kind"] == "vae"
    assert "vae.gallery_sigma" in bundle.arrays and "ae.gallery_sigma" not in bundle.arrays
    assert not bundle.model("ae")["both_slots"]


@pytest.mark.parametrize(("model", "says"), [
    ("no_such_module_xyz:make", "cannot import 'no_such_module_xyz' (from --model no_such_module_xyz:make): "
                                "ModuleNotFoundError"),
    ("own_models:no_such_factory", "own_models has no 'no_such_factory'"),
    ("own_models:broken_factory", "own_models:broken_factory() raised RuntimeError: weights file not found"),
    ("own_models", "--model takes package.module:factory"),
])
def test_a_model_that_cannot_be_loaded_is_summarised_not_a_traceback(data_files: dict[str, Path], model: str,
                                                                      says: str) -> None:
    env = with_tests_importable()
    done = subprocess.run([sys.executable, "-m", "aevae", "explore", "--no-browser", "--model", model, "--images",
                           str(data_files["grey"])], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_bad_images_are_refused_before_the_server_starts(tmp_path: Path) -> None:
    bad = tmp_path / "nan.npz"
    x, y = grey_images(20)
    x[3, 4, 5] = np.nan
    np.savez(bad, images=x, labels=y)
    env = with_tests_importable()
    done = subprocess.run([sys.executable, "-m", "aevae", "explore", "--no-browser", "--model", "own_models:mlp_vae",
                           "--images", str(bad)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and "images hold NaN or infinite values" in done.stderr, done.stderr


@pytest.mark.browser
def test_mlp_vae_end_to_end_drag_decodes_through_the_server(browser: Any, data_files: dict[str, Path]) -> None:
    with own_page(browser, "own_models:mlp_vae", data_files["grey"]) as (page, requests):
        assert page.locator(".handle").count() == 7  # the black line over seven axes
        assert page.locator(".pad").is_visible()  # light blobs on a dark ground: glyphs, so a drawing pad ...
        assert page.locator(".upload-button").is_visible()  # ... and uploads, which the server encodes
        before, count = canvas_rgb(page, ".output-canvas"), drawn(page)
        start = handle_values(page)
        drag_handle(page, 2, -60)
        page.wait_for_function("(z) => Number(document.querySelectorAll('.handle')[2].dataset.value) !== z",
                               arg=float(start[2]))
        page.wait_for_timeout(300)  # the last request of the drag lands
        wait_for_drawn_after(page, count)
        after = canvas_rgb(page, ".output-canvas")
        assert np.abs(after.astype(int) - before).max() > 0
        assert shows_mlp_decoding(page, after)  # the line's image
        assert any(r.endswith("/api/models/vae/decode") for r in requests)
        map_pixels = canvas_rgb(page, '.map[data-slot="vae"] canvas')
        assert (map_pixels != map_pixels[0, 0]).any(0).any()  # the PCA map has points drawn
        assert page.locator(".show-ae").is_hidden()  # one model fills both slots: nothing to switch to
        save_screenshot(page, "own-model-mlp-vae", full_page=True)


@pytest.mark.browser
def test_two_models_of_your_own_switch_with_show_ae(browser: Any, data_files: dict[str, Path]) -> None:
    with own_page(browser, "own_models:ae_and_vae", data_files["grey"]) as (page, requests):
        assert page.locator(".latent-title").inner_text().startswith("VAE")
        page.get_by_label("Show AE").check()  # two models: the switch is there and shows the other one
        assert page.locator(".latent-title").inner_text().startswith("AE")
        count = drawn(page)
        drag_handle(page, 1, 50)
        wait_for_drawn_after(page, count)
        page.wait_for_timeout(300)
        assert any(r.endswith("/api/models/ae/decode") for r in requests)  # the AE's own decoder, in Python
        assert shows_mlp_decoding(page, canvas_rgb(page, ".output-canvas"))


@pytest.mark.browser
def test_conv_ae_on_colour_images_draws_colour_and_decodes(browser: Any, data_files: dict[str, Path]) -> None:
    with own_page(browser, "own_models:conv_ae", data_files["colour"]) as (page, _):
        thumb = canvas_rgb(page, ".thumb-canvas")
        assert thumb.shape == (64, 64, 3) and (thumb[:, :, 0] > thumb[:, :, 2] + 50).any()  # a red square, in red
        before, count = canvas_rgb(page, ".output-canvas"), drawn(page)
        drag_handle(page, 0, 80)
        wait_for_drawn_after(page, count)
        page.wait_for_timeout(300)
        after = canvas_rgb(page, ".output-canvas")
        assert after.shape == (64, 64, 3) and np.abs(after.astype(int) - before).max() > 0
        with torch.inference_mode():
            want = conv_ae().decode(torch.tensor(handle_values(page)[None], dtype=torch.float32))[0].numpy()
        assert np.abs(after.astype(int) - np.round(255 * want.transpose(1, 2, 0))).max() <= 1  # colour, not inverted
        save_screenshot(page, "own-model-conv-ae-colour", full_page=True)


@pytest.mark.browser
def test_a_decoder_that_raises_during_a_drag_shows_its_message_and_the_page_keeps_working(
        browser: Any, data_files: dict[str, Path]) -> None:
    with served_own("own_models:flaky_ae", data_files["grey"]) as url:
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".output-canvas[data-drawn]")
        drag_handle(page, 0, -400)  # to the top of z1's axis, beyond every code of the images
        page.wait_for_selector(".output-error:not([hidden])")
        assert "outside what this decoder was built for" in page.inner_text(".output-error")
        count = drawn(page)
        drag_handle(page, 0, 400)  # back down: decodes again
        wait_for_drawn_after(page, count)
        page.wait_for_selector(".output-error[hidden]", state="attached")
        page.close()


def test_models_that_only_python_runs_say_why() -> None:
    bundle, _ = own_model_bundle(mlp_vae(), *grey_images(30))
    assert python_only(bundle) == {slot: "encoder.m.enc.2: the layer table has no entry for GELU"
                                   for slot in ("ae", "vae")}
    bundle, _ = own_model_bundle(plain_vae(), *grey_images(30))
    assert python_only(bundle) == {} and bundle.model("vae")["layers"]["head"]["encoder_output"] == ["mu", "logvar"]


@pytest.mark.browser
def test_a_plain_chain_is_converted_and_the_page_decodes_it_like_pytorch(browser: Any,
                                                                          data_files: dict[str, Path]) -> None:
    model = plain_vae()
    with own_page(browser, "own_models:plain_vae", data_files["grey"]) as (page, requests):
        zs = np.random.default_rng(0).normal(0, 1, (6, 3)).round(4)
        images = grey_images(4)[0]
        got = page.evaluate("""async ([zs, images]) => {
            const {loadBundle} = await import('/static/js/bundle.js');
            const net = loadBundle(await (await fetch('/api/bundle')).arrayBuffer()).models.vae.net;
            return {decoded: zs.map((z) => Array.from(net.decode(z))),
                    mu: images.map((x) => Array.from(net.encode(Float32Array.from(x.flat())).mu))};
        }""", [zs.tolist(), images.tolist()])
        with torch.inference_mode():
            want = model.decode(torch.tensor(zs, dtype=torch.float32)).flatten(1).numpy()
            mu = model.encode(torch.as_tensor(images)[:, None])[0].numpy()
        assert np.abs(np.array(got["decoded"]) - want).max() < 1e-5  # the page's network is the model's
        assert np.abs(np.array(got["mu"]) - mu).max() < 1e-4
        count = drawn(page)
        drag_handle(page, 1, -50)
        wait_for_drawn_after(page, count)
        assert not any("/decode" in r for r in requests)  # decoded in the page, no server round trip
        assert page.locator(".upload-button").count() == 1  # the page runs this network: it can encode uploads


def test_export_writes_a_converted_model_and_refuses_one_that_needs_python(browser: Any, tmp_path: Path,
                                                                           data_files: dict[str, Path]) -> None:
    def export(model: str, data: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "aevae", "export", "--model", model, "--images", data, "--out",
                               str(tmp_path / "page.html")], capture_output=True, text=True,
                              env=with_tests_importable(), timeout=120)

    done = export("own_models:conv_ae", str(data_files["colour"]))
    assert done.returncode == 2 and not (tmp_path / "page.html").exists()
    assert "needs Python to decode, so a static file cannot show it: encoder.m.enc.2: the layer table has no entry " \
           "for GELU" in done.stderr and "aevae explore --model" in done.stderr, done.stderr
    done = export("own_models:plain_vae", str(data_files["grey"]))
    assert done.returncode == 0, done.stderr
    page = browser.new_page()
    _, errors = record_traffic(page)
    page.goto((tmp_path / "page.html").as_uri())
    page.wait_for_selector(".output-canvas[data-drawn]")
    assert page.locator(".handle").count() == 3
    page.close()
    assert not errors, errors


def test_the_api_encodes_and_decodes_with_your_own_model(data_files: dict[str, Path]) -> None:
    import io

    import httpx
    from PIL import Image

    x, y = colour_images()
    model = conv_ae()
    bundle, _ = own_model_bundle(model, x, y)
    with served_own("own_models:conv_ae", data_files["colour"]) as url, httpx.Client(base_url=url, timeout=30) as c:
        z = [[0.01, -0.02, 0.0, 0.03, 0.0]]
        r = c.post("api/models/ae/decode", json={"latents": z}, headers={"Accept": "application/octet-stream"})
        assert r.status_code == 200 and r.headers["x-aevae-shape"] == "1,3,64,64"
        with torch.inference_mode():
            want = model.decode(torch.tensor(z))[0].numpy()
        assert np.abs(np.frombuffer(r.content, "<f4").reshape(3, 64, 64) - want).max() < 1e-6
        png = io.BytesIO()
        Image.fromarray(np.rint(x[0].transpose(1, 2, 0) * 255).astype(np.uint8)).save(png, "PNG")
        r = c.post("api/models/ae/encode", content=png.getvalue(), headers={"Content-Type": "image/png"})
        assert r.status_code == 200
        assert np.abs(np.array(r.json()["mu"]) - bundle.arrays["ae.gallery_mu"][0]).max() < 1e-3  # the same image
        assert abs(r.json()["bce"] - bundle.arrays["ae.gallery_bce"][0]) < 0.5  # its error (nats/image), as measured
