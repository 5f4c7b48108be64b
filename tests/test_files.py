"""Atomic writes: every file aevae saves gets the same permissions, whatever wrote it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import torch
from safetensors.torch import save_file

from aevae.files import atomic_write, is_temporary


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_safetensors_and_text_files_get_the_same_permissions(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("made by open()")
    atomic_write(tmp_path / "a.json", lambda tmp: Path(tmp).write_text("{}"))
    atomic_write(tmp_path / "w.safetensors", lambda tmp: save_file({"w": torch.zeros(2)}, tmp))
    assert mode(tmp_path / "a.json") == mode(tmp_path / "w.safetensors") == mode(plain)
    assert not [p for p in tmp_path.iterdir() if is_temporary(p)]


def test_every_file_of_a_run_folder_has_one_mode(analysed_runs: dict[str, Path]) -> None:
    run = analysed_runs["vae"]
    modes = {p.name: mode(p) for p in run.iterdir()}
    assert {"config.json", "model.safetensors", "metrics.json", "checkpoint.safetensors",
            "analysis.safetensors"} <= modes.keys()
    assert len(set(modes.values())) == 1, modes
