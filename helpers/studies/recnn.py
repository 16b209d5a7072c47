"""Recursive networks on clustering trees, three tasks (chapter 5; Louppe et al.,
arXiv:1702.00748; Cheng, arXiv:1911.01872).

Loading and preparing the three tasks (W/QCD, top/QCD, quark/gluon) and a summary of their
C/A trees; one RecNN per task and training seed with its predictions; the test metrics next
to a BDT on observables and Cheng's values; linear probes of the jet embedding, of the head
layers and of chapter 1's TopoDNN hidden layers; the level-batching speed; and the closing
summary lines.  The transfer study is in :mod:`.transfer`, the Lund-plane saliency in
:mod:`.lund`, the figures in :mod:`helpers.plots.recnn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from .. import published
from ..config import Profile
from ..data import SPLITS, TASKS, JetSet, load_task
from ..data.matching import match_kinematics
from ..metrics import aggregate, format_mean_std, summarize
from ..models.recnn import LAYERS, RecNN, evaluation_speed, predict_tree
from ..physics.observables import compute_observables
from ..preprocessing import topodnn_features
from ..preprocessing.recnn import TaskTrees, TreeInputs, level_order, prepare_task
from ..results.claims import Measurement, auc_measurement, clear_difference, finding_verdict
from ..training.loop import TrainHistory
from ..training.recipes import train_recnn, train_topodnn
from ..xai.nap import hidden_activations
from ..xai.probing import probe_table
from .baselines import fit_and_score
from .performance import format_metric, seed_metrics
from .transfer import TransferResult, retained_separation

#: the chapter's tasks, in the order of its tables and figures
RECNN_TASKS = ("w_qcd", "top_qcd", "quark_gluon")
#: observables of the BDT baseline (:mod:`.baselines`)
BDT_FEATURES = "mass+tau+multiplicity"
#: the probed observables (Cheng's Table 1, plus the jet mass) and how the book writes them
PROBES = {"multiplicity": r"multiplicity $\lambda^0_0$", "width": r"width $\lambda^1_1$",
          "mass_angularity": r"mass $\lambda^1_2$", "pTD2": r"$\lambda^2_0$", "tau1": r"$\tau_1$",
          "tau2": r"$\tau_2$", "tau3": r"$\tau_3$", "tau21": r"$\tau_{21}$",
          "tau32": r"$\tau_{32}$", "mass": r"jet mass $m_J$"}
#: the same names in plain text, for tables (HTML tables do not render the prose's math)
PROBE_TABLE_LABELS = {"multiplicity": "multiplicity λ⁰₀", "width": "width λ¹₁",
                      "mass_angularity": "mass λ¹₂", "pTD2": "λ²₀", "tau1": "τ₁", "tau2": "τ₂",
                      "tau3": "τ₃", "tau21": "τ₂₁", "tau32": "τ₃₂", "mass": "jet mass m_J"}
#: the three last hidden layers of the TopoDNN, probed on top/QCD
TOPODNN_LAYERS = ("hidden 102", "hidden 12", "hidden 6")

# the types of the chapter's per-(task, seed) results
Observables = dict[str, dict[str, dict[str, np.ndarray]]]  # task -> split -> name -> values
Predictions = dict[tuple[str, int], dict[str, dict[str, np.ndarray]]]  # -> split -> layer
ProbeR2 = dict[tuple[str, str], dict[str, tuple[float, float]]]  # (task, layer) -> obs -> R²


# --------------------------------------------------------------------- Cheng's published values
def cheng_auc(tasks: Sequence[str] = RECNN_TASKS) -> dict[str, float]:
    """Cheng's RecNN AUC per task (:mod:`helpers.published`, Table 2's base AUCs)."""
    return {t: float(published.value(f"cheng.auc.{t}")) for t in tasks}


def cheng_r2(tasks: Sequence[str] = RECNN_TASKS) -> dict[str, list[float]]:
    """Cheng's Table 1 per task: probe R² of the embedding for the first nine :data:`PROBES`
    (his table has no row for the jet mass itself: his "jet mass" is the angularity
    lambda^1_2, our ``mass_angularity``)."""
    return {t: [float(published.value(f"cheng.r2.{t}.{o}")) for o in list(PROBES)[:9]]
            for t in tasks}


# ------------------------------------------------------------------------- tasks and trees
def load_tasks(profile: Profile | str, seed: int, data_dir: str | Path | None, data_source: str,
               max_jets: dict[str, int | None] | None, names: Sequence[str] = RECNN_TASKS,
               matched: bool = True, build: Sequence[str] | None = None
               ) -> tuple[dict[str, dict[str, JetSet]], dict[str, TaskTrees]]:
    """Splits of every task (top/QCD from ``data_source``, the others always generated) and
    their :func:`prepare_tasks` (of the tasks in ``build``, default all).  The returned
    splits are always the full unmatched ones, on which chapter 1's TopoDNN trains."""
    splits = {t: load_task(t, profile, seed=seed, data_dir=data_dir or None,
                           data_source=data_source if t == "top_qcd" else "generated")
              for t in names}
    return splits, prepare_tasks(splits, max_jets, seed, matched, build)


