"""The rate–distortion figure: reconstruction BCE against the bits per image of a quantised latent code."""

from __future__ import annotations

from matplotlib.figure import Figure

from aevae.analysis import Analysis
from aevae.report.palette import model_label, model_style

ZOOM_NATS = (-2.0, 12.0)  # the right panel's window around the unquantised BCE, nats/image


def rate_distortion_figure(analyses: list[Analysis]) -> Figure:
    """BCE (nats/image) vs total bits/image for each model, with the unquantised BCE, the bits the decoder needs,
    the VAE's rate (KL) and the configuration's bit budget; the right panel zooms in near the unquantised BCE."""
    fig = Figure(figsize=(12.0, 4.6), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    budget = []
    for a in analyses:
        style = model_style(a.kind)
        label = model_label(a.kind, a.latent_dim)
        info = a.info
        reference = info["rd_reference_bce_nats_per_image"]
        for i, ax in enumerate(axes):
            named = i == 0  # one legend entry per line
            ax.plot(a.rd_bits_per_image, a.rd_bce_nats_per_image, markersize=4, **style,
                    label=f"{label}: k-bit quantised μ" if named else None)
            ax.axhline(reference, color=style["color"], linestyle=":", lw=1,
                       label=f"{label}: unquantised, {reference:.1f} nats/image" if named else None)
            if info["bits_used_per_image"] is not None:
                ax.axvline(info["bits_used_per_image"], color=style["color"], linestyle=style["linestyle"], lw=0.8,
                           alpha=0.6, label=f"{label}: needs {info['bits_used_per_image']:g} bits/image" if named else None)
            if "vae_rate_bits_per_image" in info:
                ax.axvline(info["vae_rate_bits_per_image"], color=style["color"], linestyle="-.", lw=1.5,
                           label=f"{label}: rate KL = {info['vae_rate_bits_per_image']:.1f} bits/image" if named else None)
        budget.append((label, f"input {info['input_bits']} bits/image, float latent {info['latent_float_bits']} "
                              f"bits/image (ratio {info['ratio']:g})"))
    references = [a.info["rd_reference_bce_nats_per_image"] for a in analyses]
    axes[1].set_ylim(min(references) + ZOOM_NATS[0], max(references) + ZOOM_NATS[1])
    axes[1].set_title("zoom near the unquantised BCE", fontsize=10)
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("rate: bits/image of the quantised code (k bits × d)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("distortion: test BCE, nats/image")
    axes[0].set_title("full curve", fontsize=10)
    fig.suptitle(f"Rate–distortion on {analyses[0].info['rd_test_images']:,} test images; 'needs' = within "
                 f"{analyses[0].info['bits_used_tolerance_nats']:g} nat/image of unquantised. Budget: "
                 + _budget_text(budget), fontsize=10)
    fig.legend(fontsize=8, loc="outside right center", frameon=False)
    return fig


def _budget_text(budget: list[tuple[str, str]]) -> str:
    """The bit budget once when every model shares it, else per model."""
    if len({line for _, line in budget}) == 1:
        return budget[0][1]
    return "; ".join(f"{label}: {line}" for label, line in budget)
