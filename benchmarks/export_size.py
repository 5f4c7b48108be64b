"""How big is ``aevae export`` for the shipped models, part by part, and what did its choices save?

    python benchmarks/export_size.py
    python benchmarks/export_size.py --ae runs/paper/ae --vae runs/paper/vae

Parts of the page: the bundle (each group of arrays, raw and gzip-compressed on its own), the front-end code,
the stylesheet and the HTML around them. Baseline, same run: the same page with the bundle's float16 arrays
(weights, PCA points) widened to float32 and the bundle base64-encoded without compression, as a plain inlining
of float32 weights and points would be. Sizes in bytes and MB (10^6 bytes); nothing here asserts.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import re
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors

from aevae.explorer.bundle import Bundle
from aevae.explorer.web.modules import join_modules
from aevae.explorer.web.export import ENTRY, export_page
from aevae.explorer.bundle.sources import explorer_bundle

TARGET = 3_000_000  # bytes: the target set for the shipped models (a 64 px colour pair is larger by its weights)
GROUPS = {  # part of the bundle -> which arrays belong to it
    "weights": r"\.weights$",
    "PCA points": r"\.pca_points$",
    "labels of the points": r"\.labels$",
    "gallery images": r"^gallery\.",
    "violins, percentiles, PCA axes": r"\.(density|density_grid|quantiles|pca_components|pca_mean)$",
    "test-error percentiles": r"\.test_\w+_quantiles$",
    "factors, latents (sprites)": r"\.(factors|latents)$",
}


def widened(bundle: Bundle) -> Bundle:
    """The bundle with every float16 array, inside the weights too, stored as float32."""
    arrays = {}
    for name, array in bundle.arrays.items():
        if name.endswith(".weights"):
            tensors = {k: v.astype(np.float32) for k, v in load_safetensors(array.tobytes()).items()}
            array = np.frombuffer(save_safetensors(tensors), np.uint8)
        arrays[name] = array.astype(np.float32) if array.dtype == np.float16 else array
    return Bundle(bundle.meta, arrays)


def main() -> None:
    """Print the table of sizes and the comparison with the baseline."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ae", type=Path, help="run folder for the AE slot (default: the shipped AE)")
    parser.add_argument("--vae", type=Path, help="run folder for the VAE slot (default: the shipped VAE)")
    args = parser.parse_args()
    bundle = explorer_bundle(args.ae, args.vae, half=True, progress=False)
    raw = bundle.to_bytes()
    page = export_page(bundle).encode("utf-8")
    code = len(join_modules(ENTRY).encode("utf-8"))
    css = len((Path(__file__).resolve().parents[1] / "src/aevae/explorer/web/static/explorer.css").read_bytes())
    packed = len(base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)))

    print(f"{'part':<34}{'raw bytes':>12}{'gzip bytes':>12}")
    grouped = 0
    for group, pattern in GROUPS.items():
        data = b"".join(a.tobytes() for n, a in bundle.arrays.items() if re.search(pattern, n))
        grouped += len(data)
        if data:  # a part this bundle has (the sprites' factors only where the data has factors)
            print(f"  {group:<32}{len(data):>12,}{len(gzip.compress(data, 9)):>12,}")
    header = len(raw) - grouped
    print(f"  {'metadata (JSON) and layout':<32}{header:>12,}{'':>12}")
    print(f"{'bundle':<34}{len(raw):>12,}{len(gzip.compress(raw, 9, mtime=0)):>12,}"
          f"   -> base64 in the page: {packed:,}")
    print(f"{'front-end code (one module)':<34}{code:>12,}")
    print(f"{'stylesheet':<34}{css:>12,}")
    print(f"{'HTML around them':<34}{len(page) - packed - code - css:>12,}")
    print(f"{'page':<34}{len(page):>12,}   = {len(page) / 1e6:.2f} MB (target <= {TARGET / 1e6:.2f} MB)")

    wide = widened(bundle).to_bytes()
    baseline = len(page) - packed + len(base64.b64encode(wide))
    print(f"\nbaseline, same run (float32 weights and points, no compression): {baseline:,} bytes = "
          f"{baseline / 1e6:.2f} MB; the export is {len(page) / baseline:.2f} x its size")


if __name__ == "__main__":
    main()
