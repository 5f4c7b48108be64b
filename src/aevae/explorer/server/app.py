"""The explorer's web app (Starlette): the page, its static files, the bundle and the JSON API.

Routes
    GET  /                              the page (static/index.html)
    GET  /article                       the article around the same models (static/article.html)
    GET  /static/{file}                 the page's ES modules and stylesheet; nothing outside static/ is served
    GET  /api/bundle                    the bundle the page runs on (safetensors bytes, see aevae.explorer.bundle)
    GET  /api/models                    metadata of both models
    GET  /api/models/{name}             metadata of one model ("ae" or "vae")
    POST /api/models/{name}/encode      an image -> its latent (mu, and sigma for VAEs) and the normalised image
    POST /api/models/{name}/decode      latent(s) -> image(s) in [0, 1]

Errors are JSON ``{"error": message}`` with a 4xx status. PyTorch is imported on the first encode or decode, in a
worker thread, so the page (which decodes in the browser) never waits for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aevae.explorer.bundle import SLOTS, Bundle
from aevae.explorer.server.requests import (
    MAX_BODY_BYTES,
    ApiError,
    image_from_file,
    image_from_pixels,
    parse_json,
    parse_latents,
)
from aevae.explorer.web import STATIC

PIXEL_DECIMALS = 6  # pixels in [0, 1] are sent to within 5e-7, far below an 8-bit image's 1/255 step


def create_app(bundle_bytes: bytes, torch_threads: int | None = None) -> Starlette:
    """The app serving one bundle (bytes as written by ``Bundle.to_bytes``).

    ``torch_threads``, if given, is set as PyTorch's intra-op thread count when the first encode or decode imports
    torch; ``aevae explore`` passes 1 for its own process (see ``aevae.explorer.server.serve``).
    """
    bundle = Bundle.from_bytes(bundle_bytes)
    reference: dict[str, Any] = {}  # "models": ReferenceModels, created by the first encode or decode

    def models() -> Any:
        """The ReferenceModels, created (and torch imported) on first use."""
        if "models" not in reference:
            import torch  # seconds to import, so only when needed

            from aevae.explorer.server.reference import ReferenceModels

            if torch_threads:
                torch.set_num_threads(torch_threads)
            reference["models"] = ReferenceModels(bundle)
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
        """Latent(s) -> image(s), decoded by PyTorch."""
        slot = slot_of(request)
        z = parse_latents(parse_json(await read_body(request)), bundle.model(slot)["latent_dim"])
        images = await run_in_threadpool(lambda: models().decode(slot, z))
        return JSONResponse({"model": slot, "latents": z.tolist(), "images": rounded(images)})

    async def encode(request: Request) -> Response:
        """An image file or pixel array -> normalised image and its latent (mu, sigma)."""
        slot = slot_of(request)
        body = await read_body(request)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            image = image_from_pixels(parse_json(body))
        elif kind.startswith("multipart/"):
            raise ApiError(415, "send the image file itself as the request body (e.g. Content-Type: image/png), "
                                "not as a multipart form")
        else:
            image = await run_in_threadpool(image_from_file, body)
        mu, sigma = await run_in_threadpool(lambda: models().encode(slot, image))
        return JSONResponse({"model": slot, "mu": mu.tolist(), "sigma": None if sigma is None else sigma.tolist(),
                             "image": rounded(image)})

    async def api_error(request: Request, exc: ApiError) -> Response:
        """A refused request as JSON {"error": message} with its 4xx status."""
        return JSONResponse({"error": exc.message}, status_code=exc.status)

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
    return Starlette(routes=routes, exception_handlers={ApiError: api_error})


def rounded(images: np.ndarray) -> list:
    """Pixel values as JSON-ready lists, rounded to PIXEL_DECIMALS: a third of the bytes of float32's 17 digits."""
    return np.round(images.astype(np.float64), PIXEL_DECIMALS).tolist()


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is {int(declared):,} bytes; at most {limit:,} are accepted")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the body exceeds {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
