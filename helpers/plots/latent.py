"""Figures of the PFN latent space (chapter 4): rankings, top-k curves, correlation
matrices and principal components."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from ..studies.latent import LatentRanking, TopKStudy
from .jets import hist_classes
from .style import CLASS_COLORS


def plot_ranking(axes: Sequence[Axes], ranking: LatentRanking, classes: dict[int, str],
                 n_show: int = 40) -> None:
    """Left: Delta-AUC of the ``n_show`` leading latents; right: their MAD per class."""
    order = ranking.order()[:n_show]
    x = np.arange(n_show)
    axes[0].bar(x, ranking.delta_auc[order], color="grey")
    axes[0].set(ylabel=r"$\Delta$AUC (latent $\rightarrow$ mean)")
    for i, (label, name) in enumerate(classes.items()):
        axes[1].bar(x + (i - 0.5) * 0.4, ranking.mad[label][order], 0.4,
                    color=CLASS_COLORS[name], label=name)
    axes[1].set(ylabel="MAD relevance [logit]")
    axes[1].legend()
    for ax in axes:
        ax.set_xticks(x, [str(i) for i in order], rotation=90, fontsize=10)
        ax.set_xlabel(r"latent index (ordered by $\Delta$AUC)")


def plot_topk(ax: Axes, ks: np.ndarray, curves: dict[str, np.ndarray], full_auc: float,
              k_needed: int | None = None) -> None:
    """AUC with only the top-``k`` latents kept (``k >= 1``, log axis), one curve per ranking."""
    keep = np.asarray(ks) >= 1
    for name, aucs in curves.items():
        ax.plot(np.asarray(ks)[keep], np.asarray(aucs)[keep], "o-", ms=4, label=name)
    ax.axhline(full_auc, color="black", ls="--", lw=1, label="all latents")
    ax.axhline(0.5, color="grey", ls="-", lw=0.8)
    if k_needed is not None:
        ax.axvline(k_needed, color="grey", ls=":", lw=1.5, label=f"k = {k_needed}")
    low = min(0.5, *(np.min(np.asarray(a)[keep]) for a in curves.values()))
    ax.set(xscale="log", xlabel="latents kept $k$ (the others set to their mean)",
           ylabel="ROC AUC", ylim=(low - 0.02, 1.0))
    ax.legend(loc="best", fontsize=11)


def plot_topk_study(ax: Axes, study: TopKStudy) -> None:
    """:func:`plot_topk` of a :func:`helpers.studies.latent.topk_study`, the ``k`` needed by
    its best ranking marked."""
    plot_topk(ax, study.ks, study.curves, study.full_auc, study.k_needed)


def plot_correlations(axes: Sequence[Axes], matrices: dict[str, np.ndarray], latents: np.ndarray) -> None:
    """Correlation heatmaps with the same latent ordering and colour scale."""
    ticks = [str(i) for i in latents]
    for ax, (name, c) in zip(axes, matrices.items()):
        sns.heatmap(c, ax=ax, vmin=-1, vmax=1, cmap="RdBu_r", square=True, xticklabels=ticks,
                    yticklabels=ticks, cbar_kws={"label": r"$\rho$", "shrink": 0.8})
        ax.set_title(f"{name} jets")
        ax.tick_params(labelsize=8)
        ax.set(xlabel="latent index", ylabel="latent index")


def plot_components(axes: Sequence[Axes], scores: np.ndarray, y: np.ndarray, classes: dict[int, str],
                    explained: np.ndarray) -> None:
    """Distribution of the leading principal components per class (one panel each)."""
    for c, ax in enumerate(axes):
        values = {name: scores[y == label, c] for label, name in classes.items()}
        lo, hi = np.percentile(scores[:, c], [0.5, 99.5])
        hist_classes(ax, values, np.linspace(lo, hi, 41),
                     f"PC{c + 1} ({explained[c]:.0%} of the variance)")


def plot_component_vs(ax: Axes, pc: np.ndarray, observable: np.ndarray, y: np.ndarray,
                      classes: dict[int, str], xlabel: str, ylabel: str) -> None:
    """Scatter of one component against one observable, per class."""
    for label, name in classes.items():
        sel = y == label
        ax.scatter(observable[sel], pc[sel], s=4, alpha=0.3, color=CLASS_COLORS[name],
                   label=name, rasterized=True)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(markerscale=4)


def plot_component_correlations(axes: Sequence[Axes], table: pd.DataFrame) -> None:
    """Heatmaps of :func:`component_correlations`, one panel per class."""
    for ax, cls in zip(axes, table.index.get_level_values(0).unique()):
        sns.heatmap(table.loc[cls], ax=ax, vmin=-1, vmax=1, cmap="RdBu_r", annot=True,
                    fmt=".2f", cbar=ax is axes[-1], cbar_kws={"label": r"$\rho$"})
        ax.set_title(f"{cls} jets")
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
