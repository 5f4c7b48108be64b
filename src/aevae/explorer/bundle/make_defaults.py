"""Regenerate the explorer's shipped models from a trained paper pair (the one documented command):

    aevae train --preset paper --out runs/paper          # trains runs/paper/ae and runs/paper/vae
    aevae train --model ae --latent 2 --epochs 8 --out runs/paper/ae-d2   # the article's claim 1 (companions)
    python -m aevae.explorer.bundle.make_defaults --from runs/paper

and, for the β family the explorer's slider moves through (``aevae.explorer.bundle.family``):

    aevae train --preset beta --snapshots 0,1,2,4,8 --out runs/beta
    python -m aevae.explorer.bundle.make_defaults --family runs/beta   # adds it to the shipped bundle as it is

It analyses either run if it has no ``analysis.safetensors`` yet, stores the weights as float16, picks the gallery
(three MNIST test images per digit and the probes) and writes ``aevae/explorer/bundle/defaults/bundle.safetensors`` with
``PROVENANCE.json`` and ``README.md`` beside it, saying where the models came from and how good they are. Each
companion run found in RUNS (``RUNS/ae-d2``; see ``aevae.explorer.bundle.companions``) is written as its JSON file
beside them; ``--only-companions`` writes those alone and leaves the bundle as it is.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from aevae.version import __version__
from aevae.explorer.bundle.companions import COMPANIONS
from aevae.explorer.bundle.format import SHIPPED, SLOTS, Bundle
from aevae.explorer.bundle.from_runs import build_bundle, run_entry
from aevae.files import atomic_write
from aevae.runs import WEIGHTS, check_trained, load_metrics, write_json

DEFAULTS = Path(__file__).parent / Path(SHIPPED).parent  # aevae/explorer/bundle/defaults
TRAIN_COMMAND = "aevae train --preset paper --out RUNS"
COMMAND = "python -m aevae.explorer.bundle.make_defaults --from RUNS"
# The shipped β family: the preset's 8 epochs on all 60,000 training images, as the paper's pair, with the latents
# of the fixed test images saved at epochs 0, 1, 2, 4 and 8 for the article's "Watch it learn".
FAMILY_TRAIN_COMMAND = "aevae train --preset beta --snapshots 0,1,2,4,8 --out FAMILY"
FAMILY_COMMAND = "python -m aevae.explorer.bundle.make_defaults --family FAMILY"
SIZE_BUDGET = 5 * 2**20  # bytes: everything shipped must stay under 5 MB


def make_defaults(runs: Path, out: Path = DEFAULTS, progress: bool = True) -> Path:
    """Write the shipped bundle and its provenance from ``runs/ae`` and ``runs/vae``; returns the bundle's path."""
    folders = {slot: Path(runs) / slot for slot in SLOTS}
    for folder in folders.values():
        check_trained(folder)  # complete (every epoch trained) before anything is written
    bundle = build_bundle(folders, progress=progress, half=True)
    provenance = provenance_of(folders, bundle)
    for slot in SLOTS:
        bundle.model(slot)["source"] = f"shipped with aevae {__version__} ({COMMAND})"
    bundle.meta["provenance"] = provenance
    data = bundle.to_bytes()
    if len(data) > SIZE_BUDGET:
        raise ValueError(f"the bundle is {len(data):,} bytes, over the {SIZE_BUDGET:,}-byte budget")
    out.mkdir(parents=True, exist_ok=True)
    path = out / Path(SHIPPED).name
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
    write_json(out / "PROVENANCE.json", provenance)
    atomic_write(out / "README.md", lambda tmp: Path(tmp).write_text(readme(provenance, len(data))))
    make_companions(runs, out, progress)
    return path


def make_family(family: Path, out: Path = DEFAULTS, progress: bool = True) -> Path:
    """Put the family that the runs in ``family`` make into the shipped bundle in ``out`` (its slots and gallery
    kept as they are), with the family's provenance; returns the bundle's path."""
    from aevae.explorer.bundle.family import with_family
    from aevae.runs.family import family_of

    path = out / Path(SHIPPED).name
    bundle = with_family(Bundle.from_bytes(path.read_bytes()), [family], progress=progress)
    members = family_of([family]).members
    for member in bundle.meta["family"]["members"]:
        member["source"] = f"shipped with aevae {__version__} ({FAMILY_COMMAND})"
    provenance = {**bundle.meta.get("provenance", {}), "family": {
        "training_command": FAMILY_TRAIN_COMMAND,
        "regenerate_command": FAMILY_COMMAND,
        "axis": bundle.meta["family"]["axis"],
        "values": bundle.meta["family"]["values"],
        "weights_shipped_as": "int8 with a float32 scale per row (aevae.explorer.bundle.quantize)",
        "bytes_per_model": bundle.meta["family"]["bytes_per_model"],
        "models": [{"config": m.config.to_dict(), "test_metrics": m.metrics,
                    "sha256_float32_weights": hashlib.sha256((m.run / WEIGHTS).read_bytes()).hexdigest()}
                   for m in members],
    }}
    bundle.meta["provenance"] = provenance
    data = bundle.to_bytes()
    if len(data) > SIZE_BUDGET:
        raise ValueError(f"the bundle is {len(data):,} bytes, over the {SIZE_BUDGET:,}-byte budget")
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
    write_json(out / "PROVENANCE.json", provenance)
    atomic_write(out / "README.md", lambda tmp: Path(tmp).write_text(readme(provenance, len(data))))
    return path


