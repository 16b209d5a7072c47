"""Neural-activation-pattern studies of the TopoDNN (chapter 3): networks trained per seed and
measured by their test metrics and NAP, the sparsity against the training-set size, linear
probes per layer, node removal without retraining, NAP-guided widths, the retrained
architectures and the choice of the smallest network that tags as well as the best.

The statistics themselves (RNA, sparsity, the NAP, pruning) are methods of
:mod:`helpers.xai.nap`; the figures are in :mod:`helpers.plots.nap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import published
from ..config import Profile
from ..data.jets import JetSet
from ..data.processes import TASKS
from ..metrics import aggregate, auc, format_mean_std, summarize
from ..models import TopoDNN, count_parameters, predict_logits, predict_proba
from ..training.recipes import TOPODNN_DEFAULTS, topodnn_config, train_topodnn
from ..xai.nap import NAP, SPARSE_RNA, hidden_activations, neural_activation_pattern, prune
from ..xai.probing import layer_probe_auc
from .learning_curve import epochs_for_size, usable_sizes

#: class names of the top-tagging task, by label
CLASS_NAMES = TASKS["top_qcd"].class_names
#: what a sparsity is reported for: all classes together, then each class
SPARSITY_KEYS = ("overall", *CLASS_NAMES.values())
#: hidden widths of the baseline TopoDNN (the recipe's default)
BASELINE = tuple(TOPODNN_DEFAULTS["hidden"])


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


def aggregate_runs(runs: Sequence[MeasuredModel]) -> dict[str, tuple[float, float]]:
    """``{metric: (mean, std)}`` of the runs' metrics over seeds (:func:`helpers.metrics.aggregate`)."""
    return aggregate([r.metrics for r in runs])


@dataclass
class Trainer:
    """Trains (or loads from the cache) TopoDNNs with the chapter's recipe,
    :func:`helpers.training.recipes.train_topodnn`, and measures them on the test jets."""

    train: JetSet
    val: JetSet
    X_test: np.ndarray
    y_test: np.ndarray
    profile: Profile | str
    device: str = "auto"

    def train_and_measure(self, seeds: Sequence[int], hidden: tuple[int, ...] | None = None,
                          n_train: int | None = None, **overrides) -> list[MeasuredModel]:
        """One trained (or cached) TopoDNN per seed, measured on the test jets.  ``hidden``
        ``None`` or :data:`BASELINE` trains the recipe's widths (and passes no ``hidden``, so
        the cache entry is chapter 1's); ``overrides`` go to the recipe."""
        extra = overrides if hidden is None or hidden == BASELINE else {"hidden": hidden, **overrides}
        return [measure(train_topodnn(self.train, self.val, self.profile, s, self.device,
                                      n_train=n_train, **extra)[0], self.X_test, self.y_test)
                for s in seeds]


def sparsity_table(runs: Sequence[MeasuredModel], paper: Mapping[str, float],
                   seeds_label: str) -> pd.DataFrame:
    """Overall and per-class sparsity of the runs (mean ± std over seeds) next to the published
    values (``paper``: ``{"sparsity (<name>)": value}``)."""
    agg = aggregate_runs(runs)
    return pd.DataFrame({
        "sparsity": [f"{k}" if k == "overall" else f"{k} jets" for k in SPARSITY_KEYS],
        f"this book ({seeds_label})": [format_mean_std(*agg[f"sparsity ({k})"]) for k in SPARSITY_KEYS],
        "Khot et al.": [f"{paper[f'sparsity ({k})']:.3f}" for k in SPARSITY_KEYS],
    })


def sparsity_curve(trainer: Trainer, sizes: Sequence[int], seed: int) -> pd.DataFrame:
    """Metrics and sparsities of the baseline trained on the first ``n`` jets for each usable
    size (one seed), every size with the same number of optimisation steps
    (:func:`helpers.studies.learning_curve.epochs_for_size`); one row per size, columns
    ``n_train`` and the :class:`MeasuredModel` metrics."""
    n_full = len(trainer.train.labels)
    max_epochs = topodnn_config(trainer.profile, seed)["max_epochs"]
    rows = []
    for n in usable_sizes(sizes, n_full):
        (run,) = trainer.train_and_measure([seed], BASELINE, n,
                                           max_epochs=epochs_for_size(n, n_full, max_epochs))
        rows.append({"n_train": n, **run.metrics})
    return pd.DataFrame(rows)


def sparsity_curve_report(curve: pd.DataFrame) -> str:
    """One line per training-set size of :func:`sparsity_curve`: AUC and sparsities."""
    return "\n".join(
        f"{n:>8,} training jets: AUC {m['auc']:.4f}, "
        + ", ".join(f"sparsity ({k}) {m[f'sparsity ({k})']:.3f}" for k in SPARSITY_KEYS)
        for n, m in zip(curve["n_train"].tolist(), curve.to_dict("records")))


