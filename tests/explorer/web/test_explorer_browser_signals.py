"""The explorer's honest signals and what a newcomer trips over, in a real headless Chromium on the real
``aevae explore`` with the shipped models: per-input out-of-distribution signals, the information panel's
derivation, a drawing pad that never moves, keyboard reach, layouts that keep the main views in view, captions
and the data set's own words."""

from __future__ import annotations

import json

import re
from pathlib import Path

import numpy as np
import pytest

from aevae.explorer.bundle import Bundle
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle.format import OPTIONAL_ARRAYS, SLOTS
from aevae.explorer.bundle.models import BundleModels

from support.browser import save_screenshot
from support.explorer_page import explorer_page
from support.browser import drag

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


def bce_rank(reference: BundleModels, shipped: Bundle, slot: str, image: np.ndarray) -> float:
    """The percentile of an image's reconstruction BCE among the test images', computed with PyTorch."""
    mu, _ = reference.encode(slot, image)
    p = reference.decode(slot, mu[None].astype(np.float32))[0].astype(np.float64).clip(1e-7, 1 - 1e-7)
    bce = -(image * np.log(p) + (1 - image) * np.log(1 - p)).sum()
    q = shipped.arrays[f"{slot}.test_bce_quantiles"]
    return float(np.interp(bce, q, np.linspace(0, 100, len(q))))


# --- honest signals ---------------------------------------------------------------------------------------------------


def test_every_input_shows_named_signals_and_the_letter_is_flagged_by_its_reconstruction(
        page: object, shipped: Bundle, reference: BundleModels) -> None:
    names = [item["name"] for item in shipped.meta["gallery"]]
    page.locator('.thumb[title="letter A"]').click()
    for slot in ("vae", "ae"):
        if slot == "ae":
            page.locator(".show-ae").check()
        rows = page.locator(".input-row")
        assert rows.count() == 2
        for i, name in enumerate([names[0], "letter A"]):  # the first test image is selected at start
            row = rows.nth(i)
            signals = row.locator(".signal")
            keys = [signals.nth(k).get_attribute("data-signal") for k in range(signals.count())]
            assert keys == (["recon", "typicality", "code"] if slot == "vae" else ["recon", "code"]), keys
            image = shipped.arrays["gallery.images"][names.index(name)] / 255.0
            expected = bce_rank(reference, shipped, slot, image)
            text = row.locator('.signal[data-signal="recon"]').text_content()
            shown = float(re.search(r"higher than ([\d.]+)%", text).group(1))
            assert abs(shown - expected) < 0.6, (slot, name, shown, expected)  # shown to 0.1–1 percent
        letter = rows.nth(1)
        assert letter.locator('.signal[data-signal="recon"]').get_attribute("data-level") == "unusual"
        assert letter.get_attribute("data-level") == "unusual"
        assert "reconstruction error" in letter.locator(".verdict").text_content()
        digit = rows.nth(0)
        assert digit.locator('.signal[data-signal="recon"]').get_attribute("data-level") == "typical"
        if digit.get_attribute("data-level") == "typical":  # when nothing flags an input, the page says so
            assert digit.locator(".verdict").text_content() == "no signal separates it from test digits"


def test_a_bundle_without_the_error_distributions_says_not_measured(browser: object, url: str,
                                                                    shipped: Bundle) -> None:
    arrays = {k: v for k, v in shipped.arrays.items() if k.split(".", 1)[-1] not in OPTIONAL_ARRAYS}
    with explorer_page(browser, url, 1400, bundle=Bundle(shipped.meta, arrays).to_bytes()) as pg:
        row = pg.locator(".input-row").first
        assert row.get_attribute("data-level") == "unmeasured" and "not measured" in row.locator(".verdict").text_content()
        assert row.locator('.signal[data-signal="code"]').count() == 1  # the code position still shows


