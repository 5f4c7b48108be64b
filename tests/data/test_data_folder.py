"""Image folders as training data: a huge image costs about one decoded frame, not gigabytes; blank images and test
classes the training split lacks are refused by name (issue 21, item 10). Real files, real Pillow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aevae.data import DataError
from aevae.data.folder import load_folder

PEAK = """
import json, resource, sys
from aevae.data.folder import load_folder
images = load_folder(sys.argv[1], "train").images
print(json.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "n": len(images),
                  "ink": int(images[-1].sum())}))
"""


def stroke(side: int) -> Image.Image:
    """A grey image of ``side``² with one thick diagonal stroke: something for glyph preprocessing to find."""
    img = Image.new("L", (side, side))
    ImageDraw.Draw(img).line((side // 4, side // 4, 3 * side // 4, 3 * side // 4), fill=255, width=max(side // 20, 2))
    return img


def small_folder(root: Path) -> Path:
    for split, n in (("train", 12), ("test", 2)):
        (root / split / "a").mkdir(parents=True)
        for i in range(n):
            stroke(28).save(root / split / "a" / f"{i:02d}.png")
    return root


def peak_kib(folder: Path) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-c", PEAK, str(folder)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    return result["peak_kib"], result


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's unit")
def test_a_huge_png_costs_about_one_decoded_frame(tmp_path: Path) -> None:
    plain = small_folder(tmp_path / "plain")
    huge = small_folder(tmp_path / "huge")
    stroke(8000).save(huge / "train" / "a" / "zz-huge.png")  # 64 Mpx of grey: 64 MB decoded, ~100 KB on disk
    base, _ = peak_kib(plain)
    peak, result = peak_kib(huge)
    assert result["n"] == 13 and result["ink"] > 0  # the huge image was read, and its stroke found
    added_mb = (peak - base) / 1024
    # One decoded frame (64 MB) and the strips being reduced; normalising it at full size took 2.6 GB.
    assert added_mb < 250, f"the 8000×8000 PNG added {added_mb:.0f} MB of peak memory"


def test_blank_images_are_refused_by_name(tmp_path: Path) -> None:
    root = small_folder(tmp_path / "f")
    Image.new("L", (28, 28), 0).save(root / "train" / "a" / "black.png")
    Image.new("RGB", (40, 30), (200, 200, 200)).save(root / "train" / "a" / "grey.png")
    with pytest.raises(DataError, match=r"2 train image\(s\) are blank .*: train/a/black.png, train/a/grey.png"):
        load_folder(root, "train")
    with pytest.raises(DataError, match="train/a/grey.png"):
        load_folder(root, "train", preprocess="fit")


def test_test_classes_the_training_split_lacks_are_named(tmp_path: Path) -> None:
    root = small_folder(tmp_path / "f")
    (root / "test" / "b").mkdir()
    stroke(28).save(root / "test" / "b" / "0.png")
    for split in ("train", "test"):
        with pytest.raises(DataError, match=r"test split has class\(es\) its training split lacks: b"):
            load_folder(root, split)


def test_exif_orientation_still_turns_photos_upright(tmp_path: Path) -> None:
    root = tmp_path / "f"
    for split in ("train", "test"):
        (root / split / "a").mkdir(parents=True)
    bar = Image.new("L", (60, 20))
    ImageDraw.Draw(bar).rectangle((0, 5, 59, 14), fill=255)  # a wide bar, stored as taken
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": the bar stands upright
    bar.save(root / "train" / "a" / "turned.jpg", exif=exif)
    bar.save(root / "test" / "a" / "plain.png")
    turned = load_folder(root, "train", preprocess="fit").images[0].astype(float)  # (32, 32): the centre crop
    plain = load_folder(root, "test", preprocess="fit").images[0].astype(float)
    column, row = turned[:, 16], turned[16, :]
    assert column.std() < row.std()  # upright: uniform down the middle column, edges across the row
    assert np.abs(plain[:, 16]).std() > plain[16, :].std()  # and the stored one lies flat
