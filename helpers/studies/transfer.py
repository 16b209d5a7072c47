"""Frozen-embedding transfer between tagging tasks (chapter 5; Cheng, arXiv:1911.01872, App. B).

The RecNN embedding learned on task A is frozen; a fresh head (same architecture as the
RecNN's, :class:`~helpers.models.recnn.RecNNHead`) is trained on task B's jets.  With the
embedding frozen, training the head on the precomputed embeddings is the same optimisation
as training "frozen embedding + head" end to end, and much cheaper.  Task B's node
features are scaled with task A's scaler: the scaler belongs to the frozen embedding.

:func:`transfer_study` runs every ``A -> B`` pair and seed and the random-embedding floor,
:func:`transfer_table` sets them next to a paper's values, :func:`retained_shares` next to
how well each source embedding encodes the multiplicity.  The figure is in
:mod:`helpers.plots.transfer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from .. import published
from ..data import SPLITS, TASKS
from ..metrics import auc, format_mean_std, mean_std
from ..models.common import predict_logits
from ..models.recnn import RecNN, RecNNHead, predict_tree
from ..preprocessing.recnn import NodeScaler, TaskTrees, TreeInputs
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


#: the transfer pairs of Cheng's Table 2, (source task, target task), in the table's order
CHENG_PAIRS = (("w_qcd", "top_qcd"), ("quark_gluon", "top_qcd"), ("top_qcd", "w_qcd"),
               ("quark_gluon", "w_qcd"), ("w_qcd", "quark_gluon"), ("top_qcd", "quark_gluon"))


def cheng_pairs(pairs: Sequence[tuple[str, str]] = CHENG_PAIRS
                ) -> dict[tuple[str, str], tuple[float, float]]:
    """``{(A, B): (Cheng's base AUC on B, his transfer AUC A -> B)}`` from
    :mod:`helpers.published` (Table 2)."""
    return {(a, b): (float(published.value(f"cheng.auc.{b}")),
                     float(published.value(f"cheng.transfer.{a}.{b}"))) for a, b in pairs}


def retained_separation(transfer_auc_value: float, base_auc: float) -> float:
    """Share of the base separation power ``AUC - 0.5`` that survives a transfer.

    Compares transfers into tasks whose base AUCs differ: 1 = as good as training on the
    task itself, 0 = chance.
    """
    return (transfer_auc_value - 0.5) / (base_auc - 0.5)


# ------------------------------------------------------------------- the chapter's study
@dataclass
class TransferResult:
    """Test AUCs on task B, one per seed: of heads on A's frozen embedding and on a random one."""

    #: ``(A, B)`` -> AUCs of the heads trained on model A's frozen embedding of B's jets
    transfer: dict[tuple[str, str], list[float]]
    #: ``B`` -> AUCs of the heads trained on a random, frozen RecNN's embedding
    floor: dict[str, list[float]]


def random_recnn(seed: int, embed_dim: int, hidden: int, device: str = "cpu") -> RecNN:
    """A randomly initialised RecNN, the same for the same ``seed`` (``torch.manual_seed``)."""
    torch.manual_seed(seed)
    return RecNN(embed_dim=embed_dim, hidden=hidden).to(device)


def split_inputs(task: TaskTrees, scaler: NodeScaler) -> dict[str, TreeInputs]:
    """Every split of ``task`` as :class:`TreeInputs` scaled with ``scaler``."""
    return {split: task.inputs(split, scaler) for split in SPLITS}


def transfer_study(models: Mapping[tuple[str, int], RecNN], tasks: Mapping[str, TaskTrees],
                   pairs: Sequence[tuple[str, str]], seeds: Sequence[int], config: Mapping,
                   device: str = "auto") -> TransferResult:
    """Transfer AUC of every ``(A, B)`` pair and seed ``s`` (model A of seed ``s``, head of
    seed ``s``), then the random-embedding floor of every task B.

    ``config`` is the RecNN's training config (``embed_dim``, ``hidden``); the heads train
    with :data:`HEAD_DEFAULTS`, cached as ``transfer-{A}-to-{B}-s{s}`` and
    ``transfer-random-to-{B}-s{s}``.
    """
    head_cfg = {**HEAD_DEFAULTS, "hidden": config["hidden"]}
    labels = {t: {split: task.labels(split) for split in SPLITS} for t, task in tasks.items()}
    transfer = {(a, b): [transfer_auc(models[a, s], split_inputs(tasks[b], tasks[a].scaler),
                                      labels[b], {**head_cfg, "seed": s},
                                      f"transfer-{a}-to-{b}-s{s}", device) for s in seeds]
                for a, b in pairs}
    floor = {b: [transfer_auc(random_recnn(s, config["embed_dim"], config["hidden"], device),
                              split_inputs(tasks[b], tasks[b].scaler), labels[b],
                              {**head_cfg, "seed": s}, f"transfer-random-to-{b}-s{s}", device)
                 for s in seeds] for b in tasks}
    return TransferResult(transfer, floor)


def transfer_table(result: TransferResult, base_auc: Mapping[str, tuple[float, float]],
                   paper: Mapping[tuple[str, str], tuple[float, float]]) -> pd.DataFrame:
    """One row per pair of ``paper`` (``{(A, B): (base, transfer) AUC}``): base, transfer and
    random-embedding AUCs (mean ± std over seeds), the retained share of the base separation
    (:func:`retained_separation`), and the paper's values."""
    return pd.DataFrame({
        f"{TASKS[a].title} → {TASKS[b].title}": {
            "base AUC (ours)": format_mean_std(*base_auc[b]),
            "transfer AUC (ours)": format_mean_std(*mean_std(result.transfer[a, b])),
            "random frozen embedding": format_mean_std(*mean_std(result.floor[b])),
            "retained (ours)":
                f"{retained_separation(np.mean(result.transfer[a, b]), base_auc[b][0]):.0%}",
            "base AUC (Cheng)": f"{p[0]:.3f}", "transfer AUC (Cheng)": f"{p[1]:.3f}",
            "retained (Cheng)": f"{retained_separation(p[1], p[0]):.0%}"}
        for (a, b), p in paper.items()}).T


def retained_shares(result: TransferResult, base_auc: Mapping[str, tuple[float, float]],
                    source_probe: Mapping[str, float], tasks: Sequence[str]) -> pd.DataFrame:
    """Per target B and source A (both in the order of ``tasks``): the retained share of B's
    base separation and ``source_probe[A]`` (e.g. the multiplicity R² of A's embedding)."""
    rows = {(b, a): {"retained": retained_separation(np.mean(result.transfer[a, b]),
                                                     base_auc[b][0]),
                     "source probe": source_probe[a]}
            for b in tasks for a in tasks if (a, b) in result.transfer}
    return pd.DataFrame(rows).T.rename_axis(["target", "source"])


def retained_lines(shares: pd.DataFrame, probe_name: str = "multiplicity R²") -> list[str]:
    """:func:`retained_shares` as text: per target, one line per source."""
    lines = []
    for b, by_target in shares.groupby(level="target", sort=False):
        lines.append(f"into {TASKS[b].title}:")
        lines += [f"  from {TASKS[a].title:12s} {row['retained']:4.0%} retained; {probe_name} of "
                  f"its embedding {row['source probe']:.2f}"
                  for (_, a), row in by_target.iterrows()]
    return lines
