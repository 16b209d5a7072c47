"""Figure of the reproduction scorecard: this build's values relative to the papers'."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..studies.scorecard import AGREES, DIFFERS, NOT_COMPARABLE, describe

#: verdict -> marker colour
VERDICT_COLORS = {AGREES: "tab:green", DIFFERS: "tab:red", NOT_COMPARABLE: "tab:grey"}


def ratio_figure(quantities: pd.DataFrame) -> Figure:
    """One row per published quantity: this build's value divided by the paper's, with the
    spread as an error bar, coloured by verdict; the dashed line is the paper (ratio 1)."""
    import matplotlib.pyplot as plt

    rows = quantities[np.isfinite(quantities["paper value"]) & (quantities["paper value"] != 0)]
    fig, ax = plt.subplots(figsize=(9, 0.28 * max(len(rows), 4) + 1.2))
    y = np.arange(len(rows))[::-1]
    ratio = rows["value"] / rows["paper value"]
    err = np.nan_to_num(rows["spread"] / rows["paper value"].abs())
    for verdict, color in VERDICT_COLORS.items():
        sel = (rows["verdict"] == verdict).to_numpy()
        if sel.any():
            ax.errorbar(ratio[sel], y[sel], xerr=err[sel], fmt="o", color=color, capsize=2,
                        ms=5, label=verdict)
    ax.axvline(1.0, color="black", ls="--", lw=1)
    ax.set_yticks(y, [describe(k) for k in rows["quantity"]], fontsize=8)
    ax.set_xlabel("this book / paper")
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    ax.set_ylim(-1, len(rows))
    fig.tight_layout()
    return fig
