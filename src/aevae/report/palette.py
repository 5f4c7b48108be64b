"""Colours shared by every figure: one per class, from a colour-blind-safe set, and one per model.

Classes use Petroff's ten-colour sequence (M. A. Petroff, "Accessible Color Sequences for Data Visualization",
2021, arXiv:2107.02270; matplotlib's ``petroff10`` style), chosen by a user study to stay distinguishable under
the common colour-vision deficiencies. Models are told apart by grey level and line style instead, so a model is
never mistaken for a class.
"""

from __future__ import annotations

CLASS_COLOURS = ("#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
                 "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd")
MODEL_STYLES = {"ae": {"color": "#000000", "linestyle": "-", "marker": "o"},
                "vae": {"color": "#777777", "linestyle": "--", "marker": "s"}}
VIOLIN_FILL = "#9bb7d4"  # all-class violins: a light neutral blue that no class uses
MODEL_LABELS = {"ae": "AE", "vae": "VAE"}


def class_colour(label: int) -> str:
    """Colour of class ``label``; classes beyond ten reuse the sequence (a data set of >10 classes is unusual here)."""
    return CLASS_COLOURS[label % len(CLASS_COLOURS)]


def model_style(kind: str) -> dict[str, str]:
    """Line and marker style of a model kind (VAE variants share the VAE's)."""
    return MODEL_STYLES["ae" if kind == "ae" else "vae"]


def model_label(kind: str, latent_dim: int) -> str:
    """Display name of a model, e.g. "AE (d = 4)"."""
    return f"{MODEL_LABELS.get(kind, kind)} (d = {latent_dim})"
