"""The ``aevae`` command: one subcommand per job, options built from the config dataclasses."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aevae.version import __version__
from aevae.config import (
    MODEL_KINDS,
    PRECISIONS,
    PREPROCESS,
    ModelConfig,
    RunConfig,
    TrainConfig,
    field_types,
    value_type,
)
from aevae.errors import AevaeError

if TYPE_CHECKING:
    from aevae.training.concurrent import Job

# CLI spellings that differ from the dataclass field names (the field name works too).
FLAG_NAMES = {"kind": "--model", "latent_dim": "--latent"}
CHOICES = {"kind": MODEL_KINDS, "precision": PRECISIONS, "preprocess": PREPROCESS}
BETAS = (0.0, 0.1, 0.3, 1.0, 2.0, 4.0, 8.0)  # the beta preset: 0 leaves the code free (an AE with noise), 1 is the
# paper's VAE, 8 presses the code until most of it is noise
PRESETS = {
    # The paper's pair: AE and VAE with d = 4 on MNIST, trained with identical settings.
    "paper": [ModelConfig(kind="ae", latent_dim=4), ModelConfig(kind="vae", latent_dim=4)],
    # The same VAE with the KL term weighted by each beta: a family along one axis for the explorer's slider.
    "beta": [ModelConfig(kind="vae", latent_dim=4, beta=b) for b in BETAS],
}
PRESET_MODELS = {"paper": "AE and VAE, d = 4, the default architecture",
                 "beta": f"VAEs with d = 4 and beta = {', '.join(f'{b:g}' for b in BETAS)}"}
PRESET_EPOCHS = 8  # both models side by side in about 2 min 20 s on a 2-core CPU (a core each, ~4,100 images/s each)


def preset_folder(preset: str, cfg: ModelConfig) -> str:
    """The folder inside the preset's OUT of one of its models: ``ae``/``vae`` for the paper's pair, ``beta-0.3``
    for a member of the beta family."""
    return cfg.kind if preset == "paper" else f"beta-{cfg.beta:g}"


# The sweep sets kind and latent size (and so each kind's default weights) per grid point; the network's size and
# the image size are given once for all of them, the channels come from the data.
SWEEP_MODEL_OPTIONS = ("width", "hidden", "image_size")


class UsageError(AevaeError):
    """Options that cannot go together."""


def _add_options(parser: argparse.ArgumentParser, cls: type, prefix: str, only: tuple[str, ...] = ()) -> None:
    """One option per field of ``cls`` (or of the fields named in ``only``): its type from the annotation, its help
    from the field's metadata."""
    group = parser.add_argument_group(cls.__name__)
    types = field_types(cls)
    for f in dataclasses.fields(cls):
        if only and f.name not in only:
            continue
        flags = [f"--{f.name.replace('_', '-')}"]
        if f.name in FLAG_NAMES:
            flags.insert(0, FLAG_NAMES[f.name])
        group.add_argument(*flags, dest=f"{prefix}.{f.name}", type=value_type(types[f.name]), default=None,
                           choices=CHOICES.get(f.name), metavar=None if f.name in CHOICES else f.name.upper(),
                           help=f"{f.metadata['help']} (default: {f.default})")


def _given(args: argparse.Namespace, prefix: str) -> dict[str, object]:
    """The options of ``prefix`` ("model" or "train") that the user gave, by field name."""
    return {k.split(".", 1)[1]: v for k, v in vars(args).items() if k.startswith(prefix + ".") and v is not None}


def _collect(args: argparse.Namespace, cls: type, prefix: str, base: object | None = None) -> object:
    values = dataclasses.asdict(base) if base is not None else {}
    values.update(_given(args, prefix))
    return cls(**values)


def _with_data_channels(args: argparse.Namespace) -> argparse.Namespace:
    """Without --channels, the model takes as many channels as the data set's images have (3 for sprites:colour or
    a colour folder under --preprocess fit), so a newcomer never has to know."""
    if getattr(args, "model.channels", None) is None:
        from aevae.data import data_channels

        train_cfg = _collect(args, TrainConfig, "train")
        setattr(args, "model.channels", data_channels(train_cfg.data, train_cfg.preprocess))
    return args


