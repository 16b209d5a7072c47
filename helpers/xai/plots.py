"""Figures of the attribution chapters (1 and 2): bar charts per feature group, rank
agreement heatmaps, ROC curves over seeds, learning and training curves, correlation
matrices, and the toy-model figure.  Call :func:`helpers.plotting.use_style` first."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..metrics import roc_curve
from ..plotting import CLASS_COLORS, image
from .attribution import (FEATURE_KINDS, KIND_LABELS, RANK_LABELS, feature_grid, kind_major_order,
                          rank_agreement)

#: colours of the methods, shared by all attribution figures
METHOD_COLORS = {"ΔAUC": "#333333", "SHAP": "#2ca02c", "LRP-ε": "#9467bd", "LRP-γ": "#8c564b",
                 "LRP-z+": "#e377c2", "LRP-ε − MB": "#17becf", "MAD": "#ff7f0e"}
KIND_COLORS = {"pT": "#d62728", "eta": "#1f77b4", "phi": "#2ca02c"}
#: tab10 colours for series without an assigned colour
_FALLBACK = plt.get_cmap("tab10").colors


def _color(name: str, i: int) -> str:
    return CLASS_COLORS.get(name) or METHOD_COLORS.get(name) or _FALLBACK[i % len(_FALLBACK)]


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
                   color=_color(label, i), label=label, error_kw={"lw": 1, "capsize": 0})
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


def kind_share_bars(ax, shares: Mapping[str, Mapping[str, float]]) -> None:
    """Horizontal stacked bars: share of the total |importance| in pT, eta and phi per method."""
    methods = list(shares)
    left = np.zeros(len(methods))
    for kind in FEATURE_KINDS:
        vals = np.array([shares[m][kind] for m in methods])
        ax.barh(methods, vals, left=left, color=KIND_COLORS[kind], label=KIND_LABELS[kind])
        for y, (l, v) in enumerate(zip(left, vals)):
            if v > 0.06:
                ax.text(l + v / 2, y, f"{v:.0%}", ha="center", va="center", color="white", fontsize=11)
        left += vals
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of the total |importance|")
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)


def rank_heatmap(ax, matrix: pd.DataFrame, title: str = "", label: str = "Spearman ρ") -> None:
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


def roc_curves(ax, curves: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]],
               aucs: Mapping[str, str] | None = None, min_eps_s: float = 0.1) -> None:
    """Background rejection ``1/eps_B`` against ``eps_S`` (log scale), one line per seed of
    each model ``{label: [(y, scores), ...]}``; ``aucs`` adds text to the legend labels."""
    for i, (label, runs) in enumerate(curves.items()):
        for j, (y, scores) in enumerate(runs):
            eps_b, eps_s, _ = roc_curve(y, scores)
            ok = (eps_b > 0) & (eps_s >= min_eps_s)
            text = f"{label} ({aucs[label]})" if aucs and label in aucs else label
            ax.plot(eps_s[ok], 1.0 / eps_b[ok], color=_FALLBACK[i % len(_FALLBACK)], lw=1.5,
                    alpha=0.85, label=text if j == 0 else None)
    ax.set_yscale("log")
    ax.set_xlim(min_eps_s, 1)
    ax.set_xlabel(r"signal efficiency $\varepsilon_S$ (top)")
    ax.set_ylabel(r"background rejection $1/\varepsilon_B$ (QCD)")
    ax.legend(loc="upper right", fontsize=11)


def learning_curve(ax, summary: pd.DataFrame, reference: Mapping[str, tuple[float, float]] | None = None,
                   metric_label: str = "test AUC") -> None:
    """Mean ± std over seeds against the number of training jets (log x), one line per model;
    ``reference`` adds published points ``{label: (n_train, value)}`` as stars."""
    for i, (model, g) in enumerate(summary.groupby("model", sort=False)):
        std = g["std"].fillna(0).to_numpy()
        ax.errorbar(g["n_train"], g["mean"], yerr=std, marker="o", capsize=3,
                    color=_FALLBACK[i % len(_FALLBACK)], label=model)
    for j, (label, (n, value)) in enumerate((reference or {}).items()):
        ax.plot([n], [value], marker="*", ms=16, ls="none", color=_FALLBACK[(j + 3) % 10], label=label)
    ax.set_xscale("log")
    ax.set_xlabel("training jets (both classes)")
    ax.set_ylabel(metric_label)
    ax.legend(loc="lower right", fontsize=11)


def training_curves(ax, histories: Mapping[str, object]) -> None:
    """Training (dashed) and validation (solid) BCE per epoch for several runs
    ``{label: TrainHistory}``; the kept epoch is marked."""
    for i, (label, h) in enumerate(histories.items()):
        c = _FALLBACK[i % len(_FALLBACK)]
        epochs = np.arange(1, len(h.val_loss) + 1)
        ax.plot(epochs, h.train_loss, "--", color=c, lw=1.5)
        ax.plot(epochs, h.val_loss, "-", color=c, lw=2, label=f"{label} (validation)")
        ax.plot([h.best_epoch + 1], [h.val_loss[h.best_epoch]], "o", color=c, ms=8)
    ax.plot([], [], "k--", label="training")
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy per jet")
    ax.legend(fontsize=11)


def correlation_heatmap(ax, corr: np.ndarray, title: str = "") -> None:
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


def constituent_image(X: np.ndarray, npix: int = 41, half_width: float = 1.0) -> np.ndarray:
    """Mean scaled-pT map of preprocessed TopoDNN inputs in ``(eta, phi)`` (rows = eta).

    Each constituent adds its scaled pT to the pixel of its preprocessed ``(eta, phi)``;
    the map is averaged over jets.  Padded constituents (pT = 0) add nothing.
    """
    grid = feature_grid(X)  # (N, 3, n)
    pt, eta, phi = grid[:, 0].ravel(), grid[:, 1].ravel(), grid[:, 2].ravel()
    edges = np.linspace(-half_width, half_width, npix + 1)
    img, _, _ = np.histogram2d(eta, phi, bins=(edges, edges), weights=pt)
    return img / len(X)


def preprocessed_images(X_by_class: Mapping[str, np.ndarray], half_width: float = 1.0) -> Figure:
    """One panel per class: the mean preprocessed constituent map on a shared log scale."""
    imgs = {k: constituent_image(X, half_width=half_width) for k, X in X_by_class.items()}
    vmax = max(img.max() for img in imgs.values())
    fig, axes = plt.subplots(1, len(imgs), figsize=(7 * len(imgs), 6))
    for ax, (name, img) in zip(np.atleast_1d(axes), imgs.items()):
        image(ax, img, half_width, f"{name} jets after preprocessing", vmin=vmax * 1e-5, vmax=vmax,
              xlabel=r"$\phi'$", ylabel=r"$\eta'$", cbar_label=r"mean $p_T / 1700$ GeV per pixel")
    fig.tight_layout()
    return fig


def diagonal_scatter(ax, x: np.ndarray, y: np.ndarray, labels: np.ndarray, xlabel: str,
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


def gap_vs_correlation(ax, rho: np.ndarray, measured: np.ndarray, closed_form: np.ndarray,
                       ylabel: str) -> None:
    """Toy model: a measured quantity (points) and its closed form (line) against rho."""
    ax.plot(rho, closed_form, "-", color="k", lw=2, label="closed form")
    ax.plot(rho, measured, "o", color=METHOD_COLORS["MAD"], ms=8, label="measured with the helpers")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel(r"correlation $\rho(x_1, x_2)$")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=11)
