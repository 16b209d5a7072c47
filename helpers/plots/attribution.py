"""Figures of the attribution chapters (1 and 2): bar charts per feature group, rank
agreement heatmaps, correlation matrices, and the toy-model figure."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..studies.attribution import (
    FEATURE_KINDS,
    KIND_LABELS,
    feature_grid,
    kind_major_order,
    kind_shares,
)
from ..xai.agreement import RANK_LABELS, rank_agreement
from .jets import hist_classes
from .style import CLASS_COLORS, KIND_COLORS, METHOD_COLORS, color


def feature_bars(series: Mapping[str, tuple[np.ndarray, np.ndarray | None]], ylabel: str,
                 title: str | None = None, n_constituents: int | None = None) -> Figure:
    """Grouped bars of 90-feature attributions: one panel per kind (pT, eta, phi), constituent
    index on the x axis, one bar colour per series ``{label: (values, std or None)}``."""
    grids = {k: (feature_grid(v), None if s is None else feature_grid(s)) for k, (v, s) in series.items()}
    n = n_constituents or next(iter(grids.values()))[0].shape[-1]
    idx = np.arange(n)
    width = 0.8 / len(grids)
    fig, axes = plt.subplots(len(FEATURE_KINDS), 1, figsize=(14, 10), sharex=True)
    for row, (ax, kind) in enumerate(zip(axes, FEATURE_KINDS)):
        for i, (label, (values, std)) in enumerate(grids.items()):
            err = None if std is None or np.all(np.isnan(std)) else std[row, :n]
            ax.bar(idx + (i - (len(grids) - 1) / 2) * width, values[row, :n], width, yerr=err,
                   color=color(label, i), label=label, error_kw={"lw": 1, "capsize": 0})
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(f"{KIND_LABELS[kind]}: {ylabel}", fontsize=13)
    if len(grids) > 1:
        axes[0].legend(ncol=len(grids), loc="upper right")
    axes[-1].set_xlabel("constituent index $i$ (0 = hardest)")
    axes[-1].set_xticks(idx[::2] if n > 15 else idx)
    if title:
        axes[0].set_title(title, fontsize=15)
    fig.tight_layout()
    return fig


def kind_share_bars(ax: Axes, shares: Mapping[str, Mapping[str, float]]) -> None:
    """Horizontal stacked bars: share of the total |importance| in pT, eta and phi per method."""
    methods = list(shares)
    left = np.zeros(len(methods))
    for kind in FEATURE_KINDS:
        vals = np.array([shares[m][kind] for m in methods])
        ax.barh(methods, vals, left=left, color=KIND_COLORS[kind], label=KIND_LABELS[kind])
        for y, (start, v) in enumerate(zip(left, vals)):
            if v > 0.06:
                ax.text(start + v / 2, y, f"{v:.0%}", ha="center", va="center", color="white", fontsize=11)
        left += vals
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of the total |importance|")
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)


def rank_heatmap(ax: Axes, matrix: pd.DataFrame, title: str = "", label: str = "Spearman ρ") -> None:
    """Annotated method x method rank-correlation matrix on a diverging scale [-1, 1]."""
    im = ax.imshow(matrix.values, vmin=-1, vmax=1, cmap="RdBu_r")
    ticks = np.arange(len(matrix))
    ax.set_xticks(ticks, matrix.columns, rotation=40, ha="right", fontsize=11)
    ax.set_yticks(ticks, matrix.index, fontsize=11)
    ax.minorticks_off()
    for i in ticks:
        for j in ticks:
            v = matrix.values[i, j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=10,
                    color="white" if abs(v) > 0.6 else "black")
    ax.set_title(title, fontsize=14)
    plt.colorbar(im, ax=ax, label=label, fraction=0.046)


def rank_heatmaps(importances: Mapping[str, Mapping[str, np.ndarray]],
                  measures: Sequence[str] = ("spearman", "weighted")) -> Figure:
    """Grid of rank-agreement matrices: one row per measure, one column per class
    (``importances = {class: {method: (d,)}}``)."""
    fig, axes = plt.subplots(len(measures), len(importances),
                             figsize=(8 * len(importances), 6.5 * len(measures)), squeeze=False)
    for row, measure in zip(axes, measures):
        for ax, (c, imp) in zip(row, importances.items()):
            rank_heatmap(ax, rank_agreement(imp, measure), title=f"{c} jets: {RANK_LABELS[measure]}",
                         label=RANK_LABELS[measure])
    fig.tight_layout()
    return fig


def correlation_heatmap(ax: Axes, corr: np.ndarray, title: str = "") -> None:
    """90 x 90 feature correlation matrix, reordered as all pT, all eta, all phi blocks."""
    order = kind_major_order(len(corr))
    c = np.asarray(corr)[np.ix_(order, order)]
    n = len(c) // len(FEATURE_KINDS)
    im = ax.imshow(c, vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest")
    centres = n * np.arange(len(FEATURE_KINDS)) + (n - 1) / 2
    labels = [f"{KIND_LABELS[k]}$_{{0..{n - 1}}}$" for k in FEATURE_KINDS]
    ax.set_xticks(centres, labels)
    ax.set_yticks(centres, labels)
    ax.minorticks_off()
    for b in n * np.arange(1, len(FEATURE_KINDS)) - 0.5:
        ax.axhline(b, color="k", lw=0.8)
        ax.axvline(b, color="k", lw=0.8)
    ax.set_title(title, fontsize=14)
    plt.colorbar(im, ax=ax, label="Pearson correlation", fraction=0.046)


def diagonal_scatter(ax: Axes, x: np.ndarray, y: np.ndarray, labels: np.ndarray, xlabel: str,
                     ylabel: str, names: Mapping[int, str]) -> None:
    """Per-jet scatter of two quantities by class, with the line ``y = x``."""
    for label, name in names.items():
        sel = np.asarray(labels) == label
        ax.scatter(x[sel], y[sel], s=10, alpha=0.6, color=CLASS_COLORS.get(name), label=name)
    lo, hi = min(np.min(x), np.min(y)), max(np.max(x), np.max(y))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="$y = x$")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=11)


def gap_vs_correlation(ax: Axes, rho: np.ndarray, measured: np.ndarray, closed_form: np.ndarray,
                       ylabel: str) -> None:
    """Toy model: a measured quantity (points) and its closed form (line) against rho."""
    ax.plot(rho, closed_form, "-", color="k", lw=2, label="closed form")
    ax.plot(rho, measured, "o", color=METHOD_COLORS["MAD"], ms=8, label="measured with the helpers")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel(r"correlation $\rho(x_1, x_2)$")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=11)


def kind_share_panels(importances: Mapping[str, Mapping[str, np.ndarray]]) -> Figure:
    """One panel per class: :func:`kind_share_bars` of every method."""
    fig, axes = plt.subplots(1, len(importances), figsize=(7.5 * len(importances), 5),
                             sharey=True)
    for ax, (c, imp) in zip(np.atleast_1d(axes), importances.items()):
        kind_share_bars(ax, {m: kind_shares(v) for m, v in imp.items()})
        ax.set_title(f"{c} jets", fontsize=14)
    fig.tight_layout()
    return fig


def correlation_panels(corr: Mapping[str, np.ndarray]) -> Figure:
    """One :func:`correlation_heatmap` per class (``{class: (90, 90)}``)."""
    fig, axes = plt.subplots(1, len(corr), figsize=(8 * len(corr), 7))
    for ax, (c, matrix) in zip(np.atleast_1d(axes), corr.items()):
        correlation_heatmap(ax, matrix, title=f"{c} jets")
    fig.tight_layout()
    return fig


def occlusion_limits(broken: np.ndarray, gap: np.ndarray, labels: np.ndarray,
                     names: Mapping[int, str]) -> Figure:
    """Left: share of jets made impossible by occluding each constituent's pT.  Right: the
    completeness gap of the differential relevances per class."""
    fig, axes = plt.subplots(1, 2, figsize=(16, 5.5))
    axes[0].bar(np.arange(len(broken)), broken, color=KIND_COLORS["pT"])
    axes[0].set(xlabel="constituent index $i$ (0 = hardest)", ylabel="share of test jets",
                ylim=(0, 1.05))
    axes[0].set_title(r"jets made impossible by $p_{T,i} \to \langle p_{T,i} \rangle$", fontsize=14)
    hist_classes(axes[1], {c: gap[labels == label] for label, c in names.items()},
                 np.linspace(np.percentile(gap, 1), np.percentile(gap, 99), 41),
                 r"$\sum_k D_k - (f(\vec x) - f(\bar{\vec x}))$ (logit units)")
    axes[1].set_title("completeness gap of the differential relevances", fontsize=14)
    fig.tight_layout()
    return fig


def gap_scan_figure(rho: np.ndarray, measured: np.ndarray, closed_form: np.ndarray,
                    ylabel: str, title: str) -> Figure:
    """:func:`gap_vs_correlation` on a figure of its own."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    gap_vs_correlation(ax, rho, measured, closed_form, ylabel)
    ax.set_title(title, fontsize=14)
    fig.tight_layout()
    return fig
