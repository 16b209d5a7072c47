"""The PFN label leak, reproduced on purpose (chapter 4): a deliberately WRONG preprocessing.

Until February 2023 the PFN data set of Khot et al. built the jet axis from every column
whose name contains ``PX``/``PY``/``PZ``.  In the top-tagging benchmark files that also
matched ``truthPX/PY/PZ``: the four-momentum of the parton-level top quark, which is zero
for QCD jets.  The axis of a top jet was therefore pulled towards the top quark, the axis of
a QCD jet was not, and the centring of the constituents encoded the label.

:func:`leaky_pfn_features` does exactly that on purpose.  It must **never** be registered in
:data:`helpers.preprocessing.PREPROCESSORS`: the leak guard
(:func:`helpers.preprocessing.guard.truth_leak_report`) flags it.

The study of the leak:

- :func:`truth_axis_distance`: how far the truth parton lies from the jet axis;
- :func:`balance_aucs`: the azimuthal imbalance about the axis as a one-number tagger;
- :func:`retrain_on_leaky`, :func:`leak_verdict`: the same PFN retrained on leaky inputs;
- :func:`particle_importance`, :func:`angle_vs_momentum`, :func:`describe_angles`: the
  occlusion of the leading particles' inputs, and whether an angle outranks the momenta;
- :func:`guard_reports`, :func:`format_guard_reports`: the leak guard run on preprocessings.

The figures are in :mod:`helpers.plots.leak`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from ..config import Profile
from ..data.jets import MAX_CONSTITUENTS, JetSet
from ..metrics import auc, summarize
from ..models.pfn import PFN
from ..physics.kinematics import delta_r, pt_eta_phi
from ..preprocessing.guard import truth_leak_report
from ..preprocessing.pfn import PackedParticles, pfn_features_from_axis
from ..results import Measurement, clear_difference
from ..results.claims import N_BOOT, bootstrap_many, pick
from ..training.loop import TrainHistory
from ..training.recipes import train_pfn
from .latent import latent_and_logits, particle_delta_auc
from .performance import rejection_stat


def leaky_pfn_features(jets: JetSet, max_particles: int = MAX_CONSTITUENTS) -> PackedParticles:
    """PFN inputs centred on ``sum_i p_i + p_truth`` (three-momenta): the upstream bug.

    The truth parton is zero for background jets (as in the benchmark files), so only
    signal jets are shifted.  For demonstrations only.
    """
    axis = jets.constituents[..., 1:].sum(axis=1, dtype=np.float64) + jets.truth[:, 1:]
    return pfn_features_from_axis(jets.constituents, axis, max_particles)


def truth_axis_distance(jets: JetSet) -> np.ndarray:
    """``(N,)`` distance ``Delta R`` (pseudorapidity-azimuth) between the truth parton and the
    jet axis (the summed constituent momentum); NaN where the truth is zero (QCD jets).

    The leaky axis is pulled by about half this distance, so it sets the size of the leak.
    """
    jet = jets.constituents[..., 1:].sum(axis=1, dtype=np.float64)
    truth = np.asarray(jets.truth[:, 1:], np.float64)
    _, eta_j, phi_j = pt_eta_phi(*jet.T)
    pt_t, eta_t, phi_t = pt_eta_phi(*truth.T)
    return np.where(pt_t > 0, delta_r(eta_t, phi_t, eta_j, phi_j), np.nan)


def balance_aucs(balances: Mapping[str, np.ndarray], y: np.ndarray) -> dict[str, float]:
    """AUC of ``|sum_i z_i sin(dphi_i)|`` as a one-number tagger, per preprocessing
    (``balances``: :func:`helpers.preprocessing.pfn.azimuthal_balance` of each)."""
    return {name: auc(y, np.abs(b)) for name, b in balances.items()}


# ------------------------------------------------------------------------ retraining
@dataclass
class LeakRetraining:
    """The PFN retrained on leaky inputs, next to the honest PFN of the same seed."""

    model: PFN
    history: TrainHistory
    #: signal probabilities of the leaky PFN on the leaky test inputs
    probs: np.ndarray
    #: :func:`helpers.metrics.summarize` of the honest and of the leaky PFN
    honest: dict[str, float]
    leaked: dict[str, float]
    #: statistical errors of the rejections (:func:`~helpers.studies.performance.rejection_stat`)
    #: of the ``honest`` and the ``leaked`` PFN
    stat: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """The two rows ``honest inputs`` and ``leaky inputs``, one column per metric; the
        rejections as ``value ± error (stat.)`` text where :attr:`stat` has their errors."""
        rows = {"honest inputs": dict(self.honest), "leaky inputs": dict(self.leaked)}
        for metrics, errors in zip(rows.values(), (self.stat.get("honest"), self.stat.get("leaked"))):
            for key, error in (errors or {}).items():
                metrics[key] = f"{metrics[key]:.0f} ± {error:.0f} (stat.)"
        return pd.DataFrame(rows).T

    @property
    def gain(self) -> float:
        """AUC of the leaky PFN minus AUC of the honest one."""
        return self.leaked["auc"] - self.honest["auc"]


def retrain_on_leaky(leaky: Mapping[str, PackedParticles], y: Mapping[str, np.ndarray],
                     honest_probs: np.ndarray, profile: Profile | str, seed: int, device: str,
                     **overrides) -> LeakRetraining:
    """Train (or load) the PFN of ``seed`` with the chapter's recipe on the leaky
    ``train``/``val`` inputs (cached as ``pfn-leaky``) and evaluate it on the leaky test
    inputs; ``honest_probs`` are the honest PFN's test probabilities."""
    model, history = train_pfn(leaky["train"], y["train"], leaky["val"], y["val"], profile,
                               seed, device, name="pfn-leaky", **overrides)
    probs = expit(latent_and_logits(model, leaky["test"])[1])
    stat = {"honest": rejection_stat(y["test"], [honest_probs]),
            "leaked": rejection_stat(y["test"], [probs])}
    return LeakRetraining(model, history, probs, summarize(y["test"], honest_probs),
                          summarize(y["test"], probs), stat)


