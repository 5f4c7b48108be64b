"""The explorer's web app (Starlette): the page, its static files, the bundle and the JSON API.

Routes
    GET  /                              the page (static/index.html)
    GET  /article                       the article around the same models (static/article.html)
    GET  /static/{file}                 the page's ES modules and stylesheet; nothing outside static/ is served
    GET  /api/bundle                    the bundle the page runs on (safetensors bytes, see aevae.explorer.bundle)
    GET  /api/models                    metadata of both models
    GET  /api/models/{name}             metadata of one model ("ae" or "vae")
    POST /api/models/{name}/encode      an image -> its latent (mu, and sigma for VAEs) and the image prepared the
                                        model's way (its preprocessing, size and channels: (S, S) or (3, S, S));
                                        for a user's own model also "bce", its reconstruction error (nats/image)
    POST /api/models/{name}/decode      latent(s) -> image(s) in [0, 1], (B, S, S) or (B, 3, S, S) for a colour
                                        model, as JSON or raw bytes; the latents as JSON or raw float32 bytes

Errors are JSON ``{"error": message}``: 4xx for what a client sent (``requests``), 403 for other web sites
(``origins``), 408 (and the connection closed) for a body that does not arrive in time, 503 while the encode slots
or the room for bodies are taken, and 500, logged, for anything unexpected; the connection stays open after each
other answer. PyTorch is imported on the first encode or decode, in a worker thread, so the page (which decodes
in the browser) never waits for it. Parsing, PyTorch and writing answers all run in worker threads, and uploaded image
files are decoded in processes of their own (``decoder``): the event loop only moves bytes, so one client's
256-latent batch or 4096² upload never stalls another's metadata request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aevae.explorer.bundle import SLOTS, Bundle
from aevae.explorer.bundle.format import input_layout
from aevae.explorer.server.answers import BINARY_DTYPES, BINARY_TYPE, decode_json, encode_json, pixels_binary
from aevae.explorer.server.decoder import DecoderPool
from aevae.explorer.server.origins import OriginGuard, normalised_origin
from aevae.explorer.server.requests import (
    FILE_TYPES,
    JSON_TYPE,
    MAX_BODY_BYTES,
    MAX_LATENTS,
    ApiError,
    content_type,
    decode_body_limit,
    image_from_pixels,
    latents_from_bytes,
    parse_json,
    parse_latents,
    require_json,
)
from aevae.explorer.web import STATIC

# Encodes at once. Each may hold one decoded upload (up to 64 MiB for 16 Mpx of RGBA) while it is reduced; more
# waiting requests would only add memory, not speed, on a machine whose cores the encodes already use. A slot is
# taken once the body has arrived, so a client that sends slowly (or never finishes) holds none.
MAX_ENCODES = 2
ENCODE_WAIT_S = 5.0  # an encode waits this long for a free slot, then gets 503 and Retry-After
# A body must arrive within BODY_GRACE_S plus its length at MIN_BODY_RATE (8 MiB: 10 s + 84 s), else 408 and the
# connection is closed. 100 kB/s is a slow mobile uplink; on loopback a body takes milliseconds.
BODY_GRACE_S = 10.0
MIN_BODY_RATE = 100_000  # bytes/s
# Bytes of request bodies received and not yet answered, all requests together: bodies are read before a slot is
# taken, so this (not the slots) bounds their memory. A body that would exceed it gets 503.
MAX_PENDING_BYTES = 64 * 2**20

log = logging.getLogger("aevae.explorer")


def create_app(bundle_bytes: bytes, torch_threads: int | None = None, host: str = "127.0.0.1",
               allow_origins: Iterable[str] = (), own_models: Mapping[str, Any] | None = None) -> Starlette:
    """The app serving one bundle (bytes as written by ``Bundle.to_bytes``).

    ``torch_threads``, if given, is set as PyTorch's intra-op thread count when the first encode or decode imports
    torch; ``aevae explore`` passes 1 for its own process (see ``aevae.explorer.server.serve``). ``host`` is the
    address served on and ``allow_origins`` the origins whose pages may call the API (see ``origins``).
    ``own_models``: a user's own models by slot (``aevae.explorer.bundle.own_model``), whose slots the page decodes
    through this API because the bundle carries no network for them; an exception they raise is answered 422 with
    its message, so the page can show it and carry on.
    """
    bundle = Bundle.from_bytes(bundle_bytes)
    reference: dict[str, Any] = {}  # "models": BundleModels, created by the first encode or decode
    encode_slots = asyncio.Semaphore(MAX_ENCODES)
    pending = PendingBytes(MAX_PENDING_BYTES)
    decoders = DecoderPool(MAX_ENCODES)  # image files are decoded in processes of their own (see decoder)

    def models() -> Any:
        """The bundle's models in PyTorch (BundleModels), created (and torch imported) on first use."""
        if "models" not in reference:
            import torch  # seconds to import, so only when needed

            from aevae.explorer.bundle.models import BundleModels

            if torch_threads:
                torch.set_num_threads(torch_threads)
            reference["models"] = BundleModels(bundle, own_models)
        return reference["models"]

    def slot_of(request: Request) -> str:
        """The model slot named in the path; 404 for any other name."""
        name = request.path_params["name"]
        if name not in SLOTS:
            raise ApiError(404, f"unknown model {name!r}; the models are {', '.join(SLOTS)}")
        return name

    async def index(request: Request) -> Response:
        """The page."""
        return FileResponse(STATIC / "index.html")

    async def article(request: Request) -> Response:
        """The article page."""
        return FileResponse(STATIC / "article.html")

    async def get_bundle(request: Request) -> Response:
        """The bundle's bytes, revalidated on each load so a restarted server with other runs is never stale."""
        return Response(bundle_bytes, media_type="application/octet-stream", headers={"Cache-Control": "no-cache"})

    async def list_models(request: Request) -> Response:
        """Metadata of both models."""
        return JSONResponse({"models": {slot: bundle.model(slot) for slot in SLOTS}})

    async def get_model(request: Request) -> Response:
        """Metadata of one model."""
        return JSONResponse(bundle.model(slot_of(request)))

    async def decode(request: Request) -> Response:
        """Latent(s) -> image(s), decoded by PyTorch; raw pixels for ``Accept: application/octet-stream``. The
        latents come as JSON, or as raw float32 bytes (Content-Type: application/octet-stream, B × d values), which
        need no parsing: a drag's batch of 28 latents of 512 values took 8 ms to parse as JSON, holding the
        interpreter lock while the output's own request waited."""
        slot = slot_of(request)
        raw = content_type(request.headers) == BINARY_TYPE
        if not raw:
            require_json(content_type(request.headers))
        binary = _wants_binary(request)
        d = bundle.latent_dim(slot)
        # The size a body of MAX_LATENTS latents can have, checked before parsing: 8 MiB of JSON would take a worker
        # seconds to parse only to be refused.
        async with pending.reading() as held:
            body = await read_body(request, held, decode_body_limit(d), f"{MAX_LATENTS} latents of {d} values")

            def work() -> tuple[bytes, tuple[int, ...]]:
                z = latents_from_bytes(body, d) if raw else parse_latents(parse_json(body), d)
                try:
                    images = models().decode(slot, z)
                except Exception as exc:
                    if not own_models or slot not in own_models:
                        raise
                    # The user's code failed: say so to the page, which shows it and keeps working.
                    raise ApiError(422, f"your model's decode() raised {type(exc).__name__}: {exc}") from None
                if not np.isfinite(images).all():
                    # Latents are bounded, so this takes weights that overflow float32 (a diverged run's, say).
                    raise ApiError(422, "the decoder's output is not finite (NaN or ∞) for these latent values: "
                                        "this model's arithmetic overflows float32; try values nearer the training "
                                        "range")
                return (pixels_binary(images, binary) if binary else decode_json(slot, z, images)), images.shape

            content, shape = await run_in_threadpool(work)
        if binary:
            headers = {"X-Aevae-Shape": ",".join(map(str, shape)), "X-Aevae-Dtype": binary}
            return Response(content, media_type=BINARY_TYPE, headers=headers)
        return Response(content, media_type=JSON_TYPE)

    async def encode(request: Request) -> Response:
        """An image file or pixel array -> normalised image and its latent (mu, sigma)."""
        slot = slot_of(request)
        kind = content_type(request.headers)
        if kind.startswith("multipart/"):
            raise ApiError(415, "send the image file itself as the request body (e.g. Content-Type: image/png), "
                                "not as a multipart form")
        if kind != JSON_TYPE and not kind.startswith(FILE_TYPES):
            raise ApiError(415, f"send an image file with its type (Content-Type: image/png, image/jpeg, ... or "
                                f"{BINARY_TYPE}) or pixels as {JSON_TYPE}; got {kind or 'no Content-Type'}")
        async with pending.reading() as held:
            body = await read_body(request, held)
            try:  # only once the body is here: a client that dawdles holds no slot
                await asyncio.wait_for(encode_slots.acquire(), ENCODE_WAIT_S)
            except asyncio.TimeoutError:  # TimeoutError itself from Python 3.11 on
                raise ApiError(503, f"the server is busy encoding {MAX_ENCODES} other images; try again in a moment",
                               {"Retry-After": "1"}) from None
            try:
                def work() -> bytes:
                    layout = input_layout(bundle.model(slot))  # the model's own preprocessing, size and channels
                    image = (image_from_pixels(parse_json(body), layout) if kind == JSON_TYPE
                             else decoders.decode(body, layout))
                    mu, sigma = models().encode(slot, image)
                    # A model the page cannot run: it cannot compute the reconstruction error it ranks either.
                    bce = models().reconstruction_bce(slot, image, mu) if slot in (own_models or {}) else None
                    return encode_json(slot, mu, sigma, image, bce)

                return Response(await run_in_threadpool(work), media_type=JSON_TYPE)
            finally:
                encode_slots.release()

    async def api_error(request: Request, exc: ApiError) -> Response:
        """A refused request as JSON {"error": message} with its status."""
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        """Starlette's own refusals (no such route or file, wrong method) as JSON too."""
        return JSONResponse({"error": f"{exc.detail}: {request.method} {request.url.path}"},
                            status_code=exc.status_code, headers=exc.headers)

    routes = [
        Route("/", index),
        Route("/article", article),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        Route("/api/bundle", get_bundle),
        Route("/api/models", list_models),
        Route("/api/models/{name}", get_model),
        Route("/api/models/{name}/encode", encode, methods=["POST"]),
        Route("/api/models/{name}/decode", decode, methods=["POST"]),
    ]
    origins = [normalised_origin(o) for o in allow_origins]  # a bad one is refused now, not at the first request
    middleware = [Middleware(JsonServerErrors), Middleware(OriginGuard, host=host, allow_origins=origins)]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        """Nothing to start (the decoders start on the first upload); they end with the server."""
        yield
        decoders.close()

    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                     exception_handlers={ApiError: api_error, HTTPException: http_error})


