"""The classic comparison on the sprites: AE, VAE, beta-VAE (beta = 4) and MMD-VAE at the same d and budget.

    python benchmarks/sprites_disentanglement.py                          # the full grey set, 8 epochs each
    python benchmarks/sprites_disentanglement.py --limit 8000 --threads 1   # what docs/sprites.md reports (~75 s)
    python benchmarks/sprites_disentanglement.py --data sprites:colour --image-size 64   # colour, 64 px
    python benchmarks/sprites_disentanglement.py --seeds 0 1 2     # three runs of each, then mean and range

Trains the four kinds with one TrainConfig (same data, epochs, batch size, learning rate, seed) and one network
size, each into a temporary folder with the trainer itself, then prints for each: test reconstruction (BCE, nats
summed over pixels, mean over test images; MSE per pixel), the KL (bits/image, VAEs), and how the training latents
(μ) carry the known factors: MIG (Chen et al. 2018) and the FactorVAE score (Kim & Mnih 2018), both 0-1, with the
most informative factor of each dimension (``aevae.analysis.factors``). Ratios are against the AE trained in the
same run. The full grey set takes about 2-3 minutes with one thread on a quiet 2-core CPU (each model trains at
about 3,500 images/s). Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from aevae.analysis.encoding import encode_images
from aevae.analysis.factors import factor_scores
from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.runs import METRICS, load_model, run_data
from aevae.training.trainer import train

KINDS = ("ae", "vae", "beta-vae", "mmd-vae")  # beta-vae's default beta is 4, mmd-vae's MMD weight 100 (config.py)


def run_kind(kind: str, args: argparse.Namespace, root: Path, seed: int) -> dict:
    """Train one kind with ``seed``, then measure it; returns its row of figures."""
    channels = 3 if args.data.endswith(("colour", "color")) else 1
    cfg = RunConfig(model=ModelConfig(kind=kind, latent_dim=args.latent, image_size=args.image_size,
                                      channels=channels, width=args.width, hidden=args.hidden),
                    train=TrainConfig(data=args.data, epochs=args.epochs, limit=args.limit, seed=seed,
                                      threads=args.threads, batch_size=args.batch_size))
    started = time.perf_counter()
    run = root / f"{kind}-seed{seed}"
    train(cfg, run, progress_bar=False)
    seconds = time.perf_counter() - started
    saved, model = load_model(run)
    train_set, _ = run_data(saved)
    mu, _ = encode_images(model, train_set.images, progress=False)
    scores = factor_scores(mu, train_set.factors, train_set.factor_names)
    final = json.loads((run / METRICS).read_text())["final"]
    names = scores["factor_names"]
    return {"kind": kind, "beta": saved.model.beta, "mmd_weight": saved.model.mmd_weight, "seconds": seconds,
            "bce": final["bce_nats_per_image"], "mse": final["mse_per_pixel"], "kl_bits": final.get("kl_bits_per_image"),
            "mig": scores["mig"], "factorvae": scores["factorvae_score"],
            "ceiling": scores["factorvae_ceiling"], "n_train": len(train_set),
            "carries": [f"{names[int(np.argmax(row))]} {max(row):.2f}" for row in scores["mi_normalised"]],
            "gaps": dict(zip(names, scores["mig_per_factor"], strict=True))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="sprites", help="sprites or sprites:colour (default: sprites)")
    parser.add_argument("--image-size", type=int, default=32, choices=(32, 64))
    parser.add_argument("--latent", type=int, default=4, help="d for every model (default: 4, the paper's)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--limit", type=int, default=0, help="first N training images (default 0: all)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run of every kind per seed "
                        "(default: 0); with several, a summary over seeds follows the per-seed tables")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default 0: one per core)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    args = parser.parse_args()

    runs: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="aevae-sprites-bench-") as tmp:
        for seed in args.seeds:
            runs[seed] = [run_kind(kind, args, Path(tmp), seed) for kind in args.kinds]
    for seed, rows in runs.items():
        print_seed(args, seed, rows)
    if len(runs) > 1:
        print_summary(runs)


def print_seed(args: argparse.Namespace, seed: int, rows: list[dict]) -> None:
    """The table of one seed's runs, ratios against its first kind."""
    base = rows[0]
    print(f"\n{args.data}, {args.image_size} px, d = {args.latent}, {rows[0]['n_train']} training images, "
          f"{args.epochs} epochs, batch {args.batch_size}, width {args.width}, hidden {args.hidden}, seed {seed}; "
          f"ratios against {base['kind']} in this run")
    print("| model | test BCE (nats/image) | MSE (/pixel) | KL (bits/image) | MIG (0-1) | MIG / "
          f"{base['kind']} | FactorVAE score (0-1, ceiling {base['ceiling']:.2f}) | train seconds | dimension: main "
          "factor (I/H) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        kl = "–" if r["kl_bits"] is None else f"{r['kl_bits']:.1f}"
        ratio = r["mig"] / base["mig"] if base["mig"] > 0 else float("nan")
        print(f"| {label(r)} | {r['bce']:.1f} | {r['mse']:.4f} | {kl} | {r['mig']:.3f} | {ratio:.2f}x | "
              f"{r['factorvae']:.3f} | {r['seconds']:.0f} s | " + ", ".join(
                  f"z{j + 1} {c}" for j, c in enumerate(r["carries"])) + " |")
    print("\nMIG per factor (largest minus second-largest I(z_j; v_k), over H(v_k)):")
    for r in rows:
        print(f"  {r['kind']:>8}: " + ", ".join(f"{k} {v:.3f}" for k, v in r["gaps"].items()))


def print_summary(runs: dict[int, list[dict]]) -> None:
    """Mean and range over seeds of reconstruction, MIG and FactorVAE score, per kind."""
    print(f"\nOver {len(runs)} seeds ({', '.join(map(str, runs))}): mean (min–max)")
    print("| model | test BCE (nats/image) | MIG (0-1) | FactorVAE score (0-1) |")
    print("|---|---|---|---|")
    for i, first in enumerate(next(iter(runs.values()))):
        cells = []
        for key, fmt in (("bce", "{:.1f}"), ("mig", "{:.3f}"), ("factorvae", "{:.3f}")):
            values = [rows[i][key] for rows in runs.values()]
            cells.append(f"{fmt.format(sum(values) / len(values))} ({fmt.format(min(values))}–"
                         f"{fmt.format(max(values))})")
        print(f"| {label(first)} | " + " | ".join(cells) + " |")


def label(r: dict) -> str:
    """The kind, with the weight that makes it what it is."""
    return r["kind"] + (f" (beta {r['beta']:g})" if r["kind"] == "beta-vae" else "") + (
        f" (MMD weight {r['mmd_weight']:g})" if r["kind"] == "mmd-vae" else "")


if __name__ == "__main__":
    main()
