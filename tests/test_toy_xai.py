"""The exact examples of chapter 2: closed forms against the attribution helpers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from helpers.metrics import auc
from helpers.models import predict_logits
from helpers.studies import toy
from helpers.xai import (
    differential_relevance,
    exact_shapley,
    kernel_shap,
    lrp,
    mean_behaviour_relevance,
)

torch.set_num_threads(1)


@pytest.fixture
def lin() -> toy.LinearToy:
    """x1 informative, x2 a correlated copy, x3 uninformative with a large mean."""
    return toy.LinearToy(w=np.array([1.0, 0.5, 2.0]), bias=-10.0,
                         mu_sig=np.array([1.0, 0.8, 5.0]), mu_bkg=np.array([0.0, 0.0, 5.0]),
                         cov=np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 0.09]]))


@pytest.fixture
def bil() -> toy.BilinearToy:
    return toy.BilinearToy(a=(1.0, 0.5), c=1.5, m=(1.0, 2.0), s=(1.0, 0.5), rho=0.6)


# --- linear toy -----------------------------------------------------------------------------


def test_linear_model_is_w_dot_x_plus_b(lin):
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(predict_logits(lin.model(), X), X @ lin.w + lin.bias, atol=1e-12)


def test_linear_sample_is_balanced_shuffled_and_has_the_moments(lin):
    X, y = lin.sample(20000, seed=1)
    assert y.sum() == 20000 and 0 < y[:100].mean() < 1
    np.testing.assert_allclose(X[y == 1].mean(0), lin.mu_sig, atol=0.03)
    np.testing.assert_allclose(np.cov(X[y == 0], rowvar=False), lin.cov, atol=0.03)


def test_linear_closed_forms_against_every_helper(lin):
    X, y = lin.sample(20000, seed=2)
    table = toy.linear_toy_comparison(lin, X, y, background=X[-40:], n_explain=100, nsamples=20)
    numerical = table.drop(index="ΔAUC")["max |helper − closed form|"]
    assert np.all(numerical < 1e-8), numerical
    # Delta-AUC: the finite-sample value scatters around the population value by ~1/sqrt(n)
    assert table.loc["ΔAUC", "max |helper − closed form|"] < 0.01
    # the pitfall in miniature: the uninformative x3 dominates LRP, not Shapley/differential
    assert table.loc["LRP-ε", "x3"] > 5 * table.loc["LRP-ε", "x1"]
    assert table.loc["differential relevance", "x3"] < table.loc["differential relevance", "x1"]


def test_lrp_equals_mean_behaviour_plus_shapley(lin):
    X, _ = lin.sample(50, seed=3)
    R = lrp(lin.model(), X, epsilon=1e-12)
    np.testing.assert_allclose(R, lin.lrp(X), atol=1e-9)
    mb = mean_behaviour_relevance(lin.model(), lin.mean, epsilon=1e-12)
    np.testing.assert_allclose(mb, lin.mean_behaviour(), atol=1e-9)
    np.testing.assert_allclose(R - mb, lin.shapley(X), atol=1e-9)
    np.testing.assert_allclose(exact_shapley(lin.model(), X[:5], lin.mean), lin.shapley(X[:5]), atol=1e-10)


def test_linear_auc_closed_form(lin):
    X, y = lin.sample(40000, seed=4)
    assert auc(y, X @ lin.w) == pytest.approx(lin.auc(), abs=0.005)
    keep = np.array([True, False, True])
    assert auc(y, X[:, keep] @ lin.w[keep]) == pytest.approx(lin.auc(keep), abs=0.005)
    dauc = lin.delta_auc()
    assert dauc[0] > dauc[1] > 0  # x2 is a noisier copy of x1
    assert dauc[2] < 0  # removing an uninformative, noisy input helps
    # a feature with zero weight has zero Delta-AUC
    assert toy.LinearToy(np.array([1.0, 0.0]), 0.0, np.ones(2), np.zeros(2), np.eye(2)).delta_auc()[1] == 0


def test_linear_auc_hand_value():
    # one feature, unit variance, means 0 and 1: AUC = Phi(1 / sqrt(2))
    t = toy.LinearToy(np.array([2.0]), 0.0, np.array([1.0]), np.array([0.0]), np.eye(1))
    assert t.auc() == pytest.approx(0.7602499389065233, abs=1e-12)


# --- bilinear toy: interaction x correlation ---------------------------------------------------


def test_bilinear_differential_relevance_and_gap(bil):
    X = bil.sample(500, seed=5)
    D = differential_relevance(bil.f, X, np.array(bil.m))
    np.testing.assert_allclose(D, bil.differential(X), atol=1e-12)
    f_m = bil.f(np.array([bil.m]))[0]
    np.testing.assert_allclose(D.sum(1) - (bil.f(X) - f_m), bil.completeness_gap(X), atol=1e-12)
    # hand value: c rho s1 s2
    assert bil.mean_gap() == pytest.approx(1.5 * 0.6 * 1.0 * 0.5)


def test_bilinear_mean_output_differs_from_output_at_mean(bil):
    X = bil.sample(200000, seed=6)
    f_m = bil.f(np.array([bil.m]))[0]
    assert bil.f(X).mean() - f_m == pytest.approx(bil.mean_gap(), abs=0.01)
    uncorrelated = dataclasses.replace(bil, rho=0.0)
    assert uncorrelated.f(uncorrelated.sample(200000, seed=6)).mean() == pytest.approx(f_m, abs=0.01)


def test_bilinear_shapley_closed_form(bil):
    X = bil.sample(300, seed=7)
    bg, X_exp = X[:60], X[60:70]
    closed = bil.shapley(X_exp, bg)
    np.testing.assert_allclose(exact_shapley(bil.f, X_exp, bg), closed, atol=1e-10)
    np.testing.assert_allclose(kernel_shap(bil.f, X_exp, bg, nsamples=10), closed, atol=1e-8)
    # efficiency holds whatever the correlation
    np.testing.assert_allclose(closed.sum(1), bil.f(X_exp) - bil.f(bg).mean(), atol=1e-10)


def test_completeness_gap_scan(bil):
    rhos = [-0.8, 0.0, 0.8]
    measured, closed = toy.completeness_gap_scan(bil, rhos, n=50000, seed=8)
    np.testing.assert_allclose(closed, [1.5 * r * 0.5 for r in rhos])
    np.testing.assert_allclose(measured, closed, atol=0.02)
