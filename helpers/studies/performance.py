"""Tagging performance over training seeds (chapters 1, 3, 4 and 5): the metrics of the
top-tagging literature as mean ± std, as tables next to published values, and the
training histories of the networks behind them."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..metrics import aggregate, format_mean_std, summarize
from ..training.loop import TrainHistory

#: row labels of the metrics of :func:`helpers.metrics.summarize`
METRIC_LABELS = {"auc": "ROC AUC", "accuracy": "accuracy", "rejection_0.3": "1/εB at εS = 0.3",
                 "rejection_0.5": "1/εB at εS = 0.5"}
#: decimals each metric is shown with
DECIMALS = {"auc": 4, "accuracy": 4, "rejection_0.3": 0, "rejection_0.5": 0}


def seed_metrics(y: np.ndarray, probs: Mapping[str, Sequence[np.ndarray]]
                 ) -> dict[str, dict[str, tuple[float, float]]]:
    """``{model: {metric: (mean, std)}}`` of :func:`helpers.metrics.summarize` over the runs
    (training seeds) of each model, ``probs = {model: [probabilities of one run, ...]}``."""
    return {name: aggregate([summarize(y, p) for p in runs]) for name, runs in probs.items()}


def performance_table(metrics: Mapping[str, Mapping[str, tuple[float, float]]],
                      references: Mapping[str, Mapping[str, float]] | None = None,
                      decimals: Mapping[str, int] = DECIMALS,
                      labels: Mapping[str, str] = METRIC_LABELS) -> pd.DataFrame:
    """One column per model (``mean ± std`` over seeds) and per published reference
    (``{column: {metric: value}}``), one row per metric; ``—`` where a reference lacks one."""
    table = pd.DataFrame({name: {k: format_mean_std(*v, decimals[k]) for k, v in m.items()}
                          for name, m in metrics.items()})
    for column, values in (references or {}).items():
        table[column] = pd.Series({k: f"{v:.{decimals[k]}f}" for k, v in values.items()})
    return table.fillna("—").rename(index=dict(labels))


def passing_background(y: np.ndarray, metrics: Mapping[str, Mapping[str, tuple[float, float]]],
                       eps_s: float = 0.3) -> pd.DataFrame:
    """How many background test jets pass the ``eps_S`` cut of each model, and the Poisson
    uncertainty ``1/sqrt(N)`` that this count puts on ``1/eps_B``."""
    n_background = int((np.asarray(y) == 0).sum())
    rows = {}
    for name, m in metrics.items():
        n_pass = n_background / m[f"rejection_{eps_s}"][0]
        rows[name] = {"background jets passing": n_pass, "of": n_background,
                      "relative uncertainty of 1/εB": 1 / np.sqrt(max(n_pass, 1))}
    return pd.DataFrame(rows).T.rename_axis(f"εS = {eps_s}")


def history_table(histories: Mapping[str, TrainHistory]) -> pd.DataFrame:
    """One row per training run: epochs, kept epoch, its validation loss, time, throughput,
    device and whether the model came from the cache."""
    return pd.DataFrame({label: {"epochs run": h.epochs_run, "best epoch": h.best_epoch + 1,
                                 "best val. loss": min(h.val_loss), "training time [s]": h.time_s,
                                 "jets / s": h.jets_per_s, "device": h.device,
                                 "loaded from cache": h.from_cache}
                         for label, h in histories.items()}).T
