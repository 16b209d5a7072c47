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

from dataclasses import dataclass, field
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
from ..results.claims import Measurement, auc_measurement, clear_difference, finding_verdict
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


def transfer_scores(model_a: RecNN, inputs_b: dict[str, TreeInputs],
                    labels_b: dict[str, np.ndarray], config: dict, name: str,
                    device: str = "auto") -> np.ndarray:
    """Test logits on task B of a head trained on ``model_a``'s frozen embeddings of B's jets.

    ``inputs_b`` maps ``train``/``val``/``test`` to B's trees scaled with A's scaler.
    """
    Z = {split: frozen_embeddings(model_a, inputs_b[split]) for split in ("train", "val", "test")}
    head, _ = train_head(Z["train"], labels_b["train"], Z["val"], labels_b["val"], config, name,
                         device)
    return predict_logits(head, Z["test"])


def transfer_auc(model_a: RecNN, inputs_b: dict[str, TreeInputs], labels_b: dict[str, np.ndarray],
                 config: dict, name: str, device: str = "auto") -> float:
    """Test AUC on task B of a head trained on ``model_a``'s frozen embeddings of B's jets
    (:func:`transfer_scores`)."""
    return auc(labels_b["test"], transfer_scores(model_a, inputs_b, labels_b, config, name, device))


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
    #: the test logits behind ``transfer`` and ``floor`` (same keys, one array per seed)
    transfer_scores: dict[tuple[str, str], list[np.ndarray]] = field(default_factory=dict)
    floor_scores: dict[str, list[np.ndarray]] = field(default_factory=dict)
    #: ``B`` -> labels of B's test jets
    labels: dict[str, np.ndarray] = field(default_factory=dict)

    def transfer_measurement(self, pair: tuple[str, str]) -> Measurement:
        """Transfer AUC of ``pair``: seed spread, or a bootstrap over B's test jets."""
        if pair not in self.transfer_scores:
            return Measurement.of(self.transfer[pair])
        return auc_measurement(self.labels[pair[1]], self.transfer_scores[pair])

    def floor_measurement(self, task: str) -> Measurement:
        """Random-embedding AUC on ``task``: seed spread, or a bootstrap over its test jets."""
        if task not in self.floor_scores:
            return Measurement.of(self.floor[task])
        return auc_measurement(self.labels[task], self.floor_scores[task])


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
    scores = {(a, b): [transfer_scores(models[a, s], split_inputs(tasks[b], tasks[a].scaler),
                                       labels[b], {**head_cfg, "seed": s},
                                       f"transfer-{a}-to-{b}-s{s}", device) for s in seeds]
              for a, b in pairs}
    floor = {b: [transfer_scores(random_recnn(s, config["embed_dim"], config["hidden"], device),
                                 split_inputs(tasks[b], tasks[b].scaler), labels[b],
                                 {**head_cfg, "seed": s}, f"transfer-random-to-{b}-s{s}", device)
                 for s in seeds] for b in tasks}
    test = {t: labels[t]["test"] for t in tasks}
    return TransferResult({p: [auc(test[p[1]], x) for x in v] for p, v in scores.items()},
                          {b: [auc(test[b], x) for x in v] for b, v in floor.items()},
                          scores, floor, test)


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


# ------------------------------------------------------------- measurements behind the prose
def retained_measurement(result: TransferResult, pair: tuple[str, str],
                         base_auc: Measurement) -> Measurement:
    """The retained share of B's base separation for ``pair = (A, B)``: mean over the transfer
    seeds, its spread from the seeds' spread and the base AUC's, propagated."""
    t = result.transfer_measurement(pair)
    r = retained_separation(t.value, base_auc.value)
    scale = base_auc.value - 0.5
    if np.isnan(t.spread) and np.isnan(base_auc.spread):
        return Measurement(r, float("nan"), t.n)
    st = 0.0 if np.isnan(t.spread) else t.spread
    sb = 0.0 if np.isnan(base_auc.spread) else base_auc.spread
    return Measurement(r, float(np.hypot(st / scale, r * sb / scale)), t.n)


def mean_of(ms: Sequence[Measurement]) -> Measurement:
    """The mean of independent measurements, its spread ``sqrt(sum s^2) / n``."""
    spreads = [m.spread for m in ms]
    spread = float("nan") if all(np.isnan(spreads)) else \
        float(np.sqrt(np.nansum(np.square(spreads)))) / len(ms)
    return Measurement(float(np.mean([m.value for m in ms])), spread, None)


