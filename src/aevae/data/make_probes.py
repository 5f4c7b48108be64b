"""Regenerate the shipped probe asset: `python -m aevae.data.make_probes` (commit the result; it is tiny)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aevae.data.cache import save_npz
from aevae.data.probes import ASSET, draw_probes


def write_asset(path: Path) -> None:
    """Draw the probes and store them at path, the layout load_probes reads."""
    images, names = draw_probes()
    save_npz(path, images=images, names=np.array(names))


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / ASSET
    write_asset(target)
    print(f"wrote {target}")