@dataclass
class Separability:
    """Linear separability of the classes at each depth, with the network's own AUC and the
    share of sparse nodes per hidden layer (means over seeds)."""

    #: test AUC of the linear probe on the inputs and on each hidden layer
    probe_auc: np.ndarray
    #: ``"inputs", "layer 1", ...``
    labels: list[str]
    #: test AUC of the network output
    network_auc: float
    #: ``{"overall" or class name: share of sparse nodes per hidden layer}``
    layer_sparsity: dict[str, np.ndarray]

    def report(self) -> str:
        """The network's AUC, then each probe's AUC and its gain over the layer before."""
        p, labels = self.probe_auc, self.labels
        return "\n".join([f"network output: AUC {self.network_auc:.4f}"] + [
            f"linear probe on {labels[k]}: AUC {p[k]:.4f} ({p[k] - p[k - 1]:+.4f} over {labels[k - 1]})"
            for k in range(1, len(p))])


def layer_separability(runs: Sequence[MeasuredModel], X_train: np.ndarray, y_train: np.ndarray,
                       X_test: np.ndarray, y_test: np.ndarray, probe_jets: int) -> Separability:
    """Linear probes (:func:`helpers.xai.probing.layer_probe_auc`) on the inputs and hidden
    layers of every run, trained on the first ``probe_jets`` training jets and scored on the
    test jets, averaged over the runs."""
    n = min(probe_jets, len(y_train))
    probe = np.array([
        layer_probe_auc([X_train[:n], *hidden_activations(r.model, X_train[:n])], y_train[:n],
                        [X_test, *hidden_activations(r.model, X_test)], y_test)
        for r in runs]).mean(axis=0)
    labels = ["inputs", *[f"layer {k + 1}" for k in range(len(probe) - 1)]]
    layer_sparsity = {k: np.mean([r.nap.layer_table()[f"sparse ({k})"] for r in runs], axis=0)
                      for k in SPARSITY_KEYS}
    return Separability(probe, labels, aggregate_runs(runs)["auc"][0], layer_sparsity)


def validation_naps(runs: Sequence[MeasuredModel], X_val: np.ndarray, y_val: np.ndarray,
                    class_names: Mapping[int, str] = CLASS_NAMES) -> list[NAP]:
    """The NAP of every run's network on the validation jets (to choose nodes on other jets
    than those they are scored on)."""
    return [neural_activation_pattern(r.model, X_val, y_val, class_names) for r in runs]


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


def pruning_over_seeds(runs: Sequence[MeasuredModel], naps: Sequence[NAP], seeds: Sequence[int],
                       X: np.ndarray, y: np.ndarray, n_random: int = 5
                       ) -> dict[str, dict[str, tuple[float, float]]]:
    """:func:`pruning_study` of every run (nodes chosen by its NAP in ``naps``, random draws
    seeded by its training seed), as ``{variant: {"parameters"/"auc": (mean, std)}}``."""
    studies = [pruning_study(r.model, nap, X, y, n_random=n_random, seed=s)
               for r, nap, s in zip(runs, naps, seeds)]
    return {name: aggregate([s[name] for s in studies]) for name in studies[0]}


def pruning_table(pruned: Mapping[str, Mapping[str, tuple[float, float]]]) -> pd.DataFrame:
    """Parameters left and test AUC (mean ± std) per variant of :func:`pruning_over_seeds`."""
    return pd.DataFrame({name: {"parameters left": format_mean_std(*a["parameters"], decimals=0),
                                "test AUC": format_mean_std(*a["auc"], decimals=4)}
                         for name, a in pruned.items()}).T.rename_axis("nodes removed (no retraining)")


def pruning_costs(pruned: Mapping[str, Mapping[str, tuple[float, float]]]) -> dict[str, float]:
    """Mean AUC lost by each variant against removing nothing (``"none"``)."""
    return {name: pruned["none"]["auc"][0] - a["auc"][0] for name, a in pruned.items()}


def architectures_to_train(baseline: tuple[int, ...], retrained: Sequence[Sequence[int]],
                           nap_guided: Sequence[int], scan: Sequence[Sequence[int]],
                           paper_hidden: Sequence[int]) -> dict[tuple[int, ...], str]:
    """``{hidden widths: kind}`` in training order: the baseline, the retrained architectures
    (``"retrained (Khot et al.)"`` for the paper's), the NAP-guided widths and the width scan;
    an architecture listed twice keeps its first kind."""
    architectures = {tuple(baseline): "baseline"}
    for kind, widths in [*[("retrained (Khot et al.)" if tuple(h) == tuple(paper_hidden)
                           else "retrained", h) for h in retrained],
                         ("NAP-guided", nap_guided), *[("width scan", h) for h in scan]]:
        architectures.setdefault(tuple(widths), kind)
    return architectures


def train_architectures(trainer: Trainer, architectures: Mapping[tuple[int, ...], str],
                        seeds: Sequence[int], baseline: Sequence[MeasuredModel]
                        ) -> dict[tuple[int, ...], list[MeasuredModel]]:
    """The runs (one per seed) of every architecture, in order; the baseline's are ``baseline``."""
    return {h: list(baseline) if h == BASELINE else trainer.train_and_measure(seeds, h)
            for h in architectures}


