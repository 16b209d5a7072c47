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

from dataclasses import dataclass
from typing import Any, Callable, Mapping

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
from ..training.loop import TrainHistory
from ..training.recipes import train_pfn
from .latent import latent_and_logits, particle_delta_auc


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

    @property
    def table(self) -> pd.DataFrame:
        """The two rows ``honest inputs`` and ``leaky inputs``, one column per metric."""
        return pd.DataFrame({"honest inputs": self.honest, "leaky inputs": self.leaked}).T

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
    return LeakRetraining(model, history, probs, summarize(y["test"], honest_probs),
                          summarize(y["test"], probs))


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
