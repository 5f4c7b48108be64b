"""Test-set metrics' input handling: how uint8 images become a batch."""

from __future__ import annotations

import numpy as np
import torch

from aevae.metrics import as_batch


def test_as_batch_scales_uint8_and_adds_the_channel_axis() -> None:
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # (1, 2, 2)
    x = as_batch(images)
    assert x.shape == (1, 1, 2, 2) and x.dtype == torch.float32
    assert torch.allclose(x.flatten(), torch.tensor([0.0, 1.0, 0.2, 0.4]))


def test_as_batch_leaves_a_batch_where_its_images_are() -> None:
    # The trainer keeps the data set on the GPU and takes each batch there; a batch copied back to the CPU would
    # meet the model's CUDA weights in the first convolution. The meta device stands in for a GPU here.
    on_device = torch.zeros(3, 8, 8, dtype=torch.uint8, device="meta")
    assert as_batch(on_device).device.type == "meta"
    assert as_batch(np.zeros((3, 8, 8), np.uint8), "meta").device.type == "meta"  # or goes where it is told
