"""How many connections the server keeps, for how long, and how it logs an error that repeats.

uvicorn keeps a connection open for as long as its client likes until it has sent a whole request: one that never
sends a byte, or stops halfway through its headers, stays forever. Thousands of them exhausted the process's file
descriptors; new requests then timed out, and asyncio's accept loop logged a traceback per try (about 2,000 a
second, 90 MB of console in 25 s). Here:

- a connection must complete a request's headers within REQUEST_START_S of opening or of its last answer (and any
  body the app left unread must be done by then), else it is closed;
- at most ``connection_cap()`` connections are open at once: a new one beyond it closes the longest-idle one (one
  waiting for a request), or itself when every connection is busy with a request;
- ``RepeatsOnce`` logs an error once in full, then only a count at 10, 100, 1,000, … repeats.

uvicorn's own settings cover the rest: ``timeout_keep_alive`` (5 s, its default) closes a connection that sends
nothing after an answer, and h11 refuses headers over 16 KiB (``h11_max_incomplete_event_size``'s default).
``limit_concurrency`` is not used: it counts idle connections too, so a few idle ones would make it answer 503.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    import resource
except ImportError:  # Windows: no RLIMIT_NOFILE to stay under
    resource = None  # type: ignore[assignment]

MAX_CONNECTIONS = 256  # open at once; a browser uses 6 per host, the benchmark's 50 clients one each
REQUEST_START_S = 10.0  # from opening (or the last answer) to a request's complete headers
KEEP_ALIVE_S = 5  # an answered connection that sends nothing more is closed after this (uvicorn's default)
QUIET_S = 60.0  # an error not seen for this long is logged in full again
LOGGERS = ("asyncio", "uvicorn.error", "aevae.explorer")  # whose repeated records are counted, not printed


def connection_cap() -> int:
    """Connections kept at once: MAX_CONNECTIONS, or a quarter of the process's file descriptor limit if lower, so
    the sockets never take the descriptors that files, threads and PyTorch need."""
    if resource is None:
        return MAX_CONNECTIONS
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else max(4, min(MAX_CONNECTIONS, soft // 4))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections that idle without a request and keeping at most
    ``connection_cap()`` open (see the module's docstring)."""

    idle_since: float | None = None  # loop time since which the connection waits for a request; None while busy
    idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:  # noqa: D102 (asyncio.Protocol's)
        super().connection_made(transport)
        self._wait_for_request()
        if len(self.connections) > connection_cap():
            idle = [c for c in self.connections if getattr(c, "idle_since", None) is not None and c is not self]
            (min(idle, key=lambda c: c.idle_since) if idle else self).close_idle()

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: D102
        self._busy()
        super().connection_lost(exc)

    def handle_events(self) -> None:  # noqa: D102
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers are complete: the app has it now
            self._busy()

    def on_response_complete(self) -> None:  # noqa: D102
        if not self.transport.is_closing():
            self._wait_for_request()  # before uvicorn starts a pipelined request, which makes it busy again
        super().on_response_complete()

    def close_idle(self) -> None:
        """Close the connection if it is still waiting for a request."""
        if self.idle_since is not None and not self.transport.is_closing():
            self.transport.close()
        self._busy()

    def _wait_for_request(self) -> None:
        self._busy()
        self.idle_since = self.loop.time()
        self.idle_timer = self.loop.call_later(REQUEST_START_S, self.close_idle)

    def _busy(self) -> None:
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        self.idle_since = self.idle_timer = None


class RepeatsOnce(logging.Filter):
    """Passes a log record the first time, then only at its 10th, 100th, 1,000th, … repeat, as one line with the
    count and no traceback; a record not seen for QUIET_S is new again. Records are the same when their logger,
    level, message template and exception type are."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[tuple, tuple[int, float, float]] = {}  # key -> (count, first time, last time)

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        exc_type = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, record.levelno, str(record.msg), exc_type)
        now = time.time()
        count, first, last = self.seen.get(key, (0, now, now))
        if now - last > QUIET_S:
            count, first = 0, now
        count += 1
        self.seen[key] = (count, first, now)
        if count == 1:
            return True
        if count != 10 ** (len(str(count)) - 1):  # not a power of ten
            return False
        message = record.getMessage().splitlines()[0]
        record.msg = (f"{message} [{exc_type + ', ' if exc_type else ''}{count:,} times since "
                      f"{time.strftime('%H:%M:%S', time.localtime(first))}; repeats are counted, logged at 10, 100, "
                      f"1,000, ... times]")
        record.args, record.exc_info, record.exc_text, record.stack_info = (), None, None, None
        return True


def install_repeat_filter() -> RepeatsOnce:
    """Count repeats of the server's loggers' records (LOGGERS) instead of printing each; returns the filter."""
    repeats = RepeatsOnce()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RepeatsOnce)]:
            logger.removeFilter(old)
        logger.addFilter(repeats)
    return repeats


def server_config(app: Any, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration the explorer runs with: the guarded protocol, KEEP_ALIVE_S, warnings and errors
    only, repeats counted (``options`` are passed on to ``uvicorn.Config``)."""
    config = uvicorn.Config(app, http=GuardedH11Protocol, timeout_keep_alive=KEEP_ALIVE_S, log_level="warning",
                            **options)
    install_repeat_filter()  # after uvicorn.Config, which configures the loggers
    return config
