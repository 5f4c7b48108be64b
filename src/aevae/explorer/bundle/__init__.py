"""The explorer's data bundle: two models, their analysis arrays and a gallery in one safetensors container.

``format``: the container itself (``Bundle``, torch-free, what the page, the server, the widget and the export all
read; the slot metadata's schema); ``models``: its models in PyTorch (``BundleModels``: build, encode, decode, axis
ranges, clamping; imports torch); ``from_runs``: a bundle from trained run folders; ``sources``: from whatever a user hands over (run folders,
models in memory, images); ``gallery``: the input images; ``make_defaults``: the shipped pair in ``defaults/``.
"""

from aevae.explorer.bundle.format import (
    ANALYSIS_ARRAYS,
    BUNDLE_FORMAT,
    SHIPPED,
    SLOTS,
    Bundle,
    BundleError,
    shipped_bundle_bytes,
)

__all__ = ["ANALYSIS_ARRAYS", "BUNDLE_FORMAT", "SHIPPED", "SLOTS", "Bundle", "BundleError", "shipped_bundle_bytes"]
