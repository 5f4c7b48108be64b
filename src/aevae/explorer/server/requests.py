"""What API clients send, checked before it reaches a model: latents, pixel arrays and uploaded image files.

Every refusal is an ``ApiError`` carrying an HTTP status and a message saying what was wrong and what is accepted,
so a bad request never reaches PyTorch or Pillow's decoders in a state they could choke on.
"""

from __future__ import annotations

import io
import json
import warnings
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from aevae.data import DataError, preprocess_image

MAX_BODY_BYTES = 8 * 2**20  # 8 MiB: a large phone photo; more is refused before it is read in full
MAX_IMAGE_PIXELS = 4096 * 4096  # checked from the file header, before any pixel is decoded (decompression bombs)
MAX_PIXEL_SIDE = 1024  # rows or columns of a JSON pixel array
MAX_LATENTS = 256  # latents decoded per request
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # Pillow decoders an upload may reach


class ApiError(Exception):
    """A request the API refuses: HTTP ``status`` and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status  # 4xx
        self.message = message


def parse_json(body: bytes) -> Any:
    """The JSON document in a request body."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the body is not valid JSON ({exc})") from None


def numeric_array(value: Any, what: str) -> np.ndarray:
    """A JSON list (of lists) of finite numbers as float64; booleans, strings, null, NaN and ∞ are refused."""
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nesting
        raise ApiError(422, f"{what} must be a rectangular array of numbers") from None
    if arr.size == 0 or arr.dtype.kind not in "iuf" or _has_bool(value):
        raise ApiError(422, f"{what} must hold numbers only (got {_describe(value)})")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ApiError(422, f"{what} must be finite: NaN and infinity are not latent values or pixels")
    return arr


def parse_latents(payload: Any, latent_dim: int) -> np.ndarray:
    """Latents (B, d) float32 from {"latent": [d numbers]} or {"latents": [[d numbers], ...]}."""
    if not isinstance(payload, dict) or ("latent" in payload) == ("latents" in payload):
        raise ApiError(422, 'send {"latent": [numbers]} or {"latents": [[numbers], ...]}')
    if "latent" in payload:
        z = numeric_array(payload["latent"], "latent")[None] if isinstance(payload["latent"], list) else None
    else:
        z = numeric_array(payload["latents"], "latents") if isinstance(payload["latents"], list) else None
    if z is None or z.ndim != 2:
        raise ApiError(422, "latent must be a list of numbers, latents a list of such lists")
    if z.shape[1] != latent_dim:
        raise ApiError(422, f"this model's latent has {latent_dim} values; got {z.shape[1]}")
    if len(z) > MAX_LATENTS:
        raise ApiError(413, f"at most {MAX_LATENTS} latents per request; got {len(z)}")
    return z.astype(np.float32)


def image_from_pixels(payload: Any) -> np.ndarray:
    """The MNIST-style (32, 32) image of {"pixels": [[row], ...]}: grey levels in [0, 1] or 0..255, any size."""
    if not isinstance(payload, dict) or not isinstance(payload.get("pixels"), list):
        raise ApiError(422, 'send {"pixels": [[grey levels of row 0], [row 1], ...]} or an image file')
    pixels = numeric_array(payload["pixels"], "pixels")
    if pixels.ndim != 2 or max(pixels.shape) > MAX_PIXEL_SIDE:
        raise ApiError(422, f"pixels must be a 2-D array of at most {MAX_PIXEL_SIDE}×{MAX_PIXEL_SIDE} grey levels; "
                            f"got shape {pixels.shape}")
    if pixels.max() > 1:  # 0..255 grey levels; preprocess_image would otherwise stretch the range it sees
        pixels = pixels / 255.0
    return _preprocess(np.clip(pixels, 0, 1))


def image_from_file(data: bytes) -> np.ndarray:
    """The MNIST-style (32, 32) image of an uploaded PNG, JPEG, GIF, BMP, WebP or TIFF file, decoded defensively."""
    if not data:
        raise ApiError(400, "the upload is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise ApiError(413, f"the image is {img.width}×{img.height} pixels; at most "
                                        f"{MAX_IMAGE_PIXELS:,} pixels are decoded")
                img.load()
                return _preprocess(img)
    except UnidentifiedImageError:
        raise ApiError(415, f"not an image file this API reads ({', '.join(IMAGE_FORMATS)})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ApiError(413, f"refused a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt data inside a valid header
        raise ApiError(422, f"the image file is damaged or truncated ({exc})") from None


def _preprocess(img: Image.Image | np.ndarray) -> np.ndarray:
    try:
        return preprocess_image(img)
    except DataError as exc:
        raise ApiError(422, f"cannot use this image: {exc}") from None


def _has_bool(value: Any) -> bool:
    """True if a (nested) list holds a JSON true/false, which NumPy would silently read as 1/0."""
    if isinstance(value, list):
        return any(_has_bool(v) for v in value)
    return isinstance(value, bool)


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
