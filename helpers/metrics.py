"""Classifier metrics of the top-tagging literature and their aggregation over seeds.

Conventions
-----------
- Labels: 1 = signal, 0 = background.  Scores: larger = more signal-like.
- ``eps_S`` (signal efficiency) is the true-positive rate, ``eps_B`` (background
  efficiency, mistag rate) the false-positive rate of a cut on the score.
- Background rejection at a working point is ``1 / eps_B(eps_S)``, with ``eps_B(eps_S)``
  **linearly interpolated** between the points of the full (non-thinned) ROC curve.  Where
  several points share the same ``eps_S`` the smallest ``eps_B`` is used (the best cut that
  reaches that efficiency).  A rejection is ``inf`` when ``eps_B = 0``.
- Accuracy thresholds **probabilities** at 0.5 (pass ``sigmoid(logit)``, not logits).
  :func:`summarize` weights the two classes equally (the balanced accuracy), so that a test
  set with more background jets than signal jets -- the background rejection needs them --
  gives the accuracy of a balanced one; on a balanced set the two are the same number.
- The statistical error of a rejection (:func:`rejection_spread`) is the standard deviation
  over bootstrap resamples of the test jets drawn class by class (the class counts are fixed
  by the test set's design): it includes the fluctuation of the cut that gives ``eps_S``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as _sk_roc_curve

#: signal efficiencies at which :func:`summarize` reports the background rejection
WORKING_POINTS = (0.3, 0.5)


def roc_curve(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full ROC curve ``(eps_B, eps_S, thresholds)``, i.e. sklearn's ``(fpr, tpr, thr)``."""
    return _sk_roc_curve(y_true, scores, drop_intermediate=False)


def auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve."""
    return float(roc_auc_score(y_true, scores))


def auc_rows(y_true: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """:func:`auc` of every row of ``scores (m, n)`` against the same labels at once, by
    ranks (the Mann-Whitney statistic; ties count half, as in :func:`auc`)."""
    from scipy.stats import rankdata

    y = np.asarray(y_true).astype(bool)
    scores = np.atleast_2d(np.asarray(scores, float))
    if scores.shape[1] != len(y):
        raise ValueError(f"auc_rows: {scores.shape[1]} scores per row for {len(y)} labels")
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        raise ValueError("auc_rows: needs both classes")
    ranks = rankdata(scores, axis=1)
    return (ranks[:, y].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def accuracy(y_true: np.ndarray, probs: np.ndarray, threshold: float = 0.5,
             balanced: bool = False) -> float:
    """Fraction of correct decisions ``prob >= threshold`` -> signal; with ``balanced`` the
    mean of the two classes' fractions (independent of how many jets each class has)."""
    signal = np.asarray(y_true) == 1
    right = (np.asarray(probs) >= threshold) == signal
    if not balanced:
        return float(np.mean(right))
    if signal.all() or not signal.any():
        raise ValueError("accuracy(balanced=True) needs jets of both classes")
    return float((right[signal].mean() + right[~signal].mean()) / 2)


def background_efficiency(y_true: np.ndarray, scores: np.ndarray, eps_s: float) -> float:
    """``eps_B`` at signal efficiency ``eps_s`` (interpolated, see the module notes)."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    tpr_unique, first = np.unique(tpr, return_index=True)  # first = smallest fpr (fpr ascends)
    return float(np.interp(eps_s, tpr_unique, fpr[first]))


def background_rejection(y_true: np.ndarray, scores: np.ndarray, eps_s: float) -> float:
    """``1 / eps_B`` at signal efficiency ``eps_s`` (``inf`` if no background passes)."""
    return float(background_rejections(y_true, scores, (eps_s,))[0])


def background_rejections(y_true: np.ndarray, scores: np.ndarray,
                          eps_s: Sequence[float] = WORKING_POINTS) -> np.ndarray:
    """:func:`background_rejection` at several signal efficiencies from one ROC curve."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    tpr_unique, first = np.unique(tpr, return_index=True)  # first = smallest fpr (fpr ascends)
    eps_b = np.interp(np.asarray(eps_s, float), tpr_unique, fpr[first])
    with np.errstate(divide="ignore"):
        return np.where(eps_b > 0, 1.0 / eps_b, np.inf)


def rejection_spread(y_true: np.ndarray, scores: np.ndarray,
                     eps_s: Sequence[float] = WORKING_POINTS, n_boot: int = 200,
                     seed: int = 0) -> np.ndarray:
    """Statistical error of :func:`background_rejections` from the finite test set: the
    standard deviation over ``n_boot`` resamples of the jets, drawn with replacement within
    each class (resamples where no background jet passes are left out; ``nan`` when fewer
    than two remain)."""
    if n_boot < 2:
        raise ValueError(f"rejection_spread needs n_boot >= 2 resamples, got {n_boot}")
    y, s = np.asarray(y_true) == 1, np.asarray(scores)
    signal, background = np.flatnonzero(y), np.flatnonzero(~y)
    rng = np.random.default_rng(seed)
    labels = np.r_[np.ones(len(signal), int), np.zeros(len(background), int)]
    draws = np.array([background_rejections(
        labels, np.r_[s[rng.choice(signal, len(signal))], s[rng.choice(background, len(background))]],
        eps_s) for _ in range(n_boot)])
    out = np.full(len(eps_s), np.nan)
    for j in range(out.size):
        finite = draws[np.isfinite(draws[:, j]), j]
        if finite.size > 1:
            out[j] = finite.std(ddof=1)
    return out


def summarize(y_true: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """``auc``, ``accuracy`` (class-balanced) and ``rejection_<eps_S>`` for
    :data:`WORKING_POINTS`."""
    out = {"auc": auc(y_true, probs), "accuracy": accuracy(y_true, probs, balanced=True)}
    for eps_s, rejection in zip(WORKING_POINTS, background_rejections(y_true, probs)):
        out[f"rejection_{eps_s}"] = float(rejection)
    return out


def aggregate(results: Sequence[dict[str, float]]) -> dict[str, tuple[float, float]]:
    """``{metric: (mean, std)}`` over runs (e.g. training seeds).

    ``std`` is the sample standard deviation (``ddof=1``); it is ``nan`` for a single run.
    """
    if not results:
        raise ValueError("aggregate needs at least one result")
    return {key: mean_std([r[key] for r in results]) for key in results[0]}


def mean_std(values: Sequence) -> tuple:
    """``(mean, sample std)`` over repeated measurements (e.g. training seeds).

    ``values`` holds numbers (floats returned) or equally shaped arrays (element-wise
    arrays returned); the std is ``nan`` for a single measurement.
    """
    if len(values) == 0:
        raise ValueError("mean_std needs at least one value")
    stack = np.stack([np.asarray(v, dtype=float) for v in values])
    mean = stack.mean(axis=0)
    std = stack.std(axis=0, ddof=1) if len(stack) > 1 else np.full(stack.shape[1:], np.nan)
    if stack.ndim == 1:
        return float(mean), float(std)
    return mean, std


def format_mean_std(mean: float, std: float, decimals: int = 3) -> str:
    """``'0.945 ± 0.003'``; just the mean when ``std`` is ``nan`` (one run)."""
    if np.isnan(std):
        return f"{mean:.{decimals}f}"
    return f"{mean:.{decimals}f} ± {std:.{decimals}f}"
