"""A model aevae did not build, made to look like a ``LatentModel`` so the analysis and the explorer can read it.

``UserModel.wrap(model, images)`` takes

- a ``torch.nn.Module`` with ``encode(x)`` and ``decode(z)`` methods, or
- a pair of callables ``(encode, decode)``,

where ``encode`` maps images (N, C, S, S) float32 in [0, 1] to ``mu`` (N, d) or to ``(mu, logvar)``, two (N, d)
tensors (the model is then variational), and ``decode`` maps latents (N, d) to images (N, C, S, S). Images are
square, of any side, with 1 (grey) or 3 (RGB) channels. ``decode`` returns pixel values in [0, 1] (Bernoulli
means, as a sigmoid output gives); a decoder whose last layer gives logits is wrapped with ``output="logits"`` and
aevae applies the sigmoid; one ending in a tanh, pixels in [-1, 1], with ``output="tanh"`` (found by itself when
the first decodings lie in [-1, 1] and go clearly below 0). A model trained on inputs in [-1, 1] is wrapped with
``input_range=(-1, 1)``: aevae hands it 2x - 1 (found by itself, for a tanh decoder, when those inputs
reconstruct clearly better). aevae measures reconstruction as Bernoulli cross-entropy (``bce_per_image``) on
pixels in [0, 1], so this is what it needs to know about the ranges.

Before anything else runs, ``wrap`` calls both methods on a few of the user's images and checks what comes back
(types, shapes, finite values, the pixel range); each problem raises ``UserModelError`` naming the method, what it
returned and what was expected; what it decided by itself is in ``notes``. Nothing here trains or changes the
user's model: it is put in eval mode and only called under ``torch.inference_mode``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from aevae.errors import AevaeError
from aevae.models.autoencoder import LOGVAR_RANGE, Encoding

OUTPUTS = ("probabilities", "logits", "tanh")  # what decode returns: pixels in [0, 1], their logits, or [-1, 1]
INPUT_RANGES = ((0.0, 1.0), (-1.0, 1.0))  # the pixel ranges encode may expect
OVERSHOOT = 0.01  # decoded values this far outside their range are rounding (clamped with a note), not a wrong range
INPUT_MARGIN = 0.5  # [-1, 1] inputs are chosen by themselves when they reconstruct with under half the error
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
                 name: str = "your model", input_range: tuple[float, float] = (0.0, 1.0),
                 notes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.cfg = shape
        self.output = output
        self.input_range = tuple(float(v) for v in input_range)  # what encode is given for pixels 0 and 1
        self.notes = notes  # what wrap decided by itself, one sentence each, for the user to read
        self.name = name
        self._encode, self._decode = encode, decode
        self.module = module  # registered, so parameters() and the device are the user's
        # The analysis finds the device through next(model.parameters()); a pair of plain functions has none.
        self.anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    @classmethod
    def wrap(cls, model: Any, images: torch.Tensor, output: str | None = None, name: str | None = None,
             input_range: tuple[float, float] | None = None, cli: bool = False) -> UserModel:
        """Check ``model`` (a module with encode/decode, or a pair of callables) on ``images`` (N, C, S, S) float32
        in [0, 1] and wrap it; raises UserModelError naming what is wrong (options spelled as on the command line
        where ``cli``). ``output`` and ``input_range`` left None are found from the first decodings."""
        if isinstance(model, UserModel):
            return model
        if output is not None and output not in OUTPUTS:
            raise UserModelError(f"{_option('output', cli)} must be one of {', '.join(OUTPUTS)}, not {output!r}")
        if input_range is not None and tuple(float(v) for v in input_range) not in INPUT_RANGES:
            raise UserModelError(f"{_option('input_range', cli)} must be 0,1 or -1,1, not {input_range!r}")
        module = model if isinstance(model, nn.Module) else None
        if isinstance(model, (tuple, list)) and len(model) == 2 and all(callable(f) for f in model):
            encode, decode = model
            owners = [getattr(f, "__self__", f) for f in model]  # a bound method's module: put in eval mode too
            module = next((f for f in owners if isinstance(f, nn.Module)), None)
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
        lo, hi = input_range or INPUT_RANGES[0]
        mu, logvar = _check_encoding(_call(encode, "encode", lo + (hi - lo) * x,
                                           "(N, d) or a pair (mu, logvar) of (N, d)"), x)
        shape = UserModelShape("ae" if logvar is None else "vae", mu.shape[1], x.shape[2], x.shape[1])
        out = _call(decode, "decode", mu, f"images {_shape_text(x)}")
        output, notes = _check_decoding(out, x, output, cli)
        if input_range is None:
            input_range, note = _input_range(encode, decode, x, output, cli)
            notes += note
        return cls(encode, decode, shape, output, module, name or type(module or model).__name__, input_range,
                   notes).eval()

    def encode(self, x: torch.Tensor) -> Encoding:
        """Encode images (B, C, S, S) in [0, 1]; the log-variance is clamped as ``LatentModel`` clamps its own."""
        lo, hi = self.input_range
        mu, logvar = _split(self._encode(x if (lo, hi) == (0.0, 1.0) else lo + (hi - lo) * x))
        return Encoding(mu.float(), None if logvar is None else logvar.float().clamp(*LOGVAR_RANGE))

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (B, C, S, S) of the decoded pixels, for the Bernoulli cross-entropy the analysis measures."""
        out = self._decode(z).float()
        if self.output == "logits":
            return out
        return torch.logit(_pixels(out, self.output).clamp(EPS, 1 - EPS))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded images (B, C, S, S) in [0, 1] for latents (B, d)."""
        out = self._decode(z).float()
        return torch.sigmoid(out) if self.output == "logits" else _pixels(out, self.output)


def _pixels(out: torch.Tensor, output: str) -> torch.Tensor:
    """Pixels in [0, 1] from decode's answer in [0, 1] or, for a tanh, [-1, 1]; a rounding overshoot clamped."""
    return ((out + 1) / 2 if output == "tanh" else out).clamp(0, 1)


