"""Snapshots (``aevae train --snapshots``) and the beta preset, on tiny real data with real PyTorch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from aevae.cli import main
from aevae.plans import BETAS
from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.errors import ConfigError
from aevae.runs import CONFIG, RunError, load_config, load_model, run_data
from aevae.runs.snapshots import SNAPSHOTS, load_snapshots, snapshot_path
from aevae.training.trainer import train


def snap_cfg(folder: Path, snapshots: str = "0,1,2", seed: int = 3, epochs: int = 2) -> RunConfig:
    return RunConfig(model=ModelConfig(kind="vae", latent_dim=2, width=8, hidden=32),
                     train=TrainConfig(data=f"folder:{folder}", epochs=epochs, batch_size=16, seed=seed, threads=1,
                                       snapshots=snapshots))


def test_snapshots_hold_each_listed_epochs_weights_and_latents(tiny_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(snap_cfg(tiny_folder), run, progress_bar=False)
    assert sorted(p.name for p in (run / SNAPSHOTS).iterdir()) == [f"epoch-000{e}.safetensors" for e in (0, 1, 2)]
    snaps = load_snapshots(run, load_config(run))
    assert [s.epoch for s in snaps] == [0, 1, 2]
    cfg, model = load_model(run)
    final = {k: v.half() for k, v in model.state_dict().items()}
    assert all(torch.equal(snaps[-1].weights[k], v) for k, v in final.items())  # the last one is the trained model
    assert not all(torch.equal(snaps[0].weights[k], v) for k, v in final.items())  # epoch 0: before training
    test = run_data(cfg)[1]
    with torch.no_grad():
        enc = model.encode(torch.as_tensor(test.images).float().div(255).unsqueeze(1))
    assert snaps[-1].mu.shape == (len(test), 2) and snaps[-1].logvar is not None
    assert torch.allclose(snaps[-1].mu, enc.mu, atol=1e-4)  # the fixed test images, encoded by that epoch's model
    history = json.loads((run / "metrics.json").read_text())["history"]
    assert snaps[1].metrics == history[0]["test"] and "bce_nats_per_image" in snaps[0].metrics
    assert snaps[0].metrics["bce_nats_per_image"] > snaps[2].metrics["bce_nats_per_image"]


def test_an_interrupted_run_resumes_to_the_same_snapshots(tiny_folder: Path, tmp_path: Path) -> None:
    train(snap_cfg(tiny_folder), tmp_path / "straight", progress_bar=False)

    def stop(epoch: int, step: int, parts: dict) -> None:
        if epoch == 1 and step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(snap_cfg(tiny_folder), tmp_path / "cut", progress_bar=False, on_step=stop)
    assert not snapshot_path(tmp_path / "cut", 2).is_file() and snapshot_path(tmp_path / "cut", 1).is_file()
    train(None, tmp_path / "cut", resume=True, progress_bar=False)
    straight, cut = (load_snapshots(tmp_path / r, load_config(tmp_path / r)) for r in ("straight", "cut"))
    assert [s.epoch for s in cut] == [0, 1, 2]
    for a, b in zip(straight, cut):
        assert a.metrics == b.metrics and torch.equal(a.mu, b.mu) and torch.equal(a.logvar, b.logvar)
        assert all(torch.equal(v, b.weights[k]) for k, v in a.weights.items())


def test_missing_or_foreign_snapshots_are_named(tiny_folder: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    train(snap_cfg(tiny_folder, "1", seed=3, epochs=1), a, progress_bar=False)
    train(snap_cfg(tiny_folder, "1", seed=4, epochs=1), b, progress_bar=False)
    shutil.copy(snapshot_path(a, 1), snapshot_path(b, 1))
    with pytest.raises(RunError, match="another run"):
        load_snapshots(b, load_config(b))
    snapshot_path(b, 1).unlink()
    with pytest.raises(RunError, match="epoch-0001.safetensors is missing"):
        load_snapshots(b, load_config(b))
    plain = tmp_path / "plain"
    train(snap_cfg(tiny_folder, "", epochs=1), plain, progress_bar=False)
    with pytest.raises(RunError, match="no snapshots.*--snapshots"):
        load_snapshots(plain, load_config(plain))


@pytest.mark.parametrize("snapshots, words", [("0,3", "epoch(s) 3 of a run of 2"), ("1;2", "whole numbers"),
                                              ("-1", "whole numbers")])
def test_snapshot_epochs_outside_the_run_are_refused(snapshots: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        TrainConfig(epochs=2, snapshots=snapshots)


@pytest.mark.slow
def test_the_beta_preset_trains_one_vae_per_beta(tiny_folder: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "beta"
    status = main(["train", "--preset", "beta", "--data", f"folder:{tiny_folder}", "--epochs", "1",
                   "--batch-size", "32", "--snapshots", "0,1", "--out", str(out)])
    assert status == 0
    runs = sorted(p for p in out.iterdir() if (p / CONFIG).is_file())
    configs = {p.name: load_config(p) for p in runs}
    assert sorted(c.model.beta for c in configs.values()) == sorted(BETAS)
    assert all(name == f"beta-{c.model.beta:g}" and c.model.kind == "vae" and c.model.latent_dim == 4
               for name, c in configs.items())
    assert all(snapshot_path(p, 1).is_file() for p in runs)
    assert f"aevae explore --family {out}" in capsys.readouterr().out
