"""Training, run folders and resume, on a tiny real image-folder data set with real PyTorch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from aevae.cli import main
from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.errors import ConfigError
from aevae.data import SpecError
from aevae.training.checkpoint import Progress, load_checkpoint, save_checkpoint
from aevae.runs import CHECKPOINT, CONFIG, METRICS, WEIGHTS, RunError, load_config, load_model
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


def test_a_loaded_optimizer_state_has_its_parameters_layout(tmp_path: Path) -> None:
    # The trainer keeps convolutions channels-last; CUDA's fused Adam refuses moments laid out otherwise.
    def channels_last_model() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
        model = build_model(ModelConfig(width=8)).to(memory_format=torch.channels_last)
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)

    model, opt = channels_last_model()
    model(torch.rand(4, 1, 32, 32).contiguous(memory_format=torch.channels_last))["logits"].sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c.safetensors", model, opt, Progress(epoch=1))
    model2, opt2 = channels_last_model()
    load_checkpoint(tmp_path / "c.safetensors", model2, opt2)
    convs = [p for p in model2.parameters() if p.dim() == 4]
    assert any(not p.is_contiguous() for p in convs)  # the case in question: channels-last weights
    for p in model2.parameters():
        for name in ("exp_avg", "exp_avg_sq"):
            assert opt2.state[p][name].stride() == p.stride(), name
            assert torch.equal(opt2.state[p][name], opt.state[dict(zip(model2.parameters(), model.parameters()))[p]][name])


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


@pytest.mark.parametrize("change, error, words", [
    ({"channels": 3}, ConfigError, "--channels 1 --image-size 32"),  # glyph images are grey
    ({"image_size": 40}, SpecError, "image size must be one of 32, 64, got 40"),  # data comes at 32 or 64 px
])
def test_a_model_the_data_does_not_fit_is_refused_before_any_file(tiny_folder: Path, tmp_path: Path, change: dict,
                                                                   error: type, words: str) -> None:
    cfg = tiny_cfg(tiny_folder)
    cfg.model = ModelConfig(**{**cfg.model.__dict__, **change})
    with pytest.raises(error, match=words):
        train(cfg, tmp_path / "run", progress_bar=False)
    assert not (tmp_path / "run").exists()  # nothing written: the same --out works once the options are right


def test_a_batch_larger_than_the_data_is_refused_before_any_file(tiny_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "aevae", "train", "--data", f"folder:{tiny_folder}", "--width", "8",
                           "--epochs", "1", "--batch-size", "100000", "--out", str(out)],
                          capture_output=True, text=True, env=_env(), timeout=120)
    assert done.returncode == 2 and "--batch-size 96 or fewer" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


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
    # --standalone: torchrun picks a free port itself, so parallel test runs never collide on a fixed one
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "aevae", "train", "--model", "vae", "--latent", "2", "--width", "8",
           "--data", f"folder:{tiny_folder}", "--epochs", "2", "--batch-size", "16", "--device", "cpu",
           "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    hist = json.loads((out / METRICS).read_text())["history"]
    assert [h["epoch"] for h in hist] == [1, 2]
    assert done.stdout.count("epoch 2/2") == 1  # only rank 0 prints
    assert hist[-1]["test"]["bce_nats_per_image"] < hist[0]["test"]["bce_nats_per_image"] * 1.05


# ---------------------------------------------------------------- runs that were killed

@pytest.fixture(scope="module")
def long_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image folder whose first epoch at batch size 1 lasts a second or more: time to kill a run inside it."""
    from conftest import write_shapes_folder

    return write_shapes_folder(tmp_path_factory.mktemp("long"), 300, 8, seed=1)


def long_run_command(folder: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "aevae", "train", "--model", "ae", "--latent", "2", "--width", "8", "--hidden", "32",
            "--data", f"folder:{folder}", "--epochs", "1", "--batch-size", "1", "--threads", "1", "--out", str(out)]


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.is_file():
        assert proc.poll() is None and time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT twice"])
