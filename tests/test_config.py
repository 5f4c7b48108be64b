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


@pytest.mark.parametrize("size, stages", [(8, 1), (16, 2), (32, 3), (64, 4), (40, 3), (24, 2)])
def test_one_stride_2_stage_per_halving_down_to_4x4(size: int, stages: int) -> None:
    cfg = ModelConfig(image_size=size, width=4, hidden=8)
    model = build_model(cfg)
    convs = [k for k in model.state_dict() if k.startswith("encoder.conv") and k.endswith(".weight")]
    deconvs = [k for k in model.state_dict() if k.startswith("decoder.deconv") and k.endswith(".weight")]
    assert cfg.stages == len(convs) == len(deconvs) == stages
    assert cfg.parameter_count == sum(p.numel() for p in model.parameters())


def test_the_default_network_is_the_one_shipped_before_sizes_varied() -> None:
    names = {k: tuple(v.shape) for k, v in build_model(ModelConfig()).state_dict().items()}
    assert [k for k in names if "conv" in k and k.endswith("weight")] == [
        "encoder.conv1.weight", "encoder.conv2.weight", "encoder.conv3.weight",
        "decoder.deconv1.weight", "decoder.deconv2.weight", "decoder.deconv3.weight"]
    assert names["encoder.fc1.weight"] == (128, 64 * 4 * 4) and names["decoder.deconv3.weight"] == (16, 1, 4, 4)


def test_unknown_preprocessing_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="unknown preprocess 'photo'; choose one of auto, glyph, fit"):
        TrainConfig(preprocess="photo")
    with pytest.raises(ConfigError, match="choose one of auto, glyph, fit"):
        RunConfig.from_dict({"train": {"preprocess": "smooth"}})
    assert RunConfig.from_dict({"train": {"data": "mnist"}}).train.preprocess == "auto"  # older runs: as before
