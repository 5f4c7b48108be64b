"""A family of models along its axis (``aevae report --family RUNS``, and each kind of a sweep along d): one table
row per member and one figure per headline number (BCE, KL, −ELBO) against the axis value.

Members that are run folders contribute their analysis's summary row (``report.table``); snapshots of one run,
which have no analysis file, contribute the test metrics saved with them.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from aevae.analysis import ensure_analysis
from aevae.files import atomic_write
from aevae.runs import write_json
from aevae.runs.family import Family

HEADLINES = (  # (key, axis label with unit and reduction, file name)
    ("bce_nats_per_image", "reconstruction BCE (nats/image, test mean)", "bce"),
    ("kl_bits_per_image", "KL to the prior (bits/image, test mean)", "kl"),
    ("neg_elbo_nats_per_image", "−ELBO (nats/image, test mean)", "neg_elbo"),
)
AXIS_NAMES = {"beta": "β (KL weight)", "latent_dim": "latent size d", "epoch": "epoch"}


def family_rows(family: Family, progress: bool = True) -> list[dict]:
    """One row per member, in axis order: the axis value, then the summary columns (or a snapshot's metrics)."""
    from aevae.report.table import summary_row

    rows = []
    for m in family.members:
        if m.epoch is None:
            row = summary_row(ensure_analysis(m.run, progress))
        else:
            row = {"model": m.config.model.kind, "d": m.config.model.latent_dim,
                   **{k: m.metrics.get(k) for k, _, _ in HEADLINES}, "mse_per_pixel": m.metrics.get("mse_per_pixel")}
        rows.append({family.axis: m.value, **row, "run": m.run.name})
    return rows


def family_markdown(family: Family, rows: list[dict]) -> str:
    """The rows as a Markdown table with the axis first."""
    from aevae.report.table import markdown_table

    table = markdown_table(rows).split("\n")
    axis = AXIS_NAMES[family.axis]
    cells = [f"{r[family.axis]:g}" for r in rows]
    return "\n".join([f"| {axis} {table[0]}", f"|---{table[1]}",
                      *(f"| {c} {line}" for c, line in zip(cells, table[2:]))])


def headline_figure(family: Family, rows: list[dict], key: str, label: str) -> Figure:
    """One headline number against the axis value, a dot per member (a log axis for β, whose values span 0 to 8)."""
    fig = Figure(figsize=(4.2, 3.0), layout="constrained")
    ax = fig.add_subplot()
    points = [(r[family.axis], r[key]) for r in rows if r.get(key) is not None]
    ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color="#1d1f23")
    if family.axis == "beta":
        ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlabel(AXIS_NAMES[family.axis])
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    return fig


def write_family_report(family: Family, out: Path, progress: bool = True) -> Path:
    """Write ``family.md``, ``family.json`` and one PNG per headline number into ``out``; returns family.md's path."""
    from aevae.report.build import save_figure

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = family_rows(family, progress)
    figures = []
    for key, label, name in HEADLINES:
        if any(r.get(key) is not None for r in rows):
            save_figure(headline_figure(family, rows, key, label), out / f"family_{name}.png")
            figures.append(f"![{label} against {AXIS_NAMES[family.axis]}](family_{name}.png)")
    write_json(out / "family.json", {"axis": family.axis, "rows": rows})
    text = (f"# A family along {AXIS_NAMES[family.axis]}\n\n{len(rows)} models; test-set metrics, definitions and "
            f"reductions in docs/analysis.md.\n\n{family_markdown(family, rows)}\n\n" + "\n".join(figures) + "\n")
    atomic_write(out / "family.md", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return out / "family.md"
