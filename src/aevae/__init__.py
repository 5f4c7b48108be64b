"""aevae: train an autoencoder and a variational autoencoder side by side, measure them, and explore their latent spaces."""

from aevae.version import __version__

__all__ = ["Explorer", "__version__", "explore"]


def __getattr__(name: str) -> object:
    """``aevae.Explorer``, the notebook widget, and ``aevae.explore``, the served explorer on your own model,
    imported on first use: ``import aevae`` stays free of torch and Jupyter."""
    if name == "Explorer":
        from aevae.explorer.widget import Explorer

        return Explorer
    if name == "explore":
        from aevae.explorer.server.serve import explore

        return explore
    raise AttributeError(f"module 'aevae' has no attribute {name!r}")
