"""Kinematic matching: remove the jet-pT and |eta| shortcut of a two-class sample.

Signal and background are generated from different processes, so their jet-pT and |eta|
spectra inside the common window need not agree: a 1.3 TeV W' puts the W's Jacobian edge near
650 GeV, and its spectrum rises across the 550-650 GeV window while QCD falls.  A network fed
absolute momenta can then separate the classes by the spectrum alone.  Matching keeps, in
every (pT, |eta|) bin, as many jets of each class as the rarer class has there (a random
subset of the other), so that both classes have the same binned spectra.  The bins are as
fine as the sample allows (:func:`matching_bins`).
"""

from __future__ import annotations

import numpy as np

from ..physics import kinematics
from .jets import JetSet

#: the most bins of the matching: jet pT and |eta| (equal-width bins over the sample's range)
PT_BINS, ABS_ETA_BINS = 20, 8
#: jets per (pT, |eta|) cell, on average, that the automatic binning aims at: finer bins on
#: a small sample would leave most cells with one class only and throw most jets away
JETS_PER_CELL = 50


def matching_bins(n_jets: int) -> tuple[int, int]:
    """``(pT bins, |eta| bins)`` for ``n_jets``: about ``n_jets / JETS_PER_CELL`` cells in the
    ratio ``PT_BINS : ABS_ETA_BINS``, at most :data:`PT_BINS` x :data:`ABS_ETA_BINS`."""
    cells = max(n_jets / JETS_PER_CELL, 1.0)
    pt = int(np.clip(round(np.sqrt(cells * PT_BINS / ABS_ETA_BINS)), 1, PT_BINS))
    return pt, int(np.clip(round(cells / pt), 1, ABS_ETA_BINS))


def bin_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """``n_bins`` equal-width bins over the range of ``values`` (the last edge included)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    return np.linspace(lo, np.nextafter(hi, np.inf), n_bins + 1)


def matched_indices(pt: np.ndarray, abs_eta: np.ndarray, labels: np.ndarray, *,
                    pt_bins: int | None = None, eta_bins: int | None = None,
                    seed: int = 0) -> np.ndarray:
    """Sorted indices of a subsample in which label 1 and label 0 have the same number of
    jets in every (pT, |eta|) bin: in each bin all jets of the rarer class and a random
    subset (fixed ``seed``) of the other.  Bins not given follow :func:`matching_bins`."""
    pt, abs_eta, labels = (np.asarray(a) for a in (pt, abs_eta, labels))
    if not (len(pt) == len(abs_eta) == len(labels)):
        raise ValueError(f"pt, |eta| and labels differ in length: {len(pt)}, {len(abs_eta)}, "
                         f"{len(labels)}")
    if set(np.unique(labels)) - {0, 1}:
        raise ValueError(f"labels must be 0 or 1, got {sorted(set(np.unique(labels)))}")
    if len(pt) == 0:
        return np.zeros(0, dtype=int)
    auto = matching_bins(len(pt))
    pt_bins, eta_bins = pt_bins or auto[0], eta_bins or auto[1]
    i = np.digitize(pt, bin_edges(pt, pt_bins)[1:-1])
    j = np.digitize(abs_eta, bin_edges(abs_eta, eta_bins)[1:-1])
    cell = i * eta_bins + j
    rng = np.random.default_rng(seed)
    keep = []
    for c in np.unique(cell):
        sig = np.flatnonzero((cell == c) & (labels == 1))
        bkg = np.flatnonzero((cell == c) & (labels == 0))
        n = min(len(sig), len(bkg))
        keep += [rng.choice(sig, n, replace=False), rng.choice(bkg, n, replace=False)]
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=int)


def match_kinematics(jets: JetSet, *, pt_bins: int | None = None,
                     eta_bins: int | None = None, seed: int = 0) -> JetSet:
    """The subset of ``jets`` whose two classes have the same binned (pT, |eta|) spectra."""
    kin = kinematics.jet_kinematics(jets)
    idx = matched_indices(kin["pt"], np.abs(kin["eta"]), jets.labels, pt_bins=pt_bins,
                          eta_bins=eta_bins, seed=seed)
    return jets.subset(idx)
