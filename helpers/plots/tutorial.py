"""The tutorial page's figure: measured minutes per chapter, cold and from a classroom cache."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import FALLBACK_COLORS, axis_label


def chapter_times_figure(table: pd.DataFrame) -> Figure:
    """Horizontal bars: one group a chapter, one bar per (profile, cache state); log scale,
    since a cold chapter that generates jets takes orders of magnitude longer than a cached one."""
    rows = [r for r in table.index if r != "total"]
    series = list(table.columns)
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.75 * len(rows)))
    height = 0.8 / max(len(series), 1)
    y = np.arange(len(rows))
    for i, (profile, state) in enumerate(series):
        minutes = table.loc[rows, (profile, state)].to_numpy(float)
        ax.barh(y - 0.4 + (i + 0.5) * height, np.maximum(minutes, 1e-2), height,
                color=FALLBACK_COLORS[i % 10], label=f"{profile}, {state}",
                hatch=None if state == "cold" else "//", edgecolor="white")
    ax.set_yticks(y, rows)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(axis_label("execution time", "min"))
    ax.legend(loc="lower right", fontsize=11)
    fig.tight_layout()
    return fig
