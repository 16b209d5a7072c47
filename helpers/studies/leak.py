"""The PFN label leak, reproduced on purpose (chapter 4): a deliberately WRONG preprocessing.

Until February 2023 the PFN data set of Khot et al. built the jet axis from every column
whose name contains ``PX``/``PY``/``PZ``.  In the top-tagging benchmark files that also
matched ``truthPX/PY/PZ``: the four-momentum of the parton-level top quark, which is zero
for QCD jets.  The axis of a top jet was therefore pulled towards the top quark, the axis of
a QCD jet was not, and the centring of the constituents encoded the label.

:func:`leaky_pfn_features` does exactly that on purpose.  It must **never** be registered in
:data:`helpers.preprocessing.PREPROCESSORS`: the leak guard
(:func:`helpers.preprocessing.guard.truth_leak_report`) flags it.  The figures are in
:mod:`helpers.plots.leak`.
"""

from __future__ import annotations

import numpy as np

from ..data.jets import MAX_CONSTITUENTS, JetSet
from ..physics.kinematics import delta_r, pt_eta_phi
from ..preprocessing.pfn import PackedParticles, pfn_features_from_axis


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
