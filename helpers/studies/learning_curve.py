"""Learning curves (chapters 1 and 3): test AUC against the number of training jets, for the TopoDNN and the
observable baseline, over several training seeds; and the constituent scan (chapter 1): how much
of the jet the TopoDNN's 30 input slots cover, and its AUC with more of them.

Every point trains on the *first* ``n`` jets of the (shuffled, class-balanced) training
split.  The TopoDNN is trained with :func:`helpers.training.recipes.train_topodnn`, so the point
at the full training size is the chapter's own model (same cache key).  Smaller sets get
proportionally more epochs (:func:`epochs_for_size`): every size may take the same
number of optimiser steps as the full set, and early stopping on the validation loss
decides when to stop.  Without this, small sets would be compared after far fewer updates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data.jets import JetSet
from ..metrics import auc, summarize
from ..models import predict_proba
from ..physics import kinematics
from ..preprocessing import N_CONSTITUENTS, topodnn_features
from ..results.claims import Measurement, auc_measurement, bootstrap, clear_difference, compare
from ..training.recipes import topodnn_config, train_topodnn
from .baselines import baseline_scores, train_baseline

#: upper bound of the epochs given to the smallest training sets
MAX_EPOCHS_CAP = 400


def usable_sizes(sizes: Sequence[int], n_available: int) -> list[int]:
    """Requested sizes that the training split can provide (sorted, unique); the full
    split is used as the last point if every requested size exceeds it."""
    ok = sorted({int(n) for n in sizes if 0 < n <= n_available})
    return ok or [n_available]


def epochs_for_size(n: int, n_full: int, max_epochs: int, cap: int = MAX_EPOCHS_CAP) -> int:
    """``max_epochs`` scaled by ``n_full / n`` (same maximal number of steps), at most ``cap``;
    exactly ``max_epochs`` at ``n = n_full``."""
    return min(cap, max(max_epochs, math.ceil(max_epochs * n_full / n)))


def topodnn_curve(train: JetSet, val: JetSet, test: JetSet, sizes: Sequence[int],
                  profile: Profile | str, seeds: Sequence[int], device: str = "auto") -> pd.DataFrame:
    """Test metrics of TopoDNNs trained on the first ``n`` jets, one row per (size, seed)."""
    return points_table(topodnn_points(train, val, test, sizes, profile, seeds, device),
                        test.labels)


def baseline_curve(train_obs: dict, y_train: np.ndarray, test_obs: dict, y_test: np.ndarray,
                   sizes: Sequence[int], seeds: Sequence[int],
                   features: str = "mass+tau") -> pd.DataFrame:
    """Test metrics of the boosted-tree baseline on the first ``n`` jets' observables."""
    return points_table(baseline_points(train_obs, y_train, test_obs, sizes, seeds, features),
                        y_test)


def curve_summary(curve: pd.DataFrame, metric: str = "auc") -> pd.DataFrame:
    """Mean and sample std of ``metric`` over seeds per model and size (std ``nan`` for
    one seed); columns ``model, n_train, mean, std, seeds``."""
    g = curve.groupby(["model", "n_train"])[metric]
    return pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=1), "seeds": g.size()}).reset_index()


def gain_per_doubling(summary: pd.DataFrame, model: str) -> float:
    """Least-squares slope of the mean metric against ``log2(n_train)`` for one model of a
    :func:`curve_summary` table (``nan`` with fewer than two sizes)."""
    g = summary[summary["model"] == model]
    if len(g) < 2:
        return float("nan")
    return float(np.polyfit(np.log2(g["n_train"].to_numpy(float)), g["mean"].to_numpy(float), 1)[0])


def learning_curves(train: JetSet, val: JetSet, test: JetSet, train_obs: dict, test_obs: dict,
                    sizes: Sequence[int], profile: Profile | str, seeds: Sequence[int],
                    device: str = "auto", features: str = "mass+tau") -> pd.DataFrame:
    """The TopoDNN's :func:`topodnn_curve` and the baseline's :func:`baseline_curve` on the
    same sizes and seeds, one table."""
    return pd.concat([
        topodnn_curve(train, val, test, sizes, profile, seeds, device),
        baseline_curve(train_obs, train.labels, test_obs, test.labels, sizes, seeds, features),
    ])


