"""Atomic file writes, shared by every layer that saves something (data cache, run folders, reports)."""

from __future__ import annotations

import errno
import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from aevae.errors import AevaeError

TEMPORARY_SUFFIX = ".tmp"
# What a write gets when the file system has no room for it: the disk (ENOSPC), the user's quota (EDQUOT) or the
# process's file-size limit (EFBIG, `ulimit -f`).
NO_ROOM = {errno.ENOSPC: "no space is left on the disk", errno.EDQUOT: "the disk quota is used up",
           errno.EFBIG: "the file is larger than this process may write (ulimit -f)"}


class NoRoomError(AevaeError, OSError):
    """A file could not be written because its file system had no room for it; the message names the file, the
    space it needs and the space there is. The temporary file is removed and the file's earlier version kept."""

    def __init__(self, path: Path, reason: str, size: int | None) -> None:
        free = _free_bytes(Path(path).parent)
        need = f"it needs about {_megabytes(size)}" if size is not None else "its size is unknown"
        there = f", {_megabytes(free)} free there" if free is not None else ""
        super().__init__(f"could not write {path}: {reason} ({need}{there}); any earlier version of it is unchanged")
        self.path, self.size, self.free = Path(path), size, free


def is_temporary(path: Path) -> bool:
    """True for a temporary file ``atomic_write`` left behind when its process was killed mid-write."""
    return Path(path).name.startswith(".") and Path(path).name.endswith(TEMPORARY_SUFFIX) and Path(path).is_file()


def atomic_write(path: Path, write: Callable[[str], object], size: int | None = None) -> None:
    """Call ``write(tmp_path)`` then rename the result over ``path``, so readers never see a partial file.

    The temporary file sits in the same folder (the rename cannot cross file systems) and has a unique name
    (concurrent writers never collide). Every file written here gets the permissions of a plainly created file (the
    umask's, usually 0644), whatever ``write`` does: some writers (safetensors) replace the file with their own
    0600 one.

    A file system without room for it (full disk, quota, file-size limit) raises NoRoomError naming ``path`` and the
    ``size`` in bytes it needs (when the caller knows it), after the temporary file is removed.
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
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        reason = NO_ROOM.get(_errno(exc))
        if reason is not None:
            raise NoRoomError(path, reason, size) from None
        raise


def _errno(exc: BaseException) -> int | None:
    """The OS error number behind ``exc``: an OSError's own, or the "(os error N)" that Rust writers such as
    safetensors put in their messages."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    found = re.search(r"\(os error (\d+)\)", str(exc))
    return int(found.group(1)) if found else None


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.2f} MB ({n:,} bytes)"
