"""How long does ``aevae explore --model`` take to start on a 64×64 colour model and 2,000 images?

    python benchmarks/own_model_startup.py            # 2,000 images
    python benchmarks/own_model_startup.py --images 500

Builds the explorer's bundle for a hand-written conv VAE (``tests/own_models.py``: GroupNorm, residual blocks,
separate heads, d = 16, 64×64 RGB, untrained) on its images, twice in the same run: as before, measuring the test
metrics and the unusualness references on every image, and as now, on the first 1,000 (``own_model.TEST_IMAGES``;
their percentiles need no more). Prints each phase of the analysis in seconds and the ratio of the totals. Figures
only; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from aevae.analysis import analyze
from aevae.data.arrays import array_images
from aevae.explorer.bundle import own_model
from aevae.models.user_model import UserModel
from aevae.metrics import as_batch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.own_models import colour_images, res_conv_vae  # noqa: E402


def main() -> None:
    """Time the start-up analysis before and after the cut, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2000, help="images the model is explored on (default 2,000)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    x, y = colour_images(args.images)
    data = array_images(x, y)
    model = UserModel.wrap(res_conv_vae(), as_batch(data.images[:8]))
    totals = {}
    for label, limit in (("before: every image", None), (f"now: first {own_model.TEST_IMAGES:,}",
                                                         own_model.TEST_IMAGES)):
        start = time.perf_counter()
        analysis = analyze(model, data, data, full=False, progress=False, test_limit=limit)
        totals[label] = time.perf_counter() - start
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in analysis.extra["seconds"].items())
        print(f"{label}: analysis {totals[label]:.1f} s on {len(data):,} 64×64 RGB images ({phases})")
    before, after = totals.values()
    print(f"ratio now / before: {after / before:.2f} ({before - after:.1f} s saved)")


if __name__ == "__main__":
    main()
