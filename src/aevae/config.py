"""Configuration dataclasses, one per concern, each round-tripped through JSON.

The CLI builds its options from the same fields (see ``aevae.cli``): each field's ``help`` metadata is the one place
its default is explained, and its annotation gives the option's type, so a name means the same thing on the command
line, in ``config.json`` and in Python.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from aevae.errors import ConfigError

MODEL_KINDS = ("ae", "vae", "beta-vae", "mmd-vae")
PRECISIONS = ("auto", "float32", "bfloat16")  # of the training step; see aevae.training.step
PREPROCESSING = ("glyph", "fit")  # the two ways images become model inputs; see aevae.data.preprocess
AUTO_PREPROCESS = "auto"  # the data set's own way: fit for sprites, glyph for everything else (aevae.data.registry)
PREPROCESS = (AUTO_PREPROCESS, *PREPROCESSING)  # what TrainConfig.preprocess and --preprocess accept
SMALLEST_SIDE = 4  # the convolutions halve the image while the result stays an integer of at least this many pixels
MAX_SEED = 2**32 - 1  # NumPy's and PyTorch's generators take any seed up to this; the trainer derives per-batch seeds
# from it (aevae.training.trainer.batch_seed) that stay below 2**64 only for seeds in this range
MAX_THREADS = 4096  # far more cores than any machine has; the cores this one has are checked when training starts
MAX_PARAMETERS = 200_000_000  # 0.8 GB of float32 weights, 3.2 GB with Adam's two slots and the gradients: far past
# any model this project trains (the paper's has 0.3 M), and refused before a single byte is allocated


TYPE_NAMES = {int: "an integer", float: "a number", str: "a string"}  # for messages about a field's type


def option(default: Any, help: str) -> Any:
    """A dataclass field with its default and the one-line help the CLI shows for it."""
    return field(default=default, metadata={"help": help})


def field_types(cls: type) -> dict[str, Any]:
    """Each field's resolved annotation (``int``, ``float | None``, ...), not the string ``from __future__`` leaves."""
    return typing.get_type_hints(cls)