class JsonServerErrors:
    """ASGI middleware: an unexpected error becomes a logged JSON 500, and the client's connection stays open.

    Starlette's own handler re-raises after answering, and uvicorn then closes the connection, so a client's next
    request on it failed; here the error ends with the answer.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = {"started": False, "finished": False}

        async def watched(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                state["finished"] = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if state["started"] and not state["finished"]:
                raise  # half an answer is on the wire: only closing the connection can end it
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if not state["started"]:
                body = json.dumps({"error": "internal error in the explorer server (logged on its console)"}).encode()
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})


def _wants_binary(request: Request) -> str | None:
    """The dtype of a raw-bytes answer the client asks for (Accept: application/octet-stream), or None for JSON."""
    accept = request.headers.get("accept", "")
    if BINARY_TYPE not in accept or JSON_TYPE in accept:
        return None
    dtype = request.query_params.get("dtype", "float32")
    if dtype not in BINARY_DTYPES:
        raise ApiError(422, f"dtype must be one of {', '.join(BINARY_DTYPES)}; got {dtype!r}")
    return dtype


class PendingBytes:
    """The bytes of request bodies held in memory and not yet answered, across requests, up to ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[Callable[[int], None]]:
        """A request's share: a function that takes ``n`` more bytes (503 if they do not fit); returned on exit."""
        mine = 0

        def take(n: int) -> None:
            nonlocal mine
            if self.held + n > self.limit:
                raise ApiError(503, f"the server holds {self.held:,} bytes of other requests' bodies, the most it "
                                    f"keeps at once; try again in a moment", {"Retry-After": "1"})
            self.held += n
            mine += n

        try:
            yield take
        finally:
            self.held -= mine


