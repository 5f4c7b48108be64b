"""preprocess_image: any outside image becomes a centred, MNIST-sized, bright-on-dark 32×32 float image."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aevae.data import DataError, preprocess_image, to_uint8


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(img.shape)
    return float((img * ys).sum() / img.sum()), float((img * xs).sum() / img.sum())


def ink_box(img: np.ndarray, level: float = 0.0) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), inclusive, of pixels above level."""
    rows, cols = np.flatnonzero((img > level).any(1)), np.flatnonzero((img > level).any(0))
    return rows[0], rows[-1], cols[0], cols[-1]


def seven(size=(120, 160), background=0, ink=255, offset=(0, 0), mode="L") -> Image.Image:
    """A '7' drawn off-centre in the top-left part of the canvas."""
    img = Image.new(mode, size, background)
    dx, dy = offset
    ImageDraw.Draw(img).line([(10 + dx, 10 + dy), (50 + dx, 10 + dy), (25 + dx, 70 + dy)], fill=ink, width=6)
    return img


def check_output(out: np.ndarray) -> None:
    assert out.shape == (32, 32) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() == pytest.approx(1.0)


def test_light_on_dark_is_centred_and_boxed_like_mnist():
    out = preprocess_image(seven(offset=(50, 70)))
    check_output(out)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 16) <= 0.5 and abs(cx - 16) <= 0.5  # (14, 14) of the 28×28 field, + 2 px padding
    top, bottom, left, right = ink_box(out)
    assert max(bottom - top, right - left) + 1 == 20  # larger side scaled to 20 px
    assert min(top, left) >= 2 and max(bottom, right) <= 29  # inside the 28×28 field
    assert (out[:2] == 0).all() and (out[-2:] == 0).all()  # the padding stays empty


def test_dark_on_light_is_inverted():
    normal = preprocess_image(seven())
    inverted = preprocess_image(seven(background=255, ink=0))
    assert np.abs(normal - inverted).max() < 1e-5
    assert normal[0, 0] == 0  # background dark


def test_grey_paper_and_grey_ink():
    out = preprocess_image(seven(background=200, ink=60))  # a photo of pencil on paper
    np.testing.assert_allclose(out, preprocess_image(seven()), atol=0.02)


def test_rgba_with_transparent_background_and_dark_strokes():
    img = Image.new("RGBA", (120, 160), (0, 0, 0, 0))  # transparent black: only alpha tells ink from background
    ImageDraw.Draw(img).line([(10, 10), (50, 10), (25, 70)], fill=(0, 0, 0, 255), width=6)
    out = preprocess_image(img)
    check_output(out)
    np.testing.assert_allclose(out, preprocess_image(seven()), atol=0.02)


def test_rgba_with_transparent_background_and_light_strokes():
    img = Image.new("RGBA", (120, 160), (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(10, 10), (50, 10), (25, 70)], fill=(255, 255, 255, 255), width=6)
    np.testing.assert_allclose(preprocess_image(img), preprocess_image(seven()), atol=0.02)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F", "CMYK", "PA", "La", "YCbCr"])
def test_every_mode_gives_the_same_digit(mode):
    reference = preprocess_image(seven())
    img = seven(background=255, ink=0)
    if mode == "La":  # Pillow reaches premultiplied La only from LA
        img = img.convert("LA")
    out = preprocess_image(img.convert(mode))
    check_output(out)
    # "1" is dithered/thresholded, so it only has to land on the same pixels roughly.
    assert np.abs(out - reference).mean() < (0.05 if mode == "1" else 0.01)


@pytest.mark.parametrize("shape", [(40, 30, 3), (40, 30, 4), (40, 30, 1), (40, 30)])
def test_arrays_of_several_layouts(shape):
    arr = np.zeros(shape, np.uint8)
    arr[10:30, 12:16] = 255  # a bar, alpha included where there is one
    out = preprocess_image(arr)
    check_output(out)
    top, bottom, left, right = ink_box(out, 0.5)
    assert bottom - top > right - left  # still upright


def test_float_array_and_16_bit_array():
    arr = np.zeros((30, 30))
    arr[5:25, 14:17] = 0.7
    check_output(preprocess_image(arr))
    check_output(preprocess_image((arr * 65535).astype(np.uint16)))


def test_tiny_image():
    arr = np.zeros((3, 3), np.uint8)
    arr[1, 1] = 255
    out = preprocess_image(arr)
    check_output(out)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 16) <= 0.5 and abs(cx - 16) <= 0.5


def test_huge_image():
    img = Image.new("L", (3000, 2000), 255)
    ImageDraw.Draw(img).ellipse((1000, 500, 1600, 1500), outline=0, width=60)
    out = preprocess_image(img)
    check_output(out)
    top, bottom, left, right = ink_box(out)
    assert bottom - top + 1 == 20 and right - left + 1 < 20  # a tall zero


@pytest.mark.parametrize("value", [0, 128, 255])
def test_blank_image_gives_zeros(value):
    out = preprocess_image(np.full((28, 28), value, np.uint8))
    assert out.shape == (32, 32) and out.dtype == np.float32 and not out.any()


def test_fully_transparent_image_gives_zeros():
    assert not preprocess_image(Image.new("RGBA", (20, 20), (0, 0, 0, 0))).any()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_is_an_error(bad):
    arr = np.zeros((28, 28), np.float32)
    arr[3, 3] = bad
    with pytest.raises(DataError, match="NaN or infinite"):
        preprocess_image(arr)


def test_wrong_shape_is_an_error():
    with pytest.raises(DataError, match="shape"):
        preprocess_image(np.zeros((4, 5, 6, 7)))


def test_to_uint8_rounds_and_clips():
    np.testing.assert_array_equal(to_uint8(np.array([-0.5, 0.0, 0.5, 1.0, 2.0])), [0, 0, 128, 255, 255])
