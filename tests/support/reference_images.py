"""Stored-reference screenshots: compare a view's pixels with a PNG under tests/reference/, with a tolerance that
lets font antialiasing vary a little but fails on a visual change.

A pixel differs when any channel is more than PIXEL_THRESHOLD levels off; the comparison fails when more than
MAX_DIFFERING of the pixels differ, or the size changed. On a failure the actual image and a diff (differing
pixels in red over a faded copy of the reference) go to $AEVAE_ARTIFACTS/reference/ (same sub-folder). To accept a change on purpose,
rerun the tests with AEVAE_UPDATE_REFERENCES=1: they write the new references (and are reported as skipped), then
look at the PNGs before committing them.
"""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from support.browser import ARTIFACTS

REFERENCES = Path(__file__).parents[1] / "reference"
PIXEL_THRESHOLD = 48  # levels of 255: antialiased glyph edges move by less than a glyph's ink does
MAX_DIFFERING = 0.001  # fraction of the image's pixels: a tick label 1 px larger changes 0.19 % of the plot


def assert_matches_reference(png: bytes, name: str) -> None:
    """Compare screenshot bytes ``png`` with ``tests/reference/NAME.png`` (see the module's docstring)."""
    path = REFERENCES / f"{name}.png"  # name may hold a folder: "explorer/output"
    actual = np.asarray(Image.open(BytesIO(png)).convert("RGB"))
    if os.environ.get("AEVAE_UPDATE_REFERENCES"):
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(actual).save(path, optimize=True)
        pytest.skip(f"wrote {path.relative_to(REFERENCES.parent)} (AEVAE_UPDATE_REFERENCES is set)")
    if not path.exists():
        pytest.fail(f"no reference image {path}; create it with AEVAE_UPDATE_REFERENCES=1 and look at it")
    expected = np.asarray(Image.open(path).convert("RGB"))
    out = (ARTIFACTS / "reference" / name).parent
    if actual.shape != expected.shape:
        out.mkdir(parents=True, exist_ok=True)
        Image.fromarray(actual).save(out / f"{Path(name).name}-actual.png")
        pytest.fail(f"{name}: the view is {actual.shape[1]}×{actual.shape[0]} px, its reference "
                    f"{expected.shape[1]}×{expected.shape[0]} px (actual in {out})")
    differs = (np.abs(actual.astype(np.int16) - expected).max(axis=2) > PIXEL_THRESHOLD)
    fraction = float(differs.mean())
    if fraction > MAX_DIFFERING:
        out.mkdir(parents=True, exist_ok=True)
        Image.fromarray(actual).save(out / f"{Path(name).name}-actual.png")
        diff = (255 - (255 - expected) // 4).astype(np.uint8)  # the reference, faded
        diff[differs] = (220, 0, 0)
        Image.fromarray(diff).save(out / f"{Path(name).name}-diff.png")
        pytest.fail(f"{name}: {100 * fraction:.2f}% of pixels differ by more than {PIXEL_THRESHOLD}/255 "
                    f"(at most {100 * MAX_DIFFERING:.1f}% allowed); actual and diff in {out}")
