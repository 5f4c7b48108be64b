"""Time to quality of the paper preset: test metric against training seconds, the new recipe beside float32.

    python benchmarks/time_to_quality.py                # the preset as `aevae train --preset paper` runs it
    python benchmarks/time_to_quality.py --baseline     # and, in the same run, the same preset in float32
    python benchmarks/time_to_quality.py --limit 6000 --epochs 2    # a quick look at the trend

Trains the preset's AE and VAE into a temporary folder with the trainer itself, then prints, for every epoch, the
seconds spent so far (training steps only, and wall clock including the per-epoch test evaluation and saving) and
the test metric: AE BCE and VAE -ELBO, nats summed over the 1,024 pixels of a 32 x 32 image, mean over the 10,000
test images (``aevae.metrics``). Then the totals against the issue's targets and the float32 figures recorded on a
quiet machine (commit 2f29992: AE BCE 107.0 and VAE -ELBO 121.1 nats/image after 4 min 48 s). A quiet 2-core
machine needs about 4 minutes for the recipe alone and 9 with ``--baseline``. Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from aevae.cli import PRESET_EPOCHS, PRESETS
from aevae.config import RunConfig, TrainConfig
from aevae.runs import METRICS
from aevae.training.trainer import train

RECORDED_FLOAT32 = {"ae": 107.0, "vae": 121.1, "seconds": 288.0}  # the preset before this recipe, quiet machine
TARGET_SECONDS = 144.0  # half of it
METRIC = {"ae": "bce_nats_per_image", "vae": "neg_elbo_nats_per_image"}


class EpochClock:
    """Wall seconds from the start of training to the end of each epoch (evaluation and saving included)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.epoch_ends: list[float] = []
        self.last_epoch = 0

    def on_step(self, epoch: int, step: int, parts: dict) -> None:
        if epoch != self.last_epoch:  # the first step of a new epoch: the previous one, evaluation included, is over
            self.epoch_ends.append(time.perf_counter() - self.start)
            self.last_epoch = epoch

    def finish(self) -> list[float]:
        self.epoch_ends.append(time.perf_counter() - self.start)
        return self.epoch_ends


def run_preset(label: str, train_cfg: TrainConfig, root: Path) -> dict[str, float]:
    """Train the preset pair with ``train_cfg``; print each epoch's curve point; return final metric and seconds."""
    result = {"seconds": 0.0}
    for model_cfg in PRESETS["paper"]:
        clock = EpochClock()
        train(RunConfig(model=model_cfg, train=TrainConfig(**vars(train_cfg))), root / label / model_cfg.kind,
              progress_bar=False, on_step=clock.on_step)
        wall = clock.finish()
        history = json.loads((root / label / model_cfg.kind / METRICS).read_text())["history"]
        steps_so_far = 0.0
        key = METRIC[model_cfg.kind]
        print(f"\n{label} {model_cfg.kind}: epoch | training-step seconds | wall seconds | test {key}")
        for h, w in zip(history, wall):
            steps_so_far += h["train_seconds"]
            print(f"  {h['epoch']:2d} | {steps_so_far:7.1f} s | {w:7.1f} s | {h['test'][key]:8.2f} nats/image")
        result[model_cfg.kind] = history[-1]["test"][key]
        result["seconds"] += wall[-1]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="also train the preset in float32, same run")
    parser.add_argument("--epochs", type=int, default=PRESET_EPOCHS, help=f"epochs per model (default {PRESET_EPOCHS})")
    parser.add_argument("--limit", type=int, default=0, help="first N training images, N/6 test (default: all)")
    args = parser.parse_args()
    recipe = TrainConfig(epochs=args.epochs, limit=args.limit)
    runs = {"recipe": recipe}
    if args.baseline:
        runs["float32"] = TrainConfig(epochs=args.epochs, limit=args.limit, precision="float32")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, cfg in runs.items():
            results[label] = run_preset(label, cfg, Path(tmp))
            precision = json.loads((Path(tmp) / label / "ae" / "config.json").read_text())["train"]["precision"]
            results[label]["precision"] = precision
    print("\nfinal (test metric in nats/image, mean over test images; seconds = wall clock of both trainings)")
    for label, r in results.items():
        print(f"  {label:8s} ({r['precision']}, batch {recipe.batch_size}, lr {recipe.lr}, {args.epochs} epochs): "
              f"AE BCE {r['ae']:.2f}, VAE -ELBO {r['vae']:.2f}, {r['seconds']:.0f} s")
    if not args.limit and args.epochs == PRESET_EPOCHS:
        r = results["recipe"]
        print(f"  recorded float32 preset (quiet machine): AE BCE {RECORDED_FLOAT32['ae']}, VAE -ELBO "
              f"{RECORDED_FLOAT32['vae']}, {RECORDED_FLOAT32['seconds']:.0f} s")
        print(f"  targets: AE <= 107.0 and VAE <= 121.1 within {TARGET_SECONDS:.0f} s: "
              f"{'met' if r['ae'] <= 107.0 and r['vae'] <= 121.1 and r['seconds'] <= TARGET_SECONDS else 'not met'}; "
              f"time ratio against the recorded preset {RECORDED_FLOAT32['seconds'] / r['seconds']:.2f}x")
        if "float32" in results:
            print(f"  time ratio float32 / recipe in this run: {results['float32']['seconds'] / r['seconds']:.2f}x")


if __name__ == "__main__":
    main()
