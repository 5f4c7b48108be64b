"""How much memory does one huge image cost an image-folder data set?

    python benchmarks/folder_memory.py            # an 8000×8000 grey PNG (64 Mpx)
    python benchmarks/folder_memory.py --side 6000 --mode RGB

Loads the training split of two folders in fresh processes and prints each one's peak resident memory (getrusage):
a baseline of twelve 28×28 drawings, and the same folder with one huge drawing added. The difference is what the
huge image cost; the loader decodes it at a reduced size (``aevae.data.decode``), so it should stay near the size
of one decoded frame (side² × channels bytes), where normalising it at full size took gigabytes. Figures only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

PEAK = """
import json, resource, sys
from aevae.data.folder import load_folder
load_folder(sys.argv[1], "train")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(peak / 2**20 if sys.platform == "darwin" else peak / 1024))
"""


def drawing(side: int, mode: str) -> Image.Image:
    """One thick diagonal stroke on black, ``side`` pixels square: little on disk, much once decoded."""
    img = Image.new(mode, (side, side))
    ImageDraw.Draw(img).line((side // 4, side // 4, 3 * side // 4, 3 * side // 4), fill="white",
                             width=max(side // 20, 2))
    return img


def folder(root: Path, huge: Image.Image | None) -> Path:
    """A train/test folder of one class: twelve small drawings (and the huge one) to train on, two to test."""
    for split, n in (("train", 12), ("test", 2)):
        (root / split / "a").mkdir(parents=True)
        for i in range(n):
            drawing(28, "L").save(root / split / "a" / f"{i:02d}.png")
    if huge is not None:
        huge.save(root / "train" / "a" / "huge.png")
    return root


def peak_mib(root: Path) -> float:
    """Peak resident memory, MiB, of a fresh process that loads ``root``'s training split."""
    done = subprocess.run([sys.executable, "-c", PEAK, str(root)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=8000, help="side of the huge image in pixels (default: 8000)")
    parser.add_argument("--mode", default="L", choices=("L", "RGB", "RGBA"), help="its Pillow mode (default: L)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = folder(Path(tmp) / "base", None)
        huge_img = drawing(args.side, args.mode)
        huge = folder(Path(tmp) / "huge", huge_img)
        size = (huge / "train" / "a" / "huge.png").stat().st_size
        frame = args.side**2 * len(args.mode) / 2**20
        base_mib, huge_mib = peak_mib(base), peak_mib(huge)
    print(f"huge image: {args.side}×{args.side} {args.mode} PNG, {size / 1e3:.0f} KB on disk, one decoded frame "
          f"{frame:.0f} MiB")
    print(f"peak resident memory, baseline folder (12 small images): {base_mib:.0f} MiB")
    print(f"peak resident memory, with the huge image:             {huge_mib:.0f} MiB")
    print(f"the huge image cost {huge_mib - base_mib:.0f} MiB of peak memory = "
          f"{(huge_mib - base_mib) / frame:.2f}× one decoded frame; peak ratio {huge_mib / base_mib:.2f}× baseline")


if __name__ == "__main__":
    main()
