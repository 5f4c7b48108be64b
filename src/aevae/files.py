"""Atomic file writes, shared by every layer that saves something (data cache, run folders, reports)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


TEMPORARY_SUFFIX = ".tmp"


def is_temporary(path: Path) -> bool:
    """True for a temporary file ``atomic_write`` left behind when its process was killed mid-write."""
    return Path(path).name.startswith(".") and Path(path).name.endswith(TEMPORARY_SUFFIX) and Path(path).is_file()


def atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)`` then rename the result over ``path``, so readers never see a partial file.

    The temporary file sits in the same folder (the rename cannot cross file systems) and has a unique name
    (concurrent writers never collide). Every file written here gets the permissions of a plainly created file (the
    umask's, usually 0644), whatever ``write`` does: some writers (safetensors) replace the file with their own
    0600 one.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}")
    try:
        with open(tmp, "xb"):
            pass
        mode = os.stat(tmp).st_mode & 0o777  # what open() gave it under this process's umask
        write(str(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
