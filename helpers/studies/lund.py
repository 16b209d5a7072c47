"""Saliency on the Lund plane (chapter 5, after Cheng, arXiv:1911.01872, Fig. 1).

The node saliencies of :func:`helpers.xai.saliency.node_saliency` are placed, for every
inner node, at its splitting's Lund coordinates ``(ln 1/Delta, ln kt/GeV)`` (lab-frame
momenta of the two children, :attr:`helpers.physics.trees.JetTrees.lund`) and averaged per
bin and class (:class:`LundMap`); the depth in the tree, which sets much of a node's
saliency, is divided out by :func:`relative_to_depth`; :func:`region_table` averages over
physically distinct regions.  The figures are in :mod:`helpers.plots.lund`.

The chapter's study: :func:`saliency_study` (maps per task of the first seed, their
agreement with the other seeds), :func:`depth_profiles`, :func:`relative_maps`,
:func:`task_regions` with :func:`region_summary` and :func:`most_salient_regions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..data import TASKS
from ..models.recnn import RecNN
from ..physics.kinematics import mass
from ..physics.trees import JetTrees
from ..preprocessing.recnn import TaskTrees
from ..results.claims import Measurement, clear_difference, finding_verdict
from ..xai.saliency import node_saliency

#: default Lund-plane binning: ln 1/Delta (x) and ln kt/GeV (y)
LUND_X_BINS = np.linspace(0.0, 7.0, 29)
LUND_Y_BINS = np.linspace(-5.0, 6.0, 23)
#: how the region tables name the two classes of a task
ROLES = {1: "signal", 0: "background"}


@dataclass
class LundMap:
    """Binned saliency on the Lund plane: mean per bin and node count per bin."""

    x_edges: np.ndarray
    y_edges: np.ndarray
    #: ``(nx, ny)`` mean saliency (NaN in empty bins)
    mean: np.ndarray
    #: ``(nx, ny)`` number of nodes
    count: np.ndarray
    #: number of jets that contributed
    n_jets: int


def lund_saliency(lund: np.ndarray, saliency: np.ndarray, n_jets: int,
                  x_edges: np.ndarray = LUND_X_BINS, y_edges: np.ndarray = LUND_Y_BINS) -> LundMap:
    """Average ``saliency`` of nodes with Lund coordinates ``lund[:, :2]`` in each bin
    (``n_jets``: how many jets the nodes come from, for the density).

    Rows with a non-finite coordinate or saliency (leaves, skipped jets) are ignored;
    entries outside the edges are dropped.
    """
    x, y = lund[:, 0], lund[:, 1]
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(saliency)
    count, _, _ = np.histogram2d(x[ok], y[ok], bins=(x_edges, y_edges))
    total, _, _ = np.histogram2d(x[ok], y[ok], bins=(x_edges, y_edges), weights=saliency[ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return LundMap(x_edges, y_edges, mean, count, n_jets)


def class_lund_maps(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                    class_names: dict[int, str], min_count: int = 1) -> dict[str, LundMap]:
    """Saliency Lund maps of the inner nodes, one per class (bins with fewer than
    ``min_count`` nodes are set to NaN)."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    inner = trees.children[:, 0] >= 0
    maps = {}
    for label, name in class_names.items():
        keep = inner & (node_label == label)
        m = lund_saliency(trees.lund[keep], saliency[keep], int((labels == label).sum()))
        m.mean[m.count < min_count] = np.nan
        maps[name] = m
    return maps


def map_correlation(a: LundMap, b: LundMap) -> float:
    """Pearson correlation of two maps' bin means over the bins filled in both."""
    ok = np.isfinite(a.mean) & np.isfinite(b.mean)
    return float(np.corrcoef(a.mean[ok], b.mean[ok])[0, 1]) if ok.sum() > 2 else float("nan")


