"""Differential relevance and MAD relevance (forward passes only).

A first-order expansion around the mean input separates the model output into a
*mean-behaviour* part and a *differential* part,
``f(x) ~ f(x with x_k -> mean_k) + df/dx_k (x_k - mean_k)``.
The **differential relevance** of feature ``k`` for jet ``x`` is the exact change

    D_k(x) = f(x) - f(x with x_k -> mean_k)

of the model output (the pre-sigmoid logit for torch models).  ``D_k > 0``: the jet's actual
value of ``x_k`` pushes the output towards signal compared with the average value.  The
**MAD relevance** of feature ``k`` for a class is the mean of ``|D_k|`` over that class's jets.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from ..models.common import Scorer, as_scorer
from ..progress import progress, progress_enabled

#: rows per forward-pass chunk (rows of the occluded batch)
MAX_ROWS = 1 << 17


def occluded_outputs(
    f: nn.Module | Scorer, X: np.ndarray, values: np.ndarray, max_rows: int = MAX_ROWS
) -> np.ndarray:
    """``(n, d)`` outputs ``f(x with x_k -> values_k)`` for every jet and feature.

    The occluded inputs are built as one ``(c * d, d)`` batch per chunk of ``c`` jets
    (``c * d <= max_rows``), so the cost is ``n * d`` model rows in ``n * d / max_rows`` calls.
    """
    f = as_scorer(f)
    X = np.asarray(X)
    n, d = X.shape
    values = np.asarray(values, dtype=X.dtype)
    diag = np.arange(d)
    chunk = max(1, max_rows // d)
    out = np.empty((n, d))
    quiet = n <= chunk or not progress_enabled()
    for start in progress(range(0, n, chunk), desc="occlusion", leave=False, disable=quiet):
        block = np.repeat(X[start : start + chunk, None, :], d, axis=1)  # (c, d, d)
        block[:, diag, diag] = values
        out[start : start + chunk] = np.asarray(f(block.reshape(-1, d))).reshape(-1, d)
    return out


def differential_relevance(
    f: nn.Module | Scorer,
    X: np.ndarray,
    mean: np.ndarray | None = None,
    max_rows: int = MAX_ROWS,
) -> np.ndarray:
    """``(n, d)`` differential relevance ``f(x) - f(x with x_k -> mean_k)``.

    ``mean`` defaults to the mean of ``X``; pass the training-set mean to use a fixed
    reference.  Torch models are evaluated on the logit.
    """
    f = as_scorer(f)
    X = np.asarray(X)
    mean = X.mean(axis=0) if mean is None else np.asarray(mean)
    return np.asarray(f(X), dtype=float)[:, None] - occluded_outputs(f, X, mean, max_rows)


def mad_relevance(
    relevance: np.ndarray, labels: np.ndarray, clip_quantile: float | None = None
) -> dict[int, np.ndarray]:
    """Mean absolute differential relevance per class: ``{label: (d,)}``.

    No outlier treatment by default.  With ``clip_quantile = q`` each feature's ``|D_k|`` is
    clipped at its ``q``-quantile within the class before averaging (limits single jets
    with extreme values).
    """
    absrel = np.abs(np.asarray(relevance))
    labels = np.asarray(labels)
    out = {}
    for label in np.unique(labels):
        a = absrel[labels == label]
        if clip_quantile is not None:
            a = np.minimum(a, np.quantile(a, clip_quantile, axis=0))
        out[int(label)] = a.mean(axis=0)
    return out
