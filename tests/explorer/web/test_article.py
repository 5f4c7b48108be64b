"""The article (``aevae article``) in a real headless Chromium, served by the real command: every section renders;
its figures are the loaded models' (layer shapes and decoded pixels against PyTorch, the information numbers
against the analysis) for the shipped pair and for a tiny pair of other latent sizes; Sample and the bottleneck
edits change what they should; terms light up their figure parts; the tour walks the live explorer; the export
holds the article and runs it from file:// with no request leaving the page.

Screenshots of every section at 800 and 1920 px go to $AEVAE_ARTIFACTS (default: artifacts/ at the repository root).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.companions import shipped_companions
from aevae.explorer.bundle.models import BundleModels
from aevae.explorer.web.export import export_html
from aevae.runs import load_analysis, load_model

from support.browser import record_traffic, save_screenshot
from support.explorer_page import served_explorer, watched_page

pytestmark = pytest.mark.browser

SECTIONS = ["autoencoders", "holes", "vae", "reparameterisation", "latent-maps", "compression", "interactive",
            "information", "claims", "extensions", "takeaways", "references"]
WIDTHS = (800, 1280, 1920)  # the narrow, the common and the wide reader


def serve(*args: str) -> Iterator[str]:
    """The real ``aevae article`` on a free loopback port; yields the article's URL."""
    with served_explorer(*args, command="article") as address:
        yield address


@pytest.fixture(scope="module")
def article_url() -> Iterator[str]:
    yield from serve()


@pytest.fixture(scope="module")
def tiny_url(analysed_runs: dict[str, Path]) -> Iterator[str]:
    yield from serve("--ae", str(analysed_runs["ae"]), "--vae", str(analysed_runs["vae"]))


def open_article(browser: Any, article_url: str, width: int = 1400, bundle: bytes | None = None) -> tuple[Any, list[str]]:
    """A page with the article drawn (from ``bundle`` when given instead of the served one), and the list its
    console errors collect into."""
    page, errors = watched_page(browser, width, 1000, bundle)
    page.goto(article_url)
    page.wait_for_selector(".aevae-article[data-ready]")
    return page, errors


def torch_layer_shapes(model: Any, image: np.ndarray) -> list[tuple[str, tuple[int, ...]]]:
    """(module name, output shape without the batch) of every layer of ``model`` on ``image``, via forward hooks."""
    shapes: list[tuple[str, tuple[int, ...]]] = []
    hooks = [module.register_forward_hook(lambda m, i, o, name=name: shapes.append((name, tuple(o.shape[1:]))))
             for name, module in model.named_modules() if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear,
                                                                              torch.nn.ConvTranspose2d))]
    with torch.inference_mode():
        mu = model.encode(torch.tensor(image, dtype=torch.float32)[None, None]).mu
        model.decode(mu)
    for hook in hooks:
        hook.remove()
    return shapes


def page_blocks(page: Any) -> list[tuple[str, tuple[int, ...]]]:
    """Figure 1's blocks as the page labels them: (layer, shape)."""
    return [(b["layer"], tuple(int(v) for v in b["shape"].split(","))) for b in page.eval_on_selector_all(
        "#fig-ae .block", "bs => bs.map(b => ({layer: b.dataset.layer, "
                          "shape: b.querySelector('.block-shape').dataset.shape}))")]


def check_blocks_against_torch(page: Any, model: Any, image: np.ndarray, d: int) -> None:
    """Every block's shape is PyTorch's output shape of that layer (a flat linear output may be a map on the page)."""
    blocks = dict(page_blocks(page))
    expected = torch_layer_shapes(model, image)
    assert blocks["input"] == (1, image.shape[0], image.shape[1])
    assert blocks["code z (bottleneck)"] == (d,)
    for name, shape in expected:
        if name == "encoder.fc2":
            assert shape[0] in (d, 2 * d)  # the code (AE) or μ and log σ² (VAE)
            continue
        assert name in blocks, (name, sorted(blocks))
        assert np.prod(blocks[name]) == np.prod(shape), (name, blocks[name], shape)
        if len(shape) == 3:
            assert blocks[name] == shape, name
    assert len(blocks) == len(expected) + 1  # every layer, the input, and the code in place of encoder.fc2


