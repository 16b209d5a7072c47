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
from ..results import Measurement
from ..results.claims import N_BOOT, bootstrap_many, pick
from ..training import training_throughput
from ..training.loop import TrainHistory
from ..training.recipes import PFN_DEFAULTS, train_pfn, train_topodnn
from ..xai.nap import NAP, SPARSE_RNA, sequential_nap
from .baselines import fit_and_score
from .latent import TopKStudy, latent_and_logits
from .performance import performance_table, seed_measurements, stat_errors

#: labels and decimals of the comparison table's metrics (those of :func:`helpers.metrics.summarize`)
#: the comparison's metrics: those the paper publishes (chapter 1's table adds eps_S = 0.5)
COMPARISON_LABELS = {"auc": "AUC", "accuracy": "accuracy", "rejection_0.3": "1/εB (εS=0.3)"}
COMPARISON_DECIMALS = {"auc": 4, "accuracy": 3, "rejection_0.3": 0}
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
    return PFNRuns(models, {s: h for s, (_, h) in zip(seeds, runs)},
                   score_pfns(models, particles[evaluate]))


def score_pfns(models: Sequence[PFN], particles: PackedParticles) -> list[np.ndarray]:
    """Signal probabilities of each model on ``particles``."""
    return [expit(latent_and_logits(m, particles)[1]) for m in models]


def topodnn_probs(splits: Mapping[str, JetSet], profile: Profile | str, seeds: Sequence[int],
                  device: str, **overrides) -> list[np.ndarray]:
    """Test-set probabilities of the TopoDNN of every seed (the cached models of chapter 1,
    trained on ``splits["train"]``, scoring ``splits["test"]``)."""
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
def comparison_table(metrics: Mapping[str, Mapping[str, tuple[float, float]]],
                     paper: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """One row per model of ``metrics`` (:func:`~helpers.studies.performance.seed_metrics`):
    AUC, accuracy and ``1/eps_B`` as mean ± std over the seeds (the rejections with their
    statistical errors), and the published ``auc``, ``accuracy`` and ``rejection_0.3`` of
    ``paper`` (:func:`helpers.published.metrics`; empty where a model has none)."""
    table = performance_table(metrics, decimals=COMPARISON_DECIMALS,
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
        "PFN AUC, honest / leaky inputs (balanced test jets)":
            f"{honest['auc']:.4f} / {leaked['auc']:.4f} (paper {paper_auc[0]} / {paper_auc[1]})",
        "AUC of |Σ z sin Δφ|, honest / leaky inputs":
            " / ".join(f"{v:.4f}" for v in balance_auc.values()),
        "training throughput, packed vs padded":
            f"{speed.iloc[-1]:,.0f} vs {speed.iloc[0]:,.0f} jets/s on {device}",
    })


# ------------------------------------------------------------------- measurements and claims
#: the metrics recorded for the scorecard (keys of :func:`helpers.metrics.summarize`)
RECORDED_METRICS = ("auc", "accuracy", "rejection_0.3")


def metric_measurements(y: np.ndarray, probs: Sequence[np.ndarray], n_boot: int = N_BOOT,
                        seed: int = 0, stat: Mapping[str, float] | None = None
                        ) -> dict[str, Measurement]:
    """:data:`RECORDED_METRICS` of one model (one array of test probabilities per seed) by
    :func:`helpers.studies.performance.seed_measurements`: mean and spread over the seeds (a
    rejection's with its statistical error, ``stat`` if already measured), or a bootstrap
    over the test jets for one."""
    m = seed_measurements(y, probs, n_boot, seed, stat)
    return {k: m[k] for k in RECORDED_METRICS}


def comparison_measurements(y: np.ndarray, probs: Mapping[str, Sequence[np.ndarray]],
                            metrics: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
                            n_boot: int = N_BOOT, seed: int = 0
                            ) -> dict[str, dict[str, Measurement]]:
    """:func:`metric_measurements` of every model of the comparison table, reusing the
    statistical errors of its ``metrics`` (:func:`comparison_table`'s input) when given."""
    return {name: metric_measurements(y, p, n_boot, seed,
                                      stat_errors(metrics[name]) if metrics else None)
            for name, p in probs.items()}


def parameter_caveat(n_ours: int, n_paper: int) -> str:
    """Why the parameter counts differ: the paper's head ends in two softmax outputs, ours in
    one logit (one row of the last layer fewer)."""
    return (f"the paper's F ends in two softmax outputs, ours in one logit: {n_paper - n_ours:,} "
            "parameters fewer, the same network otherwise")


