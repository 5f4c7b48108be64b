"""Out-of-distribution probes: shapes no digit looks like (a question mark, a letter, a stick man).

Drawn here with Pillow at drawing-pad size and normalised like any outside image, then shipped as
aevae/assets/probes.npz so every run sees identical pixels (regenerate it with `python -m aevae.data.make_probes`).
"""

from __future__ import annotations

from importlib import resources

import numpy as np
from PIL import Image, ImageDraw

from aevae.data.cache import load_npz
from aevae.data.imageset import SIZE, ImageSet
from aevae.data.preprocess import preprocess_image, to_uint8

CANVAS = 280  # px, the scale of a drawing pad; preprocess_image shrinks the figure to MNIST's 20 px box
STROKE = 28  # px, 1/7.5 of a figure's height: after shrinking, about MNIST's mean brightness (22 of 255 at 32×32)
ASSET = "assets/probes.npz"  # inside the aevae package


def _question_mark(draw: ImageDraw.ImageDraw) -> None:
    draw.arc((80, 30, 200, 150), start=180, end=90, fill=255, width=STROKE)  # the hook, clockwise over the top
    draw.line([(140, 150), (140, 190)], fill=255, width=STROKE)
    dot = 0.7 * STROKE  # radius: a pen's dot is a little wider than its line
    draw.ellipse((140 - dot, 225 - dot, 140 + dot, 225 + dot), fill=255)


def _letter_a(draw: ImageDraw.ImageDraw) -> None:
    draw.line([(70, 245), (140, 35), (210, 245)], fill=255, width=STROKE, joint="curve")
    draw.line([(100, 170), (180, 170)], fill=255, width=STROKE)


def _stick_man(draw: ImageDraw.ImageDraw) -> None:
    draw.ellipse((110, 25, 170, 85), outline=255, width=STROKE)  # head
    draw.line([(140, 85), (140, 175)], fill=255, width=STROKE)  # body
    draw.line([(90, 145), (140, 110), (190, 145)], fill=255, width=STROKE, joint="curve")  # arms
    draw.line([(95, 250), (140, 175), (185, 250)], fill=255, width=STROKE, joint="curve")  # legs


PROBES = {"question mark": _question_mark, "letter A": _letter_a, "stick man": _stick_man}


def draw_probes(size: int = SIZE) -> tuple[np.ndarray, tuple[str, ...]]:
    """Draw the probes afresh: (3, size, size) uint8 images and their names."""
    images = []
    for paint in PROBES.values():
        canvas = Image.new("L", (CANVAS, CANVAS), 0)
        paint(ImageDraw.Draw(canvas))
        images.append(to_uint8(preprocess_image(canvas, size)))
    return np.stack(images), tuple(PROBES)


def load_probes(size: int = SIZE, channels: int = 1) -> ImageSet:
    """The probes as an ImageSet named "probes", one class per probe: the shipped 32 px grey pixels, drawn afresh
    at other sizes, their grey copied to three channels for a colour model."""
    if size == SIZE:
        with resources.as_file(resources.files("aevae") / ASSET) as path:
            arrays = load_npz(path, ("images", "names"))
        images, names = arrays["images"], tuple(str(n) for n in arrays["names"])
    else:
        images, names = draw_probes(size)
    if channels == 3:
        images = np.repeat(images[:, None], 3, axis=1)
    return ImageSet(images, np.arange(len(names), dtype=np.int64), names, "probes")
