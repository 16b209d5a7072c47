"""Recipes shared by several chapters: train the book's standard models from a profile.

Chapter 1 trains the TopoDNN; chapters 2-4 reuse exactly the same trained models (same
config, same cache key), so a later chapter never retrains what an earlier one trained.
"""

from __future__ import annotations

import numpy as np

from .config import Profile, get_profile
from .data.jets import JetSet
from .models import TopoDNN
from .preprocessing import topodnn_features
from .training import TrainHistory, array_fingerprint, train_cached

TOPODNN_DEFAULTS = {"hidden": (300, 102, 12, 6), "lr": 1e-3, "batch_size": 96,
                    "max_epochs": 40, "patience": 5}


def topodnn_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of the TopoDNN for a profile (paper defaults, profile overrides)."""
    prof = get_profile(profile)
    ch = prof.chapter("topodnn")
    cfg = {k: ch.get(k, v) for k, v in TOPODNN_DEFAULTS.items()}
    cfg.update(overrides, seed=seed)
    cfg["hidden"] = list(cfg["hidden"])
    return cfg


def train_topodnn(train: JetSet, val: JetSet, profile: Profile | str, seed: int,
                  device: str = "auto", n_train: int | None = None,
                  **overrides) -> tuple[TopoDNN, TrainHistory]:
    """Train (or load from the cache) a TopoDNN on the first ``n_train`` training jets."""
    cfg = topodnn_config(profile, seed, **overrides)
    X_tr, y_tr = topodnn_features(train)[:n_train], train.labels[:n_train].astype(np.float32)
    X_va, y_va = topodnn_features(val), val.labels.astype(np.float32)
    return train_cached(lambda: TopoDNN(X_tr.shape[1], tuple(cfg["hidden"])),
                        {**cfg, "arch": "TopoDNN"}, X_tr, y_tr, X_va, y_va,
                        name=f"topodnn-s{seed}", data_key=array_fingerprint(X_tr, y_tr, X_va, y_va),
                        device=device)
