"""KernelSHAP with ``shap.KernelExplainer``.

The explained output is the **pre-sigmoid logit** for torch models (SHAP values are
additive in the explained output, and the logit is where the network is additive before
the final squashing).  SHAP values of a jet sum to ``f(x) - E_background[f]``; positive
values push towards signal.  Features with the same value in the jet and in every
background row (e.g. zero-padded constituents) receive exactly zero.
"""

from __future__ import annotations

import numpy as np
import shap
from torch import nn

from ..models.common import Scorer, as_scorer
from ..progress import progress_enabled


def sample_background(X: np.ndarray, n_background: int, seed: int = 0) -> np.ndarray:
    """``n_background`` rows of ``X`` drawn without replacement."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(X), size=min(n_background, len(X)), replace=False)
    return np.asarray(X)[np.sort(idx)]


def kernel_shap(
    f: nn.Module | Scorer,
    X_explain: np.ndarray,
    background: np.ndarray,
    nsamples: int = 500,
    seed: int = 0,
    l1_reg: str | float | bool = False,
) -> np.ndarray:
    """``(n_explain, d)`` KernelSHAP values of ``f`` (logit for torch models).

    ``nsamples`` coalitions are evaluated per jet, each against every background row
    (cost ``nsamples * len(background)`` model rows per jet).  ``l1_reg=False`` (the default
    here, unlike ``shap``'s ``'num_features(10)'``) keeps all features instead of a lasso
    pre-selection.  ``seed`` fixes shap's coalition sampling; numpy's global random state is
    restored afterwards.
    """
    explainer = shap.KernelExplainer(as_scorer(f), np.asarray(background))
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        values = explainer.shap_values(
            np.asarray(X_explain), nsamples=nsamples, l1_reg=l1_reg, silent=not progress_enabled()
        )
    finally:
        np.random.set_state(state)
    return np.asarray(values, dtype=float).reshape(len(X_explain), -1)
