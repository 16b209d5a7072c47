"""Training recipes of the book's models: a profile in, a trained (or cached) model out.

Each model has paper defaults (``*_DEFAULTS``) that a profile's chapter block may override,
a ``*_config`` that resolves them, and a ``train_*`` that trains through
:func:`helpers.training.loop.train_cached`.  Chapter 1 trains the TopoDNN; chapters 2-4 reuse
exactly the same trained models (same config, same cache key), so a later chapter never
retrains what an earlier one trained.
"""

from __future__ import annotations

import numpy as np

from ..cache import array_fingerprint
from ..config import Profile, get_profile
from ..data.jets import JetSet
from ..models import EFN, PFN, ConstituentLSTM, JetCNN, PackedInputs, RecNN, TopoDNN
from ..preprocessing import N_CONSTITUENTS, cnn_features, lstm_features, topodnn_features
from ..preprocessing.recnn import NODE_FEATURES, TaskTrees
from .loop import TrainHistory, train_cached

#: Khot et al.'s TopoDNN recipe (after Pearkes et al.)
TOPODNN_DEFAULTS = {"hidden": (300, 102, 12, 6), "lr": 1e-3, "batch_size": 96,
                    "max_epochs": 40, "patience": 5}
#: Khot et al.'s PFN architecture and recipe
PFN_DEFAULTS = {"phi_sizes": (100, 100, 256), "f_sizes": (100, 100, 100), "lr": 3e-4,
                "batch_size": 250, "max_epochs": 30, "patience": 5, "lr_milestones": (10, 20),
                "lr_gamma": 0.1}
#: the EFN: Komiske et al. size ``Phi`` (100, 100, 256) and ``F`` (100, 100, 100) for both
#: networks, so the PFN's architecture and recipe -- ``Phi`` with two inputs ``(deta, dphi)``
#: instead of three -- and EFN and PFN compare on equal terms
EFN_DEFAULTS = dict(PFN_DEFAULTS)
#: Cheng's RecNN (after Louppe et al.)
RECNN_DEFAULTS = {"embed_dim": 70, "hidden": 70, "lr": 1e-3, "batch_size": 64,
                  "max_epochs": 25, "patience": 5}

#: chapter 5's LSTM on the leading constituents and CNN on jet images (Cheng's appendix
#: architectures, sized for a CPU; :mod:`helpers.models.lstm`, :mod:`helpers.models.cnn`)
LSTM_DEFAULTS = {"hidden": 64, "head": 64, "n_constituents": 50, "lr": 1e-3,
                 "batch_size": 128, "max_epochs": 20, "patience": 4}
CNN_DEFAULTS = {"channels": (8, 16), "dense": 64, "npix": 33, "lr": 1e-3, "batch_size": 128,
                "max_epochs": 20, "patience": 4}


def model_config(block: str, defaults: dict, profile: Profile | str, seed: int,
                 overrides: dict) -> dict:
    """``defaults`` overridden by the profile's ``block`` settings, then by ``overrides``;
    tuples become lists so that the config hashes like its JSON form."""
    ch = get_profile(profile).chapter(block)
    cfg = {k: ch.get(k, v) for k, v in defaults.items()}
    cfg.update(overrides, seed=seed)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()}


def topodnn_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of the TopoDNN for a profile."""
    return model_config("topodnn", TOPODNN_DEFAULTS, profile, seed, overrides)


def pfn_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of the PFN for a profile."""
    return model_config("pfn", PFN_DEFAULTS, profile, seed, overrides)


def efn_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of the EFN for a profile (block ``efn``)."""
    return model_config("efn", EFN_DEFAULTS, profile, seed, overrides)


def recnn_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of the RecNN for a profile."""
    return model_config("recnn", RECNN_DEFAULTS, profile, seed, overrides)


def train_topodnn(train: JetSet, val: JetSet, profile: Profile | str, seed: int,
                  device: str = "auto", n_train: int | None = None,
                  n_constituents: int = N_CONSTITUENTS,
                  **overrides) -> tuple[TopoDNN, TrainHistory]:
    """Train (or load from the cache) a TopoDNN on the first ``n_train`` training jets, fed
    the ``n_constituents`` leading constituents (the paper: 30; the input layer follows)."""
    cfg = topodnn_config(profile, seed, **overrides)
    X_tr = topodnn_features(train, n_constituents=n_constituents)[:n_train]
    y_tr = train.labels[:n_train].astype(np.float32)
    X_va, y_va = topodnn_features(val, n_constituents=n_constituents), val.labels.astype(np.float32)
    return train_cached(lambda: TopoDNN(X_tr.shape[1], tuple(cfg["hidden"])),
                        {**cfg, "arch": "TopoDNN"}, X_tr, y_tr, X_va, y_va,
                        name=f"topodnn-s{seed}", data_key=array_fingerprint(X_tr, y_tr, X_va, y_va),
                        device=device)