def prepare_tasks(splits: Mapping[str, Mapping[str, JetSet]],
                  max_jets: Mapping[str, int | None] | None, seed: int = 0, matched: bool = True,
                  build: Sequence[str] | None = None) -> dict[str, TaskTrees]:
    """Trees and node features (:func:`~helpers.preprocessing.recnn.prepare_task`) of the
    first ``max_jets[split]`` jets of each split of every task in ``build`` (default: all).

    With ``matched`` (the chapter's default) they are built from the (pT, |eta|)-matched
    splits (:func:`~helpers.data.matching.match_kinematics`), every task cut to the same
    number of jets per split: the smallest matched task's, at most ``max_jets`` -- so every
    task of ``splits`` is matched, but trees are built only for ``build``.
    """
    build = list(splits) if build is None else list(build)
    if not matched:
        return {t: prepare_task(t, dict(splits[t]), dict(max_jets or {})) for t in build}
    kept = {t: {s: match_kinematics(j, seed=seed) for s, j in task.items()}
            for t, task in splits.items()}
    caps = {s: min([len(kept[t][s]) for t in kept]
                   + ([max_jets[s]] if max_jets and max_jets.get(s) else [])) for s in SPLITS}
    return {t: prepare_task(t, kept[t], caps) for t in build}


def tree_summary(task: TaskTrees) -> dict[str, float]:
    """Jets per split, nodes per training jet, median and largest training-tree height."""
    trees = task.trees["train"]
    height = trees.height[trees.roots]
    return {**{f"{s} jets": len(task.jets[s]) for s in SPLITS},
            "nodes per jet": trees.n_nodes / trees.n_jets,
            "median tree height": np.median(height), "max tree height": height.max()}


def tree_table(tasks: Mapping[str, TaskTrees]) -> pd.DataFrame:
    """:func:`tree_summary` of every task, one row per task title."""
    return pd.DataFrame({TASKS[t].title: tree_summary(task) for t, task in tasks.items()}).T


def root_heights(tasks: Mapping[str, TaskTrees]) -> dict[str, np.ndarray]:
    """Height of every training tree, per class name (signal before background of each
    task; a class two tasks share, QCD, holds the jets of the later task)."""
    return {TASKS[t].class_names[k]: task.trees["train"].height[task.trees["train"].roots][
        task.jets["train"].labels == k] for t, task in tasks.items() for k in (1, 0)}


def level_sizes(tasks: Mapping[str, TaskTrees], n_jets: int = 64) -> dict[str, np.ndarray]:
    """Nodes per level (height above the leaves) of a mini-batch of the first ``n_jets``
    training jets, per task title."""
    return {TASKS[t].title: level_order(task.trees["train"], np.arange(n_jets))["level_sizes"]
            for t, task in tasks.items()}


# ------------------------------------------------------------------------------- training
def train_all(tasks: Mapping[str, TaskTrees], profile: Profile | str, seeds: Sequence[int],
              device: str) -> tuple[dict[tuple[str, int], RecNN], Predictions,
                                    dict[tuple[str, int], TrainHistory]]:
    """Train (or load) the RecNN of every task and seed; ``(models, predictions,
    histories)`` keyed by ``(task, seed)``, the predictions (logits and :data:`LAYERS`) of
    the training and test jets."""
    models, preds, histories = {}, {}, {}
    for t, task in tasks.items():
        for s in seeds:
            models[t, s], histories[t, s] = train_recnn(task, profile, s, device)
            preds[t, s] = {split: predict_tree(models[t, s], task.inputs(split))
                           for split in ("train", "test")}
    return models, preds, histories