def test_information_numbers_are_the_analysis_values(page: object, shipped: Bundle) -> None:
    for slot in SLOTS:
        info, metrics = shipped.model(slot)["info"], shipped.model(slot)["metrics"]
        for key in ("input_bits", "latent_float_bits", "ratio", "vae_rate_bits_per_image", "bits_used_per_image",
                    "bce_nats_per_image"):
            expected = metrics.get(key) if key == "bce_nats_per_image" else info.get(key)
            cell = page.locator(f'.info-table td[data-slot="{slot}"][data-key="{key}"]')
            if expected is None:
                assert cell.get_attribute("data-value") is None and cell.text_content() == "—"
            else:
                assert float(cell.get_attribute("data-value")) == pytest.approx(expected, rel=1e-12), (slot, key)
    vae = shipped.model("vae")
    info, d, side = vae["info"], vae["latent_dim"], vae["image_size"]
    steps = {key: page.locator(f'.derivation li[data-key="{key}"]').text_content()
             for key in ("input_bits", "latent_float_bits", "ratio", "discarded")}
    assert steps["input_bits"].startswith(f"{side} · {side} · log₂ 256 = {info['input_bits']:,} bits")
    assert steps["latent_float_bits"].startswith(f"{d} × 32 = {info['latent_float_bits']:,} bits")
    assert steps["ratio"].startswith(f"{info['input_bits']:,} / {info['latent_float_bits']:,} = {info['ratio']:g}")
    discarded = 100 * (1 - info["latent_float_bits"] / info["input_bits"])
    assert steps["discarded"].startswith(f"1 − {info['latent_float_bits']:,} / {info['input_bits']:,} = "
                                         f"{discarded:.2f} %")
    why = page.locator(".why")
    assert f"{info['vae_rate_bits_per_image']:.1f} bits" in why.text_content()
    assert f"{info['bits_used_per_image']:g} bits" in why.text_content()
    times = info["latent_float_bits"] / max(info["vae_rate_bits_per_image"], info["bits_used_per_image"])
    said = (f"far below the capacity above (the larger {times:,.0f} times" if times >= 10
            else f"below the capacity above (the larger {float(f'{times:.1f}'):g} times")
    assert f"both are {said} below it)" in why.text_content()


def test_the_opened_why_stays_open_when_the_model_shown_changes(browser: object, url: str) -> None:
    with explorer_page(browser, url, 1400) as pg:
        pg.locator(".why summary").click()
        assert pg.locator(".why").get_attribute("open") is not None
        pg.locator(".show-ae").check()  # the panel redraws for the AE
        assert pg.locator('.info-table th.active').text_content() == "AE"
        assert pg.locator(".why").get_attribute("open") is not None


def test_a_code_larger_than_the_image_is_said_to_discard_nothing(browser: object, url: str, shipped: Bundle) -> None:
    """The bit budget's sentences follow its numbers: with a code of 16,384 bits for an image of 8,192 nothing need be
    thrown away, and a KL near the capacity is not called far below it."""
    meta = json.loads(json.dumps(shipped.meta))
    info = meta["models"]["vae"]["info"]
    info.update(latent_float_bits=16384, ratio=8192 / 16384, vae_rate_bits_per_image=9000.0, bits_used_per_image=12000)
    with explorer_page(browser, url, 1400, bundle=Bundle(meta, shipped.arrays).to_bytes()) as pg:
        steps = {key: pg.locator(f'.derivation li[data-key="{key}"]').text_content() for key in ("ratio", "discarded")}
        assert "0.5 times as many bits in the image as the code can hold: the code has room for them all" in \
            steps["ratio"]
        assert steps["discarded"].startswith("1 − 16,384 / 8,192 = nothing need be thrown away")
        assert "%" not in steps["discarded"]
        assert "both are below the capacity above (the larger 1.4 times below it)" in pg.locator(".why").text_content()


# --- what a newcomer trips over ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [800, 1400])
def test_the_pad_never_moves_during_or_after_strokes(browser: object, url: str, width: int) -> None:
    with explorer_page(browser, url, width) as pg:
        pad = pg.locator(".pad")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        strokes = [((0.5, 0.2), (0.45, 0.8)), ((0.3, 0.3), (0.6, 0.25)), ((0.2, 0.6), (0.8, 0.6))]
        for n, ((x0, y0), (x1, y1)) in enumerate(strokes):
            pg.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
            pg.mouse.down()
            pg.mouse.move(box["x"] + x1 * box["width"], box["y"] + y1 * box["height"], steps=6)
            assert pad.bounding_box() == box, f"moved during stroke {n + 1}"
            pg.mouse.up()
            assert pad.bounding_box() == box, f"moved after stroke {n + 1}"
            if n == 1:
                pg.locator(".pad-new").click()  # a second drawing adds a second thumbnail
                assert pad.bounding_box() == box
        assert pg.locator(".own-inputs .thumb").count() == 2


