"""Configuration dataclasses, one per concern, each round-tripped through JSON.

The CLI builds its options from the same fields (see ``aevae.cli``), so a name means the
same thing on the command line, in ``config.json`` and in Python.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from aevae.errors import ConfigError

MODEL_KINDS = ("ae", "vae", "beta-vae", "mmd-vae")
PRECISIONS = ("auto", "float32", "bfloat16")


@dataclass
class ModelConfig:
    """Architecture and objective of one model; saved beside its weights."""

    kind: str = "vae"  # one of MODEL_KINDS; AE and all VAEs share the network below
    latent_dim: int = 4  # the paper's d = 4: small enough to draw on parallel coordinates
    image_size: int = 32  # MNIST padded 28 -> 32 so three stride-2 convolutions halve it cleanly
    channels: int = 1  # grayscale input
    width: int = 16  # channels of the first convolution, doubled at each of the three stages; 16 keeps decoding cheap in the browser
    hidden: int = 128  # units of the fully connected layer between the convolutions and the latent; a small d needs this depth
    beta: float | None = None  # KL weight; None = the kind's default (1 for vae, 4 for beta-vae, 0 otherwise)
    mmd_weight: float | None = None  # weight of MMD(q(z), N(0, I)); None = 100 for mmd-vae, 0 otherwise

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ConfigError(f"unknown model kind {self.kind!r}; choose one of {', '.join(MODEL_KINDS)}")
        if self.latent_dim < 1:
            raise ConfigError(f"latent_dim must be at least 1, got {self.latent_dim}")
        if self.image_size % 8 or self.image_size < 8:
            raise ConfigError(f"image_size must be a multiple of 8 (three stride-2 stages), got {self.image_size}")
        if self.beta is None:
            self.beta = {"vae": 1.0, "beta-vae": 4.0}.get(self.kind, 0.0)
        if self.mmd_weight is None:
            self.mmd_weight = 100.0 if self.kind == "mmd-vae" else 0.0

    @property
    def variational(self) -> bool:
        """True when the encoder outputs a distribution (mean and log-variance) rather than a point."""
        return self.kind != "ae"


@dataclass
class TrainConfig:
    """How one model is trained; saved in the run folder so ``--resume`` can continue it exactly."""

    data: str = "mnist"  # data-set spec understood by aevae.data.load_dataset
    epochs: int = 10  # passes over the training set
    batch_size: int = 128  # large enough to keep the CPU's matrix units busy, small enough to converge fast
    lr: float = 3e-3  # Adam step size, decayed by cosine to lr/20 over the run; best of 2e-3/3e-3/6e-3 in 6 epochs
    seed: int = 0  # seeds initialisation, batch order and the VAE's noise
    limit: int = 0  # use only the first N training and N//6 test images (0 = all); for quick tries and tests
    device: str = "auto"  # "auto" picks CUDA when present, else CPU
    threads: int = 0  # torch intra-op threads on CPU (0 = PyTorch's default, one per core)
    precision: str = "auto"  # autocast of the training step: "auto" = bfloat16 where the CPU or GPU runs it natively, else float32; saved resolved

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")


@dataclass
class RunConfig:
    """Everything ``config.json`` of a run folder holds."""

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    aevae_version: str = ""
    format_version: int = 1  # bumped when the run-folder layout changes incompatibly

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunConfig":
        """Rebuild from ``to_dict`` output; unknown keys are an error so typos never pass silently."""
        return cls(
            model=_build(ModelConfig, data.get("model", {})),
            # Runs saved before precision was a field were trained in float32; resuming them must stay float32.
            train=_build(TrainConfig, {"precision": "float32", **data.get("train", {})}),
            aevae_version=str(data.get("aevae_version", "")),
            format_version=int(data.get("format_version", 0)),
        )


def _build(cls: type, values: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
    return cls(**values)