def canvas_grey(page: Any, selector: str) -> np.ndarray:
    values = page.evaluate("""(s) => {
        const c = document.querySelector(s);
        return [c.width, Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)];
    }""", selector)
    side, data = values
    return np.array(data, np.uint8).reshape(-1, side, 4)[:, :, 0]


def info_values(page: Any) -> dict[str, float]:
    return {o["key"]: float(o["value"]) for o in page.eval_on_selector_all(
        ".val[data-key]", "os => os.filter(o => o.dataset.value !== undefined).map(o => ({key: o.dataset.key, "
                          "value: o.dataset.value}))") if o["value"] not in ("undefined", "null", "")}


# --- the shipped models --------------------------------------------------------------------------------------------


def test_every_section_renders_and_is_kept_as_screenshots(browser: Any, article_url: str) -> None:
    for width in WIDTHS:
        page, errors = open_article(browser, article_url, width)
        for sid in SECTIONS:
            section = page.locator(f"#{sid}")
            assert section.locator(f"#{sid}-h").inner_text().strip(), sid
            assert len(section.inner_text()) > 200, sid
            box = page.eval_on_selector(f"#{sid}", "s => [s.offsetTop, s.offsetHeight]")
            save_screenshot(page, f"article-{sid}-{width}", full_page=True,
                            clip={"x": 0, "y": box[0], "width": width, "height": box[1]})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
        if width == 1920:
            save_screenshot(page, "article-full-1920", full_page=True)
        page.close()
        assert not errors, errors


def test_figure_1_is_the_shipped_ae_layer_by_layer(browser: Any, article_url: str) -> None:
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    page, errors = open_article(browser, article_url)
    index = int(page.eval_on_selector("#fig1-input", "s => s.value"))
    image = bundle.arrays["gallery.images"][index] / 255
    model = BundleModels(bundle).model("ae")
    check_blocks_against_torch(page, model, image, bundle.model("ae")["latent_dim"])
    with torch.inference_mode():  # the output block is PyTorch's reconstruction of that input, as drawn
        x = torch.tensor(image, dtype=torch.float32)[None, None]
        expected = model.decode(model.encode(x).mu)[0, 0].numpy()
    assert np.abs(canvas_grey(page, ".fig1-output").astype(int) - np.round(255 * (1 - expected))).max() <= 1
    chain = page.inner_text("#autoencoders .shape-chain")
    assert chain.startswith("1×32×32 → ") and " → 4 → " in chain
    page.close()
    assert not errors, errors


