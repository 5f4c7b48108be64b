"""Models: the shared encoder/decoder, the AE/VAE wrapper and their objectives."""

from aevae.models.autoencoder import Encoding, LatentModel, build_model, check_input
from aevae.models.objectives import bce_per_image, kl_per_dim, mmd, training_loss

__all__ = ["Encoding", "LatentModel", "build_model", "check_input", "bce_per_image", "kl_per_dim", "mmd", "training_loss"]
