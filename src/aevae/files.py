"""Atomic file writes, shared by every layer that saves something (data cache, run folders, reports)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)`` then rename the result over ``path``, so readers never see a partial file.

    The temporary file sits in the same folder (the rename cannot cross file systems), has a unique name
    (concurrent writers never collide) and is created plainly, so it gets the umask's permissions, not 0600.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb"):
            pass
        write(str(tmp))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
