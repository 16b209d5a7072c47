"""Kinematic matching (helpers.data.matching): equal binned spectra, and the shortcut gone."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from helpers.data.jets import JetSet
from helpers.data.matching import bin_edges, match_kinematics, matched_indices
from helpers.physics import kinematics


def _one_variable_auc(x, y):
    a = roc_auc_score(y, x)
    return max(a, 1 - a)


def _spectra(n, rng):
    """Signal pT rising across 550-650 GeV, background falling; |eta| alike up to 2 except a
    central excess of the signal: the W/QCD situation."""
    u = rng.random((2, n))
    sig_pt, bkg_pt = 550 + 100 * np.sqrt(u[0]), 650 - 100 * np.sqrt(u[1])
    sig_eta, bkg_eta = 2 * rng.random(n) ** 1.3, 2 * rng.random(n)
    pt, eta = np.r_[sig_pt, bkg_pt], np.r_[sig_eta, bkg_eta]
    return pt, eta, np.r_[np.ones(n, int), np.zeros(n, int)]


def test_every_bin_holds_as_many_jets_of_each_class():
    rng = np.random.default_rng(1)
    pt, eta, y = _spectra(5000, rng)
    idx = matched_indices(pt, eta, y, pt_bins=10, eta_bins=4, seed=3)
    assert len(np.unique(idx)) == len(idx)
    i = np.digitize(pt, bin_edges(pt, 10)[1:-1])
    j = np.digitize(eta, bin_edges(eta, 4)[1:-1])
    for a in range(10):
        for b in range(4):
            cell = (i == a) & (j == b)
            kept = np.isin(np.flatnonzero(cell), idx)
            n_sig, n_bkg = (cell & (y == 1)).sum(), (cell & (y == 0)).sum()
            # the rarer class is kept whole, the other down to its count
            assert kept[y[cell] == 1].sum() == kept[y[cell] == 0].sum() == min(n_sig, n_bkg)


def test_matching_removes_the_one_variable_shortcut():
    rng = np.random.default_rng(2)
    pt, eta, y = _spectra(20000, rng)
    assert _one_variable_auc(pt, y) > 0.6 and _one_variable_auc(eta, y) > 0.53
    idx = matched_indices(pt, eta, y, seed=0)
    assert _one_variable_auc(pt[idx], y[idx]) < 0.52
    assert _one_variable_auc(eta[idx], y[idx]) < 0.52
    assert 0.3 < len(idx) / len(y) < 0.9


def test_matching_is_reproducible_and_checks_its_input():
    rng = np.random.default_rng(4)
    pt, eta, y = _spectra(500, rng)
    a, b = matched_indices(pt, eta, y, seed=7), matched_indices(pt, eta, y, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, matched_indices(pt, eta, y, seed=8))
    with pytest.raises(ValueError, match="differ in length"):
        matched_indices(pt[:-1], eta, y)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        matched_indices(pt, eta, y + 1)
    assert matched_indices(pt[:0], eta[:0], y[:0]).size == 0
    one_class = matched_indices(pt[:500], eta[:500], y[:500])  # signal only: nothing matches
    assert one_class.size == 0


def test_match_kinematics_on_jets():
    rng = np.random.default_rng(5)
    pt, eta, y = _spectra(400, rng)
    phi = rng.uniform(-np.pi, np.pi, len(pt))
    # one massless constituent per jet carries the jet's pT and eta
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    c = np.zeros((len(pt), 2, 4), np.float32)
    c[:, 0] = np.stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz], axis=1)
    jets = JetSet(c, y.astype(np.int8), np.zeros((len(pt), 4), np.float32))
    matched = match_kinematics(jets, seed=1)
    before = kinematics.jet_kinematics(jets)  # float32 constituents: use their own pT, eta
    np.testing.assert_array_equal(
        matched.labels, y[matched_indices(before["pt"], np.abs(before["eta"]), y, seed=1)])
    kin = kinematics.jet_kinematics(matched)
    assert (matched.labels == 1).sum() == (matched.labels == 0).sum()
    assert _one_variable_auc(kin["pt"], matched.labels) < _one_variable_auc(pt, y)


def test_automatic_bins_follow_the_sample_size():
    from helpers.data.matching import ABS_ETA_BINS, PT_BINS, matching_bins

    assert matching_bins(100_000) == (PT_BINS, ABS_ETA_BINS)  # capped
    assert matching_bins(400) == (4, 2)  # about 8 cells of 50 jets
    assert matching_bins(0) == (2, 1) and matching_bins(10) == (2, 1)
    pt, eta = matching_bins(4000)
    assert pt * eta == pytest.approx(80, rel=0.1) and pt > eta
    # on a small sample the automatic bins keep more jets than the finest ones, and still
    # remove the shortcut within the statistical error
    rng = np.random.default_rng(6)
    pt_v, eta_v, y = _spectra(300, rng)
    auto = matched_indices(pt_v, eta_v, y, seed=0)
    fine = matched_indices(pt_v, eta_v, y, pt_bins=PT_BINS, eta_bins=ABS_ETA_BINS, seed=0)
    assert len(auto) > len(fine)
    assert _one_variable_auc(pt_v[auto], y[auto]) < 0.56
