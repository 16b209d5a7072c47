"""Delta-AUC occlusion: a global importance per input (or latent) feature.

Feature ``k`` is replaced by its mean over a reference set in every jet and the ROC AUC is
recomputed; the importance is ``AUC_base - AUC_occluded`` (positive: the tagger needs the
feature; negative: occluding it helps).  The AUC is a property of the whole labelled
sample, so there is no per-class or per-jet version of this measure: for class-resolved
importances use :func:`helpers.xai.differential.mad_relevance`.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from ..metrics import auc
from ..models.common import Scorer, as_scorer
from .differential import MAX_ROWS, occluded_outputs


def delta_auc(
    f: nn.Module | Scorer,
    X: np.ndarray,
    y: np.ndarray,
    reference: np.ndarray | None = None,
    max_rows: int = MAX_ROWS,
) -> np.ndarray:
    """``(d,)`` importances ``AUC(f(X)) - AUC(f(X with column k -> mean_k))``.

    ``f`` is a torch model (scored on its logit; the AUC does not depend on the monotone
    sigmoid) or any numpy callable, e.g. the head of a network acting on latent features.
    The means come from ``reference`` (default: ``X``).  All ``n * d`` occluded rows are
    evaluated in large batches of at most ``max_rows`` rows.
    """
    f = as_scorer(f)
    X = np.asarray(X)
    mean = np.asarray(X if reference is None else reference).mean(axis=0)
    base = auc(y, f(X))
    occluded = occluded_outputs(f, X, mean, max_rows)
    return np.array([base - auc(y, occluded[:, k]) for k in range(X.shape[1])])
