"""Ground truth for testing attributions: exact Shapley values and linear-model closed forms.

Exact Shapley values use the *interventional* value function of KernelSHAP,
``v(S) = mean_b f(x_S, b_{not S})`` over baseline rows ``b`` (one row: the mean input), and
enumerate all ``2^d`` coalitions, so they are only practical for ``d <= 12``.

For a linear model ``f(x) = w.x + c`` everything is known in closed form:

- Shapley value (single mean baseline or any background with that mean) and differential
  relevance are both ``w_k (x_k - mean_k)`` (:func:`linear_shapley`);
- LRP-epsilon (``epsilon -> 0``, ``c = 0``) gives ``w_k x_k`` (:func:`linear_lrp`);
- mean-behaviour relevance, the LRP of the mean input, is ``w_k mean_k``
  (:func:`linear_mean_behaviour`), so LRP minus mean behaviour equals the Shapley value.
"""

from __future__ import annotations

from math import factorial

import numpy as np
from torch import nn

from ..models.common import Scorer, as_scorer

#: largest number of features :func:`exact_shapley` accepts
MAX_FEATURES = 12


def _coalitions(d: int) -> np.ndarray:
    """``(2^d, d)`` boolean membership matrix; row ``s`` has bit ``k`` of ``s`` in column ``k``."""
    ints = np.arange(1 << d)
    return ((ints[:, None] >> np.arange(d)) & 1).astype(bool)


def _shapley_weights(d: int) -> np.ndarray:
    """Weight ``|S|! (d - |S| - 1)! / d!`` for every coalition size ``|S| = 0 .. d-1``."""
    return np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])


def exact_shapley(f: nn.Module | Scorer, X: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """``(n, d)`` exact Shapley values of ``f`` (logit for torch models) for the rows of ``X``.

    ``baseline`` is one row ``(d,)`` (e.g. the mean) or a background set ``(n_b, d)``;
    features outside a coalition take the baseline values.
    """
    f = as_scorer(f)
    X = np.atleast_2d(np.asarray(X, dtype=float))
    base = np.atleast_2d(np.asarray(baseline, dtype=float))
    n, d = X.shape
    if d > MAX_FEATURES:
        raise ValueError(f"exact enumeration needs d <= {MAX_FEATURES}, got {d}")
    masks = _coalitions(d)
    sizes = masks.sum(axis=1)
    weights = _shapley_weights(d)
    out = np.empty((n, d))
    for i, x in enumerate(X):
        rows = np.where(masks[:, None, :], x, base[None, :, :])  # (2^d, n_b, d)
        v = np.asarray(f(rows.reshape(-1, d))).reshape(len(masks), len(base)).mean(axis=1)
        for k in range(d):
            without = np.flatnonzero(~masks[:, k])
            out[i, k] = np.dot(weights[sizes[without]], v[without | (1 << k)] - v[without])
    return out


def linear_shapley(w: np.ndarray, X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``w_k (x_k - mean_k)``: Shapley value and differential relevance of a linear model."""
    return np.asarray(w) * (np.asarray(X) - np.asarray(mean))


def linear_lrp(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``w_k x_k``: LRP-epsilon (epsilon -> 0, zero bias) of a linear model."""
    return np.asarray(w) * np.asarray(X)


def linear_mean_behaviour(w: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``w_k mean_k``: mean-behaviour relevance (LRP of the mean input) of a linear model."""
    return np.asarray(w) * np.asarray(mean)
