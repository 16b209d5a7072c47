"""The PFN latent space (chapter 4): extraction, rankings, correlations, principal components.

A PFN scores a jet as ``F(z)`` with the latent vector ``z = sum_i Phi(p_i)``.  Everything
here works on the latents ``Z`` ``(N, d)`` of a set of jets and on the head ``F`` alone:

- :func:`extract_latent` / :func:`latent_and_logits`: latents (and logits) of packed jets;
- :func:`rank_latents`: Delta-AUC occlusion (latent -> its mean) and MAD relevance per class,
  from one set of occluded head evaluations (:func:`helpers.xai.differential.occluded_outputs`);
- :func:`topk_auc`, :func:`latents_needed`: AUC when only the ``k`` best-ranked latents are kept;
  :func:`topk_study` runs them for three orderings (Delta-AUC, MAD, random);
- :func:`correlation_matrices`, :func:`correlation_difference`: per-class correlations of the
  leading latents and one number for how much they differ; :func:`correlation_summary`
  compares that number with two random halves of the background jets;
- :func:`latent_pca`, :func:`component_correlations`: principal components up to a variance
  fraction and their correlation with jet observables per class;
- :func:`particle_delta_auc`: Delta-AUC of the *inputs* of the leading particles (the
  occlusion that exposed the label leak of :mod:`helpers.studies.leak`).

The figures are in :mod:`helpers.plots.latent`.

Linear probes of the latent vector use :func:`helpers.xai.probing.probe_table`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA

from ..metrics import auc
from ..models.common import as_scorer, predict_logits
from ..models.pfn import PFN, PackedInputs
from ..preprocessing.pfn import PackedParticles
from ..results import Measurement, clear_difference
from ..results.claims import N_BOOT, agrees_with, bootstrap_many, pick
from ..xai.differential import mad_relevance, occluded_outputs


# ---------------------------------------------------------------------------- extraction
@torch.no_grad()
def extract_latent(model: PFN, particles: PackedParticles, batch_size: int = 4096) -> np.ndarray:
    """``(N, d)`` float32 latent vectors ``sum_i Phi(p_i)`` of packed jets (eval mode)."""
    model.eval()
    device = next(model.parameters()).device
    inputs = PackedInputs.from_packed(particles).to(device)
    out = [model.latent(inputs.batch(torch.arange(i, min(i + batch_size, len(inputs))))).cpu()
           for i in range(0, len(inputs), batch_size)]
    return torch.cat(out).numpy() if out else np.zeros((0, model.latent_dim), np.float32)


def latent_and_logits(model: PFN, particles: PackedParticles) -> tuple[np.ndarray, np.ndarray]:
    """Latents ``(N, d)`` and logits ``F(z)`` ``(N,)`` of packed jets."""
    Z = extract_latent(model, particles)
    return Z, predict_logits(model.F, Z)


# ------------------------------------------------------------------------------ rankings
@dataclass
class LatentRanking:
    """Importances of the latent variables of one model on one labelled set."""

    #: AUC of the unmodified latents
    base_auc: float
    #: ``(d,)`` AUC drop when the latent is replaced by its mean
    delta_auc: np.ndarray
    #: ``{label: (d,)}`` mean |change of the logit| over the class's jets (MAD relevance)
    mad: dict[int, np.ndarray]
    #: ``(d,)`` True for latents that are zero for every jet (dead ReLU units)
    dead: np.ndarray

    def order(self, by: str | int = "delta_auc") -> np.ndarray:
        """Latent indices, most important first, by ``"delta_auc"`` or the MAD of a class."""
        score = self.delta_auc if by == "delta_auc" else self.mad[int(by)]
        return np.argsort(-score, kind="stable")


def rank_latents(model: PFN, Z: np.ndarray, y: np.ndarray) -> LatentRanking:
    """Delta-AUC and per-class MAD relevance of every latent, occluding with the mean of ``Z``.

    Both measures come from the same ``N * d`` occluded evaluations of the head ``F``
    (what :func:`helpers.xai.delta_auc` and :func:`helpers.xai.differential_relevance`
    would each compute once).
    """
    f = as_scorer(model.F)
    base = f(Z)
    occluded = occluded_outputs(f, Z, Z.mean(axis=0))
    base_auc = auc(y, base)
    delta = np.array([base_auc - auc(y, occluded[:, k]) for k in range(Z.shape[1])])
    return LatentRanking(base_auc, delta, mad_relevance(base[:, None] - occluded, y),
                         dead=~np.any(Z != 0, axis=0))


def top_overlap(ranking: LatentRanking, k: int = 30) -> dict[str, int]:
    """How many of the ``k`` leading latents the per-class MAD rankings and Delta-AUC share."""
    sets = {name: set(ranking.order(by)[:k].tolist())
            for name, by in (("delta_auc", "delta_auc"), ("mad_0", 0), ("mad_1", 1))}
    return {"MAD QCD & MAD top": len(sets["mad_0"] & sets["mad_1"]),
            "ΔAUC & MAD QCD": len(sets["delta_auc"] & sets["mad_0"]),
            "ΔAUC & MAD top": len(sets["delta_auc"] & sets["mad_1"])}


def topk_auc(model: PFN, Z: np.ndarray, y: np.ndarray, order: np.ndarray,
             ks: np.ndarray) -> np.ndarray:
    """AUC with only the first ``k`` latents of ``order`` kept, the others set to their mean."""
    f = as_scorer(model.F)
    mean = Z.mean(axis=0)
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    return np.array([auc(y, f(np.where(rank < k, Z, mean).astype(Z.dtype))) for k in ks])


def latents_needed(ks: np.ndarray, aucs: np.ndarray, full_auc: float,
                   tolerance: float = 0.002) -> int:
    """Smallest ``k`` whose AUC is within ``tolerance`` of ``full_auc`` (the largest ``k``
    if none is)."""
    ok = np.asarray(aucs) >= full_auc - tolerance
    return int(np.asarray(ks)[ok.argmax()] if ok.any() else ks[-1])


#: numbers of kept latents of :func:`topk_study` (those up to the latent dimension)
TOPK_KS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


@dataclass
class TopKStudy:
    """AUC with only the ``k`` leading latents kept, for several orderings of the latents."""

    #: numbers of kept latents
    ks: np.ndarray
    #: AUC with every latent kept
    full_auc: float
    #: ``{ordering: (len(ks),) AUC}``
    curves: dict[str, np.ndarray]
    #: smallest ``k`` within ``tolerance`` of the full AUC, per ordering
    needed: pd.Series
    #: the non-random ordering that needs the fewest latents, and how many
    best_ranking: str
    k_needed: int
    tolerance: float
    #: latent dimension and latents that are not zero for every jet
    n_latents: int
    n_alive: int


def topk_study(model: PFN, Z: np.ndarray, y: np.ndarray, ranking: LatentRanking, seed: int,
               tolerance: float = 0.002, ks: tuple[int, ...] = TOPK_KS) -> TopKStudy:
    """:func:`topk_auc` and :func:`latents_needed` for the latents ordered by Delta-AUC, by
    the MAD summed over both classes, and at random (``np.random.default_rng(seed)``)."""
    d = Z.shape[1]
    ks_arr = np.array([k for k in ks if k <= d])
    mad_order = np.argsort(-(ranking.mad[0] + ranking.mad[1]), kind="stable")
    random_order = np.random.default_rng(seed).permutation(d)
    curves = {"ranked by ΔAUC": topk_auc(model, Z, y, ranking.order(), ks_arr),
              "ranked by MAD (both classes)": topk_auc(model, Z, y, mad_order, ks_arr),
              "random order": topk_auc(model, Z, y, random_order, ks_arr)}
    needed = pd.Series({name: latents_needed(ks_arr, aucs, ranking.base_auc, tolerance)
                        for name, aucs in curves.items()},
                       name=f"latents needed (AUC within {tolerance})")
    best = needed.drop("random order").idxmin()
    return TopKStudy(ks_arr, ranking.base_auc, curves, needed, best, int(needed[best]), tolerance, d,
                     int((~ranking.dead).sum()))


# -------------------------------------------------------------------------- correlations
def correlation_matrices(Z: np.ndarray, y: np.ndarray,
                         latents: np.ndarray) -> dict[int, np.ndarray]:
    """``{label: (k, k)}`` Pearson correlations of the ``latents`` columns within each class
    (NaN for a latent that is constant within the class)."""
    out = {}
    for label in np.unique(y):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[int(label)] = np.corrcoef(Z[y == label][:, latents], rowvar=False)
    return out


def correlation_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Root-mean-square difference of the off-diagonal entries of two correlation matrices
    (0: the same correlation structure; entries with a NaN are skipped)."""
    off = ~np.eye(len(a), dtype=bool)
    return float(np.sqrt(np.nanmean((a[off] - b[off]) ** 2)))