def test_every_control_is_reachable_by_tab_with_a_visible_focus(page: object) -> None:
    controls = page.evaluate("""() => {
        const all = document.querySelectorAll('.aevae a[href], .aevae button, .aevae input, .aevae summary,'
            + ' .aevae [tabindex]:not([tabindex="-1"])');
        let n = 0;
        for (const el of all) if (el.getClientRects().length || el.classList.contains('skip')) el.dataset.tabId = n++;
        return n;
    }""")
    assert controls > 30
    seen, visible = [], []
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        tab_id = page.evaluate("() => document.activeElement.dataset.tabId ?? null")
        if tab_id is not None and tab_id not in seen:
            seen.append(tab_id)
            visible.append(page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle !== 'none'"
                                         " || document.activeElement.classList.contains('handle')"))
    assert sorted(seen, key=int) == [str(i) for i in range(controls)]
    assert all(visible)
    assert page.locator(".upload-button").count() == 1  # "Upload image…" is a real button
    assert seen[0] == "0" and page.locator('[data-tab-id="0"]').get_attribute("class") == "skip"  # the first stop
    name = page.locator(".thumb").nth(4).get_attribute("title")
    page.locator(".thumb").nth(4).focus()
    page.keyboard.press("Enter")  # selecting by keyboard keeps the keyboard's place on the thumbnail
    assert page.evaluate("() => [document.activeElement.title, document.activeElement.ariaPressed]") == [name, "true"]
    page.locator(".skip").focus()
    page.keyboard.press("Enter")  # the skip link goes to the plot's first handle
    assert page.evaluate("() => document.activeElement.classList.contains('handle')")
    assert "latent values" in page.locator(".parallel-view").get_attribute("aria-label")


@pytest.mark.parametrize("width,height", [(800, 900), (1280, 800), (1920, 1080)])
def test_gallery_plot_and_output_are_in_view_together(browser: object, url: str, width: int, height: int) -> None:
    with explorer_page(browser, url, width, height) as pg:
        for name in ("question mark", "letter A", "stick man"):
            pg.locator(f'.thumb[title="{name}"]').click()
        for selector in (".thumb", ".parallel", ".output-canvas", ".pad"):
            box = pg.locator(selector).first.bounding_box()
            assert box["y"] >= 0 and box["y"] + min(box["height"], 120) <= height, (selector, box)
        save_screenshot(pg, f"explorer-layout-{width}")


@pytest.mark.parametrize("width", [800, 1400])
def test_captions_are_not_truncated(browser: object, url: str, width: int) -> None:
    with explorer_page(browser, url, width) as pg:
        pg.locator('.thumb[title="question mark"]').click()
        pg.locator(".input-row").last.locator(".snap").click()
        clipped = pg.evaluate("""() => [...document.querySelectorAll(
                '.aevae figcaption, .aevae .input-name, .aevae .verdict, .aevae .signal, .aevae h2, .aevae h3')]
            .filter((el) => el.scrollWidth > el.clientWidth + 1 || getComputedStyle(el).textOverflow === 'ellipsis')
            .map((el) => el.textContent)""")
        assert not clipped
        assert "question mark" in pg.locator('.compare figure[data-slot="input"] figcaption').text_content()


@pytest.fixture(scope="module")
def shapes_bundle(analysed_runs: dict[str, Path]) -> bytes:
    return build_bundle(analysed_runs, progress=False).to_bytes()


def test_text_uses_the_data_sets_own_words(browser: object, url: str, shapes_bundle: bytes) -> None:
    with explorer_page(browser, url, 1400, bundle=shapes_bundle) as pg:
        headings = pg.locator(".gallery h3").all_text_contents()
        assert headings == ["Test images", "Probes (not images)"]
        assert pg.locator(".pad-status").text_content() == "Draw an image (or anything) here."
        assert "digit" not in pg.locator(".aevae").inner_text().lower()
        assert pg.locator(".input-row .verdict").first.text_content().endswith("test images")
        d = Bundle.from_bytes(shapes_bundle).model("vae")["latent_dim"]  # a run of another d shows its own numbers
        assert pg.locator('.derivation li[data-key="latent_float_bits"]').text_content().startswith(
            f"{d} × 32 = {32 * d} bits")
