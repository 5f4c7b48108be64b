"""The explorer's bundle: everything the page needs, in one safetensors container, so it runs without a server.

A bundle holds two models in the slots "ae" and "vae" (any kind and latent size may fill either slot), the
analysis arrays the views draw, and a gallery of input images. Its JSON metadata sits in the safetensors header
(``__metadata__["aevae.explorer"]``): ``{"format", "models": {SLOT: slot metadata}, "gallery": [item], "provenance"}``.

A slot's metadata stores each fact once (written by ``aevae.explorer.bundle.from_runs.model_meta``):

- ``config``  the run's configuration (``config.json``): ``config["model"]`` is the one home of the model's
  ``kind``, ``latent_dim``, ``image_size`` and ``channels``, ``config["train"]`` of its data set and preprocessing
- ``layers``  the layer table (``aevae.models.layers``) from which the page builds the network; its latent size
  is ``config["model"]["latent_dim"]``
- ``preprocess``, ``data``, ``classes``, ``metrics``, ``organisation``, ``info``, ``novelty``, ``units``,
  ``pca_explained_variance_ratio``, ``source`` and, where measured, ``factors``, ``rate_distortion``, ``prior``;
  for a user's own model ``own``, ``both_slots`` and, where only Python can run it, ``decoder``, ``python_only``

``MODEL_FACTS`` (``kind``, ``variational``, ``latent_dim``, ``image_size``, ``channels``) are derived from
``config["model"]`` when a slot is read (``Bundle.model`` here, ``loadBundle`` in the page's ``bundle.js``), under
the same names in Python, in the API's JSON and in the page; bundles written before this stored them too, and the
stored copies are ignored. Its arrays, named ``SLOT.NAME`` or ``gallery.images``, are:

- ``SLOT.weights``        uint8: the bytes of the model's own ``model.safetensors`` (float32 or float16 tensors)
- ``SLOT.pca_points``     float16 (N, 2): every training latent projected on the two principal components
- ``SLOT.labels``         uint8 (N,): the training labels, to colour the points
- ``SLOT.pca_components`` float32 (2, d) and ``SLOT.pca_mean`` float32 (d,): to project and to invert the PCA
- ``SLOT.density_grid``   float32 (d, G) and ``SLOT.density`` float32 (d, G): each dimension's violin
- ``SLOT.quantiles``      float32 (d, 101): percentiles 0..100 of each dimension, for the out-of-distribution hint
- ``SLOT.test_bce_quantiles`` float32 (1001,), optional: percentiles 0, 0.1, …, 100 of the test images'
  reconstruction error, and for VAEs ``SLOT.test_typicality_quantiles`` (aevae.analysis.novelty); bundles made
  before these existed lack them, and the page then says "not measured"
- ``SLOT.factors``        uint8 (N, K), optional: for data sets with known factors (the sprites), each training
  image's value of each factor, rows in the order of ``SLOT.pca_points``; the model's metadata ``"factors"`` holds
  their names (``factor_names``), value labels (``factor_values``) and the latent × factor mutual-information matrix
  with MIG and the FactorVAE score (``aevae.analysis.factors``), and each gallery item of such a data set its
  ``"factors"`` ({name: value label})
- ``SLOT.latents``        float16 (N, d), only beside ``SLOT.factors``: the training images' latent means, rows in
  the same order, from which the page splits each violin by the values of a factor
- ``SLOT.gallery_mu`` float32 (M, d), ``SLOT.gallery_bce`` float32 (M,) and, for VAEs, ``SLOT.gallery_sigma``
  float32 (M, d), only for a user's own model that the page cannot run (metadata ``"decoder": "python"``, no
  weights: ``SLOT.weights`` is empty): the gallery images' codes and reconstruction BCE (nats/image), computed by
  Python (``aevae.explorer.bundle.own_model``); a user's model carries ``"own": true`` in its metadata, and
  ``"both_slots": true`` where one model fills both slots (the page then offers no AE/VAE switch)
- ``family.I.*``          optional: the models of a family along one axis (β, epoch, latent size) for the page's
  slider, with metadata ``"family"``; see ``aevae.explorer.bundle.family``
- ``gallery.images``      uint8 (M, S, S) grey or (M, 3, S, S) colour: test images and probes, bright ink on black

The same bytes are served to the browser, embedded in the static export and handed to the notebook widget.
Nothing here imports torch: the shipped bundle loads in milliseconds, which keeps ``aevae explore`` quick to start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors

from aevae.data import resolve_preprocess
from aevae.config import PREPROCESSING
from aevae.errors import AevaeError

BUNDLE_FORMAT = 1  # version of the bundle layout (not the run folder's RUN_FORMAT); bumped when it changes incompatibly
SLOTS = ("ae", "vae")  # the two models side by side; the names the API and the page use
META_KEY = "aevae.explorer"
SHIPPED = "defaults/bundle.safetensors"  # inside this package; see aevae.explorer.bundle.make_defaults
ANALYSIS_ARRAYS = {  # analysis tensor -> dtype in the bundle; float16 halves the N-sized arrays at no visible cost
    "pca_points": np.float16,
    "labels": np.uint8,
    "pca_components": np.float32,
    "pca_mean": np.float32,
    "density_grid": np.float32,
    "density": np.float32,
    "quantiles": np.float32,
}
OPTIONAL_ARRAYS = {  # analysis tensor -> dtype; copied when the analysis has it (aevae.analysis.novelty, .factors)
    "test_bce_quantiles": np.float32,
    "test_typicality_quantiles": np.float32,
    "factors": np.uint8,
}
FACTOR_LATENTS = np.float16  # SLOT.latents: only where SLOT.factors is, for the violins split by a factor


GLYPH_32 = ("glyph", 32, 1)  # (preprocessing, side, channels) of the shipped models: MNIST-style grey 32×32


def input_layout(model_meta: dict[str, Any]) -> tuple[str, int, int]:
    """(preprocessing, side, channels) a bundle model's inputs are prepared with: the run's own choice, so a drawing
    or an upload becomes what the model saw in training (runs from before the choice existed: glyph)."""
    config = model_meta.get("config", {})
    model, train = config.get("model", {}), config.get("train", {})
    how = train.get("preprocess", "auto")
    if how not in PREPROCESSING:  # "auto": the data set's own choice (a user's own images say "fit" themselves)
        how = resolve_preprocess(train.get("data", "mnist"), how)
    return how, int(model.get("image_size", 32)), int(model.get("channels", 1))


MODEL_FACTS = ("kind", "variational", "latent_dim", "image_size", "channels")  # derived from config["model"]


def model_facts(config_model: dict[str, Any]) -> dict[str, Any]:
    """The facts a slot's metadata derives from its ``config["model"]`` (see the module docstring)."""
    return {
        "kind": config_model["kind"],
        "variational": config_model["kind"] != "ae",
        "latent_dim": int(config_model["latent_dim"]),
        "image_size": int(config_model.get("image_size", 32)),
        "channels": int(config_model.get("channels", 1)),  # 1 grey, 3 colour (RGB, channels first in every array)
    }


