"""8-bit weights with a scale per output channel: how a family's models travel in the bundle at a quarter of
float32's bytes.

Each weight tensor of two or more dimensions is stored as int8 ``NAME`` with a float32 ``NAME.scale`` per row
(its first dimension; a row's largest magnitude maps to ±127); biases stay float32. Both readers rebuild the
float32 weights the same way, ``q * scale`` rounded once to float32 (``dequantize`` here, ``quantize.js`` in the
page), so the page and PyTorch run the very same numbers and agree as closely as on float32 weights. Against the
float32 model a decoded pixel moves by less than 0.01 (``tests/explorer/bundle/test_explorer_family.py`` measures it). Torch-free.
"""

from __future__ import annotations

import numpy as np
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors

SCALE = ".scale"  # suffix of a quantised tensor's per-row scales


def quantize(tensors: dict[str, np.ndarray]) -> bytes:
    """float32 weights -> safetensors bytes: int8 rows with their scales, biases as float32."""
    out: dict[str, np.ndarray] = {}
    for name, value in tensors.items():
        value = np.asarray(value, np.float32)
        if value.ndim < 2:
            out[name] = np.ascontiguousarray(value)
            continue
        rows = value.reshape(len(value), -1)
        scale = np.abs(rows).max(1) / 127.0
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        out[name] = np.clip(np.rint(rows / scale[:, None]), -127, 127).astype(np.int8).reshape(value.shape)
        out[name + SCALE] = scale
    return save_safetensors(out)


def dequantize(data: bytes) -> dict[str, np.ndarray]:
    """``quantize``'s bytes (or plain float16/float32 weights, returned widened) -> float32 weights by name."""
    tensors = load_safetensors(data)
    out = {}
    for name, value in tensors.items():
        if name.endswith(SCALE):
            continue
        if name + SCALE in tensors:
            scale = tensors[name + SCALE].astype(np.float32)
            shape = (len(value),) + (1,) * (value.ndim - 1)
            out[name] = value.astype(np.float32) * scale.reshape(shape)
        else:
            out[name] = value.astype(np.float32)
    return out