def _flag(name: str) -> str:
    return FLAG_NAMES.get(name, f"--{name.replace('_', '-')}")


def _cmd_train(args: argparse.Namespace) -> int:
    from aevae.runs.family import runs_in
    from aevae.training.concurrent import Job
    from aevae.training.trainer import RESUME_OPTIONS, train

    model_flags, train_flags = _given(args, "model"), _given(args, "train")
    if args.resume:
        fixed = [f for f in model_flags] + [f for f in train_flags if f not in RESUME_OPTIONS]
        if fixed or args.out or args.preset:
            named = [_flag(f) for f in fixed] + ["--out"] * bool(args.out) + ["--preset"] * bool(args.preset)
            raise UsageError(f"--resume continues a run with the settings in its config.json; it cannot be combined "
                             f"with {', '.join(named)} (allowed: {', '.join(_flag(f) for f in RESUME_OPTIONS)})")
        runs = runs_in(Path(args.resume))  # a preset's folder: continue every run in it
        if runs:
            print(f"== resuming {', '.join(str(r) for r in runs)}", flush=True)
            _train_jobs([Job(r, changes=train_flags) for r in runs], Path(args.resume))
        else:
            train(None, Path(args.resume), resume=True, changes=train_flags)
        return 0
    if args.preset:
        if model_flags:
            raise UsageError(f"--preset {args.preset} fixes its models ({PRESET_MODELS[args.preset]}); drop "
                             f"{', '.join(_flag(f) for f in model_flags)}, or train each model on its own with "
                             f"--model, --latent and --out")
        out = Path(args.out or f"runs/{args.preset}")
        base_train = _collect(args, TrainConfig, "train", TrainConfig(epochs=PRESET_EPOCHS))
        from aevae.data import data_channels

        channels = data_channels(base_train.data, base_train.preprocess)  # the preset's models on colour data too
        jobs = [Job(out / preset_folder(args.preset, cfg),
                    RunConfig(model=dataclasses.replace(cfg, channels=channels), train=base_train))
                for cfg in PRESETS[args.preset]]
        print(f"== training {', '.join(j.label for j in jobs)} (d = {PRESETS[args.preset][0].latent_dim}) "
              f"into {out}", flush=True)
        _train_jobs(jobs, out)
        return 0
    if not args.out:
        raise UsageError("--out RUN_DIR is required (or --preset / --resume)")
    args = _with_data_channels(args)
    cfg = RunConfig(model=_collect(args, ModelConfig, "model"), train=_collect(args, TrainConfig, "train"))
    train(cfg, Path(args.out))
    return 0


def _train_jobs(jobs: list[Job], folder: Path) -> None:
    """Train a preset's runs (side by side where that is faster), then say what they reached and how to look at
    them; after Ctrl-C, say how to continue them all."""
    from aevae.metrics import summary_line
    from aevae.training.concurrent import train_in_waves

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
        check_trained(Path(run), args.data)
    for run in args.runs:
        print(f"== analysing {run}", flush=True)
        extra = {"rd_images": args.rd_images} if args.rd_images else {}
        analysis = analyze_run(Path(run), args.data, progress=not args.quiet, **extra)
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

    base = _collect(args, ModelConfig, "model")
    from aevae.data import data_channels

    train_cfg = _collect(args, TrainConfig, "train")
    base.channels = data_channels(train_cfg.data, train_cfg.preprocess)  # as aevae train's models do
    run_sweep(args.models, args.latents, _collect(args, TrainConfig, "train"), Path(args.out), base)
    print(f"sweep table: {Path(args.out) / 'sweep.md'}")
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    from aevae.explorer.server.serve import serve

    own = None
    if args.model or args.data:
        if not (args.model and args.data) or args.ae or args.vae:
            raise UsageError("--model and --data go together (your own model and the images to explore it on), "
                             "without --ae or --vae")
        from aevae.explorer.bundle.own_model import own_model_bundle
        from aevae.explorer.user_code import load_factory_model, load_images

        model = load_factory_model(args.model)  # runs the user's code: they named it
        images = load_images(args.data, args.image_size, model)
        bundle, models = own_model_bundle(model, images, output=args.output, progress=True,
                                          input_range=args.input_range, cli=True)
        own = (bundle.to_bytes(), models)
    try:
        return serve(ae=args.ae and Path(args.ae), vae=args.vae and Path(args.vae), host=args.host, port=args.port,
                     open_browser=not args.no_browser, allow_origins=args.allow_origin, own=own,
                     family=[Path(p) for p in args.family or []])
    except OSError as exc:
        raise SystemExit(f"aevae explore: cannot listen on {args.host}:{args.port} ({exc})") from None


