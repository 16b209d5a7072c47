"""Chapter 6: what the taggers learned, in the language of physics.

Two translations of a network into observables a physicist can read:

- **EFP translation** (Faucett, Thaler, Whiteson, arXiv:2010.11998): the energy flow
  polynomials (:mod:`helpers.physics.efp`) of the jets, and a few classic observables, are
  offered to the black-box-guided search (:func:`helpers.xai.ado.guided_search`) for every
  top/QCD tagger of the book; the result is a short list of observables whose simple model
  orders the jet pairs as the network does.
- **EFN filters** (Komiske, Metodiev, Thaler, arXiv:1810.05165): an IRC-safe cousin of the
  PFN whose per-particle map depends on the angles only, so each latent filter is a picture
  on the (Δη, Δφ) plane (:mod:`helpers.xai.filters`).

Everything runs on chapter 5's (pT, |η|)-matched top/QCD test jets, on which the five
networks are scored (:func:`helpers.studies.architectures.representations`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ..cache import array_fingerprint, cached_array
from ..config import Profile, get_profile
from ..data import JetSet
from ..metrics import auc, auc_rows
from ..models import predict_logits
from ..physics.efp import EFPSpec, efp_specs, efps_of, generalised_specs
from ..physics.observables import JET_R, compute_observables
from ..preprocessing import pfn_features, topodnn_features
from ..preprocessing.recnn import TaskTrees
from ..results.claims import (
    Measurement,
    bootstrap_many,
    clear_difference,
    combined_spread,
    finding_verdict,
    pick,
    seed_or_bootstrap,
    spread_note,
)
from ..training.recipes import train_efn, train_topodnn
from ..xai.ado import SearchResult, guided_search
from ..xai.differential import occluded_outputs
from ..xai.filters import FilterProperties, filter_grid, filter_properties, leading_filters
from . import recnn
from .architectures import Representation, representations
from .latent import latent_and_logits, latent_pca
from .recnn import PROBE_TABLE_LABELS, leading_group

#: classic observables offered to the search beside the EFPs (keys of
#: :func:`~helpers.physics.observables.compute_observables`)
CLASSIC = ("mass", "tau21", "tau32", "multiplicity")


def settings(profile: Profile | str) -> dict:
    """The chapter's settings (profile block ``efp``) with their defaults."""
    defaults = {"max_degree": 5, "generalised_degree": 3, "max_steps": 6,
                "search_pairs": 200_000, "min_gain": 0.002, "n_filters": 6,
                "target": "network", "removal_constituents": 10}
    return {**defaults, **get_profile(profile).chapter("efp")}


# ---------------------------------------------------------------------------- networks
def networks(profile: Profile | str, seed: int, data_dir: str | None, data_source: str,
             seeds: Sequence[int], device: str
             ) -> tuple[dict[str, JetSet], TaskTrees, dict[str, list[Representation]]]:
    """Chapter 5's top/QCD jets and the five networks scored on its matched test jets: the
    unmatched splits (the TopoDNN's, PFN's and EFN's training jets), the matched task and
    :func:`~helpers.studies.architectures.representations` (cached models: nothing is
    retrained after chapters 1, 4 and 5)."""
    cfg = get_profile(profile).chapter("recnn")
    splits, tasks = recnn.load_tasks(profile, seed, data_dir, data_source, cfg["max_jets"],
                                     build=("top_qcd",))  # the others only size it
    task = tasks["top_qcd"]
    _, preds, _ = recnn.train_all({"top_qcd": task}, profile, seeds, device)
    reps = representations(task, splits["top_qcd"], {s: preds["top_qcd", s] for s in seeds},
                           profile, seeds, device, cfg["probe_jets"])
    return splits["top_qcd"], task, reps


# --------------------------------------------------------------------------- candidates
@dataclass
class Candidates:
    """The observables offered to the search, one column each, on the same jets."""

    values: np.ndarray  #: (n_jets, K)
    names: list[str]  #: plain-text labels
    specs: list[EFPSpec | None]  #: the EFP of each column (None: a classic observable)

    @property
    def irc_safe(self) -> list[bool]:
        """IRC safety per column: EFPs with kappa = 1; of the classic ones, all but the
        multiplicity (the ratios tau21, tau32 are Sudakov safe, not IRC safe, but safe
        enough to be computed perturbatively; they are counted safe here)."""
        return [s.irc_safe if s is not None else n != PROBE_TABLE_LABELS["multiplicity"]
                for s, n in zip(self.specs, self.names)]


