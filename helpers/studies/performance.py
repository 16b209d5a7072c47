"""Tagging performance over training seeds (chapters 1, 3, 4 and 5): the metrics of the
top-tagging literature as mean ± std, as tables next to published values, and the
training histories of the networks behind them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data import JetSet, load_test_background
from ..metrics import WORKING_POINTS, aggregate, auc, format_mean_std, rejection_spread, summarize
from ..physics.observables import compute_observables
from ..results.claims import N_BOOT, Measurement, bootstrap, clear_difference, compare, seed_or_bootstrap
from ..training.loop import TrainHistory


@dataclass(frozen=True)
class ScoredTest:
    """The jets a chapter measures its tagging performance on: the balanced test jets
    followed by the profile's further QCD test jets, which serve ``1/eps_B``
    (:func:`helpers.data.load_test_background`), with their jet observables."""

    jets: JetSet
    n_test: int
    observables: dict[str, np.ndarray]

    @property
    def labels(self) -> np.ndarray:
        return self.jets.labels.astype(int)

    @property
    def n_extra(self) -> int:
        """How many further QCD jets follow the test jets."""
        return len(self.jets) - self.n_test

    @property
    def test_observables(self) -> dict[str, np.ndarray]:
        """The observables of the balanced test jets alone (the first :attr:`n_test`)."""
        return {k: v[: self.n_test] for k, v in self.observables.items()}


def scored_test(test: JetSet, task: str, profile: Profile | str, seed: int = 0,
                data_source: str = "generated", data_dir: str | Path | None = None) -> ScoredTest:
    """:class:`ScoredTest` of ``test`` (the test split of :func:`helpers.data.load_task`)."""
    jets = JetSet.concatenate([test, load_test_background(task, profile, seed=seed,
                                                          data_source=data_source,
                                                          data_dir=data_dir)])
    return ScoredTest(jets, len(test), compute_observables(jets))


#: row labels of the metrics of :func:`helpers.metrics.summarize`
METRIC_LABELS = {"auc": "ROC AUC", "accuracy": "accuracy", "rejection_0.3": "1/εB at εS = 0.3",
                 "rejection_0.5": "1/εB at εS = 0.5"}
#: decimals each metric is shown with
DECIMALS = {"auc": 4, "accuracy": 4, "rejection_0.3": 0, "rejection_0.5": 0}


#: suffix of the statistical error of a rejection in :func:`seed_metrics`
STAT = " stat"


def rejection_stat(y: np.ndarray, runs: Sequence[np.ndarray], n_boot: int = 200,
                   seed: int = 0) -> dict[str, float]:
    """``{"rejection_<eps_S>": error}``: the statistical error that the finite test set puts
    on each run's rejection (:func:`helpers.metrics.rejection_spread`), averaged over runs."""
    errors = np.mean([rejection_spread(y, p, WORKING_POINTS, n_boot, seed) for p in runs], axis=0)
    return {f"rejection_{eps_s}": float(e) for eps_s, e in zip(WORKING_POINTS, errors)}


def seed_metrics(y: np.ndarray, probs: Mapping[str, Sequence[np.ndarray]], n_boot: int = N_BOOT,
                 seed: int = 0) -> dict[str, dict[str, tuple[float, float]]]:
    """``{model: {metric: (mean, std)}}`` of :func:`helpers.metrics.summarize` over the runs
    (training seeds) of each model, ``probs = {model: [probabilities of one run, ...]}``; each
    rejection also as ``"rejection_<eps_S> stat"``: ``(its statistical error, nan)``
    (:func:`rejection_stat`; :func:`stat_errors` takes them back)."""
    out = {}
    for name, runs in probs.items():
        out[name] = aggregate([summarize(y, p) for p in runs])
        out[name].update({k + STAT: (e, np.nan) for k, e in rejection_stat(y, runs, n_boot, seed).items()})
    return out


