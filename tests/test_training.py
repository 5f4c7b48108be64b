"""Training, run folders and resume, on a tiny real image-folder data set with real PyTorch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.training.checkpoint import Progress, load_checkpoint, save_checkpoint
from aevae.runs import CHECKPOINT, CONFIG, METRICS, WEIGHTS, RunError, load_model
from aevae.training.trainer import train
from aevae.models import build_model


def tiny_cfg(folder: Path, kind: str = "vae", epochs: int = 2) -> RunConfig:
    return RunConfig(
        model=ModelConfig(kind=kind, latent_dim=2, width=8),
        train=TrainConfig(data=f"folder:{folder}", epochs=epochs, batch_size=16, lr=3e-3, seed=3, threads=1),
    )


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_model(run)[1].state_dict()


def test_run_folder_contents_and_units(tiny_folder: Path, tmp_path: Path) -> None:
    final = train(tiny_cfg(tiny_folder), tmp_path / "run", progress_bar=False)
    for name in (CONFIG, WEIGHTS, METRICS, CHECKPOINT):
        assert (tmp_path / "run" / name).is_file()
    metrics = json.loads((tmp_path / "run" / METRICS).read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    assert metrics["final"] == final and metrics["seed"] == 3
    assert "nats" in metrics["units"]["bce_nats_per_image"]
    assert final["kl_bits_per_image"] == pytest.approx(final["kl_nats_per_image"] / 0.6931471805599453)
    assert final["neg_elbo_nats_per_image"] > final["bce_nats_per_image"] * 0.5
    cfg = json.loads((tmp_path / "run" / CONFIG).read_text())
    assert cfg["aevae_version"] and cfg["model"]["kind"] == "vae"


def test_training_lowers_the_test_loss(tiny_folder: Path, tmp_path: Path) -> None:
    train(tiny_cfg(tiny_folder, kind="ae", epochs=4), tmp_path / "run", progress_bar=False)
    hist = json.loads((tmp_path / "run" / METRICS).read_text())["history"]
    assert hist[-1]["test"]["bce_nats_per_image"] < 0.8 * hist[0]["test"]["bce_nats_per_image"]


def test_same_seed_same_numbers(tiny_folder: Path, tmp_path: Path) -> None:
    a = train(tiny_cfg(tiny_folder, epochs=1), tmp_path / "a", progress_bar=False)
    b = train(tiny_cfg(tiny_folder, epochs=1), tmp_path / "b", progress_bar=False)
    assert a == b
    for k, v in weights(tmp_path / "a").items():
        assert torch.equal(v, weights(tmp_path / "b")[k])


def test_checkpoint_round_trip_is_exact(tmp_path: Path) -> None:
    model = build_model(ModelConfig(width=8))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(4, 1, 32, 32)
    model(x)["logits"].sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c.safetensors", model, opt, Progress(epoch=2, step=5, sums={"loss": 1.5}, seen=9))
    model2 = build_model(ModelConfig(width=8))
    opt2 = torch.optim.Adam(model2.parameters(), lr=1e-3)
    progress = load_checkpoint(tmp_path / "c.safetensors", model2, opt2)
    assert progress == Progress(epoch=2, step=5, sums={"loss": 1.5}, seen=9)
    for a, b in zip(model.parameters(), model2.parameters()):
        assert torch.equal(a, b)
    s1, s2 = opt.state_dict(), opt2.state_dict()
    for idx in s1["state"]:
        for key in s1["state"][idx]:
            assert torch.equal(torch.as_tensor(s1["state"][idx][key]), torch.as_tensor(s2["state"][idx][key]))
    assert s1["param_groups"] == s2["param_groups"]


def test_interrupt_and_resume_continue_the_same_trajectory(tiny_folder: Path, tmp_path: Path) -> None:
    straight = train(tiny_cfg(tiny_folder), tmp_path / "straight", progress_bar=False)

    def stop(epoch: int, step: int, parts: dict) -> None:
        if epoch == 0 and step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny_cfg(tiny_folder), tmp_path / "cut", progress_bar=False, on_step=stop)
    assert (tmp_path / "cut" / CHECKPOINT).is_file()
    resumed = train(None, tmp_path / "cut", resume=True, progress_bar=False)
    assert resumed == straight
    for k, v in weights(tmp_path / "straight").items():
        assert torch.equal(v, weights(tmp_path / "cut")[k]), k


def test_existing_folder_is_never_overwritten(tiny_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("keep me")
    with pytest.raises(RunError, match="not empty"):
        train(tiny_cfg(tiny_folder), run, progress_bar=False)
    assert (run / "notes.txt").read_text() == "keep me" and len(list(run.iterdir())) == 1


def test_broken_run_folders_give_clear_errors(tiny_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(tiny_cfg(tiny_folder, epochs=1), run, progress_bar=False)
    with pytest.raises(RunError, match="no run folder"):
        load_model(tmp_path / "nowhere")

    data = (run / WEIGHTS).read_bytes()
    (run / WEIGHTS).write_bytes(data[: len(data) // 2])
    with pytest.raises(RunError, match="corrupt or truncated"):
        load_model(run)
    assert (run / WEIGHTS).read_bytes() == data[: len(data) // 2]  # loading never rewrites

    ckpt = (run / CHECKPOINT).read_bytes()
    (run / CHECKPOINT).write_bytes(ckpt[:100])
    with pytest.raises(RunError, match="corrupt or truncated"):
        train(None, run, resume=True, progress_bar=False)
    assert (run / CHECKPOINT).read_bytes() == ckpt[:100]

    cfg = json.loads((run / CONFIG).read_text())
    (run / CONFIG).write_text(json.dumps({**cfg, "format_version": 99}))
    with pytest.raises(RunError, match="format 99"):
        load_model(run)
    (run / CONFIG).unlink()
    with pytest.raises(RunError, match="config.json is missing"):
        load_model(run)


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def test_cli_trains_end_to_end(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    cmd = [sys.executable, "-m", "aevae", "train", "--model", "ae", "--latent", "2", "--width", "8",
           "--data", f"folder:{tiny_folder}", "--epochs", "1", "--batch-size", "16", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert "nats/image" in done.stdout + done.stderr
    assert load_model(out)[0].model.kind == "ae"
    again = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=120)
    assert again.returncode == 2 and "not empty" in again.stderr
    bad = subprocess.run([sys.executable, "-m", "aevae", "train", "--model", "gan", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True, env=_env(), timeout=60)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_ctrl_c_saves_and_exits_cleanly(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "sig"
    cmd = [sys.executable, "-m", "aevae", "train", "--model", "vae", "--latent", "2", "--width", "8",
           "--data", f"folder:{tiny_folder}", "--epochs", "200", "--batch-size", "16", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.monotonic() + 60
    while not (out / METRICS).is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "continue with: aevae train --resume" in stdout
    assert "Traceback" not in stderr
    load_model(out)  # what was saved is loadable


@pytest.mark.slow
def test_torchrun_two_processes_with_gloo(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533",
           "-m", "aevae", "train", "--model", "vae", "--latent", "2", "--width", "8",
           "--data", f"folder:{tiny_folder}", "--epochs", "2", "--batch-size", "16", "--device", "cpu",
           "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    hist = json.loads((out / METRICS).read_text())["history"]
    assert [h["epoch"] for h in hist] == [1, 2]
    assert done.stdout.count("epoch 2/2") == 1  # only rank 0 prints
    assert hist[-1]["test"]["bce_nats_per_image"] < hist[0]["test"]["bce_nats_per_image"] * 1.05
