"""The ``aevae`` command: train, analyse, report on and explore autoencoders and VAEs, one subcommand per job.

Each subcommand parses its options, calls the one function that does the job and prints what it returns; the
rules live with their concept (what a new run or a preset is: ``aevae.plans``; what may change on a resume:
``aevae.training.trainer``; where the server listens: ``aevae.explorer.server.serve``). The model and training
options are generated from the config fields (``aevae.config``): a field's name is its option, its annotation the
option's type, its ``help`` metadata the option's help.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from aevae.config import AUTO_PREPROCESS, MODEL_KINDS, PRECISIONS, PREPROCESS, ModelConfig, TrainConfig, field_types, value_type
from aevae.errors import AevaeError
from aevae.plans import PRESET_MODELS, PRESETS, preset_runs, run_config
from aevae.version import __version__

FLAG_NAMES = {"kind": "--model", "latent_dim": "--latent"}  # CLI spellings that differ from the field names
METAVARS = {"latent_dim": "D", "image_size": "PX", "data": "SPEC", "device": "DEVICE", "snapshots": "EPOCHS"}
TYPE_METAVARS = {int: "N", float: "X", str: "TEXT"}  # how any other option's value is shown in the help
CHOICES = {"kind": MODEL_KINDS, "precision": PRECISIONS, "preprocess": PREPROCESS}
GROUPS = {ModelConfig: "Model", TrainConfig: "Training"}  # the help's group of each config's options
DATA_FIELDS = ("data", "preprocess", "limit")  # TrainConfig fields shown in the group "Data"
NO_DEFAULT = ("channels",)  # fields whose default the help does not show (channels: the data set's)
# The sweep sets kind and latent size (and so each kind's default weights) per grid point; the network's size and
# the image size are given once for all of them, the channels come from the data.
SWEEP_MODEL_OPTIONS = ("width", "hidden", "image_size")


class UsageError(AevaeError):
    """Options that cannot go together."""


def _add_options(parser: argparse.ArgumentParser, cls: type, prefix: str, only: tuple[str, ...] = ()) -> None:
    """One option per field of ``cls`` (or of the fields named in ``only``), stored as ``PREFIX.FIELD``: its type
    from the annotation, its help from the field's metadata, its default shown where it means something; grouped as
    ``GROUPS`` and ``DATA_FIELDS`` say."""
    groups: dict[str, Any] = {}
    types = field_types(cls)
    for f in dataclasses.fields(cls):
        if only and f.name not in only:
            continue
        title = "Data" if f.name in DATA_FIELDS else GROUPS[cls]
        group = groups.get(title) or groups.setdefault(title, parser.add_argument_group(title))
        shown = f.default not in (None, "") and f.name not in NO_DEFAULT
        kind = value_type(types[f.name])
        group.add_argument(_flag(f.name), dest=f"{prefix}.{f.name}", type=kind, default=None,
                           choices=CHOICES.get(f.name),
                           metavar=None if f.name in CHOICES else METAVARS.get(f.name, TYPE_METAVARS[kind]),
                           help=f.metadata["help"] + (f" (default: {f.default})" if shown else ""))


def _given(args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    """The options of ``prefix`` ("model" or "train") that the user gave, by field name."""
    return {k.split(".", 1)[1]: v for k, v in vars(args).items() if k.startswith(prefix + ".") and v is not None}


def _flag(name: str) -> str:
    return FLAG_NAMES.get(name, f"--{name.replace('_', '-')}")


def _cmd_train(args: argparse.Namespace) -> int:
    from aevae.runs.family import runs_in
    from aevae.training.side_by_side import Job
    from aevae.training.trainer import RESUME_OPTIONS, train

    model, train_options = _given(args, "model"), _given(args, "train")
    if args.resume:
        fixed = [*model, *(f for f in train_options if f not in RESUME_OPTIONS)]
        if fixed or args.out or args.preset:
            named = [_flag(f) for f in fixed] + ["--out"] * bool(args.out) + ["--preset"] * bool(args.preset)
            raise UsageError(f"--resume continues a run with the settings in its config.json; it cannot be combined "
                             f"with {', '.join(named)} (allowed: {', '.join(_flag(f) for f in RESUME_OPTIONS)})")
        runs = runs_in(Path(args.resume))  # a preset's folder: continue every run in it
        if runs:
            print(f"== resuming {', '.join(str(r) for r in runs)}", flush=True)
            _train_jobs([Job(r, changes=train_options) for r in runs], Path(args.resume))
        else:
            train(None, Path(args.resume), resume=True, changes=train_options)
        return 0
    if args.preset:
        if model:
            raise UsageError(f"--preset {args.preset} fixes its models ({PRESET_MODELS[args.preset]}); drop "
                             f"{', '.join(_flag(f) for f in model)}, or train each model on its own with "
                             f"--model, --latent and --out")
        out = Path(args.out or f"runs/{args.preset}")
        jobs = [Job(run, cfg) for run, cfg in preset_runs(args.preset, train_options, out).items()]
        print(f"== training {', '.join(j.label for j in jobs)} (d = {jobs[0].cfg.model.latent_dim}) into {out}",
              flush=True)
        _train_jobs(jobs, out)
        return 0
    if not args.out:
        raise UsageError("--out RUN_DIR is required (or --preset / --resume)")
    train(run_config(model, TrainConfig(**train_options)), Path(args.out))
    return 0


def _train_jobs(jobs: list[Any], folder: Path) -> None:
    """Train a preset's runs (side by side where that is faster), then say what they reached and how to look at
    them; after Ctrl-C, say how to continue them all."""
    from aevae.metrics import summary_line
    from aevae.training.side_by_side import train_in_waves

    try:
        finals = train_in_waves(jobs)
    except KeyboardInterrupt:
        print(f"continue them all with: aevae train --resume {folder}", flush=True)
        raise
    for job, metrics in zip(jobs, finals):
        print(f"{job.out}: test {summary_line(metrics) if metrics else 'no epochs trained'}")
    slots = {j.label: j.out for j in jobs}
    if {"ae", "vae"} <= slots.keys():
        print(f"explore them with: aevae explore --ae {slots['ae']} --vae {slots['vae']}")
    elif len(jobs) > 2:
        print(f"explore them with: aevae explore --family {folder}")


def _cmd_data(args: argparse.Namespace) -> int:
    from aevae.data import fetch_report

    print(fetch_report(args.spec, args.image_size, args.preprocess))
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from aevae.analysis import analyze_run, describe
    from aevae.runs import check_trained

    for run in args.runs:  # check every folder first, so a bad one leaves all of them untouched
        check_trained(Path(run), args.trained_on)
    for run in args.runs:
        print(f"== analysing {run}", flush=True)
        extra = {"rd_images": args.rd_images} if args.rd_images else {}
        analysis = analyze_run(Path(run), args.trained_on, progress=not args.quiet, **extra)
        print(describe(analysis))
        print("  seconds: " + ", ".join(f"{k} {v:.2f} s" for k, v in analysis.extra["seconds"].items()))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    if args.family:
        if args.run_ae or args.run_vae:
            raise UsageError("give RUN_AE RUN_VAE (a pair) or --family RUN_DIR ... (a family), not both")
        from aevae.report.family import write_family_report
        from aevae.runs.family import family_of

        print(f"family report written to {write_family_report(family_of(args.family), Path(args.out))}")
        return 0
    if not (args.run_ae and args.run_vae):
        raise UsageError("give two runs, RUN_AE RUN_VAE, or a family with --family RUN_DIR ...")
    from aevae.report import build_report

    print(f"report written to {build_report(Path(args.run_ae), Path(args.run_vae), Path(args.out))}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from aevae.sweep import run_sweep

    run_sweep(args.models, args.latents, TrainConfig(**_given(args, "train")), Path(args.out),
              _given(args, "model"))
    print(f"sweep table: {Path(args.out) / 'sweep.md'}")
    return 0


def _own_model(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """Your own model (its factory called) and the images to show it on, when --model is given; None otherwise."""
    if not (args.model or args.images):
        return None
    if not (args.model and args.images) or args.ae or args.vae:
        raise UsageError("--model and --images go together (your own model and the images to show it on), "
                         "without --ae or --vae")
    from aevae.explorer.user_code import load_factory_model, load_images

    model = load_factory_model(args.model)  # runs the user's code: they named it
    return model, load_images(args.images, args.image_size, model)


def _runs(args: argparse.Namespace) -> dict[str, Any]:
    """The run folders named by --ae and --vae (None: the shipped model) and by --family."""
    return {"ae": args.ae and Path(args.ae), "vae": args.vae and Path(args.vae),
            "family": [Path(p) for p in args.family or []]}


def _serve_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"host": args.host, "port": args.port, "open_browser": not args.no_browser,
            "allow_origins": args.allow_origin}


def _cmd_explore(args: argparse.Namespace) -> int:
    from aevae.explorer.server.serve import serve

    own = _own_model(args)
    if own is None:
        return serve(**_runs(args), **_serve_options(args))
    from aevae.explorer.bundle.own_model import own_model_bundle

    bundle, models = own_model_bundle(*own, output=args.output, progress=True, input_range=args.input_range,
                                      cli=True, preprocess=args.preprocess)
    return serve(own=(bundle.to_bytes(), models), **_serve_options(args))


def _cmd_article(args: argparse.Namespace) -> int:
    from aevae.explorer.server.serve import serve

    return serve(**_runs(args), **_serve_options(args), page="article")


def _cmd_export(args: argparse.Namespace) -> int:
    from aevae.explorer.web.export import export_html, export_own_model

    own = _own_model(args)
    if own is None:
        path = export_html(Path(args.out), **_runs(args), keep_family=not args.no_family)
    else:
        path = export_own_model(Path(args.out), *own, output=args.output, input_range=args.input_range, cli=True,
                                preprocess=args.preprocess)
    size = path.stat().st_size
    print(f"wrote {path}: {size / 1e6:.2f} MB ({size:,} bytes), one file that works offline from file:// or any "
          "static host")
    return 0


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """--ae, --vae and --family: the run folders a page shows (explore, article, export)."""
    p.add_argument("--ae", metavar="RUN_DIR", help="run folder shown as the AE (default: the shipped AE)")
    p.add_argument("--vae", metavar="RUN_DIR", help="run folder shown as the VAE (default: the shipped VAE)")
    p.add_argument("--family", nargs="+", metavar="RUN_DIR",
                   help="models along one axis for the slider: a folder of runs (aevae train --preset beta's OUT, a "
                        "sweep's OUT) or several run folders that differ in beta or latent size only, or one run "
                        "trained with --snapshots (default: the shipped beta family)")


def _add_serve_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that serve the page (explore, article): the same server, the same defaults."""
    _add_run_options(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, help="port (default: 8765, or a free one if it is taken; 0 = any free port)")
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="let pages at ORIGIN (e.g. https://example.org) call the API; repeatable (by default other "
                        "web sites are refused)")


