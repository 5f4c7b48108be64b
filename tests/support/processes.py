"""The processes a test started, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def worker_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux: /proc/PID/task/PID/children), without the multiprocessing helper."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if "resource_tracker" not in Path(f"/proc/{c}/cmdline").read_text()]
