"""``aevae report RUN_AE RUN_VAE --out DIR``: every figure and number the paper argues with, for one AE/VAE pair.

Reads each run's ``analysis.safetensors`` (``aevae.analysis.ensure_analysis``: analysing the run first when it has none), decodes what the figures
need with the runs' own models, and writes PNGs and ``index.html`` into DIR.
"""

from __future__ import annotations

import html
from pathlib import Path

from matplotlib.figure import Figure  # Figure, not pyplot: Agg canvas, no window, no global state

from aevae.analysis import ensure_analysis
from aevae.data import load_probes
from aevae.files import atomic_write
from aevae.report import image_figures, latent_figures
from aevae.report.claims import check_claims
from aevae.report.page import budget_table, claims_list, factor_tables, render_page
from aevae.report.rate_figure import rate_distortion_figure
from aevae.report.table import html_table, summary_row
from aevae.runs import RunError, load_model, run_data

DPI = 110  # sharp on a laptop screen, small files


def save_figure(fig: Figure, path: Path) -> None:
    """Write a figure as PNG, atomically."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))


def build_report(run_ae: Path, run_vae: Path, out: Path, progress: bool = True) -> Path:
    """Write the report for an AE run and a VAE run into ``out``; returns the path of index.html."""
    runs = [Path(run_ae), Path(run_vae)]
    analyses = [ensure_analysis(r, progress) for r in runs]
    if analyses[0].data != analyses[1].data:
        raise RunError(f"{runs[0]} was trained on {analyses[0].data!r} but {runs[1]} on {analyses[1].data!r}; "
                       "a side-by-side report needs one data set")
    loaded = [load_model(r) for r in runs]
    models = [model for _, model in loaded]
    cfg = loaded[0][0]
    _, test = run_data(cfg)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = [
        ("pca.png", latent_figures.pca_figure(analyses),
         "Fig. 4 of the paper: every training latent projected on its model's first two principal components, "
         "coloured by class, both panels on the same axes."),
        ("violins.png", latent_figures.violin_figure(analyses),
         "Distribution of each latent dimension (kernel density of the training μ), same y axis for both models."),
        ("violins_by_class.png", latent_figures.violin_by_class_figure(analyses),
         "The same per class: how each digit uses each dimension."),
        ("reconstructions.png", image_figures.reconstructions_figure(models, test, load_probes(test.side, test.channels)),
         "Test reconstructions, one per class, then the out-of-distribution probes (question mark, letter, stick man)."),
        ("prior_samples.png", image_figures.prior_figure(models),
         "Decoded samples z ~ N(0, I): the same draws for both models."),
        ("traversals.png", image_figures.traversal_figure(models, analyses),
         "Traversal of each latent dimension between its 1st and 99th percentile."),
        ("interpolation.png", image_figures.interpolation_figure(models, test),
         "Linear interpolation between the latents of two test digits."),
        ("rate_distortion.png", rate_distortion_figure(analyses),
         "Rate–distortion: BCE after quantising each latent dimension to k = 1…16 bits, against k·d bits/image."),
    ]
    if all("factors" in a.extra and "factors" in a.arrays for a in analyses):  # data with known factors (sprites)
        figures.insert(1, ("pca_by_factor.png", latent_figures.pca_by_factor_figure(analyses),
                           "The same maps coloured by each known factor (the sprites' shape, scale, orientation, x, "
                           "y): a factor a model carries in one direction shows as a smooth gradient across its map."))
        figures.insert(2, ("violins_by_factor.png", latent_figures.violin_by_factor_figure(analyses),
                           "Each dimension's violin split across its width by the share of each factor value at each "
                           "height: bands along an axis mean the dimension carries that factor."))
    for name, fig, _ in figures:
        save_figure(fig, out / name)
    rows = [summary_row(a) for a in analyses]
    intro = (f"AE run <code>{html.escape(str(runs[0]))}</code> beside VAE run <code>{html.escape(str(runs[1]))}</code>, "
             f"data set {html.escape(analyses[0].data)}: {analyses[0].n_train:,} training and {analyses[0].n_test:,} "
             "test images. Every number says its unit and reduction; the definitions are in docs/analysis.md.")
    page = render_page("aevae report: AE beside VAE", intro, html_table(rows), budget_table(analyses),
                       claims_list(check_claims(rows)), [(name, caption) for name, _, caption in figures],
                       factor_tables(analyses))
    index = out / "index.html"
    atomic_write(index, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return index
