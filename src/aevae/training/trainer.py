"""The training loop: one model, one run folder, resumable, interruptible, multi-process aware.

Single process:   aevae train --model vae --latent 4 --epochs 10 --out runs/vae
Several (gloo):   torchrun --nproc_per_node=2 -m aevae train --model vae --out runs/vae
Continue:         aevae train --resume runs/vae
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from aevae.version import __version__
from aevae.config import RunConfig
from aevae.data import ImageSet, load_splits, resolve_preprocess
from aevae.errors import ConfigError
from aevae.files import NoRoomError, is_temporary
from aevae.metrics import UNITS, as_batch, evaluate, summary_line
from aevae.models import build_model
from aevae.runs import (
    CHECKPOINT,
    CONFIG,
    METRICS,
    WEIGHTS,
    RunError,
    check_not_folder,
    load_config,
    load_metrics,
    load_tensors,
    new_run_config,
    read_json,
    save_weights,
    trained_epochs,
    write_json,
)
from aevae.runs.lock import LOCK, writing
from aevae.runs.snapshots import SNAPSHOT_IMAGES, SNAPSHOTS, save_snapshot, snapshot_path
from aevae.training import data_parallel
from aevae.training.checkpoint import Progress, load_checkpoint, save_checkpoint, saved_progress
from aevae.training.console import Console
from aevae.training.step import Sums, make_optimizer, part_names, resolve_precision, train_step

FINAL_LR_FRACTION = 0.05  # cosine decay ends at lr/20: late epochs polish rather than jump


def learning_rate(cfg: RunConfig, step: int, total: int) -> float:
    """Cosine-decayed learning rate for global step ``step`` of ``total``."""
    lo = cfg.train.lr * FINAL_LR_FRACTION
    return lo + 0.5 * (cfg.train.lr - lo) * (1.0 + math.cos(math.pi * min(step / max(total, 1), 1.0)))


def batch_seed(seed: int, epoch: int, step: int, rank: int) -> int:
    """Seed of the noise for one batch; derived, not carried, so a resumed run draws the same noise."""
    return (seed * 1_000_003 + epoch * 10_007 + step) * 64 + rank


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The shuffled order of the training images in ``epoch``; every process computes the same one."""
    return np.random.default_rng([seed, epoch]).permutation(n)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and what kill, systemd and job schedulers send
RESUME_OPTIONS = ("epochs", "threads")  # what --resume may change: train further, or use another thread count