async def read_body(request: Request, take: Callable[[int], None], limit: int = MAX_BODY_BYTES,
                    holds: str = "") -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes, and with 408 (the
    connection closed) if it does not arrive within BODY_GRACE_S plus its length at MIN_BODY_RATE. ``take`` is
    called with each chunk's size before it is kept (``PendingBytes``)."""
    why = f" (room for {holds})" if holds else ""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is {int(declared):,} bytes; at most {limit:,} are accepted{why}")
    expected = int(declared) if declared.isdigit() else limit  # a chunked body has the time its largest would
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BODY_GRACE_S + expected / MIN_BODY_RATE
    chunks, size = [], 0
    stream = request.stream()
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(stream.__anext__(), max(0.0, deadline - loop.time()))
            except StopAsyncIteration:
                break
            except asyncio.TimeoutError:
                raise ApiError(408, f"the body did not arrive in time: {size:,} of {expected:,} bytes in "
                                    f"{BODY_GRACE_S + expected / MIN_BODY_RATE:.0f} s (the server waits "
                                    f"{BODY_GRACE_S:.0f} s plus 1 s per {MIN_BODY_RATE:,} bytes)",
                               {"Connection": "close"}) from None
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the body exceeds {limit:,} bytes, the most accepted{why}")
            take(len(chunk))
            chunks.append(chunk)
    except ClientDisconnect:  # nobody is left to read the answer
        raise ApiError(400, "the client disconnected before sending its whole body") from None
    return b"".join(chunks)
