"""The usual idioms of real VAEs in the layer table (aevae.models.user_layers) and in the page's network
(network.js): separate fc_mu/fc_logvar heads, GroupNorm/BatchNorm/LayerNorm, residual additions, reshapes after the
final activation, tanh outputs and [-1, 1] inputs. Each is built by hand here (not aevae's classes), converted, run
by the page's own network in Chromium and compared with PyTorch; what still needs Python says why in one line, and
a model torch.fx cannot trace falls back to Python instead of raising.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.numpy import save as save_safetensors
from torch import nn

from aevae.explorer.bundle.own_model import own_model_bundle, python_only
from aevae.models.user_layers import user_layer_table
from aevae.models.user_model import UserModel, UserModelError

from support.own_models import (
    ResBlock,
    _randomise_norms,
    collapsed_mlp_vae,
    colour_images,
    grey_images,
    res_conv_vae,
    tanh_ae,
)
from support.own_models import with_tests_importable

GREY = torch.as_tensor(grey_images(8)[0])[:, None]  # (8, 1, 32, 32)
COLOUR = torch.as_tensor(colour_images(8)[0])  # (8, 3, 64, 64)


class Idiom(nn.Module):
    """One idiom in a small VAE on 32×32 grey images: ``encoder`` gives features (N, 32), ``heads`` turns them into
    mu, logvar, ``decoder`` gives the image; each case below swaps one part."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, d: int = 4, separate: bool = False,
                 final: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder, self.decoder, self.separate, self.final = encoder, decoder, separate, final
        self.fc_mu, self.fc_logvar = nn.Linear(32, d), nn.Linear(32, d)
        self.head = nn.Linear(32, 2 * d)
        _randomise_norms(self)

    def encode(self, x: torch.Tensor) -> Any:
        h = self.encoder(x)
        return (self.fc_mu(h), self.fc_logvar(h)) if self.separate else self.head(h).chunk(2, dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = self.decoder(z)
        return torch.sigmoid(out).view(-1, 1, 32, 32) if self.final is None else self.final(out)


def mlp_encoder(*middle: nn.Module) -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(1024, 32), *middle)


def conv_encoder(*middle: nn.Module) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), *middle, nn.ReLU(), nn.Flatten(), nn.Linear(8 * 16 * 16, 32))


def mlp_decoder(*middle: nn.Module) -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 64), *middle, nn.Linear(64, 1024))


def conv_decoder(*middle: nn.Module) -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8 * 16 * 16), nn.Unflatten(1, (8, 16, 16)), *middle,
                         nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Flatten())


def idiom(name: str) -> nn.Module:
    """The small model showing idiom ``name``, seeded."""
    torch.manual_seed(11)
    cases = {
        "separate heads": lambda: Idiom(mlp_encoder(nn.ReLU()), mlp_decoder(nn.ReLU()), separate=True),
        "batchnorm": lambda: Idiom(conv_encoder(nn.BatchNorm2d(8)), mlp_decoder(nn.BatchNorm1d(64), nn.ReLU())),
        "groupnorm": lambda: Idiom(conv_encoder(nn.GroupNorm(2, 8)), conv_decoder(nn.GroupNorm(4, 8), nn.SiLU())),
        "layernorm": lambda: Idiom(mlp_encoder(nn.LayerNorm(32), nn.Tanh()), mlp_decoder(nn.LayerNorm(64), nn.ELU())),
        "residual": lambda: Idiom(conv_encoder(ResBlock(8)), conv_decoder(ResBlock(8), nn.LeakyReLU(0.2))),
        "unflatten after sigmoid": lambda: Idiom(mlp_encoder(nn.ReLU()), mlp_decoder(nn.ReLU()),
                                                 final=nn.Sequential(nn.Sigmoid(), nn.Unflatten(1, (1, 32, 32)))),
        "tanh output": lambda: Idiom(mlp_encoder(nn.ReLU()), mlp_decoder(nn.ReLU()),
                                     final=nn.Sequential(nn.Tanh(), nn.Unflatten(1, (1, 32, 32)))),
        "conv vae, d = 16": res_conv_vae,
        "mlp vae, d = 64": collapsed_mlp_vae,
        "tanh ae, [-1, 1] inputs": tanh_ae,
    }
    return cases[name]()


IDIOMS = ["separate heads", "batchnorm", "groupnorm", "layernorm", "residual", "unflatten after sigmoid",
          "tanh output", "conv vae, d = 16", "mlp vae, d = 64", "tanh ae, [-1, 1] inputs"]

BASE64_JS = "const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));"
NETWORK_IN_PAGE = """async ({weights, meta, latents, images}) => {""" + BASE64_JS + """
    const {readSafetensors} = await import('/static/js/safetensors.js');
    const {createNetwork} = await import('/static/js/network.js');
    const net = createNetwork(readSafetensors(fromBase64(weights)).tensors, meta);
    const codes = images.map(x => net.encode(x));
    return {decoded: latents.map(z => Array.from(net.decode(z))), mu: codes.map(c => Array.from(c.mu)),
            sigma: codes.map(c => c.sigma && Array.from(c.sigma))};
}"""


@pytest.fixture(scope="module")
def blank_page(browser: Any, url: str) -> Any:
    """A page of the served explorer, for importing its modules."""
    page = browser.new_page()
    page.goto(url)
    page.wait_for_selector(".output-canvas[data-drawn]")
    yield page
    page.close()


