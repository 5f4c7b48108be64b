"""Runs trained side by side in worker processes: the same numbers as alone, Ctrl-C and resume for the pair, and
failures that reach the caller. Real processes, real PyTorch, a tiny real image folder."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from aevae.cli import main
from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.errors import ConfigError
from aevae.runs import CHECKPOINT, CONFIG, METRICS, load_model
from aevae.runs.family import runs_in
from aevae.training.side_by_side import Job, planned_threads, side_by_side, train_all, usable_cores
from aevae.training.trainer import train
from support.processes import worker_pids

two_cores = pytest.mark.skipif(usable_cores() < 2, reason="side by side needs two cores")


def pair(folder: Path, root: Path, threads: int = 0, **train_options: object) -> list[Job]:
    """An AE and a VAE job on ``folder``, as the paper preset would make them but small."""
    options = {"epochs": 2, "batch_size": 16, "seed": 5, **train_options}
    train_cfg = TrainConfig(data=f"folder:{folder}", threads=threads, **options)
    return [Job(root / kind, RunConfig(model=ModelConfig(kind=kind, latent_dim=2, width=8), train=train_cfg))
            for kind in ("ae", "vae")]


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_model(run)[1].state_dict()


@two_cores
def test_side_by_side_trains_what_each_run_trains_alone(tiny_folder: Path, tmp_path: Path) -> None:
    jobs = pair(tiny_folder, tmp_path / "together")
    assert side_by_side(jobs)
    together = train_all(jobs, progress_bar=False)
    threads = max(usable_cores() // 2, 1)  # the share each worker got
    for job, metrics in zip(jobs, together):
        assert json.loads((job.out / CONFIG).read_text())["train"]["threads"] == threads  # saved, for --resume
        cfg = dataclasses.replace(job.cfg, train=dataclasses.replace(job.cfg.train, threads=threads))
        alone = train(cfg, tmp_path / "alone" / job.label, progress_bar=False)
        assert metrics == alone
        for name, tensor in weights(job.out).items():
            assert torch.equal(tensor, weights(tmp_path / "alone" / job.label)[name]), name
        history = json.loads((job.out / METRICS).read_text())["history"]
        assert all(h["test_seconds"] > 0 for h in history)


def test_runs_go_in_turn_where_side_by_side_would_not_pay(tiny_folder: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert not side_by_side(pair(tiny_folder, tmp_path)[:1])  # one run
    assert not side_by_side(pair(tiny_folder, tmp_path, threads=usable_cores()))  # their threads do not fit
    monkeypatch.setenv("WORLD_SIZE", "2")  # inside torchrun the processes already share the cores
    assert not side_by_side(pair(tiny_folder, tmp_path))


def test_a_resumed_run_keeps_its_thread_count(tiny_folder: Path, tmp_path: Path) -> None:
    job = pair(tiny_folder, tmp_path, threads=1, epochs=1)[0]
    train(job.cfg, job.out, progress_bar=False)
    assert planned_threads(Job(job.out)) == 1
    assert planned_threads(Job(job.out, changes={"threads": 2})) == 2
    assert runs_in(tmp_path) == [job.out] and runs_in(job.out) == []  # a folder of runs, and a run folder


def test_a_failing_worker_raises_its_error_here(tiny_folder: Path, tmp_path: Path) -> None:
    jobs = pair(tiny_folder, tmp_path, batch_size=10_000)  # larger than the data set: refused inside each worker
    if not side_by_side(jobs):
        pytest.skip("side by side needs two cores")
    with pytest.raises(ConfigError, match="batch size 10000 is larger"):
        train_all(jobs, progress_bar=False)
    assert not any(j.out.exists() for j in jobs)  # refused before anything was written


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def preset_command(folder: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "aevae", "train", "--preset", "paper", "--data", f"folder:{folder}",
            "--epochs", "3", "--batch-size", "1", "--out", str(out)]


@two_cores
def test_ctrl_c_stops_the_pair_and_resume_continues_it_exactly(tiny_folder: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "paper"
    proc = subprocess.Popen(preset_command(tiny_folder, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    deadline = time.monotonic() + 120
    while not all((out / k / METRICS).is_file() for k in ("ae", "vae")):  # both in their second epoch
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # to the parent only, as a terminal's Ctrl-C reaches it
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    for kind in ("ae", "vae"):
        assert "interrupted: saved epoch" in stdout and f"--resume {out / kind}" in stdout
        assert (out / kind / CHECKPOINT).is_file()
    assert f"continue them all with: aevae train --resume {out}" in stdout

    assert main(["train", "--resume", str(out)]) == 0
    straight = tmp_path / "straight"
    assert main(preset_command(tiny_folder, straight)[3:]) == 0
    said = capsys.readouterr().out  # at the end: what each run reached, and how to look at the pair
    assert f"{straight / 'vae'}: test BCE" in said and "-ELBO" in said
    assert f"explore them with: aevae explore --ae {straight / 'ae'} --vae {straight / 'vae'}" in said
    for kind in ("ae", "vae"):
        for name, tensor in weights(straight / kind).items():
            assert torch.equal(tensor, weights(out / kind)[name]), (kind, name)


@two_cores
def test_a_killed_worker_is_reported_with_how_to_continue(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "paper"
    proc = subprocess.Popen(preset_command(tiny_folder, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    deadline = time.monotonic() + 120
    while not all((out / kind / CONFIG).is_file() for kind in ("ae", "vae")):  # both runs exist on disk
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    workers = worker_pids(proc.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 2 and "Traceback" not in stderr
    killed, other = ("ae", "vae") if f"training {out / 'ae'} ended" in stderr else ("vae", "ae")
    assert f"the process training {out / killed} ended with exit code -9" in stderr
    assert f"aevae train --resume {out / killed}" in stderr
    assert len(json.loads((out / other / METRICS).read_text())["history"]) == 3  # the other run finished
    assert main(["train", "--resume", str(out)]) == 0  # and the killed one is continued from its last save
    assert len(json.loads((out / killed / METRICS).read_text())["history"]) == 3
