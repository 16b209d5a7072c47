"""Learning curves (chapters 1 and 3): test AUC against the number of training jets, for the TopoDNN and the
observable baseline, over several training seeds.

Every point trains on the *first* ``n`` jets of the (shuffled, class-balanced) training
split.  The TopoDNN is trained with :func:`helpers.training.recipes.train_topodnn`, so the point
at the full training size is the chapter's own model (same cache key).  Smaller sets get
proportionally more epochs (:func:`epochs_for_size`): every size may take the same
number of optimiser steps as the full set, and early stopping on the validation loss
decides when to stop.  Without this, small sets would be compared after far fewer updates.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data.jets import JetSet
from ..metrics import summarize
from ..models import predict_proba
from ..preprocessing import topodnn_features
from ..training.recipes import topodnn_config, train_topodnn
from .baselines import baseline_scores, train_baseline

#: upper bound of the epochs given to the smallest training sets
MAX_EPOCHS_CAP = 400


def usable_sizes(sizes: Sequence[int], n_available: int) -> list[int]:
    """Requested sizes that the training split can provide (sorted, unique); the full
    split is used as the last point if every requested size exceeds it."""
    ok = sorted({int(n) for n in sizes if 0 < n <= n_available})
    return ok or [n_available]


def epochs_for_size(n: int, n_full: int, max_epochs: int, cap: int = MAX_EPOCHS_CAP) -> int:
    """``max_epochs`` scaled by ``n_full / n`` (same maximal number of steps), at most ``cap``;
    exactly ``max_epochs`` at ``n = n_full``."""
    return min(cap, max(max_epochs, math.ceil(max_epochs * n_full / n)))


def topodnn_curve(train: JetSet, val: JetSet, test: JetSet, sizes: Sequence[int],
                  profile: Profile | str, seeds: Sequence[int], device: str = "auto") -> pd.DataFrame:
    """Test metrics of TopoDNNs trained on the first ``n`` jets, one row per (size, seed)."""
    X_test = topodnn_features(test)
    base_epochs = topodnn_config(profile, seed=0)["max_epochs"]
    rows = []
    for n in usable_sizes(sizes, len(train)):
        epochs = epochs_for_size(n, len(train), base_epochs)
        overrides = {} if epochs == base_epochs else {"max_epochs": epochs}
        for seed in seeds:
            model, hist = train_topodnn(train, val, profile, seed, device, n_train=n, **overrides)
            rows.append({"model": "TopoDNN", "n_train": n, "seed": seed,
                         "epochs": hist.epochs_run,
                         **summarize(test.labels, predict_proba(model, X_test))})
    return pd.DataFrame(rows)


def baseline_curve(train_obs: dict, y_train: np.ndarray, test_obs: dict, y_test: np.ndarray,
                   sizes: Sequence[int], seeds: Sequence[int],
                   features: str = "mass+tau") -> pd.DataFrame:
    """Test metrics of the boosted-tree baseline on the first ``n`` jets' observables."""
    rows = []
    for n in usable_sizes(sizes, len(y_train)):
        first = {k: np.asarray(v)[:n] for k, v in train_obs.items()}
        for seed in seeds:
            clf = train_baseline(first, y_train[:n], features, seed=seed)
            rows.append({"model": f"boosted trees ({features})", "n_train": n, "seed": seed,
                         "epochs": clf.n_iter_,
                         **summarize(y_test, baseline_scores(clf, test_obs, features))})
    return pd.DataFrame(rows)


def curve_summary(curve: pd.DataFrame, metric: str = "auc") -> pd.DataFrame:
    """Mean and sample std of ``metric`` over seeds per model and size (std ``nan`` for
    one seed); columns ``model, n_train, mean, std, seeds``."""
    g = curve.groupby(["model", "n_train"])[metric]
    return pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=1), "seeds": g.size()}).reset_index()


def gain_per_doubling(summary: pd.DataFrame, model: str) -> float:
    """Least-squares slope of the mean metric against ``log2(n_train)`` for one model of a
    :func:`curve_summary` table (``nan`` with fewer than two sizes)."""
    g = summary[summary["model"] == model]
    if len(g) < 2:
        return float("nan")
    return float(np.polyfit(np.log2(g["n_train"].to_numpy(float)), g["mean"].to_numpy(float), 1)[0])


def learning_curves(train: JetSet, val: JetSet, test: JetSet, train_obs: dict, test_obs: dict,
                    sizes: Sequence[int], profile: Profile | str, seeds: Sequence[int],
                    device: str = "auto", features: str = "mass+tau") -> pd.DataFrame:
    """The TopoDNN's :func:`topodnn_curve` and the baseline's :func:`baseline_curve` on the
    same sizes and seeds, one table."""
    return pd.concat([
        topodnn_curve(train, val, test, sizes, profile, seeds, device),
        baseline_curve(train_obs, train.labels, test_obs, test.labels, sizes, seeds, features),
    ])


def gain_table(summary: pd.DataFrame) -> pd.Series:
    """:func:`gain_per_doubling` of every model of a :func:`curve_summary` table."""
    return pd.Series({model: gain_per_doubling(summary, model)
                      for model in summary["model"].unique()},
                     name="AUC gain per doubling of the training set")
