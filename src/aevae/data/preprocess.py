"""Turn any outside image (a drawing, a photo, a file) into what the models saw in training, one of two ways.

``glyph`` (digits, letters, drawings) makes an MNIST-style digit. MNIST's recipe (LeCun et al. 1998,
http://yann.lecun.com/exdb/mnist/): the ink's bounding box is scaled so its larger side is 20 px, keeping the aspect
ratio, with antialiasing; the result is placed in a 28×28 field so that its centre of mass lies at the field's
centre, (14, 14) in pixel indices (which real MNIST digits average to). Here the field is then padded to 32×32 like
the training data; at 64×64 every length doubles (a 40 px box in a 56 px field, 4 px of padding). Any other side
(a user's own 28×28 MNIST model, say) gets the 32×32 glyph (64×64 for sides above 32) resized to it, as aevae loads
MNIST at such a side (``aevae.explorer.user_code.load_images``), so an upload looks like the images it sits beside.

``fit`` (photos, sprites) keeps the picture as it is: the shorter side is resized to the model's size, the longer
one centre-cropped, colour kept (or turned to grey by luma for a grey model), nothing inverted; transparent pixels
become black.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from aevae.config import PREPROCESSING
from aevae.data.imageset import CHANNELS, MNIST_SIZE, SIZE, SIZES, DataError

BOX = 20  # larger side of the ink's bounding box, as in MNIST
INK_FRACTION = 0.1  # pixels above this fraction of the brightest count as ink when finding the bounding box
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601 weights, the ones Pillow's convert("L") uses
FIT_SIZES = (4, 1024)  # the sides ``fit`` prepares images at, smallest and largest


def preprocess_image(img: Image.Image | np.ndarray, size: int = SIZE) -> np.ndarray:
    """Any image (PIL in any mode, or an array (H, W), (H, W, 1|2|3|4)) → float32 (size, size) in [0, 1],
    MNIST-style (``glyph``).

    Bright ink on black; a blank image gives all zeros. NaN or infinite values raise DataError. ``size`` is any side
    from FIT_SIZES; 32 and 64 are made directly, others resized from the nearer of them (see the module docstring).
    """
    if size not in SIZES:
        _check_side(size)
        base = preprocess_image(img, SIZES[-1] if size > SIZES[0] else SIZES[0])
        resized = Image.fromarray(base).resize((size, size), Image.Resampling.LANCZOS)  # mode F, as resize_images
        return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    grey, alpha = _grey_and_alpha(img)
    ink = _ink_on_black(grey, alpha)
    peak = ink.max() if ink.size else 0.0
    if peak <= 1e-6:
        return np.zeros((size, size), np.float32)
    scale = size // SIZE  # 1 at 32×32, 2 at 64×64
    field = _centre_by_mass(_scale_to_box(_crop_to_ink(ink, peak), BOX * scale), MNIST_SIZE * scale)
    out = np.pad(field, (size - MNIST_SIZE * scale) // 2)
    return (out / out.max()).astype(np.float32)


def fit_image(img: Image.Image | np.ndarray, size: int = SIZE, channels: int = 3) -> np.ndarray:
    """Any image → float32 in [0, 1], (3, size, size) for ``channels`` 3 or (size, size) for 1 (``fit``): the
    shorter side resized to ``size`` (Lanczos), the longer one cropped about the centre, colour kept, no inversion.
    Any side from FIT_SIZES works: a user's own model may read 28×28 or 128×128 images."""
    _check_side(size)
    if channels not in CHANNELS:
        raise DataError(f"channels must be one of {CHANNELS}, got {channels}")
    rgb = _rgb_over_black(img)  # (H, W, 3)
    h, w = rgb.shape[:2]
    scale = size / min(h, w)
    new_w, new_h = max(size, round(w * scale)), max(size, round(h * scale))
    left, top = (new_w - size) // 2, (new_h - size) // 2
    planes = []
    for c in range(3):
        plane = Image.fromarray(rgb[:, :, c].astype(np.float32))  # mode F: resampled without rounding to 8 bits
        plane = plane.resize((new_w, new_h), Image.Resampling.LANCZOS)
        planes.append(np.asarray(plane, dtype=np.float64)[top: top + size, left: left + size])
    out = np.clip(np.stack(planes), 0.0, 1.0)  # Lanczos rings slightly past the range
    return (out if channels == 3 else np.tensordot(LUMA, out, axes=1)).astype(np.float32)


