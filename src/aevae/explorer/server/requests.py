"""What API clients send, checked before it reaches a model: latents, pixel arrays and uploaded image files.

Every refusal is an ``ApiError`` carrying an HTTP status and a message saying what was wrong and what is accepted,
so a bad request never reaches PyTorch or Pillow's decoders in a state they could choke on.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from aevae.data import DataError, prepare_image
from aevae.data.decode import decode_reduced, reduced, reduction
from aevae.explorer.bundle.format import GLYPH_32

MAX_BODY_BYTES = 8 * 2**20  # 8 MiB: a large phone photo; more is refused before it is read in full
MAX_IMAGE_PIXELS = 4096 * 4096  # checked from the file header, before any pixel is decoded (decompression bombs)
# WebP cannot be decoded reduced, and Pillow's decoder holds its RGBA output twice over (libwebp's buffer, then the
# image): a 4096² lossless file of 10 KB took 85 MiB more at its peak, against 26 MiB at 2048², so WebP gets fewer.
MAX_WEBP_PIXELS = 2048 * 2048
MAX_PIXEL_SIDE = 1024  # rows or columns of a JSON pixel array
MAX_LATENTS = 256  # latents decoded per request
BYTES_PER_NUMBER = 64  # of a latent in JSON: float64's longest repr is 24 characters; the rest allows for spacing
# Latent values beyond this are refused: trained codes lie within a few hundred at most, and near float32's limit
# (3.4e38) the decoder's arithmetic overflows into NaN, which JSON cannot carry.
MAX_ABS_LATENT = 1e6
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # Pillow decoders an upload may reach
JSON_TYPE = "application/json"
FILE_TYPES = ("image/", "application/octet-stream")  # content types an uploaded file may be sent with (prefixes)
class ApiError(Exception):
    """A request the API refuses: HTTP ``status`` and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status  # 4xx, or 503 when the server is busy
        self.message = message
        self.headers = headers  # extra response headers, e.g. Retry-After


def content_type(headers: Any) -> str:
    """The media type of a request's Content-Type header, lower case, without parameters ("" if absent)."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


def require_json(kind: str) -> None:
    """Refuse a body that is not declared as JSON (a cross-site form can send text/plain, never JSON)."""
    if kind != JSON_TYPE:
        raise ApiError(415, f"send the body with Content-Type: {JSON_TYPE} (got {kind or 'none'})")


def decode_body_limit(latent_dim: int) -> int:
    """The most bytes a decode request for a ``latent_dim`` model can need: checked before the body is parsed."""
    return MAX_LATENTS * (latent_dim + 1) * BYTES_PER_NUMBER + 1024


def parse_json(body: bytes) -> Any:
    """The JSON document in a request body."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the body is not valid JSON ({exc})") from None
    except RecursionError:
        raise ApiError(400, "the body's JSON is nested too deeply") from None
    except ValueError as exc:  # Python refuses integers of more than 4,300 digits (sys.get_int_max_str_digits)
        raise ApiError(422, f"the body holds a number too long to read ({str(exc).split(':')[0]})") from None


def numeric_array(value: Any, what: str) -> np.ndarray:
    """A JSON list (of lists) of finite numbers as float64; booleans, strings, null, NaN, ∞ and integers beyond
    float64's range are refused."""
    try:
        arr = np.asarray(value)
    except (ValueError, RecursionError):  # ragged or absurdly deep nesting
        raise ApiError(422, f"{what} must be a rectangular array of numbers") from None
    except OverflowError:  # an integer beyond float64 beside floats, which NumPy tries to convert
        arr = None
    if arr is None or arr.dtype == object:  # integers beyond int64, possibly mixed with floats: one at a time
        try:
            arr = np.array(_floats(value, what), np.float64)
        except ValueError:
            raise ApiError(422, f"{what} must be a rectangular array of numbers") from None
    if arr.size == 0 or arr.dtype.kind not in "iuf" or _has_bool(value):
        raise ApiError(422, f"{what} must hold numbers only (got {_describe(value)})")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ApiError(422, f"{what} must be finite: NaN, infinity and numbers beyond float64's range (±1.8e308) "
                            f"are not latent values or pixels")
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
    return _bounded(z)


def latents_from_bytes(body: bytes, latent_dim: int) -> np.ndarray:
    """Latents (B, d) float32 from a raw body (Content-Type: application/octet-stream) of B × d little-endian
    float32 values, one latent after another: what the page sends, with nothing to parse."""
    row = 4 * latent_dim
    if not body or len(body) % row:
        raise ApiError(422, f"send B × {latent_dim} float32 values, little-endian, one latent after another (a "
                            f"multiple of {row} bytes); got {len(body):,} bytes")
    z = np.frombuffer(body, "<f4").reshape(-1, latent_dim)
    if not np.isfinite(z).all():
        raise ApiError(422, "latents must be finite: NaN and infinity are not latent values")
    return _bounded(z)


