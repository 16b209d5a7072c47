"""The Particle Flow Network on top/QCD jets (chapter 4): training over seeds, the check that
the packed and padded forms compute the same function, their training throughput, the
comparison with the TopoDNN and the boosted decision trees, and the chapter's summary.

- :func:`jets_per_class`: how many jets of each class every split holds;
- :func:`packed_vs_padded`: one untrained PFN evaluated in both input forms;
- :func:`throughput_comparison`: training jets per second, padded, trimmed and packed;
- :func:`train_pfns`, :func:`topodnn_probs`, :func:`bdt_probs`: the models of the comparison
  and their test-set probabilities;
- :func:`comparison_table`: their metrics (mean ± std over seeds) next to published values;
- :func:`chapter_summary`: the chapter's numbers in one table.

The latent-space analysis is in :mod:`helpers.studies.latent`, the label leak in
:mod:`helpers.studies.leak`; the figures are in :mod:`helpers.plots.pfn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from scipy.special import expit

from ..config import Profile
from ..data.jets import JetSet
from ..models import PFN, PackedInputs, PaddedInputs, PaddedPFN, count_parameters, predict_proba
from ..preprocessing import topodnn_features
from ..preprocessing.pfn import PackedParticles
from ..training import training_throughput
from ..training.loop import TrainHistory
from ..training.recipes import PFN_DEFAULTS, train_pfn, train_topodnn
from .baselines import fit_and_score
from .latent import TopKStudy, latent_and_logits
from .performance import performance_table, seed_metrics

#: labels and decimals of the comparison table's metrics (those of :func:`helpers.metrics.summarize`)
COMPARISON_LABELS = {"auc": "AUC", "accuracy": "accuracy", "rejection_0.3": "1/εB (εS=0.3)",
                     "rejection_0.5": "1/εB (εS=0.5)"}
COMPARISON_DECIMALS = {"auc": 4, "accuracy": 3, "rejection_0.3": 0, "rejection_0.5": 0}
#: columns of the published values ``(AUC, accuracy, 1/eps_B at eps_S = 0.3)``
PAPER_COLUMNS = ["paper AUC", "paper acc.", "paper 1/εB (0.3)"]


def jets_per_class(labels: Mapping[str, np.ndarray], class_names: Mapping[int, str]) -> pd.DataFrame:
    """Jets of each class (rows, in the order of ``class_names``) in each split (columns)."""
    return pd.DataFrame({split: {name: int((np.asarray(y) == k).sum())
                                 for k, name in class_names.items()}
                         for split, y in labels.items()}).rename_axis("jets")


# ------------------------------------------------------------------- packed vs padded
@dataclass
class PackedPaddedCheck:
    """One untrained PFN, evaluated in the packed and the padded form with the same weights."""

    #: trainable parameters of the PFN
    n_parameters: int
    #: ``sum |Phi(0)|``: what one zero-padded slot would add to the latent sum without a mask
    phi_of_zero: float
    #: largest ``|packed - padded|`` output over the jets compared
    max_difference: float
    #: jets compared
    n_jets: int


def packed_vs_padded(particles: PackedParticles, seed: int, n_jets: int = 500,
                     slots: int = 200) -> PackedPaddedCheck:
    """Build a :class:`PFN` after ``torch.manual_seed(seed)``, copy its weights into a
    :class:`PaddedPFN` and compare their outputs on the first ``n_jets`` jets (``slots``
    padded slots per jet)."""
    torch.manual_seed(seed)
    packed_model = PFN()
    padded_model = PaddedPFN()
    padded_model.load_state_dict(packed_model.state_dict())
    idx = torch.arange(min(n_jets, len(particles)))
    with torch.no_grad():
        out_packed = packed_model(PackedInputs.from_packed(particles).batch(idx))
        out_padded = padded_model(PaddedInputs.from_packed(particles, slots).batch(idx))
        phi0 = packed_model.phi(torch.zeros(1, 3)).abs().sum().item()
    return PackedPaddedCheck(count_parameters(packed_model), phi0,
                             float((out_packed - out_padded).abs().max()), len(idx))


# ------------------------------------------------------------------------- throughput
@dataclass
class ThroughputComparison:
    """Training throughput of the PFN in its three input forms."""

    #: one row per form (padded first, packed last): ``training jets / s`` and ``speed-up``
    #: over the padded form
    table: pd.DataFrame
    #: training jets of the benchmark
    n_jets: int
    batch_size: int
    #: torch CPU threads during the benchmark
    threads: int


def throughput_comparison(particles: PackedParticles, y: np.ndarray, device: str,
                          n_jets: int = 2000, batch_size: int = 250, slots: int = 200,
                          lr: float = PFN_DEFAULTS["lr"]) -> ThroughputComparison:
    """One training epoch on the first ``n_jets`` jets, padded to ``slots``, trimmed to the
    longest jet of each batch, and packed (segment sum), timed by
    :func:`helpers.training.training_throughput`."""
    n = min(n_jets, len(particles))
    bench_p, bench_y = particles.subset(np.arange(n)), y[:n]
    forms = {f"padded ({slots} slots)": (PaddedPFN, PaddedInputs.from_packed(bench_p, slots)),
             "trimmed to longest jet in batch":
                 (PaddedPFN, PaddedInputs.from_packed(bench_p, slots, trim=True)),
             "packed (segment sum)": (PFN, PackedInputs.from_packed(bench_p))}
    speed = pd.Series({name: training_throughput(cls, inputs, bench_y, batch_size, device=device,
                                                 lr=lr)
                       for name, (cls, inputs) in forms.items()}, name="training jets / s")
    table = speed.to_frame().assign(**{"speed-up": speed / speed.iloc[0]})
    return ThroughputComparison(table, n, batch_size, torch.get_num_threads())


# ----------------------------------------------------------------------------- models
@dataclass
class PFNRuns:
    """The PFNs of all training seeds and their test-set probabilities."""

    models: list[PFN]
    #: ``{seed: TrainHistory}``
    histories: dict[int, TrainHistory]
    #: signal probabilities on the evaluation jets, one array per seed
    probs: list[np.ndarray]


def train_pfns(particles: Mapping[str, PackedParticles], y: Mapping[str, np.ndarray],
               profile: Profile | str, seeds: Sequence[int], device: str, evaluate: str = "test",
               **overrides) -> PFNRuns:
    """Train (or load) one PFN per seed with :func:`helpers.training.recipes.train_pfn` on the
    ``train``/``val`` splits and score the ``evaluate`` split."""
    runs = [train_pfn(particles["train"], y["train"], particles["val"], y["val"], profile, s,
                      device, **overrides) for s in seeds]
    models = [model for model, _ in runs]
    probs = [expit(latent_and_logits(m, particles[evaluate])[1]) for m in models]
    return PFNRuns(models, {s: h for s, (_, h) in zip(seeds, runs)}, probs)


def topodnn_probs(splits: Mapping[str, JetSet], profile: Profile | str, seeds: Sequence[int],
                  device: str, **overrides) -> list[np.ndarray]:
    """Test-set probabilities of the TopoDNN of every seed (the cached models of chapter 1)."""
    X_test = topodnn_features(splits["test"])
    return [predict_proba(train_topodnn(splits["train"], splits["val"], profile, s, device,
                                        **overrides)[0], X_test) for s in seeds]


def bdt_probs(observables: Mapping[str, dict], y_train: np.ndarray, seed: int,
              features: Sequence[str] = ("mass+tau", "mass+tau+multiplicity")
              ) -> dict[str, np.ndarray]:
    """Test-set probabilities of the boosted-decision-tree baseline on each observable set
    (``observables`` holds the ``train`` and ``test`` observables)."""
    return {f: fit_and_score(observables["train"], y_train, observables["test"], f, seed)
            for f in features}


# ------------------------------------------------------------------------- comparison
def comparison_table(y: np.ndarray, probs: Mapping[str, Sequence[np.ndarray]],
                     paper: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """One row per model ``{name: [probabilities of one seed, ...]}``: AUC, accuracy and
    ``1/eps_B`` as mean ± std over the seeds, and the published ``auc``, ``accuracy`` and
    ``rejection_0.3`` of ``paper`` (:func:`helpers.published.metrics`; empty where a model has
    none)."""
    table = performance_table(seed_metrics(y, probs), decimals=COMPARISON_DECIMALS,
                              labels=COMPARISON_LABELS).T
    for name, m in (paper or {}).items():
        table.loc[name, PAPER_COLUMNS] = [f"{m['auc']:.4f}", f"{m['accuracy']:.4f}",
                                          f"{m['rejection_0.3']:.0f}"]
    return table.fillna("")


# ---------------------------------------------------------------------------- summary
SUMMARY_METRICS = ["AUC", "accuracy", "1/εB (εS=0.3)"]


def chapter_summary(results: pd.DataFrame, topk: TopKStudy, pc_corr: pd.DataFrame,
                    honest: Mapping[str, float], leaked: Mapping[str, float],
                    balance_auc: Mapping[str, float], throughput: pd.DataFrame, device: str,
                    class_names: Mapping[int, str], paper_rho_mass: Mapping[str, float],
                    paper_auc: tuple[float, float]) -> pd.Series:
    """The chapter's numbers in one column.

    ``results``: :func:`comparison_table` (rows ``PFN``, ``TopoDNN``, ``BDT: mass + τ``);
    ``pc_corr``: :func:`helpers.studies.latent.component_correlations`; ``honest``/``leaked``:
    :func:`helpers.metrics.summarize` of the PFN on honest and on leaky inputs;
    ``balance_auc``: AUC of the azimuthal imbalance per preprocessing; ``throughput``:
    :attr:`ThroughputComparison.table`; ``paper_rho_mass``: published ρ(PC1, mass) per class;
    ``paper_auc``: published PFN AUC with honest and with leaky inputs.
    """
    pc1 = pc_corr.xs("PC1", level=1)
    bkg, sig = class_names[0], class_names[1]
    speed = throughput["training jets / s"]
    return pd.Series({
        "PFN AUC / accuracy / 1/εB(0.3)": " / ".join(results.loc["PFN", SUMMARY_METRICS]),
        "TopoDNN AUC / accuracy / 1/εB(0.3)": " / ".join(results.loc["TopoDNN", SUMMARY_METRICS]),
        "BDT on mass + τ: AUC": results.loc["BDT: mass + τ", "AUC"],
        f"latents needed (AUC within {topk.tolerance})":
            f"{topk.k_needed} of {topk.n_latents}, {topk.best_ranking} ({topk.n_alive} alive)",
        f"ρ(PC1, mass): {bkg} / {sig}":
            f"{pc1.loc[bkg, 'mass']:.2f} / {pc1.loc[sig, 'mass']:.2f} "
            f"(paper {paper_rho_mass[bkg]} / {paper_rho_mass[sig]})",
        f"ρ(PC1, multiplicity): {bkg} / {sig}":
            f"{pc1.loc[bkg, 'multiplicity']:.2f} / {pc1.loc[sig, 'multiplicity']:.2f}",
        "PFN AUC, honest / leaky inputs":
            f"{honest['auc']:.4f} / {leaked['auc']:.4f} (paper {paper_auc[0]} / {paper_auc[1]})",
        "AUC of |Σ z sin Δφ|, honest / leaky inputs":
            " / ".join(f"{v:.4f}" for v in balance_auc.values()),
        "training throughput, packed vs padded":
            f"{speed.iloc[-1]:,.0f} vs {speed.iloc[0]:,.0f} jets/s on {device}",
    })
