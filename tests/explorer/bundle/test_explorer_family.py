"""Families of models (aevae.runs.family, aevae.explorer.bundle.family) and the explorer's slider, on a tiny β family
(three β, tiny data) and a tiny run with snapshots, trained here; the slider driven in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from aevae.cli import main
from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle import family as bundle_family
from aevae.explorer.bundle.family import member_model, with_family, without_family
from aevae.explorer.bundle.from_runs import build_bundle
from aevae.explorer.bundle.quantize import dequantize, quantize
from aevae.explorer.web.export import export_page
from aevae.runs import CONFIG, RunError, load_model
from aevae.runs.family import family_of
from aevae.runs.snapshots import snapshot_path
from aevae.training.trainer import train

from support.browser import handle_values
from support.explorer_page import explorer_page
from support.tiny_runs import TINY_BETAS, train_tiny_run


@pytest.fixture(scope="session")
def snapshot_run(tiny_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny VAE trained three epochs with snapshots at epochs 0, 1 and 3."""
    out = tmp_path_factory.mktemp("snapshots") / "vae"
    cfg = RunConfig(model=ModelConfig(kind="vae", latent_dim=2, width=8, hidden=32),
                    train=TrainConfig(data=f"folder:{tiny_folder}", epochs=3, batch_size=16, threads=1,
                                      snapshots="0,1,3"))
    train(cfg, out, progress_bar=False)
    return out


@pytest.fixture(scope="session")
def family_bundle(tiny_family: Path, analysed_runs: dict[str, Path]) -> Bundle:
    """The tiny analysed pair in the slots and the tiny β family for the slider."""
    return with_family(build_bundle(analysed_runs, progress=False), [tiny_family], progress=False)


# --- the family, from run folders ------------------------------------------------------------------------------------


def test_a_folder_of_beta_runs_is_a_beta_family(tiny_family: Path) -> None:
    family = family_of([tiny_family])
    assert family.axis == "beta" and family.symbol == "β" and family.values == sorted(TINY_BETAS)
    assert [m.run.name for m in family.members] == [f"beta-{b:g}" for b in sorted(TINY_BETAS)]
    assert all("bce_nats_per_image" in m.metrics for m in family.members)
    listed = family_of([tiny_family / "beta-8", tiny_family / "beta-0"])  # runs named one by one, in any order
    assert listed.values == [0.0, 8.0]


def test_runs_of_several_latent_sizes_are_a_d_family(tiny_folder: Path, tmp_path: Path) -> None:
    for d in (3, 2):
        train_tiny_run(tiny_folder, tmp_path / f"vae-d{d}", "vae", d)
    family = family_of([tmp_path])
    assert family.axis == "latent_dim" and family.values == [2.0, 3.0] and family.symbol == "d"


def test_one_run_with_snapshots_is_an_epoch_family(snapshot_run: Path) -> None:
    family = family_of([snapshot_run])
    assert family.axis == "epoch" and family.values == [0.0, 1.0, 3.0]
    assert [m.epoch for m in family.members] == [0, 1, 3]
    assert family.members[0].metrics["bce_nats_per_image"] > family.members[-1].metrics["bce_nats_per_image"]


def test_runs_that_differ_in_more_than_one_setting_are_named(tiny_family: Path, tiny_folder: Path,
                                                              tmp_path: Path) -> None:
    other = train_tiny_run(tiny_folder, tmp_path / "d3", "vae", 3)  # β 1, but d = 3 and one epoch
    with pytest.raises(RunError, match=r"differ in beta, epochs, latent_dim, but a family varies one setting"):
        family_of([tiny_family / "beta-0", other, tiny_family / "beta-8"])
    limited = train_tiny_run(tiny_folder, tmp_path / "limited", "vae", 2, epochs=2, limit=48)
    with pytest.raises(RunError, match=r"differ in limit, but.*; limit must be the same.*same images"):
        family_of([tiny_family / "beta-1", limited])


