"""How well does each out-of-distribution signal separate unusual inputs from test digits?

    python benchmarks/ood_signals.py                               # runs/paper/ae and runs/paper/vae
    python benchmarks/ood_signals.py AE_RUN VAE_RUN [--n 1000] [--regret-n 300]

For each model, every signal the explorer shows (aevae.analysis.novelty and the page's ood.js) and two the page
does not, scored on held-out test images of the run's data set (the in-distribution side) and on sets no digit
belongs to, each normalised like any outside input (aevae.data.preprocess_image):

- letters: 35 letter shapes that no digit resembles, in 8 DejaVu fonts, randomly sized and rotated (code, here);
- shapes: rings, boxes, triangles, crosses, stars and zig-zags of random size and stroke (code, here);
- noise: uniform pixel noise (a sanity check: every signal should catch it);
- fashion: Fashion-MNIST's test images, when Debian's dataset-fashion-mnist is installed (skipped otherwise).

Figures: AUROC (the chance that a random unusual image scores higher than a random test digit: 0.5 is a coin,
1.0 perfect separation), the fraction of each set a badge flags at the page's "rare" level (above the 95th
percentile of test digits; 5 % of test digits by construction), and each probe's percentile among test digits.
Signals: code position (1 − P of the page's latent-percentile hint), reconstruction BCE, the VAE's -ELBO (BCE + KL
from the latent mean; high = unlikely), typicality |-ELBO − H| (Nalisnick et al. 2019) and likelihood regret
(Xiao et al. 2020; posterior refitted per image, on a subsample: it costs ~100 decoder passes per image).
Figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from sklearn.metrics import roc_auc_score

from aevae.analysis import load_analysis
from aevae.analysis.analyze import inference_model
from aevae.analysis.novelty import image_scores, likelihood_regret
from aevae.data import DataError, load_dataset, load_probes, load_splits, preprocess_image, to_uint8
from aevae.runs import load_config

FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
              "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansCondensed.ttf", "DejaVuSans-Oblique.ttf"]
LETTERS = "ACEFHJKMNPRUVWXYacdefhkmnprtuvwxyQ"  # leaving out O, I, l, S, Z, B, G, b, g, q...: they pass for digits
CANVAS = 280  # px: the drawing pad's scale, as the probes (aevae.data.probes)
RARE_PERCENTILE = 95  # the page's "rare" level


def letters(n: int, rng: np.random.Generator) -> np.ndarray:
    """n letters rendered white on black in random fonts, sizes and small rotations, normalised (n, 32, 32)."""
    fonts = [str(FONTS / f) for f in FONT_FILES if (FONTS / f).is_file()]
    if not fonts:
        raise SystemExit(f"no DejaVu fonts in {FONTS}: apt-get install fonts-dejavu-core")
    out = []
    for _ in range(n):
        canvas = Image.new("L", (CANVAS, CANVAS), 0)
        font = ImageFont.truetype(fonts[rng.integers(len(fonts))], int(rng.integers(150, 230)))
        ImageDraw.Draw(canvas).text((CANVAS / 2, CANVAS / 2), LETTERS[rng.integers(len(LETTERS))], fill=255,
                                    font=font, anchor="mm")
        out.append(canvas.rotate(float(rng.uniform(-15, 15)), resample=Image.BILINEAR))
    return normalised(out)


def shapes(n: int, rng: np.random.Generator) -> np.ndarray:
    """n outlined geometric shapes with random size and stroke, normalised (n, 32, 32)."""
    out = []
    for i in range(n):
        canvas = Image.new("L", (CANVAS, CANVAS), 0)
        draw = ImageDraw.Draw(canvas)
        width = int(rng.integers(16, 34))
        c, r = rng.uniform(120, 160, 2), rng.uniform(60, 110)
        kind = i % 6
        if kind == 0:
            draw.ellipse([c[0] - r, c[1] - r * rng.uniform(0.5, 1), c[0] + r, c[1] + r], outline=255, width=width)
        elif kind == 1:
            draw.rectangle([c[0] - r, c[1] - r * rng.uniform(0.4, 1), c[0] + r, c[1] + r], outline=255, width=width)
        elif kind in (2, 4):
            corners = 3 if kind == 2 else 10  # a triangle, or a five-pointed star
            angles = np.linspace(0, 2 * np.pi, corners, endpoint=False) + rng.uniform(0, 2 * np.pi)
            radii = np.full(corners, r) if kind == 2 else np.tile([r, 0.45 * r], 5)
            points = [(c[0] + q * np.cos(a), c[1] + q * np.sin(a)) for a, q in zip(angles, radii, strict=True)]
            draw.line([*points, points[0]], fill=255, width=width, joint="curve")
        elif kind == 3:
            draw.line([(c[0] - r, c[1]), (c[0] + r, c[1])], fill=255, width=width)
            draw.line([(c[0], c[1] - r), (c[0], c[1] + r)], fill=255, width=width)
        else:
            xs = np.linspace(c[0] - r, c[0] + r, int(rng.integers(4, 7)))
            draw.line([(x, c[1] + (r / 2) * (-1) ** k) for k, x in enumerate(xs)], fill=255, width=width, joint="curve")
        out.append(canvas)
    return normalised(out)


def normalised(pictures: list[Image.Image]) -> np.ndarray:
    """Pictures -> uint8 (n, 32, 32), normalised as the explorer normalises any drawing or upload."""
    return np.stack([to_uint8(preprocess_image(p)) for p in pictures])


def code_position(run: Path, mu: np.ndarray) -> np.ndarray:
    """1 − P of the page's latent-percentile hint (ood.js): high when some latent value is far into a tail."""
    q = load_analysis(run).quantiles  # (d, 101)
    pct = np.stack([np.interp(mu[:, j], q[j], np.arange(101)) for j in range(mu.shape[1])], 1)
    tail = np.minimum(pct, 100 - pct).min(1) / 100
    return (1 - 2 * tail) ** mu.shape[1]