def prepare_image(img: Image.Image | np.ndarray, preprocess: str, size: int = SIZE, channels: int = 1) -> np.ndarray:
    """Any image as a model with this preprocessing, size and channel count takes it: float32 in [0, 1], (S, S)
    for a grey model, (3, S, S) for a colour one. ``glyph`` is grey by nature: a colour model gets its grey copied
    to the three channels."""
    if preprocess == "glyph":
        grey = preprocess_image(img, size)
        return grey if channels == 1 else np.repeat(grey[None], 3, axis=0)
    if preprocess == "fit":
        return fit_image(img, size, channels)
    raise DataError(f"unknown preprocessing {preprocess!r}; choose one of {', '.join(PREPROCESSING)}")


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Square uint8 images (N, H, H) or (N, C, H, H) resized to side ``size`` (Lanczos), as uint8."""
    if images.shape[-1] == size:
        return images
    flat = images.reshape(-1, *images.shape[-2:])
    out = np.empty((len(flat), size, size), np.uint8)  # filled plane by plane: 70,000 float images would take 1 GB
    for i, plane in enumerate(flat):
        resized = Image.fromarray(plane.astype(np.float32)).resize((size, size), Image.Resampling.LANCZOS)
        out[i] = to_uint8(np.asarray(resized) / 255)
    return out.reshape(*images.shape[:-2], size, size)


def _check_side(size: int) -> None:
    if not isinstance(size, int) or not FIT_SIZES[0] <= size <= FIT_SIZES[1]:
        raise DataError(f"image size must be a side from {FIT_SIZES[0]} to {FIT_SIZES[1]} pixels, got {size}")


def _rgb_over_black(img: Image.Image | np.ndarray) -> np.ndarray:
    """Colour (H, W, 3) float64 in [0, 1]; transparent pixels composited over black, grey copied to three channels."""
    arr = _as_array(img)
    values = _to_unit(arr)
    channels = values.shape[2]
    colour = values[:, :, :1].repeat(3, axis=2) if channels <= 2 else values[:, :, :3]
    if channels in (2, 4):
        colour = colour * values[:, :, -1:]
    return colour


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float image(s) in [0, 1] → uint8 0..255, rounded, as ImageSet stores them."""
    return np.rint(np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)