def test_one_run_missing_snapshots_or_a_run_in_training_are_refused(tiny_family: Path, snapshot_run: Path,
                                                                      tiny_folder: Path, tmp_path: Path) -> None:
    plain = train_tiny_run(tiny_folder, tmp_path / "plain", "vae", 2)  # no snapshots
    with pytest.raises(RunError, match="at least two runs, or one run trained with --snapshots"):
        family_of([plain])
    assert family_of([tiny_family / "beta-1"]).axis == "epoch"  # one run with snapshots is a family of its epochs
    copy = shutil.copytree(snapshot_run, tmp_path / "copy")
    snapshot_path(copy, 1).unlink()
    with pytest.raises(RunError, match="epoch-0001.safetensors is missing"):
        family_of([copy])
    training = shutil.copytree(tiny_family, tmp_path / "family")
    config = json.loads((training / "beta-8" / CONFIG).read_text())
    config["train"]["epochs"] = 5  # as a run that has trained 2 of its 5 epochs so far
    (training / "beta-8" / CONFIG).write_text(json.dumps(config))
    with pytest.raises(RunError, match="beta-8 has trained 2 of 5 epochs: it is still training"):
        family_of([training])
    with pytest.raises(RunError, match="neither a run folder nor a folder of runs"):
        family_of([tmp_path / "nothing"])


def test_a_family_too_large_for_the_page_says_the_limit(tiny_family: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_family, "MAX_MEMBERS", 2)
    with pytest.raises(Exception, match=r"3 models of [\d.]+ MB each.*at most 2 models"):
        bundle_family.family_entries(family_of([tiny_family]), progress=False)


def test_the_cli_names_bad_input_in_a_message(tiny_family: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["export", "--family", str(tiny_family / "beta-1"), str(tiny_family / "nothing"), "--out",
                   str(tiny_family / "x.html")])
    assert status == 2 and "nothing is neither a run folder nor a folder of runs" in capsys.readouterr().err
    assert not (tiny_family / "x.html").exists()


# --- the family in the bundle ----------------------------------------------------------------------------------------


def test_the_bundle_carries_each_member_in_8_bits_close_to_its_float32_model(family_bundle: Bundle,
                                                                             tiny_family: Path) -> None:
    family = family_bundle.meta["family"]
    assert family["axis"] == "beta" and family["values"] == sorted(TINY_BETAS)
    again = Bundle.from_bytes(family_bundle.to_bytes())
    assert again.meta["family"]["values"] == family["values"]
    z = torch.randn(16, 2, generator=torch.Generator().manual_seed(0))
    for i, beta in enumerate(family["values"]):
        member = family["members"][i]
        assert member["value"] == beta and set(member["headline"]) == {"bce_nats_per_image", "kl_bits_per_image",
                                                                       "neg_elbo_nats_per_image"}
        _, original = load_model(tiny_family / f"beta-{beta:g}")
        with torch.no_grad():
            moved = (member_model(again, i).decode(z) - original.decode(z)).abs().max().item()
        assert 0 < moved < 0.01  # 8-bit weights: the decoded pixels move, by less than 1 % of the range
        weights = again.arrays[f"family.{i}.weights"]
        assert weights.nbytes < 0.3 * sum(v.numel() * 4 for v in original.state_dict().values()) + 4096


def test_dequantize_inverts_quantize_to_the_rows_scale() -> None:
    rng = np.random.default_rng(0)
    weights = {"conv.weight": rng.normal(size=(8, 4, 3, 3)).astype(np.float32), "conv.bias": np.ones(8, np.float32),
               "zero.weight": np.zeros((2, 5), np.float32)}
    back = dequantize(quantize(weights))
    assert np.array_equal(back["conv.bias"], weights["conv.bias"]) and not back["zero.weight"].any()
    step = np.abs(weights["conv.weight"]).reshape(8, -1).max(1) / 127
    assert (np.abs(back["conv.weight"] - weights["conv.weight"]).reshape(8, -1).max(1) <= step / 2 + 1e-7).all()


def test_export_keeps_the_family_or_leaves_it_out(family_bundle: Bundle) -> None:
    bare = without_family(family_bundle)
    assert "family" not in bare.meta and not any(k.startswith("family.") for k in bare.arrays)
    assert len(export_page(bare)) < len(export_page(family_bundle))


# --- the slider in Chromium ------------------------------------------------------------------------------------------