def correlation_summary(Z: np.ndarray, y: np.ndarray, latents: np.ndarray,
                        class_names: dict[int, str]) -> pd.Series:
    """How different the per-class correlations of ``latents`` are: the RMS difference of
    background and signal (:func:`correlation_difference`), the same for two halves of the
    background jets (alternate jets: statistics only), and the mean ``|rho|`` per class."""
    corr = correlation_matrices(Z, y, latents)
    background = Z[y == 0]
    halves = correlation_matrices(background, np.arange(len(background)) % 2, latents)
    off = ~np.eye(len(latents), dtype=bool)
    bkg, sig = class_names[0], class_names[1]
    return pd.Series({
        f"RMS difference, {bkg} vs {sig}": correlation_difference(corr[0], corr[1]),
        f"RMS difference, two halves of the {bkg} jets":
            correlation_difference(halves[0], halves[1]),
        f"mean |ρ|, {bkg} jets": np.nanmean(np.abs(corr[0][off])),
        f"mean |ρ|, {sig} jets": np.nanmean(np.abs(corr[1][off])),
    }, name=f"top-{len(latents)} latents")


# ----------------------------------------------------------------------------------- PCA
def latent_pca(Z: np.ndarray, y: np.ndarray, variance: float = 0.99) -> tuple[PCA, np.ndarray]:
    """PCA of ``Z`` with as many components as needed for ``variance`` of the variance.

    Returns the fitted PCA and the component scores ``(N, n)``.  Each component's sign is
    fixed so that signal jets (``y == 1``) have the larger mean score.
    """
    pca = PCA(n_components=variance, svd_solver="full").fit(Z)
    scores = pca.transform(Z)
    sign = np.where(scores[y == 1].mean(axis=0) >= scores[y == 0].mean(axis=0), 1.0, -1.0)
    pca.components_ *= sign[:, None]
    return pca, scores * sign


