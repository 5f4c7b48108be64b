"""The explorer page in a real headless Chromium (Playwright driving Debian's chromium), served by the real
``aevae explore`` command with the shipped models: every interaction of the view, and parity of the in-browser
decoder, encoder and image normalisation with PyTorch and aevae.data.preprocess_image.

Screenshots go to $AEVAE_ARTIFACTS (default: artifacts/ at the repository root).
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors

from aevae.data import load_probes, prepare_image, preprocess_image
from aevae.data.probes import PROBES
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.models import BundleModels
from aevae.models.layers import layer_table

from support.architectures import ARCHITECTURES, architecture
from support.browser import drag, handle_values, output_pixels, save_screenshot

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


def centre(pg: object, selector: str, index: int = 0) -> tuple[float, float]:
    box = pg.locator(selector).nth(index).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def expected_output(reference: BundleModels, slot: str, z: np.ndarray) -> np.ndarray:
    """What the output canvas should show for latent z: PyTorch's decoding, inverted (black on white), as uint8."""
    image = reference.decode(slot, z[None].astype(np.float32))[0]
    return np.round(255 * (1 - image)).astype(np.uint8)


# --- the view -----------------------------------------------------------------------------------------------------


def test_page_loads_with_every_view(page: object, shipped: Bundle) -> None:
    assert page.locator(".thumb").count() == len(shipped.meta["gallery"])
    assert page.locator(".violin").count() == 4 and page.locator(".axis").count() == 4
    assert page.locator(".input-line").count() == 1  # the first test image, selected at start
    assert page.locator(".pca-map").count() == 2 and page.locator(".legend-item").count() == 10
    assert page.locator(".info-table td").count() == 2 * 6
    assert output_pixels(page).std() > 10  # a digit, not a blank square


def test_selecting_two_inputs_draws_two_coloured_lines(page: object) -> None:
    page.locator(".thumb").nth(7).click()
    lines = page.locator(".input-line")
    assert lines.count() == 2
    colours = page.eval_on_selector_all(".input-line .mu", "ls => ls.map(l => l.getAttribute('stroke'))")
    assert len(set(colours)) == 2 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert page.locator(".sigma-band").count() == 2  # the VAE's ±σ bands
    assert page.locator('.thumb[aria-pressed="true"]').count() == 2
    page.locator(".thumb").nth(7).click()  # and deselecting removes the line
    assert page.locator(".input-line").count() == 1


def most_active_dim(shipped: Bundle) -> int:
    """The VAE's latent dimension with the largest KL: the one whose value the decoder listens to most."""
    return int(np.argmax(shipped.model("vae")["metrics"]["kl_nats_per_dim"]))


def test_dragging_a_point_changes_the_output_as_pytorch_decodes(page: object, reference: BundleModels,
                                                                 shipped: Bundle) -> None:
    before = output_pixels(page)
    x, y = centre(page, ".handle", most_active_dim(shipped))
    drag(page, (x, y), (x, y - 80))
    after = output_pixels(page)
    assert np.abs(after.astype(int) - before).max() > 0
    z = handle_values(page)
    assert np.abs(after.astype(int) - expected_output(reference, "vae", z)).max() <= 1


def test_double_click_on_an_input_line_snaps_to_it(page: object, reference: BundleModels, shipped: Bundle) -> None:
    page.locator(".thumb").nth(12).click()
    x, y = centre(page, ".handle", 2)
    drag(page, (x, y), (x, y + 120))  # move the black line away first
    points = page.locator('.input-line[data-input="g12"] .mu').get_attribute("points").split()
    (x0, y0), (x1, y1) = ([float(v) for v in p.split(",")] for p in points[:2])
    box = page.locator("svg.parallel").bounding_box()
    scale = box["width"] / page.evaluate("document.querySelector('svg.parallel').viewBox.baseVal.width")
    page.mouse.dblclick(box["x"] + scale * (x0 + x1) / 2, box["y"] + scale * (y0 + y1) / 2)
    mu, _ = reference.encode("vae", shipped.arrays["gallery.images"][12] / 255.0)
    assert np.abs(handle_values(page) - mu).max() < 1e-4