def gain_table(summary: pd.DataFrame) -> pd.Series:
    """:func:`gain_per_doubling` of every model of a :func:`curve_summary` table."""
    return pd.Series({model: gain_per_doubling(summary, model)
                      for model in summary["model"].unique()},
                     name="AUC gain per doubling of the training set")


# ------------------------------------------------- the same curves, with their uncertainty
@dataclass(frozen=True)
class CurvePoint:
    """One trained model of a learning curve and its test-set probabilities."""

    model: str
    n_train: int
    seed: int
    epochs: int
    probs: np.ndarray


def topodnn_points(train: JetSet, val: JetSet, test: JetSet, sizes: Sequence[int],
                   profile: Profile | str, seeds: Sequence[int],
                   device: str = "auto") -> list[CurvePoint]:
    """TopoDNNs trained (or loaded from the cache) on the first ``n`` jets, per size and seed,
    with their test-set probabilities."""
    X_test = topodnn_features(test)
    base_epochs = topodnn_config(profile, seed=0)["max_epochs"]
    points = []
    for n in usable_sizes(sizes, len(train)):
        epochs = epochs_for_size(n, len(train), base_epochs)
        overrides = {} if epochs == base_epochs else {"max_epochs": epochs}
        for seed in seeds:
            model, hist = train_topodnn(train, val, profile, seed, device, n_train=n, **overrides)
            points.append(CurvePoint("TopoDNN", n, seed, hist.epochs_run,
                                     predict_proba(model, X_test)))
    return points


def baseline_points(train_obs: dict, y_train: np.ndarray, test_obs: dict, sizes: Sequence[int],
                    seeds: Sequence[int], features: str = "mass+tau") -> list[CurvePoint]:
    """The boosted-tree baseline trained on the first ``n`` jets' observables, per size and
    seed, with its test-set scores."""
    points = []
    for n in usable_sizes(sizes, len(y_train)):
        first = {k: np.asarray(v)[:n] for k, v in train_obs.items()}
        for seed in seeds:
            clf = train_baseline(first, y_train[:n], features, seed=seed)
            points.append(CurvePoint(f"boosted trees ({features})", n, seed, clf.n_iter_,
                                     baseline_scores(clf, test_obs, features)))
    return points


def curve_points(train: JetSet, val: JetSet, test: JetSet, train_obs: dict, test_obs: dict,
                 sizes: Sequence[int], profile: Profile | str, seeds: Sequence[int],
                 device: str = "auto", features: str = "mass+tau") -> list[CurvePoint]:
    """The models of :func:`learning_curves`, each with its test-set probabilities, for
    :func:`points_table` and :func:`gain_measurements`."""
    return (topodnn_points(train, val, test, sizes, profile, seeds, device)
            + baseline_points(train_obs, train.labels, test_obs, sizes, seeds, features))


def points_table(points: Sequence[CurvePoint], y_test: np.ndarray) -> pd.DataFrame:
    """The :func:`learning_curves` table of :func:`curve_points`: test metrics, one row per
    (model, size, seed)."""
    return pd.DataFrame([{"model": p.model, "n_train": p.n_train, "seed": p.seed,
                          "epochs": p.epochs, **summarize(y_test, p.probs)} for p in points])


def _slope(n_train: Sequence[int], values: Sequence[float]) -> float:
    """Least-squares slope of ``values`` against ``log2(n_train)`` (``nan`` below two sizes)."""
    if len(n_train) < 2:
        return float("nan")
    return float(np.polyfit(np.log2(np.asarray(n_train, float)), np.asarray(values, float), 1)[0])