def spec_name(spec: EFPSpec) -> str:
    """A readable, unique name: the graph's shape, then its label (degree, vertices, index;
    kappa and beta where not 1), e.g. ``triangle [d3·v3·#2]``."""
    return f"{spec.graph.description} [{spec.label}]"


def offered_specs(profile: Profile | str) -> list[EFPSpec]:
    """Every EFP of degree <= ``max_degree`` (kappa = beta = 1) and the generalised ones
    of degree <= ``generalised_degree``."""
    cfg = settings(profile)
    return [*efp_specs(cfg["max_degree"]), *generalised_specs(cfg["generalised_degree"])]


def compute_candidates(jets: JetSet, obs: Mapping[str, np.ndarray],
                       specs: Sequence[EFPSpec]) -> Candidates:
    """EFPs of ``jets`` (cached by the jets' fingerprint and the specs) and the
    :data:`CLASSIC` observables ``obs`` of the same jets."""
    particles = pfn_features(jets)
    key = {"particles": array_fingerprint(particles.features, particles.counts),
           "specs": [(s.graph.edges, s.graph.n_vertices, s.kappa, s.beta) for s in specs]}
    values = cached_array("efps", f"efps-{len(specs)}", key,
                          lambda: efps_of(particles, specs, progress=True))
    classic = np.stack([np.asarray(obs[o], float) for o in CLASSIC], axis=1)
    return Candidates(np.concatenate([values, classic], axis=1),
                      [spec_name(s) for s in specs] + [PROBE_TABLE_LABELS[o] for o in CLASSIC],
                      [*specs, *[None] * len(CLASSIC)])


def offered_claim(cands: Candidates, profile: Profile | str) -> str:
    """What the search is offered, counted."""
    cfg = settings(profile)
    gen = [s for s in cands.specs if s is not None and (s.kappa, s.beta) != (1.0, 1.0)]
    kappas = sorted({s.kappa for s in gen})
    betas = sorted({s.beta for s in gen})
    n_efp = sum(s is not None for s in cands.specs)
    return (f"Offered: every EFP of degree $d \\le {cfg['max_degree']}$ with $\\kappa = \\beta = 1$, "
            f"the generalised ones of degree $d \\le {cfg['generalised_degree']}$ with "
            f"$\\kappa \\in \\{{{', '.join(f'{k:g}' for k in kappas)}\\}}$ and "
            f"$\\beta \\in \\{{{', '.join(f'{b:g}' for b in betas)}\\}}$, and the "
            f"{len(CLASSIC)} classic observables: {len(cands.names)} observables "
            f"({n_efp} EFPs), {sum(cands.irc_safe)} of them IRC safe.")


