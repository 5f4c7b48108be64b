"""Where downloaded data lives on this machine, and atomic, pickle-free reading and writing of its .npz files."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import platformdirs

from aevae.data.imageset import DataError
from aevae.files import atomic_write

ENV_VAR = "AEVAE_DATA"  # overrides the folder, e.g. to share one copy of MNIST between users or CI jobs


def data_dir() -> Path:
    """The folder for downloaded data: $AEVAE_DATA, else the user cache folder's aevae/data."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("aevae")) / "data"


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to a compressed .npz atomically, so a crash never leaves a half-written cache behind."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)

    atomic_write(path, write)


def load_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read the named arrays from an .npz without unpickling; a missing key or damaged file is a DataError."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in keys if k not in npz.files]
            if missing:
                raise DataError(f"{path}: missing arrays {missing} (has {npz.files}); delete it to rebuild it")
            return {k: npz[k] for k in keys}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"{path}: unreadable .npz ({e}); delete it to rebuild it") from e
