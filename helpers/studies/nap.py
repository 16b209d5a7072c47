"""Neural-activation-pattern studies of the TopoDNN (chapter 3): networks measured by their
test metrics and NAP, node removal without retraining, NAP-guided widths and the choice of
the smallest network that tags as well as the best.

The statistics themselves (RNA, sparsity, the NAP, pruning) are methods of
:mod:`helpers.xai.nap`; the figures are in :mod:`helpers.plots.nap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..data.processes import TASKS
from ..metrics import auc, summarize
from ..models import TopoDNN, count_parameters, predict_logits, predict_proba
from ..xai.nap import NAP, SPARSE_RNA, neural_activation_pattern, prune

#: class names of the top-tagging task, by label
CLASS_NAMES = TASKS["top_qcd"].class_names


def active_widths(naps: Sequence[NAP], threshold: float = SPARSE_RNA) -> tuple[int, ...]:
    """NAP-guided layer widths: the number of non-sparse nodes per layer, averaged over
    networks of the same architecture and rounded up."""
    counts = np.array([[int(m.sum()) for m in nap.active_mask(threshold)] for nap in naps])
    return tuple(int(c) for c in np.ceil(counts.mean(axis=0)))


@dataclass
class MeasuredModel:
    """A trained network, its activation pattern and its test metrics."""

    model: TopoDNN
    nap: NAP
    #: :func:`helpers.metrics.summarize` plus ``parameters`` and ``sparsity (<name>)`` entries
    metrics: dict[str, float]


def measure(model: TopoDNN, X: np.ndarray, y: np.ndarray, threshold: float = SPARSE_RNA,
            class_names: Mapping[int, str] = CLASS_NAMES) -> MeasuredModel:
    """Test metrics, parameter count, NAP and sparsities of a trained network on ``(X, y)``."""
    nap = neural_activation_pattern(model, X, y, class_names)
    metrics = summarize(y, predict_proba(model, X))
    metrics["parameters"] = float(count_parameters(model))
    metrics.update({f"sparsity ({k})": v for k, v in nap.sparsity(threshold).items()})
    return MeasuredModel(model, nap, metrics)


def random_keep(keep: Sequence[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Masks that keep as many nodes per layer as ``keep`` does, chosen at random."""
    out = []
    for mask in keep:
        new = np.zeros(len(mask), bool)
        new[rng.choice(len(mask), int(np.sum(mask)), replace=False)] = True
        out.append(new)
    return out


def pruning_study(model: TopoDNN, nap: NAP, X: np.ndarray, y: np.ndarray, n_random: int = 5,
                  seed: int = 0, threshold: float = SPARSE_RNA) -> dict[str, dict[str, float]]:
    """AUC on ``(X, y)`` and parameter count after removing, without retraining, (a) nothing,
    (b) the dead nodes, (c) the sparse nodes, (d) as many random nodes per layer as (c) (mean
    over ``n_random`` draws).  Removed nodes are replaced by their mean activation; ``nap``
    (measured on other jets than ``X``) decides which nodes go."""
    fill = nap.all_jets.mean
    sparse_keep = nap.active_mask(threshold)
    variants = {"none": [np.ones(w, bool) for w in nap.widths],
                "dead nodes": [a > 0 for a in nap.all_jets.active],
                f"sparse nodes (RNA < {threshold:g})": sparse_keep}
    out = {}
    for name, keep in variants.items():
        pruned = prune(model, keep, fill)
        out[name] = {"parameters": float(count_parameters(pruned)),
                     "auc": auc(y, predict_logits(pruned, X))}
    rng = np.random.default_rng(seed)
    random_aucs = [auc(y, predict_logits(prune(model, random_keep(sparse_keep, rng), fill), X))
                   for _ in range(n_random)]
    out["random nodes (same number)"] = {
        "parameters": out[f"sparse nodes (RNA < {threshold:g})"]["parameters"],
        "auc": float(np.mean(random_aucs))}
    return out


def within_spread(auc: np.ndarray, auc_std: np.ndarray, ref_auc: float, ref_std: float,
                  n_sigma: float = 1.0) -> np.ndarray:
    """True where an AUC is not below the reference by more than ``n_sigma`` times the combined
    seed spread ``sqrt(std^2 + ref_std^2)`` (a missing spread, from a single seed, counts as 0)."""
    std = np.nan_to_num(np.asarray(auc_std, float))
    spread = np.hypot(std, np.nan_to_num(ref_std))
    return np.asarray(auc, float) >= ref_auc - n_sigma * spread
