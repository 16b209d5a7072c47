"""The PFN latent space: extraction, rankings, correlations, principal components (chapter 4).

A PFN scores a jet as ``F(z)`` with the latent vector ``z = sum_i Phi(p_i)``.  Everything
here works on the latents ``Z`` ``(N, d)`` of a set of jets and on the head ``F`` alone:

- :func:`extract_latent` / :func:`latent_and_logits`: latents (and logits) of packed jets;
- :func:`rank_latents`: Delta-AUC occlusion (latent -> its mean) and MAD relevance per class,
  from one set of occluded head evaluations (:func:`helpers.xai.differential.occluded_outputs`);
- :func:`topk_auc`, :func:`latents_needed`: AUC when only the ``k`` best-ranked latents are kept;
- :func:`correlation_matrices`, :func:`correlation_difference`: per-class correlations of the
  leading latents and one number for how much they differ;
- :func:`latent_pca`, :func:`component_correlations`: principal components up to a variance
  fraction and their correlation with jet observables per class;
- :func:`particle_delta_auc`: Delta-AUC of the *inputs* of the leading particles (the
  occlusion that exposed the label leak of :mod:`helpers.leak`).

Linear probes of the latent vector use :func:`helpers.probing.probe_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from sklearn.decomposition import PCA

from .metrics import auc
from .models.common import as_scorer, predict_logits
from .models.pfn import PFN, PackedInputs
from .plotting import CLASS_COLORS, hist_classes
from .preprocessing.pfn import PackedParticles
from .xai import mad_relevance
from .xai.differential import occluded_outputs


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


# ------------------------------------------------------------------------------ figures
def plot_ranking(axes, ranking: LatentRanking, classes: dict[int, str], n_show: int = 40) -> None:
    """Left: Delta-AUC of the ``n_show`` leading latents; right: their MAD per class."""
    order = ranking.order()[:n_show]
    x = np.arange(n_show)
    axes[0].bar(x, ranking.delta_auc[order], color="grey")
    axes[0].set(ylabel=r"$\Delta$AUC (latent $\rightarrow$ mean)")
    for i, (label, name) in enumerate(classes.items()):
        axes[1].bar(x + (i - 0.5) * 0.4, ranking.mad[label][order], 0.4,
                    color=CLASS_COLORS[name], label=name)
    axes[1].set(ylabel="MAD relevance [logit]")
    axes[1].legend()
    for ax in axes:
        ax.set_xticks(x, [str(i) for i in order], rotation=90, fontsize=10)
        ax.set_xlabel(r"latent index (ordered by $\Delta$AUC)")


def plot_topk(ax, ks: np.ndarray, curves: dict[str, np.ndarray], full_auc: float,
              k_needed: int | None = None) -> None:
    """AUC with only the top-``k`` latents kept (``k >= 1``, log axis), one curve per ranking."""
    keep = np.asarray(ks) >= 1
    for name, aucs in curves.items():
        ax.plot(np.asarray(ks)[keep], np.asarray(aucs)[keep], "o-", ms=4, label=name)
    ax.axhline(full_auc, color="black", ls="--", lw=1, label="all latents")
    ax.axhline(0.5, color="grey", ls="-", lw=0.8)
    if k_needed is not None:
        ax.axvline(k_needed, color="grey", ls=":", lw=1.5, label=f"k = {k_needed}")
    low = min(0.5, *(np.min(np.asarray(a)[keep]) for a in curves.values()))
    ax.set(xscale="log", xlabel="latents kept $k$ (the others set to their mean)",
           ylabel="ROC AUC", ylim=(low - 0.02, 1.0))
    ax.legend(loc="best", fontsize=11)


def plot_correlations(axes, matrices: dict[str, np.ndarray], latents: np.ndarray) -> None:
    """Correlation heatmaps with the same latent ordering and colour scale."""
    ticks = [str(i) for i in latents]
    for ax, (name, c) in zip(axes, matrices.items()):
        sns.heatmap(c, ax=ax, vmin=-1, vmax=1, cmap="RdBu_r", square=True, xticklabels=ticks,
                    yticklabels=ticks, cbar_kws={"label": r"$\rho$", "shrink": 0.8})
        ax.set_title(f"{name} jets")
        ax.tick_params(labelsize=8)
        ax.set(xlabel="latent index", ylabel="latent index")


def plot_components(axes, scores: np.ndarray, y: np.ndarray, classes: dict[int, str],
                    explained: np.ndarray) -> None:
    """Distribution of the leading principal components per class (one panel each)."""
    for c, ax in enumerate(axes):
        values = {name: scores[y == label, c] for label, name in classes.items()}
        lo, hi = np.percentile(scores[:, c], [0.5, 99.5])
        hist_classes(ax, values, np.linspace(lo, hi, 41),
                     f"PC{c + 1} ({explained[c]:.0%} of the variance)")


def plot_component_vs(ax, pc: np.ndarray, observable: np.ndarray, y: np.ndarray,
                      classes: dict[int, str], xlabel: str, ylabel: str) -> None:
    """Scatter of one component against one observable, per class."""
    for label, name in classes.items():
        sel = y == label
        ax.scatter(observable[sel], pc[sel], s=4, alpha=0.3, color=CLASS_COLORS[name],
                   label=name, rasterized=True)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(markerscale=4)


def plot_component_correlations(axes, table: pd.DataFrame) -> None:
    """Heatmaps of :func:`component_correlations`, one panel per class."""
    for ax, cls in zip(axes, table.index.get_level_values(0).unique()):
        sns.heatmap(table.loc[cls], ax=ax, vmin=-1, vmax=1, cmap="RdBu_r", annot=True,
                    fmt=".2f", cbar=ax is axes[-1], cbar_kws={"label": r"$\rho$"})
        ax.set_title(f"{cls} jets")
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