def _cmd_article(args: argparse.Namespace) -> int:
    from aevae.explorer.server.serve import serve

    try:
        return serve(ae=args.ae and Path(args.ae), vae=args.vae and Path(args.vae), host=args.host, port=args.port,
                     open_browser=not args.no_browser, allow_origins=args.allow_origin, page="article",
                     family=[Path(p) for p in args.family or []])
    except OSError as exc:
        raise SystemExit(f"aevae article: cannot listen on {args.host}:{args.port} ({exc})") from None


def _cmd_export(args: argparse.Namespace) -> int:
    from aevae.explorer.web.export import export_html

    if args.model or args.data:
        if not (args.model and args.data) or args.ae or args.vae:
            raise UsageError("--model and --data go together (your own model and its images), without --ae or --vae")
        from aevae.explorer.user_code import load_factory_model, load_images
        from aevae.explorer.web.export import export_own_model

        model = load_factory_model(args.model)  # runs the user's code: they named it
        path = export_own_model(Path(args.out), model, load_images(args.data, args.image_size, model),
                                output=args.output,
                                input_range=args.input_range, cli=True)
    else:
        path = export_html(Path(args.out), ae=args.ae and Path(args.ae), vae=args.vae and Path(args.vae),
                           family=[Path(p) for p in args.family or []], keep_family=not args.no_family)
    size = path.stat().st_size
    print(f"wrote {path}: {size / 1e6:.2f} MB ({size:,} bytes), one file that works offline from file:// or any "
          "static host")
    return 0


def _add_serve_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that serve the page (explore, article): the same server, the same defaults."""
    p.add_argument("--ae", metavar="RUN_DIR", help="run folder shown as the AE (default: the shipped AE)")
    p.add_argument("--vae", metavar="RUN_DIR", help="run folder shown as the VAE (default: the shipped VAE)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, help="port (default: 8765, or a free one if it is taken; 0 = any free port)")
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    p.add_argument("--family", nargs="+", metavar="RUN_DIR",
                   help="models along one axis for the slider: a folder of runs (aevae train --preset beta's OUT, a "
                        "sweep's OUT) or several run folders that differ in beta or latent size only, or one run "
                        "trained with --snapshots (default: the shipped beta family)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="let pages at ORIGIN (e.g. https://example.org) call the API; repeatable (default: none, "
                        "other web sites are refused)")


def _add_own_model_options(p: argparse.ArgumentParser) -> None:
    """The options that show your own PyTorch model instead of aevae's runs (explore, export)."""
    p.add_argument("--model", metavar="MODULE:FACTORY",
                   help="your own PyTorch model instead: FACTORY() in the importable module MODULE returns it, "
                        "weights loaded (importing MODULE runs its code; see docs/own-model.md)")
    p.add_argument("--data", metavar="SPEC",
                   help="with --model: the images to show it on, a .npy/.npz file (images, labels) or a data-set "
                        "spec such as mnist")
    p.add_argument("--output", choices=("probabilities", "logits", "tanh"),
                   help="with --model: what its decode returns, pixels in [0, 1], logits, or pixels in [-1, 1] "
                        "from a tanh (default: found from its first decodings, said at start)")
    p.add_argument("--image-size", type=int, metavar="S",
                   help="with --model and a data-set spec as --data: the side its images are loaded at (default: "
                        "the first of 32, 28, 64 that the model's encode takes)")
    p.add_argument("--input-range", type=_input_range, metavar="LO,HI",
                   help="with --model: the pixel range its encode expects, 0,1 or -1,1 (default: 0,1, or -1,1 "
                        "where a tanh decoder clearly reconstructs those better, said at start)")


