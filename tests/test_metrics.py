"""Metrics on cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.metrics import (
    accuracy,
    aggregate,
    auc,
    auc_rows,
    background_efficiency,
    background_rejection,
    background_rejections,
    format_mean_std,
    rejection_spread,
    roc_curve,
    summarize,
)


def test_perfect_classifier():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    s = summarize(y, p)
    assert s["auc"] == 1.0 and s["accuracy"] == 1.0
    assert s["rejection_0.3"] == math.inf and s["rejection_0.5"] == math.inf
    assert set(s) == {"auc", "accuracy", "rejection_0.3", "rejection_0.5"}


def test_random_classifier_has_auc_half_and_rejection_one_over_eps():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200_000)
    p = rng.uniform(size=len(y))
    assert auc(y, p) == pytest.approx(0.5, abs=0.005)
    assert accuracy(y, p) == pytest.approx(0.5, abs=0.005)
    assert background_rejection(y, p, 0.3) == pytest.approx(1 / 0.3, rel=0.03)
    assert background_rejection(y, p, 0.5) == pytest.approx(2.0, rel=0.03)


def test_hand_made_roc():
    # signal scores 4, 3, 1; background scores 2, 0
    y = np.array([1, 1, 0, 1, 0])
    s = np.array([4.0, 3.0, 2.0, 1.0, 0.0])
    fpr, tpr, _ = roc_curve(y, s)
    np.testing.assert_allclose(tpr, [0, 1 / 3, 2 / 3, 2 / 3, 1, 1])
    np.testing.assert_allclose(fpr, [0, 0, 0, 0.5, 0.5, 1])
    # pairs (sig, bkg) ranked correctly: (4,2) (4,0) (3,2) (3,0) (1,0) -> 5 of 6
    assert auc(y, s) == pytest.approx(5 / 6)
    # eps_S up to 2/3 is reached without background
    assert background_efficiency(y, s, 0.5) == 0.0
    # between (2/3, 0) [smallest eps_B at eps_S = 2/3] and (1, 0.5): linear interpolation
    assert background_efficiency(y, s, 5 / 6) == pytest.approx(0.25)
    assert background_rejection(y, s, 5 / 6) == pytest.approx(4.0)


def test_accuracy_threshold():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.5, 0.4, 0.6, 0.1])
    assert accuracy(y, p) == 0.5  # 0.5 itself counts as signal
    assert accuracy(y, p, threshold=0.35) == 0.75
    assert accuracy(y, p, threshold=0.65) == 0.5
    assert accuracy(y, np.array([0.9, 0.6, 0.2, 0.1])) == 1.0


def test_aggregate_and_format():
    runs = [{"auc": 0.94, "acc": 0.9}, {"auc": 0.95, "acc": 0.9}, {"auc": 0.96, "acc": 0.9}]
    agg = aggregate(runs)
    assert agg["auc"][0] == pytest.approx(0.95)
    assert agg["auc"][1] == pytest.approx(0.01)  # sample std (ddof = 1)
    assert agg["acc"] == (pytest.approx(0.9), pytest.approx(0.0))
    assert format_mean_std(*agg["auc"]) == "0.950 ± 0.010"
    single = aggregate(runs[:1])
    assert math.isnan(single["auc"][1])
    assert format_mean_std(*single["auc"], decimals=2) == "0.94"
    with pytest.raises(ValueError):
        aggregate([])


def test_mean_std_of_repeated_measurements():
    from helpers.metrics import mean_std

    assert mean_std([1.0, 3.0]) == pytest.approx((2.0, np.sqrt(2.0)))
    mean, std = mean_std([0.7])
    assert mean == 0.7 and np.isnan(std)
    with pytest.raises(ValueError):
        mean_std([])


def test_auc_rows_equal_auc_with_ties_and_repeated_jets():
    """Row by row the same as sklearn's AUC, with tied scores and with the repeated indices
    of a bootstrap resample."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.4).astype(int)
    scores = np.round(rng.normal(size=(5, 300)) + y, 1)  # rounding makes ties
    idx = rng.integers(0, 300, 300)
    for cols in (np.arange(300), idx):
        expected = [roc_auc_score(y[cols], row[cols]) for row in scores]
        np.testing.assert_allclose(auc_rows(y[cols], scores[:, cols]), expected, rtol=1e-12)
    assert auc_rows(y, y[None].astype(float))[0] == 1.0
    with pytest.raises(ValueError, match="both classes"):
        auc_rows(np.ones(4), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="3 scores per row for 4 labels"):
        auc_rows(np.array([0, 1, 0, 1]), np.zeros((2, 3)))


def test_balanced_accuracy_ignores_the_class_mix():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9])  # signal 1 of 2 right, QCD 5 of 6
    assert accuracy(y, p) == 6 / 8
    assert accuracy(y, p, balanced=True) == pytest.approx((1 / 2 + 5 / 6) / 2)
    assert summarize(y, p)["accuracy"] == accuracy(y, p, balanced=True)
    balanced = np.array([1, 0, 0, 1]), np.array([0.9, 0.1, 0.9, 0.2])
    assert accuracy(*balanced, balanced=True) == accuracy(*balanced) == 0.5
    with pytest.raises(ValueError, match="both classes"):
        accuracy(np.ones(3), np.ones(3), balanced=True)


def test_background_rejections_of_one_curve_match_the_single_ones():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 3000)
    s = rng.normal(size=3000) + 1.5 * y
    got = background_rejections(y, s, (0.1, 0.3, 0.5))
    np.testing.assert_allclose(got, [background_rejection(y, s, e) for e in (0.1, 0.3, 0.5)])


def test_rejection_spread_is_binomial_plus_the_cut_fluctuation():
    """Gaussian scores, signal N(2, 1) and background N(0, 1): at eps_S = 0.3 the cut sits at
    t = 2 + z, z = Phi^-1(0.7); eps_B = 1 - Phi(t) is binomial over the background jets, and
    the cut, a quantile of the signal scores, moves by sqrt(eps_S (1 - eps_S) / N_S) / f_S(t),
    which moves eps_B by f_B(t) times that."""
    from scipy.stats import norm

    n_sig, n_bkg = 1000, 20000
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(n_sig, int), np.zeros(n_bkg, int)]
    s = np.r_[rng.normal(2, 1, n_sig), rng.normal(0, 1, n_bkg)]
    t = 2 + norm.ppf(0.7)
    eps_b = norm.sf(t)
    binomial = np.sqrt(eps_b * (1 - eps_b) / n_bkg)
    cut = norm.pdf(t) / norm.pdf(t - 2) * np.sqrt(0.3 * 0.7 / n_sig)
    expected = np.hypot(binomial, cut) / eps_b  # relative, the same for 1/eps_B to first order
    spread = rejection_spread(y, s, (0.3,), n_boot=400, seed=1)[0]
    assert spread / background_rejection(y, s, 0.3) == pytest.approx(expected, rel=0.15)
    assert binomial / eps_b < 0.75 * expected  # the cut's share is visible at this tolerance
    np.testing.assert_array_equal(spread, rejection_spread(y, s, (0.3,), n_boot=400, seed=1)[0])


def test_rejection_spread_without_passing_background_is_nan():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert np.isnan(rejection_spread(y, p, (0.3,), n_boot=20)).all()