def train_pfn(train, y_train: np.ndarray, val, y_val: np.ndarray, profile: Profile | str,
              seed: int, device: str = "auto", name: str = "pfn",
              **overrides) -> tuple[PFN, TrainHistory]:
    """Train (or load from the cache) a packed PFN on preprocessed particles.

    ``train``/``val`` are :class:`~helpers.preprocessing.pfn.PackedParticles`; the cache key
    holds the config, the seed and a fingerprint of the inputs, so differently preprocessed
    data (e.g. the leaky inputs of :mod:`helpers.studies.leak`) never share a model.
    """
    cfg = pfn_config(profile, seed, **overrides)
    return _train_packed(lambda: PFN(tuple(cfg["phi_sizes"]), tuple(cfg["f_sizes"])),
                         {**cfg, "arch": "PFN"}, train, y_train, val, y_val,
                         f"{name}-s{seed}", device)


def _train_packed(factory, cfg: dict, train, y_train: np.ndarray, val, y_val: np.ndarray,
                  name: str, device: str):
    """:func:`train_cached` on packed particles (the PFN's and the EFN's inputs)."""
    X_tr, X_va = PackedInputs.from_packed(train), PackedInputs.from_packed(val)
    y_tr, y_va = np.asarray(y_train, np.float32), np.asarray(y_val, np.float32)
    return train_cached(factory, cfg, X_tr, y_tr, X_va, y_va, name=name,
                        data_key=array_fingerprint(X_tr, y_tr, X_va, y_va), device=device)


def train_efn(train, y_train: np.ndarray, val, y_val: np.ndarray, profile: Profile | str,
              seed: int, device: str = "auto", name: str = "efn",
              **overrides) -> tuple[EFN, TrainHistory]:
    """Train (or load from the cache) a packed EFN on preprocessed particles.

    As :func:`train_pfn`: ``train``/``val`` are
    :class:`~helpers.preprocessing.pfn.PackedParticles` (the EFN reads ``z`` as the weight and
    ``deta, dphi`` as the input of ``Phi``) and the cache key holds the config, the seed and a
    fingerprint of the inputs.
    """
    cfg = efn_config(profile, seed, **overrides)
    return _train_packed(lambda: EFN(tuple(cfg["phi_sizes"]), tuple(cfg["f_sizes"])),
                         {**cfg, "arch": "EFN"}, train, y_train, val, y_val,
                         f"{name}-s{seed}", device)


def train_recnn(task: TaskTrees, profile: Profile | str, seed: int, device: str = "auto",
                **overrides) -> tuple[RecNN, TrainHistory]:
    """Train (or load from the cache) the RecNN of one task and seed."""
    cfg = recnn_config(profile, seed, **overrides)
    return train_cached(lambda: RecNN(embed_dim=cfg["embed_dim"], hidden=cfg["hidden"]),
                        {**cfg, "arch": "RecNN", "task": task.name, "features": NODE_FEATURES},
                        task.inputs("train"), task.labels("train"), task.inputs("val"),
                        task.labels("val"), name=f"recnn-{task.name}-s{seed}", device=device)


def lstm_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of chapter 5's LSTM for a profile (block ``lstm``)."""
    return model_config("lstm", LSTM_DEFAULTS, profile, seed, overrides)


def cnn_config(profile: Profile | str, seed: int, **overrides) -> dict:
    """Training config of chapter 5's CNN for a profile (block ``cnn``)."""
    return model_config("cnn", CNN_DEFAULTS, profile, seed, overrides)


def train_lstm(train: JetSet, val: JetSet, profile: Profile | str, seed: int,
               device: str = "auto", **overrides) -> tuple[ConstituentLSTM, TrainHistory]:
    """Train (or load from the cache) the LSTM on the leading constituents of ``train``."""
    cfg = lstm_config(profile, seed, **overrides)
    X_tr, X_va = (lstm_features(j, cfg["n_constituents"]) for j in (train, val))
    y_tr, y_va = train.labels.astype(np.float32), val.labels.astype(np.float32)
    return train_cached(lambda: ConstituentLSTM(X_tr.shape[-1] - 1, cfg["hidden"], cfg["head"]),
                        {**cfg, "arch": "ConstituentLSTM"}, X_tr, y_tr, X_va, y_va,
                        name=f"lstm-s{seed}", device=device)


def train_cnn(train: JetSet, val: JetSet, profile: Profile | str, seed: int,
              device: str = "auto", **overrides) -> tuple[JetCNN, TrainHistory]:
    """Train (or load from the cache) the CNN on the jet images of ``train``."""
    cfg = cnn_config(profile, seed, **overrides)
    X_tr, X_va = (cnn_features(j, cfg["npix"]) for j in (train, val))
    y_tr, y_va = train.labels.astype(np.float32), val.labels.astype(np.float32)
    return train_cached(lambda: JetCNN(cfg["npix"], tuple(cfg["channels"]), cfg["dense"]),
                        {**cfg, "arch": "JetCNN"}, X_tr, y_tr, X_va, y_va,
                        name=f"cnn-s{seed}", device=device)
