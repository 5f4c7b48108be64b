"""The bundle's models in PyTorch, slot by slot: the one place that builds, encodes, decodes and knows each latent
axis's range, for the server's API, the notebook widget and the tests (the reference the browser is checked against).

    models = BundleModels(bundle)                 # nothing is built yet
    models.slots                                  # ("ae", "vae", "family.0", ...): every model the bundle holds
    mu, sigma = models.encode("vae", image)       # image (S, S) grey or (C, S, S) colour, float in [0, 1]
    models.reconstruction_bce("vae", image, mu)   # nats/image, of the image under the decoding of mu
    images = models.decode("vae", latents)        # latents (B, d) -> (B, S, S) grey or (B, C, S, S) colour
    models.axis_ranges("vae")                     # [(lo, hi)] per latent dimension, as the page draws its axes
    models.clamp("vae", z)                        # z clamped to those axes, as dragging in the page clamps

A slot's network is built from its weights and its config the first time it is used (thread-safe), in eval mode
on the CPU with float32 weights (float16 ones are widened; a family member's 8-bit ones are dequantised as the page
does, ``aevae.explorer.bundle.family``). A user's own model (``aevae.explorer.bundle.own_model``)
is handed over as it is, since its slot may carry no weights. Imports torch.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensors

from aevae.config import ModelConfig
from aevae.errors import InputError
from aevae.explorer.bundle.format import Bundle, BundleError, model_facts
from aevae.models import LatentModel, bce_per_image
from aevae.runs import model_from_tensors


FAMILY = "family"  # slots family.0, family.1, …: the members of the bundle's family, arrays named the same way


class BundleModels:
    """Every model of one bundle in PyTorch, built on first use and shared (inference only)."""

    def __init__(self, bundle: Bundle, own: Mapping[str, Any] | None = None) -> None:
        self.bundle = bundle  # where the weights, configs and axis ranges come from
        self._models: dict[str, Any] = dict(own or {})  # slot -> LatentModel, or the user's wrapped UserModel
        self._lock = threading.Lock()  # two first requests at once build the model once

    @property
    def slots(self) -> tuple[str, ...]:
        """The bundle's slots in its order, then its family's members as ``family.0``, ``family.1``, …"""
        members = self.bundle.meta.get("family", {}).get("members", [])
        return (*self.bundle.slots, *(f"{FAMILY}.{i}" for i in range(len(members))))

    def meta(self, slot: str) -> dict[str, Any]:
        """The metadata of the model in ``slot``, its model facts derived (see ``aevae.explorer.bundle.format``)."""
        if slot.startswith(f"{FAMILY}."):
            stored = self.bundle.meta["family"]["members"][int(slot.split(".", 1)[1])]
            return {**stored, **model_facts(stored["config"]["model"])}
        return self.bundle.model(slot)

    def model(self, slot: str) -> Any:
        """The model in ``slot`` (a ``LatentModel``, or the user's own model as given); KeyError for another slot."""
        with self._lock:
            if slot not in self._models:
                self._models[slot] = self._build(slot)
            return self._models[slot]

    def _build(self, slot: str) -> LatentModel:
        if slot.startswith(f"{FAMILY}."):
            from aevae.explorer.bundle.family import member_model

            return member_model(self.bundle, int(slot.split(".", 1)[1]))
        config = ModelConfig(**self.bundle.model(slot)["config"]["model"])
        tensors = load_tensors(self.bundle.weights(slot))
        return model_from_tensors(config, tensors, "the bundle's weights", BundleError)

    def latent_dim(self, slot: str) -> int:
        """The number of latent values of the model in ``slot``."""
        return self.meta(slot)["latent_dim"]

    def axis_ranges(self, slot: str) -> list[tuple[float, float]]:
        """Each latent dimension's axis [lo, hi]: the span of its violin's grid, as the page draws it (latent.js)."""
        grid = self.bundle.arrays[f"{slot}.density_grid"]  # (d, G)
        return [(float(row[0]), float(row[-1])) for row in grid]

    def clamp(self, slot: str, values: Sequence[float]) -> list[float]:
        """Each value clamped to its axis in ``slot``, as the page's clampToAxes does when a line is dragged."""
        return [min(max(float(v), lo), hi) for v, (lo, hi) in zip(values, self.axis_ranges(slot))]

    @torch.inference_mode()
    def encode(self, slot: str, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Latent mean (d,) and, for a variational model, posterior standard deviation (d,) of one image in [0, 1],
        (S, S) grey or (C, S, S) colour; another shape raises InputError naming the model's."""
        enc = self.model(slot).encode(batch_of_one(image))
        return enc.mu[0].numpy(), None if enc.sigma is None else enc.sigma[0].numpy()

    @torch.inference_mode()
    def reconstruction_bce(self, slot: str, image: np.ndarray, mu: np.ndarray) -> float:
        """The binary cross-entropy of ``image`` (as ``encode`` takes it) under the decoding of its mean ``mu`` (d,),
        nats/image: the reconstruction error the page ranks among the test images'."""
        logits = self.model(slot).decode_logits(torch.as_tensor(np.asarray(mu, np.float32))[None])
        return float(bce_per_image(logits, batch_of_one(image))[0])

    @torch.inference_mode()
    def decode(self, slot: str, latents: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Images float32 in [0, 1] for latents (B, d): (B, S, S) for a grey model, (B, C, S, S) for a colour one;
        latents of another shape raise InputError."""
        z = torch.as_tensor(np.asarray(latents, dtype=np.float32))  # (B, d)
        d = self.latent_dim(slot)
        if z.dim() != 2 or z.shape[1] != d:
            raise InputError(f"latents of the {slot} model are (B, {d}); got {tuple(z.shape)}")
        images = self.model(slot).decode(z).float().cpu()  # (B, C, S, S)
        return (images[:, 0] if images.shape[1] == 1 else images).numpy()


def batch_of_one(image: np.ndarray) -> torch.Tensor:
    """One image in [0, 1], (S, S) grey or (C, S, S) colour, as a float32 batch (1, C, S, S)."""
    x = torch.as_tensor(np.asarray(image), dtype=torch.float32)
    return x[None, None] if x.dim() == 2 else x[None]
