"""The run folder, the unit everything after training reads: its files, their formats and their loaders.

``folder``: config.json, model.safetensors, metrics.json and the checks that a run is complete; ``analysis_file``:
analysis.safetensors and the ``Analysis`` it holds; ``lock``: the lock a process holds while it writes a run folder,
so there is one writer at a time. The training loop (``aevae.training``) writes runs, the analysis writes their
analysis file, and the report and the explorer read both, each through this package only.
"""

from aevae.errors import RunError
from aevae.runs.analysis_file import ANALYSIS, Analysis, load_analysis, save_analysis
from aevae.runs.folder import (
    CHECKPOINT,
    CONFIG,
    METRICS,
    WEIGHTS,
    check_not_folder,
    check_trained,
    history_problem,
    is_trained,
    load_config,
    load_metrics,
    load_model,
    load_tensors,
    model_from_tensors,
    new_run_config,
    read_json,
    run_data,
    save_tensors,
    save_weights,
    trained_epochs,
    write_json,
)
from aevae.runs.lock import LOCK, RunBusyError, writing

__all__ = ["ANALYSIS", "CHECKPOINT", "CONFIG", "LOCK", "METRICS", "WEIGHTS", "Analysis", "RunBusyError", "RunError",
           "check_not_folder", "check_trained", "history_problem", "is_trained", "load_analysis", "load_config",
           "load_metrics", "load_model", "load_tensors", "model_from_tensors", "new_run_config", "read_json",
           "run_data", "save_analysis", "save_tensors", "save_weights", "trained_epochs", "writing", "write_json"]
