"""``aevae sweep``: train and analyse a grid of models × latent sizes, then write one table beside the paper's claims.

Each grid point is a run folder ``OUT/<kind>-d<d>/``. A point that already finished training is not retrained,
an interrupted one is resumed, and an existing analysis is reused, so a sweep can be re-run after a stop. The
points train as many at a time as there are cores, side by side where that pays (``training.side_by_side``), then
each is analysed.
``OUT/sweep.json`` holds the rows, the claims and the units; ``OUT/sweep.md`` the same for people.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from aevae.analysis import ensure_analysis
from aevae.analysis.analyze import ANALYSIS_UNITS
from aevae.config import RunConfig, TrainConfig
from aevae.data import resolve_preprocess
from aevae.files import atomic_write
from aevae.plans import run_config
from aevae.report.claims import check_claims, claims_markdown
from aevae.report.family import write_family_report
from aevae.report.table import columns, markdown_table, summary_row
from aevae.runs import CONFIG, RunError, is_trained, load_config, write_json
from aevae.runs.family import family_of
from aevae.training.step import resolved
from aevae.training.side_by_side import Job, train_in_waves


def point_dir(out: Path, kind: str, latent_dim: int) -> Path:
    """Run folder of one grid point."""
    return Path(out) / f"{kind}-d{latent_dim}"


def as_saved(train_cfg: TrainConfig) -> TrainConfig:
    """``train_cfg`` as it identifies a grid point: preprocessing resolved as a new run saves it (runs from before the
    choice say "auto"), and no thread count, which only sets how fast it trains (points trained side by side get a
    share of the cores)."""
    return dataclasses.replace(train_cfg, preprocess=resolve_preprocess(train_cfg.data, train_cfg.preprocess),
                               threads=0)


def point_job(cfg: RunConfig, run: Path) -> Job | None:
    """The training grid point ``run`` still needs: none if it is trained, its resume if it was interrupted (or
    killed before its first save), else a new run of ``cfg``.

    A folder trained with other settings is an error, never silently reused.
    """
    if (run / CONFIG).is_file():
        old = load_config(run)
        if (old.model, as_saved(old.train)) != (cfg.model, as_saved(resolved(cfg.train))):
            raise RunError(f"{run} holds a run with other settings ({old.model}, {old.train}); "
                           "choose another --out or remove that folder")
    if is_trained(run):
        print(f"== {run}: already trained, kept", flush=True)
        return None
    if (run / CONFIG).is_file():
        print(f"== {run}: resuming", flush=True)
        return Job(run)
    print(f"== training {cfg.model.kind} (d = {cfg.model.latent_dim}) into {run}", flush=True)
    return Job(run, cfg)


def run_sweep(kinds: list[str], latents: list[int], train_cfg: TrainConfig, out: Path,
              model_options: dict[str, Any] | None = None, progress: bool = True) -> list[dict]:
    """Train and analyse every (kind, latent size) into ``out``; write sweep.json and sweep.md; return the rows.

    ``model_options``: ModelConfig fields by name shared by every grid point (width, hidden, image size; without
    ``channels`` each model takes its data set's, ``aevae.plans.run_config``); kind and latent size are the point's,
    and so are the kind's default weights."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shared = {k: v for k, v in (model_options or {}).items() if k not in ("kind", "latent_dim", "beta", "mmd_weight")}
    base = dataclasses.asdict(run_config(shared, train_cfg).model)  # recorded in sweep.json
    points = {point_dir(out, kind, d): run_config({**shared, "kind": kind, "latent_dim": d}, train_cfg)
              for kind in kinds for d in latents}
    jobs = [job for run, cfg in points.items() if (job := point_job(cfg, run)) is not None]
    train_in_waves(jobs, progress_bar=progress)
    rows = []
    for run in points:
        analysis = ensure_analysis(run, progress=progress)
        rows.append({**summary_row(analysis), "run": run.name})
    claims = check_claims(rows)
    write_json(out / "sweep.json", {
        "rows": rows, "claims": [dataclasses.asdict(c) for c in claims],
        "columns": {key: header for key, header, _ in columns(rows)}, "units": ANALYSIS_UNITS,
        "train": dataclasses.asdict(train_cfg), "model_defaults": base,
    })
    text = (f"# Sweep: {', '.join(kinds)} × d ∈ {{{', '.join(map(str, latents))}}}\n\n"
            f"Data {train_cfg.data}, {train_cfg.epochs} epochs"
            + (f", first {train_cfg.limit} training images" if train_cfg.limit else "")
            + ". Test-set metrics; definitions and reductions in docs/analysis.md.\n\n"
            + markdown_table(rows) + "\n\n## The paper's claims against these numbers\n\n" + claims_markdown(claims) + "\n")
    for kind in kinds:  # each kind along d is a family: its own table and figures
        if len(latents) > 1:
            family = family_of([point_dir(out, kind, d) for d in latents])
            written = write_family_report(family, out / f"{kind}-along-d", progress)
            text += f"\n{kind} along d: [{written.relative_to(out)}]({written.relative_to(out)})\n"
    atomic_write(out / "sweep.md", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return rows
