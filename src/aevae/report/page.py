"""The report's HTML page: static, offline (no scripts, fonts or styles from elsewhere), figures as local PNGs."""

from __future__ import annotations

import html

from aevae.analysis import Analysis
from aevae.report.claims import Claim
from aevae.report.palette import model_label

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; margin-top: 0.4em; }
.agrees { color: #1a6e1a; font-weight: bold; } .disagrees { color: #a01010; font-weight: bold; }
.not-tested { color: #777; font-weight: bold; }
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


def budget_table(analyses: list[Analysis]) -> str:
    """Bit budget (computed from the configuration) and bits measured, one column per model, with meanings."""
    rows = [("input_bits", "input (bits/image)"), ("latent_float_bits", "float capacity of the latent (bits/image)"),
            ("ratio", "input bits / latent bits"), ("compression_ratio", "pixel values per latent number"),
            ("bits_used_per_image", "bits the decoder needs (bits/image, from the curve)"),
            ("vae_rate_bits_per_image", "VAE rate = KL (bits/image)")]
    head = "<th>quantity</th>" + "".join(f"<th>{_esc(model_label(a.kind, a.latent_dim))}</th>" for a in analyses)
    body = ""
    for key, name in rows:
        cells = "".join(f"<td>{_fmt(a.info.get(key))}</td>" for a in analyses)
        body += f"<tr><td>{_esc(name)}</td>{cells}</tr>"
    meanings = "".join(f"<li><b>{_esc(model_label(a.kind, a.latent_dim))}</b>: " +
                       " ".join(_esc(v) + "." for k, v in a.info.items() if k.endswith("_meaning")) + "</li>"
                       for a in analyses)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><ul>{meanings}</ul>"


def factor_tables(analyses: list[Analysis]) -> str:
    """For runs on a data set with known factors: each model's I(z_j; v_k) / H(v_k) matrix (rows latent
    dimensions, columns factors), shaded by value, with its MIG and FactorVAE score; empty otherwise."""
    parts = []
    for a in analyses:
        scores = a.extra.get("factors")
        if not scores:
            continue
        head = "<th>dimension</th>" + "".join(f"<th>{_esc(n)}</th>" for n in scores["factor_names"])
        body = "".join(
            f"<tr><td>z{j + 1}</td>" + "".join(
                f'<td style="background: rgba(40, 90, 200, {min(max(v, 0.0), 1.0) * 0.6:.2f})">{v:.3f}</td>'
                for v in row) + "</tr>" for j, row in enumerate(scores["mi_normalised"]))
        parts.append(f"<h3>{_esc(model_label(a.kind, a.latent_dim))}: MIG {scores['mig']:.3f}, FactorVAE score "
                     f"{scores['factorvae_score']:.3f} (ceiling {scores['factorvae_ceiling']:.2f})</h3>"
                     f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    if not parts:
        return ""
    return ("<h2>Known factors: which dimension carries which</h2><p>Mutual information of each latent dimension "
            "(training μ, 20 bins) with each factor, divided by the factor's entropy: 0 = nothing, 1 = the "
            "dimension determines the factor. MIG (Chen et al. 2018) and the FactorVAE score (Kim &amp; Mnih 2018) "
            "are 0–1; see docs/sprites.md.</p>" + "".join(parts))


def claims_list(claims: list[Claim]) -> str:
    """The paper's claims with verdict, numbers and criterion."""
    items = "".join(
        f'<li><b>{_esc(c.claim)}</b> <span class="{c.verdict.replace(" ", "-")}">{_esc(c.verdict)}</span><br>'
        f"measured: {_esc(c.evidence)}<br><small>criterion: {_esc(c.criterion)}</small></li>" for c in claims)
    return f"<ol>{items}</ol>"


def render_page(title: str, intro: str, metrics_html: str, budget_html: str, claims_html: str,
                figures: list[tuple[str, str]], factors_html: str = "") -> str:
    """The whole page; ``figures`` are (file name relative to the page, caption); ``factors_html`` from
    ``factor_tables`` (empty for data sets without known factors)."""
    figs = "".join(f'<figure><img src="{_esc(name)}" alt="{_esc(caption)}"><figcaption>{_esc(caption)}</figcaption>'
                   f"</figure>" for name, caption in figures)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{_esc(title)}</h1><p>{intro}</p>"
            f"<h2>Metrics (test set)</h2>{metrics_html}{factors_html}<h2>Bits</h2>{budget_html}"
            f"<h2>The paper's claims against these numbers</h2>{claims_html}<h2>Figures</h2>{figs}</body></html>\n")


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return _esc(value)