def transfer_claims(result: TransferResult, base_auc: Mapping[str, Measurement],
                    paper: Mapping[tuple[str, str], tuple[float, float]],
                    multiplicity_r2: Mapping[str, Measurement]) -> tuple[dict[str, str], str, str]:
    """Sentences on what transfers, each with its spread: ``transfer_resonance`` (the
    resonance pairs against the pairs with quark/gluon), ``transfer_multiplicity`` (into
    quark/gluon: the W/QCD against the top/QCD embedding, next to how well each encodes the
    multiplicity), ``transfer_paper`` (where ours differs most from Cheng's retained share),
    ``transfer_floor`` (the transfers against the random-embedding floor); and the verdict
    and evidence on Cheng's pattern (good between W and top, poorer with quark/gluon)."""
    retained = {p: retained_measurement(result, p, base_auc[p[1]]) for p in result.transfer}
    res_pairs = [p for p in retained if "quark_gluon" not in p]
    qg_pairs = [p for p in retained if "quark_gluon" in p]
    res, qg = mean_of([retained[p] for p in res_pairs]), mean_of([retained[p] for p in qg_pairs])
    sign = clear_difference(res, qg)
    verdict_text = {1: "clearly more than", -1: "clearly less than",
                    0: "indistinguishable at this statistics from"}[sign]
    claims = {"transfer_resonance": (
        f"Between the two resonance tasks an embedding keeps {res.text('{:.0%}')} of the base "
        f"separation on average, {verdict_text} the {qg.text('{:.0%}')} kept to or from "
        "quark/gluon")}
    into_qg = {a: retained[a, b] for a, b in qg_pairs if b == "quark_gluon"}
    if len(into_qg) == 2:
        (a1, r1), (a2, r2) = into_qg.items()
        t_sign = clear_difference(r1, r2)
        m_sign = clear_difference(multiplicity_r2[a1], multiplicity_r2[a2])
        t1, t2 = TASKS[a1].title, TASKS[a2].title
        mult = (f"multiplicity $R^2$ of the embeddings {multiplicity_r2[a1].text('{:.2f}')} "
                f"and {multiplicity_r2[a2].text('{:.2f}')}")
        kept = f"{r1.text('{:.0%}')} against {r2.text('{:.0%}')} retained"
        if t_sign == 0:
            text = (f"Into quark/gluon, the {t1} and the {t2} embeddings carry over "
                    f"indistinguishably at this statistics ({kept}; {mult})")
        else:
            better, worse = (t1, t2) if t_sign > 0 else (t2, t1)
            same = t_sign == m_sign
            text = (f"Into quark/gluon, the {better} embedding carries over better than the "
                    f"{worse} one ({kept}; {mult}), "
                    + ("and it is also the one that encodes the multiplicity better"
                       if same else "though it does not clearly encode the multiplicity better"
                       if m_sign == 0 else "although it encodes the multiplicity less well"))
        claims["transfer_multiplicity"] = text
    diffs = {p: retained[p].value - retained_separation(paper[p][1], paper[p][0])
             for p in retained if p in paper}
    worst = max(diffs, key=lambda p: abs(diffs[p]))
    claims["transfer_paper"] = (
        f"Our retained shares differ most from Cheng's for {TASKS[worst[0]].title} → "
        f"{TASKS[worst[1]].title} ({retained[worst].text('{:.0%}')} against his "
        f"{retained_separation(paper[worst][1], paper[worst][0]):.0%})")
    floor = {b: result.floor_measurement(b) for b in result.floor}
    above = sum(clear_difference(result.transfer_measurement(p), floor[p[1]]) > 0
                for p in result.transfer)
    claims["transfer_floor"] = (
        "A trained head on a random, frozen recursive network reaches AUC "
        + ", ".join(f"{floor[b].text()} on {TASKS[b].title}" for b in floor)
        + f"; {above} of the {len(result.transfer)} transferred embeddings lie clearly above "
        "the floor of their target task")
    evidence = claims["transfer_resonance"] + "."
    return claims, finding_verdict([sign]), evidence


def transfer_records(result: TransferResult) -> dict[str, tuple[Measurement, str]]:
    """``{glue key: (transfer AUC over the seeds, Cheng's Table 2 key)}`` for every pair."""
    return {f"transfer_{a}_{b}": (result.transfer_measurement((a, b)), f"cheng.transfer.{a}.{b}")
            for a, b in result.transfer
            if f"cheng.transfer.{a}.{b}" in published.PUBLISHED}
