"""One writer per run folder: a second writer is refused while the first lives, and free to go the moment it dies,
however it dies; the side-by-side preset's workers end with their parent (issue 21, item 7). Real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aevae.cli import main
from aevae.runs import CHECKPOINT, CONFIG, RunError, load_config, trained_epochs, writing
from aevae.training.data_parallel import usable_cores
from aevae.training.trainer import train

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock and /proc: Linux and macOS only")


def env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def training(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    """A run of many short epochs at batch size 1: seconds of writing its folder, time to meet it there."""
    cmd = [sys.executable, "-m", "aevae", "train", "--model", "ae", "--latent", "2", "--width", "8", "--hidden", "32",
           "--data", f"folder:{folder}", "--epochs", "50", "--batch-size", "1", "--threads", "1", "--out", str(out),
           *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.is_file():
        assert proc.poll() is None and time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_a_second_writer_is_refused_until_the_first_is_killed(tiny_folder: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    first = training(tiny_folder, out)
    try:
        wait_for(out / CONFIG, first)
        with pytest.raises(RunError, match=f"{out} is being written by process {first.pid} "):
            train(None, out, resume=True, progress_bar=False)
        assert main(["train", "--resume", str(out)]) == 2  # the command says the same, without a traceback
        assert f"written by process {first.pid}" in capsys.readouterr().err
        with pytest.raises(RunError, match=f"process {first.pid}"):  # a writer of analysis.safetensors too
            with writing(out):
                pass
        assert first.poll() is None  # the refusals left the first writer alone
    finally:
        first.kill()  # SIGKILL: no handler runs, nothing is cleaned up; the OS releases the lock
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    done = trained_epochs(out)
    train(None, out, resume=True, changes={"epochs": done + 1}, progress_bar=False)  # now the one writer
    assert trained_epochs(out) == done + 1


def test_two_new_runs_into_one_folder_the_second_is_refused(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = training(tiny_folder, out)
    try:
        wait_for(out / CONFIG, first)
        second = training(tiny_folder, out)
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 2 and "Traceback" not in stderr
        assert "not empty" in stderr or f"process {first.pid}" in stderr
        assert load_config(out).train.epochs == 50  # the first run's config, untouched
    finally:
        first.kill()
        first.communicate()


def is_running(pid: int) -> bool:
    """True while ``pid`` runs (an exited process that nobody has reaped yet counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers through /proc")
def test_killing_the_parent_of_the_side_by_side_preset_ends_its_workers(tiny_folder: Path, tmp_path: Path) -> None:
    from support.processes import worker_pids

    if usable_cores() < 2:
        pytest.skip("side by side needs two cores")
    out = tmp_path / "paper"
    parent = subprocess.Popen([sys.executable, "-m", "aevae", "train", "--preset", "paper", "--data",
                               f"folder:{tiny_folder}", "--epochs", "50", "--batch-size", "1", "--out", str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())  # the workers
    # share its output: a pipe here would stay open as long as they live
    for kind in ("ae", "vae"):  # both past their first save, so each is surely training when its parent dies
        wait_for(out / kind / CHECKPOINT, parent, timeout=120)
    workers = worker_pids(parent.pid)
    assert len(workers) == 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 60
    while any(is_running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not any(is_running(w) for w in workers), "the workers trained on after their parent died"
    finally:
        for w in workers:
            if is_running(w):
                os.kill(w, signal.SIGKILL)
    for kind in ("ae", "vae"):  # each saved where it stopped (SIGTERM), and its folder is free for a --resume
        run = out / kind
        assert (run / CHECKPOINT).is_file()
        assert main(["train", "--resume", str(run), "--epochs", str(trained_epochs(run) + 1)]) == 0
