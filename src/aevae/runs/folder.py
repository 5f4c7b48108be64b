"""The run folder: the on-disk form of a trained model, written atomically and loaded without pickle.

A run folder holds ``config.json`` (RunConfig), ``model.safetensors`` (weights only), ``metrics.json`` (per-epoch
history with units), ``checkpoint.safetensors`` (everything ``--resume`` needs, in one file so it is never
half-updated; written by ``aevae.training``) and, once analysed, ``analysis.safetensors`` (``analysis_file``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from aevae.version import __version__
from aevae.config import ModelConfig, RunConfig
from aevae.data import ImageSet, dataset_name, load_splits
from aevae.errors import AevaeError, RunError
from aevae.files import atomic_write
from aevae.models import LatentModel, build_model

RUN_FORMAT = 1  # version of the run-folder layout; bumped when its layout changes incompatibly
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
METRICS = "metrics.json"
CHECKPOINT = "checkpoint.safetensors"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically. NaN and infinity are refused (ValueError): JSON has no spelling
    for them, and a file holding Python's ``NaN`` would be unreadable to every other JSON reader."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text), size=len(text.encode()))


def read_json(path: Path) -> Any:
    """Read a JSON file of a run folder, naming the file in any error."""
    check_not_folder(path)
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunError(f"{path} is not valid JSON ({exc})") from None
    except OSError as exc:
        raise RunError(f"cannot read {path} ({exc.strerror or exc})") from None


def check_not_folder(path: Path) -> None:
    """Refuse a folder where a run folder's file should be (which every open and rename would trip over)."""
    if Path(path).is_dir():
        raise RunError(f"{path} is a folder, but a run keeps a file of that name there; move the folder away")


def save_tensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """Write ``tensors`` and string ``metadata`` to a safetensors file, atomically; a full disk raises
    ``aevae.files.NoRoomError`` with the size the file needs."""
    check_not_folder(path)
    size = sum(t.numel() * t.element_size() for t in tensors.values()) + len(json.dumps(metadata).encode())
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata), size=size)


def save_weights(path: Path, model: LatentModel, cfg: RunConfig) -> None:
    """Write the model's weights (and its config, as metadata) to a safetensors file, atomically."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_tensors(path, tensors, {"config": json.dumps(cfg.to_dict())})


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    """Load a safetensors file to CPU, turning a missing or corrupt file into a RunError."""
    path = Path(path)
    check_not_folder(path)
    if not path.is_file():
        raise RunError(f"{path} is missing")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise RunError(f"{path} is corrupt or truncated ({exc})") from None


def new_run_config(cfg: RunConfig) -> RunConfig:
    """Stamp a config with this package's version and folder format."""
    cfg.aevae_version = __version__
    cfg.format_version = RUN_FORMAT
    return cfg


def load_config(run_dir: Path) -> RunConfig:
    """Read and validate ``config.json`` of a run folder."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunError(f"no run folder at {run_dir}")
    data = read_json(run_dir / CONFIG)
    if not isinstance(data, dict):
        raise RunError(f"{run_dir / CONFIG} does not hold a JSON object")
    version = data.get("format_version")
    if version != RUN_FORMAT:
        raise RunError(
            f"{run_dir} was written in run-folder format {version!r} (aevae {data.get('aevae_version', '?')}); "
            f"this aevae {__version__} reads format {RUN_FORMAT}. Retrain, or use the aevae version that wrote it."
        )
    missing = [k for k in ("model", "train") if not isinstance(data.get(k), dict)]
    if missing:  # from_dict would fill them with defaults: another model than the one whose weights lie beside it
        raise RunError(f"{run_dir / CONFIG} has no {' and no '.join(repr(k) for k in missing)} section (a run's "
                       f"config holds both, as JSON objects); restore it, or train the run again")
    try:
        return RunConfig.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise RunError(f"{run_dir / CONFIG} is not a valid run configuration: {exc}") from None


def model_from_tensors(model_cfg: ModelConfig, tensors: dict[str, torch.Tensor], source: str,
                       error: type[AevaeError] = RunError) -> LatentModel:
    """A model built from its config, with ``tensors`` (float16 ones widened) checked name by name and shape by
    shape, and for NaN or infinite values, first; a mismatch raises ``error`` naming ``source`` and the first tensors
    that differ."""
    model = build_model(model_cfg)
    expected = model.state_dict()
    wrong = sorted(k for k in expected.keys() | tensors.keys()
                   if k not in tensors or k not in expected or tensors[k].shape != expected[k].shape)
    if wrong:
        raise error(f"{source} does not match the model's configuration (mismatched or unexpected tensors: "
                    f"{', '.join(wrong[:5])})")
    broken = sorted(k for k, v in tensors.items() if v.is_floating_point() and not torch.isfinite(v).all())
    if broken:
        raise error(f"{source} holds NaN or infinite values (in {', '.join(broken[:5])}); the model is unusable "
                    "(did its training diverge? try a lower --lr)")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    return model.eval()


def load_model(run_dir: Path, device: str | torch.device = "cpu") -> tuple[RunConfig, LatentModel]:
    """Load a trained model from a run folder, in eval mode. Reads only; never writes."""
    cfg = load_config(run_dir)
    path = Path(run_dir) / WEIGHTS
    return cfg, model_from_tensors(cfg.model, load_tensors(path), f"{path} (against {CONFIG})").to(device)


def run_data(cfg: RunConfig) -> tuple[ImageSet, ImageSet]:
    """The training and test images a run was trained on, at its model's size and prepared its way."""
    return load_splits(cfg.train.data, cfg.train.limit, cfg.model.image_size, cfg.train.preprocess)


