"""The static report: an AE run beside a VAE run, every figure and number as PNGs and one HTML page
(``build_report``). Reads run folders and their analyses; trains nothing (the sweep, which trains, is
``aevae.sweep``)."""

from aevae.report.build import build_report

__all__ = ["build_report"]
