"""The training step: precision choice, loss parts kept on the device, exact sums, float32 runs still exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from aevae.config import ModelConfig, RunConfig, TrainConfig
from aevae.errors import ConfigError
from aevae.models import bce_per_image, build_model, kl_per_dim
from aevae.runs import CONFIG, load_model
from aevae.training.data_parallel import pick_device
from aevae.training.step import Sums, part_names, resolve_precision, train_step
from aevae.training.trainer import train
from support.tiny_runs import train_tiny_run


def test_auto_precision_is_bfloat16_only_on_cpus_that_run_it_natively() -> None:
    native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert resolve_precision("auto", torch.device("cpu")) == ("bfloat16" if native else "float32")
    assert resolve_precision("float32", torch.device("cpu")) == "float32"
    assert resolve_precision("bfloat16", torch.device("cpu")) == "bfloat16"
    # On a GPU, float32 (measured faster there for these small networks); bfloat16 still on request.
    assert resolve_precision("auto", torch.device("cuda:0")) == "float32"
    assert resolve_precision("bfloat16", torch.device("cuda:0")) == "bfloat16"
    with pytest.raises(ValueError, match="unknown precision"):
        resolve_precision("float16", torch.device("cpu"))
    with pytest.raises(ConfigError, match="unknown precision 'fp8'"):
        TrainConfig(precision="fp8")


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_step_returns_the_parts_as_a_device_tensor_and_learns(precision: str) -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(kind="vae", width=8, hidden=32)
    model = build_model(cfg).train().to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    x = (torch.rand(32, 1, 32, 32) > 0.8).float().contiguous(memory_format=torch.channels_last)
    first = train_step(cfg, model, opt, x, 3e-3, precision)
    assert isinstance(first, torch.Tensor) and first.dtype == torch.float32 and not first.requires_grad
    assert part_names(cfg) == ["bce", "kl", "loss"] and first.shape == (3,)
    assert first[2].item() == pytest.approx(first[0].item() + first[1].item(), rel=1e-5)  # loss = BCE + KL
    assert opt.param_groups[0]["lr"] == 3e-3
    for _ in range(30):
        last = train_step(cfg, model, opt, x, 3e-3, precision)
    assert last[2] < 0.8 * first[2]


def test_the_loss_is_summed_in_float32_under_bfloat16() -> None:
    """Autocast runs the network in bfloat16, but the per-image sums over 1,024 pixels stay float32."""
    torch.manual_seed(0)
    cfg = ModelConfig(kind="vae", width=8, hidden=32)
    model = build_model(cfg).train()
    x = (torch.rand(16, 1, 32, 32) > 0.8).float()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # a step that leaves the weights as they were
    torch.manual_seed(1)
    parts = train_step(cfg, model, opt, x, 0.0, "bfloat16")
    torch.manual_seed(1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(x)
    bce = bce_per_image(out["logits"].float(), x).mean()
    kl = kl_per_dim(out["mu"].float(), out["logvar"].float()).sum(1).mean()
    assert parts[0].item() == bce.item() and parts[1].item() == kl.item()


def test_sums_add_as_python_floats_do() -> None:
    sums = Sums(["bce", "loss"], {"bce": 0.1}, torch.device("cpu"))
    expected = {"bce": 0.1, "loss": 0.0}
    for batch, (values, n) in enumerate((([1.7, 2.3], 128), ([3.1, 0.9], 127))):
        sums.add(torch.tensor(values), n, batch)
        for name, v in zip(["bce", "loss"], values):
            expected[name] += float(torch.tensor(v)) * n  # float32 value, float64 arithmetic
    assert sums.read() == expected
    assert sums.first_bad_batch() is None
    sums.add(torch.tensor([1.0, float("nan")]), 1, 2)
    sums.add(torch.tensor([float("inf"), 1.0]), 1, 3)
    assert sums.first_bad_batch() == 2  # the first, not the latest


def test_new_runs_save_the_resolved_precision_and_old_configs_stay_float32(tiny_folder: Path, tmp_path: Path) -> None:
    run = train_tiny_run(tiny_folder, tmp_path / "run", "ae", 2)
    saved = json.loads((run / CONFIG).read_text())["train"]["precision"]
    assert saved == resolve_precision("auto", pick_device("auto"))  # the machine's device: CPU, or a GPU
    old = json.loads((run / CONFIG).read_text())
    del old["train"]["precision"]  # a run folder written before the field existed
    assert RunConfig.from_dict(old).train.precision == "float32"


def test_float32_runs_stay_exact_on_resume(tiny_folder: Path, tmp_path: Path) -> None:
    def cfg() -> RunConfig:
        return RunConfig(model=ModelConfig(kind="vae", latent_dim=2, width=8, hidden=32),
                         train=TrainConfig(data=f"folder:{tiny_folder}", epochs=2, batch_size=16, seed=5, threads=1,
                                           precision="float32"))

    straight = train(cfg(), tmp_path / "straight", progress_bar=False)

    def stop(epoch: int, step: int, parts: dict) -> None:
        assert set(parts) == {"bce", "kl", "loss"} and all(isinstance(v, float) for v in parts.values())
        if epoch == 1 and step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg(), tmp_path / "cut", progress_bar=False, on_step=stop)
    assert train(None, tmp_path / "cut", resume=True, progress_bar=False) == straight
    a, b = load_model(tmp_path / "straight")[1].state_dict(), load_model(tmp_path / "cut")[1].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
