"""Analysis of trained runs: latents, their statistics, the information view, written to ``analysis.safetensors``.

Public entry points: ``analyze_run`` (compute and write) and ``load_analysis`` (read, for the report and the
explorer). Imports only from data, models, metrics and training.runs.
"""

from aevae.analysis.analyze import analyze_run, describe
from aevae.analysis.stats import LatentStats
from aevae.analysis.store import ANALYSIS, Analysis, load_analysis

__all__ = ["ANALYSIS", "Analysis", "LatentStats", "analyze_run", "describe", "load_analysis"]