VIOLIN_EXTENT = """() => {
    const axes = [...document.querySelectorAll('.axis')];
    return [...document.querySelectorAll('.violin')].map((v) => {
        const a = axes[Number(v.dataset.dim)];
        const [top, bottom] = [Number(a.getAttribute('y1')), Number(a.getAttribute('y2'))];
        const [lo, hi] = [Number(a.dataset.min), Number(a.dataset.max)];
        const ys = v.getAttribute('d').match(/-?[\\d.]+,-?[\\d.]+/g).map((p) => Number(p.split(',')[1]));
        const value = (y) => hi - ((y - top) / (bottom - top)) * (hi - lo);
        return [value(Math.max(...ys)), value(Math.min(...ys))];
    });
}"""


def member_code(bundle: Bundle, index: int, image: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return member_model(bundle, index).encode(torch.as_tensor(image, dtype=torch.float32)[None, None]).mu[0].numpy()


def assert_shows_member(page: object, bundle: Bundle, index: int) -> None:
    """The violins span member ``index``'s training latents and the black line holds its code of the first input."""
    grids = bundle.arrays[f"family.{index}.density_grid"]
    extent = np.array(page.evaluate(VIOLIN_EXTENT))
    assert np.abs(extent - np.stack([grids.min(1), grids.max(1)], 1)).max() < 0.02 * np.ptp(grids)
    code = member_code(bundle, index, bundle.arrays["gallery.images"][0] / 255.0)
    assert np.abs(handle_values(page) - code).max() < 1e-4
    family = bundle.meta["family"]
    assert page.locator(".family-stop").text_content().startswith(f"Showing the model at β = {family['values'][index]:g}")
    bce = family["members"][index]["headline"]["bce_nats_per_image"]
    assert f"BCE {bce:.1f} nats/image" in page.locator(".family-headline").text_content()


@pytest.mark.browser
def test_the_slider_moves_violins_lines_and_numbers_by_keyboard_and_mouse(browser: object, url: str,
                                                                          family_bundle: Bundle) -> None:
    with explorer_page(browser, url, bundle=family_bundle.to_bytes()) as page:
        lines = lambda: page.eval_on_selector_all(".input-line .mu", "ls => ls.map(l => l.getAttribute('points'))")  # noqa: E731
        before = lines()
        page.focus(".family-range")
        page.keyboard.press("Home")
        assert_shows_member(page, family_bundle, 0)
        assert lines() != before
        at_zero = lines()
        page.keyboard.press("ArrowRight")
        assert_shows_member(page, family_bundle, 1)
        box = page.locator(".family-range").bounding_box()
        page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
        assert_shows_member(page, family_bundle, 2)
        assert lines() != at_zero
        assert page.locator(".rd-dot").count() == 3 and page.locator(".rd-dot.current").get_attribute("data-index") == "2"
        page.locator(".rd-dot").nth(0).click()  # the chart's dots are stops too
        assert_shows_member(page, family_bundle, 0)
        assert page.locator(".thumb[aria-pressed='true']").count() == 1  # the selection stays
        page.locator(".family-own").click()  # back to the pair's own VAE
        assert page.locator(".family-stop").text_content().startswith("Showing the pair's own VAE")
        assert page.locator(".family-own").is_hidden() and page.evaluate(
            "() => document.activeElement.classList.contains('family-range')")
        grids = family_bundle.arrays["vae.density_grid"]
        extent = np.array(page.evaluate(VIOLIN_EXTENT))
        assert np.abs(extent - np.stack([grids.min(1), grids.max(1)], 1)).max() < 0.02 * np.ptp(grids)
        assert lines() == before


@pytest.mark.browser
def test_the_exported_family_works_from_file_with_no_network(browser: object, family_bundle: Bundle,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "family.html"
    path.write_text(export_page(family_bundle), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_selector(".output-canvas[data-drawn]")
    page.focus(".family-range")
    page.keyboard.press("Home")
    assert_shows_member(page, family_bundle, 0)
    page.close()
    assert not requests, requests


# --- the article's "Turn the KL knob" --------------------------------------------------------------------------------


def knob_page(browser: object, url: str, bundle: Bundle) -> object:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/api/bundle", lambda route: route.fulfill(body=bundle.to_bytes(),
                                                            content_type="application/octet-stream"))
    page.goto(url)
    page.wait_for_selector("#kl-knob .knob-cell")
    return page


@pytest.mark.browser
def test_the_article_turns_the_kl_knob_with_numbers_from_the_bundle(browser: object, family_bundle: Bundle) -> None:
    from support.explorer_page import served_explorer

    members = family_bundle.meta["family"]["members"]
    with served_explorer(command="article") as url:
        page = knob_page(browser, url, family_bundle)
        violins = lambda: page.eval_on_selector_all(".knob-violin", "vs => vs.map(v => v.getAttribute('d'))")  # noqa: E731
        page.locator(".knob-range").focus()
        page.keyboard.press("Home")
        first = violins()
        shown = float(page.locator('.knob-numbers .val[data-key="kl_bits_per_image"]').get_attribute("data-value"))
        assert shown == members[0]["headline"]["kl_bits_per_image"]
        page.keyboard.press("End")
        assert violins() != first and page.locator(".knob-value").text_content() == "β = 8"
        rows = page.locator(".learn-row")  # "Watch it learn": β = 0 and β = 1, one panel per saved epoch
        assert [rows.nth(i).get_attribute("data-value") for i in range(rows.count())] == ["0", "1"]
        assert page.locator(".learn-row").nth(1).locator("canvas").count() == 3
        snaps = family_bundle.meta["family"]["snapshots"]
        first = snaps[0]["metrics"][0]["bce_nats_per_image"]
        assert f"epoch 0: BCE {first:,.0f} nats" in page.locator(".learn-cell figcaption").first.text_content()
        summary = page.locator(".knob-summary").text_content()
        assert "rate falls" in summary and f"{members[0]['headline']['kl_bits_per_image']:.1f}" in summary
        page.close()
        flipped = json.loads(json.dumps(family_bundle.meta))  # the same family with the ends' rates swapped
        ends = flipped["family"]["members"]
        ends[0]["headline"]["kl_bits_per_image"], ends[-1]["headline"]["kl_bits_per_image"] = 0.5, 9.5
        page = knob_page(browser, url, Bundle(flipped, family_bundle.arrays))
        assert "rate rises from 0.5 to 9.5 bits/image" in page.locator(".knob-summary").text_content()
        page.close()


# --- the shipped β family --------------------------------------------------------------------------------------------


FAMILY_IN_PAGE = """async ({latents, images}) => {
    const {loadBundle} = await import('/static/js/bundle.js');
    const bundle = loadBundle(await (await fetch('/api/bundle')).arrayBuffer());
    return bundle.family.members.map((m) => ({
        decoded: latents.map((z) => Array.from(m.net.decode(z))),
        encoded: images.map((x) => Array.from(m.net.encode(x).mu)),
    }));
}"""


@pytest.mark.browser
def test_every_shipped_family_model_decodes_and_encodes_in_the_page_as_in_pytorch(browser: object, url: str) -> None:
    shipped = Bundle.from_bytes(shipped_bundle_bytes())
    family = shipped.meta["family"]
    assert family["axis"] == "beta" and len(family["members"]) >= 5 and family["values"][0] == 0
    latents = np.random.default_rng(2).normal(scale=2.0, size=(8, 4))
    images = shipped.arrays["gallery.images"][::6] / 255.0
    page = browser.new_page()
    page.goto(url)
    got = page.evaluate(FAMILY_IN_PAGE, {"latents": latents.tolist(), "images": images.reshape(len(images), -1).tolist()})
    page.close()
    assert len(got) == len(family["members"])
    for i, member in enumerate(got):
        model = member_model(shipped, i)
        with torch.no_grad():
            decoded = model.decode(torch.as_tensor(latents, dtype=torch.float32))[:, 0].numpy()
            mu = model.encode(torch.as_tensor(images, dtype=torch.float32)[:, None]).mu.numpy()
        assert np.abs(np.array(member["decoded"]).reshape(decoded.shape) - decoded).max() < 1e-4, i
        assert np.abs(np.array(member["encoded"]) - mu).max() < 1e-4, i
