"""Neural-activation-pattern studies of the TopoDNN (chapter 3): networks trained per seed and
measured by their test metrics and NAP, the sparsity against the training-set size, linear
probes per layer, node removal without retraining, NAP-guided widths, the retrained
architectures and the choice of the smallest network that tags as well as the best.

The statistics themselves (RNA, sparsity, the NAP, pruning) are methods of
:mod:`helpers.xai.nap`; the figures are in :mod:`helpers.plots.nap`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import published
from ..config import Profile
from ..data.jets import JetSet
from ..data.processes import TASKS
from ..metrics import aggregate, auc, format_mean_std, summarize
from ..models import TopoDNN, count_parameters, predict_logits, predict_proba
from ..results import Measurement, clear_difference, ranked
from ..results.claims import N_BOOT, bootstrap_many, pick, seed_or_bootstrap
from ..training.recipes import TOPODNN_DEFAULTS, topodnn_config, train_topodnn
from ..xai.nap import NAP, SPARSE_RNA, ActivationStats, hidden_activations, neural_activation_pattern, prune
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


def sparsity_curve_runs(trainer: Trainer, sizes: Sequence[int], seed: int
                        ) -> dict[int, MeasuredModel]:
    """``{n: run}``: the baseline trained on the first ``n`` jets for each usable size (one
    seed), every size with the same number of optimisation steps
    (:func:`helpers.studies.learning_curve.epochs_for_size`)."""
    n_full = len(trainer.train.labels)
    max_epochs = topodnn_config(trainer.profile, seed)["max_epochs"]
    out = {}
    for n in usable_sizes(sizes, n_full):
        (out[n],) = trainer.train_and_measure([seed], BASELINE, n,
                                              max_epochs=epochs_for_size(n, n_full, max_epochs))
    return out


def curve_frame(curve_runs: Mapping[int, MeasuredModel]) -> pd.DataFrame:
    """One row per training-set size of :func:`sparsity_curve_runs`: ``n_train`` and the
    :class:`MeasuredModel` metrics."""
    return pd.DataFrame([{"n_train": n, **run.metrics} for n, run in curve_runs.items()])


def sparsity_curve(trainer: Trainer, sizes: Sequence[int], seed: int) -> pd.DataFrame:
    """Metrics and sparsities of the baseline trained on the first ``n`` jets for each usable
    size (one seed), every size with the same number of optimisation steps
    (:func:`helpers.studies.learning_curve.epochs_for_size`); one row per size, columns
    ``n_train`` and the :class:`MeasuredModel` metrics."""
    return curve_frame(sparsity_curve_runs(trainer, sizes, seed))


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


# ------------------------------------------------------------------ uncertainties
# Every comparison the chapter states is decided with a spread: the standard deviation over
# the training seeds where there are several, a bootstrap over the test jets where there is
# one (:func:`seed_or_bootstrap`).  The sentences below are built from those measurements and
# read correctly whichever way a comparison comes out.

def _t(m: Measurement, fmt: str = "{:.3f}") -> str:
    return m.text(fmt)


def _signed(m: Measurement) -> str:
    return m.text("{:+.4f}")


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def _ordinal(k: int) -> str:
    """``"third"`` for ``k = 3``."""
    return ORDINALS[k - 1] if k <= len(ORDINALS) else f"{k}th"


def _layer_name(k: int) -> str:
    """``"the third layer"`` for ``k = 3`` (1-based)."""
    return f"the {_ordinal(k)} layer"


def _join(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# ------------------------------------------------------------------ NAP measurements
def nap_of(acts: Sequence[np.ndarray], y: np.ndarray, idx: np.ndarray,
           class_names: Mapping[int, str] = CLASS_NAMES) -> NAP:
    """The :class:`~helpers.xai.nap.NAP` of the jets ``idx`` (with repetitions, as a bootstrap
    draws them) from precomputed hidden activations ``acts`` (one ``(N, width)`` array per
    layer) and labels ``y``: each jet counts as often as it is drawn."""
    y = np.asarray(y)
    counts = np.bincount(np.asarray(idx), minlength=len(y)).astype(np.float64)
    stats = {}
    for label, name in class_names.items():
        w = counts * (y == label)
        stats[name] = ActivationStats(sums=[w @ a for a in acts],
                                      active=[np.rint(w @ (a > 0)).astype(np.int64) for a in acts],
                                      n_jets=int(w.sum()))
    return NAP(stats)


def nap_statistics(nap: NAP, threshold: float = SPARSE_RNA) -> dict[str, float]:
    """Sparsities (``sparsity (<key>)``) and, per hidden layer, the share of its active nodes
    that only one class uses (``exclusive (layer k)``; NaN for a layer without active node)."""
    out = {f"sparsity ({k})": v for k, v in nap.sparsity(threshold).items()}
    table = nap.layer_table(threshold)
    exclusive = sum(table[f"active in {name} only"] for name in nap.stats)
    active = table["active in both"] + exclusive
    for k, (e, a) in enumerate(zip(exclusive, active), start=1):
        out[f"exclusive (layer {k})"] = float(e / a) if a else math.nan
    return out


def run_measurements(runs: Sequence[MeasuredModel], X: np.ndarray, y: np.ndarray,
                     n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """The test ``auc``, the sparsities and the class-exclusive shares (:func:`nap_statistics`)
    of one architecture's runs on ``(X, y)``, with the seed spread or, for a single run, a
    bootstrap over the jets (:func:`seed_or_bootstrap`)."""
    y = np.asarray(y)
    acts = [hidden_activations(r.model, X) for r in runs]
    probs = [predict_proba(r.model, X) for r in runs]

    def statistic(r: int, idx: np.ndarray) -> dict[str, float]:
        return {"auc": auc(y[idx], probs[r][idx]), **nap_statistics(nap_of(acts[r], y, idx))}

    return seed_or_bootstrap(statistic, len(runs), len(y), n_boot, seed)


def architecture_measurements(runs: Mapping[tuple[int, ...], Sequence[MeasuredModel]],
                              X: np.ndarray, y: np.ndarray, n_boot: int = N_BOOT,
                              seed: int = 0) -> dict[tuple[int, ...], dict[str, Measurement]]:
    """:func:`run_measurements` of every architecture, plus its exact ``parameters``."""
    return {h: {**run_measurements(r, X, y, n_boot, seed),
                "parameters": Measurement(float(r[0].metrics["parameters"]))}
            for h, r in runs.items()}


def sparsity_claims(m: Mapping[str, Measurement], paper: Mapping[str, float],
                    background: str = "QCD", signal: str = "top") -> dict[str, str]:
    """Sentences on the baseline's sparsity (``m``: :func:`run_measurements`; ``paper``: the
    published ``sparsity (<key>)`` values): ``nap_sparsity_vs_paper`` (the overall sparsity
    against the paper's) and ``nap_class_sparsity`` (which class leaves more nodes idle; the
    paper: the background)."""
    overall, ref = m["sparsity (overall)"], paper["sparsity (overall)"]
    vs_paper = pick(overall, Measurement(ref), f"more than the paper's {ref:.3f}",
                     f"fewer than the paper's {ref:.3f}",
                     f"as many as the paper's {ref:.3f}, within the spread")
    b, s = m[f"sparsity ({background})"], m[f"sparsity ({signal})"]
    order = pick(b, s,
                  f"{background} jets leave more nodes idle than {signal} jets ({_t(b)} against "
                  f"{_t(s)}), the order the paper found",
                  f"{signal} jets leave more nodes idle than {background} jets ({_t(s)} against "
                  f"{_t(b)}), the reverse of the paper's order",
                  f"{signal} and {background} jets leave about as many nodes idle ({_t(s)} and "
                  f"{_t(b)}, indistinguishable at this statistics; in the paper {background} "
                  f"jets leave more)")
    return {"nap_sparsity_vs_paper": f"{_t(overall)} of the baseline's hidden nodes are sparse "
                                     f"overall, {vs_paper}",
            "nap_class_sparsity": order[0].upper() + order[1:]}


def pathway_claim(m: Mapping[str, Measurement], n_layers: int, paper_layer: int = 3) -> str:
    """Where the classes part (``m``: :func:`run_measurements` of the baseline): the share of
    class-exclusive nodes among the active ones per layer, and the layers where they clearly
    outnumber the shared nodes (the paper: from ``paper_layer`` on)."""
    shares = [m[f"exclusive (layer {k})"] for k in range(1, n_layers + 1)]
    listed = _join([f"{_t(e, '{:.2f}')} in {_layer_name(k)}" for k, e in enumerate(shares, 1)])
    apart = [k for k, e in enumerate(shares, 1) if clear_difference(e, Measurement(0.5)) > 0]
    where = (f"Class-exclusive nodes clearly outnumber the shared ones in "
             f"{_join([_layer_name(k) for k in apart])}" if apart else
             "In no layer do class-exclusive nodes clearly outnumber the shared ones")
    return (f"Among the active nodes, the share used by one class only is {listed}. {where} (in "
            f"the paper, the classes travel along separate pathways from "
            f"{_layer_name(paper_layer)} on).")


# ------------------------------------------------------------------ linear probes
@dataclass
class ProbeStudy:
    """Linear probes per layer (:func:`probe_study`): the seed-averaged
    :class:`Separability` for the figure and report, and the measurements with spreads."""

    separability: Separability
    #: ``probe (<label>)``, ``gain (layer k)`` (over the representation before) and ``network``
    measurements: dict[str, Measurement]


def probe_study(runs: Sequence[MeasuredModel], X_train: np.ndarray, y_train: np.ndarray,
                X_test: np.ndarray, y_test: np.ndarray, probe_jets: int, n_boot: int = N_BOOT,
                seed: int = 0, max_iter: int = 500) -> ProbeStudy:
    """Logistic-regression probes on the inputs and every hidden layer of each run (the
    probes of :func:`layer_separability`, trained on the first ``probe_jets`` training jets),
    scored on the test jets: the AUC of each probe, its gain over the representation before,
    and the network's own AUC, with :func:`seed_or_bootstrap` spreads (a single run's gains
    are bootstrapped pairwise, on the same resampled jets)."""
    n = min(probe_jets, len(y_train))
    y_test = np.asarray(y_test)
    scores = []
    for r in runs:
        train_layers = [X_train[:n], *hidden_activations(r.model, X_train[:n])]
        test_layers = [X_test, *hidden_activations(r.model, X_test)]
        run_scores = []
        for Z_tr, Z_te in zip(train_layers, test_layers):
            probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
            run_scores.append(probe.fit(Z_tr, y_train[:n]).decision_function(Z_te))
        scores.append((run_scores, predict_proba(r.model, X_test)))
    labels = ["inputs", *[f"layer {k + 1}" for k in range(len(scores[0][0]) - 1)]]

    def statistic(r: int, idx: np.ndarray) -> dict[str, float]:
        aucs = [auc(y_test[idx], s[idx]) for s in scores[r][0]]
        out = {f"probe ({lab})": a for lab, a in zip(labels, aucs)}
        out.update({f"gain ({labels[k]})": aucs[k] - aucs[k - 1] for k in range(1, len(aucs))})
        out["network"] = auc(y_test[idx], scores[r][1][idx])
        return out

    m = seed_or_bootstrap(statistic, len(runs), len(y_test), n_boot, seed)
    probe_auc = np.array([m[f"probe ({lab})"].value for lab in labels])
    layer_sparsity = {k: np.mean([r.nap.layer_table()[f"sparse ({k})"] for r in runs], axis=0)
                      for k in SPARSITY_KEYS}
    return ProbeStudy(Separability(probe_auc, labels, m["network"].value, layer_sparsity), m)


def probe_claims(m: Mapping[str, Measurement], n_layers: int,
                 paper_redundant: int = 4) -> dict[str, str]:
    """Sentences on the probes (``m``: :attr:`ProbeStudy.measurements`):
    ``nap_probe_ends`` (the constituents and the last hidden layer against the network),
    ``nap_probe_gains`` (each layer's gain, and whether one layer clearly adds most) and
    ``nap_redundant_layers`` (the layers whose gain is not clearly positive; the paper found
    layer ``paper_redundant`` redundant)."""
    net, inputs, last = m["network"], m["probe (inputs)"], m[f"probe (layer {n_layers})"]
    ends = (f"A linear tagger on the constituents reaches an AUC of {_t(inputs, '{:.4f}')}, "
            f"against {_t(net, '{:.4f}')} for the network itself: " + pick(
                net, inputs, "the hidden layers clearly add to what a linear cut can do",
                "at this training-set size the network does clearly worse than a linear cut "
                "on its own inputs", "at this statistics the network does no better than a "
                "linear cut on its own inputs")
            + f". On the last hidden layer the probe reaches {_t(last, '{:.4f}')}, " + pick(
                last, net, "clearly above the network's own output node",
                "clearly below the network's own output node",
                "as the output node does, within the spread") + ".")
    gains = {k: m[f"gain (layer {k})"] for k in range(1, n_layers + 1)}
    listed = _join([f"{_signed(g)} in {_layer_name(k)}" for k, g in gains.items()])
    order, clear = ranked(gains)
    lead = (f"{_layer_name(order[0])[0].upper()}{_layer_name(order[0])[1:]} clearly adds the "
            f"most{' and does most of the untangling' if order[0] == 1 else ''}" if clear else
            "No single layer's gain clearly exceeds all the others'")
    redundant = [k for k, g in gains.items() if clear_difference(g, Measurement(0.0)) <= 0]
    if len(redundant) == n_layers:
        red = ("No hidden layer adds clearly beyond a linear read-out of the representation "
               "before it: at this statistics every layer is redundant in the paper's sense")
    elif redundant:
        plural = len(redundant) > 1
        red = (f"The {_join([_ordinal(k) for k in redundant])} layer{'s' if plural else ''} "
               f"add{'' if plural else 's'} nothing clearly beyond a linear read-out of the layer "
               "before: redundant in the paper's sense")
    else:
        red = "Every hidden layer clearly adds to the separability: none is redundant in the paper's sense"
    fourth = ("" if paper_redundant > n_layers else
              f" (the paper found {_layer_name(paper_redundant)} redundant"
              + ("; so is ours)" if paper_redundant in redundant else "; ours is not)"))
    return {"nap_probe_ends": ends,
            "nap_probe_gains": f"The probe's AUC changes by {listed}. {lead}.",
            "nap_redundant_layers": red + fourth + "."}


# ------------------------------------------------------------------ pruning, with spreads
def pruning_logits(model: TopoDNN, nap: NAP, X: np.ndarray, n_random: int = 5, seed: int = 0,
                   threshold: float = SPARSE_RNA) -> dict[str, list[np.ndarray]]:
    """Test logits of the variants of :func:`pruning_study` (the same nodes removed, the same
    random draws): ``{"none" | "dead nodes" | "sparse nodes" | "random nodes": [logits, ...]}``
    (one array per random draw for ``"random nodes"``)."""
    fill = nap.all_jets.mean
    sparse_keep = nap.active_mask(threshold)
    out = {"none": [predict_logits(model, X)],
           "dead nodes": [predict_logits(prune(model, [a > 0 for a in nap.all_jets.active], fill), X)],
           "sparse nodes": [predict_logits(prune(model, sparse_keep, fill), X)]}
    rng = np.random.default_rng(seed)
    out["random nodes"] = [predict_logits(prune(model, random_keep(sparse_keep, rng), fill), X)
                           for _ in range(n_random)]
    return out


def pruning_measurements(runs: Sequence[MeasuredModel], naps: Sequence[NAP],
                         seeds: Sequence[int], X: np.ndarray, y: np.ndarray, n_random: int = 5,
                         n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """The change of the test AUC (variant minus the unpruned network) when the dead, the
    sparse or as many random nodes are removed (:func:`pruning_logits`; the random variant
    averages its draws), with :func:`seed_or_bootstrap` spreads (paired: every variant on the
    same resampled jets)."""
    y = np.asarray(y)
    logits = [pruning_logits(r.model, nap, X, n_random, s) for r, nap, s in zip(runs, naps, seeds)]

    def statistic(r: int, idx: np.ndarray) -> dict[str, float]:
        aucs = {k: float(np.mean([auc(y[idx], v[idx]) for v in vs])) for k, vs in logits[r].items()}
        return {k: a - aucs["none"] for k, a in aucs.items() if k != "none"}

    return seed_or_bootstrap(statistic, len(runs), len(y), n_boot, seed)


def pruning_claims(m: Mapping[str, Measurement]) -> dict[str, str]:
    """Sentences on :func:`pruning_measurements`: ``nap_pruning_dead`` (whether removing the
    dead nodes changes the AUC) and ``nap_pruning_sparse`` (the sparse nodes against as many
    random ones)."""
    zero, dead = Measurement(0.0), m["dead nodes"]
    if abs(dead.value) < 5e-5 and not dead.spread >= 5e-5:  # zero at the four decimals shown
        dead_text = "Removing the dead nodes leaves the test AUC unchanged to four decimals."
    else:
        dead_text = ("Removing the dead nodes changes the test AUC by " + _signed(dead) + ", " + pick(
            dead, zero, "clearly: some nodes silent on the validation jets fire on test jets",
            "clearly: some nodes silent on the validation jets fire on test jets",
            "no change beyond the spread") + ".")
    sparse, rand = m["sparse nodes"], m["random nodes"]
    sparse_text = (f"removing the sparse nodes changes the test AUC by {_signed(sparse)}, removing "
                   f"as many random nodes by {_signed(rand)}: " + pick(
                       sparse, rand, "the network clearly fares better without its sparse nodes "
                       "than without as many random ones", "the network clearly fares worse without "
                       "its sparse nodes than without as many random ones",
                       "the two are indistinguishable at this statistics") + ".")
    return {"nap_pruning_dead": dead_text, "nap_pruning_sparse": sparse_text}


# ------------------------------------------------------------------ re-optimisation
def sparsity_trend_claim(curve_runs: Mapping[int, MeasuredModel], X: np.ndarray, y: np.ndarray,
                         n_boot: int = N_BOOT, seed: int = 0) -> str:
    """Whether the overall sparsity of :func:`sparsity_curve_runs` changes between the smallest
    and the largest training set, decided by a paired bootstrap over the test jets."""
    sizes = sorted(curve_runs)
    if len(sizes) < 2:
        return "This profile's training set allows a single size only, so no trend can be read off"
    y = np.asarray(y)
    acts = {n: hidden_activations(curve_runs[n].model, X) for n in (sizes[0], sizes[-1])}

    def statistic(idx: np.ndarray) -> dict[str, float]:
        s = {n: nap_of(a, y, idx).sparsity()["overall"] for n, a in acts.items()}
        return {"small": s[sizes[0]], "large": s[sizes[-1]], "change": s[sizes[-1]] - s[sizes[0]]}

    m = bootstrap_many(statistic, len(y), n_boot, seed)
    trend = pick(m["change"], Measurement(0.0), "it clearly rises with the training set",
                  "it clearly falls as the training set grows",
                  "no clear change at this statistics")
    return (f"from {sizes[0]:,} to {sizes[-1]:,} training jets the overall sparsity goes from "
            f"{m['small'].value:.3f} to {m['large'].value:.3f}, a change of {_signed(m['change'])} "
            f"(one training seed; the ± is a bootstrap over the test jets, blind to training "
            f"noise): {trend}")


def auc_vs_paper_claim(m: Measurement, paper_auc: float) -> str:
    """Our baseline's AUC against the paper's, with its spread."""
    return f"our baseline's AUC, {_t(m, '{:.4f}')}, " + pick(
        m, Measurement(paper_auc), f"lies above the paper's {paper_auc:.4f}",
        f"lies below the paper's {paper_auc:.4f}",
        f"agrees with the paper's {paper_auc:.4f} within the spread")


def reoptimisation_finding(base: Mapping[str, Measurement], reopt: Mapping[str, Measurement],
                           hidden: Sequence[int]) -> tuple[list[int], str]:
    """Khot et al.'s finding that the re-optimised, smaller network is less sparse at the same
    AUC, in two parts: its overall sparsity clearly lower than the baseline's (``+1``; ``-1``
    if clearly higher), and its AUC not clearly lower (``+1``; ``-1`` if clearly lower).
    Returns the signs (for :func:`helpers.results.finding_verdict`) and the evidence."""
    s_base, s_new = base["sparsity (overall)"], reopt["sparsity (overall)"]
    a_base, a_new = base["auc"], reopt["auc"]
    signs = [clear_difference(s_base, s_new), -1 if clear_difference(a_new, a_base) < 0 else 1]
    sparse = pick(s_new, s_base, "is clearly more sparse than", "is clearly less sparse than",
                   "is indistinguishable in sparsity from")
    tags = pick(a_new, a_base, "clearly higher than", "clearly lower than",
                 "indistinguishable from")
    return signs, (f"the retrained {tuple(hidden)} network {sparse} the baseline ({_t(s_new)} of "
                   f"its hidden nodes sparse, against {_t(s_base)}), at an AUC {tags} the "
                   f"baseline's ({_t(a_new, '{:.4f}')} against {_t(a_base, '{:.4f}')})")


def scan_claim(m: Mapping[tuple[int, ...], Mapping[str, Measurement]],
               baseline: tuple[int, ...] = BASELINE) -> str:
    """The best AUC among the trained architectures (``m``: :func:`architecture_measurements`)
    and the smallest network whose AUC is not clearly below it."""
    best = max(m, key=lambda h: m[h]["auc"].value)
    good = [h for h in m if clear_difference(m[h]["auc"], m[best]["auc"]) >= 0]
    small = min(good, key=lambda h: m[h]["parameters"].value)
    frac = m[small]["parameters"].value / m[baseline]["parameters"].value
    return (f"the best AUC among the networks trained here is {best}'s "
            f"({_t(m[best]['auc'], '{:.4f}')}); the smallest network whose AUC is not clearly "
            f"below it is {small}, with "
            f"{m[small]['parameters'].value:,.0f} parameters ({frac:.0%} of the baseline's)")