def splitting_regions(trees: JetTrees) -> dict[str, np.ndarray]:
    """Masks of inner nodes in physically distinct regions of the Lund plane.

    Hard splittings (``z > 0.1``) whose node mass is near the W or the top mass; collinear
    splittings (``Delta < 0.05``); soft large-angle emissions (``Delta > 0.3``, ``z < 0.05``).
    """
    inner = trees.children[:, 0] >= 0
    m = mass(trees.momenta.astype(np.float64))
    ln_inv_delta, _, z = trees.lund.astype(np.float64).T
    with np.errstate(invalid="ignore"):
        hard = inner & (z > 0.1)
        return {
            "hard, z > 0.1": hard,
            "hard, node mass 65-95 GeV (W)": hard & (m > 65) & (m < 95),
            "hard, node mass 140-200 GeV (top)": hard & (m > 140) & (m < 200),
            "collinear, Delta < 0.05": inner & (ln_inv_delta > -np.log(0.05)),
            "soft wide-angle, Delta > 0.3, z < 0.05": inner & (ln_inv_delta < -np.log(0.3))
            & (z < 0.05),
            "all inner nodes": inner,
        }


def relative_to_depth(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``s_i`` divided by the mean saliency of the inner nodes of the same class at the same
    depth: above 1, a node matters more than its position in the tree alone would suggest."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    ok = (trees.children[:, 0] >= 0) & np.isfinite(saliency)
    out = np.full(len(saliency), np.nan)
    for label in np.unique(labels):
        keep = ok & (node_label == label)
        depth = trees.depth[keep]
        mean = np.bincount(depth, weights=saliency[keep]) / np.maximum(np.bincount(depth), 1)
        out[keep] = saliency[keep] / mean[depth]
    return out


def region_table(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                 class_names: dict[int, str]) -> pd.DataFrame:
    """Per :func:`splitting_regions` region and class: mean saliency, mean saliency relative
    to nodes at the same depth (:func:`relative_to_depth`), nodes per jet and mean depth."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    relative = relative_to_depth(trees, saliency, labels)
    rows = {}
    for region, mask in splitting_regions(trees).items():
        for label, name in class_names.items():
            keep = mask & (node_label == label) & np.isfinite(saliency)
            n_jets = max((labels == label).sum(), 1)
            rows[(region, name)] = {
                "mean saliency": saliency[keep].mean() if keep.any() else np.nan,
                "relative to same depth": relative[keep].mean() if keep.any() else np.nan,
                "nodes per jet": keep.sum() / n_jets,
                "mean depth": trees.depth[keep].mean() if keep.any() else np.nan}
    return pd.DataFrame(rows).T.rename_axis(["region", "class"])


def saliency_by_depth(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                      class_names: dict[int, str], max_depth: int = 30,
                      min_count: int = 1) -> pd.DataFrame:
    """Mean saliency of the inner nodes at each distance from the root (0 = root), per class
    (NaN at depths with fewer than ``min_count`` nodes)."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    ok = (trees.children[:, 0] >= 0) & np.isfinite(saliency) & (trees.depth <= max_depth)
    out = {}
    for label, name in class_names.items():
        keep = ok & (node_label == label)
        sums = np.bincount(trees.depth[keep], weights=saliency[keep], minlength=max_depth + 1)
        counts = np.bincount(trees.depth[keep], minlength=max_depth + 1)
        out[name] = sums / np.where(counts >= max(min_count, 1), counts, np.nan)
    return pd.DataFrame(out).rename_axis("depth")


# ------------------------------------------------------------------- the chapter's study
@dataclass
class SaliencyStudy:
    """Node saliencies and Lund maps of the first training seed, and the maps' seed agreement."""

    #: task title -> class name -> :class:`LundMap` (first seed)
    maps: dict[str, dict[str, LundMap]]
    #: task -> node saliency of every test node (first seed)
    node_saliency: dict[str, np.ndarray]
    #: task title (rows) x role (columns): mean correlation with the other seeds' maps
    agreement: pd.DataFrame
    #: task -> node saliency of every test node, one array per training seed
    node_saliency_seeds: dict[str, list[np.ndarray]] | None = None


def seed_agreement(maps: Sequence[Mapping[str, LundMap]], class_names: Mapping[int, str],
                   roles: Mapping[int, str] = ROLES) -> dict[str, float]:
    """Per role, the mean :func:`map_correlation` of the first seed's map of that class with
    those of the other seeds (NaN with one seed)."""
    return {role: np.mean([map_correlation(maps[0][class_names[k]], m[class_names[k]])
                           for m in maps[1:]]) if len(maps) > 1 else np.nan
            for k, role in roles.items()}


def saliency_study(models: Mapping[tuple[str, int], RecNN], tasks: Mapping[str, TaskTrees],
                   seeds: Sequence[int], min_count: int = 1) -> SaliencyStudy:
    """Node saliency (:func:`~helpers.xai.saliency.node_saliency`) of every task's test jets
    for every seed, their :func:`class_lund_maps` and :func:`seed_agreement`."""
    maps, node_sal, agreement, all_seeds = {}, {}, {}, {}
    for t, task in tasks.items():
        test, names = task.inputs("test"), TASKS[t].class_names
        per_seed = [node_saliency(models[t, s], test) for s in seeds]
        by_seed = [class_lund_maps(task.trees["test"], x, task.jets["test"].labels, names,
                                   min_count) for x in per_seed]
        node_sal[t], maps[TASKS[t].title] = per_seed[0], by_seed[0]
        all_seeds[t] = per_seed
        agreement[TASKS[t].title] = seed_agreement(by_seed, names)
    return SaliencyStudy(maps, node_sal, pd.DataFrame(agreement).T.rename_axis("task"), all_seeds)


def depth_profiles(tasks: Mapping[str, TaskTrees], node_sal: Mapping[str, np.ndarray],
                   min_count: int = 1) -> dict[str, pd.DataFrame]:
    """:func:`saliency_by_depth` of every task's test jets, per task title."""
    return {TASKS[t].title: saliency_by_depth(task.trees["test"], node_sal[t],
                                              task.jets["test"].labels, TASKS[t].class_names,
                                              min_count=min_count)
            for t, task in tasks.items()}


def relative_maps(tasks: Mapping[str, TaskTrees], node_sal: Mapping[str, np.ndarray],
                  min_count: int = 1) -> dict[str, dict[str, LundMap]]:
    """Lund maps of the saliency relative to the nodes at the same depth
    (:func:`relative_to_depth`), per task title and class."""
    out = {}
    for t, task in tasks.items():
        trees, labels = task.trees["test"], task.jets["test"].labels
        out[TASKS[t].title] = class_lund_maps(trees, relative_to_depth(trees, node_sal[t], labels),
                                              labels, TASKS[t].class_names, min_count)
    return out


def task_regions(tasks: Mapping[str, TaskTrees], node_sal: Mapping[str, np.ndarray],
                 roles: Mapping[int, str] = ROLES) -> pd.DataFrame:
    """:func:`region_table` of every task, indexed ``(task, region, class)``; the task level
    reads ``"W/QCD (W / QCD)"``, the classes by their ``roles``."""
    return pd.concat({f"{TASKS[t].title} ({TASKS[t].class_names[1]} / "
                      f"{TASKS[t].class_names[0]})": region_table(task.trees["test"], node_sal[t],
                                                                  task.jets["test"].labels, roles)
                      for t, task in tasks.items()}, names=["task"])


def region_summary(regions: pd.DataFrame, roles: Mapping[int, str] = ROLES) -> pd.DataFrame:
    """:func:`task_regions` with one row per task and region, the classes side by side."""
    return regions.unstack("class").swaplevel(0, 1, axis=1)[list(roles.values())]


def most_salient_regions(regions: pd.DataFrame, skip: str = "all inner nodes") -> pd.DataFrame:
    """Per task and class of :func:`task_regions`: the region (not ``skip``) with the highest
    saliency relative to nodes at the same depth, that ratio and its mean saliency."""
    rows = {}
    for task, by_task in regions.groupby(level="task", sort=False):
        for role, table in by_task.droplevel("task").groupby(level="class", sort=False):
            table = table.droplevel("class").drop(skip)
            rel = table["relative to same depth"]
            rows[task, role] = {"region": rel.idxmax(), "relative to same depth": rel.max(),
                                "mean saliency": table.loc[rel.idxmax(), "mean saliency"]}
    return pd.DataFrame(rows).T.rename_axis(["task", "class"])


# ------------------------------------------------------------- measurements behind the prose
#: regions of :func:`splitting_regions` the chapter's claims use
HARD, SOFT = "hard, z > 0.1", "soft wide-angle, Delta > 0.3, z < 0.05"
W_REGION, COLLINEAR = "hard, node mass 65-95 GeV (W)", "collinear, Delta < 0.05"


def jet_ratio(values: np.ndarray, jet_of: np.ndarray, n_jets: int, n_boot: int = 200,
              seed: int = 0) -> Measurement:
    """Mean of node ``values`` with a Poisson bootstrap over jets as its spread (the nodes of
    one jet move together); ``nan`` without nodes."""
    if len(values) == 0:
        return Measurement(float("nan"), float("nan"), 0)
    sums = np.bincount(jet_of, weights=values, minlength=n_jets)
    counts = np.bincount(jet_of, minlength=n_jets).astype(float)
    w = np.random.default_rng(seed).poisson(1.0, size=(n_boot, n_jets))
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (w @ sums) / (w @ counts)
    return Measurement(float(sums.sum() / counts.sum()), float(np.nanstd(boot, ddof=1)),
                       int((counts > 0).sum()))


def region_measurements(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                        class_names: Mapping[int, str] = ROLES, n_boot: int = 200
                        ) -> dict[tuple[str, str], Measurement]:
    """``{(region, class): saliency relative to the same depth}`` with a bootstrap over jets."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    relative = relative_to_depth(trees, saliency, labels)
    out = {}
    for region, mask in splitting_regions(trees).items():
        for label, name in class_names.items():
            keep = mask & (node_label == label) & np.isfinite(relative)
            out[region, name] = jet_ratio(relative[keep], trees.jet_of_node[keep], len(labels),
                                          n_boot)
    return out


def region_uncertainties(tasks: Mapping[str, TaskTrees],
                         node_sal_seeds: Mapping[str, Sequence[np.ndarray]],
                         roles: Mapping[int, str] = ROLES, n_boot: int = 200) -> pd.DataFrame:
    """The region table's saliency relative to the same depth with both its uncertainties:
    per task, region and class the mean over the training seeds, the Poisson bootstrap over
    the test jets of the first seed (``± jets``) and the standard deviation over the seeds
    (``± seeds``; empty with one seed)."""
    rows = {}
    for t, task in tasks.items():
        trees, labels = task.trees["test"], task.jets["test"].labels
        per_seed = [region_measurements(trees, x, labels, roles, n_boot)
                    for x in node_sal_seeds[t]]
        for key in per_seed[0]:
            values = [m[key].value for m in per_seed]
            spread = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
            rows[(TASKS[t].title, *key)] = {"relative to same depth": float(np.mean(values)),
                                            "± jets": per_seed[0][key].spread,
                                            "± seeds": spread}
    return pd.DataFrame(rows).T.rename_axis(["task", "region", "class"])


def depth_fade(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
               class_names: Mapping[int, str], near: tuple[int, int] = (1, 2),
               far: tuple[int, int] = (6, 8), n_boot: int = 200, seed: int = 0
               ) -> dict[str, Measurement]:
    """Per class: mean saliency of the inner nodes at depths ``near`` over that at depths
    ``far`` (how much the gradient fades down the tree), with a Poisson bootstrap over jets."""
    labels = np.asarray(labels)
    n_jets = len(labels)
    node_label = labels[trees.jet_of_node]
    ok = (trees.children[:, 0] >= 0) & np.isfinite(saliency)
    w = np.random.default_rng(seed).poisson(1.0, size=(n_boot, n_jets))
    out = {}
    for label, name in class_names.items():
        sums, counts = [], []
        for lo, hi in (near, far):
            keep = ok & (node_label == label) & (trees.depth >= lo) & (trees.depth <= hi)
            jet = trees.jet_of_node[keep]
            sums.append(np.bincount(jet, weights=saliency[keep], minlength=n_jets))
            counts.append(np.bincount(jet, minlength=n_jets).astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (sums[0].sum() / counts[0].sum()) / (sums[1].sum() / counts[1].sum())
            boot = ((w @ sums[0]) / (w @ counts[0])) / ((w @ sums[1]) / (w @ counts[1]))
        out[name] = Measurement(float(ratio), float(np.nanstd(boot, ddof=1)),
                                int((labels == label).sum()))
    return out


def split_half_maps(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray, label: int,
                    halves: np.ndarray, min_count: int = 1) -> tuple[LundMap, LundMap]:
    """The class-``label`` Lund maps of the jets with ``halves`` False and True."""
    node_half = halves[trees.jet_of_node]
    node_label = np.asarray(labels)[trees.jet_of_node]
    inner = trees.children[:, 0] >= 0
    out = []
    for h in (False, True):
        keep = inner & (node_label == label) & (node_half == h)
        m = lund_saliency(trees.lund[keep], saliency[keep], int(((labels == label) & (halves == h)).sum()))
        m.mean[m.count < min_count] = np.nan
        out.append(m)
    return out[0], out[1]


def task_contrast(tasks: Mapping[str, TaskTrees], node_sal: Mapping[str, np.ndarray],
                  min_count: int = 1, n_splits: int = 10, seed: int = 0
                  ) -> dict[tuple[str, str], Measurement]:
    """How much more alike a task's saliency map is to itself than to another task's.

    For each pair of tasks and role (signal, background): over ``n_splits`` random halvings
    of the test jets, the mean split-half correlation of each task's map with itself minus
    the correlation between the two tasks' maps (halves against halves); mean and spread
    over the splits.  Clearly above 0: the two tasks' patterns differ beyond the noise.
    """
    rng = np.random.default_rng(seed)
    names = list(tasks)
    diffs: dict[tuple[str, str], list[float]] = {}
    for _ in range(n_splits):
        halves_maps = {}
        for t, task in tasks.items():
            labels = task.jets["test"].labels
            halves = rng.random(len(labels)) < 0.5
            halves_maps[t] = {k: split_half_maps(task.trees["test"], node_sal[t], labels, k,
                                                 halves, min_count) for k in ROLES}
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                for k, role in ROLES.items():
                    (a0, a1), (b0, b1) = halves_maps[a][k], halves_maps[b][k]
                    within = 0.5 * (map_correlation(a0, a1) + map_correlation(b0, b1))
                    between = 0.5 * (map_correlation(a0, b1) + map_correlation(a1, b0))
                    diffs.setdefault((f"{TASKS[a].title} vs {TASKS[b].title}", role),
                                     []).append(within - between)
    return {k: Measurement.of(v) for k, v in diffs.items()}


def _ratio(m: Measurement) -> str:
    return f"{m.text('{:.2f}')}×"


def _vs_one(m: Measurement) -> int:
    return clear_difference(m, Measurement(1.0, 0.0))


def saliency_claims(tasks: Mapping[str, TaskTrees], node_sal: Mapping[str, np.ndarray],
                    min_count: int = 1, n_boot: int = 200) -> tuple[dict[str, str], str, str]:
    """The chapter's sentences on the saliency, each from bootstrap-over-jets measurements:
    ``(claims, finding verdict, finding evidence)``.

    Claims: ``saliency_fade`` (how fast the saliency fades with depth, per task and class),
    ``saliency_hard_soft`` (hard and soft splittings relative to their depth),
    ``saliency_qcd_w`` (QCD jets' hard splittings near the W mass), ``saliency_contrast``
    (whether the tasks' maps differ beyond the noise), used also for the finding that the
    Lund-plane patterns differ by task.
    """
    fade, rel = {}, {}
    for t, task in tasks.items():
        trees, labels = task.trees["test"], task.jets["test"].labels
        names = TASKS[t].class_names
        fade[t] = depth_fade(trees, node_sal[t], labels, names, n_boot=n_boot)
        rel[t] = region_measurements(trees, node_sal[t], labels, names, n_boot)
    claims = {}
    parts = [f"{TASKS[t].title}: {', '.join(f'{c} jets {_ratio(m)}' for c, m in f.items())}"
             for t, f in fade.items()]
    all_fade = {(t, c): m for t, f in fade.items() for c, m in f.items()}
    steepest = max(all_fade, key=lambda k: all_fade[k].value)
    flattest = min(all_fade, key=lambda k: all_fade[k].value)
    clear = clear_difference(all_fade[steepest], all_fade[flattest]) > 0
    claims["saliency_fade"] = (
        "From depth 1–2 to depth 6–8 the mean saliency falls by a factor of "
        + "; ".join(parts) + " (bootstrap over the test jets). "
        + (f"It fades fastest for the {steepest[1]} jets of {TASKS[steepest[0]].title} and "
           f"slowest for the {flattest[1]} jets of {TASKS[flattest[0]].title}, a clear "
           "difference." if clear else
           "The fastest and the slowest fade are indistinguishable at this statistics."))
    hard = {(t, c): rel[t][HARD, c] for t in tasks for c in TASKS[t].class_names.values()}
    soft = {(t, c): rel[t][SOFT, c] for t in tasks for c in TASKS[t].class_names.values()}
    n_hard = sum(_vs_one(m) > 0 for m in hard.values())
    n_hard_less = sum(_vs_one(m) < 0 for m in hard.values())
    n_soft = sum(_vs_one(m) < 0 for m in soft.values())
    n_soft_more = sum(_vs_one(m) > 0 for m in soft.values())
    listing = "; ".join(f"{TASKS[t].title} {c} jets {_ratio(hard[t, c])} and {_ratio(soft[t, c])}"
                        for t, c in hard)
    claims["saliency_hard_soft"] = (
        f"Relative to the average node at their depth, hard splittings ($z > 0.1$) are clearly "
        f"more salient in {n_hard} of the {len(hard)} task–class combinations and clearly less "
        f"in {n_hard_less}; soft wide-angle emissions are clearly less salient in {n_soft} and "
        f"clearly more in {n_soft_more} (relative saliency of the hard and of the soft ones: "
        f"{listing}).")
    qcd_w = []
    for t in tasks:
        if TASKS[t].class_names.get(0) != "QCD":
            continue
        m = rel[t][W_REGION, "QCD"]
        if not np.isfinite(m.value):
            continue
        verdict = {1: "more salient than", -1: "less salient than",
                   0: "indistinguishable at this statistics from"}[_vs_one(m)]
        qcd_w.append(f"in the {TASKS[t].title} task they are {verdict} other nodes at their "
                     f"depth ({_ratio(m)}, from {m.n} jets)")
    claims["saliency_qcd_w"] = ("In QCD jets, hard splittings with a node mass near the W mass: "
                                + "; ".join(qcd_w) + "." if qcd_w else
                                "No QCD jet of this run has a hard splitting near the W mass.")
    contrast = task_contrast(tasks, node_sal, min_count)
    signs = [clear_difference(m, Measurement(0.0, 0.0)) for m in contrast.values()]
    n_clear = sum(s > 0 for s in signs)
    listing = "; ".join(f"{pair} ({role}) {m.text('{:+.2f}')}" for (pair, role), m
                        in contrast.items())
    evidence = (f"The saliency maps of two tasks correlate less with each other than each "
                f"with itself (split halves of the test jets) in {n_clear} of {len(signs)} "
                f"comparisons beyond the spread over ten halvings (within minus between: "
                f"{listing}).")
    claims["saliency_contrast"] = evidence
    return claims, finding_verdict(signs), evidence
