"""Figures of the label-leak demonstration (chapter 4)."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .style import CLASS_COLORS


def plot_balance(axes: Sequence[Axes], balances: dict[str, np.ndarray], labels: np.ndarray,
                 names: dict[int, str], bins: np.ndarray) -> None:
    """Histograms of ``|sum_i z_i sin(dphi_i)|`` per class, one panel per preprocessing.

    ``balances`` maps a preprocessing name to its
    :func:`helpers.preprocessing.pfn.azimuthal_balance`.
    """
    for ax, (title, b) in zip(np.atleast_1d(axes), balances.items()):
        for label, name in names.items():
            ax.hist(np.clip(np.abs(b[labels == label]), bins[0], bins[-1]), bins=bins,
                    histtype="step", lw=2, color=CLASS_COLORS[name], label=name)
        ax.set(xscale="log", yscale="log", title=title,
               xlabel=r"$|\Sigma_i\, z_i \sin\Delta\phi_i|$ (transverse imbalance about the axis)",
               ylabel="jets per bin")
        ax.legend(loc="upper center")


def plot_particle_delta_auc(ax: Axes, importances: dict[str, np.ndarray],
                            feature_names: list[str]) -> None:
    """Grouped bars of the Delta-AUC of the leading particles' inputs, one colour per model.

    ``importances`` maps a model name to a ``(n_leading, n_features)`` array
    (see :func:`helpers.studies.latent.particle_delta_auc`).
    """
    n = len(importances)
    first = next(iter(importances.values()))
    labels = [f"{f}$_{{{k}}}$" for k in range(first.shape[0]) for f in feature_names]
    x = np.arange(len(labels))
    width = 0.8 / n
    for i, (name, imp) in enumerate(importances.items()):
        ax.bar(x + (i - (n - 1) / 2) * width, imp.reshape(-1), width, label=name)
    ax.set_xticks(x, labels, rotation=90)
    ax.axhline(0, color="black", lw=0.8)
    ax.set(ylabel=r"$\Delta$AUC (feature $\rightarrow$ mean)", xlabel="input of particle $k$")
    ax.legend()
    plt.setp(ax.get_xticklabels(), fontsize=12)