def value_type(annotation: Any) -> type:
    """The one concrete type of a field: ``int`` for ``int``, ``float`` for ``float | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        concrete = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(concrete) != 1:
            raise TypeError(f"a config field needs one concrete type, got {annotation}")
        return concrete[0]
    return annotation


def _check_types(obj: Any) -> None:
    """Refuse a field of the wrong type with a ConfigError naming it; accept an int where a float is asked for."""
    hints = field_types(type(obj))
    for f in dataclasses.fields(obj):
        annotation = hints[f.name]
        want = value_type(annotation)
        value = getattr(obj, f.name)
        if value is None and want is not annotation:
            continue  # an optional field left to its default
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            setattr(obj, f.name, float(value))
        elif want in (int, float, str) and (not isinstance(value, want) or isinstance(value, bool)):
            raise ConfigError(f"{type(obj).__name__}.{f.name} must be {TYPE_NAMES[want]}, got {value!r}")


def stage_count(image_size: int) -> int:
    """Stride-2 stages of the network for an image side: one per halving down to 4×4 (32 -> 3, 64 -> 4)."""
    stages, side = 0, image_size
    while side % 2 == 0 and side // 2 >= SMALLEST_SIDE:
        stages, side = stages + 1, side // 2
    return stages


def _check_at_least(obj: Any, lowest: dict[str, float]) -> None:
    for name, low in lowest.items():
        if getattr(obj, name) < low:
            raise ConfigError(f"{type(obj).__name__}.{name} must be at least {low}, got {getattr(obj, name)}")


def _check_at_most(obj: Any, highest: dict[str, float]) -> None:
    for name, high in highest.items():
        if getattr(obj, name) > high:
            raise ConfigError(f"{type(obj).__name__}.{name} must be at most {high:,}, got {getattr(obj, name):,}")


def _check_weight(obj: Any, name: str, positive: bool = False) -> None:
    """A float field that must be a finite number, at least 0 (or above 0 with ``positive``)."""
    value = getattr(obj, name)
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        sign = "above 0" if positive else "0 or more"
        raise ConfigError(f"{type(obj).__name__}.{name} must be a finite number {sign}, got {value}")


@dataclass
class ModelConfig:
    """Architecture and objective of one model; saved beside its weights."""

    kind: str = option("vae", "ae (a plain autoencoder), vae, beta-vae (a VAE whose KL term is weighted by --beta) "
                              "or mmd-vae (MMD-VAE/InfoVAE); all of them share one network")
    latent_dim: int = option(4, "latent size d, how many numbers an image is squeezed into; the paper's 4 can still "
                                "be drawn on parallel coordinates")
    image_size: int = option(32, "image side in pixels, 32 or 64 (MNIST's 28 is padded to 32); the network halves it "
                                 "in stride-2 stages down to 4×4")
    channels: int = option(1, "1 = grey, 3 = colour (RGB); taken from the data set unless given")
    width: int = option(16, "channels of the first convolution, doubled at each later stage; 16 keeps decoding in "
                            "the browser fast")
    hidden: int = option(128, "units of the fully connected layer between the convolutions and the latent; a small "
                              "d needs this depth")
    beta: float | None = option(None, "weight of the KL term; by default 1 for vae, 4 for beta-vae, 0 for the others")
    mmd_weight: float | None = option(None, "weight of the MMD(q(z), N(0, I)) term; by default 100 for mmd-vae, 0 "
                                            "for the others")

    def __post_init__(self) -> None:
        _check_types(self)
        if self.kind not in MODEL_KINDS:
            raise ConfigError(f"unknown model kind {self.kind!r}; choose one of {', '.join(MODEL_KINDS)}")
        _check_at_least(self, {"latent_dim": 1, "channels": 1, "width": 1, "hidden": 1})
        _check_weight(self, "beta")
        _check_weight(self, "mmd_weight")
        if self.image_size % 8 or self.image_size < 8:
            raise ConfigError(f"image_size must be a multiple of 8 (at least one stride-2 stage down to "
                              f"{SMALLEST_SIDE}x{SMALLEST_SIDE} or more), got {self.image_size}")
        if self.parameter_count > MAX_PARAMETERS:
            raise ConfigError(f"this model would have {self.parameter_count:,} parameters, more than the "
                              f"{MAX_PARAMETERS:,} aevae allows (check width, hidden, latent_dim and image_size)")
        if self.beta is None:
            self.beta = {"vae": 1.0, "beta-vae": 4.0}.get(self.kind, 0.0)
        if self.mmd_weight is None:
            self.mmd_weight = 100.0 if self.kind == "mmd-vae" else 0.0

    @property
    def variational(self) -> bool:
        """True when the encoder outputs a distribution (mean and log-variance) rather than a point."""
        return self.kind != "ae"

    @property
    def stages(self) -> int:
        """Stride-2 convolutions in the encoder (and transposed ones in the decoder): see ``stage_count``."""
        return stage_count(self.image_size)

    @property
    def stage_widths(self) -> list[int]:
        """Channels after each encoder stage: width, doubled at every later stage."""
        return [self.width * 2**i for i in range(self.stages)]

    @property
    def parameter_count(self) -> int:
        """Weights and biases of the network ``aevae.models`` builds for this config, counted without building it."""
        c, d, h, widths = self.channels, self.latent_dim, self.hidden, self.stage_widths
        side = self.image_size >> self.stages
        flat = widths[-1] * side * side  # features between the convolutions and the dense layers
        out = 2 * d if self.variational else d
        chain = [c, *widths]
        convs = sum(a * b for a, b in zip(chain, chain[1:])) * 16  # 4×4 kernels, the same counts in the decoder
        encoder = convs + sum(widths) + flat * h + h + h * out + out
        decoder = convs + sum(chain[:-1]) + d * h + h + h * flat + flat
        return encoder + decoder


@dataclass
class TrainConfig:
    """How one model is trained; saved in the run folder so ``--resume`` can continue it exactly."""

    data: str = option("mnist", "the data set: mnist, fashion-mnist[:DIR], sprites, sprites:colour, or your own "
                                "images (folder:DIR or a folder's path, one subfolder per class)")
    preprocess: str = option("auto", "how images become model inputs: glyph (MNIST-style, for digits, letters and "
                                     "drawings), fit (resized and centre-cropped, colour kept, for photos and "
                                     "sprites) or auto, the data set's own (fit for sprites, else glyph); the run "
                                     "records the choice made")
    epochs: int = option(10, "passes over the training set")
    batch_size: int = option(128, "images per training step: large enough to keep the CPU's matrix units busy, "
                                  "small enough to converge fast")
    lr: float = option(3e-3, "Adam's step size, lowered along a cosine to lr/20 by the end of the run (how it was "
                             "chosen: docs/training.md)")
    seed: int = option(0, "seeds the initial weights, the batch order and the VAE's noise: the same seed gives the "
                          "same numbers on the same machine")
    limit: int = option(0, "train on the first N training images only and test on N/6 (0 = all); for quick tries")
    device: str = option("auto", "cpu, cuda, cuda:N, or auto: CUDA where there is a GPU, else the CPU")
    threads: int = option(0, "CPU threads PyTorch uses (0 = its default, one per core)")
    precision: str = option("auto", "arithmetic of the training step: float32, bfloat16, or auto: bfloat16 where "
                                    "the CPU or GPU does it natively, else float32; the run records the choice made")
    snapshots: str = option("", "epochs at which to keep the model and the latents of 500 fixed test images in "
                                "RUN/snapshots/, e.g. 0,1,2,4,8 (0 = before training; 0.7 MB each for the paper's "
                                "model); empty = none")

    def __post_init__(self) -> None:
        _check_types(self)
        _check_at_least(self, {"epochs": 1, "batch_size": 1, "limit": 0, "threads": 0, "seed": 0})
        _check_at_most(self, {"seed": MAX_SEED, "threads": MAX_THREADS})
        _check_weight(self, "lr", positive=True)
        late = [e for e in self.snapshot_epochs if e > self.epochs]
        if late:
            raise ConfigError(f"TrainConfig.snapshots asks for epoch(s) {', '.join(map(str, late))} of a run of "
                              f"{self.epochs} epochs; list epochs from 0 to {self.epochs}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        if self.preprocess not in PREPROCESS:
            raise ConfigError(f"unknown preprocess {self.preprocess!r}; choose one of {', '.join(PREPROCESS)}")

    @property
    def snapshot_epochs(self) -> tuple[int, ...]:
        """The epochs ``snapshots`` lists, sorted, each once (() for none); ConfigError for anything but
        comma-separated whole numbers of at least 0."""
        parts = [p.strip() for p in self.snapshots.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise ConfigError(f"TrainConfig.snapshots must list epochs as whole numbers separated by commas "
                              f"(e.g. 0,1,2,4,8), got {self.snapshots!r}")
        return tuple(sorted({int(p) for p in parts}))


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
        train = data.get("train", {})
        if isinstance(train, dict):  # runs saved before precision was a field were trained in float32, and resume so
            train = {"precision": "float32", **train}
        return cls(
            model=_build(ModelConfig, data.get("model", {})),
            train=_build(TrainConfig, train),
            aevae_version=str(data.get("aevae_version", "")),
            format_version=int(data.get("format_version", 0)),
        )


def _build(cls: type, values: dict[str, Any]) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"{cls.__name__} must be a JSON object, got {values!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
    return cls(**values)