def component_correlations(scores: np.ndarray, observables: dict[str, np.ndarray],
                           y: np.ndarray, names: tuple[str, ...], classes: dict[int, str],
                           n_components: int = 3) -> pd.DataFrame:
    """Pearson correlation of the leading components with each observable, per class.

    Rows ``(class, "PC1"...)``, columns ``names``; jets with a non-finite observable are
    skipped for that observable.
    """
    rows = {}
    for label, cls in classes.items():
        sel = y == label
        for c in range(min(n_components, scores.shape[1])):
            pc = scores[sel, c]
            row = {}
            for name in names:
                v = np.asarray(observables[name], float)[sel]
                ok = np.isfinite(v)
                row[name] = float(np.corrcoef(pc[ok], v[ok])[0, 1])
            rows[(cls, f"PC{c + 1}")] = row
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------- input-level occlusion
def particle_delta_auc(model: PFN, particles: PackedParticles, y: np.ndarray,
                       n_leading: int = 5) -> np.ndarray:
    """``(n_leading, 3)`` Delta-AUC of each input feature of the ``k``-th hardest particle.

    Feature ``j`` of particle ``k`` is replaced by its mean over the jets that have a
    ``k``-th particle (jets with fewer particles are unchanged) and the AUC is recomputed.
    """
    base = auc(y, latent_and_logits(model, particles)[1])
    slot = particles.slot
    out = np.zeros((n_leading, particles.features.shape[1]))
    for k in range(n_leading):
        rows = slot == k
        for j in range(particles.features.shape[1]):
            features = particles.features.copy()
            features[rows, j] = features[rows, j].mean()
            occluded = PackedParticles(features, particles.counts)
            out[k, j] = base - auc(y, latent_and_logits(model, occluded)[1])
    return out


