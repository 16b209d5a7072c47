"""A deliberately WRONG preprocessing that reproduces the PFN label leak (chapter 4).

Until February 2023 the PFN data set of Khot et al. built the jet axis from every column
whose name contains ``PX``/``PY``/``PZ``.  In the top-tagging benchmark files that also
matched ``truthPX/PY/PZ``: the four-momentum of the parton-level top quark, which is zero
for QCD jets.  The axis of a top jet was therefore pulled towards the top quark, the axis of
a QCD jet was not, and the centring of the constituents encoded the label.

:func:`leaky_pfn_features` does exactly that on purpose.  It must **never** be registered in
:data:`helpers.preprocessing.PREPROCESSORS`: the leak guard
(:func:`helpers.preprocessing.guard.truth_leak_report`) flags it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .data.jets import MAX_CONSTITUENTS, JetSet
from .plotting import CLASS_COLORS
from .preprocessing.pfn import PackedParticles, pfn_features_from_axis
from .preprocessing.topodnn import constituent_kinematics, wrap_phi


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
    _, eta, phi, mask = constituent_kinematics(np.stack([np.c_[np.zeros(len(jet)), jet],
                                                         np.c_[np.zeros(len(truth)), truth]], 1))
    return np.where(mask[:, 1], np.hypot(eta[:, 1] - eta[:, 0], wrap_phi(phi[:, 1] - phi[:, 0])),
                    np.nan)


def plot_balance(axes, balances: dict[str, np.ndarray], labels: np.ndarray,
                 names: dict[int, str], bins: np.ndarray) -> None:
    """Histograms of ``|sum_i z_i sin(dphi_i)|`` per class, one panel per preprocessing.

    ``balances`` maps a preprocessing name to its
    :func:`helpers.preprocessing.pfn.azimuthal_balance`.
    """
    for ax, (title, b) in zip(np.atleast_1d(axes), balances.items()):
        for label, name in names.items():
            ax.hist(np.clip(np.abs(b[labels == label]), bins[0], bins[-1]), bins=bins,
                    histtype="step", lw=2, color=CLASS_COLORS[name], label=name)
        ax.set(xscale="log", yscale="log", title=title,
               xlabel=r"$|\Sigma_i\, z_i \sin\Delta\phi_i|$ (transverse imbalance about the axis)",
               ylabel="jets per bin")
        ax.legend(loc="upper center")


def plot_particle_delta_auc(ax, importances: dict[str, np.ndarray],
                            feature_names: list[str]) -> None:
    """Grouped bars of the Delta-AUC of the leading particles' inputs, one colour per model.

    ``importances`` maps a model name to a ``(n_leading, n_features)`` array
    (see :func:`helpers.latent.particle_delta_auc`).
    """
    n = len(importances)
    first = next(iter(importances.values()))
    labels = [f"{f}$_{{{k}}}$" for k in range(first.shape[0]) for f in feature_names]
    x = np.arange(len(labels))
    width = 0.8 / n
    for i, (name, imp) in enumerate(importances.items()):
        ax.bar(x + (i - (n - 1) / 2) * width, imp.reshape(-1), width, label=name)
    ax.set_xticks(x, labels, rotation=90)
    ax.axhline(0, color="black", lw=0.8)
    ax.set(ylabel=r"$\Delta$AUC (feature $\rightarrow$ mean)", xlabel="input of particle $k$")
    ax.legend()
    plt.setp(ax.get_xticklabels(), fontsize=12)
