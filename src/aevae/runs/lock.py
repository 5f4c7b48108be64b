"""One writer per run folder: an exclusive lock that a process holds while it writes a run folder.

The lock is the operating system's (``flock`` on ``RUN_DIR/.writer.lock``), so it goes when its process goes, however
that process ends: a SIGKILL or a power cut never leaves a stale lock behind to be cleared by hand. The file itself
stays (removing it would let a third process lock a new file while a second still holds the old one) and holds the
process id of the last writer, which a refused writer names. On systems without ``flock`` (Windows) no lock is
taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aevae.errors import RunError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK = ".writer.lock"


class RunBusyError(RunError):
    """Another live process is writing the run folder."""


@contextmanager
def writing(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir``'s writer lock for the duration of the block; another process holding it raises
    RunBusyError naming that process. ``run_dir`` must exist."""
    path = Path(run_dir) / LOCK
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise RunError(f"cannot write the run folder {run_dir} ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise RunBusyError(f"{run_dir} is being written by {who} (an aevae train, or an aevae analyze of it); "
                               f"one process at a time may write a run folder: wait for it to end, or stop it "
                               f"first{f' (kill {holder})' if holder.isdigit() else ''}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