def _bounded(z: np.ndarray) -> np.ndarray:
    """Latents (B, d) as float32, refused beyond MAX_LATENTS of them or MAX_ABS_LATENT in size."""
    if len(z) > MAX_LATENTS:
        raise ApiError(413, f"at most {MAX_LATENTS} latents per request; got {len(z)}")
    if np.abs(z).max() > MAX_ABS_LATENT:
        raise ApiError(422, f"latent values must lie within ±{MAX_ABS_LATENT:.0e}, far beyond any trained model's "
                            f"codes (float32 overflows near 3.4e38); got {np.abs(z).max():.3g}")
    return z.astype(np.float32)


def image_from_pixels(payload: Any, layout: tuple[str, int, int] = GLYPH_32) -> np.ndarray:
    """The model input of {"pixels": [[row], ...]}: grey levels in [0, 1] or 0..255, any size, prepared as
    ``layout`` (preprocessing, side, channels) says: by default the MNIST-style (32, 32) image."""
    if not isinstance(payload, dict) or not isinstance(payload.get("pixels"), list):
        raise ApiError(422, 'send {"pixels": [[grey levels of row 0], [row 1], ...]} or an image file')
    rows = payload["pixels"]
    # The side is checked on the lists themselves, before NumPy copies up to 8 MiB of numbers into arrays.
    if len(rows) > MAX_PIXEL_SIDE or any(isinstance(r, list) and len(r) > MAX_PIXEL_SIDE for r in rows):
        raise ApiError(422, f"pixels must be a 2-D array of at most {MAX_PIXEL_SIDE}×{MAX_PIXEL_SIDE} grey levels")
    pixels = numeric_array(rows, "pixels")
    if pixels.ndim != 2:
        raise ApiError(422, f"pixels must be a 2-D array of at most {MAX_PIXEL_SIDE}×{MAX_PIXEL_SIDE} grey levels; "
                            f"got shape {pixels.shape}")
    if pixels.max() > 1:  # 0..255 grey levels; preprocess_image would otherwise stretch the range it sees
        pixels = pixels / 255.0
    pixels = np.clip(pixels, 0, 1)
    if reduction(*pixels.shape) > 1:  # box-averaged as a float image (Pillow's mode F), like a large upload
        return _preprocess(reduced(Image.fromarray(pixels.astype(np.float32))), layout)
    return _preprocess(pixels, layout)


def image_from_file(data: bytes, layout: tuple[str, int, int] = GLYPH_32) -> np.ndarray:
    """The model input of an uploaded PNG, JPEG, GIF, BMP, WebP or TIFF file, decoded defensively and prepared as
    ``layout`` says (by default the MNIST-style (32, 32) image).

    A large image is decoded at a reduced size where the format allows it (JPEG's DCT scaling) and box-averaged down
    to about 512×512 before it is normalised (``aevae.data.decode``, as image folders are), so no upload costs more
    than the pixels of one decoded frame.
    """
    if not data:
        raise ApiError(400, "the upload is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise ApiError(413, f"the image is {img.width}×{img.height} pixels; at most "
                                        f"{MAX_IMAGE_PIXELS:,} pixels are decoded")
                if img.format == "WEBP" and img.width * img.height > MAX_WEBP_PIXELS:
                    raise ApiError(413, f"the WebP image is {img.width}×{img.height} pixels; WebP is decoded at full "
                                        f"size, so at most {MAX_WEBP_PIXELS:,} pixels are accepted (scale it down, "
                                        f"or send it as PNG or JPEG)")
                return _preprocess(decode_reduced(img), layout)
    except UnidentifiedImageError:
        raise ApiError(415, f"not an image file this API reads ({', '.join(IMAGE_FORMATS)})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ApiError(413, f"refused a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt data inside a valid header
        raise ApiError(422, f"the image file is damaged or truncated ({exc})") from None


def _preprocess(img: Image.Image | np.ndarray, layout: tuple[str, int, int]) -> np.ndarray:
    try:
        image = prepare_image(img, *layout)
    except DataError as exc:
        raise ApiError(422, f"cannot use this image: {exc}") from None
    if not image.any():  # glyph's answer to an image without ink, fit's to a black one: its latent means nothing
        raise ApiError(422, "the image is blank (one flat colour, no strokes or shapes): there is nothing to encode")
    return image


def _floats(value: Any, what: str) -> Any:
    """A nested list of JSON numbers as floats, an integer beyond float64's range as ±∞ (refused later as not
    finite); anything else in it is refused."""
    if isinstance(value, list):
        return [_floats(v, what) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiError(422, f"{what} must hold numbers only (got {_describe(value)})")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _has_bool(value: Any) -> bool:
    """True if a (nested) list holds a JSON true/false, which NumPy would silently read as 1/0."""
    if isinstance(value, list):
        return any(_has_bool(v) for v in value)
    return isinstance(value, bool)


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