def _input_range(text: str) -> tuple[float, float]:
    """--input-range LO,HI as the pair of floats UserModel.wrap takes."""
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes LO,HI such as 0,1 or -1,1, not {text!r}") from None
    return lo, hi


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to render the docs)."""
    parser = argparse.ArgumentParser(prog="aevae", description=__doc__)
    parser.add_argument("--version", action="version", version=f"aevae {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a model into a run folder",
                       description="Train an AE or VAE variant. Example: aevae train --model vae --latent 4 --out runs/vae")
    p.add_argument("--out", help="run folder to create (must not exist or be empty)")
    p.add_argument("--preset", choices=sorted(PRESETS), help="train a preset group of models: 'paper' = AE + VAE, d = 4, MNIST, into OUT/ae and OUT/vae; "
                        f"'beta' = the VAE at beta = {', '.join(f'{b:g}' for b in BETAS)} into OUT/beta-B (a family "
                        "for --family), as many at a time as there are cores")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run exactly where it stopped (from the start if it "
                   "stopped before its first save); only --epochs (to train further) and --threads may go with it")
    _add_options(p, ModelConfig, "model")
    _add_options(p, TrainConfig, "train")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("data", help="fetch (or draw) a data set into the cache and report on it",
                       description="Fetch MNIST, find Fashion-MNIST, draw the sprites or read an image folder, and "
                                   "report what the models will see. Example: aevae data sprites --image-size 64")
    p.add_argument("spec", help="mnist | fashion-mnist[:DIR] | sprites | sprites:colour | an image folder")
    p.add_argument("--image-size", type=int, default=32, choices=(32, 64), help="side in pixels (default: 32)")
    p.add_argument("--preprocess", default="auto", choices=PREPROCESS,
                   help="glyph (MNIST-style), fit (resize and crop, colour kept) or auto, the data set's own "
                        "(default: auto)")
    p.set_defaults(func=_cmd_data)

    p = sub.add_parser("analyze", help="measure trained runs: latents, statistics, bits; writes RUN_DIR/analysis.safetensors")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="trained run folder(s)")
    p.add_argument("--data", help="refuse a run trained on another data set than this spec")
    p.add_argument("--rd-images", type=int, help="test images for the rate-distortion curve (default: 2000)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("report", help="HTML page + PNG figures: an AE run beside a VAE run, or a family of runs",
                       description="Examples: aevae report runs/paper/ae runs/paper/vae --out report; aevae report "
                                   "--family runs/beta --out report-beta (a table row per model, a figure per "
                                   "headline number against the family's axis)")
    p.add_argument("run_ae", metavar="RUN_AE", nargs="?")
    p.add_argument("run_vae", metavar="RUN_VAE", nargs="?")
    p.add_argument("--family", nargs="+", type=Path, metavar="RUN_DIR",
                   help="a family instead of a pair: a folder of runs along β or d, or one run with snapshots")
    p.add_argument("--out", required=True, help="folder for index.html and the figures")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("sweep", help="train and analyse models x latent sizes; writes OUT/sweep.md and sweep.json",
                       description="Example: aevae sweep --models ae vae --latents 2 4 8 --epochs 8 --data mnist --out runs/sweep")
    p.add_argument("--models", nargs="+", choices=MODEL_KINDS, default=["ae", "vae"], help="model kinds (default: ae vae)")
    p.add_argument("--latents", nargs="+", type=int, default=[2, 4, 8], help="latent sizes (default: 2 4 8)")
    p.add_argument("--out", required=True, help="folder for the runs (OUT/<kind>-d<d>/) and the table")
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
    p.add_argument("--ae", metavar="RUN_DIR", help="run folder shown as the AE (default: the shipped AE)")
    p.add_argument("--vae", metavar="RUN_DIR", help="run folder shown as the VAE (default: the shipped VAE)")
    p.add_argument("--out", default="explorer.html", help="the HTML file to write (default: explorer.html)")
    p.add_argument("--family", nargs="+", metavar="RUN_DIR",
                   help="models along one axis for the slider, as aevae explore --family takes them (default: the "
                        "shipped beta family, with the shipped models)")
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
