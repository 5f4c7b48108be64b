"""The PyTorch side of the API: encode and decode with the bundle's models, the reference the browser is tested against.

Models are built on first use, not at start-up: importing torch takes seconds, and the page never waits for it
(it decodes in the browser). Importing this module imports torch; the app imports it only inside a request.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np
import torch

from aevae.explorer.bundle import Bundle
from aevae.explorer.bundle.networks import model_from_weights
from aevae.models import LatentModel
from aevae.models.user_model import UserModel


class ReferenceModels:
    """The bundle's two models in PyTorch, built lazily and shared by all requests (inference only)."""

    def __init__(self, bundle: Bundle, own: Mapping[str, UserModel] | None = None) -> None:
        self.bundle = bundle  # where the weights and configs come from
        # A user's own models (aevae.explorer.bundle.own_model) are used as given: the bundle holds no weights for them.
        self._models: dict[str, LatentModel | UserModel] = dict(own or {})
        self._lock = threading.Lock()  # two first requests at once build the model once

    def model(self, slot: str) -> LatentModel | UserModel:
        """The model in ``slot``, in eval mode on the CPU, with float32 weights (float16 ones are widened)."""
        with self._lock:
            if slot not in self._models:
                self._models[slot] = model_from_weights(self.bundle.model(slot)["config"]["model"],
                                                        self.bundle.weights(slot))
            return self._models[slot]

    @torch.inference_mode()
    def decode(self, slot: str, latents: np.ndarray) -> np.ndarray:
        """Images float32 in [0, 1] for latents (B, d): (B, S, S) for a grey model, (B, 3, S, S) for a colour one."""
        model = self.model(slot)
        images = model.decode(torch.as_tensor(latents, dtype=torch.float32))  # (B, C, S, S)
        return (images[:, 0] if model.cfg.channels == 1 else images).numpy()

    @torch.inference_mode()
    def encode(self, slot: str, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Latent mean (d,) and, for VAEs, posterior standard deviation (d,) of one image in [0, 1], (S, S) grey or
        (3, S, S) colour; another shape raises aevae.errors.InputError naming the model's."""
        x = torch.as_tensor(image, dtype=torch.float32)
        enc = self.model(slot).encode(x[None, None] if x.dim() == 2 else x[None])
        return enc.mu[0].numpy(), None if enc.sigma is None else enc.sigma[0].numpy()