class BundleError(AevaeError, ValueError):
    """A bundle is malformed, or cannot be built from what it was given."""


@dataclass(frozen=True, eq=False)
class Bundle:
    """JSON metadata and named arrays of one explorer page (see the module docstring for the layout)."""

    meta: dict[str, Any]  # "format", "models" {slot: model metadata}, "gallery" [item metadata], "provenance"
    arrays: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        if self.meta.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"bundle format {self.meta.get('format')!r}; this aevae reads format {BUNDLE_FORMAT}")
        missing = [f"{slot}.{name}" for slot in SLOTS for name in ("weights", *ANALYSIS_ARRAYS)]
        missing = [k for k in [*missing, "gallery.images"] if k not in self.arrays]
        if missing or set(self.meta.get("models", {})) != set(SLOTS):
            raise BundleError(f"bundle lacks {', '.join(missing) or 'metadata for both models'}")
        unknown = [slot for slot, m in self.meta["models"].items()
                   if not {"kind", "latent_dim"} <= set(m.get("config", {}).get("model", {}))]
        if unknown:
            raise BundleError(f"bundle metadata of {', '.join(unknown)} lacks the model's config (kind, latent_dim)")
        if len(self.meta.get("gallery", [])) != len(self.arrays["gallery.images"]):
            raise BundleError("bundle gallery metadata and images differ in length")
        family = self.meta.get("family")
        if family is not None:
            n = len(family.get("members", []))
            lost = [f"family.{i}.{name}" for i in range(n) for name in ("weights", *ANALYSIS_ARRAYS)
                    if f"family.{i}.{name}" not in self.arrays]
            if n < 2 or len(family.get("values", [])) != n or lost:
                raise BundleError(f"bundle family is incomplete ({', '.join(lost[:3]) or f'{n} member(s)'})")

    @property
    def slots(self) -> tuple[str, ...]:
        """The slots this bundle holds, in its order."""
        return tuple(self.meta["models"])

    def model(self, slot: str) -> dict[str, Any]:
        """Metadata of the model in ``slot`` with its ``MODEL_FACTS`` derived; KeyError names the known slots."""
        if slot not in self.meta["models"]:
            raise KeyError(f"unknown model {slot!r}; known models: {', '.join(self.slots)}")
        stored = self.meta["models"][slot]
        return {**stored, **model_facts(stored["config"]["model"])}

    def latent_dim(self, slot: str) -> int:
        """The number of latent values of the model in ``slot``."""
        return self.model(slot)["latent_dim"]

    def weights(self, slot: str) -> bytes:
        """The model's weights as safetensors bytes."""
        self.model(slot)
        return self.arrays[f"{slot}.weights"].tobytes()

    def to_bytes(self) -> bytes:
        """The bundle as one safetensors file."""
        return save_safetensors(self.arrays, metadata={META_KEY: json.dumps(self.meta, allow_nan=False)})

    @classmethod
    def from_bytes(cls, data: bytes) -> Bundle:
        """Parse bytes written by ``to_bytes``; anything else raises BundleError."""
        try:
            arrays = load_safetensors(data)
            header_len = int.from_bytes(data[:8], "little")
            meta = json.loads(data[8 : 8 + header_len])["__metadata__"][META_KEY]
            return cls(json.loads(meta), arrays)
        except (SafetensorError, KeyError, TypeError, ValueError) as exc:
            raise BundleError(f"not an explorer bundle ({exc})") from None


def shipped_bundle_bytes() -> bytes:
    """The bytes of the pretrained bundle that ships with the package (the paper's AE and VAE on MNIST)."""
    path = resources.files("aevae.explorer.bundle") / SHIPPED
    if not path.is_file():
        raise BundleError(f"the shipped models are missing ({path}); regenerate them with "
                          "python -m aevae.explorer.bundle.make_defaults --from RUNS")
    return path.read_bytes()
