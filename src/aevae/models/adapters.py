"""Adapters from other libraries' models to the ``encode``/``decode`` pair that ``aevae.models.user_model`` reads.

pythae (clementchadebec/benchmark_VAE) models hold an ``encoder`` whose output has ``.embedding`` (the latent
mean) and, for its VAEs, ``.log_covariance`` (the log-variance of a diagonal Gaussian), and a ``decoder`` whose
output has ``.reconstruction`` (the image, in [0, 1] for its Bernoulli decoders). Load a saved model folder with
pythae's own loader, then hand it over:

    from pythae.models import AutoModel
    model = AutoModel.load_from_folder("my_model/final_model")
    aevae.explore(pythae_model(model), images)

aevae does not import pythae: the adapter only reads those attribute names, so anything shaped the same works.
pythae's folder loader unpickles (``torch.load``): load only folders you trust.
"""

from __future__ import annotations

from typing import Any

import torch


def pythae_model(model: Any) -> tuple[Any, Any]:
    """The pair (encode, decode) of a pythae model: encode gives mu or (mu, logvar), decode the reconstruction."""

    def encode(x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        out = model.encoder(x)
        logvar = getattr(out, "log_covariance", None)
        return out.embedding if logvar is None else (out.embedding, logvar)

    def decode(z: torch.Tensor) -> torch.Tensor:
        return model.decoder(z).reconstruction

    if hasattr(model, "eval"):
        model.eval()
    return encode, decode
