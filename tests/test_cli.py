"""The ``aevae`` command: options derived from the config fields, and messages, not tracebacks, for bad input."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from aevae.cli import build_parser, main
from aevae.config import ModelConfig, TrainConfig
from aevae.runs import CONFIG, WEIGHTS


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run the real command line in this process; its exit status and what it wrote to stderr."""
    status = main(list(argv))
    return status, capsys.readouterr().err


def test_options_take_their_type_and_help_from_the_config_fields(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    train = vars(parser.parse_args(["train", "--beta", "2.5", "--epochs", "3", "--latent", "2"]))
    assert (train["model.beta"], train["train.epochs"], train["model.latent_dim"]) == (2.5, 3, 2)
    sweep = vars(parser.parse_args(["sweep", "--out", "x", "--width", "8", "--hidden", "32"]))
    assert (sweep["model.width"], sweep["model.hidden"]) == (8, 32)
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--width", "eight"])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    shown = "".join(capsys.readouterr().out.split())  # argparse wraps lines; compare without white space
    for cls in (ModelConfig, TrainConfig):
        for f in dataclasses.fields(cls):
            assert "".join(f.metadata["help"].split()) in shown, f.name


def test_preset_refuses_model_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, err = run_cli(capsys, "train", "--preset", "paper", "--width", "8", "--out", str(tmp_path / "p"))
    assert status == 2 and "--width" in err and "--preset paper" in err
    assert not (tmp_path / "p").exists()


def test_out_naming_a_file_is_a_message(capsys: pytest.CaptureFixture[str], tiny_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    status, err = run_cli(capsys, "train", "--data", f"folder:{tiny_folder}", "--width", "8", "--epochs", "1",
                          "--out", str(tmp_path / "notes.txt"))
    assert status == 2 and "is a file" in err
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    status, err = run_cli(capsys, "train", "--resume", str(tmp_path / "notes.txt"))
    assert status == 2 and "is a file" in err


def test_absurd_sizes_are_refused_before_allocating(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, err = run_cli(capsys, "train", "--hidden", str(10**12), "--out", str(tmp_path / "huge"))
    assert status == 2 and "parameters" in err and not (tmp_path / "huge").exists()


@pytest.mark.parametrize("damage", ["latent_dim four", "hidden 10**12", "NaN weights"])
def test_a_damaged_run_folder_is_named_in_a_message(capsys: pytest.CaptureFixture[str], analysed_runs: dict[str, Path],
                                                    tmp_path: Path, damage: str) -> None:
    run = Path(shutil.copytree(analysed_runs["ae"], tmp_path / "run"))
    if damage == "NaN weights":
        tensors = {k: torch.full_like(v, float("nan")) for k, v in load_file(str(run / WEIGHTS)).items()}
        save_file(tensors, str(run / WEIGHTS))
        expected = [str(run / WEIGHTS), "NaN"]
    else:
        cfg = json.loads((run / CONFIG).read_text())
        field, value = ("latent_dim", "four") if damage == "latent_dim four" else ("hidden", 10**12)
        cfg["model"][field] = value
        (run / CONFIG).write_text(json.dumps(cfg))
        expected = [str(run / CONFIG), field]
    (run / "analysis.safetensors").unlink()
    status, err = run_cli(capsys, "analyze", "--quiet", str(run))
    assert status == 2
    for text in expected:
        assert text in err


def test_unusable_device_or_out_folder_is_a_message(capsys: pytest.CaptureFixture[str], tiny_folder: Path,
                                                    tmp_path: Path) -> None:
    base = ["train", "--data", f"folder:{tiny_folder}", "--width", "8", "--epochs", "1", "--batch-size", "16"]
    status, err = run_cli(capsys, *base, "--device", "abacus", "--out", str(tmp_path / "a"))
    assert status == 2 and "unknown device 'abacus'" in err
    (tmp_path / "file").write_text("")
    status, err = run_cli(capsys, *base, "--out", str(tmp_path / "file" / "run"))  # a folder inside a file
    assert status == 2 and f"cannot write the run folder {tmp_path / 'file' / 'run'}" in err


def test_unknown_preprocess_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for command in (["train", "--out", str(tmp_path / "r")], ["data", "mnist"]):
        with pytest.raises(SystemExit):
            main([*command, "--preprocess", "photo"])
        assert "invalid choice: 'photo' (choose from 'auto', 'glyph', 'fit')" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# --- help written for a user ------------------------------------------------------------------------------------


def help_text(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    """What ``aevae COMMAND --help`` prints."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [(), ("train",), ("sweep",), ("data",), ("analyze",), ("explore",), ("export",)])
def test_help_speaks_to_a_user_not_about_the_code(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    shown = help_text(capsys, *command)
    flat = " ".join(shown.split())  # argparse wraps lines
    for internal in ("Config:", "config dataclasses", "MODEL_KINDS", "aevae.data", "load_dataset", "(default: None)",
                     "(default: )"):
        assert internal not in flat, (command, internal)


def test_train_help_groups_options_as_a_user_thinks_of_them(capsys: pytest.CaptureFixture[str]) -> None:
    shown = help_text(capsys, "train")
    titles = [line.rstrip(":") for line in shown.splitlines() if line and not line[0].isspace() and line.endswith(":")]
    assert titles[-3:] == ["Model", "Data", "Training"]
    flat = " ".join(shown.split())
    assert "--model {ae,vae,beta-vae,mmd-vae}" in flat and "--preprocess {auto,glyph,fit}" in flat  # choices listed
    assert "--latent D" in flat and "--data SPEC" in flat
    assert "(default: vae)" in flat and "(default: 4)" in flat  # defaults that mean something stay
    channels = flat.split("--channels N ", 1)[1].split("--width", 1)[0]
    assert "default:" not in channels  # taken from the data set: a fixed default would mislead
