"""Fixtures the explorer's tests share: the tiny analysed pair and its bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from aevae.explorer.bundle.format import Bundle
from aevae.explorer.bundle.from_runs import build_bundle


@pytest.fixture(scope="module")
def runs(analysed_runs: dict[str, Path]) -> dict[str, Path]:
    """A tiny trained and analysed AE (d = 3) and VAE (d = 2)."""
    return analysed_runs


@pytest.fixture(scope="module")
def bundle(runs: dict[str, Path]) -> Bundle:
    """The explorer's bundle of that tiny pair."""
    return build_bundle(runs, progress=False)