# ------------------------------------------------------------------ uncertainties and claims
# The latent study looks at one model (the first seed), so its spreads are bootstraps over the
# test jets (:func:`helpers.results.claims.bootstrap_many`).


def _overlap(a: np.ndarray, b: np.ndarray, k: int) -> int:
    """How many of the ``k`` largest entries of ``a`` and of ``b`` are the same latents."""
    top_a = set(np.argsort(-a, kind="stable")[:k].tolist())
    return len(top_a & set(np.argsort(-b, kind="stable")[:k].tolist()))


def mad_overlap_study(model: PFN, Z: np.ndarray, y: np.ndarray, k: int = 30, n_boot: int = 100,
                      seed: int = 0, max_jets: int = 20000) -> dict[str, Measurement]:
    """How many of the ``k`` leading latents the two classes' MAD rankings share
    (``between classes``), against how many two bootstrap resamples of the *same* class share
    (``within a class``, the mean over both classes: what ranking noise alone leaves).  The
    between-classes value is that of all jets, its spread and the within-class value come
    from ``n_boot`` pairs of resamples; at most ``max_jets`` jets (a random subset) are used."""
    rng = np.random.default_rng(seed)
    if len(y) > max_jets:
        keep = np.sort(rng.choice(len(y), max_jets, replace=False))
        Z, y = Z[keep], y[keep]
    f = as_scorer(model.F)
    change = np.abs(f(Z)[:, None] - occluded_outputs(f, Z, Z.mean(axis=0)))  # (N, d)
    y = np.asarray(y)

    def mads(idx: np.ndarray) -> dict[int, np.ndarray]:
        return {label: change[idx[y[idx] == label]].mean(axis=0) for label in (0, 1)}

    full = mads(np.arange(len(y)))
    between, within = [], []
    for _ in range(n_boot):
        one, two = (mads(rng.integers(0, len(y), len(y))) for _ in range(2))
        between.append(_overlap(one[0], one[1], k))
        within.append(np.mean([_overlap(one[c], two[c], k) for c in (0, 1)]))
    return {"between classes": Measurement(float(_overlap(full[0], full[1], k)),
                                           float(np.std(between, ddof=1)), len(y)),
            "within a class": Measurement(float(np.mean(within)), float(np.std(within, ddof=1)),
                                          len(y))}


def overlap_claim(m: dict[str, Measurement], k: int, class_names: dict[int, str]) -> str:
    """:func:`mad_overlap_study` in a sentence: do the classes' MAD rankings differ by more
    than resampling makes them differ?"""
    between, within = m["between classes"], m["within a class"]
    bkg, sig = class_names[0], class_names[1]
    relation = pick(within, between, "clearly fewer than", "clearly more than", "not clearly fewer than")
    meaning = pick(within, between, f"Some latent variables move the output mostly for {sig} jets, "
                   f"others mostly for {bkg} jets", "No ranking noise explains that",
                   "At this statistics the same latent variables move the output for both classes")
    return (f"The MAD rankings of the two classes share {between.text('{:.0f}')} of their {k} "
            f"leading latents, {relation} the {within.text('{:.1f}')} that two resamples of the "
            f"same class's jets share. {meaning}")


