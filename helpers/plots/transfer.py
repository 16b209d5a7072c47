"""Figure of the transfer study (chapter 5)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes


def plot_transfer(ax: Axes, labels: list[str], base: list[tuple[float, float]],
                  transfer: list[tuple[float, float]], floor: list[tuple[float, float]],
                  paper: list[tuple[float, float]] | None = None, paper_name: str = "paper"
                  ) -> None:
    """One row per ``A -> B`` pair: base, transfer and random-embedding AUCs (mean, std)
    with error bars, plus a paper's ``(base, transfer)`` as open markers."""
    ypos = np.arange(len(labels))[::-1]
    for values, marker, color, label in ((base, "o", "black", "base (trained on B)"),
                                         (transfer, "s", "tab:red", "transfer (frozen A)"),
                                         (floor, "x", "grey", "random frozen embedding")):
        ax.errorbar([v[0] for v in values], ypos, xerr=np.nan_to_num([v[1] for v in values]),
                    fmt=marker, color=color, ms=9, capsize=3, label=label)
    if paper is not None:
        for k, marker, color, label in ((0, "o", "black", f"base ({paper_name})"),
                                        (1, "s", "tab:red", f"transfer ({paper_name})")):
            ax.plot([p[k] for p in paper], ypos + 0.2, marker, mfc="none", color=color, ms=9,
                    label=label)
    ax.set_yticks(ypos, labels)
    lowest = min(v[0] - np.nan_to_num(v[1]) for v in list(floor) + list(transfer))
    ax.set(xlabel="test AUC on task B", xlim=(min(0.5, lowest - 0.02), 1.0))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=12)
