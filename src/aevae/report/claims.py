"""The paper's three claims, checked against measured numbers, with the criterion used stated beside each verdict.

The criteria are ours (the paper states its claims in words); they are deliberately simple so a reader can redo
them from the table.
"""

from __future__ import annotations

from dataclasses import dataclass

BCE_TOLERANCE = 0.05  # claim 1: "about as well" = AE's BCE at most 5 % above the VAE's
NORM_FACTOR = 2.0  # claim 2: AE latents at least twice as far from the origin on average
PLAUSIBLE = 0.5  # claim 3: a model "samples plausibly" when at least half its prior samples pass the test


@dataclass
class Claim:
    """One claim of the paper and what the numbers say about it."""

    claim: str  # the paper's words, paraphrased
    criterion: str  # how we decide
    evidence: str  # the numbers, with units
    verdict: str  # "agrees", "disagrees" or "not tested"


def _find(rows: list[dict], model: str, d: int) -> dict | None:
    return next((r for r in rows if r["model"] == model and r["d"] == d), None)


def _common_dims(rows: list[dict]) -> list[int]:
    return sorted({r["d"] for r in rows if r["model"] == "ae"} & {r["d"] for r in rows if r["model"] == "vae"})


def claim_reconstruction(rows: list[dict]) -> Claim:
    """(1) An AE with 2 latent variables reconstructs about as well as the VAE with 4."""
    text = "An AE with 2 latent variables reconstructs about as well as a VAE with 4."
    criterion = f"test BCE of the AE (d = 2) at most {BCE_TOLERANCE:.0%} above the VAE's (d = 4)"
    ae, vae = _find(rows, "ae", 2), _find(rows, "vae", 4)
    if ae is None or vae is None:
        have = ", ".join(f"{r['model']} d={r['d']}: BCE {r['bce_nats_per_image']:.2f} nats/image" for r in rows)
        return Claim(text, criterion, f"needs an AE with d = 2 and a VAE with d = 4 (run aevae sweep); have {have}",
                     "not tested")
    a, v = ae["bce_nats_per_image"], vae["bce_nats_per_image"]
    return Claim(text, criterion, f"AE d=2: BCE {a:.2f} nats/image; VAE d=4: BCE {v:.2f} nats/image "
                 f"({a / v - 1:+.1%})", "agrees" if a <= (1 + BCE_TOLERANCE) * v else "disagrees")


def claim_clusters(rows: list[dict]) -> Claim:
    """(2) AE latents form large, separate clusters; VAE latents are compact around the origin."""
    text = "AE latents form large separate clusters; VAE latents are compact around the origin."
    criterion = (f"at every d with both models: AE mean ‖z‖ at least {NORM_FACTOR:g}× the VAE's, and the AE's "
                 "silhouette by label higher than the VAE's")
    dims = _common_dims(rows)
    if not dims:
        return Claim(text, criterion, "needs an AE and a VAE of the same latent size", "not tested")
    parts, ok = [], True
    for d in dims:
        ae, vae = _find(rows, "ae", d), _find(rows, "vae", d)
        sil_a, sil_v = ae["silhouette_by_label"], vae["silhouette_by_label"]
        ok &= ae["mean_latent_norm"] >= NORM_FACTOR * vae["mean_latent_norm"]
        ok &= sil_a is not None and sil_v is not None and sil_a > sil_v
        parts.append(f"d={d}: mean ‖z‖ AE {ae['mean_latent_norm']:.2f} vs VAE {vae['mean_latent_norm']:.2f}; "
                     f"silhouette AE {_num(sil_a)} vs VAE {_num(sil_v)}")
    return Claim(text, criterion, "; ".join(parts), "agrees" if ok else "disagrees")


def claim_prior_samples(rows: list[dict]) -> Claim:
    """(3) A sample of N(0, I) decodes to a plausible digit for the VAE but not for the AE."""
    text = "A sample from N(0, I) decodes to a plausible digit for the VAE, not for the AE."
    criterion = (f"at every d with both models: at least {PLAUSIBLE:.0%} of the VAE's decoded prior samples pass the "
                 "nearest-image test (see docs/analysis.md) and under that share of the AE's")
    dims = _common_dims(rows)
    if not dims:
        return Claim(text, criterion, "needs an AE and a VAE of the same latent size", "not tested")
    parts, ok = [], True
    for d in dims:
        pa, pv = _find(rows, "ae", d)["prior_plausible_fraction"], _find(rows, "vae", d)["prior_plausible_fraction"]
        ok &= pa is not None and pv is not None and pv >= PLAUSIBLE > pa
        parts.append(f"d={d}: plausible AE {_pct(pa)} vs VAE {_pct(pv)}")
    return Claim(text, criterion, "; ".join(parts), "agrees" if ok else "disagrees")


def check_claims(rows: list[dict]) -> list[Claim]:
    """All three claims against summary rows (see aevae.report.table.summary_row)."""
    return [claim_reconstruction(rows), claim_clusters(rows), claim_prior_samples(rows)]


def claims_markdown(claims: list[Claim]) -> str:
    """The claims as a Markdown list."""
    return "\n".join(f"{i}. **{c.claim}** — {c.verdict.upper()}. Measured: {c.evidence}. Criterion: {c.criterion}."
                     for i, c in enumerate(claims, 1))


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"