def signals(run: Path, model: torch.nn.Module, images: np.ndarray, centre: float | None,
            regret_n: int) -> dict[str, np.ndarray]:
    """Every signal of ``images`` (uint8 (n, 32, 32)) under one model, higher = more unusual."""
    with torch.inference_mode():
        mu = model.encode(torch.as_tensor(images).float().div(255).unsqueeze(1)).mu.numpy()
    scores = image_scores(model, images)
    out = {"code position": code_position(run, mu), "reconstruction BCE": scores["bce"]}
    if "neg_elbo" in scores:
        out["-ELBO (likelihood)"] = scores["neg_elbo"]
        out["typicality"] = np.abs(scores["neg_elbo"] - centre)
        if regret_n:
            out["likelihood regret"] = likelihood_regret(model, images[:regret_n], steps=100, samples=4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, default=[Path("runs/paper/ae"), Path("runs/paper/vae")])
    parser.add_argument("--n", type=int, default=1000, help="images per set (test digits, letters, shapes, ...)")
    parser.add_argument("--regret-n", type=int, default=300, help="images per set for likelihood regret (slow)")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads (the machine is shared)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    sets = {"letters": letters(args.n, rng), "shapes": shapes(args.n, rng),
            "noise": rng.integers(0, 256, (args.n, 32, 32)).astype(np.uint8)}
    try:
        fashion = load_dataset("fashion-mnist", "test").images
        sets["fashion"] = fashion[rng.choice(len(fashion), args.n, replace=False)]
    except DataError as exc:
        print(f"fashion: skipped ({str(exc).split(':')[0]})")
    probes = load_probes()
    print(f"sets: {', '.join(f'{k} {len(v)}' for k, v in sets.items())} images; probes {', '.join(probes.classes)}")
    for run in args.runs:
        cfg = load_config(run)
        model = inference_model(run)
        _, test = load_splits(cfg.train.data, cfg.train.limit)
        analysis = load_analysis(run)
        centre = analysis.extra.get("novelty", {}).get("typicality_centre_nats_per_image")
        held_out = test.images[rng.choice(len(test), min(args.n, len(test)), replace=False)]
        inside = signals(run, model, held_out, centre, args.regret_n)
        everything = signals(run, model, test.images, centre, 0)  # the page's reference: all test images
        outside = {name: signals(run, model, images, centre, args.regret_n) for name, images in sets.items()}
        probe = signals(run, model, probes.images, centre, len(probes))
        print(f"\n{cfg.model.kind} ({run}): AUROC against {len(held_out)} held-out test images "
              f"(0.5 = chance, 1 = perfect); in brackets the share flagged 'rare' (> {RARE_PERCENTILE}th percentile "
              "of test images)")
        print(f"  {'signal':<22}" + "".join(f"{name:>18}" for name in sets) + "   probes: percentile among test images ("
              + ", ".join(probes.classes) + ")")
        for signal, scores in inside.items():
            reference = everything.get(signal, scores)  # likelihood regret: the held-out subsample
            threshold = np.percentile(reference, RARE_PERCENTILE)
            cells = []
            for name in sets:
                ood = outside[name][signal]
                auroc = roc_auc_score(np.r_[np.zeros(len(scores)), np.ones(len(ood))], np.r_[scores, ood])
                cells.append(f"{auroc:.3f} ({np.mean(ood > threshold):4.0%})")
            ranks = [100 * np.mean(reference < v) for v in probe[signal]]
            print(f"  {signal:<22}" + "".join(f"{c:>18}" for c in cells) + "   "
                  + ", ".join(f"{r:.1f}" for r in ranks))
    print(f"\n{time.perf_counter() - started:.0f} s wall-clock in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
