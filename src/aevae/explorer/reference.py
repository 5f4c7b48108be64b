"""The PyTorch side of the API: encode and decode with the bundle's models, the reference the browser is tested against.

Models are built on first use, not at start-up: importing torch takes seconds, and the page never waits for it
(it decodes in the browser). Importing this module imports torch; the app imports it only inside a request.
"""

from __future__ import annotations

import threading

import numpy as np
import torch
from safetensors.torch import load as load_tensors

from aevae.config import ModelConfig
from aevae.explorer.bundle import Bundle, BundleError
from aevae.models import LatentModel, build_model


class ReferenceModels:
    """The bundle's two models in PyTorch, built lazily and shared by all requests (inference only).

    Creating one sets PyTorch to one intra-op thread for the process: a request decodes a handful of latents, and
    concurrent requests already use the cores; several OpenMP threads per request fought over them (a single
    decode took 26 ms with two threads on a busy 2-core machine, 1.4 ms with one).
    """

    def __init__(self, bundle: Bundle) -> None:
        torch.set_num_threads(1)
        self.bundle = bundle  # where the weights and configs come from
        self._models: dict[str, LatentModel] = {}
        self._lock = threading.Lock()  # two first requests at once build the model once

    def model(self, slot: str) -> LatentModel:
        """The model in ``slot``, in eval mode on the CPU, with float32 weights (float16 ones are widened)."""
        with self._lock:
            if slot not in self._models:
                self._models[slot] = model_from_weights(self.bundle.model(slot)["config"]["model"],
                                                        self.bundle.weights(slot))
            return self._models[slot]

    @torch.inference_mode()
    def decode(self, slot: str, latents: np.ndarray) -> np.ndarray:
        """Images (B, S, S) float32 in [0, 1] for latents (B, d)."""
        z = torch.as_tensor(latents, dtype=torch.float32)
        return self.model(slot).decode(z)[:, 0].numpy()

    @torch.inference_mode()
    def encode(self, slot: str, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Latent mean (d,) and, for VAEs, posterior standard deviation (d,) of one image (S, S) in [0, 1]."""
        enc = self.model(slot).encode(torch.as_tensor(image, dtype=torch.float32)[None, None])
        return enc.mu[0].numpy(), None if enc.sigma is None else enc.sigma[0].numpy()


def model_from_weights(model_config: dict, weights: bytes) -> LatentModel:
    """A model built from its config (``config.json``'s "model") and safetensors bytes; mismatches raise BundleError."""
    model = build_model(ModelConfig(**model_config))
    tensors = load_tensors(weights)
    expected = model.state_dict()
    wrong = sorted(k for k in expected.keys() | tensors.keys()
                   if k not in tensors or k not in expected or tensors[k].shape != expected[k].shape)
    if wrong:
        raise BundleError(f"weights do not match the model's config: {', '.join(wrong[:5])}")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    return model.eval()
