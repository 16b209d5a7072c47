"""Frozen-embedding transfer between tagging tasks (chapter 5; Cheng, arXiv:1911.01872, App. B).

The RecNN embedding learned on task A is frozen; a fresh head (same architecture as the
RecNN's, :class:`~helpers.models.recnn.RecNNHead`) is trained on task B's jets.  With the
embedding frozen, training the head on the precomputed embeddings is the same optimisation
as training "frozen embedding + head" end to end, and much cheaper.  Task B's node
features are scaled with task A's scaler: the scaler belongs to the frozen embedding.
"""

from __future__ import annotations

import numpy as np

from ..metrics import auc
from ..models.common import predict_logits
from ..models.recnn import RecNN, RecNNHead, predict_tree
from ..preprocessing.recnn import TreeInputs
from ..training.loop import TrainHistory, train_cached

#: training settings of the transfer head (profiles may override them)
HEAD_DEFAULTS = {"lr": 1e-3, "batch_size": 256, "max_epochs": 60, "patience": 5}


def frozen_embeddings(model: RecNN, inputs: TreeInputs) -> np.ndarray:
    """``(n_jets, embed_dim)`` float32 root embeddings of the frozen ``model``."""
    return predict_tree(model, inputs)["embedding"].astype(np.float32)


def train_head(Z_train: np.ndarray, y_train: np.ndarray, Z_val: np.ndarray, y_val: np.ndarray,
               config: dict, name: str, device: str = "auto") -> tuple[RecNNHead, TrainHistory]:
    """Train (or load) a fresh :class:`RecNNHead` on fixed embeddings.

    ``config`` holds the :data:`HEAD_DEFAULTS` keys, ``seed`` and ``hidden``.
    """
    return train_cached(lambda: RecNNHead(Z_train.shape[1], config["hidden"]),
                        {**config, "arch": "RecNNHead"}, Z_train, y_train, Z_val, y_val,
                        name=name, device=device)


def transfer_auc(model_a: RecNN, inputs_b: dict[str, TreeInputs], labels_b: dict[str, np.ndarray],
                 config: dict, name: str, device: str = "auto") -> float:
    """Test AUC on task B of a head trained on ``model_a``'s frozen embeddings of B's jets.

    ``inputs_b`` maps ``train``/``val``/``test`` to B's trees scaled with A's scaler.
    """
    Z = {split: frozen_embeddings(model_a, inputs_b[split]) for split in ("train", "val", "test")}
    head, _ = train_head(Z["train"], labels_b["train"], Z["val"], labels_b["val"], config, name,
                         device)
    return auc(labels_b["test"], predict_logits(head, Z["test"]))


def retained_separation(transfer_auc_value: float, base_auc: float) -> float:
    """Share of the base separation power ``AUC - 0.5`` that survives a transfer.

    Compares transfers into tasks whose base AUCs differ: 1 = as good as training on the
    task itself, 0 = chance.
    """
    return (transfer_auc_value - 0.5) / (base_auc - 0.5)