@pytest.mark.parametrize("name", IDIOMS)
def test_each_idiom_is_converted_and_the_page_runs_it_like_pytorch(blank_page: Any, name: str) -> None:
    module = idiom(name)
    x = COLOUR if name.startswith("conv vae") else GREY
    model = UserModel.wrap(module, x)
    table, weights = user_layer_table(model)  # raises if the table cannot express the idiom
    rng = np.random.default_rng(0)
    latents = rng.normal(0, 1.5, (4, model.cfg.latent_dim)).astype(np.float32)
    meta = {"slot": "vae", "latent_dim": model.cfg.latent_dim, "layers": table}
    got = blank_page.evaluate(NETWORK_IN_PAGE, {
        "weights": base64.b64encode(save_safetensors({k: v.numpy() for k, v in weights.items()})).decode(),
        "meta": meta, "latents": latents.tolist(), "images": x[:3].flatten(1).tolist()})
    with torch.inference_mode():
        want = model.decode(torch.as_tensor(latents)).flatten(1).numpy()  # pixels in [0, 1], as the page shows
        enc = model.encode(x[:3])
    assert np.abs(np.array(got["decoded"]) - want).max() < 1e-5
    assert np.abs(np.array(got["mu"]) - enc.mu.numpy()).max() < 1e-4
    if enc.sigma is not None:
        assert np.abs(np.array(got["sigma"]) - enc.sigma.numpy()).max() < 1e-4


def test_the_tanh_ae_is_found_to_read_and_write_minus_one_to_one() -> None:
    model = UserModel.wrap(tanh_ae(), GREY)
    assert model.output == "tanh" and model.input_range == (-1.0, 1.0)
    assert "read as a tanh output" in model.notes[0] and "(say output='tanh'" in model.notes[0]
    assert "encode() is given pixels in [-1, 1]" in model.notes[1]
    with torch.inference_mode():  # the reconstructions in [0, 1] match the images
        assert float((model.decode(model.encode(GREY).mu) - GREY).abs().mean()) < 0.03
    told = UserModel.wrap(tanh_ae(), GREY, output="tanh", input_range=(0, 1))  # said explicitly: no guessing
    assert told.input_range == (0.0, 1.0) and not any("[-1, 1]: read" in n for n in told.notes)


class Shifted(nn.Module):
    """The tanh AE's decodings shifted so they reach ``low`` at the darkest pixel."""

    def __init__(self, low: float) -> None:
        super().__init__()
        self.inner, self.low = tanh_ae(), low

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner.encode(2 * x - 1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = (self.inner.decode(z) + 1) / 2
        return out - out.min() + self.low


def test_a_tiny_overshoot_is_clamped_with_a_note_and_a_real_one_is_refused_in_the_callers_syntax() -> None:
    model = UserModel.wrap(Shifted(-0.001), GREY)
    assert model.output == "probabilities" and "overshoot of at most 0.001 beyond [0, 1] is rounding" in model.notes[0]
    with torch.inference_mode():
        assert float(model.decode(model.encode(GREY).mu).min()) == 0.0
    with pytest.raises(UserModelError, match=r"pass output='logits'; if in a tanh, output='tanh'"):
        UserModel.wrap(Shifted(-0.2), GREY, output="probabilities")
    with pytest.raises(UserModelError, match=r"pass --output logits; if in a tanh, --output tanh"):
        UserModel.wrap(Shifted(-0.2), GREY, output="probabilities", cli=True)


class SlicedSequential(nn.Module):
    """A decoder that slices its Sequential (torch.fx cannot trace the slice) and an encoder through NumPy."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.enc = nn.Linear(1024, 3)
        self.dec = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1024), nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(torch.from_numpy(x.flatten(1).numpy().copy()))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec[: len(self.dec)](z).view(-1, 1, 32, 32)


def test_a_model_torch_fx_cannot_trace_is_decoded_by_python_saying_why() -> None:
    bundle, _ = own_model_bundle(SlicedSequential(), *grey_images(30))
    why = python_only(bundle)["vae"]
    assert why.startswith("torch.fx cannot trace encode() (") and "\n" not in why


def start_lines(factory: str, data: Path) -> str:
    """What ``aevae explore --model FACTORY --data DATA`` prints before its URL."""
    proc = subprocess.Popen([sys.executable, "-m", "aevae", "explore", "--no-browser", "--port", "0", "--model",
                             factory, "--images", str(data)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=with_tests_importable())
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "http://127.0.0.1:" in line:
                break
        return "".join(seen)
    finally:
        proc.terminate()
        proc.wait(10)


def test_explore_says_in_one_line_at_start_how_the_page_decodes(tmp_path: Path) -> None:
    data = tmp_path / "grey.npz"
    x, y = grey_images(40)
    np.savez(data, images=x, labels=y)
    said = start_lines("own_models:mlp_vae", data)
    assert "MlpVae: decoded by Python behind the page, because encoder.m.enc.2: the layer table has no entry for " \
           "GELU\n" in said, said
    said = start_lines("own_models:tanh_ae", data)
    assert "TanhAe: the page decodes it" in said and "TanhAe: decode() returned values in" in said, said
    assert "(say --output tanh;" in said and "test metrics (reconstruction error, KL) on 40 images" in said
    assert said.index("TanhAe: the page decodes it") < said.index("test metrics")  # said before the analysis