def load_metrics(run_dir: Path) -> dict[str, Any]:
    """Read ``metrics.json`` of a run folder: an object whose ``history`` lists the finished epochs in order, each an
    object with its number (1, 2, ...) and its ``test`` metrics. Anything else is a RunError naming what is wrong."""
    path = Path(run_dir) / METRICS
    metrics = read_json(path)
    problem = history_problem(metrics.get("history") if isinstance(metrics, dict) else None)
    if not isinstance(metrics, dict):
        problem = "it does not hold a JSON object"
    if problem:
        raise RunError(f"{path} is malformed: {problem}; aevae train --resume {Path(run_dir)} rebuilds it from "
                       f"{CHECKPOINT}")
    return metrics


def history_problem(history: Any) -> str | None:
    """What is wrong with a ``metrics.json`` history (None: nothing)."""
    if not isinstance(history, list):
        return f"its history is {type(history).__name__ if history is not None else 'missing'}, not a list of epochs"
    for i, entry in enumerate(history):
        if not isinstance(entry, dict) or entry.get("epoch") != i + 1 or type(entry.get("epoch")) is not int:
            return (f"entry {i + 1} of its history is not the record of epoch {i + 1} "
                    f"(got {json.dumps(entry)[:60]})")
        if not isinstance(entry.get("test"), dict):
            return f"the record of epoch {i + 1} has no test metrics"
    return None


def trained_epochs(run_dir: Path) -> int:
    """How many epochs ``metrics.json`` records (0 when the run has none yet)."""
    path = Path(run_dir) / METRICS
    return len(load_metrics(run_dir)["history"]) if path.exists() else 0


def is_trained(run_dir: Path) -> bool:
    """True when the folder holds weights and every epoch its config asks for."""
    run_dir = Path(run_dir)
    return (run_dir / WEIGHTS).is_file() and trained_epochs(run_dir) >= load_config(run_dir).train.epochs


def check_trained(run_dir: Path, data: str | None = None) -> RunConfig:
    """The config of a complete, trained run folder, from the data set ``data`` if given; RunError otherwise."""
    run_dir = Path(run_dir)
    cfg = load_config(run_dir)
    check_not_folder(run_dir / WEIGHTS)
    if not (run_dir / WEIGHTS).is_file():
        raise RunError(f"{run_dir} is incomplete: {WEIGHTS} is missing (training never finished an epoch?)")
    done = trained_epochs(run_dir)
    if done < cfg.train.epochs:
        raise RunError(f"{run_dir} is incomplete: trained {done} of {cfg.train.epochs} epochs; "
                       f"finish it with: aevae train --resume {run_dir}")
    if data is not None and dataset_name(data) != dataset_name(cfg.train.data):
        raise RunError(f"{run_dir} was trained on {dataset_name(cfg.train.data)!r}, not on the requested "
                       f"{dataset_name(data)!r}")
    return cfg
