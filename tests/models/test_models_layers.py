"""The layer table describes the module: a NumPy interpreter of the table alone reproduces encode and decode."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from aevae.models.layers import layer_table

from support.architectures import ARCHITECTURES, architecture


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1 + np.exp(-x))


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, step: dict) -> np.ndarray:
    """PyTorch's conv2d (C, H, W) -> (Cout, H', W'), one kernel tap at a time."""
    (kh, kw), (sh, sw), (ph, pw) = step["kernel"], step["stride"], step["padding"]
    x = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    out_h, out_w = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    out = np.zeros((w.shape[0], out_h, out_w))
    for ky in range(kh):
        for kx in range(kw):
            window = x[:, ky : ky + sh * (out_h - 1) + 1 : sh, kx : kx + sw * (out_w - 1) + 1 : sw]
            out += np.einsum("oi,ihw->ohw", w[:, :, ky, kx], window)
    return out if b is None else out + b[:, None, None]


def conv_transpose2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, step: dict) -> np.ndarray:
    """PyTorch's conv_transpose2d: scatter every input pixel through the kernel, then crop the padding."""
    (kh, kw), (sh, sw), (ph, pw) = step["kernel"], step["stride"], step["padding"]
    oph, opw = step["output_padding"]
    _, h, wd = x.shape
    full = np.zeros((w.shape[1], (h - 1) * sh + kh + oph, (wd - 1) * sw + kw + opw))
    for ky in range(kh):
        for kx in range(kw):
            full[:, ky : ky + sh * (h - 1) + 1 : sh, kx : kx + sw * (wd - 1) + 1 : sw] += \
                np.einsum("io,ihw->ohw", w[:, :, ky, kx], x)
    out = full[:, ph : ph + (h - 1) * sh - 2 * ph + kh + oph, pw : pw + (wd - 1) * sw - 2 * pw + kw + opw]
    return out if b is None else out + b[:, None, None]


def run_steps(steps: list[dict], weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """One example through the table's steps, channels first as in PyTorch, checking every step's shape."""
    for step in steps:
        op = step["op"]
        if op in ("linear", "conv2d", "conv_transpose2d"):
            w = weights[f"{step['tensor']}.weight"]
            b = weights[f"{step['tensor']}.bias"] if step["bias"] else None
            if op == "linear":
                x = w @ x + (0 if b is None else b)
            else:
                x = (conv2d if op == "conv2d" else conv_transpose2d)(x, w, b, step)
        elif op == "silu":
            x = silu(x)
        elif op in ("flatten", "unflatten"):
            x = x.reshape(step["shape"])
        else:
            raise AssertionError(f"unknown step {op}")
        assert list(x.shape) == step["shape"], step
    return x


def run_table(table: dict, weights: dict[str, np.ndarray], images: np.ndarray, latents: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Decoded images, mu and logvar (or None) computed from the table, the weights and the latent size alone."""
    head, d = table["head"], latents.shape[1]
    decoded = np.stack([run_steps(table["decoder"], weights, z) for z in latents])
    if head["output"] == "sigmoid":
        decoded = 1 / (1 + np.exp(-decoded))
    out = np.stack([run_steps(table["encoder"], weights, x) for x in images])
    parts = {name: out[:, i * d : (i + 1) * d] for i, name in enumerate(head["encoder_output"])}
    logvar = parts.get("logvar")
    return decoded, parts["mu"], None if logvar is None else np.clip(logvar, *head["logvar_range"])


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_table_alone_reproduces_encode_and_decode(name: str) -> None:
    model = architecture(name)
    table = json.loads(json.dumps(layer_table(model)))  # what the bundle carries: JSON
    weights = {k: v.double().numpy() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(0)
    images = rng.random((3, *table["input"]))
    latents = rng.normal(scale=2.0, size=(4, model.cfg.latent_dim))
    decoded, mu, logvar = run_table(table, weights, images, latents)
    with torch.no_grad():
        expected = model.decode(torch.as_tensor(latents, dtype=torch.float32)).numpy()
        enc = model.encode(torch.as_tensor(images, dtype=torch.float32))
    assert decoded.shape == expected.shape
    assert np.abs(decoded - expected).max() < 1e-5
    assert np.abs(mu - enc.mu.numpy()).max() < 1e-4
    assert (logvar is None) == (enc.logvar is None)
    if logvar is not None:
        assert np.abs(logvar - enc.logvar.numpy()).max() < 1e-4


def test_the_head_clamps_logvar_as_the_model_does() -> None:
    model = architecture("shipped")
    with torch.no_grad():
        model.encoder.fc2.bias[4:] = 1e3  # every logvar far above the clamp
    table = layer_table(model)
    weights = {k: v.double().numpy() for k, v in model.state_dict().items()}
    image = np.zeros((1, *table["input"]))
    _, _, logvar = run_table(table, weights, image, np.zeros((1, 4)))
    assert np.all(logvar == table["head"]["logvar_range"][1])
    assert np.array_equal(logvar, model.encode(torch.zeros(1, *table["input"])).logvar.detach().numpy())


@pytest.mark.parametrize("change, message", [
    (lambda m: setattr(m.decoder, "deconv1", nn.ConvTranspose2d(64, 32, 4, stride=2, padding=3, dilation=2)),
     "decoder.deconv1: the layer table describes convolutions"),
    (lambda m: setattr(m.encoder, "conv2", nn.Conv2d(16, 32, 4, stride=2, padding=1, groups=2)),
     "encoder.conv2: the layer table describes convolutions"),
    (lambda m: setattr(m.decoder, "fc1", nn.Sequential(nn.Linear(4, 128), nn.GELU())),
     "decoder.fc1.1: the layer table has no entry for GELU"),
])
def test_what_the_table_cannot_describe_is_named(change, message: str) -> None:
    model = architecture("shipped")
    change(model)
    with pytest.raises(ValueError, match=message):
        layer_table(model)


def test_a_residual_addition_is_described_and_a_product_of_two_steps_refused() -> None:
    class Skip(nn.Module):
        def __init__(self, gate: bool) -> None:
            super().__init__()
            self.fc, self.gate = nn.Linear(4, 4), gate

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.fc(z) * z if self.gate else self.fc(z) + z

    model = architecture("shipped")
    model.decoder = Skip(gate=False)
    assert layer_table(model)["decoder"][-1] == {"op": "add", "inputs": [0, -1], "shape": [4]}  # fc(z) + z
    model.decoder = Skip(gate=True)
    with pytest.raises(ValueError, match="the layer table has no entry for call_function mul"):
        layer_table(model)
