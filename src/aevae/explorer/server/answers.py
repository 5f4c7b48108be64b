"""How the API writes decoded images: JSON text made by NumPy, or raw bytes for clients that ask for them.

A 256-latent answer holds 262,144 pixels. Python's ``json.dumps`` of rounded floats took about 390 ms for it and held
the interpreter lock throughout, so every other request waited; writing the digits with NumPy's array operations
takes a few milliseconds, mostly outside the lock, in a worker thread.
"""

from __future__ import annotations

import json

import numpy as np

PIXEL_DECIMALS = 6  # pixels in [0, 1] are sent to within 5e-7, far below an 8-bit image's 1/255 step
BINARY_TYPE = "application/octet-stream"
BINARY_DTYPES = ("float32", "uint8")  # float32: the decoder's values; uint8: 0..255, rounded like aevae.data.to_uint8


def pixels_json(images: np.ndarray) -> bytes:
    """Images (B, H, W) grey or (B, 3, H, W) colour in [0, 1] as the JSON text of nested lists, each value written
    with PIXEL_DECIMALS decimals."""
    scale = 10**PIXEL_DECIMALS
    units = np.rint(np.clip(images.astype(np.float64), 0, 1) * scale).astype(np.int32)  # (B, ..., W), 0..scale
    width = PIXEL_DECIMALS + 3  # "d.dddddd,"
    chars = np.empty(units.shape + (width,), np.uint8)
    chars[..., 0] = ord("0") + units // scale
    chars[..., 1] = ord(".")
    for i in range(PIXEL_DECIMALS):
        chars[..., 2 + i] = ord("0") + units // 10 ** (PIXEL_DECIMALS - 1 - i) % 10
    chars[..., -1] = ord(",")
    nested = chars.reshape(*units.shape[:-1], -1)  # "v,v,...,v," per row
    for _ in range(units.ndim - 1):  # bracket the rows, then the images' planes, then the images
        nested = _bracketed(nested)
        nested = nested.reshape(*nested.shape[:-2], -1)
    return b"[" + nested.tobytes()[:-1] + b"]"


def _bracketed(items: np.ndarray) -> np.ndarray:
    """Each row of comma-terminated items (..., N) as "[items]," (..., N + 2): the last comma becomes the bracket."""
    out = np.empty(items.shape[:-1] + (items.shape[-1] + 2,), np.uint8)
    out[..., 0] = ord("[")
    out[..., 1:-1] = items
    out[..., -2] = ord("]")
    out[..., -1] = ord(",")
    return out


def decode_json(slot: str, latents: np.ndarray, images: np.ndarray) -> bytes:
    """The decode answer {"model", "latents", "images"} as JSON bytes."""
    head = json.dumps({"model": slot, "latents": latents.tolist()})[:-1]
    return head.encode() + b', "images": ' + pixels_json(images) + b"}"


def encode_json(slot: str, mu: np.ndarray, sigma: np.ndarray | None, image: np.ndarray,
                bce: float | None = None) -> bytes:
    """The encode answer {"model", "mu", "sigma" (None for an AE), "bce" (nats/image, where given), "image"} as
    JSON bytes."""
    fields = {"model": slot, "mu": mu.tolist(), "sigma": None if sigma is None else sigma.tolist()}
    if bce is not None:
        fields["bce"] = bce
    head = json.dumps(fields, allow_nan=False)[:-1]
    return head.encode() + b', "image": ' + pixels_json(image[None])[1:-1] + b"}"


def pixels_binary(images: np.ndarray, dtype: str) -> bytes:
    """Images (B, H, W) or (B, 3, H, W) in [0, 1] as raw little-endian bytes, row-major, float32 or uint8."""
    if dtype == "uint8":
        return np.rint(np.clip(images, 0, 1) * 255).astype(np.uint8).tobytes()
    return np.ascontiguousarray(images, dtype="<f4").tobytes()
