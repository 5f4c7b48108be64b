"""A model aevae did not build, made to look like a ``LatentModel`` so the analysis and the explorer can read it.

``UserModel.wrap(model, images)`` takes

- a ``torch.nn.Module`` with ``encode(x)`` and ``decode(z)`` methods, or
- a pair of callables ``(encode, decode)``,

where ``encode`` maps images (N, C, S, S) float32 in [0, 1] to ``mu`` (N, d) or to ``(mu, logvar)``, two (N, d)
tensors (the model is then variational), and ``decode`` maps latents (N, d) to images (N, C, S, S). Images are
square, of any side, with 1 (grey) or 3 (RGB) channels. ``decode`` returns pixel values in [0, 1] (Bernoulli
means, as a sigmoid output gives); a decoder whose last layer gives logits is wrapped with ``output="logits"`` and
aevae applies the sigmoid. aevae measures reconstruction as Bernoulli cross-entropy (``bce_per_image``), so this
is the one thing it needs to know about the output.

Before anything else runs, ``wrap`` calls both methods on a few of the user's images and checks what comes back
(types, shapes, finite values, the pixel range); each problem raises ``UserModelError`` naming the method, what it
returned and what was expected. Nothing here trains or changes the user's model: it is put in eval mode and only
called under ``torch.inference_mode``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from aevae.errors import AevaeError
from aevae.models.autoencoder import LOGVAR_RANGE, Encoding

OUTPUTS = ("probabilities", "logits")  # what decode returns: pixel values in [0, 1], or logits of them
CHECK_IMAGES = 4  # images the checks run on: enough to see a batch dimension, cheap for any model
EPS = 1e-6  # probabilities are clipped to [EPS, 1 - EPS] before taking logits, so BCE stays finite at 0 and 1


class UserModelError(AevaeError, ValueError):
    """A user's model cannot be explored: a method is missing, raises, or returns the wrong thing."""


@dataclass(frozen=True)
class UserModelShape:
    """What the analysis reads from a model's config, for a model that has no ``ModelConfig``."""

    kind: str  # "ae" (encode returns mu) or "vae" (encode returns mu and logvar)
    latent_dim: int
    image_size: int  # side S of the square images
    channels: int  # 1 or 3

    @property
    def variational(self) -> bool:
        """True when the encoder gives a log-variance beside the mean."""
        return self.kind != "ae"


class UserModel(nn.Module):
    """A user's encoder and decoder behind ``LatentModel``'s interface (``cfg``, ``encode``, ``decode``,
    ``decode_logits``); made by ``UserModel.wrap``, which checks them first."""

    def __init__(self, encode: Callable[[torch.Tensor], Any], decode: Callable[[torch.Tensor], Any],
                 shape: UserModelShape, output: str = "probabilities", module: nn.Module | None = None,
                 name: str = "your model") -> None:
        super().__init__()
        self.cfg = shape
        self.output = output
        self.name = name
        self._encode, self._decode = encode, decode
        self.module = module  # registered, so parameters() and the device are the user's
        # The analysis finds the device through next(model.parameters()); a pair of plain functions has none.
        self.anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    @classmethod
    def wrap(cls, model: Any, images: torch.Tensor, output: str = "probabilities",
             name: str | None = None) -> UserModel:
        """Check ``model`` (a module with encode/decode, or a pair of callables) on ``images`` (N, C, S, S) float32
        in [0, 1] and wrap it; raises UserModelError naming what is wrong."""
        if isinstance(model, UserModel):
            return model
        if output not in OUTPUTS:
            raise UserModelError(f"output= must be one of {', '.join(OUTPUTS)}, not {output!r}")
        module = model if isinstance(model, nn.Module) else None
        if isinstance(model, (tuple, list)) and len(model) == 2 and all(callable(f) for f in model):
            encode, decode = model
            module = next((f for f in model if isinstance(f, nn.Module)), None)
        elif callable(getattr(model, "encode", None)) and callable(getattr(model, "decode", None)):
            encode, decode = model.encode, model.decode
        else:
            raise UserModelError(f"a model to explore needs encode(x) and decode(z) methods, or is a pair of "
                                 f"callables (encode, decode); got {type(model).__name__}")
        if module is not None:
            module.eval()
        x = images[:CHECK_IMAGES]
        if x.dim() != 4 or x.shape[1] not in (1, 3) or x.shape[2] != x.shape[3]:
            raise UserModelError(f"images must be (N, 1 or 3, S, S); got {tuple(x.shape)}")
        mu, logvar = _check_encoding(_call(encode, "encode", x, "(N, d) or a pair (mu, logvar) of (N, d)"), x)
        shape = UserModelShape("ae" if logvar is None else "vae", mu.shape[1], x.shape[2], x.shape[1])
        out = _call(decode, "decode", mu, f"images {_shape_text(x)}")
        _check_decoding(out, x, output)
        return cls(encode, decode, shape, output, module, name or type(module or model).__name__).eval()

    def encode(self, x: torch.Tensor) -> Encoding:
        """Encode images (B, C, S, S) in [0, 1]; the log-variance is clamped as ``LatentModel`` clamps its own."""
        mu, logvar = _split(self._encode(x))
        return Encoding(mu.float(), None if logvar is None else logvar.float().clamp(*LOGVAR_RANGE))

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (B, C, S, S) of the decoded pixels, for the Bernoulli cross-entropy the analysis measures."""
        out = self._decode(z).float()
        if self.output == "logits":
            return out
        return torch.logit(out.clamp(EPS, 1 - EPS))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded images (B, C, S, S) in [0, 1] for latents (B, d)."""
        out = self._decode(z).float()
        return torch.sigmoid(out) if self.output == "logits" else out


