"""Physics baselines (chapters 1, 4 and 5): boosted decision trees on a few jet observables.

The substructure observables (mass, N-subjettiness) are sharp on particle-level jets, so
a small gradient-boosted classifier on them is a strong reference for every network of
the book.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from ..data.jets import JetSet
from ..physics.observables import compute_observables

#: observable sets of the baselines
BASELINE_FEATURES = {
    "mass+tau": ("mass", "tau1", "tau2", "tau3", "tau21", "tau32"),
    "mass+tau+multiplicity": ("mass", "tau1", "tau2", "tau3", "tau21", "tau32", "multiplicity"),
}


def observable_matrix(jets: JetSet | dict, names: tuple[str, ...]) -> np.ndarray:
    """``(N, len(names))`` matrix of observables (``jets`` may be precomputed observables)."""
    obs = jets if isinstance(jets, dict) else compute_observables(jets)
    return np.stack([np.asarray(obs[n], dtype=np.float64) for n in names], axis=1)


def train_baseline(train_obs: dict, y_train: np.ndarray, features: str = "mass+tau",
                   seed: int = 0) -> HistGradientBoostingClassifier:
    """Gradient-boosted trees on the observables (early stopping on an internal split)."""
    clf = HistGradientBoostingClassifier(max_iter=500, learning_rate=0.1, early_stopping=True,
                                         validation_fraction=0.15, n_iter_no_change=20,
                                         random_state=seed)
    return clf.fit(observable_matrix(train_obs, BASELINE_FEATURES[features]), y_train)


def baseline_scores(clf: HistGradientBoostingClassifier, obs: dict,
                    features: str = "mass+tau") -> np.ndarray:
    """Signal probability of the baseline on precomputed observables."""
    return clf.predict_proba(observable_matrix(obs, BASELINE_FEATURES[features]))[:, 1]


def fit_and_score(train_obs: dict, y_train: np.ndarray, test_obs: dict,
                  features: str = "mass+tau", seed: int = 0) -> np.ndarray:
    """Signal probabilities on ``test_obs`` of the baseline trained on ``train_obs``."""
    return baseline_scores(train_baseline(train_obs, y_train, features, seed=seed), test_obs,
                           features)


def baseline_probabilities(train_obs: dict, y_train: np.ndarray, test_obs: dict,
                           feature_sets: Sequence[str], seeds: Sequence[int]
                           ) -> dict[str, list[np.ndarray]]:
    """``{"BDT: <features>": [test probabilities of one seed, ...]}`` of the baseline trained
    once per seed on each observable set."""
    return {f"BDT: {features}": [fit_and_score(train_obs, y_train, test_obs, features, s)
                                 for s in seeds]
            for features in feature_sets}
