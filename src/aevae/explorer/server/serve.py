"""``aevae explore`` and ``aevae article``: bind a port, print the URL, open the browser and serve the explorer and
the article until Ctrl-C."""

from __future__ import annotations

import errno
import socket
import threading
import webbrowser
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from aevae.errors import AevaeError
from aevae.explorer.bundle import shipped_bundle_bytes
from aevae.explorer.bundle.companions import shipped_companions, with_companions
from aevae.explorer.server.app import create_app
from aevae.explorer.server.connections import server_config

DEFAULT_PORT = 8765  # tried first when no port is given; a free one is picked if it is taken


class ServeError(AevaeError, OSError):
    """The server cannot listen where it was asked to (a port taken or not allowed, an unknown address)."""


def bundle_bytes(ae: Path | None = None, vae: Path | None = None, family: Sequence[Path] = ()) -> bytes:
    """The bundle to serve: the shipped models, with the slots given as run folders replaced by those runs, and the
    shipped companion runs (``aevae.explorer.bundle.companions``) while the VAE is the shipped one.

    ``family``: run folders, or folders of runs, that make a family for the slider (``aevae.runs.family``), in
    place of the shipped one. Where neither slot is given and the family was trained on other data than the shipped
    models, its first and last members fill the slots, so the gallery shows the family's own images.
    """
    from aevae.explorer.bundle import Bundle

    shipped = Bundle.from_bytes(shipped_bundle_bytes())  # no torch, no analysis: milliseconds
    if family:
        from aevae.runs.family import family_of

        members = family_of(list(family)).members
        shipped_data = shipped.model("vae")["config"]["train"]["data"]
        if ae is None and vae is None and members[0].config.train.data != shipped_data:
            ae, vae = members[0].run, members[-1].run
    if ae is None and vae is None:
        bundle = shipped
    else:
        from aevae.explorer.bundle.from_runs import build_bundle  # imports torch to check the runs' weights

        bundle = build_bundle({"ae": ae, "vae": vae}, shipped)
    if family:
        from aevae.explorer.bundle.family import with_family

        bundle = with_family(bundle, list(family))
    return with_companions(bundle, shipped_companions() if vae is None else {}).to_bytes()


def bind(host: str, port: int | None) -> socket.socket:
    """A listening TCP socket; ``port`` None tries DEFAULT_PORT, then any free port; 0 picks a free port. ServeError
    says why none could be bound."""
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
            raise ServeError(f"cannot listen on {host}:{candidate} ({exc.strerror or exc})") from None
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
          open_browser: bool = True, allow_origins: Sequence[str] = (), page: str = "",
          own: tuple[bytes, Mapping[str, Any]] | None = None, torch_threads: int | None = 1,
          family: Sequence[Path] = ()) -> int:
    """Serve the explorer and the article for two run folders (or the shipped models) until interrupted; returns
    an exit code.

    ``allow_origins``: origins (scheme://host[:port]) whose pages may call the API; every other site is refused.
    ``page``: the path printed and opened: "" the explorer, "article" the article.
    ``family``: run folders (or folders of runs) whose models the page's slider moves through.
    ``own``: instead of run folders, the bundle of a user's own models and those models by slot, whose decoding the
    page asks of this server (``aevae.explorer.bundle.own_model``). ``torch_threads``: see below; None leaves
    PyTorch's setting alone (``explore`` runs inside the user's own process).
    """
    # One PyTorch thread per request: a request decodes a handful of latents and concurrent requests already use the
    # cores; several OpenMP threads per request fought over them (a single decode took 26 ms with two threads on a
    # busy 2-core machine, 1.4 ms with one). This is the server's own process, so the setting is its to make.
    app = create_app(own[0] if own else bundle_bytes(ae, vae, family), torch_threads=torch_threads, host=host,
                     allow_origins=allow_origins, own_models=own[1] if own else None)
    sock = bind(host, port)
    url = url_of(sock) + page
    print(f"aevae {page or 'explorer'} at {url}  (Ctrl-C to stop)", flush=True)
    if open_browser:  # in a thread: some browsers' launchers block until the window closes
        threading.Thread(target=open_page, args=(url,), daemon=True).start()
    uvicorn.Server(server_config(app)).run(sockets=[sock])
    return 0


def explore(model: Any, images: Any, labels: Any = None, *, output: str | None = None,
            input_range: tuple[float, float] | None = None, host: str = "127.0.0.1",
            port: int | None = None, open_browser: bool = True) -> int:
    """Serve the explorer on your own model and images until Ctrl-C (``aevae.explore``); returns an exit code.

    ``model``: a ``torch.nn.Module`` with ``encode(x) -> mu`` or ``(mu, logvar)`` and ``decode(z) -> images``, a
    pair of callables ``(encode, decode)``, or ``{"ae": model, "vae": model}`` for two side by side; ``images``:
    (N, C, S, S) or (N, S, S), C = 1 or 3, floats in [0, 1] or uint8; ``labels``: (N,) or None; ``output``:
    "probabilities" (decode returns pixels in [0, 1]), "logits" or "tanh" (pixels in [-1, 1]), found from the first
    decodings when None; ``input_range``: (0, 1) or (-1, 1), the pixels encode expects. See docs/own-model.md.
    """
    from aevae.explorer.bundle.own_model import own_model_bundle  # imports torch

    bundle, models = own_model_bundle(model, images, labels, output=output, progress=True, input_range=input_range)
    return serve(host=host, port=port, open_browser=open_browser, own=(bundle.to_bytes(), models), torch_threads=None)