def test_editing_a_latent_in_figure_1_reruns_the_decoder(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    before = canvas_grey(page, ".fig1-output")
    decoded = int(page.get_attribute("#fig-ae .fig-body", "data-decoded"))
    slider = page.locator("#fig-ae .zslider").first
    slider.focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    assert int(page.get_attribute("#fig-ae .fig-body", "data-decoded")) > decoded
    assert np.abs(canvas_grey(page, ".fig1-output").astype(int) - before).max() > 0
    # Another input refills the encoder's blocks.
    first_map = canvas_grey(page, '#fig-ae .block[data-layer="encoder.conv1"] canvas')
    page.select_option("#fig1-input", index=12)
    assert np.abs(canvas_grey(page, '#fig-ae .block[data-layer="encoder.conv1"] canvas').astype(int)
                  - first_map).max() > 0
    page.close()
    assert not errors, errors


def test_sample_draws_eps_and_changes_z_and_the_image(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    z0 = page.get_attribute("#fig-vae .fig-body", "data-z")
    image0 = canvas_grey(page, ".fig2-output")
    eps0 = page.inner_text("#fig-reparam .fig3-table tbody")
    page.click("#fig-vae .sample-button")
    z1 = page.get_attribute("#fig-vae .fig-body", "data-z")
    assert z1 != z0
    assert np.abs(canvas_grey(page, ".fig2-output").astype(int) - image0).max() > 0
    # Figure 3 shows the same ε: ∂z/∂σ = ε, ∂z/∂μ = 1 for each dimension.
    eps_fig3 = [float(v) for v in page.eval_on_selector_all(".dz-dsigma", "cs => cs.map(c => c.dataset.value)")]
    rows = page.eval_on_selector_all("#fig-vae tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    mu = np.array([float(r[1].replace("−", "-")) for r in rows])
    sigma = np.array([float(r[2].replace("−", "-")) for r in rows])
    z = np.array([float(v) for v in z1.split(",")])
    assert np.allclose(z, mu + sigma * np.array(eps_fig3), atol=2e-3)  # z = μ + σ·ε, to the table's rounding
    assert page.eval_on_selector_all(".dz-dmu", "cs => cs.map(c => c.textContent)") == ["1"] * len(z)
    assert page.inner_text("#fig-reparam .fig3-table tbody") != eps0
    page.close()
    assert not errors, errors


def test_the_information_numbers_are_the_analysis_numbers(browser: Any, article_url: str) -> None:
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    page, errors = open_article(browser, article_url)
    values = info_values(page)
    info = bundle.model("vae")["info"]
    for key in ("input_bits", "latent_float_bits", "ratio"):
        assert values[key] == info[key], key
    assert values["share"] == pytest.approx(1 / info["ratio"])
    assert values["compression"] == pytest.approx(1 - info["latent_float_bits"] / info["input_bits"])
    assert values["vae_kl_bits"] == pytest.approx(bundle.model("vae")["metrics"]["kl_bits_per_image"])
    assert values["ae_bits_used"] == bundle.model("ae")["info"]["bits_used_per_image"]
    text = page.inner_text("#information")
    assert "8,192" in text and "98.44 %" in text and "1.56 %" in text and "98.5 %" in text
    page.close()
    assert not errors, errors


def test_claims_use_the_shipped_d2_ae_and_say_what_is_not_measured(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    verdicts = page.eval_on_selector_all("#claims .verdict", "vs => vs.map(v => v.dataset.verdict)")
    assert len(verdicts) == 3
    companion = shipped_companions().get("ae-d2")
    if companion:
        assert verdicts[0] in ("agrees", "disagrees")
        assert float(page.inner_text('[data-key="claim1.ae"]')) == pytest.approx(
            companion["metrics"]["bce_nats_per_image"], abs=0.005)
    else:
        assert verdicts[0] == "not measured" and "aevae train --model ae --latent 2" in page.inner_text("#claims")
    for verdict, text in zip(verdicts, page.eval_on_selector_all("#claims .verdict", "vs => vs.map(v => v.innerText)")):
        if verdict == "not measured":
            assert "aevae " in text  # the command that measures it
    page.close()
    assert not errors, errors


def test_terms_light_up_their_figure_parts(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    term = page.locator('#vae .term[data-term="mu"]').first
    term.hover()
    lit = page.eval_on_selector_all(".lit", "ns => ns.map(n => n.dataset.part)")
    assert lit and set(lit) == {"mu"}
    page.mouse.move(0, 0)
    assert page.locator(".lit").count() == 0
    page.locator('#vae .term[data-term="sigma"]').first.focus()  # keyboard too
    assert page.locator('#fig-vae [data-part="sigma"].lit').count() >= 1
    page.close()
    assert not errors, errors


def test_the_guided_tour_walks_the_live_explorer_by_keyboard(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    page.focus(".tour-start")
    page.keyboard.press("Enter")
    box = page.locator(".tour-box")
    assert box.is_visible() and box.get_attribute("data-step") == "0"
    assert page.locator(".embedded-explorer .tour-lit").count() == 1
    seen = set()
    texts: list[str] = []
    for step in range(12):
        if not box.is_visible():
            break
        seen.add(page.eval_on_selector(".embedded-explorer .tour-lit", "n => n.className"))
        texts.append(page.inner_text(".tour-step"))
        if step == 4:  # the step that switches the live view to the AE
            assert page.locator(".embedded-explorer .latent-title").inner_text().startswith("AE")
            save_screenshot(page, "article-tour-step-5")
        page.keyboard.press("ArrowRight")
    assert len(seen) >= 5
    assert any("percentile among the training codes" in s for s in texts)  # not "ranked among the test images"
    assert not box.is_visible() and page.locator(".tour-lit").count() == 0
    assert page.evaluate("document.activeElement.classList.contains('tour-start')")  # focus returns to the button
    page.close()
    assert not errors, errors


def test_the_explorer_and_the_article_link_to_each_other(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    page.click(".to-explorer")
    page.wait_for_selector(".output-canvas[data-drawn]")
    page.click(".page-switch a")
    page.wait_for_selector(".aevae-article[data-ready]")
    page.close()
    assert not errors, errors


def test_keyboard_focus_is_visible_and_print_and_reduced_motion_are_respected(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    page.focus("#fig2-input")
    page.keyboard.press("Tab")  # the next control of Figure 2 is its Sample button
    assert page.evaluate("document.activeElement.classList.contains('sample-button')")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    flowing = "getComputedStyle(document.querySelector('.reparam.after .gradient path')).animationName"
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(flowing) != "none"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(flowing) == "none"
    page.emulate_media(media="print")
    assert not page.locator(".embedded-explorer").is_visible() and page.locator("#fig-ae").is_visible()
    page.close()
    assert not errors, errors


def altered_bundle(change: Callable[[dict], None]) -> bytes:
    """The shipped bundle with ``change`` applied to its models' metadata (weights and arrays as shipped)."""
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    meta = copy.deepcopy(bundle.meta)
    change(meta["models"])
    return Bundle(meta, bundle.arrays).to_bytes()


def pixel(page: Any, selector: str, x: float, y: float) -> list[int]:
    return page.evaluate("([s, x, y]) => Array.from(document.querySelector(s).getContext('2d')"
                         ".getImageData(Math.round(x), Math.round(y), 1, 1).data)", [selector, x, y])


def test_figure_5_marks_z0_at_the_projected_origin_apart_from_the_centroid(browser: Any, article_url: str) -> None:
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    page, errors = open_article(browser, article_url)
    for slot in ("ae", "vae"):
        canvas = f'.pca-fig[data-slot="{slot}"] canvas'
        origin = [float(v) for v in page.get_attribute(canvas, "data-origin").split(",")]
        expected = (0 - bundle.arrays[f"{slot}.pca_mean"]) @ bundle.arrays[f"{slot}.pca_components"].T
        assert np.allclose(origin, expected, atol=1e-4), slot
        ox, oy = (float(v) for v in page.get_attribute(canvas, "data-origin-px").split(","))
        cx, cy = (float(v) for v in page.get_attribute(canvas, "data-centroid-px").split(","))
        assert pixel(page, canvas, ox, oy)[0] < 90  # the cross is drawn there
        if slot == "ae":  # the AE's codes sit off the origin: the two marks are apart on the map
            assert math.hypot(ox - cx, oy - cy) > 20
    text = page.inner_text("#latent-maps")
    assert "z = 0" in text and "centroid" in text and "mean μ" in text
    values = info_values(page)
    for slot in ("ae", "vae"):  # how far each centroid lies from z = 0, from the bundle's PCA means
        assert values[f"{slot}.centroid"] == pytest.approx(float(np.linalg.norm(bundle.arrays[f"{slot}.pca_mean"])),
                                                          rel=1e-5)
    assert "the AE's codes as a whole sit off the origin, the VAE's around it" in text
    page.close()
    assert not errors, errors


def test_the_kl_is_an_upper_bound_on_the_information_in_article_and_explorer(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    assert "upper bound on the mutual information I(x; z)" in page.inner_text("#information")
    assert "upper bound on the information I(x; z)" in page.text_content(".embedded-explorer .info-panel")
    assert "is the information its noisy code carries" not in page.text_content("body")
    page.close()
    assert not errors, errors


def test_judgement_sentences_follow_the_numbers(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    maps, claims = page.inner_text("#latent-maps"), page.inner_text("#claims")
    compression = page.inner_text("#compression")
    page.close()
    assert "overlap little" in maps and "overlap heavily" not in maps  # 5-NN ≈ 91-93 %: not "overlap"
    assert "the VAE pays" in compression and "pays nothing here" not in compression
    assert "does not make the AE generate" not in claims  # 69 % of the AE's prior draws pass

    def swap(models: dict) -> None:
        for slot in models:
            models[slot]["organisation"]["knn5_accuracy"] = 0.3
        models["ae"]["prior"]["plausible_fraction"] = 0.2
        models["vae"]["prior"]["plausible_fraction"] = 0.9
        models["vae"]["metrics"]["bce_nats_per_image"] = models["ae"]["metrics"]["bce_nats_per_image"] - 2

    page, more = open_article(browser, article_url, bundle=altered_bundle(swap))
    maps, claims = page.inner_text("#latent-maps"), page.inner_text("#claims")
    compression = page.inner_text("#compression")
    page.close()
    assert "pays nothing here (2.00 nats/image better)" in compression and "gives up no reconstruction" in compression
    assert "overlap heavily" in maps and "30.0 %" in maps and "overlap little" not in maps
    assert "does not make the AE generate" in claims and "20 %" in claims
    assert not errors + more, errors + more


def test_sentences_read_the_layer_table_and_the_bit_counts(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    assert page.inner_text("#autoencoders .dense-layers") == "two fully connected layers (1,024 → 128 → 4)"
    ratio = page.inner_html('#information .correction[data-key="bit-ratio"]')
    assert "ratio of bit counts" in ratio and "2<sup>128</sup>" in ratio and "2<sup>8,192</sup>" in ratio
    assert "2<sup>−8,064</sup>" in ratio and "1-in-64 chance" in ratio
    assert "fewer than 50 % of the AE's" in page.inner_text("#claims .claims > li:nth-child(3) .criterion")
    interactive = page.inner_text("#interactive .prose")
    assert "training codes" in interactive and "position among the test images" not in interactive
    page.close()
    assert not errors, errors


def test_the_objective_is_written_with_the_vaes_numbers(browser: Any, article_url: str) -> None:
    metrics = Bundle.from_bytes(shipped_bundle_bytes()).model("vae")["metrics"]
    page, errors = open_article(browser, article_url)
    values = info_values(page)
    assert values["elbo.total"] == pytest.approx(metrics["neg_elbo_nats_per_image"])
    assert values["elbo.kl"] == pytest.approx(metrics["kl_nats_per_image"])
    assert values["elbo.recon"] + values["elbo.kl"] == pytest.approx(values["elbo.total"])
    assert values["elbo.iw"] == pytest.approx(metrics["iw_nll_nats_per_image"])
    assert page.locator("#vae #kl-knob").count() == 1  # the slot the "Turn the KL knob" figure mounts into
    # ∂z/∂(log σ²) = ½·σ·ε for the input and ε of Figures 3 and 4
    rows = page.eval_on_selector_all("#fig-vae tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    sigma = np.array([float(r[2]) for r in rows])
    eps = np.array([float(v) for v in page.eval_on_selector_all(".dz-dsigma", "cs => cs.map(c => c.dataset.value)")])
    dlogvar = np.array([float(v) for v in page.eval_on_selector_all(".dz-dlogvar", "cs => cs.map(c => c.dataset.value)")])
    assert np.allclose(dlogvar, 0.5 * sigma * eps, atol=2e-3)
    page.close()
    assert not errors, errors


def test_the_holes_figure_decodes_both_models_along_the_line_and_resamples(browser: Any, article_url: str) -> None:
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    page, errors = open_article(browser, article_url)
    body = "#fig-holes .fig-body"
    page.wait_for_function("(s) => document.querySelector(s).dataset.grids", arg=body)
    now = {s: f'.holes-now[data-slot="{s}"] canvas' for s in ("ae", "vae")}
    before = {s: canvas_grey(page, sel) for s, sel in now.items()}
    page.focus("#holes-t")
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    t = float(page.get_attribute(body, "data-t"))
    assert t > 0.8
    for slot, sel in now.items():
        assert np.abs(canvas_grey(page, sel).astype(int) - before[slot]).max() > 0, slot
    images = bundle.arrays["gallery.images"] / 255
    a, b = (int(page.eval_on_selector(s, "e => e.value")) for s in ("#holes-a", "#holes-b"))
    for slot in ("ae", "vae"):  # each model's image at t is PyTorch's decoding of the point on the line
        model = BundleModels(bundle).model(slot)
        with torch.inference_mode():
            za, zb = (model.encode(torch.tensor(images[i], dtype=torch.float32)[None, None]).mu for i in (a, b))
            expected = model.decode(za + t * (zb - za))[0, 0].numpy()
        assert np.abs(canvas_grey(page, now[slot]).astype(int) - np.round(255 * (1 - expected))).max() <= 2, slot
    page.locator('.holes-strips .holes-strip[data-slot="ae"] canvas').nth(2).click()  # the step at A
    assert float(page.get_attribute(body, "data-t")) == 0 and page.input_value("#holes-t") == "0"
    draws = json.loads(page.get_attribute(body, "data-draws"))
    assert draws[0] == draws[1]  # d agrees: both models decode the same draws
    first = canvas_grey(page, '.holes-prior .holes-strip[data-slot="vae"] canvas')
    count = int(page.get_attribute(body, "data-resampled") or 0)
    page.click("#fig-holes .holes-resample")
    page.wait_for_function("([s, n]) => +(document.querySelector(s).dataset.resampled || 0) > n", arg=[body, count])
    assert json.loads(page.get_attribute(body, "data-draws")) != draws
    assert np.abs(canvas_grey(page, '.holes-prior .holes-strip[data-slot="vae"] canvas').astype(int) - first).max() > 0
    page.close()
    assert not errors, errors


def test_the_paper_is_named_and_the_article_opens_with_its_question(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    title = "Towards an Interpretable Latent Space — An Intuitive Comparison of Autoencoders with Variational Autoencoders"
    masthead = page.inner_text(".masthead")
    assert title in masthead and "Spinner, Jonas Körner, Jochen Görtler and Oliver Deussen" in masthead
    assert "The question." in masthead and page.locator(".masthead .goals li").count() >= 2
    first = page.inner_text(".references li:first-child")
    assert first.startswith("Spinner, T., Körner, J., Görtler, J., Deussen, O. (2018)") and title in first
    for sid in SECTIONS[:10]:  # every section up to the takeaways says what the reader should now see
        assert page.locator(f"#{sid} .now-see").count() == 1, sid
    assert page.locator("#takeaways .takeaways li").count() >= 3
    assert page.locator("details.reproduce:not([open])").count() >= 3  # commands collapsed, out of the prose
    page.close()
    assert not errors, errors


def test_yardsticks_are_computed_from_the_bundle(browser: Any, article_url: str) -> None:
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    page, errors = open_article(browser, article_url)
    values = info_values(page)
    tests = np.array([i for i, g in enumerate(bundle.meta["gallery"]) if g["kind"] == "test"])
    x = bundle.arrays["gallery.images"][tests].reshape(len(tests), -1) / 255
    mean = np.clip(x.mean(0), 1e-6, 1 - 1e-6)
    baseline = -(x * np.log(mean) + (1 - x) * np.log(1 - mean)).sum(1).mean()
    assert values["baseline.bce"] == pytest.approx(baseline, rel=1e-5)
    ae = bundle.model("ae")
    assert values["ae.bce_pixel"] == pytest.approx(ae["metrics"]["bce_nats_per_image"] / x.shape[1])
    d = bundle.model("vae")["latent_dim"]
    assert values["prior.norm"] == pytest.approx(math.sqrt(2) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2)))
    # Figure 6 draws the VAE's μ of the shared input: PyTorch's encoder on the same image
    index = int(page.eval_on_selector("#fig1-input", "s => s.value"))
    model = BundleModels(bundle).model("vae")
    with torch.inference_mode():
        mu = model.encode(torch.tensor(bundle.arrays["gallery.images"][index] / 255, dtype=torch.float32)[None, None]).mu
    drawn = [float(v) for v in page.get_attribute("#fig-parallel .fig-body", "data-mu").split(",")]
    assert np.allclose(drawn, mu[0].numpy(), atol=1e-4)
    assert page.locator("#fig-parallel .pc-violin").count() == d
    page.close()
    assert not errors, errors


def test_definitions_open_by_keyboard_and_close_with_escape(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    page.locator("#autoencoders .prose .term.v-z").last.focus()  # the bottleneck; the next stop is 'nats'
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.dataset.def")
    assert focused == "nats"
    tip = page.locator('#autoencoders .def[data-def="nats"] .def-tip')
    assert tip.is_visible() and "1/ln 2" in tip.inner_text()
    assert page.evaluate("document.activeElement.getAttribute('aria-describedby')") == tip.get_attribute("id")
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    for key in ("kl", "prior", "posterior", "bits", "latent-unit", "silhouette", "nmi", "purity", "mmd"):
        assert page.locator(f'.def[data-def="{key}"]').count() >= 1, key
    page.close()
    assert not errors, errors


def test_sigma_can_be_shown_magnified_and_says_so(browser: Any, article_url: str) -> None:
    bundle = Bundle.from_bytes(shipped_bundle_bytes())
    page, errors = open_article(browser, article_url)
    page.click("#fig-vae .widest")  # the input whose mean σ is the largest, by PyTorch's encoder
    model = BundleModels(bundle).model("vae")
    with torch.inference_mode():
        sigma = model.encode(torch.tensor(bundle.arrays["gallery.images"] / 255, dtype=torch.float32)[:, None]).sigma
    widest = int(sigma.mean(1).argmax())
    assert int(page.eval_on_selector("#fig2-input", "s => s.value")) == widest
    page.select_option("#fig2-magnify", "20")
    assert page.get_attribute("#fig-vae .strip", "data-magnify") == "20"
    assert "×20" in page.inner_text("#fig-vae .strip-note") and "own samples are those at ×1" in page.inner_text(
        "#fig-vae .strip-note")
    page.close()
    assert not errors, errors


# --- a tiny pair of other latent sizes: nothing is hard-coded ---------------------------------------------------------


def test_a_tiny_pair_shows_its_own_shapes_and_numbers(browser: Any, tiny_url: str,
                                                      analysed_runs: dict[str, Path]) -> None:
    page, errors = open_article(browser, tiny_url)
    _, ae = load_model(analysed_runs["ae"])
    blocks = dict(page_blocks(page))
    side = ae.cfg.image_size
    check_blocks_against_torch(page, ae.eval(), np.zeros((side, side)), ae.cfg.latent_dim)
    assert blocks["encoder.conv1"] == (ae.cfg.width, side // 2, side // 2) and blocks["encoder.fc1"] == (ae.cfg.hidden,)
    analysis = load_analysis(analysed_runs["vae"])
    values = info_values(page)
    for key in ("input_bits", "latent_float_bits", "ratio"):
        assert values[key] == analysis.info[key], key
    assert values["vae_kl_bits"] == pytest.approx(analysis.metrics["kl_bits_per_image"])
    assert values["vae_bits_used"] == analysis.info["bits_used_per_image"]
    assert values["ae_bits_used"] == load_analysis(analysed_runs["ae"]).info["bits_used_per_image"]
    assert page.inner_text("#autoencoders .dense-layers").endswith(f"→ {ae.cfg.hidden} → {ae.cfg.latent_dim})")
    assert f"2<sup>{analysis.info['latent_float_bits']:,}</sup>" in page.inner_html("#information .correction")
    assert page.locator("#fig-vae tbody tr").count() == 2  # the VAE's d = 2
    assert page.locator("#fig-ae .zslider").count() == 3  # the AE's d = 3
    assert page.locator("#fig-rd .rd-line").count() >= 2  # both curves, from the runs' analyses
    for claim in page.locator("#claims .verdict").all():  # d = 2 VAE, d = 3 AE: no claim can be decided
        assert claim.get_attribute("data-verdict") == "not measured" and "aevae train" in claim.inner_text()
    save_screenshot(page, "article-tiny-pair", full_page=True)
    page.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def same_d(tiny_folder: Path, analysed_runs: dict[str, Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The article on a tiny AE with the tiny VAE's latent size (d = 2), so claims 2 and 3 can be decided;
    yields its URL and the AE's run folder."""
    from aevae.analysis import analyze_run
    from support.tiny_runs import ANALYSED_LATENT, train_tiny_run

    ae = train_tiny_run(tiny_folder, tmp_path_factory.mktemp("same-d") / "ae", "ae", ANALYSED_LATENT["vae"])
    analyze_run(ae, progress=False)
    for article_url in serve("--ae", str(ae), "--vae", str(analysed_runs["vae"])):
        yield article_url, ae


def test_the_claims_verdicts_are_the_reports(browser: Any, same_d: tuple[str, Path],
                                             analysed_runs: dict[str, Path]) -> None:
    from aevae.report.claims import check_claims
    from aevae.report.table import summary_row

    article_url, ae = same_d
    page, errors = open_article(browser, article_url)
    verdicts = page.eval_on_selector_all("#claims .verdict", "vs => vs.map(v => v.dataset.verdict)")
    text = page.inner_text("#claims")
    page.close()
    assert not errors, errors
    rows = [summary_row(load_analysis(run)) for run in (ae, analysed_runs["vae"])]
    expected = [c.verdict.replace("not tested", "not measured") for c in check_claims(rows)]
    assert verdicts == expected
    prior = {r["model"]: r["prior_plausible_fraction"] for r in rows}
    assert f"VAE {100 * prior['vae']:.0f} %, AE {100 * prior['ae']:.0f} %" in text  # claim 3's numbers


# --- the exported file ---------------------------------------------------------------------------------------------


def test_the_export_holds_the_article_and_runs_it_offline(browser: Any, tmp_path: Path) -> None:
    out = export_html(tmp_path / "explorer.html", progress=False)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, errors = record_traffic(page)
    page.goto(out.resolve().as_uri() + "#article")
    page.wait_for_selector(".aevae-article[data-ready]")
    for sid in SECTIONS:
        assert page.locator(f"#{sid}-h").count() == 1
    page.click("#fig-vae .sample-button")
    page.click(".to-explorer")  # the link to the explorer, inside the same file
    page.wait_for_selector(".output-canvas[data-drawn]")
    assert page.locator(".aevae-article").count() == 0
    save_screenshot(page, "article-export-explorer", full_page=False)
    page.close()
    assert not errors, errors
    assert requests and all(article_url.startswith(("file:", "data:", "blob:")) for article_url in requests), requests


# --- accessibility -------------------------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict]:
    """axe-core's serious and critical violations on ``page`` (axe.min.js from the axe-playwright-python wheel)."""
    axe = pytest.importorskip("axe_playwright_python")
    page.add_script_tag(path=str(Path(axe.__file__).parent / "axe.min.js"))
    found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violation_in_the_article_or_the_explorer(browser: Any, article_url: str) -> None:
    page, errors = open_article(browser, article_url)
    violations = axe_violations(page)
    assert violations == [], "\n".join(map(str, violations))
    page.goto(article_url.removesuffix("article"))
    page.wait_for_selector(".output-canvas[data-drawn]")
    violations = axe_violations(page)
    assert violations == [], "\n".join(map(str, violations))
    page.close()
    assert not errors, errors

