"""The project's own error types: what the CLI reports as a user's problem, with a message instead of a traceback.

Kept free of torch and NumPy so the CLI can catch them without importing either. ``DataError`` lives with the data
layer (``aevae.data``) and ``BundleError`` with the explorer's bundle; both derive from the classes here.
"""


class AevaeError(Exception):
    """Base of every error aevae raises on purpose: the message says what is wrong and what to do."""


class ConfigError(AevaeError, ValueError):
    """A configuration value is invalid (unknown kind, impossible size, a field of the wrong type)."""


class RunError(AevaeError, RuntimeError):
    """A run folder is missing, incomplete, corrupt or incompatible."""


class InputError(AevaeError, ValueError):
    """Images that do not fit a model: another size or channel count than it was trained on."""
