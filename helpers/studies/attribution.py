"""Attribution studies of the TopoDNN's 90 inputs (chapters 1 and 2).

The TopoDNN inputs are ordered ``(pT_0, eta_0, phi_0, pT_1, ...)`` (see
:func:`helpers.preprocessing.topodnn_feature_names`).  This module

- regroups a ``(..., 90)`` attribution as ``pT_i``, ``eta_i``, ``phi_i`` (:func:`feature_grid`,
  :func:`kind_shares`, :func:`kind_major_order`);
- summarises per-jet attributions per class (:func:`class_summary`) and over training seeds
  (:func:`seed_summary`);
- computes every method of the chapters for one network (:func:`method_summaries`), and
  compares their rankings (with :mod:`helpers.xai.agreement`);
- times the methods per explained jet in one run (:func:`time_methods`, :func:`timed`,
  :func:`cost_table`);
- runs and caches the book's KernelSHAP set-up, shared by chapters 1 and 2
  (:func:`explained_shap`, :func:`cached_kernel_shap`, :func:`cached_attribution`);
- measures what limits occlusion on correlated inputs (:func:`feature_correlation`,
  :func:`impossible_after_occlusion`, :func:`strongest_partners`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from torch import nn

from ..cache import array_fingerprint, cached_array, model_fingerprint
from ..config import Profile
from ..data.processes import TASKS
from ..metrics import mean_std
from ..models import predict_logits
from ..preprocessing.topodnn import FEATURES_PER_CONSTITUENT
from ..results.claims import (
    NOT_REPRODUCED,
    REPRODUCED,
    Measurement,
    clear_difference,
    compare,
    finding_verdict,
)
from ..xai.agreement import (
    RANK_LABELS,
    RANK_MEASURES,
    rank_agreement,
    seed_agreement,
    top_features,
    top_k_overlap,
)
from ..xai.differential import differential_relevance, mad_relevance, occluded_outputs
from ..xai.lrp import Rule, composite_rules, linear_layers, lrp, mean_behaviour_relevance
from ..xai.occlusion import delta_auc
from ..xai.shap_kernel import kernel_shap, sample_background

#: input kinds of the TopoDNN, in their order within one constituent
FEATURE_KINDS = FEATURES_PER_CONSTITUENT
#: LaTeX labels of the kinds
KIND_LABELS = {"pT": r"$p_T$", "eta": r"$\eta$", "phi": r"$\phi$"}
#: class names of the top-tagging task, by label
CLASS_NAMES = TASKS["top_qcd"].class_names


def feature_grid(values: np.ndarray) -> np.ndarray:
    """``(..., 3 * n)`` constituent-major attributions as ``(..., 3, n)``: row = kind
    (pT, eta, phi), column = constituent index."""
    values = np.asarray(values)
    n_kinds = len(FEATURE_KINDS)
    grid = values.reshape(*values.shape[:-1], values.shape[-1] // n_kinds, n_kinds)
    return np.swapaxes(grid, -1, -2)


def kind_major_order(n_features: int) -> np.ndarray:
    """Column permutation that lists all pT, then all eta, then all phi features."""
    return np.arange(n_features).reshape(-1, len(FEATURE_KINDS)).T.ravel()


def kind_shares(importance: np.ndarray) -> dict[str, float]:
    """Share of the total ``|importance|`` carried by each kind (pT, eta, phi); sums to 1
    (all zero when the importance vanishes everywhere)."""
    totals = np.abs(feature_grid(importance)).sum(axis=-1)
    total = totals.sum()
    return dict(zip(FEATURE_KINDS, totals / total if total > 0 else totals))


def feature_correlation(X: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the columns of ``X``; a constant column (e.g. eta_0, phi_0
    and eta_1, always 0 after preprocessing) has correlation 0 with everything, 1 with itself."""
    X = np.asarray(X, dtype=float)
    Z = X - X.mean(axis=0)
    norm = np.sqrt((Z**2).sum(axis=0))
    Z = np.divide(Z, norm, out=np.zeros_like(Z), where=norm > 0)
    corr = Z.T @ Z
    np.fill_diagonal(corr, 1.0)
    return corr


def class_summary(values: np.ndarray, labels: np.ndarray, absolute: bool = True,
                  names: Mapping[int, str] = CLASS_NAMES) -> dict[str, np.ndarray]:
    """Per-class mean over jets of ``|values|`` (``absolute``) or of the signed values:
    ``{class name: (d,)}``, classes in the order of ``names``."""
    values, labels = np.asarray(values), np.asarray(labels)
    a = np.abs(values) if absolute else values
    return {name: a[labels == label].mean(axis=0) for label, name in names.items()}