def _add_own_model_options(p: argparse.ArgumentParser) -> None:
    """The options that show your own PyTorch model instead of aevae's runs (explore, export)."""
    p.add_argument("--model", metavar="MODULE:FACTORY",
                   help="your own PyTorch model instead: FACTORY() in the importable module MODULE returns it, "
                        "weights loaded (importing MODULE runs its code; see docs/own-model.md)")
    p.add_argument("--images", metavar="FILE|SPEC",
                   help="with --model: the images to show it on, a .npy/.npz file (images, labels) or a data set "
                        "such as mnist (its test images)")
    p.add_argument("--output", choices=("probabilities", "logits", "tanh"),
                   help="with --model: what its decode returns, pixels in [0, 1], logits, or pixels in [-1, 1] "
                        "from a tanh (by default found from its first decodings, and said at start)")
    p.add_argument("--image-size", type=int, metavar="S",
                   help="with --model and a data-set spec as --images: the side its images are loaded at (default: "
                        "the first of 32, 28, 64 that the model's encode takes)")
    p.add_argument("--input-range", type=_input_range, metavar="LO,HI",
                   help="with --model: the pixel range its encode expects, 0,1 or -1,1 (by default 0,1, or -1,1 "
                        "where a tanh decoder clearly reconstructs those better, and said at start)")
    p.add_argument("--preprocess", default=AUTO_PREPROCESS, choices=PREPROCESS,
                   help="with --model: how a drawing or an upload is made like your images, glyph (an MNIST-style "
                        "digit; the page then offers a drawing pad) or fit (resized and cropped, colour kept); auto: "
                        "the data set's own for a spec (glyph for mnist); for a file, glyph where its images are grey strokes "
                        "on a dark ground, else fit (default: auto)")


