"""Several runs trained at once, one worker process each, the CPU cores split between them.

The networks aevae trains are small: one core runs a training step at a higher fraction of its peak than two
cores share one step (their per-layer work is too small to split well). So a pair such as the paper preset trains
faster side by side, one core each, than one after the other on both cores (``benchmarks/time_to_quality.py``).

Each worker is an ordinary ``trainer.train`` in its own process with its own run folder, so a run trained here is
the same as one trained alone with the same thread count: resumable, interruptible, repeatable. Workers report
through a queue (``RelayConsole``); this process draws one bar per run and prints their lines. Ctrl-C and SIGTERM
reach this process and are passed on to every worker, which saves at its next batch boundary as a lone run does.
A worker whose parent dies (killed, even by SIGKILL) is sent SIGTERM and so stops the same way: no run goes on
training unwatched, and each run folder's writer lock (``aevae.runs.lock``) is free again for a ``--resume``.
"""

from __future__ import annotations

import ctypes
import dataclasses
import multiprocessing as mp
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from aevae.config import RunConfig
from aevae.errors import AevaeError
from aevae.runs import RunError, load_config
from aevae.training.console import Bar, Console
from aevae.training.data_parallel import pick_device, usable_cores
from aevae.training.trainer import STOP_SIGNALS, train


@dataclasses.dataclass(frozen=True)
class Job:
    """One run to train: a new one (``cfg``) into ``out``, or, with ``cfg`` None, the run in ``out`` resumed."""

    out: Path
    cfg: RunConfig | None = None
    changes: dict[str, Any] | None = None  # with a resume: new values of trainer.RESUME_OPTIONS

    @property
    def label(self) -> str:
        """How the run is named on the terminal: its folder's name (``ae``, ``vae``)."""
        return self.out.name


def planned_threads(job: Job) -> int:
    """The thread count ``job`` will train with; 0 for a new run that leaves it open (it then gets a share)."""
    if job.cfg is not None:
        return job.cfg.train.threads
    saved = (job.changes or {}).get("threads", load_config(job.out).train.threads)
    return saved or usable_cores()  # 0 in a saved run: PyTorch's default, a thread per core


def side_by_side(jobs: list[Job]) -> bool:
    """True where ``jobs`` train faster at once than in turn: several CPU runs whose threads fit on the cores
    (those left open count one each), and not inside a ``torchrun`` launch (whose processes already share the
    cores). On a GPU they train in turn (side by side there was not measured)."""
    if len(jobs) < 2 or "WORLD_SIZE" in os.environ:
        return False
    if sum(planned_threads(j) or 1 for j in jobs) > usable_cores():
        return False
    devices = {(j.cfg or load_config(j.out)).train.device for j in jobs}
    return all(pick_device(d).type == "cpu" for d in devices)


def split_threads(job: Job, threads: int) -> Job:
    """``job`` with ``threads`` threads if it leaves its count open (a resume keeps the count it was trained with,
    so it continues exactly)."""
    if planned_threads(job):
        return job
    return dataclasses.replace(job, cfg=dataclasses.replace(job.cfg, train=dataclasses.replace(job.cfg.train,
                                                                                              threads=threads)))


def train_all(jobs: list[Job], progress_bar: bool = True) -> list[dict]:
    """Train ``jobs`` side by side where that is faster (``side_by_side``), else one after the other in this
    process; returns each run's final test metrics, in order.

    Ctrl-C stops every run at a batch boundary with a checkpoint saved, then raises KeyboardInterrupt; the first
    run that fails for another reason raises its error once all runs have stopped.
    """
    if not side_by_side(jobs):
        return [train(j.cfg, j.out, resume=j.cfg is None, changes=j.changes, progress_bar=progress_bar)
                for j in jobs]
    fixed = sum(planned_threads(j) for j in jobs)
    open_jobs = sum(not planned_threads(j) for j in jobs)
    share = max((usable_cores() - fixed) // max(open_jobs, 1), 1)
    jobs = [split_threads(j, share) for j in jobs]
    threads = [planned_threads(j) for j in jobs]
    each = f"{threads[0]} thread(s) each" if len(set(threads)) == 1 else f"threads {', '.join(map(str, threads))}"
    print(f"training {', '.join(j.label for j in jobs)} side by side: one process each, {each}", flush=True)
    return _run_workers(jobs, progress_bar)


def train_in_waves(jobs: list[Job], progress_bar: bool = True) -> list[dict]:
    """Train ``jobs`` as many at a time as there are cores (each wave by ``train_all``, side by side where that
    pays); returns each run's final test metrics, in order. A family of seven small models on two cores trains in
    four waves of one core per model."""
    cores = usable_cores()
    return [m for start in range(0, len(jobs), cores) for m in train_all(jobs[start : start + cores], progress_bar)]


class RelayBar:
    """A worker's progress bar: every call becomes a message to the process drawing the bars."""

    disable = False

    def __init__(self, messages: mp.Queue, index: int) -> None:
        self.messages, self.index = messages, index

    def update(self, n: int = 1) -> None:
        self.messages.put(("update", self.index, n))

    def set_postfix_str(self, s: str = "") -> None:
        self.messages.put(("postfix", self.index, s))

    def close(self) -> None:
        """Nothing to do: the drawing process keeps one bar per run and resets it for the next epoch."""


class RelayConsole(Console):
    """A worker's console: lines, and bars where the parent draws them (``bars``), are sent to the process that
    started it. Without bars a batch sends nothing and reads nothing from the device."""

    def __init__(self, messages: mp.Queue, index: int, bars: bool = True) -> None:
        super().__init__(bars=bars)
        self.messages, self.index = messages, index

    def bar(self, total: int, initial: int, desc: str) -> Bar:
        if not self.bars:
            return super().bar(total, initial, desc)  # a disabled tqdm: the trainer skips the loss it would show
        self.messages.put(("bar", self.index, (total, initial, desc)))
        return RelayBar(self.messages, self.index)

    def line(self, text: str) -> None:
        self.messages.put(("line", self.index, text))


PR_SET_PDEATHSIG = 1  # prctl(2) option: the signal the kernel sends this process when its parent thread ends


def end_with_parent() -> None:
    """Have this worker sent SIGTERM (save at the next batch boundary, then stop) when its parent process dies.

    On Linux the kernel does it (``prctl(PR_SET_PDEATHSIG)``), whatever state this process is in; elsewhere a
    thread waits on the parent's sentinel and sends the signal. A parent that died before either was in place is
    noticed at once."""
    parent = mp.parent_process()
    if parent is None:
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
            if os.getppid() != parent.pid:  # gone already: the kernel will not send it now
                os.kill(os.getpid(), signal.SIGTERM)
            return

    def watch() -> None:
        parent.join()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="aevae-parent-watch", daemon=True).start()