def _option(name: str, cli: bool, value: str | None = None, python: str | None = None) -> str:
    """An option as the user writes it: ``--output logits`` on the command line, ``output='logits'`` in Python
    (``python`` replaces ``repr(value)`` there)."""
    if cli:
        return f"--{name.replace('_', '-')}" + ("" if value is None else f" {value}")
    return name + ("" if value is None else f"={python or repr(value)}")


def _input_range(encode: Callable, decode: Callable, x: torch.Tensor, output: str, cli: bool
                 ) -> tuple[tuple[float, float], tuple[str, ...]]:
    """[-1, 1] inputs, with a note, for a tanh decoder that reconstructs them clearly better than [0, 1] ones (a
    model trained on such inputs); [0, 1] otherwise."""
    if output != "tanh":
        return INPUT_RANGES[0], ()
    errors = []
    for lo, hi in INPUT_RANGES:
        try:
            with torch.inference_mode():
                mu = _split(encode(lo + (hi - lo) * x))[0]
                errors.append(float(((_pixels(decode(mu).float(), output) - x) ** 2).mean()))
        except Exception:  # the checks already ran [0, 1]; a failure with [-1, 1] only means: not those
            return INPUT_RANGES[0], ()
    if errors[1] < INPUT_MARGIN * errors[0]:
        return INPUT_RANGES[1], (f"encode() is given pixels in [-1, 1]: they reconstruct with squared error "
                                 f"{errors[1]:.3g} per pixel against {errors[0]:.3g} for [0, 1] "
                                 f"({_option('input_range', cli, '0,1', '(0, 1)')} to override)",)
    return INPUT_RANGES[0], ()


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


def _check_decoding(out: Any, x: torch.Tensor, output: str | None, cli: bool) -> tuple[str, tuple[str, ...]]:
    """What decode returns (``output``, found from the values when None) and notes on what was decided;
    UserModelError unless decode's answer is a finite tensor shaped like the input images, in range."""
    if not isinstance(out, torch.Tensor):
        raise UserModelError(f"decode() returned {type(out).__name__}; it should return a tensor of images "
                             f"{_shape_text(x)}")
    if tuple(out.shape) != tuple(x.shape):
        raise UserModelError(f"decode() returned shape {tuple(out.shape)}; it should return images "
                             f"{_shape_text(x)}, the shape of the images given to encode()")
    if not torch.isfinite(out).all():
        raise UserModelError("decode() returned NaN or infinite values for the latents encode() gave")
    lo, hi = float(out.min()), float(out.max())
    values = f"decode() returned values in [{lo:.3g}, {hi:.3g}]"
    if output is None and lo >= -1 - OVERSHOOT and hi <= 1 + OVERSHOOT and lo < -OVERSHOOT:
        return "tanh", (f"{values}: read as a tanh output, pixels in [-1, 1] (say {_option('output', cli, 'tanh')}; "
                        f"{_option('output', cli, 'logits')} if they are logits)",)
    output = output or "probabilities"
    low = -1 if output == "tanh" else 0
    if output != "logits" and (lo < low - OVERSHOOT or hi > 1 + OVERSHOOT):
        raise UserModelError(f"{values}; aevae reads them as pixel values in [{low}, 1]. If your decoder ends in "
                             f"logits (no sigmoid), pass {_option('output', cli, 'logits')}; if in a tanh, "
                             f"{_option('output', cli, 'tanh')}")
    if output != "logits" and (lo < low or hi > 1):
        return output, (f"{values}: the overshoot of at most {max(low - lo, hi - 1):.2g} beyond [{low}, 1] is "
                        "rounding; it is clamped",)
    return output, ()


def _shape_text(x: torch.Tensor) -> str:
    n, c, s, _ = x.shape
    return f"(N, {c}, {s}, {s}) (here N = {n}) in [0, 1]"