def stat_errors(metrics: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """The rejections' statistical errors in one model's :func:`seed_metrics`, in the form
    of :func:`rejection_stat` (so that :func:`seed_measurements` need not bootstrap again)."""
    return {k[: -len(STAT)]: v[0] for k, v in metrics.items() if k.endswith(STAT)}


def format_metric(m: Mapping[str, tuple[float, float]], key: str, decimals: int) -> str:
    """``mean ± seed std``, followed for a rejection by ``± error (stat.)`` when
    :func:`seed_metrics` measured one."""
    text = format_mean_std(*m[key], decimals)
    stat = m.get(key + STAT, (np.nan,))[0]
    if np.isnan(stat):
        return text
    seeds = "" if np.isnan(m[key][1]) else " (seeds)"
    return f"{text}{seeds} ± {stat:.{decimals}f} (stat.)"


def performance_table(metrics: Mapping[str, Mapping[str, tuple[float, float]]],
                      references: Mapping[str, Mapping[str, float]] | None = None,
                      decimals: Mapping[str, int] = DECIMALS,
                      labels: Mapping[str, str] = METRIC_LABELS) -> pd.DataFrame:
    """One column per model (``mean ± std`` over seeds, and a rejection's statistical error,
    :func:`format_metric`) and per published reference (``{column: {metric: value}}``), one
    row per metric; ``—`` where a reference lacks one."""
    table = pd.DataFrame({name: {k: format_metric(m, k, decimals[k]) for k in m if k in decimals}
                          for name, m in metrics.items()})
    for column, values in (references or {}).items():
        table[column] = pd.Series({k: f"{v:.{decimals[k]}f}" for k, v in values.items()})
    return table.fillna("—").rename(index=dict(labels))


def passing_background(y: np.ndarray, metrics: Mapping[str, Mapping[str, tuple[float, float]]],
                       eps_s: float = 0.3) -> pd.DataFrame:
    """How many background test jets pass the ``eps_S`` cut of each model, and the Poisson
    uncertainty ``1/sqrt(N)`` that this count puts on ``1/eps_B``."""
    n_background = int((np.asarray(y) == 0).sum())
    rows = {}
    for name, m in metrics.items():
        n_pass = n_background / m[f"rejection_{eps_s}"][0]
        rows[name] = {"background jets passing": n_pass, "of": n_background,
                      "relative uncertainty of 1/εB": 1 / np.sqrt(max(n_pass, 1))}
    return pd.DataFrame(rows).T.rename_axis(f"εS = {eps_s}")


def history_table(histories: Mapping[str, TrainHistory]) -> pd.DataFrame:
    """One row per training run: epochs, kept epoch, its validation loss, time, throughput,
    device and whether the model came from the cache."""
    return pd.DataFrame({label: {"epochs run": h.epochs_run, "best epoch": h.best_epoch + 1,
                                 "best val. loss": min(h.val_loss), "training time [s]": h.time_s,
                                 "jets / s": h.jets_per_s, "device": h.device,
                                 "loaded from cache": h.from_cache}
                         for label, h in histories.items()}).T


# ------------------------------------------------------------- measurements and claims
#: the headline metrics a chapter records, with their display formats, and their glue keys
HEADLINE = {"auc": "{:.4f}", "accuracy": "{:.4f}", "rejection_0.3": "{:.0f}"}


def glue_name(metric: str) -> str:
    """The glue-key form of a metric name: ``"rejection_0.3"`` -> ``"rejection_03"``."""
    return metric.replace(".", "")


def seed_measurements(y: np.ndarray, runs: Sequence[np.ndarray], n_boot: int = N_BOOT,
                      seed: int = 0, stat: Mapping[str, float] | None = None
                      ) -> dict[str, Measurement]:
    """``{metric: mean ± spread}`` of :func:`helpers.metrics.summarize` over the runs
    (training seeds) of one model; for a single run, its value ± a bootstrap over the jets
    (:func:`~helpers.results.claims.seed_or_bootstrap`).  With several runs a rejection's
    spread is the seed spread and its statistical error (:func:`rejection_stat`) added in
    quadrature: the runs share one test set, so their spread does not contain it.  ``stat``:
    those errors when already measured (:func:`stat_errors` of :func:`seed_metrics`)."""
    y = np.asarray(y)
    out = seed_or_bootstrap(lambda r, idx: summarize(y[idx], np.asarray(runs[r])[idx]),
                            len(runs), len(y), n_boot, seed)
    if len(runs) > 1:
        stat = rejection_stat(y, runs, n_boot, seed) if stat is None else stat
        for key, error in stat.items():
            m = out[key]
            out[key] = Measurement(m.value, float(np.hypot(m.spread, error)), m.n)
    return out


def run_measurement(y: np.ndarray, runs: Sequence[np.ndarray],
                    statistic: Callable[[np.ndarray, np.ndarray], float] = auc,
                    n_boot: int = 200, seed: int = 0) -> Measurement:
    """``statistic(y, p)`` of a model's runs: mean ± spread over the training seeds, or --
    for a single run, which has no seed spread -- its value ± a bootstrap over the jets."""
    y = np.asarray(y)
    if len(runs) > 1:
        return Measurement.of([statistic(y, np.asarray(p)) for p in runs])
    p = np.asarray(runs[0])
    return bootstrap(lambda idx: statistic(y[idx], p[idx]), len(y), n_boot, seed)


def spread_words(n_runs: int) -> str:
    """How :func:`run_measurement` estimated its spread, in words."""
    return ("the spread over the training seeds" if n_runs > 1
            else "a bootstrap over the test jets (a single training seed gives no seed spread)")


#: how one model separates the classes compared with another, by :func:`clear_difference`
VERSUS = {1: "better than", -1: "less well than", 0: "indistinguishably, at this statistics, from"}


def performance_claims(y: np.ndarray, probs: Mapping[str, Sequence[np.ndarray]], paper_auc: float,
                       model: str = "TopoDNN",
                       baselines: Mapping[str, str] | None = None,
                       n_boot: int = 200, seed: int = 0) -> dict[str, str]:
    """Sentences comparing ``model``'s test AUC with the baselines' and with the paper's.

    - ``vs_baselines``: one clause per baseline (``{name in probs: how the prose names it}``),
      "separates top from QCD jets better than / less well than / indistinguishably from
      ...", a difference stated only when it exceeds the combined spread
      (:func:`run_measurement`);
    - ``vs_paper``: whether the AUC differs from the published one by more than twice its
      spread (the scorecard's criterion), or agrees within it.

    Both are clauses (lower case, no full stop) for the prose to embed.
    """
    baselines = baselines or {"BDT: mass+tau": "the boosted trees on the jet mass and N-subjettiness",
                              "BDT: mass+tau+multiplicity": "the trees with the multiplicity added"}
    ours = run_measurement(y, probs[model], n_boot=n_boot, seed=seed)
    clauses = []
    for name, phrase in baselines.items():
        other = run_measurement(y, probs[name], n_boot=n_boot, seed=seed)
        clauses.append(f"{VERSUS[clear_difference(ours, other)]} {phrase} ({other.text('{:.4f}')})")
    vs_baselines = (f"the {model} (AUC {ours.text('{:.4f}')}) separates top from QCD jets "
                    + " and ".join(clauses))
    vs_paper = compare(f"our {model}'s AUC", ours, "the paper's", Measurement(paper_auc),
                       fmt="{:.4f}", larger="is higher than", smaller="is lower than",
                       same="agree within twice our uncertainty",
                       unknown="cannot be compared: a single run gives no spread to judge by",
                       n_sigma=2.0)
    return {"vs_baselines": vs_baselines, "vs_paper": vs_paper}
