"""How fast is ``aevae analyze``, and how much memory does it hold?

    python benchmarks/analyze_speed.py                      # runs/paper/ae and runs/paper/vae, if trained
    python benchmarks/analyze_speed.py RUN_DIR [RUN_DIR …]
    python benchmarks/analyze_speed.py --untrained          # a randomly initialised d = 4 VAE on MNIST

For each run: wall time of every phase, the rate–distortion sweep separately, the total without the sweep, and
its ratio to a baseline measured in the same process: one plain encoding pass over the same training and test
images (the least any analysis must do), timed before and after the analysis. Then the peak resident memory (getrusage) beside the size of the uint8
data set and of the latents, and the size a float32 copy of the training images would have had. Speed depends on
the weights' shapes, not their values, so an untrained model times the same as a trained one.
Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from aevae.analysis import analyze_run
from aevae.analysis.analyze import inference_model
from aevae.analysis.encoding import encode_images
from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.data import load_splits
from aevae.models import build_model
from aevae.runs import CONFIG, METRICS, WEIGHTS, load_config, new_run_config, save_weights, write_json

MIB = 2**20


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def untrained_run(folder: Path) -> Path:
    """A complete run folder holding a randomly initialised VAE, d = 4, on MNIST (recorded as one epoch, untrained:
    a run asks for one epoch at least)."""
    cfg = new_run_config(RunConfig(model=ModelConfig(kind="vae", latent_dim=4), train=TrainConfig(epochs=1)))
    write_json(folder / CONFIG, cfg.to_dict())
    save_weights(folder / WEIGHTS, build_model(cfg.model), cfg)
    write_json(folder / METRICS, {"history": [{"epoch": 1, "test": {}}]})
    return folder


def bench(run: Path) -> None:
    """Time one analysis of ``run`` against a plain encoding pass, and print the figures."""
    cfg = load_config(run)
    train_set, test_set = load_splits(cfg.train.data, cfg.train.limit)
    model = inference_model(run)
    encode_images(model, test_set.images[:1000], progress=False)  # warm-up: oneDNN kernels, pages of the data

    def encoding_pass() -> float:
        start = time.perf_counter()
        encode_images(model, train_set.images, progress=False)
        encode_images(model, test_set.images, progress=False)
        return time.perf_counter() - start

    before = encoding_pass()
    start = time.perf_counter()
    analysis = analyze_run(run, progress=False)
    total = time.perf_counter() - start
    after = encoding_pass()
    baseline = min(before, after)  # on a shared machine the quieter of the two is the better estimate
    seconds = analysis.extra["seconds"]
    sweep = seconds["rate_distortion"]
    print(f"\n{run}: {analysis.kind}, d = {analysis.latent_dim}, {analysis.n_train:,} training + "
          f"{analysis.n_test:,} test images")
    for name, value in seconds.items():
        print(f"  {name:<16} {value:7.2f} s")
    without = total - sweep
    print(f"  total without the rate-distortion sweep: {without:.2f} s  (target ≤ 10 s on 2 cores)")
    print(f"  rate-distortion sweep: {sweep:.2f} s for 16 × {analysis.info['rd_test_images']:,} decodes "
          f"+ 1 unquantised pass")
    print(f"  baseline, one encoding pass over the same {analysis.n_train + analysis.n_test:,} images: {before:.2f} s "
          f"before, {after:.2f} s after; analysis without sweep = {without / baseline:.2f} × the faster")
    data_mib = (train_set.images.nbytes + test_set.images.nbytes) / MIB
    latent_mib = analysis.n_train * analysis.latent_dim * 4 * (2 if "sigma" in analysis.arrays else 1) / MIB
    print(f"  memory: uint8 images {data_mib:.1f} MiB, float32 latents {latent_mib:.1f} MiB; a float32 copy of the "
          f"training images would be {train_set.images.size * 4 / MIB:.0f} MiB")


def main() -> None:
    """Benchmark the runs named on the command line (or the paper pair, or an untrained model)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="*", type=Path)
    parser.add_argument("--untrained", action="store_true", help="time a randomly initialised d = 4 VAE on MNIST")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; peak RSS after imports "
          f"{peak_rss_mib():.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [untrained_run(Path(tmp))] if args.untrained else args.runs or [Path("runs/paper/ae"),
                                                                                 Path("runs/paper/vae")]
        for run in runs:
            bench(run)
            print(f"  peak RSS so far: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
