"""Where a training run reports: a progress bar per epoch, and lines (epoch summaries, messages) between bars.

The trainer writes only through a ``Console``. The default one draws on this process's terminal; a run in a worker
process gets one that relays everything to the process that started it (``aevae.training.side_by_side``), so several
runs share one terminal without drawing over each other.
"""

from __future__ import annotations

from typing import Protocol

from tqdm.auto import tqdm


class Bar(Protocol):
    """The part of a tqdm bar the trainer uses."""

    disable: bool

    def update(self, n: int = 1) -> object: ...

    def set_postfix_str(self, s: str = "") -> None: ...

    def close(self) -> None: ...


class Console:
    """This process's terminal: tqdm bars (unless ``bars`` is False) and lines that leave a live bar intact."""

    def __init__(self, bars: bool = True) -> None:
        self.bars = bars

    def bar(self, total: int, initial: int, desc: str) -> Bar:
        """A bar over ``total`` batches, ``initial`` of them already done (a resumed epoch)."""
        return tqdm(total=total, initial=initial, desc=desc, unit="batch", disable=not self.bars, leave=False,
                    dynamic_ncols=True)

    def line(self, text: str) -> None:
        """Print one line above any bar that is being drawn."""
        tqdm.write(text)
