"""The bundle's models in PyTorch: the reference the browser's decoder is tested against, and the widget's and the
server's own copy of the page's networks. Imports torch."""

from __future__ import annotations

from safetensors.torch import load as load_tensors

from aevae.config import ModelConfig
from aevae.explorer.bundle.format import BundleError
from aevae.models import LatentModel
from aevae.runs import model_from_tensors


def model_from_weights(model_config: dict, weights: bytes) -> LatentModel:
    """A model built from its config (``config.json``'s "model") and safetensors bytes; mismatches raise BundleError."""
    return model_from_tensors(ModelConfig(**model_config), load_tensors(weights), "the bundle's weights", BundleError)