def _call(fn: Callable[[torch.Tensor], Any], method: str, arg: torch.Tensor, expected: str) -> Any:
    """``fn(arg)`` under inference mode; an exception becomes a UserModelError naming the method and the shapes."""
    try:
        with torch.inference_mode():
            return fn(arg)
    except Exception as exc:  # anything the user's code raises is reported, not let through as a traceback
        raise UserModelError(f"{method}() raised {type(exc).__name__}: {exc} (it was given a tensor of shape "
                             f"{tuple(arg.shape)}; it should return {expected})") from exc


def _split(out: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    """mu and logvar (or None) from what an encoder returned."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return out[0], out[1]
    return out, None


def _check_encoding(out: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """mu and logvar from encode's answer for ``x``; UserModelError unless they are finite (N, d) tensors."""
    want = f"mu (N, d), or a pair (mu, logvar) of (N, d) tensors, for N = {len(x)} images"
    mu, logvar = _split(out)
    for name, t in (("mu", mu), ("logvar", logvar)):
        if t is None:
            continue
        if not isinstance(t, torch.Tensor):
            got = type(t).__name__ if t is out else f"a {type(out).__name__} whose {name} is a {type(t).__name__}"
            raise UserModelError(f"encode() returned {got}; it should return {want}")
        if t.dim() != 2 or t.shape[0] != len(x) or t.shape[1] < 1:
            raise UserModelError(f"encode() returned {name} of shape {tuple(t.shape)}; it should return {want}")
        if not torch.isfinite(t).all():
            raise UserModelError(f"encode() returned {name} with NaN or infinite values for images of shape "
                                 f"{tuple(x.shape)} in [0, 1]")
    if logvar is not None and logvar.shape != mu.shape:
        raise UserModelError(f"encode() returned mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)}; both should "
                             "be (N, d)")
    return mu, logvar


def _check_decoding(out: Any, x: torch.Tensor, output: str) -> None:
    """UserModelError unless decode's answer is a finite tensor shaped like the input images, in range."""
    if not isinstance(out, torch.Tensor):
        raise UserModelError(f"decode() returned {type(out).__name__}; it should return a tensor of images "
                             f"{_shape_text(x)}")
    if tuple(out.shape) != tuple(x.shape):
        raise UserModelError(f"decode() returned shape {tuple(out.shape)}; it should return images "
                             f"{_shape_text(x)}, the shape of the images given to encode()")
    if not torch.isfinite(out).all():
        raise UserModelError("decode() returned NaN or infinite values for the latents encode() gave")
    lo, hi = float(out.min()), float(out.max())
    if output == "probabilities" and (lo < 0 or hi > 1):
        raise UserModelError(f"decode() returned values in [{lo:.3g}, {hi:.3g}]; aevae reads them as pixel values "
                             "in [0, 1]. If your decoder ends in logits (no sigmoid), pass output='logits'")


def _shape_text(x: torch.Tensor) -> str:
    n, c, s, _ = x.shape
    return f"(N, {c}, {s}, {s}) (here N = {n}) in [0, 1]"
