"""``aevae export``: one self-contained HTML file, opened from file:// in a real headless Chromium with no server:
the explorer works (dragging decodes as PyTorch does, drawing and uploading add inputs, the PCA map moves the line)
and not one request leaves the page.

Screenshots go to $AEVAE_ARTIFACTS (default: artifacts/ at the repository root).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.companions import shipped_companions, with_companions
from aevae.explorer.web.export import export_html, export_page
from aevae.explorer.bundle.models import BundleModels

from support.browser import handle_values, output_pixels, record_traffic, save_screenshot
from support.tiny_runs import train_tiny_run

SIZE_TARGET = 3_000_000  # bytes: the target for the shipped models


def embedded_bundle(page_text: str) -> Bundle:
    """The bundle a page carries, unpacked as the page unpacks it."""
    packed = re.search(r'<script type="application/octet-stream" id="aevae-bundle">([^<]*)</script>', page_text)[1]
    return Bundle.from_bytes(gzip.decompress(base64.b64decode(packed)))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped models, exported."""
    return export_html(tmp_path_factory.mktemp("export") / "explorer.html")


def test_the_shipped_models_export_small_and_whole(exported: Path, tmp_path: Path) -> None:
    text = exported.read_text(encoding="utf-8")
    shipped = with_companions(Bundle.from_bytes(shipped_bundle_bytes()), shipped_companions())
    family = sum(v.nbytes for k, v in shipped.arrays.items() if k.startswith("family."))
    assert family and exported.stat().st_size <= SIZE_TARGET + 4 / 3 * family  # the β family, base64 at most
    bare = export_html(tmp_path / "bare.html", keep_family=False)  # aevae export --no-family: the pair alone
    assert bare.stat().st_size <= SIZE_TARGET and "family" not in embedded_bundle(bare.read_text()).meta
    assert embedded_bundle(text).to_bytes() == shipped.to_bytes()  # nothing dropped or altered; the article's companions
    assert "default-src 'none'" in text  # the page's policy forbids any request
    assert not re.search(r"""<(?:script|link|img|iframe)[^>]*\s(?:src|href)=(?!["']?data:)""", text)
    assert text.count("</script>") == 2 and '<script type="module">' in text  # the bundle and the code, inline


def test_inlined_code_cannot_end_its_element_early() -> None:
    page = export_page(Bundle.from_bytes(shipped_bundle_bytes()))
    script = page.split('<script type="module">', 1)[1]
    assert script.lower().count("</script") == 1  # only the element's own end tag


@pytest.fixture(scope="module")
def ae_run(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny trained AE (d = 3) on the shapes data set (the export analyses it first)."""
    return train_tiny_run(tiny_folder, tmp_path_factory.mktemp("export-runs") / "ae", "ae", 3)


def test_aevae_export_takes_run_folders_and_stores_float16_weights(ae_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "mine.html"
    done = subprocess.run([sys.executable, "-m", "aevae", "export", "--ae", str(ae_run), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    size = out.stat().st_size
    assert f"wrote {out}: {size / 1e6:.2f} MB ({size:,} bytes)" in done.stdout
    bundle = embedded_bundle(out.read_text(encoding="utf-8"))
    assert bundle.model("ae")["latent_dim"] == 3 and bundle.model("vae")["latent_dim"] == 4
    header = bundle.weights("ae")
    assert {t["dtype"] for k, t in json.loads(header[8:8 + int.from_bytes(header[:8], "little")]).items()
            if k != "__metadata__"} == {"F16"}


def test_aevae_export_names_a_bad_run(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "aevae", "export", "--vae", str(tmp_path / "nothing"),
                           "--out", str(tmp_path / "x.html")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "aevae export: error:" in done.stderr and "nothing" in done.stderr
    assert not (tmp_path / "x.html").exists()


# --- the exported file in a browser ------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_file_works_from_disk_with_no_request_leaving_it(browser: Any, exported: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, errors = record_traffic(page)
    page.goto(exported.resolve().as_uri())
    page.wait_for_selector(".output-canvas[data-drawn]")

    before = output_pixels(page)  # drag the point of the widest axis upwards
    ranges = np.array(page.eval_on_selector_all(".axis", "as => as.map(a => [+a.dataset.min, +a.dataset.max])"))
    box = page.locator(".handle").nth(int(np.argmax(np.ptp(ranges, axis=1)))).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 80, steps=8)
    page.mouse.up()
    after = output_pixels(page)
    assert np.abs(after.astype(int) - before).max() > 0
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    net = BundleModels(bundle).model("vae")
    with torch.inference_mode():  # PyTorch's decode of the same latent, drawn as the page draws it
        image = net.decode(torch.tensor(handle_values(page)[None], dtype=torch.float32))[0, 0].numpy()
    assert np.abs(after.astype(int) - np.round(255 * (1 - image))).max() <= 1

    lines = page.locator(".input-line").count()  # drawing your own digit works offline too
    pad = page.locator(".pad").bounding_box()
    page.mouse.move(pad["x"] + 50, pad["y"] + 40)
    page.mouse.down()
    page.mouse.move(pad["x"] + 110, pad["y"] + 130, steps=6)
    page.mouse.up()
    assert page.locator(".input-line").count() == lines + 1
    seven = Image.new("L", (60, 80), 255)  # and uploading a picture of one
    ImageDraw.Draw(seven).line([(10, 10), (50, 10), (25, 70)], fill=0, width=8)
    buffer = io.BytesIO()
    seven.save(buffer, format="PNG")
    page.set_input_files(".drawpad input[type=file]", files=[{"name": "seven.png", "mimeType": "image/png",
                                                              "buffer": buffer.getvalue()}])
    page.wait_for_function(f"() => document.querySelectorAll('.input-line').length === {lines + 2}")

    z = handle_values(page)  # and so does clicking the PCA map
    page.locator('.map[data-slot="vae"] .map-area').scroll_into_view_if_needed()  # the maps may lie below the fold
    area = page.locator('.map[data-slot="vae"] .map-area').bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.3, area["y"] + area["height"] * 0.7)
    assert not np.array_equal(handle_values(page), z)

    save_screenshot(page, "export-from-file", full_page=True)
    assert not errors, errors
    assert requests and all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests
    # The page's policy would stop a request even if its code tried one.
    assert page.evaluate("fetch('http://127.0.0.1:9/').then(() => 'sent', () => 'refused')") == "refused"
    page.close()
