"""``aevae explore`` and ``aevae article``: bind a port, print the URL, open the browser and serve the explorer and
the article until Ctrl-C."""

from __future__ import annotations

import errno
import socket
import threading
import webbrowser
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from aevae.explorer.bundle import shipped_bundle_bytes
from aevae.explorer.bundle.companions import shipped_companions, with_companions
from aevae.explorer.server.app import create_app

DEFAULT_PORT = 8765  # tried first when no port is given; a free one is picked if it is taken


def bundle_bytes(ae: Path | None = None, vae: Path | None = None) -> bytes:
    """The bundle to serve: the shipped models, with the slots given as run folders replaced by those runs, and the
    shipped companion runs (``aevae.explorer.bundle.companions``) while the VAE is the shipped one."""
    from aevae.explorer.bundle import Bundle

    shipped = Bundle.from_bytes(shipped_bundle_bytes())  # no torch, no analysis: milliseconds
    if ae is None and vae is None:
        bundle = shipped
    else:
        from aevae.explorer.bundle.from_runs import build_bundle  # imports torch to check the runs' weights

        bundle = build_bundle({"ae": ae, "vae": vae}, shipped)
    return with_companions(bundle, shipped_companions() if vae is None else {}).to_bytes()


def bind(host: str, port: int | None) -> socket.socket:
    """A listening TCP socket; ``port`` None tries DEFAULT_PORT, then any free port; 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in ([DEFAULT_PORT, 0] if port is None else [port]):
        # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets whose protocol says TCP, and
        # without it Nagle's algorithm held each answer's body until the client's delayed ACK, 40 ms later.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE and port is None:
                continue
            raise
        sock.listen(128)
        return sock
    raise OSError("no free port")  # unreachable: port 0 always binds


def url_of(sock: socket.socket) -> str:
    """The page's URL for a bound socket (a wildcard address is shown as loopback)."""
    host, port = sock.getsockname()[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def open_page(url: str) -> bool:
    """Open ``url`` in the user's browser; where none can be opened (a server, a container), say so and repeat
    the URL, so the user knows what to open and the command does not seem to hang."""
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:  # raised, not returned, by some launchers that cannot start
        opened = False
    if not opened:
        print(f"No browser could be opened here; open {url} in a browser yourself (Ctrl-C to stop).", flush=True)
    return opened


def serve(ae: Path | None = None, vae: Path | None = None, host: str = "127.0.0.1", port: int | None = None,
          open_browser: bool = True, allow_origins: Sequence[str] = (), page: str = "") -> int:
    """Serve the explorer and the article for two run folders (or the shipped models) until interrupted; returns
    an exit code.

    ``allow_origins``: origins (scheme://host[:port]) whose pages may call the API; every other site is refused.
    ``page``: the path printed and opened: "" the explorer, "article" the article.
    """
    # One PyTorch thread per request: a request decodes a handful of latents and concurrent requests already use the
    # cores; several OpenMP threads per request fought over them (a single decode took 26 ms with two threads on a
    # busy 2-core machine, 1.4 ms with one). This is the server's own process, so the setting is its to make.
    app = create_app(bundle_bytes(ae, vae), torch_threads=1, host=host, allow_origins=allow_origins)
    sock = bind(host, port)
    url = url_of(sock) + page
    print(f"aevae {page or 'explorer'} at {url}  (Ctrl-C to stop)", flush=True)
    if open_browser:  # in a thread: some browsers' launchers block until the window closes
        threading.Thread(target=open_page, args=(url,), daemon=True).start()
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    return 0