def comparison_claims(m: Mapping[str, Mapping[str, Measurement]], pfn: str = "PFN",
                      topodnn: str = "TopoDNN", bdt: str = "BDT: mass + τ") -> dict[str, str]:
    """Sentences on the AUCs of :func:`comparison_measurements`: ``pfn_vs_topodnn`` (the
    paper: the PFN ahead) and ``pfn_vs_bdt`` (the trees on mass and N-subjettiness)."""
    a, b, c = m[pfn]["auc"], m[topodnn]["auc"], m[bdt]["auc"]
    ta, tb, tc = (x.text("{:.4f}") for x in (a, b, c))
    vs_topo = pick(a, b, f"the PFN, with an AUC of {ta}, clearly tags better than the TopoDNN "
                         f"({tb}), as in the paper",
                   f"the PFN, with an AUC of {ta}, clearly tags worse than the TopoDNN ({tb}), "
                   "unlike in the paper",
                   f"the PFN (AUC {ta}) and the TopoDNN ({tb}) are indistinguishable at this "
                   "statistics, where the paper has the PFN ahead")
    vs_bdt = pick(c, a, f"the trees on mass and τ ({tc}) clearly tag better than the PFN ({ta})",
                  f"the PFN ({ta}) clearly tags better than the trees on mass and τ ({tc})",
                  f"the trees on mass and τ ({tc}) and the PFN ({ta}) are indistinguishable at "
                  "this statistics")
    return {"pfn_vs_topodnn": vs_topo, "pfn_vs_bdt": vs_bdt}


def jet_shapes(particles: PackedParticles) -> dict[str, np.ndarray]:
    """Per jet: ``multiplicity``, ``spread`` (the momentum-weighted mean distance
    ``sum_i z_i Delta R_i`` from the axis) and ``leading z`` (the hardest particle's share)."""
    f = particles.features.astype(np.float64)
    jet = particles.jet_index
    spread = np.bincount(jet, f[:, 0] * np.hypot(f[:, 1], f[:, 2]), minlength=len(particles))
    return {"multiplicity": particles.counts.astype(float), "spread": spread,
            "leading z": f[particles.offsets[:-1], 0]}


def particle_input_claim(particles: PackedParticles, y: np.ndarray,
                         class_names: Mapping[int, str], n_boot: int = N_BOOT, seed: int = 0) -> str:
    """How the signal jets' particles differ from the background's (:func:`jet_shapes`, class
    means with a bootstrap over the jets): more or fewer, wider or narrower, and the hardest
    particle's share of the momentum."""
    y = np.asarray(y)
    shapes = jet_shapes(particles)
    bkg, sig = class_names[0], class_names[1]

    def statistic(idx: np.ndarray) -> dict[str, float]:
        return {f"{k} ({label})": float(v[idx][y[idx] == label].mean())
                for k, v in shapes.items() for label in (0, 1)}

    m = bootstrap_many(statistic, len(y), n_boot, seed)

    def pair(key: str, fmt: str) -> tuple[Measurement, Measurement, str]:
        s, b = m[f"{key} (1)"], m[f"{key} (0)"]
        return s, b, f"{s.text(fmt)} against {b.text(fmt)}"

    s, b, nums = pair("multiplicity", "{:.1f}")
    many = pick(s, b, "more particles than", "fewer particles than",
                "as many particles as, within the spread,")
    s, b, wnums = pair("spread", "{:.3f}")
    wide = pick(s, b, "spread wider around the axis", "stay closer to the axis",
                "spread about as wide around the axis")
    s, b, znums = pair("leading z", "{:.3f}")
    hard = pick(s, b, "give a larger share of their momentum to the hardest particle",
                "give a smaller share of their momentum to the hardest particle",
                "give about the same share of their momentum to the hardest particle")
    return (f"{sig} jets carry {many} {bkg} jets ({nums} on average), {wide} (momentum-weighted "
            f"mean distance ΔR {wnums}) and {hard} ({znums})")


def padding_claim(counts: np.ndarray, slots: int = 200, n_boot: int = N_BOOT, seed: int = 0) -> str:
    """What share of ``slots`` padded slots a jet fills on average, and whether most of a
    stored jet is padding."""
    fill = np.asarray(counts, float) / slots
    m = bootstrap_many(lambda idx: {"fill": float(fill[idx].mean())}, len(fill), n_boot, seed)["fill"]
    most = pick(Measurement(0.5), m, ", so most of every stored jet is padding",
                ", so most slots hold a particle", "")
    return f"a jet fills {m.value:.0%} of them on average{most}"


# ------------------------------------------------------------------ activation patterns
#: the PFN's two sub-networks, as the NAP figures and tables name them
PFN_PARTS = ("Φ", "F")


def pfn_naps(model: PFN, particles: PackedParticles, y: np.ndarray,
             class_names: Mapping[int, str]) -> dict[str, NAP]:
    """NAPs of the per-particle network Φ (its RNA sums over every particle of a class's
    jets, latent layer included) and of the head F (over the jets' latents)."""
    y = np.asarray(y)
    Z = latent_and_logits(model, particles)[0]
    return {"Φ": sequential_nap(model.phi, particles.features, y[particles.jet_index], class_names),
            "F": sequential_nap(model.F, Z, y, class_names)}


