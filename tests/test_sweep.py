"""The sweep: trains and analyses a tiny grid, writes one table with units and the claims, resumes safely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aevae.analysis import ANALYSIS
from aevae.cli import main


def sweep_args(folder: Path, out: Path, epochs: int = 1) -> list[str]:
    return ["sweep", "--models", "ae", "vae", "--latents", "2", "4", "--epochs", str(epochs), "--data",
            f"folder:{folder}", "--width", "8", "--hidden", "32", "--batch-size", "16", "--threads", "1",
            "--out", str(out)]


def test_sweep_trains_analyses_and_tabulates_the_grid(tiny_folder: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sweep"
    assert main(sweep_args(tiny_folder, out)) == 0
    for name in ("ae-d2", "ae-d4", "vae-d2", "vae-d4"):
        assert (out / name / ANALYSIS).is_file()
    data = json.loads((out / "sweep.json").read_text())
    assert [(r["model"], r["d"]) for r in data["rows"]] == [("ae", 2), ("ae", 4), ("vae", 2), ("vae", 4)]
    assert all(r["kl_bits_per_image"] is None for r in data["rows"][:2])
    assert all(r["kl_bits_per_image"] > 0 for r in data["rows"][2:])
    assert [c["verdict"] in ("agrees", "disagrees") for c in data["claims"]] == [True] * 3
    table = (out / "sweep.md").read_text()
    for header in ("BCE (nats/image)", "MSE (/pixel)", "KL (bits/image)", "−ELBO (nats/image)", "active units",
                   "k-NN(5) accuracy", "k-means NMI", "mean ‖z‖", "prior samples plausible"):
        assert header in table
    assert table.count("\n| ae |") == 2 and table.count("\n| vae |") == 2
    for kind in ("ae", "vae"):  # each kind along d: a family table, one row per latent size, and its figures
        family = json.loads((out / f"{kind}-along-d" / "family.json").read_text())
        assert family["axis"] == "latent_dim" and [r["latent_dim"] for r in family["rows"]] == [2, 4]
        assert (out / f"{kind}-along-d" / "family.md").read_text().count(f"| {kind} |") == 2
        assert (out / f"{kind}-along-d" / "family_bce.png").is_file()
    assert (out / "vae-along-d" / "family_kl.png").is_file() and not (out / "ae-along-d" / "family_kl.png").exists()
    capsys.readouterr()

    assert main(sweep_args(tiny_folder, out)) == 0  # a second run reuses every trained point
    assert capsys.readouterr().out.count("already trained") == 4
    more_threads = sweep_args(tiny_folder, out)
    more_threads[more_threads.index("--threads") + 1] = "2"  # the thread count sets speed only: still the same points
    assert main(more_threads) == 0 and capsys.readouterr().out.count("already trained") == 4

    assert main(sweep_args(tiny_folder, out, epochs=2)) == 2  # other settings: refused, not overwritten
    assert "other settings" in capsys.readouterr().err
