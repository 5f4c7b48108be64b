"""What a newcomer reads and picks in the explorer, in a real headless Chromium on the real server: a double-click
takes the line nearest the pointer (six inputs, every segment), hovering a line or its row highlights both, the
input colours stay apart from each other and from the class colours, text stays legible at 800 px, and the
unusualness badge says in which direction an input is unusual. Screenshots go to $AEVAE_ARTIFACTS."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import numpy as np
import pytest

from support.browser import SMALL_TEXT, save_screenshot
from support.explorer_page import explorer_page

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

SIX = (7, 12, 21, 28, 30)  # gallery indices selected beside the first test image: six inputs in all


def select_six(page: Any) -> None:
    for i in SIX:
        page.locator(".thumb").nth(i).click()
    assert page.locator(".input-line").count() == 6


def screen_points(page: Any, selector: str) -> np.ndarray:
    """The points of an SVG polyline of the parallel plot, in page (CSS pixel) coordinates; (n, 2)."""
    return np.array(page.eval_on_selector(selector, """l => {
        const m = l.getScreenCTM();
        return Array.from(l.points, (p) => { const q = p.matrixTransform(m); return [q.x, q.y]; });
    }"""))


def handle_centres(page: Any) -> np.ndarray:
    return np.array(page.eval_on_selector_all(".handle", """hs => hs.map((h) => {
        const b = h.getBoundingClientRect();
        return [b.x + b.width / 2, b.y + b.height / 2];
    })"""))


def hot(page: Any, kind: str) -> list[str]:
    """The inputs whose line ("line") or row ("row") is highlighted."""
    return page.eval_on_selector_all(f".input-{kind}.hot", "ns => ns.map(n => n.dataset.input)")


def distance_to_polyline(p: np.ndarray, pts: np.ndarray) -> float:
    best = np.inf
    for a, b in zip(pts[:-1], pts[1:]):
        t = np.clip(np.dot(p - a, b - a) / max(np.dot(b - a, b - a), 1e-12), 0, 1)
        best = min(best, float(np.linalg.norm(p - (a + t * (b - a)))))
    return best


# --- picking ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fit", [False, True], ids=["shared-axes", "fitted-axes"])
def test_double_click_takes_the_line_nearest_the_pointer_at_every_segment(browser: Any, url: str, fit: bool) -> None:
    with explorer_page(browser, url, 1280) as page:
        select_six(page)
        if fit:
            page.locator(".fit-axes").check()
        ids = page.eval_on_selector_all(".input-line", "ls => ls.map(l => l.dataset.input)")
        lines = {i: screen_points(page, f'.input-line[data-input="{i}"] .mu') for i in ids}
        tried, wrong = 0, []
        for i, pts in lines.items():
            for a, b in zip(pts[:-1], pts[1:]):
                mid = (a + b) / 2
                # where two lines cross within a pixel of the midpoint, either is a right answer: skip it
                if min(distance_to_polyline(mid, q) for k, q in lines.items() if k != i) < 1.5:
                    continue
                tried += 1
                page.mouse.move(*mid)
                hovered = hot(page, "line")  # the hover shows which line a click takes
                page.mouse.dblclick(*mid)
                # the black line's handles now sit on this input's line at every axis
                if hovered != [i] or np.abs(handle_centres(page) - pts).max() >= 1.0:
                    wrong.append((i, hovered, mid.round().tolist()))
        assert tried >= 12 and wrong == [], f"{len(wrong)} of {tried} midpoints: {wrong}"
        save_screenshot(page, f"reading-picking-{'fit' if fit else 'shared'}")


def test_a_double_tap_takes_the_line_nearest_the_finger(browser: Any, url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, has_touch=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".output-canvas[data-drawn]")
    select_six(page)
    target = page.eval_on_selector_all(".input-line", "ls => ls.map(l => l.dataset.input)")[3]
    pts = screen_points(page, f'.input-line[data-input="{target}"] .mu')
    mid = (pts[1] + pts[2]) / 2
    page.touchscreen.tap(*mid)
    assert hot(page, "line") == [target]  # the first tap shows the pick
    page.touchscreen.tap(*mid)
    assert np.abs(handle_centres(page) - pts).max() < 1.0
    context.close()


def test_hovering_a_line_or_its_row_highlights_both(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        select_six(page)
        target = page.eval_on_selector_all(".input-line", "ls => ls.map(l => l.dataset.input)")[2]
        pts = screen_points(page, f'.input-line[data-input="{target}"] .mu')
        page.mouse.move(*((pts[0] + pts[1]) / 2))
        assert hot(page, "line") == [target]
        assert hot(page, "row") == [target]
        page.mouse.move(2, 2)  # away: nothing highlighted
        assert page.locator(".hot").count() == 0
        other = page.eval_on_selector_all(".input-row", "rs => rs.map(r => r.dataset.input)")[4]
        page.locator(f'.input-row[data-input="{other}"] .input-name').hover()
        assert hot(page, "line") == [other]
        page.locator(f'.input-row[data-input="{other}"] .snap').focus()  # the keyboard shows it too
        assert hot(page, "line") == [other]
        save_screenshot(page, "reading-hover-row")


# --- colours -----------------------------------------------------------------------------------------------------------


def lab(hex_colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB "#rrggbb"."""
    c = np.array([int(hex_colour[k:k + 2], 16) for k in (1, 3, 5)]) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    t = xyz / [0.95047, 1, 1.08883]
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(x: np.ndarray, y: np.ndarray) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu and Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = x, y
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c, d_h = l2 - l1, c2 - c1, 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_bar, c_bar = (l1 + l2) / 2, (c1 + c2) / 2
    h_bar = h1 + h2 if c1 * c2 == 0 else ((h1 + h2) / 2 if abs(h1 - h2) <= 180 else (h1 + h2 + 360) / 2 % 360)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_bar, 1 + 0.015 * c_bar * t
    r_t = (-2 * np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7))
           * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    return float(np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h)))