def _input_range(text: str) -> tuple[float, float]:
    """--input-range LO,HI as the pair of floats UserModel.wrap takes."""
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes LO,HI such as 0,1 or -1,1, not {text!r}") from None
    return lo, hi


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to render the docs)."""
    parser = argparse.ArgumentParser(
        prog="aevae", description="Train an autoencoder (AE) and a variational autoencoder (VAE), measure what "
                                  "they learned, and explore their latent spaces in the browser.",
        epilog="Run aevae COMMAND --help for the options of one command.")
    parser.add_argument("--version", action="version", version=f"aevae {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train a model into a run folder",
                       description="Train an AE or a VAE variant into a run folder. Example: aevae train --model vae "
                                   "--latent 4 --out runs/vae")
    p.add_argument("--out", metavar="RUN_DIR", help="run folder to create (must not exist or be empty)")
    p.add_argument("--preset", choices=sorted(PRESETS),
                   help="train a preset group of models into OUT (default runs/PRESET): paper = AE + VAE, d = 4, "
                        f"into OUT/ae and OUT/vae; beta = {PRESET_MODELS['beta']}, into OUT/beta-B (a family for "
                        "--family), as many at a time as there are cores")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run exactly where it stopped (from "
                   "the start if it stopped before its first save); only --epochs (to train further) and --threads "
                   "may go with it")
    _add_options(p, ModelConfig, "model")
    _add_options(p, TrainConfig, "train")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("data", help="fetch (or draw) a data set into the cache and report on it",
                       description="Fetch MNIST, find Fashion-MNIST, draw the sprites or read an image folder, and "
                                   "report what the models will see. Example: aevae data sprites --image-size 64")
    p.add_argument("spec", metavar="SPEC", help="mnist, fashion-mnist[:DIR], sprites, sprites:colour, or an image "
                                                "folder (folder:DIR or its path)")
    p.add_argument("--image-size", type=int, default=32, choices=(32, 64), help="side in pixels (default: 32)")
    p.add_argument("--preprocess", default="auto", choices=PREPROCESS,
                   help="glyph (MNIST-style), fit (resize and crop, colour kept) or auto, the data set's own "
                        "(default: auto)")
    p.set_defaults(func=_cmd_data)

    p = sub.add_parser("analyze", help="measure trained runs: latents, statistics, bits; writes "
                                       "RUN_DIR/analysis.safetensors")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="trained run folder(s)")
    p.add_argument("--trained-on", metavar="SPEC", help="refuse a run trained on another data set than SPEC")
    p.add_argument("--rd-images", type=int, metavar="N",
                   help="test images for the rate-distortion curve (default: 2000)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("report", help="HTML page + PNG figures: an AE run beside a VAE run, or a family of runs",
                       description="Examples: aevae report runs/paper/ae runs/paper/vae --out report; aevae report "
                                   "--family runs/beta --out report-beta (a table row per model, a figure per "
                                   "headline number against the family's axis)")
    p.add_argument("run_ae", metavar="RUN_AE", nargs="?", help="the AE's run folder")
    p.add_argument("run_vae", metavar="RUN_VAE", nargs="?", help="the VAE's run folder")
    p.add_argument("--family", nargs="+", type=Path, metavar="RUN_DIR",
                   help="a family instead of a pair: a folder of runs along β or d, or one run with snapshots")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for index.html and the figures")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("sweep", help="train and analyse models x latent sizes; writes OUT/sweep.md and sweep.json",
                       description="Train and analyse every model kind at every latent size, then tabulate them "
                                   "beside the paper's claims. Example: aevae sweep --models ae vae --latents 2 4 8 "
                                   "--epochs 8 --data mnist --out runs/sweep")
    p.add_argument("--models", nargs="+", choices=MODEL_KINDS, default=["ae", "vae"], help="model kinds (default: "
                   "ae vae)")
    p.add_argument("--latents", nargs="+", type=int, default=[2, 4, 8], metavar="D",
                   help="latent sizes (default: 2 4 8)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the runs (OUT/KIND-dD/) and the table")
    _add_options(p, ModelConfig, "model", only=SWEEP_MODEL_OPTIONS)
    _add_options(p, TrainConfig, "train")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("explore", help="the interactive explorer of an AE beside a VAE, in the browser",
                       description="Serve the explorer on this machine and open it. With no runs: the shipped AE and "
                                   "VAE (d = 4, MNIST). Example: aevae explore --ae runs/paper/ae --vae runs/paper/vae")
    _add_serve_options(p)
    _add_own_model_options(p)
    p.set_defaults(func=_cmd_explore)

    p = sub.add_parser("article", help="the explorable article around the models, in the browser",
                       description="Serve the article (the paper's explanation, every figure drawn from the loaded "
                                   "models) on this machine and open it; the explorer is one link away. Example: "
                                   "aevae article --ae runs/paper/ae --vae runs/paper/vae")
    _add_serve_options(p)
    p.set_defaults(func=_cmd_article)

    p = sub.add_parser("export", help="the explorer as one self-contained HTML file: no server, no network",
                       description="Write the explorer, models and all, into one HTML file to open from disk, mail "
                                   "or put on any static host. Example: aevae export --ae runs/paper/ae --vae "
                                   "runs/paper/vae --out explorer.html")
    _add_run_options(p)
    p.add_argument("--out", default="explorer.html", metavar="FILE",
                   help="the HTML file to write (default: explorer.html)")
    p.add_argument("--no-family", action="store_true",
                   help="leave the family and its slider out: a smaller file (about 0.4 MB less per model)")
    _add_own_model_options(p)
    p.set_defaults(func=_cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aevae`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AevaeError as exc:  # the project's own errors are the user's to fix: a message, no traceback
        print(f"aevae {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
