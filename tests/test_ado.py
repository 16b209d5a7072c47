"""Average decision ordering and the guided search (helpers.xai.ado): exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.metrics import auc
from helpers.xai.ado import (
    Pairs,
    ado,
    ado_brute_force,
    guided_search,
    pair_ado,
    sample_pairs,
)


def _jets(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(int)
    f = rng.normal(size=n) + y
    return f, y, rng


def test_identical_reversed_monotone():
    f, y, _ = _jets()
    assert ado(f, f, y) == pytest.approx(1.0)
    assert ado(f, -f, y) == pytest.approx(0.0)
    assert ado(f, np.exp(3 * f) + 7, y) == pytest.approx(1.0)
    assert ado(f, -np.arctan(f), y) == pytest.approx(0.0)


def test_random_is_one_half_within_binomial_error():
    f, y, rng = _jets(3000)
    value = ado(f, rng.normal(size=len(f)), y)
    # pairs share jets, so the error of the mean over all pairs is the AUC's, about
    # sqrt((n_s + n_b + 1) / (12 n_s n_b)) for unrelated scores (Hanley-McNeil at 0.5)
    n_s, n_b = y.sum(), (1 - y).sum()
    sigma = np.sqrt((n_s + n_b + 1) / (12 * n_s * n_b))
    assert abs(value - 0.5) < 4 * sigma


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_pair_loop_including_ties(seed):
    rng = np.random.default_rng(seed)
    n = 37
    y = rng.integers(0, 2, n)
    f = rng.integers(0, 5, n).astype(float)  # many ties
    g = rng.integers(0, 4, n).astype(float)
    assert ado(f, g, y) == pytest.approx(ado_brute_force(f, g, y), abs=1e-12)
    h = rng.normal(size=n)
    assert ado(f, h, y) == pytest.approx(ado_brute_force(f, h, y), abs=1e-12)


def test_against_labels_is_the_auc():
    f, y, _ = _jets()
    f = np.round(f, 1)  # with ties
    assert ado(f, y.astype(float), y) == pytest.approx(auc(y, f), abs=1e-12)


def test_bad_input_named():
    with pytest.raises(ValueError, match="shape"):
        ado(np.zeros(3), np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="signal and one background"):
        ado(np.zeros(3), np.zeros(3), np.zeros(3))


def test_pair_ado_on_all_pairs_equals_exact():
    f, y, rng = _jets(120)
    X = np.stack([f, -f, rng.normal(size=len(f)), f ** 3], axis=1)
    pairs = sample_pairs(y, 10 ** 9)
    assert len(pairs) == y.sum() * (1 - y).sum()
    got = pair_ado(pairs.sign(f), X, pairs, chunk=1000)
    want = [ado(f, X[:, k], y) for k in range(X.shape[1])]
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_sampled_pairs_are_signal_background():
    _, y, _ = _jets(500)
    pairs = sample_pairs(y, 1000, seed=3)
    assert isinstance(pairs, Pairs) and len(pairs) == 1000
    assert (y[pairs.signal] == 1).all() and (y[pairs.background] == 0).all()


def test_guided_search_recovers_a_planted_network():
    """A 'network' that is a known function of two of the candidates picks those two first."""
    rng = np.random.default_rng(4)
    n, k = 4000, 12
    y = (rng.random(n) < 0.5).astype(int)
    # candidate observables, all somewhat discriminating, with decoys correlated with the
    # planted two (c5 ~ c3, c9 ~ c7)
    base = rng.normal(size=(n, k)) + 0.4 * y[:, None] * rng.uniform(0.5, 1.5, k)
    base[:, 5] = base[:, 3] + 0.7 * rng.normal(size=n)
    base[:, 9] = base[:, 7] + 0.7 * rng.normal(size=n)
    network = np.log1p(np.exp(1.5 * base[:, 3])) + 0.3 * base[:, 7] ** 3  # monotone in both
    names = [f"c{i}" for i in range(k)]
    fit, evaluate = np.arange(0, n, 2), np.arange(1, n, 2)
    for target in ("network", "labels"):
        result = guided_search(network, base, y, names, fit, evaluate, max_steps=4,
                               target=target, seed=0)
        assert set(result.names[:2]) == {"c3", "c7"}, target
        assert result.orientation[:2] == [1, 1]
        assert result.ado[1] > result.ado[0] > 0.5
        assert result.ado[1] - result.ado[0] > 0.05
        assert 1 <= result.n_useful <= 4
    # fitted to the labels, the model weighs the two its own way; fitted to the network, it
    # follows the network's ordering more closely
    labels_fit = result
    mimic = guided_search(network, base, y, names, fit, evaluate, max_steps=2)
    assert mimic.ado[1] > labels_fit.ado[1] + 0.01


def test_guided_search_target_named():
    f, y, _ = _jets(50)
    idx = np.arange(50)
    with pytest.raises(ValueError, match="target 'truth'"):
        guided_search(f, f[:, None], y, ["f"], idx, idx, target="truth")


def test_guided_search_names_bad_candidates():
    f, y, _ = _jets(50)
    X = np.stack([f, np.full_like(f, np.nan)], axis=1)
    idx = np.arange(50)
    with pytest.raises(ValueError, match="non-finite.*bad"):
        guided_search(f, X, y, ["good", "bad"], idx, idx)


@pytest.mark.parametrize("target", ["network", "labels"])
def test_translation_reproduces_the_search(target):
    """The translation on the chosen raw observables gives the search's own last useful
    ADO; a negatively oriented observable enters as the search had it."""
    rng = np.random.default_rng(5)
    n = 3000
    y = (rng.random(n) < 0.5).astype(int)
    base = rng.normal(size=(n, 6)) + 0.5 * y[:, None]
    base[:, 2] = -base[:, 2]  # lower = signal-like
    network = base[:, 0] - 0.8 * base[:, 2] + 0.1 * rng.normal(size=n)
    fit, evaluate = np.arange(0, n, 2), np.arange(1, n, 2)
    result = guided_search(network, base, y, [f"c{i}" for i in range(6)], fit, evaluate,
                           max_steps=3, target=target, seed=1)
    assert -1 in result.orientation[: result.n_useful]
    score = result.translation()
    g = score(base[:, result.chosen[: result.n_useful]])
    assert ado(network[evaluate], g[evaluate], y[evaluate]) == pytest.approx(result.final_ado, abs=1e-12)
    with pytest.raises(ValueError, match="expected"):
        score(base)