def task_observables(tasks: Mapping[str, TaskTrees]) -> Observables:
    """:func:`~helpers.physics.observables.compute_observables` of the training and test
    jets of every task."""
    return {t: {split: compute_observables(task.jets[split]) for split in ("train", "test")}
            for t, task in tasks.items()}


@dataclass
class TaskPerformance:
    """Test metrics of the RecNN (mean, std over seeds) and of the BDT baseline, per task."""

    #: task -> metric of :func:`helpers.metrics.summarize` -> (mean, std)
    metrics: dict[str, dict[str, tuple[float, float]]]
    #: task -> BDT scores of the test jets
    bdt_scores: dict[str, np.ndarray]
    #: task -> BDT test AUC
    bdt_auc: dict[str, float]


def tagging_performance(tasks: Mapping[str, TaskTrees], preds: Predictions, obs: Observables,
                        seeds: Sequence[int], seed: int) -> TaskPerformance:
    """RecNN test metrics over ``seeds`` and the :data:`BDT_FEATURES` baseline (trained with
    ``seed``) of every task."""
    metrics = {t: seed_metrics(task.labels("test"),
                               {"RecNN": [expit(preds[t, s]["test"]["logit"]) for s in seeds]})
               ["RecNN"] for t, task in tasks.items()}
    bdt_scores = {t: fit_and_score(obs[t]["train"], task.labels("train"), obs[t]["test"],
                                   BDT_FEATURES, seed) for t, task in tasks.items()}
    bdt_auc = {t: summarize(task.labels("test"), bdt_scores[t])["auc"] for t, task in tasks.items()}
    return TaskPerformance(metrics, bdt_scores, bdt_auc)


def auc_table(perf: TaskPerformance, cheng_auc: Mapping[str, float],
              histories: Mapping[tuple[str, int], TrainHistory], seeds: Sequence[int]
              ) -> pd.DataFrame:
    """One column per task: RecNN AUC and rejections (mean ± std, and the rejections'
    statistical errors), the BDT's AUC, Cheng's
    AUC, the epochs run per seed and the training throughput."""
    return pd.DataFrame({
        TASKS[t].title: {
            "RecNN AUC": format_mean_std(*m["auc"]),
            "RecNN 1/eps_B at eps_S = 0.3": format_metric(m, "rejection_0.3", 1),
            "RecNN 1/eps_B at eps_S = 0.5": format_metric(m, "rejection_0.5", 1),
            "BDT (mass, tau, multiplicity) AUC": f"{perf.bdt_auc[t]:.3f}",
            "Cheng RecNN AUC": f"{cheng_auc[t]:.3f}",
            "epochs run": " / ".join(str(histories[t, s].epochs_run) for s in seeds),
            "training jets/s": f"{np.mean([histories[t, s].jets_per_s for s in seeds]):,.0f}"
            + (" (cached)" if all(histories[t, s].from_cache for s in seeds) else "")}
        for t, m in perf.metrics.items()})


# --------------------------------------------------------------------------- linear probes
def probe_r2(Z_train: np.ndarray, Z_test: np.ndarray, obs: Mapping[str, Mapping], n_probe: int,
             names: Sequence[str] = tuple(PROBES)) -> dict[str, float]:
    """Test R² of a linear probe for each observable in ``names``, fitted on the first
    ``n_probe`` training jets; ``obs`` maps ``train``/``test`` to the observables."""
    obs_train = {k: v[:n_probe] for k, v in obs["train"].items()}
    return probe_table(Z_train[:n_probe], obs_train, Z_test, obs["test"], tuple(names))


