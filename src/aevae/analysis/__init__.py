"""Analysis of trained models: latents, their statistics and the information view.

Public entry points: ``analyze`` (a model and its data, in memory), ``analyze_run`` (a run folder, written to its
``analysis.safetensors``), ``ensure_analysis`` (read it, computing it first if missing) and ``describe``. The file
format and ``Analysis`` itself live with the run folder (``aevae.runs``). Imports only from data, models, metrics
and runs.
"""

from aevae.analysis.analyze import analyze, analyze_run, describe, ensure_analysis
from aevae.analysis.stats import LatentStats
from aevae.runs import ANALYSIS, Analysis, load_analysis

__all__ = ["ANALYSIS", "Analysis", "LatentStats", "analyze", "analyze_run", "describe", "ensure_analysis",
           "load_analysis"]
