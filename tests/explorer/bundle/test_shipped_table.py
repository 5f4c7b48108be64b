"""docs/analysis.md quotes the shipped pair's figures as ``python -m aevae.explorer.bundle.shipped_table`` prints
them from the shipped bundle: an older pair's numbers in the docs fail here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aevae.explorer.bundle.shipped_table import pair_table, shipped_table

DOCS = Path(__file__).resolve().parents[3] / "docs" / "analysis.md"


def test_the_docs_quote_the_tables_the_command_prints_from_the_shipped_bundle() -> None:
    printed = subprocess.run([sys.executable, "-m", "aevae.explorer.bundle.shipped_table"], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert printed == shipped_table()
    docs = DOCS.read_text(encoding="utf-8")
    for table in printed.split("\n\n"):
        assert table in docs, table.splitlines()[0]


def test_the_table_shows_each_models_own_numbers() -> None:
    ae = {"latent_dim": 3, "metrics": {"bce_nats_per_image": 101.234}, "organisation": {"knn5_accuracy": 0.5},
          "info": {}, "prior": {"plausible_fraction": 0.25}}
    vae = {"latent_dim": 3, "metrics": {"bce_nats_per_image": 99.5, "kl_bits_per_image": 7.0}, "organisation": {},
           "info": {}, "prior": {"plausible_fraction": 0.75, "real_plausible_fraction": 0.9}}
    table = pair_table(ae, vae)
    assert "| AE (d = 3) | VAE (d = 3) |" in table and "| 101.23 | 99.50 |" in table
    assert "| 50.0 % | – |" in table and "| 25.0 % | 75.0 % |" in table and "real test images: 90.0 %" in table
