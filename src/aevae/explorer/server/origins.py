"""Who may talk to the server: the Host a request names and the page (origin) it comes from.

Two attacks from other web sites, refused here as Jupyter and TensorBoard refuse them:

- DNS rebinding: a page on evil.example points its own name at 127.0.0.1 and then reads this server "same-origin".
  Its requests still say ``Host: evil.example``, so only Host names of the served address are answered.
- Cross-site requests: any page may send "simple" requests (GET, or POST of a form or text/plain) to localhost.
  API requests whose ``Origin`` is another site, or that the browser marks ``Sec-Fetch-Site: cross-site`` or
  ``same-site`` (another port of localhost is the same site), are refused unless that origin was allowed with
  ``--allow-origin``; the API's POSTs also require a JSON or image content type (see ``requests``), which a page can
  only send cross-origin after a CORS preflight that this server does not approve.

The page itself (``/``, ``/static``) may be opened from a link on any site; only the Host check applies to it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from aevae.errors import ConfigError

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
API_PREFIX = "/api/"
CORS_HEADERS = "content-type"  # request headers an allowed origin's page may send
CORS_METHODS = "GET, POST"
# A Host header as RFC 9110 (section 7.2) allows it: a bracketed IPv6 literal, or a name or IPv4 address of letters,
# digits, dots and hyphens; then at most one ":port". Anything else (userinfo "a@b", a name after "]", two ports)
# is refused, not passed to a URL parser that would read some host out of it.
HOST_HEADER = re.compile(r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9.-]+))(?::\d{0,5})?", re.ASCII)


def allowed_hosts(host: str) -> frozenset[str]:
    """The Host names (lower case, no port) that name the address ``host`` served on.

    Loopback names always; the address or name given; for a wildcard address also this machine's names (IP
    literals are accepted separately, see ``OriginGuard``: a rebinding page always sends a name of its own).
    """
    names = set(LOOPBACK_NAMES)
    if host in WILDCARDS:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    else:
        names.add(host.lower().strip("[]"))
    return frozenset(names)


def host_name(header: str) -> str | None:
    """The host named by a Host header, lower case, without port or brackets; None if the header is malformed."""
    match = HOST_HEADER.fullmatch(header.lower())
    if not match:
        return None
    if match["ip6"] is not None:
        return match["ip6"] if _is_ip(match["ip6"]) and ":" in match["ip6"] else None
    return match["name"] or None


def normalised_origin(origin: str) -> str:
    """An origin as scheme://host[:port], lower case, no path; ConfigError if it is not one."""
    try:
        parts = urlsplit(origin.strip().rstrip("/").lower())
        valid = parts.scheme in ("http", "https") and parts.hostname and not (parts.path or parts.query)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        valid = False
    if not valid:
        raise ConfigError(f"not an origin: {origin!r} (expected scheme://host[:port], e.g. https://example.org)")
    return f"{parts.scheme}://{parts.netloc}"


class OriginGuard:
    """ASGI middleware: answers 403 to a Host not naming the served address and to cross-origin API requests.

    ``host`` is the address served on (as given to ``--host``); ``allow_origins`` lists origins whose pages may call
    the API (they get CORS headers, and their Host names are accepted, as behind a reverse proxy).
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", allow_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.origins = frozenset(normalised_origin(o) for o in allow_origins)
        self.hosts = allowed_hosts(host) | {urlsplit(o).hostname for o in self.origins}
        self.any_ip = host in WILDCARDS  # listening on every address: a client may name any of them

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self.refusal(scope["path"], headers)
        if refusal:
            return await _send_json(send, 403, {"error": refusal})
        origin = headers.get("origin", "")
        cors = origin in self.origins and scope["path"].startswith(API_PREFIX)
        if cors and scope["method"] == "OPTIONS":  # the preflight of an allowed origin's POST
            return await _send_json(send, 204, None, _cors_headers(origin, preflight=True))
        if not cors:
            return await self.app(scope, receive, send)

        async def with_cors(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_cors_headers(origin)]}
            await send(message)

        await self.app(scope, receive, with_cors)

    def refusal(self, path: str, headers: dict[str, str]) -> str | None:
        """Why a request is refused, or None to serve it."""
        host = headers.get("host", "")
        name = host_name(host)
        if not name or not (name in self.hosts or (self.any_ip and _is_ip(name))):
            return (f"refused a request for Host {host!r}: this server answers only to "
                    f"{', '.join(sorted(self.hosts))} (a page elsewhere may be trying DNS rebinding)")
        if not path.startswith(API_PREFIX):
            return None
        origin = headers.get("origin")
        if origin is not None:
            if origin in self.origins or origin == f"http://{host.lower()}" or origin == f"https://{host.lower()}":
                return None
            return (f"refused a cross-origin API request from {origin}; to let pages there use the API, start "
                    f"the server with --allow-origin {origin}")
        if headers.get("sec-fetch-site", "none") in ("cross-site", "same-site"):
            return "refused an API request from another site (Sec-Fetch-Site); see aevae explore --allow-origin"
        return None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _cors_headers(origin: str, preflight: bool = False) -> list[tuple[bytes, bytes]]:
    headers = [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]
    if preflight:
        headers += [(b"access-control-allow-methods", CORS_METHODS.encode()),
                    (b"access-control-allow-headers", CORS_HEADERS.encode()),
                    (b"access-control-max-age", b"600")]
    return headers


async def _send_json(send: Any, status: int, body: dict | None, headers: list | None = None) -> None:
    content = b"" if body is None else json.dumps(body).encode()
    start_headers = [(b"content-length", str(len(content)).encode()), *(headers or [])]
    if body is not None:
        start_headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": content})