def leak_verdict(retrained: LeakRetraining, seed: int, n_train: int, one_number_auc: float,
                 threshold: float = 0.005) -> str:
    """Whether the retrained PFN exploits the leak (its AUC rises by more than ``threshold``),
    in one sentence; ``one_number_auc`` is the AUC of the imbalance on the leaky inputs."""
    gain = retrained.gain
    return f"seed {seed}, {n_train:,} training jets: " + (
        f"the retrained PFN exploits the leak, its AUC rises by {gain:.4f}" if gain > threshold else
        f"the retrained PFN does not exploit the leak at this training-set size (AUC change "
        f"{gain:+.4f}), although one number computed from its inputs reaches AUC {one_number_auc:.4f}")


# ------------------------------------------------------------------- input occlusion
def particle_importance(models: Mapping[str, tuple[PFN, PackedParticles]], y: np.ndarray,
                        n_leading: int = 5) -> dict[str, np.ndarray]:
    """:func:`helpers.studies.latent.particle_delta_auc` of each ``{name: (model, its
    inputs)}``: ``(n_leading, 3)`` Delta-AUC of ``z``, ``deta``, ``dphi`` per particle."""
    return {name: particle_delta_auc(model, inputs, y, n_leading)
            for name, (model, inputs) in models.items()}


def angle_vs_momentum(importances: Mapping[str, np.ndarray], mark: float = 0.01) -> pd.DataFrame:
    """Per model: the largest Delta-AUC of an angle (``deta``, ``dphi``) and of a momentum
    fraction ``z`` among the leading particles, whether the angle outranks every momentum,
    and whether it is above ``mark`` (the paper's 1 %)."""
    rows = {}
    for name, imp in importances.items():
        angle, momentum = float(imp[:, 1:].max()), float(imp[:, 0].max())
        rows[name] = {"largest angle ΔAUC": angle, "largest momentum ΔAUC": momentum,
                      "angle outranks every momentum": angle > momentum,
                      "angle above the mark": angle > mark}
    return pd.DataFrame.from_dict(rows, orient="index")


