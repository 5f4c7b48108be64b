"""Large images at a bounded cost: decoded at a reduced size where the format allows it, then box-averaged down to
about WORK_PIXELS before anything works on them pixel by pixel.

Normalising an image (``aevae.data.preprocess``) costs about 100 bytes a pixel (float64 channels); a 64-megapixel
PNG of a few kilobytes would take gigabytes. The models see 32×32 or 64×64, so nothing is lost by working at
512×512: the explorer's uploads and the image-folder loader both go through here.
"""

from __future__ import annotations

import math

from PIL import Image

# Pixels an image is normalised at. The models see 32×32 and the ink's box is scaled to 20 px, so 512×512 keeps a
# digit that fills a tenth of a photo's side at 50 px; normalising costs ~100 bytes a pixel, so at 16 Mpx it took
# 1 GiB and here 25 MiB.
WORK_PIXELS = 512 * 512
STRIP_ROWS = 256  # rows of a large image converted and reduced at a time (4 MiB of a 4096-wide RGBA image)
ORIENTATION = 0x0112  # the EXIF tag saying how a camera held the picture
TRANSPOSES = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}  # EXIF orientation -> the transpose that puts the picture upright


def reduction(width: int, height: int) -> int:
    """The whole factor that brings width × height to at most WORK_PIXELS (1: no reduction)."""
    return max(1, math.ceil(math.sqrt(width * height / WORK_PIXELS)))


def decode_reduced(img: Image.Image) -> Image.Image:
    """An opened, not yet loaded image decoded at about WORK_PIXELS: JPEG at 1/2, 1/4 or 1/8 scale by its own DCT
    scaling (never below the target), then ``reduced``; other formats decode one full frame, then reduce."""
    factor = reduction(img.width, img.height)
    if factor > 1 and img.format == "JPEG":
        img.draft(img.mode, (math.ceil(img.width / factor), math.ceil(img.height / factor)))
    img.load()
    return reduced(img)


def upright(img: Image.Image, orientation: int | None) -> Image.Image:
    """``img`` turned as its EXIF ``orientation`` says (phone photos store their rotation there)."""
    return img.transpose(TRANSPOSES[orientation]) if orientation in TRANSPOSES else img


def reduced(img: Image.Image) -> Image.Image:
    """The image box-averaged by a whole factor to at most WORK_PIXELS; smaller images are returned as they are.

    Done a strip of rows at a time, so converting modes (a palette to colour) and Pillow's weighting of colour by
    opacity (LA, RGBA) copy one strip, never the whole decoded frame again.
    """
    factor = reduction(img.width, img.height)
    if factor == 1:
        return img
    mode = img.mode
    if mode in ("1", "P", "PA"):  # bits and palette indices cannot be averaged: to grey or colour first
        mode = "L" if mode == "1" else "RGBA" if mode == "PA" or "transparency" in img.info else "RGB"
    out = Image.new(mode, (math.ceil(img.width / factor), math.ceil(img.height / factor)))
    rows = factor * max(1, STRIP_ROWS // factor)
    for top in range(0, img.height, rows):
        strip = img.crop((0, top, img.width, min(top + rows, img.height)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        out.paste(strip.resize((out.width, math.ceil(strip.height / factor)), Image.Resampling.BOX), (0, top // factor))
    return out