@contextmanager
def interrupt_requests() -> Iterator[dict[str, bool]]:
    """Turn the first SIGINT or SIGTERM into a request (``stop["requested"]``) that the loop honours at a batch
    boundary.

    Stopping between batches means the checkpoint, metrics and weights are never caught half-computed; a second
    signal raises KeyboardInterrupt at once (``stop["hard"]``) for a user who really wants out, and then nothing is
    saved, since the batch in flight may be half applied: the last checkpoint on disk stays as it was.
    """
    stop = {"requested": False, "hard": False}
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set from the main thread
        return

    def request(signum: int, frame: object) -> None:
        if stop["requested"]:
            stop["hard"] = True
            raise KeyboardInterrupt
        stop["requested"] = True

    previous = {sig: signal.signal(sig, request) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def repeatable_kernels(device: torch.device) -> Iterator[None]:
    """On CUDA, let cuDNN pick only deterministic convolution algorithms, so the same seed trains the same numbers
    and ``--resume`` continues exactly (its fastest backward algorithms add in a varying order); the caller's
    settings are restored afterwards. cuBLAS needs a fixed workspace for the same guarantee, which it reads when a
    process first multiplies on the GPU: set here for processes that train first (``aevae train`` does)."""
    if device.type != "cuda":
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    saved = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved


def resumable_config(out: Path, changes: dict[str, Any] | None = None) -> RunConfig:
    """The config of a run folder that ``--resume`` can continue, with ``changes`` (``RESUME_OPTIONS`` only) applied.

    A folder whose run stopped before its first save (killed, out of memory) has a config but no checkpoint: it
    resumes from the start. One with a history but no checkpoint lost its checkpoint and is refused, so trained
    weights are never overwritten.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunError(f"cannot resume: {out} is a file, not a run folder")
    cfg = load_config(out)
    for name in (WEIGHTS, METRICS, CHECKPOINT):
        check_not_folder(out / name)
    if not (out / CHECKPOINT).is_file() and trained_epochs(out):
        raise RunError(f"cannot resume: {out / CHECKPOINT} is missing while {METRICS} records "
                       f"{trained_epochs(out)} trained epoch(s); the run cannot be continued exactly. "
                       f"Train it again into another --out")
    wrong = sorted(set(changes or {}) - set(RESUME_OPTIONS))
    if wrong:
        raise RunError(f"--resume continues {out} with the settings in its {CONFIG}; it cannot change "
                       f"{', '.join(wrong)} (only {', '.join(RESUME_OPTIONS)} may be given with --resume)")
    try:
        return dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, **(changes or {})))
    except ConfigError as exc:
        raise ConfigError(f"--resume {out}: {exc}") from None


def check_threads(cfg: RunConfig, resume: bool) -> None:
    """Refuse more torch threads than this process has cores: the extra ones would only take turns on them."""
    cores = data_parallel.usable_cores()
    if cfg.train.threads > cores:
        raise ConfigError(f"--threads {cfg.train.threads} is more than the {cores} core(s) this process may use; "
                          f"give --threads {cores} or fewer{' with --resume' if resume else ''} (0 = one per core)")


def remove_leftovers(out: Path, console: Console) -> None:
    """Remove the temporary files that writes cut short (a kill, a full disk) left in ``out``; only safe while
    holding its writer lock, which no other writer then holds."""
    for p in sorted([*out.iterdir(), *(out / SNAPSHOTS).glob("*")]):
        if is_temporary(p):
            p.unlink()
            console.line(f"removed {p}, left by a write that was cut short")


def ensure_new_folder(out: Path) -> None:
    """Refuse to train into a file or a folder that already holds something, so no run is ever overwritten.

    Temporary files that an interrupted atomic write left behind do not count (they are removed): a run killed
    before it wrote its config can be started again with the same command.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file; name a new or empty folder for the run")
    if not out.is_dir():
        return
    leftovers = [p for p in out.iterdir() if is_temporary(p)]
    if len(leftovers) < len([p for p in out.iterdir() if p.name != LOCK]):
        hint = (f"pass --resume {out} to continue it" if (out / CONFIG).is_file()
                else "remove what it holds")
        raise RunError(f"{out} already exists and is not empty; {hint}, or choose another --out")
    for p in leftovers:
        p.unlink()


def train(cfg: RunConfig | None, out: Path, resume: bool = False, progress_bar: bool = True,
          on_step: Callable[[int, int, dict], None] | None = None, changes: dict[str, Any] | None = None,
          console: Console | None = None) -> dict:
    """Train ``cfg`` into run folder ``out`` (or continue it with ``resume``); returns the final test metrics.

    ``changes``: with ``resume``, new values of the fields in ``RESUME_OPTIONS``, saved in the run's config. More
    ``epochs`` stretch the cosine learning-rate schedule from where the run stands, so the result differs from a run
    asked for that many epochs from the start. Resuming a finished run trains nothing: it says so, and rewrites
    ``model.safetensors`` and ``metrics.json`` from the checkpoint if they are missing, corrupt or out of date.
    ``on_step(epoch, step, parts)`` is called after every batch (e.g. for logging). Ctrl-C (SIGINT) or SIGTERM
    lets the batch in flight finish, saves a checkpoint there and raises KeyboardInterrupt; so does a
    KeyboardInterrupt raised by ``on_step``. A second signal stops at once (the last checkpoint on disk stays
    intact). The caller's torch thread count and random state are the same afterwards as before. Bars and lines go
    to ``console`` (default: this terminal, bars only with ``progress_bar``).

    The process writing ``out`` holds its writer lock (``aevae.runs.lock``) throughout: a second one is refused. A
    full disk, or a loss that stops being a number, ends the run with a RunError saying what the last save holds.
    """
    out = Path(out)
    if resume:
        cfg = resumable_config(out, changes)
    elif cfg is None:
        raise ValueError("a new run needs a RunConfig")
    elif changes:
        raise ValueError("changes apply only with resume=True")
    check_threads(cfg, resume)
    ctx = data_parallel.setup(cfg.train.device)
    threads = torch.get_num_threads()
    console = console or Console(progress_bar and ctx.main)
    try:
        with ExitStack() as held:
            if not resume:
                if ctx.main:  # other ranks may start after rank 0 has begun writing
                    ensure_new_folder(out)
                cfg = new_run_config(cfg)
                cfg.train.precision = resolve_precision(cfg.train.precision, ctx.device)  # saved as resolved
                cfg.train.preprocess = resolve_preprocess(cfg.train.data, cfg.train.preprocess)  # inputs match later
            elif ctx.main:
                held.enter_context(writing(out))
                remove_leftovers(out, console)
            cuda = [ctx.device] if ctx.device.type == "cuda" else []
            with (interrupt_requests() as stop, torch.random.fork_rng(devices=cuda),  # seeding stays inside the run
                  repeatable_kernels(ctx.device)):
                return _train(cfg, out, resume, ctx, console, on_step, stop, held, changed=bool(changes))
    except NoRoomError as exc:
        raise RunError(f"{exc}. {last_save(out, cfg)}; free some space, then {how_to_go_on(out)}") from None
    finally:
        torch.set_num_threads(threads)
        data_parallel.teardown(ctx)


def last_save(out: Path, cfg: RunConfig) -> str:
    """What ``out`` holds of a run that stopped: its last save, which the run's next ``--resume`` starts from."""
    if not (out / CHECKPOINT).is_file():
        return "No epoch of the run was saved yet"
    progress = saved_progress(out / CHECKPOINT)
    if progress is None:
        return f"{out / CHECKPOINT} is unreadable"
    within = f" and {progress.step} batches of epoch {progress.epoch + 1}" if progress.step else ""
    return (f"The last save, epoch {progress.epoch} of {cfg.train.epochs}{within}, is intact in "
            f"{out / CHECKPOINT}")


def how_to_go_on(out: Path) -> str:
    """The command that continues the run in ``out`` from its last save, or starts it again."""
    if (out / CONFIG).is_file():
        return f"continue with: aevae train --resume {out}"
    return f"run the same command again ({out} holds nothing of the run yet)"


class DivergedError(RunError):
    """The training loss stopped being a number: the weights from that batch on are unusable and are not saved."""


def check_data_fits(cfg: RunConfig, data: ImageSet, world: int = 1) -> None:
    """Refuse a model whose input shape the data set's images do not have, and a batch larger than the data set."""
    side, channels = data.side, data.channels
    m = cfg.model
    if (m.channels, m.image_size) != (channels, side):
        raise ConfigError(f"the model takes {m.channels}×{m.image_size}×{m.image_size} images (channels × height × "
                          f"width), but {data.name} holds {channels}×{side}×{side} ones: use --channels {channels} "
                          f"--image-size {side}")
    per_step = max(cfg.train.batch_size // world, 1) * world
    if len(data) < per_step:
        raise ConfigError(f"batch size {cfg.train.batch_size} is larger than the {len(data)} training images of "
                          f"{data.name}; choose --batch-size {len(data)} or fewer")


def _train(cfg: RunConfig, out: Path, resume: bool, ctx: data_parallel.Context, console: Console,
           on_step: Callable[[int, int, dict], None] | None, stop: dict[str, bool], held: ExitStack,
           changed: bool = False) -> dict:
    t = cfg.train
    if t.threads:
        torch.set_num_threads(t.threads)
    train_set, test_set = load_splits(t.data, t.limit, cfg.model.image_size, t.preprocess)
    check_data_fits(cfg, train_set, ctx.world)  # before anything is written, so a mistake leaves no folder behind
    if ctx.main and not resume:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunError(f"cannot write the run folder {out} ({exc.strerror or exc})") from None
        held.enter_context(writing(out))
        ensure_new_folder(out)  # again, now that no other process can write it: one may have started beside this one
        try:
            write_json(out / CONFIG, cfg.to_dict())
        except NoRoomError:
            raise
        except OSError as exc:
            raise RunError(f"cannot write the run folder {out} ({exc.strerror or exc})") from None

    torch.manual_seed(t.seed)
    # Channels-last convolutions run faster on the CPU (oneDNN's native layout; docs/training.md); values are unchanged.
    model = build_model(cfg.model).to(ctx.device, memory_format=torch.channels_last)
    optimizer = make_optimizer(model, t.lr, ctx.device)
    progress = Progress()
    if resume and (out / CHECKPOINT).is_file():
        progress = load_checkpoint(out / CHECKPOINT, model, optimizer)
        if not progress.history and progress.epoch:  # a checkpoint from before it carried the history
            saved = load_metrics(out)["history"] if (out / METRICS).is_file() else []
            progress.history = [h for h in saved if h["epoch"] <= progress.epoch]
    elif resume and ctx.main:
        console.line(f"{out} has no checkpoint: its run stopped before the first save; training it from the start")
    history = progress.history
    snap_images = test_set.images[:SNAPSHOT_IMAGES]
    if ctx.main and 0 in t.snapshot_epochs and (progress.epoch, progress.step) == (0, 0) and \
            not snapshot_path(out, 0).is_file():
        save_snapshot(out, 0, model, cfg, snap_images, evaluate(model, test_set.images))  # before the first step
    if progress.epoch > t.epochs:
        raise RunError(f"{out} has already trained {progress.epoch} epochs; --epochs {t.epochs} would undo some")
    if changed and ctx.main:  # checked above, so a refused change never reaches config.json
        write_json(out / CONFIG, cfg.to_dict())
    if resume and ctx.main:
        _repair(out, cfg, train_set.name, model, history, console,
                finished=progress.epoch == t.epochs and (out / CHECKPOINT).is_file())
    if progress.epoch == t.epochs and resume:
        if ctx.main:
            console.line(f"{out} is finished: trained {progress.epoch} of {t.epochs} epochs; nothing to do "
                         f"(to train further: aevae train --resume {out} --epochs N)")
        return history[-1]["test"] if history else {}
    net = DistributedDataParallel(model) if ctx.world > 1 else model

    # (N, C, S, S) uint8 on the device, a quarter of float's memory; each batch becomes float there.
    x_all = torch.as_tensor(train_set.images).to(ctx.device)
    x_all = x_all.unsqueeze(1) if x_all.dim() == 3 else x_all  # grey sets are stored (N, S, S)
    per_rank = max(t.batch_size // ctx.world, 1)
    steps = len(x_all) // (per_rank * ctx.world)
    total = steps * t.epochs
    test_metrics = history[-1]["test"] if history else {}

    for epoch in range(progress.epoch, t.epochs):
        order = torch.as_tensor(epoch_order(t.seed, epoch, len(x_all)), device=ctx.device)
        sums = Sums(part_names(cfg.model), progress.sums, ctx.device)
        bar = console.bar(steps, progress.step, f"epoch {epoch + 1}/{t.epochs}")
        model.train()
        try:
            while progress.step < steps:
                started = time.perf_counter()
                s = progress.step
                lo = s * per_rank * ctx.world + ctx.rank * per_rank
                x = as_batch(x_all[order[lo : lo + per_rank]]).contiguous(memory_format=torch.channels_last)
                torch.manual_seed(batch_seed(t.seed, epoch, s, ctx.rank))
                parts = train_step(cfg.model, net, optimizer, x, learning_rate(cfg, epoch * steps + s, total),
                                   t.precision)
                sums.add(parts, len(x), s)
                progress.seen += len(x)
                progress.step += 1
                progress.seconds += time.perf_counter() - started
                bar.update(1)
                if s % 10 == 0 and not bar.disable:  # sync point: only while a bar is drawn (none in a worker
                    # whose parent draws none, none on ranks other than 0)
                    check_finite(sums, out, cfg, epoch, steps)
                    bar.set_postfix_str(f"loss={sums.read()['loss'] / progress.seen:.1f} nats/img")
                if on_step is not None:  # sync point: only with a callback (tests, logging)
                    on_step(epoch, s, dict(zip(sums.names, parts.tolist())))
                if data_parallel.stop_agreed(ctx, stop["requested"], s, steps):  # torchrun: every 16 batches
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            bar.close()
            check_finite(sums, out, cfg, epoch, steps)  # a diverged model is never saved, not even when stopped
            progress.sums = sums.read()  # sync point: once, to save where the run stopped
            if ctx.main and stop["hard"]:
                console.line(f"stopped at once, without saving; continue from the last save with: "
                             f"aevae train --resume {out}")
            elif ctx.main:
                save_checkpoint(out / CHECKPOINT, model, optimizer, progress)
                console.line(f"interrupted: saved epoch {epoch + 1} at batch {progress.step}/{steps} in {out}; "
                             f"continue with: aevae train --resume {out}")
            raise
        bar.close()
        started = time.perf_counter()
        progress.sums = sums.read()  # sync point: waits for the steps a GPU still has queued, so their time counts
        progress.seconds += time.perf_counter() - started
        check_finite(sums, out, cfg, epoch, steps)

        record = {
            "epoch": epoch + 1,
            **{f"train_{k}_nats_per_image": v / progress.seen for k, v in progress.sums.items() if k != "mmd"},
            "train_seconds": progress.seconds,
            "train_images_per_second": progress.seen * ctx.world / max(progress.seconds, 1e-9),
        }
        if "mmd" in progress.sums:
            record["train_mmd"] = progress.sums["mmd"] / progress.seen
        progress = Progress(epoch=epoch + 1, history=history)
        if ctx.main:
            started = time.perf_counter()
            test_metrics = evaluate(model, test_set.images)
            record["test"] = test_metrics
            record["test_seconds"] = time.perf_counter() - started  # with train_seconds: a time-to-quality curve
            if not all(math.isfinite(v) for v in test_metrics.values() if isinstance(v, float)):
                raise DivergedError(f"the test metrics after epoch {epoch + 1} of {cfg.train.epochs} are not all "
                                    f"numbers ({summary_line(test_metrics)}), so the epoch was not saved. "
                                    f"{last_save(out, cfg)}; {DIVERGED_ADVICE}")
            history.append(record)
            # Weights, then the checkpoint (the commit point), then metrics.json, which the checkpoint can rebuild:
            # a kill between any two leaves a folder that --resume makes whole.
            save_weights(out / WEIGHTS, model, cfg)
            if epoch + 1 in t.snapshot_epochs:  # before the commit point: a resume redoes the epoch and rewrites it
                save_snapshot(out, epoch + 1, model, cfg, snap_images, test_metrics)
            save_checkpoint(out / CHECKPOINT, model, optimizer, progress)
            write_json(out / METRICS, metrics_file(cfg, train_set.name, history))
            console.line(f"epoch {epoch + 1}/{t.epochs}  train loss {record['train_loss_nats_per_image']:.2f} "
                         f"nats/image ({record['train_images_per_second']:.0f} images/s) | "
                         f"test {summary_line(test_metrics)}")
        data_parallel.barrier(ctx)
    return test_metrics


DIVERGED_ADVICE = ("train it again with a lower --lr (into another --out; a --resume continues with the same "
                   "settings)")


def check_finite(sums: Sums, out: Path, cfg: RunConfig, epoch: int, steps: int) -> None:
    """Stop a run whose loss has stopped being a number, naming the first batch where it did, before anything of
    it is saved."""
    bad = sums.first_bad_batch()
    if bad is not None:
        raise DivergedError(f"the training loss became NaN or infinite at epoch {epoch + 1} of {cfg.train.epochs}, "
                            f"batch {bad + 1} of {steps}: the model diverged, and nothing from that batch on was "
                            f"saved. {last_save(out, cfg)}; {DIVERGED_ADVICE}")


def metrics_file(cfg: RunConfig, data: str, history: list[dict]) -> dict:
    """What ``metrics.json`` holds for a run on data set ``data`` that finished the epochs in ``history``."""
    return {"units": UNITS, "seed": cfg.train.seed, "aevae_version": __version__, "data": data,
            "history": history, "final": history[-1]["test"] if history else {}}


def _repair(out: Path, cfg: RunConfig, data: str, model: torch.nn.Module, history: list[dict], console: Console,
            finished: bool) -> None:
    """Make ``metrics.json`` (and, for a finished run, the weights) agree with the checkpoint just loaded."""
    try:
        current = read_json(out / METRICS) if (out / METRICS).is_file() else None
    except RunError:
        current = None
    if history and not (isinstance(current, dict) and current.get("history") == history):
        write_json(out / METRICS, metrics_file(cfg, data, history))
        console.line(f"rewrote {out / METRICS} from {CHECKPOINT} ({len(history)} epochs)")
    if not finished:
        return
    expected = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    try:
        saved = load_tensors(out / WEIGHTS)
        intact = saved.keys() == expected.keys() and all(torch.equal(saved[k], v) for k, v in expected.items())
    except RunError:
        intact = False
    if not intact:
        save_weights(out / WEIGHTS, model, cfg)
        console.line(f"rewrote {out / WEIGHTS} from {CHECKPOINT}: it was missing, corrupt or out of date")
