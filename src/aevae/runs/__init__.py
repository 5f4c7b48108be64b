"""The run folder, the unit everything after training reads: its files, their formats and their loaders.

``folder``: config.json, model.safetensors, metrics.json and the checks that a run is complete; ``analysis_file``:
analysis.safetensors and the ``Analysis`` it holds. The training loop (``aevae.training``) writes runs, the analysis
writes their analysis file, and the report and the explorer read both, each through this package only.
"""

from aevae.errors import RunError
from aevae.runs.analysis_file import ANALYSIS, Analysis, load_analysis, save_analysis
from aevae.runs.folder import (
    CHECKPOINT,
    CONFIG,
    METRICS,
    WEIGHTS,
    check_trained,
    is_trained,
    load_config,
    load_metrics,
    load_model,
    load_tensors,
    model_from_tensors,
    new_run_config,
    read_json,
    run_data,
    save_weights,
    trained_epochs,
    write_json,
)

__all__ = ["ANALYSIS", "CHECKPOINT", "CONFIG", "METRICS", "WEIGHTS", "Analysis", "RunError", "check_trained",
           "is_trained", "load_analysis", "load_config", "load_metrics", "load_model", "load_tensors",
           "model_from_tensors", "new_run_config", "read_json", "run_data", "save_analysis", "save_weights", "trained_epochs",
           "write_json"]
