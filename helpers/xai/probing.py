"""Linear probing: what a representation encodes linearly.

- A *regression* probe is a linear regression from a learned representation (an embedding,
  a latent vector, a hidden layer) to one observable, fitted on training jets and scored by
  R^2 on held-out jets (Cheng, arXiv:1911.01872, Table 1): :func:`linear_probe_r2`,
  :func:`probe_table`.
- A *classification* probe is a logistic regression from each representation to the class,
  scored by its held-out ROC AUC: how linearly separable the classes are at each depth of a
  network (:func:`layer_probe_auc`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..metrics import auc


def linear_probe_r2(Z_train: np.ndarray, y_train: np.ndarray, Z_test: np.ndarray,
                    y_test: np.ndarray, alphas: tuple[float, ...] = (1e-3, 1e-1, 1e1)) -> float:
    """Held-out R^2 of a (lightly ridge-regularised, standardised) linear probe.

    Non-finite targets are dropped from both sets.
    """
    tr, te = np.isfinite(y_train), np.isfinite(y_test)
    probe = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas))
    probe.fit(Z_train[tr], y_train[tr])
    return float(r2_score(y_test[te], probe.predict(Z_test[te])))


def probe_table(Z_train: np.ndarray, obs_train: dict, Z_test: np.ndarray, obs_test: dict,
                names: tuple[str, ...]) -> dict[str, float]:
    """R^2 of a linear probe for each observable in ``names``."""
    return {n: linear_probe_r2(Z_train, np.asarray(obs_train[n], float), Z_test,
                               np.asarray(obs_test[n], float)) for n in names}


def layer_probe_auc(layers_train: Sequence[np.ndarray], y_train: np.ndarray,
                    layers_test: Sequence[np.ndarray], y_test: np.ndarray,
                    max_iter: int = 500) -> list[float]:
    """Held-out ROC AUC of a logistic regression on each representation (inputs, hidden
    layers): how linearly separable the classes are at each depth."""
    out = []
    for Z_tr, Z_te in zip(layers_train, layers_test):
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
        probe.fit(Z_tr, y_train)
        out.append(auc(y_test, probe.decision_function(Z_te)))
    return out
