"""The configuration dataclasses: types and sizes checked on construction, help text and types for the CLI."""

from __future__ import annotations

import dataclasses

import pytest

from aevae.config import MAX_PARAMETERS, ModelConfig, RunConfig, TrainConfig, field_types, value_type
from aevae.errors import ConfigError
from aevae.models import build_model


@pytest.mark.parametrize("cls", [ModelConfig, TrainConfig])
def test_every_field_has_help_and_one_concrete_type(cls: type) -> None:
    types = field_types(cls)
    for f in dataclasses.fields(cls):
        assert len(f.metadata["help"]) > 10, f.name
        assert value_type(types[f.name]) in (int, float, str), f.name
    assert value_type(field_types(ModelConfig)["beta"]) is float  # float | None: the option takes a float


@pytest.mark.parametrize("options", [{}, {"kind": "ae"}, {"width": 8, "hidden": 32, "latent_dim": 3},
                                     {"kind": "mmd-vae", "channels": 3, "image_size": 64}])
def test_parameter_count_is_the_built_models(options: dict) -> None:
    cfg = ModelConfig(**options)
    assert cfg.parameter_count == sum(p.numel() for p in build_model(cfg).parameters())


def test_an_absurd_size_is_refused_before_anything_is_allocated() -> None:
    with pytest.raises(ConfigError, match="parameters"):
        ModelConfig(hidden=10**12)  # a tensor of this size would need terabytes
    with pytest.raises(ConfigError, match="parameters"):
        RunConfig.from_dict({"model": {"width": 4096, "hidden": 4096}})
    assert ModelConfig().parameter_count < MAX_PARAMETERS


@pytest.mark.parametrize("cls, field, value", [
    (ModelConfig, "latent_dim", "four"), (ModelConfig, "width", 8.5), (ModelConfig, "beta", "high"),
    (ModelConfig, "hidden", True), (TrainConfig, "epochs", "10"), (TrainConfig, "lr", None), (TrainConfig, "data", 3),
])
def test_a_value_of_the_wrong_type_names_its_field(cls: type, field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"{cls.__name__}.{field} must be"):
        cls(**{field: value})


@pytest.mark.parametrize("cls, field, value", [(ModelConfig, "latent_dim", 0), (ModelConfig, "width", -1),
                                               (TrainConfig, "batch_size", 0), (TrainConfig, "lr", 0.0)])
def test_impossible_values_are_refused(cls: type, field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        cls(**{field: value})


def test_ints_pass_where_floats_are_asked_for() -> None:
    assert TrainConfig(lr=1).lr == 1.0 and isinstance(TrainConfig(lr=1).lr, float)
    assert ModelConfig(beta=2).beta == 2.0