def embedding_probes(tasks: Mapping[str, TaskTrees], preds: Predictions, obs: Observables,
                     seeds: Sequence[int], n_probe: int, layer_task: str = "top_qcd",
                     names: Sequence[str] = tuple(PROBES)) -> ProbeR2:
    """Probe R² (mean, std over seeds) of the embedding of every task, and of the head layers
    (:data:`~helpers.models.recnn.LAYERS` after the embedding) of ``layer_task``."""
    probed = [(t, "embedding") for t in tasks] + [(layer_task, layer) for layer in LAYERS[1:]]
    return {(t, layer): aggregate(
        [probe_r2(preds[t, s]["train"][layer], preds[t, s]["test"][layer], obs[t], n_probe,
                  names) for s in seeds]) for t, layer in probed}


def r2_table(r2: ProbeR2, cheng_r2: Mapping[str, Sequence[float]],
             labels: Mapping[str, str] = PROBE_TABLE_LABELS) -> pd.DataFrame:
    """Embedding probe R² per observable (rows), ours (mean ± std) and Cheng's per task
    (columns); empty where Cheng has no value."""
    tasks = [t for t, layer in r2 if layer == "embedding"]
    return pd.DataFrame({
        (TASKS[t].title, col): {labels[o]: (format_mean_std(*r2[t, "embedding"][o], 2)
                                            if col == "ours" else (f"{cheng_r2[t][i]:.2f}"
                                                                   if i < len(cheng_r2[t]) else ""))
                                for i, o in enumerate(labels)}
        for t in tasks for col in ("ours", "Cheng")})


def topodnn_probes(splits: Mapping[str, JetSet], task: TaskTrees, obs: Mapping[str, Mapping],
                   profile: Profile | str, seeds: Sequence[int], device: str, n_probe: int,
                   names: Sequence[str] = tuple(PROBES)) -> dict[str, dict[str, tuple[float, float]]]:
    """Probe R² (mean, std over seeds) of the :data:`TOPODNN_LAYERS` of chapter 1's TopoDNN
    (same cache entries: trained on all of ``splits``), on the jets of ``task``."""
    X_probe = topodnn_features(task.jets["train"].subset(slice(0, n_probe)))
    X_test = topodnn_features(task.jets["test"])
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in TOPODNN_LAYERS}
    for s in seeds:
        topo = train_topodnn(splits["train"], splits["val"], profile, s, device)[0]
        for name, a_tr, a_te in zip(runs, hidden_activations(topo, X_probe)[-3:],
                                    hidden_activations(topo, X_test)[-3:]):
            runs[name].append(probe_r2(a_tr, a_te, obs, n_probe, names))
    return {name: aggregate(r) for name, r in runs.items()}


def layer_probe_table(r2: ProbeR2, topo_r2: Mapping[str, Mapping[str, tuple[float, float]]],
                      task: str = "top_qcd", names: Sequence[str] = tuple(PROBES)) -> pd.DataFrame:
    """Mean probe R² per observable (rows) and layer (columns): the RecNN's
    :data:`~helpers.models.recnn.LAYERS`, then the TopoDNN's."""
    return pd.DataFrame(
        {**{f"RecNN {layer}": {o: r2[task, layer][o][0] for o in names} for layer in LAYERS},
         **{f"TopoDNN {name}": {o: v[0] for o, v in runs.items()}
            for name, runs in topo_r2.items()}})


def best_probed(r2: Mapping[str, tuple[float, float]], cheng: Sequence[float],
                names: Sequence[str] = tuple(PROBES), top: int = 3) -> tuple[list[str], list[str]]:
    """The ``top`` observables with the highest mean probe R², ours and Cheng's."""
    ours = sorted(names, key=lambda o: -r2[o][0])[:top]
    paper = [list(names)[i] for i in np.argsort(cheng)[::-1][:top]]
    return ours, paper


# ---------------------------------------------------------------------------------- speed
def speed_table(model: RecNN, inputs: TreeInputs, batch_size: int, n_jets: int = 128
                ) -> pd.DataFrame:
    """Jets/s of the level-batched and the recursive pass over the first ``n_jets`` jets, and
    the speed-up, forward only and forward + backward
    (:func:`~helpers.models.recnn.evaluation_speed`)."""
    jets = np.arange(min(n_jets, len(inputs)))
    speed = pd.DataFrame({what: evaluation_speed(model, inputs, jets, batch_size, backward)
                          for what, backward in (("forward", False),
                                                 ("forward + backward", True))}).T
    speed.columns = ["level-batched (jets/s)", "recursive (jets/s)", "speed-up"]
    return speed