def _grey_and_alpha(img: Image.Image | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grey level and opacity, both float64 (H, W) in [0, 1]."""
    values = _to_unit(_as_array(img))
    channels = values.shape[2]
    colour = values[:, :, : 1 if channels <= 2 else 3]
    grey = colour[:, :, 0] if colour.shape[2] == 1 else colour @ LUMA
    alpha = values[:, :, -1] if channels in (2, 4) else np.ones_like(grey)
    return grey, alpha


def _as_array(img: Image.Image | np.ndarray) -> np.ndarray:
    """The pixels of a PIL image or an array as (H, W, 1|2|3|4), not yet scaled."""
    if isinstance(img, Image.Image):
        arr = _pil_to_array(img)
    elif isinstance(img, np.ndarray):
        arr = img
    else:
        raise DataError(f"expected a PIL image or a NumPy array, got {type(img).__name__}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    elif not (arr.ndim == 3 and arr.shape[2] in (1, 2, 3, 4)):
        raise DataError(f"image array must be (H, W) or (H, W, 1|2|3|4), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"image has no pixels (shape {arr.shape})")
    return arr


def _pil_to_array(img: Image.Image) -> np.ndarray:
    """Pixels of a PIL image as an array that _to_unit can scale: (H, W) or (H, W, 2|3|4)."""
    if img.mode in ("1", "L", "LA", "RGB", "RGBA", "I", "F") or img.mode.startswith("I;16"):
        return np.asarray(img)
    has_alpha = img.mode in ("PA", "La", "RGBa") or "transparency" in img.info
    try:
        if img.mode == "La":  # premultiplied; Pillow converts it to RGBA only by way of LA
            img = img.convert("LA")
        # P, PA, CMYK, YCbCr, LAB, HSV, RGBa, ...: RGB(A) keeps colour (and opacity, which some conversions of
        # opaque modes to RGBA get wrong).
        return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
    except (ValueError, OSError) as e:
        raise DataError(f"cannot convert a {img.mode} image to RGB ({e})") from e


def _to_unit(arr: np.ndarray) -> np.ndarray:
    """Scale pixel values to [0, 1] by their type's range; floats already in [0, 1] are kept, others stretched."""
    if arr.dtype == bool:
        return arr.astype(np.float64)
    if np.issubdtype(arr.dtype, np.integer) and arr.dtype.itemsize <= 2 and np.iinfo(arr.dtype).min == 0:
        return arr.astype(np.float64) / np.iinfo(arr.dtype).max
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise DataError(f"unsupported pixel type {arr.dtype}")
    values = arr.astype(np.float64)
    if not np.isfinite(values).all():
        raise DataError("image contains NaN or infinite values")
    low, high = values.min(), values.max()
    if low >= 0 and high <= 1:
        return values
    # Signed or 32-bit integers and out-of-range floats have no fixed scale: stretch what is there.
    return (values - low) / (high - low)


def _ink_on_black(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Ink intensity (H, W) ≥ 0 with the background at 0, whatever the image's polarity and transparency."""
    weight = alpha.sum()
    if weight <= 0:
        return np.zeros_like(grey)
    # Transparent pixels are background, so composite over the colour opposite to the visible pixels': dark strokes
    # on a transparent sheet become dark on white, light strokes become light on black.
    visible_mean = (grey * alpha).sum() / weight
    backdrop = 1.0 if visible_mean < 0.5 else 0.0
    flat = alpha * grey + (1 - alpha) * backdrop
    background = np.median(_border(flat))
    low, high = flat.min(), flat.max()
    # Dark on light, like pen on paper, where the background lies nearer the top of the image's range than the
    # bottom; comparing within the range, not with mid-grey, also serves faint or low-contrast images.
    if background - low > high - background:
        flat, background = 1 - flat, 1 - background
    # Paper is seldom pure white: whatever the background's level, it becomes 0.
    return np.clip(flat - background, 0, None)


def _border(img: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels (the whole image if it is at most two pixels across)."""
    if min(img.shape) <= 2:
        return img.ravel()
    return np.concatenate([img[0], img[-1], img[1:-1, 0], img[1:-1, -1]])


def _crop_to_ink(ink: np.ndarray, peak: float) -> np.ndarray:
    rows = np.flatnonzero((ink > INK_FRACTION * peak).any(axis=1))
    cols = np.flatnonzero((ink > INK_FRACTION * peak).any(axis=0))
    return ink[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]


def _scale_to_box(ink: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize so the larger side is ``box`` px, keeping the aspect ratio; Lanczos antialiases when shrinking."""
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # PIL sizes are (width, height)
    as_float_image = Image.fromarray(ink.astype(np.float32))  # mode F: resampled without rounding to 8 bits
    resized = as_float_image.resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float64), 0, None)  # Lanczos rings slightly below zero


def _centre_by_mass(glyph: np.ndarray, field_size: int = MNIST_SIZE) -> np.ndarray:
    """Place glyph in a square field (28×28 at 32 px) with its centre of mass at the field's centre, never cutting
    any of it off."""
    h, w = glyph.shape
    mass = glyph.sum()
    cy = (glyph.sum(axis=1) @ np.arange(h)) / mass
    cx = (glyph.sum(axis=0) @ np.arange(w)) / mass
    centre = field_size // 2
    # A lopsided glyph would need to move past the field's edge to centre its mass; stop at the edge instead.
    top = int(np.clip(round(centre - cy), 0, field_size - h))
    left = int(np.clip(round(centre - cx), 0, field_size - w))
    field = np.zeros((field_size, field_size))
    field[top: top + h, left: left + w] = glyph
    return field