def test_a_run_killed_in_its_first_epoch_can_be_resumed(long_folder: Path, tmp_path: Path, how: str) -> None:
    out = tmp_path / "killed"
    proc = subprocess.Popen(long_run_command(long_folder, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    wait_for(out / CONFIG, proc)  # written after the data is loaded, just before the first batch
    if how == "SIGKILL":
        proc.kill()
    elif how == "SIGTERM":  # honoured at the next batch boundary, however early it comes
        proc.send_signal(signal.SIGTERM)
    else:
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert not (out / METRICS).is_file(), "the run finished its epoch before the signal: nothing was tested"
    assert "Traceback" not in stderr
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL and not (out / CHECKPOINT).is_file()
    else:
        assert proc.returncode == 130, stderr
        assert f"aevae train --resume {out}" in stdout
    if how == "SIGTERM":  # saved like the first Ctrl-C: mid-epoch, at a batch boundary
        model = build_model(load_config(out).model)
        progress = load_checkpoint(out / CHECKPOINT, model, torch.optim.Adam(model.parameters()))
        assert progress.epoch == 0 and progress.step > 0

    again = subprocess.run(long_run_command(long_folder, out), capture_output=True, text=True, env=_env(), timeout=60)
    assert again.returncode == 2 and f"--resume {out}" in again.stderr  # --out refuses, and says what works

    resumed = train(None, out, resume=True, progress_bar=False)
    straight = train(load_config(out), tmp_path / "straight", progress_bar=False)
    assert resumed == straight
    for k, v in weights(tmp_path / "straight").items():
        assert torch.equal(v, weights(out)[k]), k


KILL_AT_EPOCH_2 = """
import json, os, signal, sys
from aevae.config import RunConfig
from aevae.training import trainer

real_save = trainer.save_checkpoint

def save(path, model, optimizer, progress):
    if progress.epoch == 2 and sys.argv[3] == "before checkpoint":
        os.kill(os.getpid(), signal.SIGKILL)
    real_save(path, model, optimizer, progress)
    if progress.epoch == 2 and sys.argv[3] == "after checkpoint":
        os.kill(os.getpid(), signal.SIGKILL)

trainer.save_checkpoint = save
trainer.train(RunConfig.from_dict(json.loads(sys.argv[1])), sys.argv[2], progress_bar=False)
"""


@pytest.mark.parametrize("when", ["before checkpoint", "after checkpoint", "metrics ahead of checkpoint"])
def test_history_and_checkpoint_agree_after_a_crash(tiny_folder: Path, tmp_path: Path, when: str) -> None:
    cfg = tiny_cfg(tiny_folder, epochs=3)
    straight = train(cfg, tmp_path / "straight", progress_bar=False)
    out = tmp_path / "crashed"
    point = "before checkpoint" if when == "metrics ahead of checkpoint" else when
    done = subprocess.run([sys.executable, "-c", KILL_AT_EPOCH_2, json.dumps(tiny_cfg(tiny_folder, epochs=3).to_dict()),
                           str(out), point], capture_output=True, text=True, env=_env(), timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    if when == "metrics ahead of checkpoint":  # what the old write order left: metrics.json one epoch past the checkpoint
        ahead = json.loads((tmp_path / "straight" / METRICS).read_text())
        ahead["history"] = ahead["history"][:2]
        (out / METRICS).write_text(json.dumps(ahead))

    resumed = train(None, out, resume=True, progress_bar=False)
    history = json.loads((out / METRICS).read_text())["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert resumed == straight
    assert [h["test"] for h in history] == [h["test"] for h in json.loads((tmp_path / "straight" / METRICS).read_text())["history"]]


def test_resume_refuses_other_settings_finishes_quietly_and_repairs_weights(
        tiny_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    train(tiny_cfg(tiny_folder, epochs=1), out, progress_bar=False)

    def cli(*extra: str) -> tuple[int, str, str]:  # the real command line, in this process
        status = main(["train", "--resume", str(out), *extra])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    status, _, err = cli("--width", "16", "--lr", "0.1")
    assert status == 2 and "--width" in err and "--lr" in err
    assert json.loads((out / CONFIG).read_text())["model"]["width"] == 8

    good = weights(out)
    (out / WEIGHTS).write_bytes((out / WEIGHTS).read_bytes()[:200])  # corrupt
    status, stdout, _ = cli()
    assert status == 0 and "is finished" in stdout and f"rewrote {out / WEIGHTS}" in stdout
    for k, v in good.items():
        assert torch.equal(v, weights(out)[k]), k
    assert "rewrote" not in cli()[1]  # intact now: nothing to rewrite

    assert cli("--epochs", "2")[0] == 0
    assert [h["epoch"] for h in json.loads((out / METRICS).read_text())["history"]] == [1, 2]
    assert load_config(out).train.epochs == 2
    saved = (out / CONFIG).read_bytes()
    with pytest.raises(RunError, match="already trained 2 epochs"):
        train(None, out, resume=True, progress_bar=False, changes={"epochs": 1})
    assert (out / CONFIG).read_bytes() == saved  # a refused change is not saved


def test_train_leaves_the_callers_threads_and_random_state_alone(tiny_folder: Path, tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    torch.manual_seed(42)
    expected = torch.rand(3)
    torch.manual_seed(42)
    train(tiny_cfg(tiny_folder, epochs=1), tmp_path / "run", progress_bar=False)  # threads=1, seed=3
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_a_colour_folder_trains_under_fit_and_its_model_refuses_grey_images(colour_folder: Path, tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture) -> None:
    from aevae.errors import InputError
    from aevae.metrics import evaluate

    out = tmp_path / "colour"
    assert main(["train", "--data", str(colour_folder), "--preprocess", "fit", "--image-size", "64", "--epochs", "2",
                 "--width", "8", "--hidden", "32", "--latent", "3", "--batch-size", "16", "--threads", "1",
                 "--out", str(out)]) == 0
    cfg, model = load_model(out)
    assert (cfg.model.channels, cfg.model.image_size, cfg.model.stages, cfg.train.preprocess) == (3, 64, 4, "fit")
    history = json.loads((out / METRICS).read_text())["history"]
    assert history[-1]["train_loss_nats_per_image"] < history[0]["train_loss_nats_per_image"]  # it learns
    grey = np.zeros((2, 64, 64), np.uint8)
    with pytest.raises(InputError, match=r"colour \(RGB\) 64x64 images.*got images of shape \(1, 64, 64\)"):
        evaluate(model, grey)
    assert main(["analyze", str(out), "--quiet", "--rd-images", "20"]) == 0  # the whole analysis takes colour too
    assert "BCE" in capsys.readouterr().out
