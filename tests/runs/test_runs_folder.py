"""Odd run folders and odd data specs: each refused with a message naming the file and what is wrong with it, never a
traceback and never silent defaults (issue 21, item 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aevae.cli import main
from aevae.runs import CONFIG, METRICS, WEIGHTS, RunError, check_trained, load_config, load_model
from aevae.training.trainer import train
from support.tiny_runs import train_tiny_run


@pytest.fixture
def run(tiny_folder: Path, tmp_path: Path) -> Path:
    return train_tiny_run(tiny_folder, tmp_path / "run", "ae", 2)


def test_weights_that_are_a_folder_are_named_on_resume_and_load(run: Path) -> None:
    (run / WEIGHTS).unlink()
    (run / WEIGHTS).mkdir()
    for attempt in (lambda: train(None, run, resume=True, progress_bar=False), lambda: load_model(run),
                    lambda: check_trained(run)):
        with pytest.raises(RunError, match=f"{run / WEIGHTS} is a folder, but a run keeps a file"):
            attempt()
    assert (run / WEIGHTS).is_dir()  # left as it was


def test_a_config_without_its_model_section_is_refused_not_defaulted(run: Path) -> None:
    saved = json.loads((run / CONFIG).read_text())
    del saved["model"]
    (run / CONFIG).write_text(json.dumps(saved))
    with pytest.raises(RunError, match=f"{run / CONFIG} has no 'model' section"):
        load_config(run)
    saved["model"], saved["train"] = {"kind": "ae"}, "fast"  # a section that is not an object
    (run / CONFIG).write_text(json.dumps(saved))
    with pytest.raises(RunError, match="has no 'train' section"):
        load_config(run)


@pytest.mark.parametrize("history, words", [
    ("x", "its history is str, not a list of epochs"),
    ({"1": {}}, "its history is dict"),
    ([{"epoch": 2, "test": {}}], "entry 1 of its history is not the record of epoch 1"),
    ([{"epoch": 1}], "the record of epoch 1 has no test metrics"),
])
def test_a_malformed_history_is_named_not_counted(run: Path, history: object, words: str) -> None:
    metrics = json.loads((run / METRICS).read_text())
    (run / METRICS).write_text(json.dumps({**metrics, "history": history}))
    with pytest.raises(RunError, match=f"{run / METRICS} is malformed: {words}"):
        check_trained(run)
    train(None, run, resume=True, progress_bar=False)  # what the message offers: rebuilt from the checkpoint
    assert json.loads((run / METRICS).read_text())["history"] == metrics["history"]
    check_trained(run)


def test_a_file_given_as_data_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "passwd"
    notes.write_text("root:x:0:0:root:/root:/bin/bash\n")
    for spec in (str(notes), f"folder:{notes}"):
        assert main(["train", "--data", spec, "--epochs", "1", "--out", str(tmp_path / "run")]) == 2
        err = capsys.readouterr().err
        assert f"{notes} is a file, not a data set" in err and "does not exist" not in err
    assert not (tmp_path / "run").exists()
