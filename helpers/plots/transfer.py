"""Figure of the transfer study (chapter 5): base, transfer and random-embedding AUCs per pair."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..data import TASKS
from ..metrics import mean_std
from ..studies.transfer import TransferResult


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


def transfer_figure(result: TransferResult, base_auc: Mapping[str, tuple[float, float]],
                    paper: Mapping[tuple[str, str], tuple[float, float]],
                    paper_name: str = "paper") -> Figure:
    """:func:`plot_transfer` of every pair of ``paper`` (``{(A, B): (base, transfer)}``), from
    :func:`helpers.studies.transfer.transfer_study` and the base AUCs ``{B: (mean, std)}``."""
    fig, ax = plt.subplots(figsize=(15, 6.5))
    plot_transfer(ax, [f"{TASKS[a].title} → {TASKS[b].title}" for a, b in paper],
                  base=[base_auc[b] for a, b in paper],
                  transfer=[mean_std(result.transfer[a, b]) for a, b in paper],
                  floor=[mean_std(result.floor[b]) for a, b in paper], paper=list(paper.values()),
                  paper_name=paper_name)
    fig.tight_layout()
    return fig