# ----------------------------------------------------------------------------- the summary
def summary_lines(perf: TaskPerformance, cheng_auc: Mapping[str, float], r2: ProbeR2,
                  cheng_r2: Mapping[str, Sequence[float]], transferred: TransferResult,
                  pairs: Mapping[tuple[str, str], tuple[float, float]], speed: pd.DataFrame,
                  salient: pd.DataFrame) -> list[str]:
    """The chapter's closing summary: AUCs, best-probed observables, transfers, the
    level-batching speed-up and the most salient region per task and class
    (:func:`helpers.studies.lund.most_salient_regions`)."""
    tasks = list(perf.metrics)
    lines = ["Per-task AUC (RecNN, mean ± std over seeds; Cheng; BDT on observables):"]
    lines += [f"  {TASKS[t].title:12s} {format_mean_std(*perf.metrics[t]['auc'])}   "
              f"Cheng {cheng_auc[t]:.3f}   BDT {perf.bdt_auc[t]:.3f}" for t in tasks]
    lines.append("Best-probed observables of the embedding (ours | Cheng):")
    for t in tasks:
        ours, paper = best_probed(r2[t, "embedding"], cheng_r2[t])
        lines.append(f"  {TASKS[t].title:12s} {', '.join(ours)} | {', '.join(paper)}")
    lines.append("Transfer AUC, share of the base separation retained (ours | Cheng):")
    for (a, b), p in pairs.items():
        mean = np.mean(transferred.transfer[a, b])
        lines.append(f"  {TASKS[a].title} → {TASKS[b].title}: {mean:.3f}, "
                     f"{retained_separation(mean, perf.metrics[b]['auc'][0]):.0%} | {p[1]:.3f}, "
                     f"{retained_separation(p[1], p[0]):.0%}")
    lines.append(f"Level batching vs recursion: {speed['speed-up'].iloc[0]:.0f}× (forward), "
                 f"{speed['speed-up'].iloc[1]:.0f}× (forward + backward)")
    lines.append("Region with the highest saliency relative to nodes at the same depth:")
    lines += [f"  {task} {role}: {row['region']} ({row['relative to same depth']:.2f}× the "
              f"same-depth mean; mean saliency {row['mean saliency']:.2f})"
              for (task, role), row in salient.iterrows()]
    return lines


# ------------------------------------------------------------- measurements behind the prose
#: the observables Cheng found most readable (Table 1) per kind of task
CHENG_LEADING = {"resonance": ("width", "mass_angularity", "tau1"),
                 "quark_gluon": ("multiplicity", "pTD2")}


def task_kind(task: str) -> str:
    """``"quark_gluon"`` or ``"resonance"`` (W/QCD, top/QCD)."""
    return "quark_gluon" if task == "quark_gluon" else "resonance"


def recnn_aucs(tasks: Mapping[str, TaskTrees], preds: Predictions, seeds: Sequence[int]
               ) -> dict[str, Measurement]:
    """Test AUC of the RecNN per task: mean with the seed spread, or a bootstrap over the
    test jets for a single seed (:func:`~helpers.results.claims.auc_measurement`)."""
    return {t: auc_measurement(task.labels("test"), [preds[t, s]["test"]["logit"] for s in seeds])
            for t, task in tasks.items()}


def bdt_aucs(tasks: Mapping[str, TaskTrees], perf: TaskPerformance) -> dict[str, Measurement]:
    """Test AUC of the BDT baseline per task, with a bootstrap over the test jets."""
    return {t: auc_measurement(task.labels("test"), [perf.bdt_scores[t]]) for t, task in tasks.items()}


