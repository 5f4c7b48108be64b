"""Training that meets values that are not usable numbers, a loss that diverges and a full disk: each stops with a
message saying what happened and what is intact, never a traceback, and the folder can always be resumed (issue 21,
items 8 and 9). Real runs on a tiny image folder; the full disk is a real, small tmpfs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from aevae.cli import main
from aevae.files import TEMPORARY_SUFFIX, is_temporary
from aevae.runs import CHECKPOINT, CONFIG, METRICS, WEIGHTS, RunError, load_model
from aevae.training.trainer import train
from support.tiny_runs import train_tiny_run


@pytest.mark.parametrize("flag, value, words", [
    ("--seed", "-1", "seed must be at least 0"),
    ("--seed", "12345678901234567890", "seed must be at most 4,294,967,295"),
    ("--lr", "inf", "lr must be a finite number above 0, got inf"),
    ("--lr", "0", "lr must be a finite number above 0, got 0.0"),
    ("--beta", "nan", "beta must be a finite number 0 or more, got nan"),
    ("--beta", "-1", "beta must be a finite number 0 or more, got -1.0"),
    ("--mmd-weight", "inf", "mmd_weight must be a finite number 0 or more, got inf"),
    ("--epochs", "0", "epochs must be at least 1"),
    ("--threads", "1000", "--threads 1000 is more than the"),
])
def test_unusable_values_are_refused_before_any_file(tiny_folder: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str], flag: str, value: str,
                                                     words: str) -> None:
    out = tmp_path / "run"
    options = {"--epochs": "1", "--width": "8", "--batch-size": "16", flag: value}
    args = ["train", "--data", f"folder:{tiny_folder}", "--out", str(out), *[x for kv in options.items() for x in kv]]
    assert main(args) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()  # nothing written: the same command works once the value is right


def test_json_never_holds_nan(tmp_path: Path) -> None:
    from aevae.runs import write_json

    with pytest.raises(ValueError, match="not JSON compliant"):
        write_json(tmp_path / "x.json", {"loss": float("nan")})
    assert not list(tmp_path.iterdir())  # and no temporary file left behind


def test_a_diverging_run_stops_at_its_batch_and_keeps_the_last_good_epoch(tiny_folder: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    run = train_tiny_run(tiny_folder, tmp_path / "run", "vae", 2, epochs=1)
    saved = (run / CHECKPOINT).read_bytes(), (run / WEIGHTS).read_bytes(), (run / METRICS).read_bytes()
    cfg = json.loads((run / CONFIG).read_text())
    cfg["train"]["lr"] = 1e30  # a finite but absurd step size, as an edited config or a new optimiser might give
    (run / CONFIG).write_text(json.dumps(cfg))
    with pytest.raises(RunError) as caught:
        train(None, run, resume=True, changes={"epochs": 2}, progress_bar=False)
    said = str(caught.value)
    assert "became NaN or infinite at epoch 2 of 2, batch " in said
    assert f"The last save, epoch 1 of 2, is intact in {run / CHECKPOINT}" in said and "lower --lr" in said
    assert ((run / CHECKPOINT).read_bytes(), (run / WEIGHTS).read_bytes(), (run / METRICS).read_bytes()) == saved
    assert all(torch.isfinite(v).all() for v in load_model(run)[1].state_dict().values())

    assert main(["train", "--resume", str(run)]) == 2  # not stuck: resuming says the same, without a traceback
    assert "became NaN or infinite at epoch 2" in capsys.readouterr().err


def test_a_temporary_file_left_by_a_kill_is_removed_by_resume(tiny_folder: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = train_tiny_run(tiny_folder, tmp_path / "run", "ae", 2, epochs=1)
    left = run / f".{WEIGHTS}.0123456789abcdef{TEMPORARY_SUFFIX}"  # as atomic_write names it mid-write
    left.write_bytes(b"half a file")
    assert is_temporary(left)
    assert main(["train", "--resume", str(run), "--epochs", "2"]) == 0
    assert not left.exists() and f"removed {left}" in capsys.readouterr().out


FULL_DISK = """
import json, os, subprocess, sys
from pathlib import Path
from support.tiny_runs import train_tiny_run

disk, data = Path(sys.argv[1]), Path(sys.argv[2])
run = train_tiny_run(data, disk / "run", "vae", 2, epochs=1)
filler = disk / "filler"
with open(filler, "wb") as f:  # take all the space there is, then give back a little: less than a weights file
    try:
        while True:
            f.write(b"x" * 65536)
            f.flush()
    except OSError:
        pass
os.truncate(filler, os.path.getsize(filler) - 16384)
cmd = [sys.executable, "-m", "aevae", "train", "--resume", str(run), "--epochs", "2"]
full = subprocess.run(cmd, capture_output=True, text=True)
listing = sorted(p.name for p in run.iterdir())
filler.unlink()
freed = subprocess.run(cmd, capture_output=True, text=True)
print(json.dumps({"full": [full.returncode, full.stdout, full.stderr], "listing": listing,
                  "freed": [freed.returncode, freed.stdout, freed.stderr]}))
"""


def small_disk_command(mount: Path) -> list[str] | None:
    """A command prefix that runs what follows with a fresh 8 MB tmpfs mounted at ``mount`` (its own user and mount
    namespace, so no privileges are needed), or None where this system does not allow that."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    mount.mkdir()
    probe = subprocess.run([unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size=8m tmpfs {mount}"],
                           capture_output=True)
    return [unshare, "-rm", "sh", "-c", f'mount -t tmpfs -o size=8m tmpfs {mount} && exec "$@"', "sh"] \
        if probe.returncode == 0 else None


# The script imports tests/support, as this test does: tests/ on its path beside whatever the caller had there.
TESTS_PATH = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))


def test_a_full_disk_names_the_file_and_keeps_the_last_epoch(tiny_folder: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    prefix = small_disk_command(disk)
    if prefix is None:
        pytest.skip("no unprivileged mount namespace here to make a small real file system in")
    script = tmp_path / "full_disk.py"
    script.write_text(textwrap.dedent(FULL_DISK))
    done = subprocess.run([*prefix, sys.executable, str(script), str(disk), str(tiny_folder)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": TESTS_PATH})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    code, stdout, stderr = result["full"]
    assert code == 2 and "Traceback" not in stderr, stderr
    run = disk / "run"
    assert f"could not write {run / WEIGHTS}: no space is left on the disk (it needs about 0." in stderr
    assert f"The last save, epoch 1 of 2, is intact in {run / CHECKPOINT}" in stderr
    assert f"then continue with: aevae train --resume {run}" in stderr
    assert not [name for name in result["listing"] if name.endswith(TEMPORARY_SUFFIX)]  # removed on the way out
    code, stdout, stderr = result["freed"]  # space freed: the same --resume finishes the run
    assert code == 0 and "epoch 2/2" in stdout, stderr
