"""Uploaded image files decoded in worker processes of the server's own, so no decoder stalls it or holds its memory.

In a worker thread, Pillow's PNG and WebP decoders held the interpreter lock for 100-200 ms at a time on a 4096²
upload, and every other request (the event loop included) waited; the decoded frame (up to 64 MiB) sat in the
server's memory. Here each upload is decoded by ``python -m aevae.explorer.server.decoder``, one of
``DecoderPool``'s processes, limited to WORKER_MEMORY of address space (a decoder that wants more fails there with
413, not in the server), and only the prepared model input (a few KB) comes back.

The pipe carries no pickles, only a JSON header and raw bytes each way: the parent sends a 4-byte big-endian
length, a header ``{"layout": [preprocess, side, channels], "size": n}`` and n bytes of file; the worker answers
with a length, a header ``{"shape": [...]}`` followed by the image as float32, or ``{"status": s, "error": text}``.
A worker ends when its standard input closes, so none outlives the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import aevae
from aevae.explorer.server.requests import ApiError, image_from_file

WORKER_MEMORY = 2**30  # address space of a worker (RLIMIT_AS): about 170 MiB of it is Python, NumPy and Pillow


def _send(stream: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    text = json.dumps(header).encode()
    stream.write(len(text).to_bytes(4, "big") + text + payload)
    stream.flush()


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError(f"the pipe closed after {len(data)} of {n} bytes")
    return data


def _receive(stream: BinaryIO) -> dict[str, Any]:
    return json.loads(_read_exactly(stream, int.from_bytes(_read_exactly(stream, 4), "big")))


def _limit_memory() -> None:
    """Run in the worker before it starts: its address space is WORKER_MEMORY at most."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))


class _Worker:
    """One decoder process and its pipes."""

    def __init__(self) -> None:
        # The aevae this server runs, found first, however it was put on the path (installed, PYTHONPATH, sys.path).
        path = os.pathsep.join(filter(None, [str(Path(aevae.__file__).parents[1]), os.environ.get("PYTHONPATH")]))
        self.proc = subprocess.Popen([sys.executable, "-m", "aevae.explorer.server.decoder"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path,
                                                                  "OMP_NUM_THREADS": "1"},
                                     preexec_fn=_limit_memory if sys.platform != "win32" else None)

    def decode(self, data: bytes, layout: tuple[str, int, int]) -> np.ndarray:
        _send(self.proc.stdin, {"layout": list(layout), "size": len(data)}, data)
        answer = _receive(self.proc.stdout)
        if "error" in answer:
            if answer["status"] >= 500:
                raise RuntimeError(f"the image decoder failed: {answer['error']}")
            raise ApiError(answer["status"], answer["error"])
        shape = tuple(answer["shape"])
        pixels = bytearray(_read_exactly(self.proc.stdout, 4 * int(np.prod(shape))))  # writable, as PyTorch wants
        return np.frombuffer(pixels, np.float32).reshape(shape)

    def close(self) -> None:
        """End the process and close its pipes."""
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):  # a request half written to a dead process cannot be flushed
                pipe.close()


class DecoderPool:
    """``size`` decoder processes, started together on first use; ``decode`` blocks (call it from a worker thread) and
    returns ``image_from_file(data, layout)`` as computed in one of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self.started = 0
        self.lock = threading.Lock()

    def decode(self, data: bytes, layout: tuple[str, int, int]) -> np.ndarray:
        """The model input of an uploaded file (see ``requests.image_from_file``); ApiError for a bad file."""
        worker = self._take()
        try:
            return worker.decode(data, layout)
        except (OSError, EOFError, ValueError):  # the process died: killed for memory, or crashed in a decoder
            worker.close()
            with self.lock:
                self.started -= 1
            worker = None
            raise ApiError(422, "the image decoder stopped on this file (it may be damaged, or need more memory "
                                f"than the {WORKER_MEMORY // 2**20:,} MiB a decode may use)") from None
        finally:
            if worker is not None:  # it answered, an image or a refusal: ready for the next file
                self.idle.put(worker)

    def close(self) -> None:
        """End the idle processes (a busy one ends when its decode is done and its pipe closes with the server)."""
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return

    def _take(self) -> _Worker:
        with self.lock:  # all missing ones at once: each imports for a second or two, side by side, not in turn
            while self.started < self.size:
                self.started += 1
                self.idle.put(_Worker())
        return self.idle.get()


def main() -> None:
    """The worker: decode files from standard input until it closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by a library may reach the pipe
    while True:
        try:
            request = _receive(stdin)
        except EOFError:
            return
        data = _read_exactly(stdin, request["size"])
        try:
            image = image_from_file(data, tuple(request["layout"])).astype(np.float32)
        except ApiError as exc:
            _send(stdout, {"status": exc.status, "error": exc.message})
        except MemoryError:
            _send(stdout, {"status": 413, "error": f"decoding this image needs more than the "
                                                   f"{WORKER_MEMORY // 2**20:,} MiB a decode may use"})
        except Exception as exc:  # a fault of ours: the server logs it as a 500
            _send(stdout, {"status": 500, "error": f"{type(exc).__name__}: {exc}"})
        else:
            _send(stdout, {"shape": list(image.shape)}, image.tobytes())


if __name__ == "__main__":
    main()
