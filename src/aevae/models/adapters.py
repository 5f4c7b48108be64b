"""Adapters from other libraries' models to the ``encode``/``decode`` pair that ``aevae.models.user_model`` reads.

pythae (clementchadebec/benchmark_VAE) models hold an ``encoder`` whose output has ``.embedding`` (the latent
mean) and, for its VAEs, ``.log_covariance`` (the log-variance of a diagonal Gaussian), and a ``decoder`` whose
output has ``.reconstruction`` (the image, in [0, 1] for its Bernoulli decoders). Load a saved model folder with
pythae's own loader, then hand it over:

    from pythae.models import AutoModel
    model = AutoModel.load_from_folder("my_model/final_model")
    aevae.explore(pythae_model(model), images)

aevae does not import pythae: the adapter only reads those attribute names, so anything shaped the same works.
The adapter is a module holding pythae's, so the layer table can trace through it: pythae's encoders with their
two heads (``embedding``, ``log_var``) and its decoders ending in a sigmoid run in the page. pythae's folder
loader unpickles (``torch.load``): load only folders you trust.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class PythaeModel(nn.Module):
    """A pythae model behind ``encode`` (mu, or (mu, logvar)) and ``decode`` (the reconstruction)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model  # registered where it is a module, so its weights are this module's

    def encode(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """mu, or (mu, logvar) for pythae's VAEs."""
        out = self.model.encoder(x)
        logvar = getattr(out, "log_covariance", None)
        return out.embedding if logvar is None else (out.embedding, logvar)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's reconstruction."""
        return self.model.decoder(z).reconstruction


def pythae_model(model: Any) -> PythaeModel:
    """A pythae model as a module with encode (mu or (mu, logvar)) and decode (the reconstruction)."""
    if hasattr(model, "eval"):
        model.eval()
    return PythaeModel(model)