def seed_summary(runs: Sequence[Mapping[str, np.ndarray]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{key: (mean, std)}`` over runs (training seeds) of per-class summaries ``{key: (d,)}``."""
    return {k: mean_std([r[k] for r in runs]) for k in runs[0]}


@dataclass(frozen=True)
class MethodCost:
    """Wall time of one attribution method on ``n_jets`` explained jets."""

    method: str
    n_jets: int
    seconds: float

    @property
    def per_jet(self) -> float:
        """Seconds per explained jet."""
        return self.seconds / self.n_jets


def timed(method: str, n_jets: int, fn: Callable[[], object],
          min_seconds: float = 0.0) -> tuple[object, MethodCost]:
    """Call ``fn()`` until ``min_seconds`` have passed (at least once); return the last result
    and the :class:`MethodCost` of one call (mean over the calls)."""
    calls, start = 0, time.perf_counter()
    while True:
        result = fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return result, MethodCost(method, n_jets, elapsed / calls)


def cost_table(costs: Sequence[MethodCost], reference: str) -> pd.DataFrame:
    """Jets, total seconds, ms per jet and the ratio ``per_jet / per_jet(reference)``."""
    ref = next(c for c in costs if c.method == reference).per_jet
    return pd.DataFrame(
        [{"method": c.method, "jets": c.n_jets, "total [s]": c.seconds,
          "per jet [ms]": 1e3 * c.per_jet, f"time / {reference}": c.per_jet / ref} for c in costs]
    ).set_index("method")


def cached_attribution(name: str, key: dict, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()`` stored under ``.cache/attributions/<name>-<hash(key)>.npy``
    (:func:`~helpers.cache.cached_array`).

    ``key`` must fix the result (e.g. :func:`model_fingerprint`, an
    :func:`~helpers.cache.array_fingerprint` of the inputs, and the method's settings);
    a later call with the same key loads the array instead of recomputing it.
    """
    return cached_array("attributions", name, key, compute)


def balanced_subset(labels: np.ndarray, n_per_class: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of up to ``n_per_class`` randomly chosen jets of each label."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    picks = [rng.choice(np.flatnonzero(labels == c), min(n_per_class, int((labels == c).sum())),
                        replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def cached_kernel_shap(model: nn.Module, X_explain: np.ndarray, background: np.ndarray,
                       nsamples: int, seed: int = 0) -> np.ndarray:
    """:func:`~helpers.xai.kernel_shap` values, cached under a key of the model's weights,
    the explained jets, the background and the settings (chapters 1 and 2 share them)."""
    key = {"model": model_fingerprint(model), "X": array_fingerprint(X_explain),
           "background": array_fingerprint(background), "nsamples": nsamples, "seed": seed}
    return cached_attribution("kernel-shap", key,
                              lambda: kernel_shap(model, X_explain, background, nsamples, seed))


def impossible_after_occlusion(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per constituent ``k``: fraction of jets that stop being a possible preprocessed jet when
    ``pT_k`` alone is replaced by its mean -- the pT ordering breaks
    (``mean_k > pT_{k-1}`` or ``mean_k < pT_{k+1}``) or slot ``k`` was padding (a constituent
    appears where the jet has none).  Correlated inputs make mean-occlusion leave the data."""
    pt = feature_grid(X)[:, 0]
    m = feature_grid(mean)[0]
    prev = np.concatenate([np.full((len(pt), 1), np.inf), pt[:, :-1]], axis=1)
    nxt = np.concatenate([pt[:, 1:], np.zeros((len(pt), 1))], axis=1)
    return ((m > prev) | (m < nxt) | (pt == 0)).mean(axis=0)


def explained_shap(model: nn.Module, X_test: np.ndarray, y_test: np.ndarray, X_train: np.ndarray,
                   n_per_class: int, n_background: int, nsamples: int,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The book's KernelSHAP set-up for the TopoDNN: ``n_per_class`` random test jets of each
    class explained against ``n_background`` random training jets.  Returns the indices of
    the explained test jets, the background and the (cached) SHAP values."""
    idx = balanced_subset(y_test, n_per_class, seed=seed)
    background = sample_background(X_train, n_background, seed=seed)
    return idx, background, cached_kernel_shap(model, X_test[idx], background, nsamples, seed=seed)


def time_methods(model: nn.Module, X_auc: np.ndarray, y_auc: np.ndarray, X_ref: np.ndarray,
                 X_explain: np.ndarray, y_explain: np.ndarray, background: np.ndarray,
                 nsamples: int, n_shap: int, seed: int = 0,
                 min_seconds: float = 0.5) -> list[MethodCost]:
    """Wall time of every method in one run, on the same model, inputs and threads.

    Delta-AUC runs on ``(X_auc, y_auc)`` (a global measure: its time is divided by all those
    jets); MAD (differential relevance + per-class mean) and LRP-epsilon on ``X_explain``;
    KernelSHAP, uncached, on the first ``n_shap`` explained jets, and MAD again on exactly
    those jets (matched count).  A short warm-up call comes first; the fast methods are
    repeated for at least ``min_seconds`` to average out timer noise.
    """
    mean = X_ref.mean(axis=0)
    X_shap, y_shap = X_explain[:n_shap], y_explain[:n_shap]

    def mad(X: np.ndarray, y: np.ndarray) -> Callable[[], object]:
        return lambda: mad_relevance(differential_relevance(model, X, mean), y)

    mad(X_explain[:10], y_explain[:10])()
    lrp(model, X_explain[:10])
    return [
        timed("ΔAUC", len(X_auc), lambda: delta_auc(model, X_auc, y_auc, reference=X_ref),
              min_seconds)[1],
        timed("MAD", len(X_explain), mad(X_explain, y_explain), min_seconds)[1],
        timed("LRP-ε", len(X_explain), lambda: lrp(model, X_explain), min_seconds)[1],
        timed("MAD, SHAP's jets", n_shap, mad(X_shap, y_shap), min_seconds)[1],
        timed("KernelSHAP", n_shap,
              lambda: kernel_shap(model, X_shap, background, nsamples, seed))[1],
    ]


#: LRP variants of the chapters: label -> rule used in every layer
LRP_RULES = {"LRP-ε": "epsilon", "LRP-γ": "gamma", "LRP-z+": "zplus"}
#: importance measures of :func:`method_summaries`
METHODS = ("ΔAUC", "SHAP", *LRP_RULES, "LRP-ε − MB", "MAD")


def method_summaries(model: nn.Module, X: np.ndarray, y: np.ndarray, X_train: np.ndarray,
                     methods: Sequence[str],
                     shap: Mapping | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Per-class importance vectors ``{method: {class: (d,)}}`` of one network on ``(X, y)``.

    - ``ΔAUC``: :func:`~helpers.xai.delta_auc` (global: the same vector for both classes);
    - ``SHAP``: mean ``|SHAP value|`` over the jets of :func:`explained_shap`, whose settings
      (``n_per_class, n_background, nsamples, seed``) are ``shap``;
    - ``LRP-ε``, ``LRP-γ``, ``LRP-z+``: mean ``|R_k|`` with that rule in every layer;
    - ``LRP-ε − MB``: mean ``|R_k(x) - R_k(x_mean)|`` (LRP-ε minus the mean-behaviour relevance);
    - ``MAD``: mean ``|D_k|`` of the differential relevance.

    Means (occlusion values, mean behaviour) and the SHAP background come from ``X_train``.
    """
    mean = np.asarray(X_train).mean(axis=0)

    def shap_summary() -> dict[str, np.ndarray]:
        idx, _, values = explained_shap(model, X, y, X_train, **dict(shap or {}))
        return class_summary(values, y[idx])

    def global_delta_auc() -> dict[str, np.ndarray]:
        d = delta_auc(model, X, y, reference=X_train)
        return {c: d for c in CLASS_NAMES.values()}

    compute = {
        "ΔAUC": global_delta_auc,
        "SHAP": shap_summary,
        "LRP-ε − MB": lambda: class_summary(
            lrp(model, X) - mean_behaviour_relevance(model, mean), y),
        "MAD": lambda: class_summary(differential_relevance(model, X, mean), y),
        **{name: (lambda rule=rule: class_summary(lrp(model, X, rules=rule), y))
           for name, rule in LRP_RULES.items()},
    }
    unknown = set(methods) - set(compute)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose from {METHODS}")
    return {m: compute[m]() for m in methods}


def strongest_partners(corr: Mapping[str, np.ndarray], names: Sequence[str],
                       features: Sequence[int], n: int = 2) -> pd.DataFrame:
    """For each feature index in ``features``, its ``n`` partners with the largest
    ``|correlation|`` in the first class of ``corr`` (``{class: (d, d)}``), with the signed
    correlation in every class; rows indexed by ``(feature, partner)`` names."""
    first = np.abs(np.asarray(next(iter(corr.values()))))
    rows, index = [], []
    for k in features:
        others = np.delete(np.arange(len(names)), k)
        for j in others[np.argsort(-first[k, others], kind="stable")[:n]]:
            rows.append({c: float(np.asarray(m)[k, j]) for c, m in corr.items()})
            index.append((names[k], names[j]))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["input", "partner"]))


# ------------------------------------------------------------- the chapters' comparisons
#: symbols of the rank measures in table columns
MEASURE_SYMBOLS = {"spearman": "ρ", "kendall": "τ", "weighted": "weighted τ"}


def shap_settings(profile: Profile, settings: Mapping, seed: int) -> dict:
    """The book's KernelSHAP settings (:func:`explained_shap`) for a profile and chapter
    settings: explained jets per class, background jets, coalitions, seed."""
    return {"n_per_class": settings["shap_jets_per_class"], "n_background": profile.n_background,
            "nsamples": settings["shap_nsamples"], "seed": seed}


@dataclass
class AttributionStudy:
    """Every method's per-class importance vectors for every training seed's network."""

    #: ``{method: [{class: (d,)} of one network, ...]}``
    runs: dict[str, list[dict[str, np.ndarray]]]

    @property
    def stats(self) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """``{method: {class: (mean, std)}}`` over the networks."""
        return {method: seed_summary(r) for method, r in self.runs.items()}

    @property
    def importances(self) -> dict[str, dict[str, np.ndarray]]:
        """``{class: {method: seed-averaged importance (d,)}}``."""
        stats = self.stats
        classes = list(next(iter(stats.values())))
        return {c: {m: stats[m][c][0] for m in stats} for c in classes}


def attribution_study(models: Sequence[nn.Module], X: np.ndarray, y: np.ndarray,
                      X_train: np.ndarray, methods: Sequence[str],
                      shap: Mapping | None = None) -> AttributionStudy:
    """:func:`method_summaries` of every network (one per training seed)."""
    per_model = [method_summaries(m, X, y, X_train, methods, shap) for m in models]
    return AttributionStudy({method: [p[method] for p in per_model] for method in methods})


def agreement_table(study: AttributionStudy, references: Sequence[str] = ("ΔAUC",),
                    methods: Sequence[str] | None = None,
                    measures: Sequence[str] = ("spearman", "kendall", "weighted"),
                    top_k: int = 10, top_k_reference: str | None = None,
                    seed_measures: Sequence[str] = ("spearman", "weighted")) -> pd.DataFrame:
    """Rank agreement of each method with each reference method, per class (rows
    ``(class, method)``): every ``measure`` against every reference, the share of the
    ``top_k`` inputs shared with ``top_k_reference`` (default: the last reference), and --
    for scale -- the method's agreement with itself between training seeds."""
    top_k_reference = top_k_reference or references[-1]
    rows = {}
    for c, imp in study.importances.items():
        matrices = {measure: rank_agreement(imp, measure) for measure in measures}
        overlap = top_k_overlap(imp, top_k)
        for m in methods or imp:
            row = {f"{MEASURE_SYMBOLS[measure]} vs {ref}": matrices[measure].loc[ref, m]
                   for ref in references for measure in measures}
            row[f"top-{top_k} shared with {top_k_reference}"] = overlap.loc[top_k_reference, m]
            per_seed = [r[c] for r in study.runs[m]]
            row.update({f"{MEASURE_SYMBOLS[measure]} seed vs seed": seed_agreement(per_seed, measure)
                        for measure in seed_measures})
            rows[(c, m)] = row
    return pd.DataFrame(rows).T


def top_feature_table(importances: Mapping[str, Mapping[str, np.ndarray]], names: Sequence[str],
                      k: int = 5) -> pd.DataFrame:
    """The ``k`` highest-ranked inputs of every method and class (rows ``(class, method)``)."""
    table = pd.DataFrame({(c, m): top_features(v, names, k)
                          for c, imp in importances.items() for m, v in imp.items()}).T
    table.columns = [f"#{i + 1}" for i in range(k)]
    return table


def method_overview(importances: Mapping[str, Mapping[str, np.ndarray]], names: Sequence[str],
                    references: Sequence[str], measures: Sequence[str] = ("weighted",),
                    k: int = 3) -> pd.DataFrame:
    """Per class and method: its ``k`` top inputs, the share of its importance on the momenta,
    and its rank agreement (each measure) with each reference method."""
    rows = {}
    for c, imp in importances.items():
        matrices = {measure: rank_agreement(imp, measure) for measure in measures}
        for m, v in imp.items():
            rows[(c, m)] = {f"top {k}": ", ".join(top_features(v, names, k)),
                            "pT share": kind_shares(v)["pT"],
                            **{f"{MEASURE_SYMBOLS[measure]} vs {ref}": matrices[measure].loc[m, ref]
                               for ref in references for measure in measures}}
    return pd.DataFrame(rows).T


def per_seed_agreement(study: AttributionStudy, method: str, reference: str, cls: str,
                       measure: str = "weighted") -> Measurement:
    """Rank agreement of ``method`` with ``reference`` on each training seed's network (both
    measured on the same network), as mean ± spread over the seeds."""
    corr = RANK_MEASURES[measure]
    return Measurement.of([corr(a[cls], b[cls])[0]
                           for a, b in zip(study.runs[method], study.runs[reference])])


def mean_behaviour_shift(study: AttributionStudy, references: Sequence[str],
                         measure: str = "weighted", n_sigma: float = 1.0) -> pd.DataFrame:
    """Does subtracting the mean-behaviour relevance move LRP-ε towards each reference?

    Per class and reference: the rank agreement of ``LRP-ε`` and of ``LRP-ε − MB`` with it,
    each measured per training seed's network (:func:`per_seed_agreement`), and the sentence
    :func:`helpers.results.compare` makes of them: a move is stated only when the two differ
    by more than ``n_sigma`` times their combined seed spread."""
    rows = {}
    classes = list(study.runs["LRP-ε"][0])
    for c in classes:
        for ref in references:
            before = per_seed_agreement(study, "LRP-ε", ref, c, measure)
            after = per_seed_agreement(study, "LRP-ε − MB", ref, c, measure)
            sentence = compare("LRP-ε − MB", after, "plain LRP-ε", before, fmt="{:+.2f}",
                               larger=f"agrees with {ref} better than",
                               smaller=f"agrees with {ref} worse than",
                               same=f"agree with {ref} equally well at this statistics",
                               n_sigma=n_sigma)
            rows[(c, ref)] = {"LRP-ε": before.text("{:+.2f}"),
                              "LRP-ε − MB": after.text("{:+.2f}"), "verdict": sentence}
    return pd.DataFrame(rows).T.rename_axis(["class", f"{MEASURE_SYMBOLS[measure]} vs"])


def share_profile(importance: np.ndarray) -> np.ndarray:
    """``importance / sum |importance|``: the shape of an importance profile (sums to 1)."""
    return importance / np.abs(importance).sum()


def mean_behaviour_table(models: Sequence[nn.Module], seeds: Sequence[int], x_mean: np.ndarray,
                         relevances: Sequence[np.ndarray]) -> pd.DataFrame:
    """Per training seed: the logit of the all-means input, the sum of its LRP-ε relevances
    (``relevances``, one per model) and their shares in pT, eta and phi."""
    rows = {}
    for seed, model, mb in zip(seeds, models, relevances):
        rows[f"seed {seed}"] = {"logit f(x̄)": predict_logits(model, x_mean[None])[0],
                                "sum of its relevances": mb.sum(),
                                **{f"share in {k}": v for k, v in kind_shares(mb).items()}}
    return pd.DataFrame(rows).T


def epsilon_table(model: nn.Module, X: np.ndarray, y: np.ndarray, logits: np.ndarray,
                  epsilons: Sequence[float], names: Mapping[int, str] = CLASS_NAMES) -> pd.DataFrame:
    """LRP-ε for several stabilisers: the mean conservation error ``|sum R - logit|`` and the
    share of the relevance on the momenta per class."""
    rows = {}
    for eps in epsilons:
        R = lrp(model, X, epsilon=eps)
        shares = {c: kind_shares(v)["pT"] for c, v in class_summary(R, y, names=names).items()}
        rows[f"{eps:g}"] = {"mean |Σ R − logit|": np.abs(R.sum(1) - logits).mean(),
                            **{f"pT share, {c}": v for c, v in shares.items()}}
    return pd.DataFrame(rows).T.rename_axis("ε")


def lrp_rule_sets(X_bounds: np.ndarray, n_layers: int) -> dict[str, list[Rule] | str]:
    """The rule choices compared in chapter 2: one rule in every layer (ε, γ, z⁺) and the
    composite (``zB`` at the input, with the inputs' observed bounds ``X_bounds``, γ in the
    middle, ε in the last two layers)."""
    X_bounds = np.asarray(X_bounds, float)
    zb = Rule("zB", low=tuple(X_bounds.min(0)), high=tuple(X_bounds.max(0)))
    return {"ε everywhere": "epsilon", "γ everywhere": "gamma", "z⁺ everywhere": "zplus",
            "composite (zB, γ, ε)": composite_rules(n_layers, zb)}


def rule_comparison(models: Sequence[nn.Module], X: np.ndarray, y: np.ndarray,
                    X_train: np.ndarray,
                    names: Mapping[int, str] = CLASS_NAMES) -> dict[str, dict[str, Measurement]]:
    """Per rule set (:func:`lrp_rule_sets`, bounds from the training and these jets): the
    momenta's share of the relevance per class and the mean conservation error
    ``|sum R - logit|``, as mean ± spread over the trained networks (seeds)."""
    bounds = np.vstack([X_train, X])
    out: dict[str, dict[str, Measurement]] = {}
    per_model = []
    for model in models:
        logits = predict_logits(model, X)
        rows = {}
        for name, rules in lrp_rule_sets(bounds, len(linear_layers(model))).items():
            R = lrp(model, X, rules=rules)
            rows[name] = {**{f"pT share, {c}": kind_shares(v)["pT"]
                             for c, v in class_summary(R, y, names=names).items()},
                          "mean |Σ R − logit|": float(np.abs(R.sum(1) - logits).mean())}
        per_model.append(rows)
    for name in per_model[0]:
        out[name] = {k: Measurement.of([m[name][k] for m in per_model]) for k in per_model[0][name]}
    return out


def rule_table(comparison: Mapping[str, Mapping[str, Measurement]]) -> pd.DataFrame:
    """:func:`rule_comparison` as ``value ± spread`` (one row a rule set)."""
    return pd.DataFrame({name: {k: m.text("{:.3f}") for k, m in per.items()}
                         for name, per in comparison.items()}).T.rename_axis("LRP rules")


def composite_claim(comparison: Mapping[str, Mapping[str, Measurement]], cls: str = "top") -> str:
    """How the composite's momentum share of the relevance compares with one rule everywhere."""
    key = f"pT share, {cls}"
    comp = comparison["composite (zB, γ, ε)"][key]
    parts = [compare("with the composite, the momenta's share", comp, f"with {name}",
                     comparison[name][key], larger="is clearly larger than",
                     smaller="is clearly smaller than", fmt="{:.2f}")
             for name in ("γ everywhere", "ε everywhere")]
    return f"For {cls} jets, " + "; ".join(parts) + "."


def clipping_check(relevance: np.ndarray, y: np.ndarray, names: Mapping[int, str] = CLASS_NAMES,
                   quantile: float = 0.99) -> pd.DataFrame:
    """How much a few jets dominate the MAD relevance, per class: Spearman agreement of the MAD
    ranking with and without clipping each ``|D_k|`` at its ``quantile``, and the ratio of the
    summed largest ``|D_k|`` to the summed mean."""
    raw = mad_relevance(relevance, y)
    clipped = mad_relevance(relevance, y, clip_quantile=quantile)
    rows = {}
    for label, c in names.items():
        both = {"raw": raw[label], "clipped": clipped[label]}
        rows[c] = {f"Spearman(MAD, MAD clipped at {quantile:.0%})":
                   rank_agreement(both).loc["raw", "clipped"],
                   "summed max|D| / summed mean|D|":
                   np.abs(relevance[y == label]).max(0).sum() / raw[label].sum()}
    return pd.DataFrame(rows).T


def class_correlations(X: np.ndarray, y: np.ndarray,
                       names: Mapping[int, str] = CLASS_NAMES) -> dict[str, np.ndarray]:
    """:func:`feature_correlation` of the jets of each class."""
    return {c: feature_correlation(X[y == label]) for label, c in names.items()}


def completeness_gap(relevance: np.ndarray, logits: np.ndarray, logit_of_mean: float) -> np.ndarray:
    """Per jet ``sum_k D_k - (f(x) - f(x_mean))``: zero for an additive network."""
    return relevance.sum(axis=1) - (logits - logit_of_mean)


# ------------------------------------------- uncertainties of the attribution comparisons
@dataclass
class ImportanceReplicas:
    """Importance vectors ``{method: {class: (d,)}}`` with replicas that measure their spread.

    ``kind == "seeds"``: one replica per training seed's network (a statistic is the mean ±
    spread of its per-network values); ``kind == "jets"``: bootstrap resamples of the test
    jets of a single network (the statistic of ``central``, the full sample, ± its spread
    over the resamples)."""

    central: dict[str, dict[str, np.ndarray]]
    replicas: list[dict[str, dict[str, np.ndarray]]]
    kind: str
    #: the test jets behind the bootstrap (``kind == "jets"``)
    n_jets: int | None = None

    def measure(self, statistic: Callable[[Mapping[str, Mapping[str, np.ndarray]]], float]
                ) -> Measurement:
        """``statistic(importances)`` with its spread over the replicas."""
        values = [float(statistic(r)) for r in self.replicas]
        if self.kind == "seeds":
            return Measurement.of(values)
        spread = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
        return Measurement(float(statistic(self.central)), spread, self.n_jets)

    @property
    def spread_words(self) -> str:
        """Where the spread comes from, in words that follow "measured"."""
        return (f"as the mean ± spread over {len(self.replicas)} training seeds"
                if self.kind == "seeds" else "on a single network, ± a bootstrap over its test jets")


def seed_replicas(study: AttributionStudy) -> ImportanceReplicas:
    """One replica per training seed's network of an :func:`attribution_study`."""
    n = len(next(iter(study.runs.values())))
    central = {m: {c: v[0] for c, v in s.items()} for m, s in study.stats.items()}
    return ImportanceReplicas(central, [{m: r[i] for m, r in study.runs.items()}
                                        for i in range(n)], "seeds")


def column_aucs(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC of every column of ``scores`` ``(n, k)`` for labels ``y`` (ties count half,
    as in :func:`helpers.metrics.auc`), from the ranks: one sort per column."""
    from scipy.stats import rankdata

    y = np.asarray(y) == 1
    n1, n0 = int(y.sum()), int((~y).sum())
    ranks = rankdata(scores, axis=0)
    return (ranks[y].sum(axis=0) - n1 * (n1 + 1) / 2) / (n1 * n0)


def _per_jet(model: nn.Module, X: np.ndarray, y: np.ndarray, X_train: np.ndarray, method: str,
             shap: Mapping | None) -> tuple[np.ndarray, np.ndarray]:
    """``|attribution|`` per jet ``(n, d)`` of a per-jet method of :func:`method_summaries`, and
    the labels of those jets."""
    mean = np.asarray(X_train).mean(axis=0)
    if method == "SHAP":
        idx, _, values = explained_shap(model, X, y, X_train, **dict(shap or {}))
        return np.abs(values), np.asarray(y)[idx]
    if method in LRP_RULES:
        return np.abs(lrp(model, X, rules=LRP_RULES[method])), np.asarray(y)
    if method == "LRP-ε − MB":
        return np.abs(lrp(model, X) - mean_behaviour_relevance(model, mean)), np.asarray(y)
    if method == "MAD":
        return np.abs(differential_relevance(model, X, mean)), np.asarray(y)
    raise ValueError(f"unknown method {method!r}; choose from {METHODS}")


def jet_bootstrap_replicas(model: nn.Module, X: np.ndarray, y: np.ndarray, X_train: np.ndarray,
                           methods: Sequence[str], shap: Mapping | None = None,
                           n_boot: int = 200, seed: int = 0,
                           names: Mapping[int, str] = CLASS_NAMES) -> ImportanceReplicas:
    """The importances of :func:`method_summaries` for one network, recomputed on ``n_boot``
    bootstrap resamples of the jets: ΔAUC from the occluded outputs (computed once) on each
    resampled test set, the per-jet methods as class means over the resampled jets (SHAP's
    explained jets are resampled among themselves)."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    per_jet = {m: _per_jet(model, X, y, X_train, m, shap) for m in methods if m != "ΔAUC"}
    if "ΔAUC" in methods:
        scores = np.column_stack([predict_logits(model, X),
                                  occluded_outputs(model, X, np.asarray(X_train).mean(axis=0))])

    def importances(pick: Callable[[int], np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
        out = {}
        for m in methods:
            if m == "ΔAUC":
                idx = pick(len(y))
                a = column_aucs(y[idx], scores[idx])
                out[m] = {c: a[0] - a[1:] for c in names.values()}
            else:
                values, labels = per_jet[m]
                idx = pick(len(labels))
                v, lab = values[idx], labels[idx]
                out[m] = {c: v[lab == label].mean(axis=0) for label, c in names.items()}
        return out

    central = importances(np.arange)
    replicas = [importances(lambda n: rng.integers(0, n, n)) for _ in range(n_boot)]
    return ImportanceReplicas(central, replicas, "jets", len(y))


def importance_replicas(study: AttributionStudy, models: Sequence[nn.Module], X: np.ndarray,
                        y: np.ndarray, X_train: np.ndarray, shap: Mapping | None = None,
                        n_boot: int = 200, seed: int = 0) -> ImportanceReplicas:
    """:func:`seed_replicas` with several training seeds, else (a single network has no seed
    spread) :func:`jet_bootstrap_replicas` of the study's methods."""
    if len(models) > 1:
        return seed_replicas(study)
    return jet_bootstrap_replicas(models[0], X, y, X_train, list(study.runs), shap, n_boot, seed)


def replica_agreement(replicas: ImportanceReplicas, a: str, b: str, cls: str,
                      measure: str = "weighted") -> Measurement:
    """Rank agreement of methods ``a`` and ``b`` for class ``cls``, with its spread."""
    corr = RANK_MEASURES[measure]
    return replicas.measure(lambda imp: corr(imp[a][cls], imp[b][cls])[0])


def shap_dauc_lrp_finding(replicas: ImportanceReplicas, lrp_method: str = "LRP-ε",
                          classes: Sequence[str] = tuple(CLASS_NAMES.values()),
                          measure: str = "weighted",
                          n_sigma: float = 1.0) -> tuple[str, str, dict[str, Measurement]]:
    """Khot et al.'s finding that SHAP and ΔAUC rank the inputs alike while LRP ranks them
    differently, tested on this run: per class, the agreement of SHAP with ΔAUC against that
    of ``lrp_method`` with SHAP and with ΔAUC.  Each of these comparisons is ``+1`` when SHAP
    and ΔAUC agree clearly better (by more than ``n_sigma`` combined spreads), ``-1`` when LRP
    agrees clearly better, ``0`` otherwise; :func:`finding_verdict` of them all.

    Returns the verdict, the evidence sentence and the agreements
    ``{"<a>_<b>_<class>": Measurement}``."""
    fmt, symbol = "{:+.2f}", RANK_LABELS[measure]
    pairs = {"shap_dauc": ("SHAP", "ΔAUC"), "lrp_shap": (lrp_method, "SHAP"),
             "lrp_dauc": (lrp_method, "ΔAUC")}
    taus = {f"{key}_{c}": replica_agreement(replicas, a, b, c, measure)
            for key, (a, b) in pairs.items() for c in classes}
    signs = {(c, ref): clear_difference(taus[f"shap_dauc_{c}"], taus[f"lrp_{key}_{c}"], n_sigma)
             for c in classes for key, ref in (("shap", "SHAP"), ("dauc", "ΔAUC"))}
    verdict = finding_verdict(list(signs.values()))

    def values(key: str) -> str:
        return " and ".join(f"{taus[f'{key}_{c}'].text(fmt)} ({c})" for c in classes)

    measured = (f"The {symbol} between the methods' rankings, measured {replicas.spread_words}, is "
                f"{values('shap_dauc')} for SHAP with ΔAUC, {values('lrp_shap')} for "
                f"{lrp_method} with SHAP and {values('lrp_dauc')} for {lrp_method} with ΔAUC.")
    if verdict == REPRODUCED:
        conclusion = (f"In every class SHAP and ΔAUC agree with each other clearly better than "
                      f"{lrp_method} agrees with either, as Khot et al. found.")
    elif verdict == NOT_REPRODUCED:
        against = [f"{lrp_method} and {ref} agree clearly better than SHAP and ΔAUC do for "
                   + " and ".join(c for c in classes if signs[(c, ref)] < 0) + " jets"
                   for ref in ("SHAP", "ΔAUC") if any(signs[(c, ref)] < 0 for c in classes)]
        conclusion = f"Contrary to Khot et al.'s finding, {'; '.join(against)}."
    else:
        n_clear = sum(s > 0 for s in signs.values())
        conclusion = (f"SHAP and ΔAUC agree clearly better with each other than {lrp_method} "
                      f"with either in {n_clear} of the {len(signs)} comparisons; the others "
                      "lie within the combined spread, so this run neither confirms nor "
                      "contradicts Khot et al.'s finding.")
    return verdict, f"{measured} {conclusion}", taus


#: how a share compares with another's, by :func:`clear_difference`
_SHARE_WORDS = {1: "clearly larger", -1: "clearly smaller", 0: "indistinguishable at this statistics"}


def momentum_share_claim(replicas: ImportanceReplicas, lrp_method: str = "LRP-ε",
                         references: Sequence[str] = ("SHAP", "ΔAUC"),
                         classes: Sequence[str] = tuple(CLASS_NAMES.values()),
                         n_sigma: float = 1.0) -> tuple[str, dict[str, Measurement]]:
    """How much of its importance ``lrp_method`` puts on the constituent momenta compared with
    each reference method (:func:`kind_shares`), per class with the spread of the replicas:
    the sentence and the shares ``{"<method>_<class>": Measurement}``."""
    methods = (lrp_method, *references)
    shares = {f"{m}_{c}": replicas.measure(lambda imp, m=m, c=c: kind_shares(imp[m][c])["pT"])
              for m in methods for c in classes}

    def listed(m: str) -> str:
        if all(np.array_equal(replicas.central[m][c], replicas.central[m][classes[0]])
               for c in classes):  # one vector for every class (ΔAUC)
            return f"{shares[f'{m}_{classes[0]}'].text(fmt)} (one value for all classes)"
        return " and ".join(f"{shares[f'{m}_{c}'].text(fmt)} ({c})" for c in classes)

    fmt = "{:.1%}"
    measured = (f"Measured {replicas.spread_words}, {lrp_method} puts {listed(lrp_method)} of its "
                "importance on the momenta, " + ", ".join(f"{ref} {listed(ref)}" for ref in references))
    verdicts = []
    for ref in references:
        words = [_SHARE_WORDS[clear_difference(shares[f"{lrp_method}_{c}"], shares[f"{ref}_{c}"],
                                               n_sigma)] for c in classes]
        if len(set(words)) == 1:
            verdicts.append(f"compared with {ref}'s, it is {words[0]} in every class")
        else:
            verdicts.append(f"compared with {ref}'s, it is "
                            + " and ".join(f"{w} for {c} jets" for w, c in zip(words, classes)))
    verdicts[0] = "C" + verdicts[0][1:].replace("it is", f"{lrp_method}'s share is", 1)
    return f"{measured}. " + "; ".join(verdicts) + ".", shares


def momentum_distance(X: np.ndarray) -> np.ndarray:
    """Per jet: the ``pT``-weighted mean distance ``sqrt(eta'^2 + phi'^2)`` of its constituents
    from the leading one (the origin after the preprocessing), from the TopoDNN inputs."""
    grid = feature_grid(X)
    pt, eta, phi = grid[:, 0], grid[:, 1], grid[:, 2]
    total = pt.sum(axis=1)
    return (pt * np.hypot(eta, phi)).sum(axis=1) / np.where(total > 0, total, 1.0)


def alignment_claim(X: np.ndarray, y: np.ndarray,
                    names: Mapping[int, str] = CLASS_NAMES) -> tuple[str, dict[str, Measurement]]:
    """Whether the background jets (label 0) keep their momentum closer to the leading
    constituent than the signal jets: the class means of :func:`momentum_distance` with their
    standard errors over the jets, compared by :func:`compare`; the sentence and the means."""
    d, y = momentum_distance(X), np.asarray(y)
    means = {}
    for label, c in names.items():
        v = d[y == label]
        means[c] = Measurement(float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))), len(v))
    bkg, sig = names[0], names[1]
    sentence = compare(f"{bkg} jets", means[bkg], f"{sig} jets", means[sig], fmt="{:.3f}",
                       smaller="keep their momentum closer to the leading constituent than",
                       larger="spread their momentum further from the leading constituent than",
                       same="spread their momentum equally far at this statistics")
    return sentence, means


def mean_behaviour_finding(study: AttributionStudy, references: Sequence[str],
                           measure: str = "weighted", n_sigma: float = 1.0) -> tuple[str, str]:
    """Khot et al.'s finding that subtracting the mean behaviour moves LRP's ranking towards
    SHAP and ΔAUC, tested per class and reference on each training seed's network: ``+1``
    where ``LRP-ε − MB`` agrees with the reference clearly better than plain ``LRP-ε``, ``-1``
    where clearly worse (:func:`finding_verdict`).  Returns the verdict and the evidence."""
    parts, signs = [], []
    for c in list(study.runs["LRP-ε"][0]):
        for ref in references:
            before = per_seed_agreement(study, "LRP-ε", ref, c, measure)
            after = per_seed_agreement(study, "LRP-ε − MB", ref, c, measure)
            signs.append(clear_difference(after, before, n_sigma))
            parts.append(f"{c} jets against {ref}: {before.text('{:+.2f}')} → "
                         f"{after.text('{:+.2f}')}")
    n_up, n_down = sum(s > 0 for s in signs), sum(s < 0 for s in signs)
    evidence = (f"Agreement ({RANK_LABELS[measure]}) of LRP-ε with the reference before → after "
                f"subtracting the mean behaviour, over the training seeds: {'; '.join(parts)}. "
                f"It rises clearly in {n_up} and falls clearly in {n_down} of the {len(signs)} "
                "comparisons" + (" (a single training seed gives no spread to judge by)."
                                 if len(study.runs["LRP-ε"]) < 2 else "."))
    return finding_verdict(signs), evidence
