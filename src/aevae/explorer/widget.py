"""The explorer as a Jupyter widget (anywidget): the full interactive view in a notebook, its state in Python.

    from aevae import Explorer
    w = Explorer()                                   # the shipped AE and VAE
    w = Explorer(ae="runs/paper/ae", vae=model, images=[my_array])
    w                                                # show it (JupyterLab, Notebook 7, classic Notebook)
    w.latent = [0.5, -1.0, 0.0, 2.0]                 # moves the black line; dragging in the page updates w.latent
    w.output_image                                   # the decoded output, decoded by PyTorch: NumPy (32, 32)
    w = Explorer(model=my_model, images=X, labels=y) # your own PyTorch model (docs/own-model.md)

The front end is ``widget.js`` beside this file with the explorer's modules (``web/static/js``), joined into one
module by ``aevae.explorer.web.modules`` when this module is imported, so nothing is fetched from the network. The
bundle (weights, analysis, gallery) travels to the page once, as a binary trait; from then on the page draws and
decodes by itself, except for a user's own model (``model=``), which only Python can run: the page then asks the
kernel to decode, in custom messages {"type": "decode", "id", "slot", "latents"} answered by {"type": "decoded",
"id", "shape"} with the float32 pixels as one buffer, or {"type": "decoded", "id", "error"} when decode raised.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import traitlets

try:
    import anywidget
except ImportError as exc:  # the widget's one dependency beyond aevae's own is optional
    raise ImportError("aevae.Explorer needs anywidget: pip install 'aevae[widget]'") from exc

from aevae.explorer.bundle import SLOTS
from aevae.explorer.bundle.models import BundleModels
from aevae.explorer.bundle.own_model import own_model_bundle
from aevae.explorer.bundle.sources import IN_MEMORY_LIMIT, explorer_bundle, named_images
from aevae.explorer.web import STATIC
from aevae.explorer.web.modules import join_modules


class _Numbers(traitlets.TraitType):
    """A list of finite real numbers, given as any sequence or 1-D NumPy array; stored as a list of floats."""

    info_text = "a sequence of finite numbers"
    default_value: list[float] = []

    def validate(self, obj: Any, value: Any) -> list[float]:
        """Refuse strings, booleans, NaN, infinities and anything not a flat sequence of numbers."""
        if isinstance(value, np.ndarray):
            if value.ndim != 1:
                raise traitlets.TraitError(f"{self.name} must be 1-D, got an array of shape {value.shape}")
            value = value.tolist()
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise traitlets.TraitError(f"{self.name} must be a sequence of numbers, not {type(value).__name__}")
        bad = [v for v in value if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v)]
        if bad:
            raise traitlets.TraitError(f"{self.name} must hold finite numbers only; got {bad[0]!r}")
        return [float(v) for v in value]


class Explorer(anywidget.AnyWidget):
    """The interactive AE/VAE explorer in a notebook, with its state readable and settable from Python.

    ``ae`` and ``vae`` each take ``None`` (the shipped model), a trained run folder, or an in-memory
    ``aevae.models.LatentModel``, analysed on ``data`` (a data-set spec; ``limit`` training images, None = all).
    ``images`` (arrays or PIL images, or ``{name: image}``) join the gallery as inputs, normalised the MNIST way;
    they are selected at start, otherwise the first test image is.

    ``model`` explores your own PyTorch model instead (a module with ``encode``/``decode``, a pair of callables,
    or ``{"ae": …, "vae": …}``; see ``aevae.explorer.bundle.own_model``): ``images`` are then its data, (N, C, S, S)
    or (N, S, S), with optional ``labels`` (N,); ``output`` says whether decode returns pixels in [0, 1]
    ("probabilities"), "logits" or "tanh" (pixels in [-1, 1]) and ``input_range`` what encode expects, (0, 1) or
    (-1, 1) (None: found from the first decodings). The kernel decodes for the page. Traits, kept in step with the page:

    - ``latent``: the shown model's reconstruction line (list of floats; one per latent dimension). Setting it
      moves the line; values beyond an axis are clamped to it, as dragging would; dragging updates it.
    - ``show_ae``: the "Show AE" switch (the VAE is shown when False); ``latent`` follows the shown model.
    - ``selected``: indices into ``inputs`` of the selected inputs, sorted.
    - ``inputs``: names of all inputs, the gallery's and those drawn or uploaded in the page (read-only).
    - ``fit_axes``: the parallel plot's axes fit the shown model only (True) or span both models (False, the
      default: the other model is drawn greyed on the same axes).
    - ``member``: where the bundle has a family (``family=`` run folders, or the shipped β family), the index of
      its model shown in the VAE's place (the slider; ``family_values[member]`` is its place on the axis), or None
      for the VAE's own. Setting it shows that model and moves the VAE's line to its code of the first selected
      input; the slider updates it.

    Bad values (wrong length, NaN or infinite, not numbers, unknown input indices) raise TraitError and leave
    the state as it was.
    """

    _esm = join_modules("widget.js", root=Path(__file__).parent)  # widget.js imports from web/static/js
    _css = (STATIC / "explorer.css").read_text(encoding="utf-8")
    _bundle = traitlets.Bytes().tag(sync=True)  # the explorer bundle (aevae.explorer.bundle), sent once
    _latents = traitlets.Dict().tag(sync=True)  # both models' lines {slot: list}; keeps the hidden one's line
    latent = _Numbers().tag(sync=True)
    show_ae = traitlets.Bool(False).tag(sync=True)
    fit_axes = traitlets.Bool(False).tag(sync=True)
    selected = traitlets.List(traitlets.Int()).tag(sync=True)
    inputs = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    member = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, ae: Any = None, vae: Any = None, images: Any = (), *, model: Any = None, labels: Any = None,
                 output: str | None = None, input_range: tuple[float, float] | None = None, data: str = "mnist",
                 limit: int | None = IN_MEMORY_LIMIT, family: Sequence[Any] = (),
                 show_ae: bool = False, selected: list[int] | None = None, **kwargs: Any) -> None:
        if model is not None:
            if ae is not None or vae is not None:
                raise TypeError("model= explores your own model; give it alone, or as {'ae': …, 'vae': …}, "
                                "without ae= or vae=")
            bundle, own = own_model_bundle(model, images, labels, output=output, input_range=input_range)
        else:
            bundle, own = explorer_bundle(ae, vae, images, data=data, limit=limit), None
            if family:
                from aevae.explorer.bundle.family import with_family

                bundle = with_family(bundle, [Path(f) for f in family], progress=False)
        # PyTorch copies of the page's networks, from the same weights: decoding here matches the page's output.
        self._models = BundleModels(bundle, own)  # the family's members too, built when first shown
        self._family = bundle.meta.get("family")
        self._bundle_object = bundle
        gallery = bundle.arrays["gallery.images"]
        if selected is None:
            n_user = 0 if model is not None else len(named_images(images))
            selected = list(range(len(gallery) - n_user, len(gallery))) if n_user else [0]
        super().__init__(_bundle=bundle.to_bytes(), **kwargs)
        self.set_trait("inputs", [item["name"] for item in bundle.meta["gallery"]])
        self.selected = selected
        first = self.selected[0] if self.selected else None
        lines = {}
        for slot in SLOTS:
            if first is None:
                z = bundle.arrays[f"{slot}.pca_mean"]
            else:
                z, _ = self._models.encode(slot, gallery[first] / 255)  # (S, S) or (C, S, S) in [0, 1]
            lines[slot] = self._models.clamp(slot, z.tolist())
        with self.hold_sync():
            self._latents = lines
            self.show_ae = show_ae
            self.latent = lines[self._shown()]
        self.on_msg(self._on_page_message)

    @property
    def output_image(self) -> np.ndarray:
        """The shown model's decoding of ``latent``, by PyTorch: float32 (S, S) in [0, 1], bright ink on black, or
        (C, S, S) for a colour model."""
        return self._models.decode(self._slot(self._shown()), [self.latent])[0]

    def _on_page_message(self, widget: Any, content: Any, buffers: Any) -> None:
        """Decode latents for the page (a model only Python runs); an error of the model goes back as a message."""
        if not isinstance(content, dict) or content.get("type") != "decode" or content.get("slot") not in SLOTS:
            return
        try:
            images = self._models.decode(content["slot"], content["latents"])  # (B, S, S) or (B, C, S, S)
        except Exception as exc:  # the user's decode failed: the page shows it and keeps working
            self.send({"type": "decoded", "id": content.get("id"), "error": f"{type(exc).__name__}: {exc}"})
            return
        self.send({"type": "decoded", "id": content.get("id"), "shape": list(images.shape)},
                  buffers=[np.ascontiguousarray(images, "<f4").tobytes()])

    def notify_change(self, change: Any) -> None:
        """Send a change to the page in one message with those its observers make (``show_ae`` moves ``latent``,
        which moves ``_latents``), so the page never applies one half of it."""
        with self.hold_sync():
            super().notify_change(change)

    def _shown(self) -> str:
        return "ae" if self.show_ae else "vae"

    @property
    def family_values(self) -> list[float]:
        """Each family model's place on its axis (β, epoch or d; see ``family_axis``); [] without a family."""
        return list(self._family["values"]) if self._family else []

    @property
    def family_axis(self) -> str | None:
        """What the family varies: "beta", "epoch" or "latent_dim"; None without a family."""
        return self._family["axis"] if self._family else None

    def _slot(self, shown: str) -> str:
        """The bundle slot drawn as ``shown``: the family's shown member in the VAE's place, else the slot itself."""
        return f"family.{self.member}" if shown == "vae" and self.member is not None else shown

    @traitlets.validate("latent")
    def _check_latent(self, proposal: dict[str, Any]) -> list[float]:
        shown = self._shown()
        value, d = proposal["value"], self._models.latent_dim(self._slot(shown))
        if len(value) != d:
            raise traitlets.TraitError(f"latent must have {d} values (the {shown.upper()}'s latent dimensions), "
                                       f"got {len(value)}")
        return self._models.clamp(self._slot(shown), value)

    @traitlets.validate("member")
    def _check_member(self, proposal: dict[str, Any]) -> int | None:
        value, n = proposal["value"], len(self.family_values)
        if value is not None and not 0 <= value < n:
            raise traitlets.TraitError(f"member is an index into family_values (0 to {n - 1}) or None; got {value!r}"
                                       if n else "member needs a family: Explorer(family=[run folders])")
        return value

    @traitlets.observe("member")
    def _show_member(self, change: dict[str, Any]) -> None:
        if "latent" in self._property_lock:  # the page moved the slider and sent its own line with it
            return
        slot, first = self._slot("vae"), self.selected[0] if self.selected else None
        if first is None:
            z = self._bundle_object.arrays[f"{slot}.pca_mean"].tolist()
        else:
            z = self._models.encode(slot, self._bundle_object.arrays["gallery.images"][first] / 255)[0].tolist()
        line = self._models.clamp(slot, z)
        self._latents = {**self._latents, "vae": line}
        if self.show_ae:
            self.show_ae = False  # the slider shows the VAE's place
        self.latent = line

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> list[int]:
        value, n = proposal["value"], len(self.inputs)
        bad = [i for i in value if isinstance(i, bool) or not 0 <= i < n]
        if bad:
            raise traitlets.TraitError(f"selected holds indices into inputs (0 to {n - 1}); got {bad[0]!r}")
        return sorted(set(value))

    @traitlets.observe("latent")
    def _keep_line(self, change: dict[str, Any]) -> None:
        self._latents = {**self._latents, self._shown(): change["new"]}

    @traitlets.observe("show_ae")
    def _show_line(self, change: dict[str, Any]) -> None:
        self.latent = self._latents[self._shown()]

