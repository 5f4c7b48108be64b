"""The server's connections: idle ones closed, at most a cap kept open, repeated errors logged once with a count.

Each test runs the real ``aevae explore`` in a process of its own on a loopback port, with a small file descriptor
limit where that is the point, and opens a bounded number of sockets to it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx

from aevae.explorer.server import connections
from aevae.explorer.server.connections import RepeatsOnce

# The server's REQUEST_START_S, shortened for the test through a wrapper that sets it before serving.
SERVE = """
import sys
from aevae.explorer.server import connections
connections.REQUEST_START_S = float(sys.argv[1])
from aevae.cli import main
sys.exit(main(["explore", "--no-browser", "--port", "0"]))
"""


@contextlib.contextmanager
def explorer(request_start_s: float = 10.0, max_files: int | None = None) -> Iterator[tuple[str, int, list[str]]]:
    """``aevae explore`` in its own process (at most ``max_files`` descriptors if given); yields its host, port and
    a list that holds its console's error output once the block ends."""
    def limit() -> None:
        if max_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max_files, max_files))

    console: list[str] = []
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, str(request_start_s)], stdout=subprocess.PIPE,
                                stderr=err, text=True, preexec_fn=limit)
        try:
            host, port = re.search(r"http://([\d.]+):(\d+)/", proc.stdout.readline()).groups()
            yield host, int(port), console
        finally:
            proc.kill()
            proc.wait(10)
            err.seek(0)
            console.append(err.read().decode(errors="replace"))


def closed_by_server(sock: socket.socket, wait_s: float) -> bool:
    """True if the server closes ``sock`` within ``wait_s`` seconds (anything it sends before is read and dropped)."""
    deadline = time.monotonic() + wait_s
    try:
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            if sock.recv(65536) == b"":
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return False


def test_connections_that_send_no_whole_request_are_closed() -> None:
    with explorer(request_start_s=1.0) as (host, port, _):
        silent = socket.create_connection((host, port))
        partial = socket.create_connection((host, port))
        partial.sendall(f"GET /api/models HTTP/1.1\r\nHost: {host}\r\n".encode())  # the headers never end
        answered = socket.create_connection((host, port))
        answered.sendall(f"GET /api/models HTTP/1.1\r\nHost: {host}\r\n\r\nGET /api/mod".encode())  # then half
        with silent, partial, answered:
            assert answered.recv(12) == b"HTTP/1.1 200"
            for sock in (silent, partial, answered):
                assert closed_by_server(sock, 15), "a connection without a whole request was kept open"


def test_connections_beyond_the_cap_close_idle_ones_and_requests_still_work() -> None:
    # With 64 descriptors the cap is 16 connections. 100 idle sockets exhausted the descriptors: requests timed out
    # and the console filled with a traceback per accept try. Now the longest idle ones are closed instead.
    with explorer(max_files=64) as (host, port, console):
        idle = []
        for _ in range(100):
            idle.append(socket.create_connection((host, port), timeout=5))
            time.sleep(0.005)  # in order, so the oldest are the ones closed
        try:
            for _ in range(3):
                assert httpx.get(f"http://{host}:{port}/api/models", timeout=10).status_code == 200
            open_now = [sock for sock in idle if not closed_by_server(sock, 0.05)]
            assert 0 < len(open_now) <= 16, len(open_now)
            assert set(open_now) <= set(idle[-16:])  # the longest idle were closed, the newest kept
        finally:
            for sock in idle:
                sock.close()
    assert "Too many open files" not in console[0] and len(console[0]) < 2000, console[0][:2000]


def test_a_repeated_error_is_logged_once_then_counted() -> None:
    with explorer() as (host, port, console):
        for _ in range(25):  # each is refused by uvicorn with 400 and a warning on the console
            with socket.create_connection((host, port), timeout=10) as sock:
                sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                assert sock.recv(12) == b"HTTP/1.1 400"
        assert httpx.get(f"http://{host}:{port}/api/models", timeout=10).status_code == 200
    lines = [line for line in console[0].splitlines() if "Invalid HTTP request" in line]
    assert len(lines) == 2 and "10 times since" in lines[1], console[0][:2000]


def test_repeats_are_counted_at_powers_of_ten_and_forgotten_after_a_quiet_spell(monkeypatch) -> None:
    logger = logging.getLogger("aevae.test-repeats")
    logger.propagate = False
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append
    logger.addHandler(handler)
    logger.addFilter(RepeatsOnce())
    for i in range(1000):
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            logger.exception("accept failed on socket %d", 3)
    assert [r.getMessage().split(" [")[0] for r in seen] == ["accept failed on socket 3"] * 4
    assert seen[0].exc_info and not seen[1].exc_info
    assert [re.search(r"([\d,]+) times", r.getMessage()).group(1) for r in seen[1:]] == ["10", "100", "1,000"]
    monkeypatch.setattr(connections, "QUIET_S", -1.0)  # every record now comes after a quiet spell
    logger.error("accept failed on socket %d", 3)
    assert len(seen) == 5 and "times" not in seen[-1].getMessage()
