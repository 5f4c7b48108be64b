"""The package's version, at the bottom of the house: the run folder, the analysis and the bundle record it, and
nothing here imports anything (``import aevae`` lazily reaches the explorer; this module never does). pyproject.toml
reads it from here."""

__version__ = "0.1.0"