def architecture_table(runs: Mapping[tuple[int, ...], Sequence[MeasuredModel]],
                       architectures: Mapping[tuple[int, ...], str],
                       paper: Mapping[str, Mapping], seeds_label: str) -> pd.DataFrame:
    """One row per architecture: kind (``label``), widths (``hidden``), parameters, AUC and
    overall sparsity as numbers (``auc``, ``auc_std``, ``sparsity``, ``sparsity_std``) and as
    ``mean ± std`` text next to the published values of the ``paper`` entry with the same
    ``hidden`` widths (``—`` where there is none)."""
    rows = []
    for hidden, kind in architectures.items():
        agg = aggregate_runs(runs[hidden])
        ref = next((p for p in paper.values() if tuple(p["hidden"]) == tuple(hidden)), {})
        rows.append({
            "label": kind, "hidden": str(hidden), "parameters": int(agg["parameters"][0]),
            "auc": agg["auc"][0], "auc_std": agg["auc"][1],
            "sparsity": agg["sparsity (overall)"][0], "sparsity_std": agg["sparsity (overall)"][1],
            "parameters (paper)": f"{ref['parameters']:,}" if ref else "—",
            f"AUC ({seeds_label})": format_mean_std(*agg["auc"], decimals=4),
            "AUC (paper)": f"{ref['auc']:.4f}" if ref else "—",
            f"sparsity ({seeds_label})": format_mean_std(*agg["sparsity (overall)"]),
            "sparsity (paper)": f"{ref['sparsity (overall)']:.3f}" if ref else "—"})
    return pd.DataFrame(rows)


def paper_networks() -> dict[str, dict]:
    """Khot et al.'s two TopoDNNs from :mod:`helpers.published`, in the shape the tables of this
    module take: ``{"baseline": {...}, "re-optimised": {...}}`` with ``hidden``,
    ``parameters``, ``auc`` and the ``sparsity (<key>)`` values."""
    base = published.group("khot.topodnn")
    new = published.group("khot.topodnn_reoptimised")
    return {
        "baseline": {"hidden": BASELINE, "parameters": base["parameters"], "auc": base["auc"],
                     **{f"sparsity ({k})": base[f"sparsity.{k}"] for k in SPARSITY_KEYS}},
        "re-optimised": {"hidden": tuple(new["hidden"]), "parameters": new["parameters"],
                         "auc": new["auc"], "sparsity (overall)": new["sparsity.overall"]},
    }


def paper_scan_points(paper: Mapping[str, Mapping]) -> dict[str, dict[str, float]]:
    """``{name: {"parameters", "auc", "sparsity"}}`` of the published networks, as
    :func:`helpers.plots.nap.plot_width_scan` draws them (``sparsity`` is the overall one)."""
    return {name: {"parameters": p["parameters"], "auc": p["auc"], "sparsity": p["sparsity (overall)"]}
            for name, p in paper.items()}


def within_spread(auc: np.ndarray, auc_std: np.ndarray, ref_auc: float, ref_std: float,
                  n_sigma: float = 1.0) -> np.ndarray:
    """True where an AUC is not below the reference by more than ``n_sigma`` times the combined
    seed spread ``sqrt(std^2 + ref_std^2)`` (a missing spread, from a single seed, counts as 0)."""
    std = np.nan_to_num(np.asarray(auc_std, float))
    spread = np.hypot(std, np.nan_to_num(ref_std))
    return np.asarray(auc, float) >= ref_auc - n_sigma * spread


def best_and_smallest(results: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The row of :func:`architecture_table` with the best AUC, and the row with the fewest
    parameters among those :func:`within_spread` of it."""
    best = results.loc[results["auc"].idxmax()]
    good = results[within_spread(results["auc"], results["auc_std"], best["auc"], best["auc_std"])]
    return best, good.loc[good["parameters"].idxmin()]


def scan_report(results: pd.DataFrame) -> str:
    """Each network of :func:`architecture_table` against the baseline (its first row), then
    the best one and the smallest within one seed spread of it."""
    base = results.iloc[0]
    best, smallest = best_and_smallest(results)
    lines = [f"{row['hidden']:>18} ({row['label']}): {row['parameters'] / base['parameters']:6.1%} "
             f"of the parameters, AUC {row['auc'] - base['auc']:+.4f} vs the baseline, "
             f"sparsity {row['sparsity']:.3f} (baseline {base['sparsity']:.3f})"
             for _, row in results.iloc[1:].iterrows()]
    lines.append(f"best AUC: {best['hidden']} ({best['auc']:.4f}); smallest network within one seed "
                 f"spread of it: {smallest['hidden']}, {smallest['parameters']:,} parameters "
                 f"({smallest['parameters'] / base['parameters']:.1%} of the baseline)")
    return "\n".join(lines)