def make_companions(runs: Path, out: Path = DEFAULTS, progress: bool = True) -> list[Path]:
    """Write the JSON file of each companion run present in ``runs`` (e.g. ``runs/ae-d2``); returns their paths."""
    written = []
    for name, spec in COMPANIONS.items():
        folder = Path(runs) / name
        if not folder.exists():
            print(f"make_defaults: no {folder}; {name} not written ({spec['command'].replace('RUNS', str(runs))})",
                  file=sys.stderr)
            continue
        check_trained(folder)
        meta, _ = run_entry(name, folder, progress)
        meta["source"] = f"shipped with aevae {__version__} ({COMMAND})"
        meta["provenance"] = {
            "training_command": spec["command"],
            "role": spec["role"],
            "epochs_trained": len(load_metrics(folder).get("history", [])),
            "sha256_float32_weights": hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest(),
            "weights_shipped": False,
        }
        path = out / Path(spec["file"]).name
        write_json(path, meta)
        written.append(path)
    return written


def provenance_of(folders: dict[str, Path], bundle: Bundle) -> dict[str, Any]:
    """Where each shipped model came from: its training config, final test metrics and weights' checksum."""
    models = {}
    for slot, folder in folders.items():
        metrics = load_metrics(folder)
        models[slot] = {
            "config": bundle.model(slot)["config"],
            "epochs_trained": len(metrics.get("history", [])),
            "test_metrics": metrics.get("final", {}),
            "sha256_float32_weights": hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest(),
            "weights_shipped_as": "float16",
        }
    return {
        "training_command": TRAIN_COMMAND,
        "regenerate_command": COMMAND,
        "aevae_version": __version__,
        "gallery": f"{sum(i['kind'] == 'test' for i in bundle.meta['gallery'])} test images and "
                   f"{sum(i['kind'] == 'probe' for i in bundle.meta['gallery'])} probes",
        "models": models,
        "units": bundle.model("vae")["units"],
    }


def readme(provenance: dict[str, Any], size: int) -> str:
    """The human-readable note beside the shipped bundle."""
    lines = [
        "# Shipped explorer models",
        "",
        f"`bundle.safetensors` ({size / 2**20:.2f} MiB) is what `aevae explore` shows when given no runs: the",
        "paper's AE and VAE (d = 4, MNIST 32×32), their analysis (violins, PCA points, quantiles, bit budget) and a",
        f"gallery ({provenance['gallery']}). Weights are stored as float16. Do not edit it by hand; regenerate it:",
        "",
        "```",
        provenance["training_command"],
        provenance["regenerate_command"],
        "```",
        "",
        "| model | epochs | test BCE (nats/image) | KL (bits/image) | -ELBO (nats/image) |",
        "|---|---|---|---|---|",
    ]
    for slot, m in provenance["models"].items():
        cells = [_number(m["test_metrics"], k) for k in ("bce_nats_per_image", "kl_bits_per_image",
                                                         "neg_elbo_nats_per_image")]
        lines.append(f"| {slot} | {m['epochs_trained']} | {' | '.join(cells)} |")
    family = provenance.get("family")
    if family:
        lines += ["", f"The β family for the slider ({len(family['models'])} models, "
                      f"{family['bytes_per_model'] / 1e3:.0f} KB each, weights as {family['weights_shipped_as']}):",
                  "", "```", family["training_command"], family["regenerate_command"], "```", "",
                  "| β | test BCE (nats/image) | KL (bits/image) | -ELBO (nats/image) |", "|---|---|---|---|"]
        for m in family["models"]:
            cells = [_number(m["test_metrics"], k) for k in ("bce_nats_per_image", "kl_bits_per_image",
                                                             "neg_elbo_nats_per_image")]
            lines.append(f"| {m['config']['model']['beta']:g} | {' | '.join(cells)} |")
    lines += ["", "Full configs, metrics and checksums of the float32 weights: `PROVENANCE.json`.",
              "`ae-d2.json` (when present): the metadata of an AE with d = 2 trained with the same settings",
              f"(`{COMPANIONS['ae-d2']['command']}`), for the article's claim 1; no weights.", ""]
    return "\n".join(lines)


def _number(metrics: dict[str, Any], key: str) -> str:
    return f"{metrics[key]:.2f}" if key in metrics else "—"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m aevae.explorer.bundle.make_defaults --from RUNS [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m aevae.explorer.bundle.make_defaults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="runs", metavar="RUNS",
                        help="folder holding the trained pair as RUNS/ae and RUNS/vae")
    parser.add_argument("--family", type=Path, metavar="FAMILY",
                        help="a folder of runs along one axis (aevae train --preset beta's OUT) to ship for the "
                             "slider; alone, it is added to the shipped bundle as it is")
    parser.add_argument("--out", type=Path, default=DEFAULTS, help=f"where to write (default: {DEFAULTS})")
    parser.add_argument("--only-companions", action="store_true",
                        help="write only the companion runs' files (RUNS/ae-d2 -> ae-d2.json), not the bundle")
    args = parser.parse_args(argv)
    try:
        if not (args.runs or args.family):
            parser.error("give --from RUNS, --family FAMILY, or both")
        if args.family and not args.runs:
            path = make_family(args.family, args.out, progress=sys.stderr.isatty())
            print(f"wrote {path} ({path.stat().st_size / 2**20:.2f} MiB), PROVENANCE.json and README.md beside it")
            return 0
        if args.only_companions:
            for path in make_companions(Path(args.runs), args.out, progress=sys.stderr.isatty()):
                print(f"wrote {path}")
            return 0
        path = make_defaults(Path(args.runs), args.out, progress=sys.stderr.isatty())
        if args.family:
            path = make_family(args.family, args.out, progress=sys.stderr.isatty())
    except (ValueError, RuntimeError) as exc:  # RunError, DataError and BundleError among them
        print(f"make_defaults: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({path.stat().st_size / 2**20:.2f} MiB), PROVENANCE.json and README.md beside it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