def _auc_slope(runs: Sequence[CurvePoint], y: np.ndarray, idx: np.ndarray) -> float:
    """:func:`_slope` of the AUCs of one seed's runs (sorted by size) on the jets ``idx``."""
    return _slope([p.n_train for p in runs], [auc(y[idx], p.probs[idx]) for p in runs])


def gain_measurements(points: Sequence[CurvePoint], y_test: np.ndarray, n_boot: int = 200,
                      seed: int = 0) -> dict[str, Measurement]:
    """AUC gain per doubling of the training set (:func:`gain_per_doubling`) of each model,
    with its uncertainty: the spread of the per-seed slopes over the training seeds, or --
    with a single seed -- a bootstrap over the test jets (the AUC of every size recomputed on
    each resample)."""
    y = np.asarray(y_test)
    out = {}
    for model in dict.fromkeys(p.model for p in points):
        runs = {s: sorted((p for p in points if p.model == model and p.seed == s),
                          key=lambda p: p.n_train)
                for s in sorted({p.seed for p in points if p.model == model})}
        if len(runs) > 1:
            out[model] = Measurement.of([_auc_slope(r, y, np.arange(len(y))) for r in runs.values()])
        else:
            (only,) = runs.values()
            out[model] = bootstrap(lambda idx, r=only: _auc_slope(r, y, idx), len(y), n_boot, seed)
    return out


def gain_claims(gains: Mapping[str, Measurement], network: str = "TopoDNN",
                baseline: str = "boosted trees (mass+tau)") -> dict[str, str]:
    """Sentences on the learning curve from :func:`gain_measurements`.

    - ``more_jets``: whether more training jets clearly help ``network`` (its gain per
      doubling exceeds its spread), cannot be told from zero, or clearly hurt;
    - ``vs_baseline``: whether the network gains more per doubling than the baseline.
    """
    net, base = gains[network], gains[baseline]
    fmt = "{:+.4f}"
    more_jets = {
        1: f"More training jets clearly help the {network}: its AUC rises by {net.text(fmt)} "
           "per doubling of the training set",
        0: f"At this statistics the {network}'s AUC gain per doubling of the training set, "
           f"{net.text(fmt)}, cannot be told from zero",
        -1: f"The {network}'s AUC falls as its training set grows ({net.text(fmt)} per "
            "doubling), a sign of training that has not settled",
    }[clear_difference(net, Measurement(0.0))]
    sign = clear_difference(net, base)
    vs_baseline = {
        1: f"it gains clearly more than the baseline, whose AUC changes by {base.text(fmt)} "
           "per doubling",
        0: f"the baseline's gain, {base.text(fmt)} per doubling, is indistinguishable from it "
           "at this statistics",
        -1: f"the baseline gains clearly more, {base.text(fmt)} per doubling",
    }[sign]
    return {"more_jets": f"{more_jets}; {vs_baseline}."}


# --------------------------------------------------------------------- constituent scan
def constituent_coverage(jets: JetSet, counts: Sequence[int]) -> dict[int, dict[str, Measurement]]:
    """Per slot count ``n``: the mean share of the jet pT carried by the ``n`` leading
    constituents (``pt_share``) and the share of jets with more than ``n`` constituents
    (``cut_jets``), each ± its standard error over the jets."""
    pt = kinematics.to_pt_eta_phi(jets)[..., 0]
    total = pt.sum(axis=1)
    multiplicity = (pt > 0).sum(axis=1)
    out = {}
    for n in counts:
        share = pt[:, :n].sum(axis=1) / total
        cut = (multiplicity > n).astype(float)
        out[n] = {k: Measurement(float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))), len(v))
                  for k, v in (("pt_share", share), ("cut_jets", cut))}
    return out


#: a training whose test AUC stays below this did not learn (within 0.1 of chance)
LEARNED_AUC = 0.6


@dataclass(frozen=True)
class ScanAUC(Measurement):
    """A scan point's test AUC over the trainings that learned, and the AUCs of those that
    did not (:data:`LEARNED_AUC`)."""

    failed: tuple[float, ...] = ()
    #: per failed training, the widths of its hidden layers with no active unit on the test jets
    dead_layers: tuple[tuple[int, ...], ...] = ()