def performance_claims(recnn_auc: Mapping[str, Measurement], bdt_auc: Mapping[str, Measurement]
                       ) -> dict[str, str]:
    """``recnn_vs_bdt`` (per task, which of the two is ahead, or indistinguishable) and
    ``hardest_task`` (the task of lowest RecNN AUC, and whether clearly so)."""
    ahead, behind, tied = [], [], []
    for t in recnn_auc:
        r, b = recnn_auc[t], bdt_auc[t]
        text = f"{TASKS[t].title} (RecNN {r.text()}, BDT {b.text()})"
        {1: ahead, -1: behind, 0: tied}[clear_difference(r, b)].append(text)
    parts = []
    if behind:
        parts.append("the BDT on observables is ahead of the RecNN on " + ", ".join(behind))
    if ahead:
        parts.append("the RecNN is ahead of the BDT on " + ", ".join(ahead))
    if tied:
        parts.append("the two are indistinguishable at this statistics on " + ", ".join(tied))
    sentence = "; ".join(parts)
    order = sorted(recnn_auc, key=lambda t: recnn_auc[t].value)
    hardest, others = order[0], order[1:]
    clear = all(clear_difference(recnn_auc[o], recnn_auc[hardest]) > 0 for o in others)
    return {"recnn_vs_bdt": sentence[0].upper() + sentence[1:] + ".",
            "hardest_task": (f"{TASKS[hardest].title} is the hardest task in this run "
                             f"(RecNN AUC {recnn_auc[hardest].text()})" if clear else
                             f"{TASKS[hardest].title} has the lowest RecNN AUC in this run "
                             f"({recnn_auc[hardest].text()}), not clearly below every other "
                             "task at this statistics")}


def probe_measurements(r2: ProbeR2, n_seeds: int) -> dict[str, dict[str, Measurement]]:
    """Embedding probe R² per task and observable as :class:`Measurement` (seed spread)."""
    return {t: {o: Measurement(float(m), float(sd), n_seeds) for o, (m, sd) in obs.items()}
            for (t, layer), obs in r2.items() if layer == "embedding"}


def leading_group(r2: Mapping[str, Measurement], names: Sequence[str]) -> list[str]:
    """The observables (of ``names``) whose R² is not clearly below the highest one."""
    best = max(names, key=lambda o: r2[o].value)
    return [o for o in sorted(names, key=lambda o: -r2[o].value)
            if o == best or clear_difference(r2[best], r2[o]) <= 0]


def _probe_label(o: str) -> str:
    return PROBES[o].split(" $")[0] if o in ("multiplicity", "width", "mass_angularity") \
        else PROBES[o]


def probe_claims(r2: ProbeR2, cheng_r2: Mapping[str, Sequence[float]], n_seeds: int,
                 names: Sequence[str] = tuple(list(PROBES)[:-1])
                 ) -> tuple[dict[str, str], str, str]:
    """Sentences on what the embeddings encode: ``probe_leaders`` (per task, the observables
    read best, with the seed spread) and ``probe_ratios`` (the τ ratios against Cheng's
    values); and the verdict and evidence for Cheng's probe pattern (his leading observables
    lead ours; the τ ratios read worse than them on the resonance tasks)."""
    m = probe_measurements(r2, n_seeds)
    lead_parts, signs, ratio_parts = [], [], []
    for t, obs in m.items():
        group = leading_group(obs, names)
        expected = CHENG_LEADING[task_kind(t)]
        best_expected = max(expected, key=lambda o: obs[o].value)
        listing = ", ".join(f"{_probe_label(o)} ({obs[o].text('{:.2f}')})" for o in group[:3])
        if n_seeds < 2:
            lead = (f"the {TASKS[t].title} embedding reads {listing} best, in this order")
            lead += (" — Cheng's leading observables among them" if group[0] in expected
                     or best_expected in group[:3] else
                     f" — Cheng's leading {_probe_label(best_expected)} reads "
                     f"{obs[best_expected].text('{:.2f}')}")
            signs.append(0)
        elif len(group) == 1:
            lead = f"the {TASKS[t].title} embedding reads {listing} clearly best"
        else:
            lead = (f"the {TASKS[t].title} embedding reads {listing}"
                    f"{' and more' if len(group) > 3 else ''} best, indistinguishable from "
                    "one another at this statistics")
        if n_seeds < 2:
            pass
        elif group[0] in expected or best_expected in group:
            signs.append(1)
            lead += " — Cheng's leading observables are among them"
        else:
            signs.append(-1 if clear_difference(obs[group[0]], obs[best_expected]) > 0 else 0)
            lead += (f" — ahead of Cheng's leading {_probe_label(best_expected)} "
                     f"({obs[best_expected].text('{:.2f}')})")
        lead_parts.append(lead)
        if task_kind(t) == "resonance":
            for ratio in ("tau21", "tau32"):
                if n_seeds < 2:
                    signs.append(0)
                else:
                    signs.append(clear_difference(obs[best_expected], obs[ratio]))
                paper = cheng_r2[t][list(PROBES).index(ratio)]
                side = clear_difference(obs[ratio], Measurement(paper, 0.0))
                word = ("against" if n_seeds < 2 else
                        {1: "above", -1: "below", 0: "indistinguishable from"}[side])
                ratio_parts.append(f"{PROBES[ratio]} on {TASKS[t].title} {obs[ratio].text('{:.2f}')}, "
                                   f"{word} Cheng's {paper:.2f}")
    leaders = "; ".join(lead_parts)
    claims = {"probe_leaders": leaders[0].upper() + leaders[1:] + ".",
              "probe_ratios": ("The N-subjettiness ratios: " + "; ".join(ratio_parts) + "."
                               if n_seeds > 1 else "The N-subjettiness ratios: "
                               + "; ".join(ratio_parts) + " (one training seed: no spread, so "
                               "no difference from Cheng's values can be called clear).")}
    evidence = claims["probe_leaders"] + " " + claims["probe_ratios"]
    return claims, finding_verdict(signs), evidence