def describe_angles(table: pd.DataFrame, numerator: str, denominator: str) -> str:
    """:func:`angle_vs_momentum` in sentences, one per model, and the ratio of the largest
    angle Delta-AUC of ``numerator`` to that of ``denominator``."""
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    lines = [f"{name}: largest ΔAUC of an angle {r['largest angle ΔAUC']:.4f}, of a momentum "
             f"fraction {r['largest momentum ΔAUC']:.4f}; an angle outranks every momentum: "
             f"{yes(r['angle outranks every momentum'])}; an angle above the paper's 1 % mark: "
             f"{yes(r['angle above the mark'])}" for name, r in table.iterrows()]
    angles = table["largest angle ΔAUC"]
    ratio = angles[numerator] / max(angles[denominator], 1e-6)
    return "\n".join(lines + [f"ratio {numerator} / {denominator} of the largest angle ΔAUC: "
                               f"{ratio:.1f}"])


# ---------------------------------------------------------------------------- guard
def guard_reports(preprocessings: Mapping[str, Callable[[JetSet], Any]], jets: JetSet,
                  n_jets: int = 200) -> dict[str, list[str]]:
    """:func:`helpers.preprocessing.guard.truth_leak_report` of each preprocessing on the
    first ``n_jets`` jets (an empty list: no dependence on the truth found)."""
    sample = jets.subset(np.arange(min(n_jets, len(jets))))
    return {name: truth_leak_report(fn, sample) for name, fn in preprocessings.items()}


def format_guard_reports(reports: Mapping[str, list[str]]) -> str:
    """One line per preprocessing, followed by its problems, indented, where it leaks."""
    return "\n".join(f"{name}: " + ("no dependence on the truth found" if not report else
                                    "LEAK\n    " + "\n    ".join(report))
                     for name, report in reports.items())


# ------------------------------------------------------------------ measurements and claims
# The leaky PFN is trained for one seed, so every spread here is a bootstrap over the test
# jets (:func:`helpers.results.claims.bootstrap_many`), paired where two numbers share the jets.


def leak_caveat() -> str:
    """Why the leaky numbers are not like for like with the paper's, beyond the samples."""
    return ("the same bug on a different truth object: our truth top is the top quark of the "
            "hard process, before initial-state radiation, not the benchmark files' truth "
            "four-vector; one training seed")


def axis_shift_claim(top_dr: np.ndarray, jet_radius: float) -> str:
    """How far the leaky axis moves (half the distance between the truth top and the jet axis,
    :func:`truth_axis_distance`), in units of the jet radius."""
    shift = np.nanmedian(top_dr) / 2
    frac = np.mean(np.asarray(top_dr)[np.isfinite(top_dr)] / 2 < 0.25 * jet_radius)
    return (f"for half of the top jets by less than {shift:.3f} — {shift / jet_radius:.0%} of the "
            f"jet radius — and for {frac:.0%} of them by less than a quarter of it")


def _sci(x: float) -> str:
    """``"1.2 × 10⁻¹⁰"``: a small number as prose writes it."""
    if x == 0 or not np.isfinite(x):
        return f"{x:g}"
    exponent = int(np.floor(np.log10(abs(x))))
    digits = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{x / 10 ** exponent:.1f} × 10{digits}"


def balance_claims(balance: Mapping[str, np.ndarray], y: np.ndarray, class_names: Mapping[int, str],
                   n_boot: int = N_BOOT, seed: int = 0) -> dict[str, str]:
    """Phrases on the azimuthal imbalance of the honest (first) and the leaky (second)
    preprocessing of ``balance``: ``noise`` (the honest median ``|imbalance|``), ``noise_auc``
    (whether that rounding noise tells the classes apart, bootstrapped), ``split`` (the share
    of each class's leaky imbalances above the largest honest one) and ``auc`` (the leaky
    against the honest imbalance as a one-number tagger, bootstrapped)."""
    (honest_name, honest), (_, leaky) = [(k, np.abs(v)) for k, v in balance.items()]
    y = np.asarray(y)
    m = bootstrap_many(lambda idx: {"honest": auc(y[idx], honest[idx]),
                                    "leaky": auc(y[idx], leaky[idx])}, len(y), n_boot, seed)
    noise_auc = m["honest"].text("{:.4f}")
    noise = pick(m["honest"], Measurement(0.5), f"as a one-number tagger it reaches an AUC of "
                 f"{noise_auc}, clearly above chance", f"as a one-number tagger it reaches an AUC "
                 f"of {noise_auc}, clearly below chance", f"as a one-number tagger it reaches an "
                 f"AUC of {noise_auc}, not beyond chance")
    limit = honest.max()
    shares = [f"{np.mean(leaky[y == label] > limit):.0%} of the {name} jets"
              for label, name in class_names.items()]
    return {"noise": _sci(float(np.median(honest))), "noise_auc": noise,
            "split": f"it exceeds the largest honest value ({_sci(limit)}) for {' and for '.join(shares)}",
            "auc": (f"an AUC of {m['leaky'].text('{:.4f}')}, against {m['honest'].text('{:.4f}')} "
                    f"for the same number with the {honest_name}")}


