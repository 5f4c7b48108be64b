"""UserModel: any encode/decode pair checked on the user's images before anything runs, with messages naming the
method and the shape expected; the pythae adapter on a stand-in shaped like pythae's models."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from aevae.data.arrays import array_images
from aevae.data.imageset import DataError
from aevae.models.adapters import pythae_model
from aevae.models.user_layers import user_layer_table
from aevae.models.user_model import UserModel, UserModelError

from support.own_models import colour_images, conv_ae, grey_images, mlp_vae


@pytest.fixture(scope="module")
def grey() -> torch.Tensor:
    return torch.as_tensor(grey_images(8)[0])[:, None]  # (8, 1, 32, 32)


def test_a_module_with_mu_and_logvar_is_a_vae_and_decodes_like_the_module(grey: torch.Tensor) -> None:
    module = mlp_vae()
    model = UserModel.wrap(module, grey)
    assert (model.cfg.kind, model.cfg.latent_dim, model.cfg.image_size, model.cfg.channels) == ("vae", 7, 32, 1)
    enc = model.encode(grey)
    mu, logvar = module.encode(grey)
    assert torch.equal(enc.mu, mu) and torch.allclose(enc.sigma, torch.exp(0.5 * logvar))
    assert torch.equal(model.decode(mu), module.decode(mu))
    assert torch.allclose(torch.sigmoid(model.decode_logits(mu)), module.decode(mu), atol=1e-5)


def test_a_colour_conv_ae_and_a_pair_of_callables() -> None:
    x = torch.as_tensor(colour_images(4)[0])
    module = conv_ae()
    model = UserModel.wrap(module, x)
    assert (model.cfg.kind, model.cfg.latent_dim, model.cfg.image_size, model.cfg.channels) == ("ae", 5, 64, 3)
    assert not module.training  # put in eval mode: its BatchNorm uses its running statistics
    pair = UserModel.wrap((module.encode, module.decode), x)
    assert pair.cfg == model.cfg and next(pair.parameters()).device.type == "cpu"


class Returns(nn.Module):
    """A model whose encode and decode return what the test says."""

    def __init__(self, encode, decode) -> None:
        super().__init__()
        self._e, self._d = encode, decode

    def encode(self, x):
        return self._e(x)

    def decode(self, z):
        return self._d(z)


def image_of(z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(z[:, :1, None, None].expand(-1, 1, 32, 32))


@pytest.mark.parametrize(("encode", "decode", "says"), [
    (lambda x: x.flatten(1)[:, 0], image_of, "encode() returned mu of shape (4,); it should return mu (N, d)"),
    (lambda x: x.flatten(1)[:, :3], lambda z: torch.zeros(len(z), 1, 28, 28),
     "decode() returned shape (4, 1, 28, 28); it should return images (N, 1, 32, 32)"),
    (lambda x: x.flatten(1)[:, :3] * float("nan"), image_of, "encode() returned mu with NaN"),
    (lambda x: x.flatten(1)[:, :3], lambda z: image_of(z) * float("nan"), "decode() returned NaN"),
    (lambda x: x.flatten(1)[:, :3], lambda z: 1 / 0, "decode() raised ZeroDivisionError: division by zero"),
    (lambda x: x.flatten(1)[:, :3], lambda z: z[:, :1, None, None].expand(-1, 1, 32, 32) - 5,
     "returned values in [-5, -5]; aevae reads them as pixel values in [0, 1]. If your decoder ends in logits"),
    (lambda x: (x.flatten(1)[:, :3], x.flatten(1)[:, :2]), image_of, "encode() returned mu (4, 3) and logvar (4, 2)"),
    (lambda x: "codes", image_of, "encode() returned str"),
])
def test_bad_models_are_refused_naming_the_method_and_the_shape(grey: torch.Tensor, encode, decode, says) -> None:
    with pytest.raises(UserModelError) as caught:
        UserModel.wrap(Returns(encode, decode), grey[:4])
    assert says in str(caught.value)


def test_logits_are_accepted_when_declared(grey: torch.Tensor) -> None:
    logits = lambda z: z[:, :1, None, None].expand(-1, 1, 32, 32) * 100  # noqa: E731
    model = UserModel.wrap(Returns(lambda x: x.flatten(1)[:, :3], logits), grey, output="logits")
    z = torch.tensor([[-1.0, 0, 0], [1.0, 0, 0]])
    assert model.decode(z)[0].max() < 1e-6 and model.decode(z)[1].min() > 1 - 1e-6


def test_something_without_encode_and_decode_is_refused(grey: torch.Tensor) -> None:
    with pytest.raises(UserModelError, match="needs encode\\(x\\) and decode\\(z\\)"):
        UserModel.wrap(nn.Linear(3, 3), grey)


def test_pythae_adapter_on_a_pythae_shaped_stand_in(grey: torch.Tensor) -> None:
    inner = mlp_vae()

    class Encoder(nn.Module):  # pythae's encoders return a ModelOutput with these attribute names
        def forward(self, x):
            mu, logvar = inner.encode(x)
            return SimpleNamespace(embedding=mu, log_covariance=logvar)

    class Decoder(nn.Module):
        def forward(self, z):
            return SimpleNamespace(reconstruction=inner.decode(z))

    standin = SimpleNamespace(encoder=Encoder(), decoder=Decoder())
    model = UserModel.wrap(pythae_model(standin), grey)
    assert model.cfg.kind == "vae" and model.cfg.latent_dim == 7
    mu, _ = inner.encode(grey)
    assert torch.equal(model.encode(grey).mu, mu) and torch.equal(model.decode(mu), inner.decode(mu))


def test_array_images_take_grey_or_colour_and_refuse_what_they_cannot_read() -> None:
    x, y = colour_images(6)
    data = array_images(x, np.array(["red", "blue"] * 3))
    assert data.images.shape == (6, 3, 64, 64) and data.images.dtype == np.uint8 and data.classes == ("red", "blue")
    assert list(data.labels) == [0, 1] * 3  # names in the order given, not the alphabet's
    assert array_images(x, np.array([3, 1] * 3)).classes == ("1", "3")  # numbers in increasing order
    assert array_images(grey_images(5)[0]).images.shape == (5, 1, 32, 32)
    with pytest.raises(DataError, match="channels last"):
        array_images(x.transpose(0, 2, 3, 1))
    with pytest.raises(DataError, match=r"must lie in \[0, 1\]"):
        array_images(x * 2)
    with pytest.raises(DataError, match="one per image"):
        array_images(x, y[:3])


def test_images_of_light_strokes_on_a_dark_ground_are_prepared_as_glyphs() -> None:
    blobs = grey_images(40)[0]  # light blobs on black: MNIST-style
    assert array_images(blobs).preprocess == "glyph"
    assert array_images(1 - blobs).preprocess == "fit"  # dark blobs on white: pictures, taken as they are
    assert array_images(colour_images(6)[0]).preprocess == "fit"  # colour is never a glyph


def test_pythae_adapter_on_a_real_pythae_model_folder(grey: torch.Tensor, tmp_path) -> None:
    pythae_models = pytest.importorskip("pythae.models")
    vae = pythae_models.VAE(pythae_models.VAEConfig(input_dim=(1, 32, 32), latent_dim=6))
    vae.save(str(tmp_path))  # a model folder as pythae's training writes it
    loaded = pythae_models.AutoModel.load_from_folder(str(tmp_path))
    model = UserModel.wrap(pythae_model(loaded), grey)
    assert (model.cfg.kind, model.cfg.latent_dim) == ("vae", 6)
    with torch.inference_mode():
        out = loaded.encoder(grey)
        assert torch.equal(model.encode(grey).mu, out.embedding)
        assert torch.equal(model.decode(out.embedding), loaded.decoder(out.embedding).reconstruction)
    ae = pythae_models.AE(pythae_models.AEConfig(input_dim=(1, 32, 32), latent_dim=3))
    assert UserModel.wrap(pythae_model(ae), grey).cfg.kind == "ae"
    table, _ = user_layer_table(model)  # pythae's MLP encoder with its two heads and its decoder: run in the page
    assert table["head"]["encoder_output"] == ["mu", "logvar"] and table["encoder"][-1]["tensor"] == "encoder.heads"


def test_a_pair_of_a_modules_methods_puts_the_module_in_eval_mode(grey: torch.Tensor) -> None:
    from support.own_models import collapsed_mlp_vae

    module = collapsed_mlp_vae().train()  # a BatchNorm1d in training mode cannot decode one latent
    model = UserModel.wrap((module.encode, module.decode), grey)
    assert not module.training and model.decode(torch.zeros(1, 64)).shape == (1, 1, 32, 32)
