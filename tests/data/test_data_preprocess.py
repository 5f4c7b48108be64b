"""preprocess_image: any outside image becomes a centred, MNIST-sized, bright-on-dark 32×32 float image."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aevae.data import DataError, fit_image, prepare_image, preprocess_image, to_uint8


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


# ---------------------------------------------------------------- glyph at 64 px, and fit

def test_glyph_at_64_px_doubles_every_length():
    small, big = preprocess_image(seven(), 32), preprocess_image(seven(), 64)
    assert big.shape == (64, 64) and big.dtype == np.float32
    top, bottom, left, right = ink_box(big, 0.1)
    assert max(bottom - top, right - left) + 1 in (39, 40, 41)  # MNIST's 20 px box, doubled
    cy, cx = centre_of_mass(big)
    assert abs(cy - 32) <= 1.5 and abs(cx - 32) <= 1.5  # the field's centre (2 × 14) plus the 2 × 2 px padding
    np.testing.assert_allclose(np.asarray(centre_of_mass(small)) * 2, (cy, cx), atol=1.5)


@pytest.mark.parametrize(("side", "base"), [(28, 32), (48, 64), (16, 32)])
def test_glyph_at_another_side_is_the_nearer_glyph_resized_as_mnist_is_loaded_there(side: int, base: int):
    from aevae.data.preprocess import resize_images

    out = preprocess_image(seven(), side)
    assert out.shape == (side, side) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    loaded = resize_images(to_uint8(preprocess_image(seven(), base))[None], side)[0]  # as load_images makes them
    assert np.abs(to_uint8(out).astype(int) - loaded).max() <= 1
    with pytest.raises(DataError, match="image size must be a side from 4 to 1024 pixels, got 2"):
        preprocess_image(seven(), 2)


def test_fit_resizes_the_shorter_side_crops_the_longer_and_keeps_colour():
    img = Image.new("RGB", (160, 80), (250, 250, 250))  # wide, white, with a red square in the middle ...
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 20, 99, 59), fill=(220, 20, 20))
    draw.rectangle((0, 0, 19, 79), fill=(0, 0, 255))  # ... and a blue band at the left edge that the crop cuts off
    out = fit_image(img, 32)
    assert out.shape == (3, 32, 32) and out.dtype == np.float32
    assert out[2, :, :4].mean() < 1 and out[:, 0, 0].min() > 0.95  # no blue band; white stays white (no inversion)
    np.testing.assert_allclose(out[:, 16, 16], (220 / 255, 20 / 255, 20 / 255), atol=0.02)  # the red square
    grey = fit_image(img, 64, channels=1)
    assert grey.shape == (64, 64)
    assert abs(grey[32, 32] - (0.299 * 220 + 0.587 * 20 + 0.114 * 20) / 255) < 0.02  # luma, as Pillow's "L"


def test_fit_puts_transparent_pixels_on_black():
    img = Image.new("RGBA", (40, 40), (255, 255, 255, 0))
    ImageDraw.Draw(img).ellipse((10, 10, 30, 30), fill=(0, 200, 0, 255))
    out = fit_image(img, 32)
    assert out[:, 0, 0].max() == 0 and out[1, 16, 16] > 0.7


def test_prepare_image_follows_the_model_and_names_unknown_ways():
    assert prepare_image(seven(), "glyph", 32, 3).shape == (3, 32, 32)  # a glyph's grey in every channel
    assert prepare_image(seven(), "fit", 64, 1).shape == (64, 64)
    with pytest.raises(DataError, match="choose one of glyph, fit"):
        prepare_image(seven(), "mnist", 32, 1)
