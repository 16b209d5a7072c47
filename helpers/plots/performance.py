"""Figures of tagging performance: ROC curves (background rejection against signal
efficiency), learning curves and training histories."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..metrics import roc_curve
from ..training.loop import TrainHistory
from .style import FALLBACK_COLORS


def roc_curves(ax: Axes, curves: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]],
               class_names: Mapping[int, str], aucs: Mapping[str, str] | None = None,
               min_eps_s: float = 0.1, colors: Mapping[str, str] | None = None) -> None:
    """Background rejection ``1/eps_B`` against ``eps_S`` (log scale), one line per seed of
    each model ``{label: [(y, scores), ...]}``; ``class_names`` (``{1: signal, 0:
    background}``) label the axes, ``aucs`` adds text to the legend labels, ``colors`` fixes
    the colour of a model."""
    for i, (label, runs) in enumerate(curves.items()):
        c = (colors or {}).get(label, FALLBACK_COLORS[i % len(FALLBACK_COLORS)])
        for j, (y, scores) in enumerate(runs):
            eps_b, eps_s, _ = roc_curve(y, scores)
            ok = (eps_b > 0) & (eps_s >= min_eps_s)
            text = f"{label} ({aucs[label]})" if aucs and label in aucs else label
            ax.plot(eps_s[ok], 1.0 / eps_b[ok], color=c, lw=1.5, alpha=0.85,
                    label=text if j == 0 else None)
    ax.set_yscale("log")
    ax.set_xlim(min_eps_s, 1)
    ax.set_xlabel(rf"signal efficiency $\varepsilon_S$ ({class_names[1]})")
    ax.set_ylabel(rf"background rejection $1/\varepsilon_B$ ({class_names[0]})")
    ax.legend(loc="upper right", fontsize=11)


def learning_curve(ax: Axes, summary: pd.DataFrame,
                   reference: Mapping[str, tuple[float, float]] | None = None,
                   metric_label: str = "test AUC") -> None:
    """Mean ± std over seeds against the number of training jets (log x), one line per model;
    ``reference`` adds published points ``{label: (n_train, value)}`` as stars."""
    for i, (model, g) in enumerate(summary.groupby("model", sort=False)):
        std = g["std"].fillna(0).to_numpy()
        ax.errorbar(g["n_train"], g["mean"], yerr=std, marker="o", capsize=3,
                    color=FALLBACK_COLORS[i % len(FALLBACK_COLORS)], label=model)
    for j, (label, (n, value)) in enumerate((reference or {}).items()):
        ax.plot([n], [value], marker="*", ms=16, ls="none", color=FALLBACK_COLORS[(j + 3) % 10], label=label)
    ax.set_xscale("log")
    ax.set_xlabel("training jets (both classes)")
    ax.set_ylabel(metric_label)
    ax.legend(loc="lower right", fontsize=11)


def training_curves(ax: Axes, histories: Mapping[str, TrainHistory]) -> None:
    """Training (dashed) and validation (solid) BCE per epoch for several runs
    ``{label: TrainHistory}``; the kept epoch is marked."""
    for i, (label, h) in enumerate(histories.items()):
        c = FALLBACK_COLORS[i % len(FALLBACK_COLORS)]
        epochs = np.arange(1, len(h.val_loss) + 1)
        ax.plot(epochs, h.train_loss, "--", color=c, lw=1.5)
        ax.plot(epochs, h.val_loss, "-", color=c, lw=2, label=f"{label} (validation)")
        ax.plot([h.best_epoch + 1], [h.val_loss[h.best_epoch]], "o", color=c, ms=8)
    ax.plot([], [], "k--", label="training")
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy per jet")
    ax.legend(fontsize=11)
