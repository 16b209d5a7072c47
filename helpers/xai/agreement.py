"""How far two feature attributions agree: rank correlations and top-k overlaps.

Works on importance vectors of any method and any model (one number per feature, larger =
more important).  :func:`seed_agreement` gives the yardstick: the agreement of one method
with itself between networks that differ only in their training seed.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr, weightedtau

#: rank correlation measures of :func:`rank_agreement`; ``weighted`` is scipy's weighted
#: Kendall tau with hyperbolic weights on the ranks, so agreement on the most important
#: features counts most (the average of the rankings by either vector)
RANK_MEASURES = {"spearman": spearmanr, "kendall": kendalltau, "weighted": weightedtau}
#: axis labels of the measures
RANK_LABELS = {"spearman": "Spearman ρ", "kendall": "Kendall τ", "weighted": "weighted Kendall τ"}


def rank_agreement(importances: Mapping[str, np.ndarray], measure: str = "spearman") -> pd.DataFrame:
    """Symmetric matrix of rank correlations between the feature rankings of several methods
    (``measure`` in :data:`RANK_MEASURES`: Spearman's rho, Kendall's tau-b, or the top-weighted
    Kendall tau); diagonal 1."""
    corr = RANK_MEASURES[measure]
    names = list(importances)
    m = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            m.loc[a, b] = m.loc[b, a] = corr(importances[a], importances[b])[0]
    return m


def top_k_overlap(importances: Mapping[str, np.ndarray], k: int = 10) -> pd.DataFrame:
    """Fraction of shared features between the top-``k`` sets of every pair of methods."""
    tops = {name: set(np.argsort(-np.asarray(v), kind="stable")[:k]) for name, v in importances.items()}
    names = list(tops)
    return pd.DataFrame([[len(tops[a] & tops[b]) / k for b in names] for a in names],
                        index=names, columns=names)

def seed_agreement(vectors: Sequence[np.ndarray], measure: str = "spearman") -> float:
    """Mean rank correlation over all pairs of runs of one method (``nan`` for one run): the
    agreement expected from training noise alone."""
    m = rank_agreement(dict(enumerate(vectors)), measure).to_numpy()
    return float(m[np.triu_indices(len(m), k=1)].mean()) if len(m) > 1 else float("nan")


def top_features(importance: np.ndarray, names: Sequence[str], k: int = 5) -> list[str]:
    """Names of the ``k`` features with the largest importance (descending, stable)."""
    order = np.argsort(-np.asarray(importance), kind="stable")
    return [names[i] for i in order[:k]]
