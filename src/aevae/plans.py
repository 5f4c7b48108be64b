"""What ``aevae train`` and ``aevae sweep`` set out to train: a new run's config from the options given, and the
presets' groups of runs. Torch-free, so the command's help lists the presets without importing PyTorch.

A model takes as many channels as its data set's images have (3 for ``sprites:colour`` or a colour folder under
``--preprocess fit``) unless ``channels`` is given: ``run_config`` is the one place that rule is applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aevae.config import ModelConfig, RunConfig, TrainConfig

BETAS = (0.0, 0.1, 0.3, 1.0, 2.0, 4.0, 8.0)  # the beta preset: 0 leaves the code free (an AE with noise), 1 is the
# paper's VAE, 8 presses the code until most of it is noise
PRESETS: dict[str, tuple[dict[str, Any], ...]] = {  # name -> the model options of each of its runs
    # The paper's pair: AE and VAE with d = 4 on MNIST, trained with identical settings.
    "paper": ({"kind": "ae", "latent_dim": 4}, {"kind": "vae", "latent_dim": 4}),
    # The same VAE with the KL term weighted by each beta: a family along one axis for the explorer's slider.
    "beta": tuple({"kind": "vae", "latent_dim": 4, "beta": b} for b in BETAS),
}
PRESET_MODELS = {"paper": "AE and VAE, d = 4, the default architecture",
                 "beta": f"VAEs with d = 4 and beta = {', '.join(f'{b:g}' for b in BETAS)}"}
PRESET_EPOCHS = 8  # the epochs a preset trains unless --epochs is given; time per epoch: benchmarks/train_speed.py


def preset_folder(preset: str, model: dict[str, Any]) -> str:
    """The folder inside the preset's OUT of one of its models: ``ae``/``vae`` for the paper's pair, ``beta-0.3``
    for a member of the beta family."""
    return model["kind"] if preset == "paper" else f"beta-{model['beta']:g}"


def run_config(model: dict[str, Any], train: TrainConfig) -> RunConfig:
    """A new run's config: ``model`` holds the ModelConfig options given (by field name), ``train`` the checked
    training config; without ``channels`` the model takes its data set's (see the module docstring)."""
    if "channels" not in model:
        from aevae.data import data_channels  # NumPy and Pillow: only once a run is planned, not for --help

        model = {**model, "channels": data_channels(train.data, train.preprocess)}
    return RunConfig(model=ModelConfig(**model), train=train)


def preset_runs(preset: str, train: dict[str, Any], out: Path) -> dict[Path, RunConfig]:
    """The run folder and config of each model of ``preset``, trained with the training options ``train`` (by field
    name; ``epochs`` defaults to ``PRESET_EPOCHS``) into ``out``."""
    train_cfg = TrainConfig(**{"epochs": PRESET_EPOCHS, **train})
    return {Path(out) / preset_folder(preset, model): run_config(model, train_cfg) for model in PRESETS[preset]}
