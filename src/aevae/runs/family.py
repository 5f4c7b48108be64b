"""A family of models: trained runs that differ along exactly one axis, for the explorer's slider.

The axis is read from the runs, never typed in: β (``model.beta``, e.g. ``aevae train --preset beta``), the latent
size d (``model.latent_dim``, e.g. the runs of one kind from ``aevae sweep``), or the epoch of one run's snapshots
(``aevae train --snapshots``). ``family_of(paths)`` takes run folders, or folders of runs (a preset's or a sweep's
OUT), and refuses with a message naming the problem: runs that differ in more settings than one, or in their data
or image size; a family of one run without snapshots; snapshots missing or from another run; a run still training.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aevae.config import RunConfig
from aevae.errors import RunError
from aevae.runs.folder import CONFIG, load_config, load_metrics, trained_epochs, WEIGHTS
from aevae.runs.snapshots import load_snapshots

AXES = {"beta": "β", "latent_dim": "d"}  # settings a family of runs may vary, with the symbol the page shows
EPOCH_AXIS = "epoch"  # the axis of one run's snapshots
IGNORED = {"threads", "snapshots"}  # settings that change how fast a run trains or what it records, not the model
SAME_INPUTS = {"data", "limit", "preprocess", "image_size", "channels"}  # a family's members see the same images


@dataclass(frozen=True)
class Member:
    """One model of a family: a run folder (and, on the epoch axis, the epoch of its snapshot)."""

    run: Path
    value: float  # its place on the axis
    config: RunConfig
    metrics: dict[str, Any]  # test metrics: the run's final ones, or the snapshot's
    epoch: int | None = None  # a snapshot's epoch; None for a run's final weights


@dataclass(frozen=True)
class Family:
    """Models along one axis, in increasing order of ``values``."""

    axis: str  # "beta", "latent_dim" or "epoch"
    members: tuple[Member, ...]

    @property
    def values(self) -> list[float]:
        """Each member's place on the axis."""
        return [m.value for m in self.members]

    @property
    def symbol(self) -> str:
        """How the page names the axis: β, d or epoch."""
        return AXES.get(self.axis, self.axis)


def runs_in(folder: Path) -> list[Path]:
    """The run folders directly inside ``folder`` (a preset's ``ae/`` and ``vae/``), sorted; [] for a run folder."""
    folder = Path(folder)
    if (folder / CONFIG).is_file() or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / CONFIG).is_file())


def settings(cfg: RunConfig) -> dict[str, Any]:
    """A run's settings by field name (model and training), less those that do not change the model."""
    flat = {**dataclasses.asdict(cfg.model), **dataclasses.asdict(cfg.train)}
    return {k: v for k, v in flat.items() if k not in IGNORED}


def finished(run: Path) -> RunConfig:
    """The config of a finished run; RunError for a folder that is no run, or one still training (or stopped)."""
    cfg = load_config(run)
    done = trained_epochs(run)
    if done < cfg.train.epochs or not (run / WEIGHTS).is_file():
        raise RunError(f"{run} has trained {done} of {cfg.train.epochs} epochs: it is still training, or was "
                       f"stopped; a family is made of finished runs (wait for it, or finish it with: "
                       f"aevae train --resume {run})")
    return cfg


def family_of(paths: list[Path]) -> Family:
    """The family that the run folders (or folders of runs) ``paths`` make; RunError naming what is wrong."""
    runs: list[Path] = []
    for path in map(Path, paths):
        inside = runs_in(path)
        if not inside and not (path / CONFIG).is_file():
            raise RunError(f"{path} is neither a run folder nor a folder of runs (no {CONFIG} in it or in its "
                           "sub-folders)")
        runs.extend(inside or [path])
    runs = list(dict.fromkeys(r.resolve() for r in runs))
    configs = [finished(r) for r in runs]
    if len(runs) == 1:
        return _epoch_family(runs[0], configs[0])
    table = [settings(c) for c in configs]
    differ = sorted(k for k in table[0] if len({repr(t[k]) for t in table}) > 1)
    if not differ:
        raise RunError(f"{', '.join(map(str, runs))} are trained with the same settings: a family varies one "
                       f"setting ({', '.join(AXES)})")
    if len(differ) > 1 or differ[0] not in AXES:
        inputs = sorted(set(differ) & SAME_INPUTS)
        why = (f"; {' and '.join(inputs)} must be the same, so that every member sees the same images" if inputs
               else "")
        shown = "; ".join(f"{r.name}: " + ", ".join(f"{k} {t[k]}" for k in differ) for r, t in zip(runs, table))
        raise RunError(f"these runs differ in {', '.join(differ)}, but a family varies one setting, β (beta) or "
                       f"the latent size (latent_dim){why} ({shown})")
    axis = differ[0]
    values = [t[axis] for t in table]
    if len(set(values)) < len(values):
        raise RunError(f"two of these runs have the same {axis}: a family holds one model per value")
    members = [Member(r, float(v), c, load_metrics(r).get("final", {})) for r, v, c in zip(runs, values, configs)]
    return Family(axis, tuple(sorted(members, key=lambda m: m.value)))


def _epoch_family(run: Path, cfg: RunConfig) -> Family:
    if not cfg.train.snapshot_epochs:
        raise RunError(f"a family needs at least two runs, or one run trained with --snapshots (its models at "
                       f"chosen epochs); {run} is one run without snapshots")
    snaps = load_snapshots(run, cfg)
    if len(snaps) < 2:
        raise RunError(f"{run} has one snapshot (epoch {snaps[0].epoch}); a family needs two or more")
    return Family(EPOCH_AXIS, tuple(Member(run, float(s.epoch), cfg, s.metrics, s.epoch) for s in snaps))