def test_ciede2000_matches_sharma_s_published_pairs() -> None:
    # three pairs from Sharma, Wu and Dalal's test data (their table 1): Lab, Lab, ΔE00
    for x, y, want in [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
                       ((50, -1.3802, -84.2814), (50, 0, -82.7485), 1.0000),
                       ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644)]:
        assert abs(ciede2000(np.array(x), np.array(y)) - want) < 1e-3


def test_six_input_colours_stay_apart_from_each_other_and_from_the_classes(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        select_six(page)
        shown = page.eval_on_selector_all(".input-line", "ls => ls.map(l => l.dataset.colour)")
        classes = page.evaluate("async () => (await import('/static/js/palette.js')).COLOURS.classes")
    assert len(set(shown)) == 6
    among = min(ciede2000(lab(a), lab(b)) for a, b in itertools.combinations(shown, 2))
    assert among >= 30, among  # two thin lines side by side: clearly two colours, not two shades
    apart = min(np.linalg.norm(lab(a) - lab(b)) for a in shown for b in classes)
    assert apart >= 25, apart  # CIE76 ΔE: never a shade of a class's colour


# --- legibility at 800 px ----------------------------------------------------------------------------------------------



@pytest.mark.parametrize("width", [800, 1280])
def test_no_text_below_11_px_and_handles_clear_of_the_tick_labels(browser: Any, url: str, width: int) -> None:
    with explorer_page(browser, url, width) as page:
        select_six(page)
        assert page.evaluate(SMALL_TEXT) == []
        for dim in range(page.locator(".handle").count()):
            handle = page.locator(".handle").nth(dim).bounding_box()
            for label in page.locator(f'.tick-label[data-dim="{dim}"]').all():
                box = label.bounding_box()
                assert box["x"] + box["width"] <= handle["x"], (dim, label.text_content())  # left of the handle
        save_screenshot(page, f"reading-legible-{width}", full_page=True)


@pytest.mark.parametrize("width", [800, 1280, 1920])
def test_the_gallery_keeps_each_class_on_one_row(browser: Any, url: str, width: int) -> None:
    with explorer_page(browser, url, width) as page:
        thumbs = page.eval_on_selector_all(".gallery .thumb", """ts => ts.map((t) => ({
            name: t.title, top: Math.round(t.getBoundingClientRect().top)}))""")
    rows: dict[str, set[int]] = {}
    for t in thumbs:
        if t["name"].endswith(")") and "(test #" in t["name"]:  # "7 (test #0)": a test image and its class
            rows.setdefault(t["name"].split(" (")[0], set()).add(t["top"])
    assert len(rows) == 10 and all(len(tops) == 1 for tops in rows.values()), rows


# --- unusualness says its direction --------------------------------------------------------------------------------------


def draw_stroke(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    """One stroke on the drawing pad, from ``start`` to ``end`` in fractions of the pad."""
    pad = page.locator(".pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=8)
    page.mouse.up()


def test_the_badge_says_whether_an_input_is_too_easy_or_too_hard_to_explain(browser: Any, url: str) -> None:
    with explorer_page(browser, url, 1280) as page:
        draw_stroke(page, (0.5, 0.15), (0.5, 0.85))  # a single vertical stroke: simpler than most digits
        page.locator('.thumb[title="letter A"]').click()  # a shape the models never learned
        stroke = page.locator('.input-row:has(.input-name:text-is("drawing 1"))')
        letter = page.locator('.input-row:has(.input-name:text-is("letter A"))')
        # the typicality signal flags the stroke, on the easy side: its BCE + KL lies below the test mean
        typicality = stroke.locator('.signal[data-signal="typicality"]').text_content()
        assert " below the test mean" in typicality and stroke.get_attribute("data-level") in ("rare", "unusual")
        verdict = stroke.locator(".verdict").text_content()
        assert "too easy to explain" in verdict and "too hard" not in verdict, verdict
        assert stroke.get_attribute("data-direction") == "easy"
        assert "simpler than most test digits" in stroke.locator(".verdict").get_attribute("title")
        # the letter: flagged by its reconstruction error, the hard side
        verdict = letter.locator(".verdict").text_content()
        assert "too hard to explain" in verdict and "too easy" not in verdict, verdict
        assert letter.get_attribute("data-direction") == "hard"
        # the colours say it too: the easy badge is not the alarm's amber or red
        easy, hard = (row.locator(".verdict").evaluate("v => getComputedStyle(v).backgroundColor")
                      for row in (stroke, letter))
        assert easy != hard
        save_screenshot(page, "reading-badge-direction", full_page=True)


# --- an undertrained model says so -------------------------------------------------------------------------------------


def with_meta(bundle: Any, slot: str, **fields: Any) -> bytes:
    """The bundle's bytes with fields of one model's metadata replaced."""
    from aevae.explorer.bundle import Bundle

    meta = copy.deepcopy(bundle.meta)
    meta["models"][slot].update(fields)
    return Bundle(meta, bundle.arrays).to_bytes()


def notices(page: Any) -> list[str]:
    return page.eval_on_selector_all(".training-notice", "ns => ns.map(n => n.textContent)")


def test_an_undertrained_model_says_so_with_the_command_to_train_longer(browser: Any, url: str) -> None:
    from aevae.explorer.bundle import Bundle, shipped_bundle_bytes

    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    with explorer_page(browser, url, 1280) as page:
        assert notices(page) == []  # the shipped pair trained 8 epochs: nothing to say
    still_falling = {"epochs": 3, "loss": "-ELBO", "test_loss_nats_per_image": [151.0, 135.0, 129.0]}
    run = "/runs/quick/vae"
    with explorer_page(browser, url, 1280, bundle=with_meta(shipped, "vae", training=still_falling, source=run)) as page:
        [line] = notices(page)
        assert line.startswith("The VAE looks undertrained: its test -ELBO still fell 4.7 % in its last epoch "
                               "(135.0 → 129.0 nats/image).")
        assert line.endswith(f"Train it longer: aevae train --resume {run} --epochs 8")
        save_screenshot(page, "reading-undertrained")
    converged = {"epochs": 12, "loss": "-ELBO", "test_loss_nats_per_image": [122.0, 121.5]}
    with explorer_page(browser, url, 1280, bundle=with_meta(shipped, "vae", training=converged, source=run)) as page:
        assert notices(page) == []  # 0.4 % in the last epoch: converged enough
    collapsed = {"pca_explained_variance_ratio": [0.97, 0.02]}
    with explorer_page(browser, url, 1280, bundle=with_meta(shipped, "ae", **collapsed)) as page:
        [line] = notices(page)
        assert line == ("The AE looks undertrained: one principal component carries 97 % of its latent variance "
                        "(its codes lie on a line).")  # the shipped model has no run folder to resume: no command