def _worker(job: Job, index: int, messages: mp.Queue, bars: bool) -> None:
    """Train one job in this worker process and report how it ended: ("done", metrics), ("stopped", None) after
    Ctrl-C or SIGTERM, or ("failed", error); ``bars``: whether the parent draws progress bars."""
    os.setpgid(0, 0)  # a terminal's Ctrl-C reaches the parent only, which passes it on once (two would stop hard)
    end_with_parent()
    try:
        metrics = train(job.cfg, job.out, resume=job.cfg is None, changes=job.changes,
                        console=RelayConsole(messages, index, bars))
        messages.put(("end", index, ("done", metrics)))
    except KeyboardInterrupt:
        messages.put(("end", index, ("stopped", None)))
    except Exception as exc:  # noqa: BLE001 - every failure goes to the parent, which raises it
        if not isinstance(exc, AevaeError):
            traceback.print_exc()  # a bug rather than bad input: keep its trace
        messages.put(("end", index, ("failed", portable(exc))))
    finally:
        parent = mp.parent_process()
        if parent is not None and not parent.is_alive():  # nobody reads the queue any more, and each worker holds
            messages.cancel_join_thread()  # its reading end too: a full pipe would block the exit for ever


def portable(exc: Exception) -> Exception:
    """``exc`` if it survives the trip to the parent process, else a RunError with its message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - an exception class whose arguments do not round-trip
        return RunError(f"{type(exc).__name__}: {exc}")


@contextmanager
def passed_on(processes: list[mp.Process]) -> Iterator[None]:
    """Pass SIGINT and SIGTERM on to the live ``processes`` instead of acting on them here."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def forward(signum: int, frame: object) -> None:
        for p in processes:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Board:
    """What the workers report, drawn in this process: one bar per run (reset at each epoch) and their lines, each
    line marked with its run's name."""

    def __init__(self, jobs: list[Job], bars: bool) -> None:
        self.labels = [j.label.rjust(max(len(j.label) for j in jobs)) for j in jobs]
        self.bars = [tqdm(total=0, desc=f"{label} starting", position=i, unit="batch", disable=not bars, leave=False,
                          dynamic_ncols=True) for i, label in enumerate(self.labels)]

    def show(self, kind: str, i: int, body: Any) -> None:
        """Draw one message of worker ``i`` (see ``RelayConsole``)."""
        if kind == "line":
            tqdm.write(f"[{self.labels[i]}] {body}")
        elif kind == "bar":
            total, initial, desc = body
            self.bars[i].reset(total=total)
            self.bars[i].update(initial)
            self.bars[i].set_description(f"{self.labels[i]} {desc}")
        elif kind == "update":
            self.bars[i].update(body)
        elif kind == "postfix":
            self.bars[i].set_postfix_str(body)

    def close(self) -> None:
        for bar in reversed(self.bars):  # the top one last: tqdm leaves the cursor at the start of its line
            bar.close()


def _run_workers(jobs: list[Job], progress_bar: bool) -> list[dict]:
    context = mp.get_context("spawn")  # a fresh interpreter: no torch thread pool inherited half-initialised
    messages: mp.Queue = context.Queue()
    processes = [context.Process(target=_worker, args=(job, i, messages, progress_bar), name=f"aevae-train-{job.label}")
                 for i, job in enumerate(jobs)]
    board = Board(jobs, progress_bar)
    ends: dict[int, tuple[str, Any]] = {}
    try:
        with passed_on(processes):
            for p in processes:
                p.start()
            while len(ends) < len(jobs):
                try:
                    kind, i, body = messages.get(timeout=0.5)
                except queue.Empty:
                    for i, p in enumerate(processes):  # killed (SIGKILL, out of memory) before it could report
                        if i not in ends and not p.is_alive() and messages.empty():
                            ends[i] = ("failed", RunError(
                                f"the process training {jobs[i].out} ended with exit code {p.exitcode} (killed, or "
                                f"out of memory?) before it could report; continue it with: aevae train --resume "
                                f"{jobs[i].out}"))
                    continue
                if kind == "end":
                    ends[i] = body
                else:
                    board.show(kind, i, body)
            for p in processes:
                p.join()
    finally:
        board.close()
        for p in processes:
            if p.is_alive():  # this process is failing: let the workers save, then wait for them
                p.terminate()
                p.join()
    failed = [body for how, body in ends.values() if how == "failed"]
    if failed:
        raise failed[0]
    if any(how == "stopped" for how, _ in ends.values()):
        raise KeyboardInterrupt
    return [ends[i][1] for i in range(len(jobs))]
