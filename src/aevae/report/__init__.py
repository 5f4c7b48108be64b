"""Reports on analysed runs: the AE/VAE side-by-side page (``build_report``) and the model/latent-size sweep
(``run_sweep``). Reads analyses through ``aevae.analysis``; never imported by it."""

from aevae.report.build import build_report

__all__ = ["build_report"]