def correlation_measurements(Z: np.ndarray, y: np.ndarray, latents: np.ndarray,
                             n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """:func:`correlation_summary`'s two RMS differences with a bootstrap over the jets:
    ``classes`` (background against signal) and ``halves`` (two alternate halves of the
    background jets: statistics only)."""
    y = np.asarray(y)

    def statistic(idx: np.ndarray) -> dict[str, float]:
        Zi, yi = Z[idx], y[idx]
        corr = correlation_matrices(Zi, yi, latents)
        background = Zi[yi == 0]
        halves = correlation_matrices(background, np.arange(len(background)) % 2, latents)
        return {"classes": correlation_difference(corr[0], corr[1]),
                "halves": correlation_difference(halves[0], halves[1])}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a latent constant in a resample
        return bootstrap_many(statistic, len(y), n_boot, seed)


def correlation_finding(m: dict[str, Measurement], n_latents: int,
                        class_names: dict[int, str]) -> tuple[list[int], str]:
    """Khot et al.'s finding that the latent correlations differ by class: ``+1`` when the
    difference between the classes' correlation matrices (:func:`correlation_measurements`)
    clearly exceeds that between two halves of the background jets, ``-1`` when it is clearly
    smaller, ``0`` otherwise; with the evidence."""
    classes, halves = m["classes"], m["halves"]
    bkg, sig = class_names[0], class_names[1]
    sign = clear_difference(classes, halves)
    verdict = pick(classes, halves, "clearly more than statistics alone gives",
                   "clearly less than statistics alone gives, which is odd",
                   "no more than statistics alone gives, at this statistics")
    return [sign], (f"the correlation matrices of the {n_latents} leading latents differ between "
                    f"{bkg} and {sig} jets by an RMS of {classes.text()} per entry, against "
                    f"{halves.text()} between two halves of the {bkg} jets: {verdict}")


def pc1_measurements(scores: np.ndarray, observables: dict[str, np.ndarray], y: np.ndarray,
                     classes: dict[int, str], names: tuple[str, ...] = ("mass", "multiplicity"),
                     n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """The first component's Pearson correlation with each observable of ``names`` per class
    (``rho (<class>, <name>)``) and over all jets (``rho (all, <name>)``), and its AUC as a
    tagger (``auc``), with a bootstrap over the jets (the components themselves are fixed)."""
    y, pc = np.asarray(y), scores[:, 0]
    obs = {n: np.asarray(observables[n], float) for n in names}

    def rho(a: np.ndarray, b: np.ndarray) -> float:
        ok = np.isfinite(b)
        return float(np.corrcoef(a[ok], b[ok])[0, 1])

    def statistic(idx: np.ndarray) -> dict[str, float]:
        out = {"auc": auc(y[idx], pc[idx])}
        for n, v in obs.items():
            out[f"rho (all, {n})"] = rho(pc[idx], v[idx])
            for label, cls in classes.items():
                sel = idx[y[idx] == label]
                out[f"rho ({cls}, {n})"] = rho(pc[sel], v[sel])
        return out

    return bootstrap_many(statistic, len(y), n_boot, seed)


def pc1_claims(m: dict[str, Measurement], network_auc: Measurement,
               classes: dict[int, str]) -> dict[str, str]:
    """Sentences on :func:`pc1_measurements`: ``pc1_auc`` (the first component as a tagger
    against the network) and ``pc1_follows`` (per class, whether it follows the multiplicity
    or the mass more closely)."""
    a = m["auc"]
    sep = (f"As a tagger on its own, the leading component reaches an AUC of {a.text('{:.4f}')} "
           f"against {network_auc.text('{:.4f}')} for the whole network: " + pick(
               a, network_auc, "clearly more than the network's output",
               "clearly less than the network's output", "as much, within the spread"))
    parts = []
    for cls in classes.values():
        mass, mult = m[f"rho ({cls}, mass)"], m[f"rho ({cls}, multiplicity)"]
        absm, absn = (Measurement(abs(x.value), x.spread, x.n) for x in (mass, mult))
        closer = pick(absn, absm, "the multiplicity clearly more closely than the mass",
                      "the mass clearly more closely than the multiplicity",
                      "the multiplicity and the mass about equally closely")
        parts.append(f"in {cls} jets it follows {closer} (ρ = {mult.text('{:.2f}')} with the "
                     f"multiplicity, {mass.text('{:.2f}')} with the mass)")
    return {"pc1_auc": sep, "pc1_follows": "; ".join(parts)}


def pc1_mass_finding(m: dict[str, Measurement], classes: dict[int, str],
                     paper: dict[str, float], threshold: float = 0.5) -> tuple[list[int], str]:
    """Khot et al.'s finding that the first component follows the jet mass, per class: ``+1``
    where ``|rho(PC1, mass)|`` is clearly above ``threshold``, ``-1`` where clearly below,
    ``0`` otherwise; with the evidence (``paper``: the published rho per class)."""
    signs, parts = [], []
    for cls in classes.values():
        r = m[f"rho ({cls}, mass)"]
        signs.append(clear_difference(Measurement(abs(r.value), r.spread), Measurement(threshold)))
        parts.append(f"{r.text('{:.2f}')} in {cls} jets")
    published = " and ".join(f"{paper[cls]:.1f}" for cls in classes.values())
    names = list(classes.values())
    follows = [n for n, s in zip(names, signs) if s > 0]
    fails = [n for n, s in zip(names, signs) if s < 0]
    if len(follows) == len(names):
        verdict = "in both classes"
    elif follows:
        verdict = f"in {' and '.join(follows)} jets only"
    else:
        verdict = "in neither class" if len(fails) == len(names) else "clearly in no class"
    return signs, (f"ρ(PC1, jet mass) is {' and '.join(parts)} (the paper, on the leaky PFN: "
                   f"{published}); counting |ρ| clearly above "
                   f"{threshold} as following the mass, the leading component follows it "
                   f"{verdict}")


def pca_caveat(n_latents: int, pooled: bool = False) -> str:
    """Why the PCA correlations are not like for like with the paper's (``pooled``: the value
    over both classes, which the paper quotes without naming a class)."""
    ours = f"ours on the honest PFN's {n_latents} latents with the largest ΔAUC"
    if pooled:
        return ("the paper quotes one value without naming the class; ours is over the test jets "
                f"of both classes, {ours}")
    return ("the paper's PCA is on the leaky PFN's latents (a subspace of highly ranked latents "
            f"chosen by ΔAUC, on the slides); {ours}")


# ------------------------------------------------------------- PCA like for like (seeds)
#: the paper's latent selection: "a latent subspace of highly ranked variables (ΔAUC < 1 %)",
#: read as the fewest ΔAUC-ranked latents whose top-k AUC is within this of the full AUC
PAPER_SELECTION_TOLERANCE = 0.01
#: the book's selection: the latents with the largest ΔAUC
BOOK_SELECTION = 30


def select_latents(model: PFN, Z: np.ndarray, y: np.ndarray, ranking: LatentRanking,
                   rule: str) -> np.ndarray:
    """The latents a PCA runs on: ``"book"`` (the :data:`BOOK_SELECTION` largest ΔAUC) or
    ``"paper"`` (the fewest ΔAUC-ranked latents within :data:`PAPER_SELECTION_TOLERANCE` of
    the full AUC)."""
    order = ranking.order()
    if rule == "book":
        return order[:BOOK_SELECTION]
    if rule != "paper":
        raise ValueError(f"unknown latent selection {rule!r} (book or paper)")
    ks = np.arange(1, Z.shape[1] + 1)
    ks = ks[(ks <= 16) | (ks % 8 == 0)]  # every k up to 16, then in steps of 8
    k = latents_needed(ks, topk_auc(model, Z, y, order, ks), ranking.base_auc,
                       PAPER_SELECTION_TOLERANCE)
    return order[:max(k, 2)]  # a PCA needs two latents


def pca_grid(runs: Mapping[str, Sequence[tuple[PFN, np.ndarray]]], y: np.ndarray,
             mass: np.ndarray, classes: Mapping[int, str],
             rules: Sequence[str] = ("paper", "book")) -> dict[tuple[str, str], dict[str, Measurement]]:
    """|ρ(PC1, jet mass)| per class and the number of latents, for each network (``runs``:
    ``{name: [(model, test latents) per seed]}``, e.g. honest and leaky PFN) and latent
    selection, as mean ± spread over the seeds."""
    y, mass = np.asarray(y), np.asarray(mass, float)
    out = {}
    for name, per_seed in runs.items():
        for rule in rules:
            values: dict[str, list[float]] = {}
            for model, Z in per_seed:
                chosen = select_latents(model, Z, y, rank_latents(model, Z, y), rule)
                _, scores = latent_pca(Z[:, chosen], y)
                values.setdefault("latents", []).append(float(len(chosen)))
                for label, cls in classes.items():
                    sel = (y == label) & np.isfinite(mass)
                    values.setdefault(f"|rho| ({cls}, mass)", []).append(
                        abs(float(np.corrcoef(scores[sel, 0], mass[sel])[0, 1])))
            out[(name, rule)] = {k: Measurement.of(v) for k, v in values.items()}
    return out


def pca_grid_table(grid: Mapping[tuple[str, str], Mapping[str, Measurement]],
                   paper: Mapping[str, float]) -> pd.DataFrame:
    """One row per (network, selection), with the paper's values (leaky PFN, its selection)."""
    rows = {(f"{net} PFN", f"{rule}'s selection"): {k: m.text("{:.2f}") if k != "latents"
                                                   else m.text("{:.0f}") for k, m in per.items()}
            for (net, rule), per in grid.items()}
    rows[("paper (leaky PFN)", "paper's selection")] = {f"|rho| ({c}, mass)": f"{v:.2f}"
                                                         for c, v in paper.items()}
    return pd.DataFrame(rows).T.rename_axis(["network", "latents"])


def pca_like_for_like_claim(grid: Mapping[tuple[str, str], Mapping[str, Measurement]],
                            paper: Mapping[str, float], classes: Mapping[int, str]) -> str:
    """The like-for-like comparison — the leaky PFN with the paper's selection against the
    paper — and, per class, whether the network (leaky or honest) and the selection (the
    paper's or the book's) clearly move |ρ(PC1, mass)|."""
    like = grid[("leaky", "paper")]
    parts = []
    for cls in classes.values():
        ours, ref = like[f"|rho| ({cls}, mass)"], paper[cls]
        verdict = {True: "within two spreads of", False: "more than two spreads from",
                   None: "(no spread from a single seed) against"}[agrees_with(ours, ref)]
        parts.append(f"{ours.text('{:.2f}')} in {cls} jets, {verdict} the paper's {ref:.2f}")
    text = ("Like for like — the leaky PFN, latents chosen by the paper's rule — |ρ| is "
            + "; ".join(parts) + ".")
    if any(math.isnan(m.spread) for per in grid.values() for m in per.values()):
        return text + (" With a single training seed there is no spread to tell the networks or "
                       "the selections apart.")
    moves = []
    for cls in classes.values():
        key = f"|rho| ({cls}, mass)"
        net = pick(grid[("leaky", "paper")][key], grid[("honest", "paper")][key],
                   "the leak clearly raises it", "the leak clearly lowers it",
                   "the leak does not measurably move it")
        sel = pick(grid[("honest", "paper")][key], grid[("honest", "book")][key],
                   "the paper's selection gives a clearly larger value than the book's",
                   "the paper's selection gives a clearly smaller value than the book's",
                   "the two selections are indistinguishable")
        moves.append(f"in {cls} jets {net}, and on the honest PFN {sel}")
    rest = "; ".join(moves)
    return f"{text} Over the seeds, {rest}."
