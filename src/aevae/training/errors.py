"""The run-folder error, kept free of torch so the CLI can catch it without importing PyTorch."""


class RunError(RuntimeError):
    """A run folder is missing, incomplete, corrupt or incompatible."""
