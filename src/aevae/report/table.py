"""The one-line-per-model summary used by the report and the sweep, rendered as Markdown or HTML."""

from __future__ import annotations

import html

from aevae.analysis import Analysis

# (key, header with unit, format); a missing value (e.g. KL of an AE) prints as "–"
COLUMNS = (
    ("model", "model", "{}"),
    ("d", "d", "{}"),
    ("bce_nats_per_image", "BCE (nats/image)", "{:.2f}"),
    ("mse_per_pixel", "MSE (/pixel)", "{:.4f}"),
    ("kl_bits_per_image", "KL (bits/image)", "{:.2f}"),
    ("neg_elbo_nats_per_image", "−ELBO (nats/image)", "{:.2f}"),
    ("active_units", "active units (KL > 0.1 nats)", "{}"),
    ("active_units_burda", "active units (Var E[z|x] > 0.01)", "{}"),
    ("knn5_accuracy", "k-NN(5) accuracy", "{:.1%}"),
    ("kmeans10_nmi", "k-means NMI", "{:.3f}"),
    ("silhouette_by_label", "silhouette by label", "{:.3f}"),
    ("mean_latent_norm", "mean ‖z‖ (latent units)", "{:.2f}"),
    ("bits_used_per_image", "bits needed (bits/image)", "{:g}"),
    ("prior_plausible_fraction", "prior samples plausible", "{:.0%}"),
)
# shown only when some run's data set has known factors (the sprites; aevae.analysis.factors)
FACTOR_COLUMNS = (
    ("mig", "MIG (0-1)", "{:.3f}"),
    ("factorvae_score", "FactorVAE score (0-1)", "{:.3f}"),
)


def summary_row(a: Analysis) -> dict:
    """The table's values for one analysed run (keys as in COLUMNS, None where a value does not apply)."""
    m, o = a.metrics, a.organisation
    return {
        "model": a.kind, "d": a.latent_dim,
        **{k: m.get(k) for k in ("bce_nats_per_image", "mse_per_pixel", "kl_bits_per_image",
                                 "neg_elbo_nats_per_image", "active_units", "active_units_burda")},
        **{k: o.get(k) for k in ("knn5_accuracy", "kmeans10_nmi", "silhouette_by_label", "mean_latent_norm")},
        "bits_used_per_image": a.info.get("bits_used_per_image"),
        "prior_plausible_fraction": a.extra.get("prior", {}).get("plausible_fraction"),
        **{k: a.extra.get("factors", {}).get(k) for k, _, _ in FACTOR_COLUMNS},
    }


def columns(rows: list[dict]) -> tuple[tuple[str, str, str], ...]:
    """The columns a table of these rows shows: the factor scores only where some row has them."""
    return COLUMNS + (FACTOR_COLUMNS if any(r.get("mig") is not None for r in rows) else ())


def _cells(row: dict, shown: tuple[tuple[str, str, str], ...]) -> list[str]:
    return ["–" if row.get(k) is None else fmt.format(row[k]) for k, _, fmt in shown]


def markdown_table(rows: list[dict]) -> str:
    """A GitHub-flavoured Markdown table of summary rows."""
    shown = columns(rows)
    lines = ["| " + " | ".join(h for _, h, _ in shown) + " |", "|" + "---|" * len(shown)]
    lines += ["| " + " | ".join(_cells(r, shown)) + " |" for r in rows]
    return "\n".join(lines)


def html_table(rows: list[dict]) -> str:
    """An HTML table of summary rows."""
    shown = columns(rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in shown)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(r, shown)) + "</tr>"
                   for r in rows)
    return f'<table class="metrics"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