def halves(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint halves of the jets, each with half of every class: the search chooses on
    the first and reports on the second."""
    rng = np.random.default_rng(seed)
    fit, evaluate = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        fit.append(idx[: len(idx) // 2])
        evaluate.append(idx[len(idx) // 2:])
    return np.sort(np.concatenate(fit)), np.sort(np.concatenate(evaluate))


# ----------------------------------------------------------------------------- search
Searches = dict[str, list[SearchResult]]  # network -> one result per seed


def search_all(reps: Mapping[str, Sequence[Representation]], cands: Candidates,
               labels: np.ndarray, profile: Profile | str, seed: int = 0) -> Searches:
    """The guided search for every network and training seed (its test logits)."""
    cfg = settings(profile)
    fit, evaluate = halves(labels, seed)
    return {name: [guided_search(logits, cands.values, labels, cands.names, fit, evaluate,
                                 max_steps=cfg["max_steps"], n_pairs=cfg["search_pairs"],
                                 min_gain=cfg["min_gain"], target=cfg["target"], seed=seed)
                   for _, _, logits in runs]
            for name, runs in reps.items()}


def _of(values: Sequence[float]) -> Measurement:
    return Measurement.of([v for v in values if np.isfinite(v)])


def final_ado(runs: Sequence[SearchResult]) -> Measurement:
    return _of([r.final_ado for r in runs])


def final_auc(runs: Sequence[SearchResult]) -> Measurement:
    return _of([r.final_auc for r in runs])


def network_auc(runs: Sequence[SearchResult]) -> Measurement:
    return _of([r.network_auc for r in runs])


def step_ado(runs: Sequence[SearchResult]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread over seeds of the ADO after each step (as many steps as the
    shortest search)."""
    n = min(len(r.ado) for r in runs)
    a = np.array([r.ado[:n] for r in runs])
    return a.mean(axis=0), (a.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(n))


def chosen(result: SearchResult) -> list[str]:
    """The observables of the useful steps, with a minus sign where lower values are the
    signal-like direction."""
    return [("−" if o < 0 else "") + n
            for n, o in zip(result.names[: result.n_useful], result.orientation)]


def search_table(searches: Searches) -> pd.DataFrame:
    """Per network: what the search chose (first seed), the final ADO, the EFP model's AUC
    and the network's, on the reporting half of the jets (mean ± spread over seeds)."""
    rows = {}
    for name, runs in searches.items():
        first = {r.names[0] for r in runs}
        rows[name] = {
            "chosen (first seed)": ", ".join(chosen(runs[0])) or "none",
            "useful steps": Measurement.of([r.n_useful for r in runs]).text("{:.1f}"),
            "first choice shared by": f"{sum(r.names[0] == runs[0].names[0] for r in runs)}"
                                      f" of {len(runs)} seeds" if len(first) else "",
            "final ADO": final_ado(runs).text(),
            "AUC, EFP model": final_auc(runs).text(),
            "AUC, network": network_auc(runs).text(),
        }
    return pd.DataFrame(rows).T


def _count(values) -> str:
    """``'2 observables'``, or ``'1.7 ± 0.6 observables'`` when the seeds differ."""
    v = list(values)
    if len(set(v)) == 1:
        return f"{v[0]} observable" + ("" if v[0] == 1 else "s")
    return f"{Measurement.of(v).text('{:.1f}')} observables (over seeds)"


def translation_claims(searches: Searches, cands: Candidates) -> dict[str, str]:
    """``efp_translation``: per network, the final ADO and how many observables it takes;
    ``efp_gap``: whether each EFP model reaches its network's AUC; ``efp_irc``: which
    networks needed an IRC-unsafe observable."""
    safe = dict(zip(cands.names, cands.irc_safe))
    parts, gaps, unsafe = [], [], []
    for name, runs in searches.items():
        parts.append(f"the {name} to ADO {final_ado(runs).text()} with "
                     f"{_count(r.n_useful for r in runs)}")
        gaps.append(f"the {name}'s EFP model ({final_auc(runs).text()}) "
                    + pick(final_auc(runs), network_auc(runs), "exceeds", "falls short of",
                           "matches within errors", "cannot be told apart (one seed) from")
                    + f" the network ({network_auc(runs).text()})")
        n_unsafe = sum(any(not safe[n] for n in r.names[: r.n_useful]) for r in runs)
        if n_unsafe:
            unsafe.append(f"the {name} ({n_unsafe} of {len(runs)} seeds)")
    return {
        "efp_translation": "The simple model of the chosen observables orders the jet pairs "
                           "like " + "; ".join(parts) + ".",
        "efp_gap": "In AUC, " + "; ".join(gaps) + ".",
        "efp_irc": ("An IRC-unsafe observable is among the useful choices of "
                    + ", ".join(unsafe) + "." if unsafe else
                    "No network needed an IRC-unsafe observable: every useful choice is IRC "
                    "safe (κ = 1, or a classic observable other than the multiplicity)."),
    }


# ----------------------------------------------------------------------- cross-chapter
def abs_rank_correlation(scores: Sequence[np.ndarray], values: Mapping[str, np.ndarray],
                         seed: int = 0) -> dict[str, Measurement]:
    """|Spearman ρ| of a score with each observable: the mean and spread over the scores of
    several training seeds, or, for a single seed, a bootstrap over the jets."""
    def rho(x: np.ndarray, idx: np.ndarray) -> dict[str, float]:
        return {o: abs(spearmanr(x[idx], v[idx])[0]) for o, v in values.items()}

    if len(scores) > 1:
        per_seed = [rho(x, np.arange(len(x))) for x in scores]
        return {o: Measurement.of([r[o] for r in per_seed]) for o in values}
    return bootstrap_many(lambda idx: rho(scores[0], idx), len(scores[0]), seed=seed)


def classic_columns(cands: Candidates, rows: np.ndarray | slice = slice(None)
                    ) -> dict[str, np.ndarray]:
    """The classic observables among the offered ones, by table label, on ``rows``."""
    return {PROBE_TABLE_LABELS[o]: cands.values[rows, cands.names.index(PROBE_TABLE_LABELS[o])]
            for o in CLASSIC}


def closest_classic(reps: Mapping[str, Sequence[Representation]], cands: Candidates,
                    labels: np.ndarray, seed: int = 0) -> dict[str, dict[str, Measurement]]:
    """:func:`abs_rank_correlation` of each network's output with each classic observable on
    the reporting half of the jets."""
    _, evaluate = halves(labels, seed)
    cols = classic_columns(cands, evaluate)
    return {name: abs_rank_correlation([logits[evaluate] for _, _, logits in runs], cols, seed)
            for name, runs in reps.items()}


def translation_follows(searches: Searches, cands: Candidates, labels: np.ndarray,
                        seed: int = 0) -> dict[str, dict[str, Measurement]]:
    """|Spearman ρ| between each network's first chosen observable (one per seed) and each
    classic observable on the reporting half of the jets: which classic observable the
    translation starts from."""
    _, evaluate = halves(labels, seed)
    cols = classic_columns(cands, evaluate)
    return {name: abs_rank_correlation([cands.values[evaluate, r.chosen[0]] for r in runs],
                                       cols, seed)
            for name, runs in searches.items()}


def follows_table(rho: Mapping[str, Mapping[str, Measurement]]) -> pd.DataFrame:
    """|ρ| (mean ± spread) per network (rows) and classic observable (columns)."""
    return pd.DataFrame({name: {o: m.text("{:.2f}") for o, m in r.items()}
                         for name, r in rho.items()}).T.rename_axis("network output |ρ| with")


def agreement_table(rho: Mapping[str, Mapping[str, Measurement]],
                    probe_r2: Mapping[str, Mapping[str, tuple[float, float]]], n_seeds: int
                    ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per network: the classic observable its translation's first choice follows most
    closely (``rho``, :func:`translation_follows`), the one a linear probe reads best from
    its representation (R², chapter 5's probes), and whether the two leading groups share an
    observable.  Also the claim ``efp_vs_probes``."""
    if n_seeds < 2:
        rows = {name: {"first choice follows (|ρ|)": " / ".join(
            f"{o} ({m.text('{:.2f}')})" for o, m in sorted(r.items(), key=lambda x: -x[1].value))}
                for name, r in rho.items()}
        return pd.DataFrame(rows).T, {"efp_vs_probes": (
            "With a single training seed the probes' R² have no spread, so this run cannot "
            "tell whether the observables the translations start from are those the probes "
            "read best.")}
    rows, agree = {}, []
    for name, r in rho.items():
        names = list(r)
        close = leading_group(r, names)
        r2 = {PROBE_TABLE_LABELS[o]: Measurement(*probe_r2[name][o], n_seeds) for o in CLASSIC}
        read = leading_group(r2, list(r2))
        ok = bool(set(close) & set(read))
        agree.append(ok)
        rows[name] = {"first choice follows (|ρ|)": " / ".join(f"{o} ({r[o].text('{:.2f}')})"
                                                        for o in close),
                      "probe reads best (R²)": " / ".join(f"{o} ({r2[o].text('{:.2f}')})"
                                                         for o in read),
                      "same observable": "yes" if ok else "no"}
    names = list(rho)
    yes = [n for n, a in zip(names, agree) if a]
    claim = (f"For {len(yes)} of {len(names)} networks "
             f"({', '.join(yes) if yes else 'none'}), the classic observable the translation's "
             "first choice follows most closely is also among those a linear probe reads best "
             "from the representation (chapter 5).")
    return pd.DataFrame(rows).T, {"efp_vs_probes": claim}


def pfn_pc1_claim(pfn_reps: Sequence[Representation], cands: Candidates, labels: np.ndarray,
                  rho_pfn: Mapping[str, Measurement]) -> str:
    """Chapter 4 asks whether the PFN latent's first principal component tracks the jet mass:
    recompute |ρ(PC1, classic)| on these jets and compare with the observables the PFN's
    translation starts from (``rho_pfn``, :func:`translation_follows`)."""
    cols = classic_columns(cands)
    pc1 = abs_rank_correlation([latent_pca(Z_test, labels)[1][:, 0]
                                for _, Z_test, _ in pfn_reps], cols)
    lead, follows = leading_group(pc1, list(pc1)), leading_group(rho_pfn, list(rho_pfn))
    shared = [o for o in lead if o in follows]
    leading = " / ".join(f"{o} ({pc1[o].text('{:.2f}')})" for o in lead)
    return (f"On the pooled test jets, the first principal component of the PFN latent "
            f"follows {leading} most closely (|ρ|), the first observable of the PFN's "
            f"translation follows {' / '.join(follows)}: " + (f"both follow {' and '.join(shared)}." if shared
                                           else "they follow different observables."))


def candidate_columns(jets: JetSet, cands: Candidates, cols: Sequence[int]) -> np.ndarray:
    """The offered observables ``cols`` (indices into ``cands``) recomputed on other jets,
    ``(len(jets), len(cols))``: EFPs by their spec, classic ones from the observables."""
    specs = [cands.specs[c] for c in cols if cands.specs[c] is not None]
    efps = efps_of(pfn_features(jets), specs) if specs else np.empty((len(jets), 0))
    classic = [c for c in cols if cands.specs[c] is None]
    obs = compute_observables(jets) if classic else {}
    by_label = {PROBE_TABLE_LABELS[o]: o for o in CLASSIC}
    out, k = np.empty((len(jets), len(cols))), 0
    for j, c in enumerate(cols):
        if cands.specs[c] is None:
            out[:, j] = obs[by_label[cands.names[c]]]
        else:
            out[:, j], k = efps[:, k], k + 1
    return out


def without_constituent(jets: JetSet, i: int) -> JetSet:
    """The jets with their ``i``-th hardest constituent removed (the softer ones move up;
    a jet with fewer constituents is unchanged)."""
    return JetSet(np.delete(jets.constituents, i, axis=1), jets.labels, jets.truth)


@dataclass
class ConstituentImportance:
    """Chapter 1's question asked of the TopoDNN's translation: which constituents matter.

    Per training seed and leading constituent ``i``: the AUC the TopoDNN loses when the
    constituent is removed from the jet, the AUC its translation loses (its observables
    recomputed on the same jets), and chapter 1's ΔAUC occlusion (each of the
    constituent's three inputs set to its training mean in turn, summed) — on the
    reporting half of the test jets.  ``rho``: Spearman ρ between those profiles."""

    removal_network: np.ndarray  #: (n_runs, K)
    removal_translation: np.ndarray  #: (n_runs, K)
    occlusion: np.ndarray  #: (n_runs, K)
    rho: dict[str, Measurement]
    n_runs: int

    @property
    def n_constituents(self) -> int:
        return self.removal_network.shape[1]


def _auc_losses(y: np.ndarray, scores: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``AUC(scores[0]) - AUC(scores[k])`` for ``k >= 1`` on the jets ``idx``."""
    a = auc_rows(y[idx], scores[:, idx])
    return a[0] - a[1:]


def constituent_importance(splits: Mapping[str, JetSet], test: JetSet,
                           runs: Sequence[SearchResult], cands: Candidates,
                           profile: Profile | str, seeds: Sequence[int], device: str,
                           seed: int = 0) -> ConstituentImportance:
    """:class:`ConstituentImportance` of the TopoDNN (models of chapter 1, from the cache)
    and its translations ``runs`` (one search per seed, on ``cands`` of ``test``)."""
    k = settings(profile)["removal_constituents"]
    y = test.labels.astype(int)
    evaluate = halves(y, seed)[1]
    removed = [without_constituent(test, i) for i in range(k)]
    cols = sorted({c for r in runs for c in r.chosen[: r.n_useful]})
    recomputed = [candidate_columns(jets, cands, cols) for jets in removed]
    X_test, X_removed = topodnn_features(test), [topodnn_features(j) for j in removed]
    mean = topodnn_features(splits["train"]).mean(axis=0)
    scores = []
    for s, r in zip(seeds, runs):
        model = train_topodnn(splits["train"], splits["val"], profile, s, device)[0]
        logit = predict_logits(model, X_test)
        chosen = r.chosen[: r.n_useful]
        translate = r.translation()
        where = [cols.index(c) for c in chosen]
        occluded = occluded_outputs(model, X_test[evaluate], mean)[:, : 3 * k].T
        scores.append((
            np.stack([logit, *[predict_logits(model, X) for X in X_removed]])[:, evaluate],
            np.stack([translate(cands.values[:, chosen]),
                      *[translate(v[:, where]) for v in recomputed]])[:, evaluate],
            np.concatenate([logit[None, evaluate], occluded])))
    y_eval = y[evaluate]

    def profiles(run: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        net, tr, occ = scores[run]
        return (_auc_losses(y_eval, net, idx), _auc_losses(y_eval, tr, idx),
                _auc_losses(y_eval, occ, idx).reshape(k, 3).sum(axis=1))

    def statistic(run: int, idx: np.ndarray) -> dict[str, float]:
        net, tr, occ = profiles(run, idx)
        return {"network": spearmanr(tr, net)[0], "occlusion": spearmanr(tr, occ)[0],
                "network_vs_occlusion": spearmanr(net, occ)[0]}

    every = np.arange(len(evaluate))
    net, tr, occ = (np.array(a) for a in zip(*[profiles(r, every) for r in range(len(runs))]))
    return ConstituentImportance(net, tr, occ, seed_or_bootstrap(statistic, len(runs),
                                                                 len(evaluate), seed=seed),
                                 len(runs))


def _alike(rho: Measurement) -> str:
    """How two importance profiles relate, judged by their rank correlation against zero."""
    if not math.isfinite(rho.value):
        return "cannot be compared (a profile is constant)"
    # a correlation over a handful of constituents is noisy: called only beyond two spreads
    return pick(rho, Measurement(0.0), "rank the constituents alike", "rank them in reverse",
                "are unrelated within twice their uncertainty",
                "cannot be judged: a single run gives no spread", n_sigma=2.0)


def constituent_claim(study: ConstituentImportance) -> str:
    """The verdict of :func:`constituent_importance`, with its uncertainty."""
    r = study.rho
    return (f"Removing one of the {study.n_constituents} hardest constituents at a time, the "
            f"AUC losses of the TopoDNN's translation and of the network itself "
            f"{_alike(r['network'])} (Spearman ρ = {r['network'].text('{:.2f}')}); those of "
            f"the translation and chapter 1's ΔAUC occlusion of the constituents' inputs "
            f"{_alike(r['occlusion'])} (ρ = {r['occlusion'].text('{:.2f}')}); for the network "
            f"alone, removal and occlusion give ρ = {r['network_vs_occlusion'].text('{:.2f}')} "
            f"(±: {spread_note(study.n_runs, 'reporting jets')}).")


# --------------------------------------------------------------------------------- EFN
@dataclass
class EFNStudy:
    """The EFN against the PFN on the same test jets, and the leading filters of the
    first seed."""

    efn_auc: Measurement
    pfn_auc: Measurement
    images: np.ndarray  #: (n_filters, n, n) leading filters of the first seed
    axis: np.ndarray
    properties: list[FilterProperties]
    leading: np.ndarray


def efn_study(splits: Mapping[str, JetSet], test: JetSet,
              pfn_reps: Sequence[Representation], profile: Profile | str,
              seeds: Sequence[int], device: str, n_filters: int = 6) -> EFNStudy:
    """Train (or load) the EFN on the PFN's training jets for every seed, score it on
    ``test`` and analyse the first seed's ``n_filters`` leading filters."""
    particles = {s: pfn_features(splits[s]) for s in ("train", "val")}
    test_particles = pfn_features(test)
    logits, models = [], []
    for s in seeds:
        model = train_efn(particles["train"], splits["train"].labels, particles["val"],
                          splits["val"].labels, profile, s, device)[0]
        models.append(model)
        logits.append(latent_and_logits(model.cpu(), test_particles))
    y = test.labels
    lead = leading_filters(logits[0][0], n_filters)
    images, axis = filter_grid(models[0], extent=JET_R, disc=JET_R)
    images = images[lead]
    return EFNStudy(Measurement.of([auc(y, lg) for _, lg in logits]),
                    Measurement.of([auc(y, lg) for _, _, lg in pfn_reps]),
                    images, axis, [filter_properties(im, axis) for im in images], lead)


def efn_claims(study: EFNStudy) -> dict[str, str]:
    """``efn_vs_pfn``: what IRC safety costs in AUC; ``efn_filters``: the leading filters'
    sizes and lobes."""
    cost = pick(study.efn_auc, study.pfn_auc, "exceeds", "falls short of",
                "is indistinguishable from", "cannot be told apart (one seed) from")
    radii = [p.radius for p in study.properties]
    multi = sum(p.n_lobes > 1 for p in study.properties)
    far = sum(p.distance_from_axis > p.radius for p in study.properties)
    rising = sum(p.radial_correlation > RADIAL for p in study.properties)
    falling = sum(p.radial_correlation < -RADIAL for p in study.properties)
    return {
        "efn_vs_pfn": f"The EFN's AUC ({study.efn_auc.text()}) {cost} the PFN's "
                      f"({study.pfn_auc.text()}) on the same test jets.",
        "efn_filters": f"The {len(radii)} leading filters hold half of their weight within "
                       f"ΔR = {min(radii):.2f} to {max(radii):.2f} of their centroid; "
                       f"{multi} of them have more than one lobe, and {far} sit off the jet "
                       f"axis by more than their own radius. {rising} rise and {falling} fall "
                       f"with the distance from the axis (rank correlation beyond ±{RADIAL} "
                       "over the jet): such a filter weighs each particle's momentum fraction "
                       "by its angle to the axis, as an angularity does.",
    }


#: |rank correlation| of a filter with the distance from the axis above which it is called
#: radial (an angularity-like weight)
RADIAL = 0.9


# ----------------------------------------------------------------------------- findings
def findings(searches: Searches, cands: Candidates, efn: EFNStudy, network: str = "CNN"
             ) -> dict[str, tuple[str, str]]:
    """The verdicts on the two papers' findings (``key -> (verdict, evidence)``):

    - ``finding_efp_closes_gap`` (Faucett et al., a CNN): a few EFPs reach the network's AUC
      — contradicted when the EFP model falls clearly short, supported when it is within
      errors or above, inconclusive without a spread;
    - ``finding_efp_irc_unsafe``: the observable that closes the gap is IRC unsafe —
      supported when every seed's useful choices hold one, contradicted when none does;
    - ``finding_efn_below_pfn`` (Komiske et al.): the PFN, which may use IRC-unsafe
      information, tags better than the EFN.
    """
    runs = searches[network]
    model, net = final_auc(runs), network_auc(runs)
    d = clear_difference(model, net)
    known = not math.isnan(combined_spread(model, net))
    gap_sign = -1 if d < 0 else (1 if known else 0)
    safe = dict(zip(cands.names, cands.irc_safe))
    unsafe = [any(not safe[n] for n in r.names[: r.n_useful]) for r in runs]
    irc_sign = 1 if all(unsafe) else (-1 if not any(unsafe) else 0)
    pfn_sign = clear_difference(efn.pfn_auc, efn.efn_auc)
    names = "; ".join(f"seed {i}: {', '.join(chosen(r)) or 'none'}" for i, r in enumerate(runs))
    return {
        "finding_efp_closes_gap": (finding_verdict([gap_sign]),
                                   f"{network}: EFP model AUC {model.text()}, network "
                                   f"{net.text()}."),
        "finding_efp_irc_unsafe": (finding_verdict([irc_sign]),
                                   f"{network}: an IRC-unsafe observable among the useful "
                                   f"choices of {sum(unsafe)} of {len(runs)} seeds ({names})."),
        "finding_efn_below_pfn": (finding_verdict([pfn_sign]),
                                  f"PFN AUC {efn.pfn_auc.text()}, EFN {efn.efn_auc.text()}."),
    }