@dataclass
class ParticleImportance:
    """Occlusion of the leading particles' inputs for several models (:func:`particle_importance_study`)."""

    #: ``{model: (n_leading, 3)}`` Delta-AUC of ``z``, ``deta``, ``dphi`` (as :func:`particle_importance`)
    importance: dict[str, np.ndarray]
    #: ``{model: {"largest angle" | "leading dphi" | "largest momentum": Measurement}}``
    measurements: dict[str, dict[str, Measurement]]


def particle_occlusion_logits(model: PFN, particles: PackedParticles,
                              n_leading: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Logits of the unchanged jets ``(N,)`` and ``(n_leading, 3, N)`` with input ``j`` of the
    ``k``-th hardest particle replaced by its mean (the occlusion of
    :func:`helpers.studies.latent.particle_delta_auc`)."""
    base = latent_and_logits(model, particles)[1]
    slot, n_features = particles.slot, particles.features.shape[1]
    out = np.zeros((n_leading, n_features, len(particles)))
    for k in range(n_leading):
        rows = slot == k
        for j in range(n_features):
            features = particles.features.copy()
            features[rows, j] = features[rows, j].mean()
            out[k, j] = latent_and_logits(model, PackedParticles(features, particles.counts))[1]
    return base, out


def _occlusion_deltas(y: np.ndarray, base: np.ndarray, occluded: np.ndarray,
                      idx: np.ndarray) -> np.ndarray:
    """``(n_leading, 3)`` Delta-AUC on the jets ``idx`` (:func:`particle_occlusion_logits`)."""
    ref = auc(y[idx], base[idx])
    return np.array([[ref - auc(y[idx], o[idx]) for o in per_k] for per_k in occluded])


def _occlusion_summary(y: np.ndarray, base: np.ndarray, occluded: np.ndarray,
                       idx: np.ndarray) -> dict[str, float]:
    d = _occlusion_deltas(y, base, occluded, idx)
    return {"largest angle": float(d[:, 1:].max()), "leading dphi": float(d[0, 2]),
            "largest momentum": float(d[:, 0].max())}


def particle_importance_study(models: Mapping[str, tuple[PFN, PackedParticles]], y: np.ndarray,
                              n_leading: int = 5, n_boot: int = N_BOOT,
                              seed: int = 0) -> ParticleImportance:
    """:func:`particle_importance` with spreads: per model the Delta-AUC of every input of the
    leading particles, and, bootstrapped over the jets (paired with the unchanged jets), the
    largest angle (``deta``, ``dphi``) Delta-AUC, that of the hardest particle's ``dphi`` and
    the largest momentum-fraction Delta-AUC."""
    y = np.asarray(y)
    importance, measurements = {}, {}
    for name, (model, inputs) in models.items():
        base, occluded = particle_occlusion_logits(model, inputs, n_leading)
        importance[name] = _occlusion_deltas(y, base, occluded, np.arange(len(y)))
        measurements[name] = bootstrap_many(partial(_occlusion_summary, y, base, occluded),
                                            len(y), n_boot, seed)
    return ParticleImportance(importance, measurements)


def leak_measurements(retrained: LeakRetraining, honest_probs: np.ndarray, y: np.ndarray,
                      n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """AUC and accuracy of the leaky PFN, AUC of the honest one and the ``gain`` (leaky minus
    honest AUC), with a paired bootstrap over the test jets."""
    y, honest = np.asarray(y), np.asarray(honest_probs)

    def statistic(idx: np.ndarray) -> dict[str, float]:
        leaked, fair = summarize(y[idx], retrained.probs[idx]), auc(y[idx], honest[idx])
        return {"leaky auc": leaked["auc"], "leaky accuracy": leaked["accuracy"],
                "honest auc": fair, "gain": leaked["auc"] - fair}

    return bootstrap_many(statistic, len(y), n_boot, seed)


def leak_gain_claim(m: Mapping[str, Measurement], seed: int, n_train: int) -> str:
    """Whether the retrained PFN exploits the leak: its AUC gain with the paired spread."""
    gain = m["gain"]
    verdict = pick(gain, Measurement(0.0), "a clear gain — the retrained PFN exploits the leak",
                   "a clear loss — the leaky inputs cost the network AUC",
                   "within the spread of zero — at this training-set size the PFN does not "
                   "measurably exploit the leak")
    return (f"Retrained on the leaky inputs of its {n_train:,} training jets, the PFN of seed "
            f"{seed} reaches an AUC of {m['leaky auc'].text('{:.4f}')}, against "
            f"{m['honest auc'].text('{:.4f}')} on the honest inputs, a change of "
            f"{gain.text('{:+.4f}')}: {verdict}")


def angle_claim(m: Mapping[str, Mapping[str, Measurement]], leaky: str, honest: str) -> str:
    """The largest angle Delta-AUC of the leaky model against the honest one's, and the
    leaky model's Delta-AUC of the hardest particle's azimuth."""
    a, b = m[leaky]["largest angle"], m[honest]["largest angle"]
    verdict = pick(a, b, "clearly larger", "clearly smaller", "indistinguishable at this statistics")
    return (f"the largest ΔAUC of an angle among the leading particles is "
            f"{a.text('{:.4f}')} for the {leaky}, against {b.text('{:.4f}')} for the {honest}: "
            f"{verdict} (for the azimuth of the hardest particle alone, "
            f"{m[leaky]['leading dphi'].text('{:.4f}')} and {m[honest]['leading dphi'].text('{:.4f}')})")


def leak_finding(leak_m: Mapping[str, Measurement], angles: Mapping[str, Mapping[str, Measurement]],
                 leaky: str, honest: str, mark: float) -> tuple[list[int], str]:
    """Khot et al.'s signature of the leak, in three parts: the leaky PFN's AUC clearly above
    the honest one's (``+1``; ``-1`` if clearly below), its largest angle Delta-AUC clearly
    above the honest model's, and the honest model's not clearly above ``mark`` (the paper's
    1 % after the fix; ``-1`` if clearly above).  Returns the signs and the evidence."""
    gain = leak_m["gain"]
    a, b = angles[leaky]["largest angle"], angles[honest]["largest angle"]
    signs = [clear_difference(gain, Measurement(0.0)), clear_difference(a, b),
             -1 if clear_difference(b, Measurement(mark)) > 0 else 1]
    return signs, (
        f"the leaky PFN's AUC exceeds the honest one's by {gain.text('{:+.4f}')} ("
        + {1: "clearly", -1: "clearly negative", 0: "not clearly"}[signs[0]]
        + f"); its largest angle ΔAUC is {a.text('{:.4f}')} against the honest model's "
        f"{b.text('{:.4f}')} (" + {1: "clearly larger", -1: "clearly smaller",
                                  0: "indistinguishable"}[signs[1]]
        + f"), and the honest model's is {'clearly above' if signs[2] < 0 else 'not clearly above'} "
        f"the paper's mark of {mark:.0%} after the fix")


def retrain_seeds(leaky: Mapping[str, PackedParticles], y: Mapping[str, np.ndarray],
                  honest_probs: Sequence[np.ndarray], profile: Profile | str,
                  seeds: Sequence[int], device: str) -> list[LeakRetraining]:
    """:func:`retrain_on_leaky` for every training seed (``honest_probs``: one per seed)."""
    return [retrain_on_leaky(leaky, y, probs, profile, s, device)
            for s, probs in zip(seeds, honest_probs)]


def seed_gain(retrainings: Sequence[LeakRetraining]) -> Measurement:
    """The leak's AUC gain (leaky minus honest PFN of the same seed), mean ± spread over seeds."""
    return Measurement.of([r.gain for r in retrainings])