def test_show_ae_switches_lines_violins_and_output(page: object) -> None:
    vae_violins = page.locator(".violin").first.get_attribute("d")
    vae_output = output_pixels(page)
    page.locator(".show-ae").check()
    assert "AE latent space" in page.locator(".latent-title").text_content()
    assert page.locator(".sigma-band").count() == 0  # the AE has no σ
    assert page.locator(".violin").first.get_attribute("d") != vae_violins
    assert np.abs(output_pixels(page).astype(int) - vae_output).max() > 0
    assert "inactive" in page.locator('.pca-map[data-slot="vae"]').get_attribute("class")
    assert "inactive" in page.locator('.compare figure[data-slot="vae"]').get_attribute("class")
    page.locator(".show-ae").uncheck()
    assert page.locator(".violin").first.get_attribute("d") == vae_violins


def test_random_stays_within_the_axes(page: object) -> None:
    lo = np.array([float(v) for v in page.eval_on_selector_all(".axis", "as => as.map(a => a.dataset.min)")])
    hi = np.array([float(v) for v in page.eval_on_selector_all(".axis", "as => as.map(a => a.dataset.max)")])
    seen = []
    for _ in range(25):
        page.locator(".random").click()
        z = handle_values(page)
        assert np.all(z >= lo) and np.all(z <= hi)
        seen.append(z)
    assert len({tuple(z) for z in seen}) > 1  # fresh draws (identical only where clipping pins both to an axis end)
    top, bottom = (float(page.locator(".axis").first.get_attribute(k)) for k in ("data-top", "data-bottom"))
    cys = [float(v) for v in page.eval_on_selector_all(".handle", "hs => hs.map(h => h.getAttribute('cy'))")]
    assert all(top <= cy <= bottom for cy in cys)


def test_drawing_a_stroke_adds_a_line(page: object) -> None:
    box = page.locator(".pad").bounding_box()
    x, y = box["x"], box["y"]
    drag(page, (x + 0.5 * box["width"], y + 0.2 * box["height"]), (x + 0.45 * box["width"], y + 0.8 * box["height"]))
    assert page.locator(".input-line").count() == 2
    assert page.locator(".input-row").last.locator(".input-name").text_content() == "drawing 1"
    assert page.locator('.compare figure[data-slot="input"] figcaption').text_content() == "drawing 1"  # snapped
    drag(page, (x + 0.3 * box["width"], y + 0.3 * box["height"]), (x + 0.6 * box["width"], y + 0.25 * box["height"]))
    assert page.locator(".input-line").count() == 2  # a second stroke updates the same drawing
    page.locator(".pad-new").click()
    drag(page, (x + 0.3 * box["width"], y + 0.5 * box["height"]), (x + 0.7 * box["width"], y + 0.5 * box["height"]))
    assert page.locator(".input-line").count() == 3


def test_uploading_a_file_adds_a_line(page: object, tmp_path: Path) -> None:
    img = Image.new("RGB", (120, 90), "white")
    ImageDraw.Draw(img).line([(60, 10), (55, 80)], fill="black", width=9)  # a pen "1" on paper
    img.save(tmp_path / "one.png")
    page.locator(".upload input").set_input_files(str(tmp_path / "one.png"))
    page.wait_for_selector('.input-row:has-text("one.png")')
    assert page.locator(".input-line").count() == 2


def test_uploading_a_blank_file_says_so_and_adds_nothing(page: object, tmp_path: Path) -> None:
    Image.new("RGB", (120, 90), (230, 225, 200)).save(tmp_path / "blank.png")  # a photo of an empty page
    page.locator(".upload input").set_input_files(str(tmp_path / "blank.png"))
    page.wait_for_selector('.pad-status:has-text("blank.png: the image is blank")')
    assert page.locator(".input-line").count() == 1 and page.locator('.input-row:has-text("blank.png")').count() == 0


