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
    maps, node_sal, agreement = {}, {}, {}
    for t, task in tasks.items():
        test, names = task.inputs("test"), TASKS[t].class_names
        per_seed = [node_saliency(models[t, s], test) for s in seeds]
        by_seed = [class_lund_maps(task.trees["test"], x, task.jets["test"].labels, names,
                                   min_count) for x in per_seed]
        node_sal[t], maps[TASKS[t].title] = per_seed[0], by_seed[0]
        agreement[TASKS[t].title] = seed_agreement(by_seed, names)
    return SaliencyStudy(maps, node_sal, pd.DataFrame(agreement).T.rename_axis("task"))


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
