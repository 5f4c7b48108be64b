"""aevae: train an autoencoder and a variational autoencoder side by side, measure them, and explore their latent spaces."""

__version__ = "0.1.0"