def probe_layer_claim(layer_r2: pd.DataFrame, r2: ProbeR2,
                      topo_r2: Mapping[str, Mapping[str, tuple[float, float]]], n_seeds: int,
                      task: str = "top_qcd") -> str:
    """Whether readability (mean R² over the observables) falls from the first to the last
    probed layer in each network, and which layer reads best; the spread of a mean over
    observables is bounded by the mean of their seed spreads."""
    spreads = {f"RecNN {layer}": np.nanmean([sd for _, sd in r2[task, layer].values()])
               for layer in LAYERS}
    spreads.update({f"TopoDNN {n}": np.nanmean([sd for _, sd in v.values()])
                    for n, v in topo_r2.items()})
    mean = layer_r2.mean(axis=0)
    m = {k: Measurement(float(mean[k]), float(spreads[k]) if n_seeds > 1 else float("nan"),
                        n_seeds) for k in layer_r2.columns}
    parts = []
    for net in ("RecNN", "TopoDNN"):
        cols = [c for c in layer_r2.columns if c.startswith(net)]
        first, last = m[cols[0]], m[cols[-1]]
        verdict = ("goes" if n_seeds < 2 else
                   {1: "falls", -1: "rises", 0: "does not change clearly"}[clear_difference(first, last)])
        parts.append(f"{net}: {verdict} from the {cols[0].split(' ', 1)[1]} "
                     f"({first.text('{:.2f}')}) to the {cols[-1].split(' ', 1)[1]} ({last.text('{:.2f}')})")
    best = max(m, key=lambda k: m[k].value)
    runner = max((k for k in m if k != best), key=lambda k: m[k].value)
    lead = ("ahead of" if n_seeds < 2 else "clearly ahead of"
            if clear_difference(m[best], m[runner]) > 0 else "indistinguishable at this statistics from")
    tail = " (one training seed: no spread to judge these differences by)" if n_seeds < 2 else ""
    return ("The mean $R^2$ over the observables, from the first to the last probed layer — "
            + "; ".join(parts) + f". The {best} reads best "
            f"({m[best].text('{:.2f}')}), {lead} the {runner} ({m[runner].text('{:.2f}')}){tail}.")


def probe_records(r2: ProbeR2, n_seeds: int) -> dict[str, tuple[Measurement, str]]:
    """``{glue key: (embedding probe R², Cheng's Table 1 key)}`` for every task and observable
    Cheng probed."""
    return {f"r2_{t}_{o}": (m, f"cheng.r2.{t}.{o}")
            for t, obs in probe_measurements(r2, n_seeds).items() for o, m in obs.items()
            if f"cheng.r2.{t}.{o}" in published.PUBLISHED}
