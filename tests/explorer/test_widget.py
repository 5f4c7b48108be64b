"""The notebook widget's Python side with real objects: a real anywidget Explorer on the shipped models, on run
folders and on models in memory; its traits validated; messages to and from the page through ipywidgets' own
comm handling (a recording comm stands in for the kernel's)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import traitlets
from PIL import Image, ImageDraw

from aevae.config import ModelConfig
from aevae.data import preprocess_image, to_uint8
from aevae.explorer.bundle import Bundle, shipped_bundle_bytes
from aevae.explorer.bundle.models import BundleModels
from aevae.explorer.bundle.sources import explorer_bundle
from aevae.models import build_model
from aevae.explorer.widget import Explorer

from support.widget_comm import RecordingComm, from_page


@pytest.fixture
def widget() -> Explorer:
    return Explorer(comm=RecordingComm())


def reference_decode(bundle: Bundle, slot: str, z: list[float]) -> np.ndarray:
    net = BundleModels(bundle).model(slot)
    with torch.inference_mode():
        return net.decode(torch.tensor([z]))[0, 0].numpy()


def test_starts_like_the_page_on_the_shipped_models(widget: Explorer, shipped: Bundle) -> None:
    assert widget.inputs == [item["name"] for item in shipped.meta["gallery"]]
    assert widget.selected == [0] and widget.show_ae is False
    assert Bundle.from_bytes(widget._bundle).meta == shipped.meta
    net = BundleModels(shipped).model("vae")
    with torch.inference_mode():  # the line starts on the first selected input's code, as the page snaps to it
        mu = net.encode(torch.as_tensor(shipped.arrays["gallery.images"][:1, None] / 255, dtype=torch.float32)).mu
    assert np.allclose(widget.latent, mu[0].numpy(), atol=1e-6)
    assert widget._latents["vae"] == widget.latent and len(widget._latents["ae"]) == 4
    assert widget._esm.rstrip().endswith("export default { render };")
    assert ".aevae" in widget._css


def test_setting_latent_changes_output_image_as_pytorch_decodes(widget: Explorer, shipped: Bundle) -> None:
    before = widget.output_image
    assert before.shape == (32, 32) and before.dtype == np.float32 and 0 <= before.min() <= before.max() <= 1
    widget.latent = np.array([0.5, -1.0, 0.25, 1.5])
    assert widget.latent == [0.5, -1.0, 0.25, 1.5]
    assert np.abs(widget.output_image - before).max() > 0.05
    assert np.array_equal(widget.output_image, reference_decode(shipped, "vae", [0.5, -1.0, 0.25, 1.5]))
    assert widget._latents["vae"] == widget.latent


@pytest.mark.parametrize(("value", "words"), [
    ([1.0, 2.0], "must have 4 values"),
    ([0.0] * 5, "must have 4 values"),
    ([0.0, float("nan"), 0.0, 0.0], "finite numbers only"),
    ([0.0, 0.0, float("inf"), 0.0], "finite numbers only"),
    (["1", 0.0, 0.0, 0.0], "finite numbers only"),
    ([True, 0.0, 0.0, 0.0], "finite numbers only"),
    ([None, 0.0, 0.0, 0.0], "finite numbers only"),
    ("0000", "sequence of numbers"),
    (3.0, "sequence of numbers"),
    (None, "sequence of numbers"),
    (np.zeros((2, 2)), "must be 1-D"),
])
def test_bad_latents_are_refused_and_change_nothing(widget: Explorer, value: object, words: str) -> None:
    latent, lines, image = widget.latent, dict(widget._latents), widget.output_image
    sent = len(widget.comm.sent)
    with pytest.raises(traitlets.TraitError, match=words):
        widget.latent = value
    assert widget.latent == latent and widget._latents == lines
    assert np.array_equal(widget.output_image, image) and len(widget.comm.sent) == sent


def test_values_beyond_an_axis_are_clamped_to_it(widget: Explorer, shipped: Bundle) -> None:
    grid = shipped.arrays["vae.density_grid"]
    widget.latent = [1e6, -1e6, 0.0, 0.0]
    assert widget.latent[:2] == [float(grid[0, -1]), float(grid[1, 0])]


def test_show_ae_switches_the_line_and_keeps_each_models_own(widget: Explorer, shipped: Bundle) -> None:
    widget.latent = [0.1, 0.2, 0.3, 0.4]
    ae_line = widget._latents["ae"]
    widget.show_ae = True
    assert widget.latent == ae_line
    assert np.array_equal(widget.output_image, reference_decode(shipped, "ae", ae_line))
    widget.latent = [-0.1, -0.2, -0.3, -0.4]
    widget.show_ae = False
    assert widget.latent == [0.1, 0.2, 0.3, 0.4] and widget._latents["ae"] == [-0.1, -0.2, -0.3, -0.4]


@pytest.mark.parametrize(("value", "words"), [
    ([33], "indices into inputs (0 to 32)"), ([-1], "got -1"), ([True], "got True"), (["0"], "expected an int"),
])
def test_bad_selections_are_refused(widget: Explorer, value: object, words: str) -> None:
    with pytest.raises(traitlets.TraitError, match=re.escape(words)):
        widget.selected = value
    assert widget.selected == [0]


def test_selection_is_sorted_without_repeats(widget: Explorer) -> None:
    widget.selected = [7, 2, 7]
    assert widget.selected == [2, 7]


def test_inputs_are_read_only_from_python(widget: Explorer) -> None:
    with pytest.raises(traitlets.TraitError, match="read-only"):
        widget.inputs = ["x"]


def test_python_changes_go_to_the_page_in_one_message(widget: Explorer) -> None:
    widget.comm.sent.clear()
    widget.show_ae = True  # the shown line changes with the switch: the page must get both at once
    assert widget.comm.sent == [{"show_ae": True, "latent": widget._latents["ae"]}]
    widget.latent = [0.0, 0.1, 0.2, 0.3]  # and a line with the record of both models' lines
    assert widget.comm.sent[1:] == [{"latent": widget.latent, "_latents": widget._latents}]


def test_the_pages_messages_update_the_kernel(widget: Explorer) -> None:
    dragged = [0.3, 0.2, 0.1, 0.0]
    from_page(widget, {"latent": dragged, "_latents": {**widget._latents, "vae": dragged}})
    assert widget.latent == dragged and widget._latents["vae"] == dragged
    ae_line = widget._latents["ae"]  # "Show AE" ticked in the page: both values arrive together
    from_page(widget, {"show_ae": True, "latent": ae_line})
    assert widget.show_ae and widget.latent == ae_line
    widget.comm.sent.clear()  # a drawing added in the page: a new input, selected at once
    from_page(widget, {"inputs": [*widget.inputs, "drawing 1"], "selected": [0, 33]})
    assert widget.inputs[-1] == "drawing 1" and widget.selected == [0, 33]
    assert widget.comm.sent == []  # nothing echoes back to the page that sent it


def test_import_aevae_stays_light_and_explorer_is_lazy() -> None:
    code = ("import sys, aevae; light = not {'torch', 'anywidget'} & set(sys.modules); "
            "from aevae import Explorer; print(light, Explorer.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "aevae.explorer.widget"]


# --- other models: run folders, models in memory, extra images --------------------------------------------------


@pytest.fixture(scope="module")
def vae_run(analysed_runs: dict[str, Path]) -> Path:
    """A tiny trained and analysed VAE (d = 2) on the shapes data set."""
    return analysed_runs["vae"]


def drawn_ring() -> Image.Image:
    img = Image.new("RGB", (90, 60), "white")
    ImageDraw.Draw(img).ellipse([30, 10, 60, 50], outline="black", width=6)
    return img


def test_a_run_folder_a_model_in_memory_and_extra_images(vae_run: Path, tiny_folder: Path) -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="ae", latent_dim=3, width=8, hidden=32)).train()
    bar = np.zeros((28, 28), np.uint8)
    bar[4:24, 12:16] = 255
    w = Explorer(ae=model, vae=str(vae_run), images={"my ring": drawn_ring(), "my bar": bar},
                 data=f"folder:{tiny_folder}", limit=None)
    assert model.training  # analysing it left the caller's model as it was
    assert w.inputs[-2:] == ["my ring", "my bar"] and w.selected == [len(w.inputs) - 2, len(w.inputs) - 1]
    bundle = Bundle.from_bytes(w._bundle)
    images = bundle.arrays["gallery.images"]
    assert np.array_equal(images[-1], to_uint8(preprocess_image(bar)))  # normalised the MNIST way
    assert {item["data"] for item in bundle.meta["gallery"] if item["kind"] == "test"} == {f"folder:{tiny_folder}"}
    assert len(w.latent) == 2  # the VAE run's d
    w.show_ae = True
    assert len(w.latent) == 3
    w.latent = [0.0, 0.0, 0.0]  # (clamped to the axes, which need not span 0 for an untrained model)
    with torch.inference_mode():  # the widget decodes with the caller's own weights (float32): exactly
        assert np.array_equal(w.output_image, model.eval().decode(torch.tensor([w.latent]))[0, 0].numpy())
    ae = bundle.model("ae")
    assert ae["kind"] == "ae" and ae["latent_dim"] == 3 and ae["data"] == f"folder:{tiny_folder}"
    assert len(bundle.arrays["ae.pca_points"]) == 96 and "bce_nats_per_image" in ae["metrics"]


def test_sources_of_the_wrong_kind_are_refused() -> None:
    with pytest.raises(TypeError, match="run folder, an aevae LatentModel or None"):
        explorer_bundle(ae=42)
    with pytest.raises(TypeError, match="wrap a single image in a list"):
        explorer_bundle(images=np.zeros((28, 28)))


def test_your_own_colour_model_in_the_widget() -> None:
    from support.own_models import colour_images, conv_ae

    x, y = colour_images(20)
    model = conv_ae()
    w = Explorer(model=model, images=x, labels=y)
    assert len(w.latent) == 5 and w.inputs[0] == "0 (image #0)"
    with torch.inference_mode():
        want = model.decode(torch.tensor([w.latent]))[0].numpy()
    assert w.output_image.shape == (3, 64, 64) and np.abs(w.output_image - want).max() < 1e-6
    with pytest.raises(TypeError, match="model= explores your own model"):
        Explorer(model=model, images=x, ae="runs/ae")


def test_aevae_explore_is_the_served_explorer_for_your_own_model() -> None:
    import aevae
    from aevae.explorer.server.serve import explore

    assert aevae.explore is explore
