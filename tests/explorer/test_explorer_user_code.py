"""What ``aevae explore --model … --data …`` loads for your own model: a data-set spec at the model's size and
channels, labels kept in the order given, an object array refused in one line; export refusing a model only Python
runs before any analysis."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from aevae.data.imageset import DataError
from aevae.explorer.user_code import load_images

from support.own_models import grey_images
from support.own_models import with_tests_importable


class Takes(nn.Module):
    """A model whose encode takes only images of one shape, as a user's fixed-size model does."""

    def __init__(self, channels: int, side: int) -> None:
        super().__init__()
        self.fc = nn.Linear(channels * side * side, 2)
        self.shape = (channels, side, side)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(z[:, :1, None, None].expand(-1, *self.shape))


def test_a_spec_is_loaded_at_the_models_size_and_channels(sprites_home: Path) -> None:
    colour = load_images("sprites:colour", model=Takes(3, 32))
    assert colour.images.shape[1:] == (3, 32, 32) and colour.images.dtype == np.uint8
    grey28 = load_images("sprites", model=Takes(1, 28))
    assert grey28.images.shape[1:] == (1, 28, 28)
    assert load_images("sprites", image_size=28).images.shape[1:] == (1, 28, 28)  # --image-size says it


def test_object_labels_are_refused_in_one_line(tmp_path: Path) -> None:
    x, _ = grey_images(6)
    path = tmp_path / "objects.npz"
    np.savez(path, images=x, labels=np.array(["a", 1, None, "b", 2, 3], dtype=object))
    with pytest.raises(DataError, match="'labels' is an array of Python objects, which aevae does not unpickle"):
        load_images(str(path))


def test_export_refuses_a_python_only_model_before_the_analysis(tmp_path: Path) -> None:
    data = tmp_path / "grey.npz"
    x, y = grey_images(40)
    np.savez(data, images=x, labels=y)
    done = subprocess.run([sys.executable, "-m", "aevae", "export", "--model", "own_models:mlp_vae", "--images",
                           str(data), "--out", str(tmp_path / "page.html")], capture_output=True, text=True,
                          env=with_tests_importable(), timeout=300)
    assert done.returncode == 2 and "your VAE needs Python to decode" in done.stderr, done.stderr
    assert "encoding" not in done.stdout + done.stderr  # no analysis ran first


def test_the_server_encodes_uploads_at_a_python_models_own_size(tmp_path: Path) -> None:
    import io

    import httpx
    from PIL import Image

    from support.own_model_page import served_own

    data = tmp_path / "grey28.npz"
    x = np.stack([np.asarray(Image.fromarray((255 * im).astype(np.uint8)).resize((28, 28))) / 255
                  for im in grey_images(30)[0]]).astype(np.float32)
    np.savez(data, images=x)
    png = io.BytesIO()
    Image.fromarray((255 * grey_images(1, seed=3)[0][0]).astype(np.uint8)).save(png, "PNG")
    with served_own("own_models:mnist28_ae", data) as url, httpx.Client(base_url=url, timeout=60) as client:
        r = client.post("api/models/vae/encode", content=png.getvalue(), headers={"Content-Type": "image/png"})
        assert r.status_code == 200, r.text
        assert len(r.json()["mu"]) == 6