def dead_layers(model, X: np.ndarray, n_jets: int = 2000) -> tuple[int, ...]:
    """Widths of the hidden layers of ``model`` none of whose ReLUs fires on the first
    ``n_jets`` rows of ``X`` (a layer like that makes the output a constant)."""
    from ..xai.nap import hidden_activations

    return tuple(a.shape[1] for a in hidden_activations(model, X[:n_jets]) if not (a > 0).any())


def constituent_scan(train: JetSet, val: JetSet, test: JetSet, counts: Sequence[int],
                     profile: Profile | str, seeds: Sequence[int],
                     device: str = "auto") -> dict[int, ScanAUC]:
    """Test AUC of the TopoDNN fed the ``n`` leading constituents, for every ``n`` of
    ``counts`` (same jets, same recipe; the input layer grows with ``n``): the mean over the
    ``seeds`` whose training learned ± their spread (a bootstrap over the test jets when one
    is left), with the AUCs of the trainings that did not learn set apart."""
    out = {}
    for n in counts:
        X_test = topodnn_features(test, n_constituents=n)
        models = [train_topodnn(train, val, profile, s, device, n_constituents=n)[0]
                  for s in seeds]
        scores = [predict_proba(model, X_test) for model in models]
        aucs = [auc(test.labels, x) for x in scores]
        failed = [i for i, a in enumerate(aucs) if a < LEARNED_AUC]
        learned = [x for i, x in enumerate(scores) if i not in failed] or scores
        m = auc_measurement(test.labels, learned)
        some = 0 < len(failed) < len(scores)
        out[n] = ScanAUC(m.value, m.spread, m.n,
                         tuple(aucs[i] for i in failed) if some else (),
                         tuple(dead_layers(models[i], X_test) for i in failed) if some else ())
    return out


def constituent_table(coverage: Mapping[int, Mapping[str, Measurement]],
                      scan: Mapping[int, Measurement]) -> pd.DataFrame:
    """One row per slot count: the pT share, the jets cut short and the TopoDNN's AUC."""
    return pd.DataFrame({n: {"pT share of the leading constituents": coverage[n]["pt_share"].text("{:.3f}"),
                             "jets with more constituents": coverage[n]["cut_jets"].text("{:.3f}"),
                             "TopoDNN test AUC": scan[n].text("{:.4f}"),
                             "trainings that did not learn": len(getattr(scan[n], "failed", ()))}
                         for n in scan}
                        ).T.rename_axis("constituents fed")


def constituent_claim(coverage: Mapping[int, Mapping[str, Measurement]],
                      scan: Mapping[int, Measurement], base: int = N_CONSTITUENTS) -> str:
    """What the 30 slots cover, and whether more slots clearly raise the AUC."""
    cov = coverage[base]
    text = (f"The {base} leading constituents carry on average {cov['pt_share'].value:.1%} "
            f"of the jet $p_T$, and {cov['cut_jets'].value:.0%} of the test jets have more "
            f"constituents than that.")
    others = [n for n in scan if n != base]
    parts = [compare(f"with {n} constituents the AUC", scan[n], f"that with {base}", scan[base],
                     larger="is clearly higher than", smaller="is clearly lower than",
                     fmt="{:.4f}") for n in others]
    if parts:
        text += " Fed more of the jet, " + "; ".join(parts) + "."
    for n, m in scan.items():
        failed = getattr(m, "failed", ())
        if failed:
            aucs = ", ".join(f"{a:.2f}" for a in failed)
            dead = sorted({w for d in getattr(m, "dead_layers", ()) for w in d})
            why = (f": no unit of its {' or '.join(f'{w}-node' for w in dead)} hidden layer "
                   f"fires on the test jets, so the output is a constant" if dead else "")
            text += (f" With {n} constituents, {len(failed)} of the trainings did not learn "
                     f"(test AUC {aucs}, below {LEARNED_AUC}{why}); the AUC above is that of "
                     f"the others.")
    return text