def test_clicking_the_pca_map_moves_the_line_and_the_marker(page: object) -> None:
    area = page.locator('.pca-map[data-slot="vae"] .map-area')
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    before = handle_values(page)
    page.mouse.move(box["x"] + 0.35 * box["width"], box["y"] + 0.6 * box["height"])
    assert page.locator('.pca-map[data-slot="vae"] .map-tooltip').is_visible()  # hover decodes the spot
    page.mouse.click(box["x"] + 0.35 * box["width"], box["y"] + 0.6 * box["height"])
    assert np.abs(handle_values(page) - before).max() > 1e-3
    overlay = page.locator('.pca-map[data-slot="vae"] .map-overlay')
    marker = np.array([float(overlay.get_attribute("data-marker-x")), float(overlay.get_attribute("data-marker-y"))])
    assert np.abs(marker - [0.35 * box["width"], 0.6 * box["height"]]).max() < 2  # the marker sits where we clicked
    page.locator(".handle").first.scroll_into_view_if_needed()
    x, y = centre(page, ".handle", 0)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 40, steps=4)  # while dragging, the marker follows the line
    assert overlay.get_attribute("data-marker-x") != f"{marker[0]:.2f}"
    page.mouse.up()


def test_clicking_the_other_map_shows_that_model_and_keeps_both_markers(page: object) -> None:
    vae_marker = page.locator('.pca-map[data-slot="vae"] .map-overlay').get_attribute("data-marker-x")
    page.locator('.pca-map[data-slot="ae"] .map-area').scroll_into_view_if_needed()
    box = page.locator('.pca-map[data-slot="ae"] .map-area').bounding_box()
    page.mouse.click(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    assert page.locator(".show-ae").is_checked() and page.locator(".handle").count() == 4
    assert page.locator('.pca-map[data-slot="vae"] .map-overlay').get_attribute("data-marker-x") == vae_marker


def test_out_of_distribution_hint_and_invert_switch(page: object, shipped: Bundle,
                                                     reference: BundleModels) -> None:
    index = next(i for i, item in enumerate(shipped.meta["gallery"]) if item["name"] == "stick man")
    page.locator('.thumb[title="stick man"]').click()
    row = page.locator(".input-row").last
    assert row.locator(".input-name").text_content() == "stick man"
    position = row.locator('.signal[data-signal="code"]')
    shown = [float(re.search(r"([\d.]+)%", t).group(1)) for t in position.locator(".pct").all_text_contents()]
    mu, _ = reference.encode("vae", shipped.arrays["gallery.images"][index] / 255.0)
    quantiles = shipped.arrays["vae.quantiles"]
    expected = np.array([np.interp(v, quantiles[j], np.arange(101)) for j, v in enumerate(mu)])
    assert np.abs(np.array(shown) - expected).max() <= 0.51  # displayed to whole percents (0.1 in the tails)
    tail = np.minimum(expected, 100 - expected).min() / 100
    chance = 1 - (1 - 2 * tail) ** len(mu)
    level = "outside" if tail == 0 else "unusual" if chance < 0.01 else "rare" if chance < 0.05 else "typical"
    assert position.get_attribute("data-level") == level
    inverted = output_pixels(page)
    page.locator(".invert").uncheck()
    assert np.abs(output_pixels(page).astype(int) - (255 - inverted.astype(int))).max() <= 1


# --- parity with PyTorch and the data layer --------------------------------------------------------------------------


DECODE_IN_PAGE = """async ({path, latents, images}) => {
    const {loadBundle} = await import('/static/js/bundle.js');
    const bundle = loadBundle(await (await fetch(path)).arrayBuffer());
    const out = {};
    for (const slot of ['ae', 'vae']) {
        const net = bundle.models[slot].net;
        out[slot] = {
            decoded: latents.map(z => Array.from(net.decode(z))),
            encoded: images.map(x => Array.from(net.encode(x).mu)),
        };
    }
    return out;
}"""


def float32_bundle(shipped: Bundle) -> Bundle:
    """The shipped bundle with float32 weights nudged off the float16 grid, to test the reader's F32 path."""
    rng = np.random.default_rng(0)
    arrays = dict(shipped.arrays)
    for slot in ("ae", "vae"):
        tensors = load_safetensors(shipped.weights(slot))
        widened = {k: v.astype(np.float32) * (1 + 1e-3 * rng.standard_normal(v.shape).astype(np.float32))
                   for k, v in tensors.items()}
        arrays[f"{slot}.weights"] = np.frombuffer(save_safetensors(widened), np.uint8).copy()
    return Bundle(shipped.meta, arrays)


@pytest.mark.parametrize("precision", ["float16", "float32"])
def test_browser_decoder_and_encoder_match_pytorch(page: object, shipped: Bundle, precision: str) -> None:
    bundle = shipped if precision == "float16" else float32_bundle(shipped)
    page.route("**/test-bundle", lambda route: route.fulfill(body=bundle.to_bytes(),
                                                              content_type="application/octet-stream"))
    rng = np.random.default_rng(1)
    latents = rng.normal(scale=2.0, size=(16, 4))
    images = bundle.arrays["gallery.images"][::4] / 255.0
    got = page.evaluate(DECODE_IN_PAGE, {"path": "/test-bundle", "latents": latents.tolist(),
                                         "images": images.reshape(len(images), -1).tolist()})
    torch_side = BundleModels(bundle)
    for slot in ("ae", "vae"):
        decoded = np.array(got[slot]["decoded"]).reshape(-1, 32, 32)
        assert np.abs(decoded - torch_side.decode(slot, latents.astype(np.float32))).max() < 1e-4
        mu = np.array([torch_side.encode(slot, x.astype(np.float32))[0] for x in images])
        assert np.abs(np.array(got[slot]["encoded"]) - mu).max() < 1e-4


def preprocess_cases() -> dict[str, np.ndarray]:
    """RGBA pictures covering preprocess_image's branches: polarity, transparency, aspect, up- and down-scaling."""
    cases = {}
    for name, paint in PROBES.items():  # white on black at drawing-pad size: the pad's case
        canvas = Image.new("L", (280, 280), 0)
        paint(ImageDraw.Draw(canvas))
        cases[f"probe {name}"] = np.asarray(canvas.convert("RGBA"))
    paper = Image.new("RGB", (150, 200), (236, 230, 220))  # dark ink on off-white paper with a colour cast
    ImageDraw.Draw(paper).line([(40, 30), (110, 40), (60, 170)], fill=(30, 40, 90), width=12)
    cases["pen on paper"] = np.asarray(paper.convert("RGBA"))
    sheet = Image.new("RGBA", (90, 60), (0, 0, 0, 0))  # dark strokes on a transparent sheet
    ImageDraw.Draw(sheet).ellipse((20, 5, 70, 55), outline=(10, 10, 10, 200), width=7)
    cases["transparent sheet"] = np.asarray(sheet)
    tiny = np.zeros((7, 5, 4), np.uint8)  # a small glyph: scaled up, not down
    tiny[1:6, 2, :3], tiny[:, :, 3] = 255, 255
    cases["tiny glyph"] = tiny
    wide = Image.new("L", (300, 40), 0)  # a flat glyph far from square
    ImageDraw.Draw(wide).line([(10, 20), (290, 22)], fill=180, width=6)
    cases["wide dash"] = np.asarray(wide.convert("RGBA"))
    cases["blank"] = np.full((20, 20, 4), 255, np.uint8)
    cases["stored 32×32 probe"] = np.asarray(Image.fromarray(load_probes().images[0]).convert("RGBA"))
    return cases


# Pixels cross the Chrome DevTools protocol as base64: JSON lists of 300,000 numbers take seconds each way.
BASE64_JS = """
    const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const toBase64 = (bytes) => {
        let text = '';
        for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
        return btoa(text);
    };
"""

PREPROCESS_IN_PAGE = """async (cases) => {""" + BASE64_JS + """
    const {preprocessRGBA} = await import('/static/js/preprocess.js');
    return cases.map(([h, w, rgba]) => {
        const out = preprocessRGBA(new Uint8ClampedArray(fromBase64(rgba).buffer), w, h);
        return toBase64(new Uint8Array(out.buffer));
    });
}"""


def test_browser_normalisation_matches_preprocess_image(page: object) -> None:
    cases = preprocess_cases()
    got = page.evaluate(PREPROCESS_IN_PAGE, [[a.shape[0], a.shape[1], base64.b64encode(a.tobytes()).decode()]
                                             for a in cases.values()])
    for (name, rgba), js in zip(cases.items(), got, strict=True):
        expected = preprocess_image(rgba)
        assert np.abs(np.frombuffer(base64.b64decode(js), np.float32).reshape(32, 32) - expected).max() < 1e-5, name


PREPARE_IN_PAGE = """async ([cases, layout]) => {""" + BASE64_JS + """
    const {prepareRGBA} = await import('/static/js/preprocess.js');
    return cases.map(([h, w, rgba]) => {
        const out = prepareRGBA(new Uint8ClampedArray(fromBase64(rgba).buffer), w, h, layout);
        return toBase64(new Uint8Array(out.buffer));
    });
}"""


@pytest.mark.parametrize("preprocess,size,channels", [("fit", 32, 3), ("fit", 64, 1), ("glyph", 64, 1),
                                                      ("glyph", 32, 3), ("glyph", 28, 1), ("glyph", 48, 1)])
def test_browser_preparation_matches_prepare_image(page: object, preprocess: str, size: int, channels: int) -> None:
    cases = preprocess_cases()
    photo = Image.new("RGB", (120, 80), (20, 90, 160))  # a colour picture wider than tall: cropped at the sides
    ImageDraw.Draw(photo).ellipse((10, 5, 70, 75), fill=(240, 200, 30))
    cases["colour photo"] = np.asarray(photo.convert("RGBA"))
    got = page.evaluate(PREPARE_IN_PAGE, [[[a.shape[0], a.shape[1], base64.b64encode(a.tobytes()).decode()]
                                           for a in cases.values()],
                                          {"preprocess": preprocess, "size": size, "channels": channels}])
    shape = (size, size) if channels == 1 else (3, size, size)
    for (name, rgba), js in zip(cases.items(), got, strict=True):
        expected = prepare_image(rgba, preprocess, size, channels)
        assert expected.shape == shape
        assert np.abs(np.frombuffer(base64.b64decode(js), np.float32).reshape(shape) - expected).max() < 1e-5, name


def test_pad_drawing_is_normalised_like_preprocess_image(page: object) -> None:
    box = page.locator(".pad").bounding_box()
    drag(page, (box["x"] + 40, box["y"] + 30), (box["x"] + 100, box["y"] + 140))
    rgba = page.evaluate("""() => {""" + BASE64_JS + """
        const c = document.querySelector('.pad');
        return toBase64(new Uint8Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer));
    }""")
    expected = preprocess_image(np.frombuffer(base64.b64decode(rgba), np.uint8).reshape(280, 280, 4))
    thumb = page.evaluate("""() => {
        const rows = document.querySelectorAll('.input-row .swatch-canvas');
        const last = rows[rows.length - 1];
        return Array.from(last.getContext('2d').getImageData(0, 0, 32, 32).data);
    }""")
    shown = 1 - np.array(thumb, np.float64).reshape(32, 32, 4)[:, :, 0] / 255  # swatches are drawn inverted
    assert np.abs(shown - expected).max() <= 0.5 / 255 + 1e-9


# --- any architecture: the page builds the network from the bundle's layer table ---------------------------------------

NETWORK_IN_PAGE = """async ({weights, meta, latents, images}) => {""" + BASE64_JS + """
    const {readSafetensors} = await import('/static/js/safetensors.js');
    const {createNetwork} = await import('/static/js/network.js');
    const net = createNetwork(readSafetensors(fromBase64(weights)).tensors, meta);
    const codes = images.map(x => net.encode(x));
    return {
        decoded: latents.map(z => Array.from(net.decode(z))),
        mu: codes.map(c => Array.from(c.mu)),
        sigma: codes.map(c => c.sigma && Array.from(c.sigma)),
        size: net.size, channels: net.channels, variational: net.variational,
    };
}"""


def network_in_page(page: object, model: torch.nn.Module, latents: np.ndarray, images: np.ndarray) -> dict:
    """The page's network.js built from ``model``'s weights and layer table, run on latents and (C, S, S) images."""
    weights = save_safetensors({k: v.detach().numpy() for k, v in model.state_dict().items()})
    meta = {"slot": "vae", "latent_dim": model.cfg.latent_dim, "layers": layer_table(model)}
    return page.evaluate(NETWORK_IN_PAGE, {"weights": base64.b64encode(weights).decode(), "meta": meta,
                                           "latents": latents.tolist(),
                                           "images": images.reshape(len(images), -1).tolist()})


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_browser_network_matches_pytorch_for_any_architecture(page: object, name: str) -> None:
    model = architecture(name)
    cfg = model.cfg
    rng = np.random.default_rng(2)
    latents = rng.normal(scale=2.0, size=(6, cfg.latent_dim))
    images = rng.random((3, cfg.channels, cfg.image_size, cfg.image_size))
    got = network_in_page(page, model, latents, images)
    assert (got["size"], got["channels"], got["variational"]) == (cfg.image_size, cfg.channels, cfg.variational)
    with torch.no_grad():
        expected = model.decode(torch.as_tensor(latents, dtype=torch.float32)).numpy()
        enc = model.encode(torch.as_tensor(images, dtype=torch.float32))
    assert np.abs(np.array(got["decoded"]).reshape(expected.shape) - expected).max() < 1e-5
    assert np.abs(np.array(got["mu"]) - enc.mu.numpy()).max() < 1e-4
    if cfg.variational:
        assert np.abs(np.array(got["sigma"]) - enc.sigma.numpy()).max() < 1e-4
    else:
        assert got["sigma"] == [None] * len(images)


def test_a_bundle_without_layer_tables_says_how_to_remake_it(browser: object, url: str, shipped: Bundle) -> None:
    meta = copy.deepcopy(shipped.meta)
    for slot in ("ae", "vae"):
        del meta["models"][slot]["layers"]
    old = Bundle(meta, shipped.arrays).to_bytes()
    pg = browser.new_page()
    pg.route("**/api/bundle", lambda route: route.fulfill(body=old, content_type="application/octet-stream"))
    pg.goto(url)
    pg.wait_for_function("() => document.querySelector('#app').textContent.includes('could not start')")
    message = pg.locator("#app").text_content()
    pg.close()
    assert "could not start" in message and "no layer table" in message
    assert "python -m aevae.explorer.bundle.make_defaults --from RUNS" in message


# --- any two runs: another latent size and data set ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_bundle(analysed_runs: dict[str, Path]) -> bytes:
    return build_bundle(analysed_runs, progress=False).to_bytes()


def test_any_latent_size_and_data_set(browser: object, url: str, tiny_bundle: bytes) -> None:
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.route("**/api/bundle", lambda route: route.fulfill(body=tiny_bundle, content_type="application/octet-stream"))
    pg.goto(url)
    pg.wait_for_selector(".output-canvas[data-drawn]")
    assert pg.locator(".handle").count() == 2 and pg.locator(".legend-item").count() == 2
    pg.locator(".show-ae").check()
    assert pg.locator(".handle").count() == 3
    x, y = centre(pg, ".handle", 1)
    before = handle_values(pg)
    drag(pg, (x, y), (x, y - 60))
    z = handle_values(pg)
    assert z[1] > before[1] and np.array_equal(z[[0, 2]], before[[0, 2]])
    reference = BundleModels(Bundle.from_bytes(tiny_bundle))
    assert np.abs(output_pixels(pg).astype(int) - expected_output(reference, "ae", z)).max() <= 1
    save_screenshot(pg, "explorer-tiny-runs", full_page=True)
    pg.close()
    assert not errors, errors