def pfn_sparsity(models: Sequence[PFN], particles: PackedParticles, y: np.ndarray,
                 class_names: Mapping[int, str],
                 threshold: float = SPARSE_RNA) -> dict[str, Measurement]:
    """Sparsity of Φ and of F (``"Φ overall"``, ``"F top"``, ...; overall: sparse for every
    class), mean ± spread over the trained networks; a head without hidden layers has none."""
    per_model = []
    for model in models:
        naps = pfn_naps(model, particles, y, class_names)
        per_model.append({f"{part} {k}": v for part, nap in naps.items() if nap.widths
                          for k, v in nap.sparsity(threshold).items()})
    return {k: Measurement.of([m[k] for m in per_model]) for k in per_model[0]}


def pfn_layer_table(naps: Mapping[str, NAP], threshold: float = SPARSE_RNA) -> pd.DataFrame:
    """Per layer of Φ and F: width, sparse share per class and overall, dead nodes."""
    frames = {part: pd.DataFrame(nap.layer_table(threshold)) for part, nap in naps.items()}
    for part, frame in frames.items():
        frame.index = [f"{part} layer {k + 1}" for k in range(len(frame))]
    return pd.concat(frames.values()).rename_axis("layer")


def pfn_sparsity_claim(m: Mapping[str, Measurement], paper: Mapping[str, float]) -> str:
    """Φ against F (which sub-network is sparser, with the spread over seeds) and both
    against the paper's honest PFN (Delphes jets, 1.2 M training jets)."""
    phi, f = m["Φ overall"], m["F overall"]
    order = pick(phi, f, "Φ is clearly sparser than F", "F is clearly sparser than Φ",
                 "the two are indistinguishable at this statistics",
                 unknown="a single training seed gives no spread to tell them apart")
    same = (paper["phi"] > paper["F"]) == (phi.value > f.value)
    return (f"Overall, Φ has a sparsity of {phi.text('{:.2f}')} and F of {f.text('{:.2f}')}: "
            f"{order} (the paper's honest PFN: Φ {paper['phi']:.3f}, F {paper['F']:.2f}, "
            f"{'the same order' if same else 'the other order'})")


# ---------------------------------------------------------------- a smaller PFN
def reoptimised_claim(small: Mapping[str, Measurement], base: Mapping[str, Measurement],
                      n_small: int, n_base: int, small_sparsity: Measurement,
                      base_sparsity: Measurement) -> str:
    """The smaller PFN against the baseline: AUC (with its spread) and the Φ sparsity."""
    auc_text = pick(small["auc"], base["auc"], "clearly higher than", "clearly lower than",
                    "indistinguishable from")
    sp_text = pick(small_sparsity, base_sparsity, "clearly sparser than", "clearly busier than",
                   "as sparse as, within the spread,",
                   unknown="without a spread from a single seed, not to be told from")
    return (f"With {n_small:,} parameters instead of {n_base:,}, the smaller PFN reaches an AUC "
            f"of {small['auc'].text('{:.4f}')}, {auc_text} the baseline's "
            f"{base['auc'].text('{:.4f}')}; its Φ, with an overall sparsity of "
            f"{small_sparsity.text('{:.2f}')}, is {sp_text} the baseline's "
            f"({base_sparsity.text('{:.2f}')})")


@dataclass
class SmallerPFN:
    """The re-optimised (smaller) PFN, trained per seed, against the baseline."""

    runs: PFNRuns
    metrics: dict[str, Measurement]
    sparsity: dict[str, Measurement]
    n_parameters: int
    claim: str


def smaller_pfn(particles: Mapping[str, PackedParticles], y: Mapping[str, np.ndarray],
                profile: Profile | str, seeds: Sequence[int], device: str,
                phi_sizes: Sequence[int], base_probs: Sequence[np.ndarray], base_model: PFN,
                base_sparsity: Mapping[str, Measurement], class_names: Mapping[int, str],
                seed: int = 0) -> SmallerPFN:
    """Train (or load) a PFN with Φ widths ``phi_sizes`` and a head without hidden layers,
    with the chapter's recipe, for every seed; its metrics, sparsity and the claim."""
    runs = train_pfns(particles, y, profile, seeds, device, phi_sizes=tuple(phi_sizes), f_sizes=())
    m = metric_measurements(y["test"], runs.probs, seed=seed)
    sp = pfn_sparsity(runs.models, particles["test"], y["test"], class_names)
    n = count_parameters(runs.models[0])
    claim = reoptimised_claim(m, metric_measurements(y["test"], base_probs, seed=seed), n,
                              count_parameters(base_model), sp["Φ overall"], base_sparsity["Φ overall"])
    return SmallerPFN(runs, m, sp, n, claim)
