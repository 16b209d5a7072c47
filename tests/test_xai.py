"""Attribution methods against closed forms, exact enumeration, captum and each other."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.models import TopoDNN, predict_logits
from helpers.xai import (
    Rule,
    composite_rules,
    delta_auc,
    differential_relevance,
    exact_shapley,
    kernel_shap,
    lrp,
    mad_relevance,
    mean_behaviour_relevance,
    sample_background,
)
from helpers.xai.differential import occluded_outputs
from helpers.xai.exact import linear_lrp, linear_mean_behaviour, linear_shapley

torch.set_num_threads(1)


def linear_torch(w: np.ndarray, bias: float = 0.0) -> nn.Sequential:
    """``f(x) = w.x + bias`` as a one-layer torch model (float64)."""
    layer = nn.Linear(len(w), 1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(w)[None])
        layer.bias.fill_(bias)
    return nn.Sequential(layer)


def relu_mlp(sizes: tuple[int, ...], seed: int = 0, bias: bool = True) -> nn.Sequential:
    """Random float64 ReLU MLP ``Linear, ReLU, ..., Linear`` with one output."""
    torch.manual_seed(seed)
    mods: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    model = nn.Sequential(*mods).double()
    if not bias:
        with torch.no_grad():
            for m in model[::2]:
                m.bias.zero_()
    return model


@pytest.fixture
def linear_case():
    rng = np.random.default_rng(0)
    d = 8
    w = rng.normal(size=d)
    X = rng.normal(1.0, 2.0, size=(15, d))
    background = rng.normal(0.5, 1.0, size=(20, d))
    return w, X, background


# --- linear model: every method has a closed form -------------------------------------------


def test_linear_exact_and_kernel_shap(linear_case):
    w, X, bg = linear_case
    f = linear_torch(w, bias=0.7)
    expected = linear_shapley(w, X, bg.mean(axis=0))
    np.testing.assert_allclose(exact_shapley(f, X[:3], bg.mean(axis=0)), expected[:3], atol=1e-10)
    np.testing.assert_allclose(exact_shapley(f, X[:3], bg), expected[:3], atol=1e-10)
    # an additive value function is fitted exactly even with sampled coalitions (100 < 2^8 - 2)
    np.testing.assert_allclose(kernel_shap(f, X, bg, nsamples=100), expected, atol=1e-8)


def test_linear_differential_relevance(linear_case):
    w, X, bg = linear_case
    mean = bg.mean(axis=0)
    np.testing.assert_allclose(differential_relevance(linear_torch(w, 0.3), X, mean),
                               linear_shapley(w, X, mean), atol=1e-10)
    # default reference: the mean of X itself
    np.testing.assert_allclose(differential_relevance(lambda A: A @ w, X), linear_shapley(w, X, X.mean(0)),
                               atol=1e-10)


def test_linear_lrp_and_mean_behaviour(linear_case):
    w, X, bg = linear_case
    mean = bg.mean(axis=0)
    f = linear_torch(w, bias=0.0)
    R = lrp(f, X, epsilon=1e-12)
    np.testing.assert_allclose(R, linear_lrp(w, X), atol=1e-9)
    mb = mean_behaviour_relevance(f, mean, epsilon=1e-12)
    np.testing.assert_allclose(mb, linear_mean_behaviour(w, mean), atol=1e-9)
    np.testing.assert_allclose(R - mb, linear_shapley(w, X, mean), atol=1e-9)


# --- nonlinear models: exact enumeration as ground truth ----------------------------------


def test_product_of_correlated_inputs_closed_form():
    rng = np.random.default_rng(1)
    b1 = rng.normal(1.0, 1.0, 200)
    bg = np.stack([b1, 0.8 * b1 + 0.3 * rng.normal(size=200)], axis=1)  # strongly correlated
    X = rng.normal(size=(6, 2))

    def f(A: np.ndarray) -> np.ndarray:
        return A[:, 0] * A[:, 1]

    m1, m2, m12 = bg[:, 0].mean(), bg[:, 1].mean(), (bg[:, 0] * bg[:, 1]).mean()
    x1, x2 = X[:, 0], X[:, 1]
    phi1 = 0.5 * ((x1 * m2 - m12) + (x1 * x2 - x2 * m1))
    phi2 = 0.5 * ((x2 * m1 - m12) + (x1 * x2 - x1 * m2))
    expected = np.stack([phi1, phi2], axis=1)
    np.testing.assert_allclose(exact_shapley(f, X, bg), expected, atol=1e-10)
    np.testing.assert_allclose(kernel_shap(f, X, bg, nsamples=50), expected, atol=1e-8)
    # single mean baseline: phi1 = (x1 - m1)(x2 + m2) / 2
    np.testing.assert_allclose(exact_shapley(f, X, [m1, m2])[:, 0], 0.5 * (x1 - m1) * (x2 + m2), atol=1e-10)


def test_kernel_shap_matches_exact_enumeration_on_mlp():
    rng = np.random.default_rng(2)
    d = 8
    cov = 0.5 * np.ones((d, d)) + 0.5 * np.eye(d)
    data = rng.multivariate_normal(np.zeros(d), cov, size=100)
    model = relu_mlp((d, 16, 8, 1), seed=3)
    bg = sample_background(data, 10, seed=0)
    X = data[:4]
    exact = exact_shapley(model, X, bg)
    # all 2^8 - 2 coalitions enumerated: exact up to round-off
    np.testing.assert_allclose(kernel_shap(model, X, bg, nsamples=254), exact, atol=1e-6)
    # sampled coalitions: close, and the efficiency property holds exactly
    approx = kernel_shap(model, X, bg, nsamples=120, seed=1)
    scale = np.abs(exact).max()
    assert np.abs(approx - exact).max() < 0.1 * scale
    fx, f0 = predict_logits(model, X), predict_logits(model, bg).mean()
    np.testing.assert_allclose(approx.sum(axis=1), fx - f0, atol=1e-6)


def test_kernel_shap_is_seeded_and_leaves_global_rng_alone():
    rng = np.random.default_rng(4)
    model = relu_mlp((10, 8, 1), seed=0)
    bg, X = rng.normal(size=(5, 10)), rng.normal(size=(2, 10))
    np.random.seed(123)
    a = kernel_shap(model, X, bg, nsamples=60, seed=5)
    after = np.random.random()
    np.random.seed(123)
    np.random.random()
    b = kernel_shap(model, X, bg, nsamples=60, seed=5)
    np.testing.assert_array_equal(a, b)
    np.random.seed(123)
    assert np.random.random() == after


def test_sample_background_and_per_class_summary():
    X = np.arange(40.0).reshape(20, 2)
    bg = sample_background(X, 5, seed=1)
    assert bg.shape == (5, 2) and len({tuple(r) for r in bg}) == 5
    assert all(tuple(r) in {tuple(x) for x in X} for r in bg)
    values = np.array([[1.0, -2.0], [-3.0, 0.0], [5.0, 5.0]])
    summary = mad_relevance(values, np.array([0, 0, 1]))
    np.testing.assert_allclose(summary[0], [2.0, 1.0])
    np.testing.assert_allclose(summary[1], [5.0, 5.0])


# --- LRP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["epsilon", "gamma", "zplus", ["gamma", "epsilon", "epsilon", "zplus"]])
def test_lrp_conservation_zero_bias(rule):
    model = relu_mlp((12, 20, 10, 6, 1), seed=5, bias=False)
    X = np.abs(np.random.default_rng(5).normal(size=(30, 12)))  # non-negative inputs
    R = lrp(model, X, rules=rule, epsilon=1e-12)
    np.testing.assert_allclose(R.sum(axis=1), predict_logits(model, X), rtol=1e-8, atol=1e-10)


def test_lrp_epsilon_conservation_on_topodnn_with_signed_inputs():
    torch.manual_seed(0)
    model = TopoDNN()
    with torch.no_grad():
        for layer in model.linears:
            layer.bias.zero_()
    X = np.random.default_rng(6).normal(size=(20, 90)).astype(np.float32)
    R = lrp(model, X, epsilon=1e-12)
    assert R.shape == (20, 90)
    np.testing.assert_allclose(R.sum(axis=1), predict_logits(model, X), rtol=1e-5, atol=1e-6)


def test_lrp_bias_and_epsilon_absorb_relevance():
    model = relu_mlp((6, 10, 1), seed=7)
    X = np.random.default_rng(7).normal(size=(10, 6))
    x = torch.as_tensor(X)
    lin1, lin2 = model[0], model[2]
    with torch.no_grad():
        h = torch.relu(lin1(x))
        out = lin2(h)[:, 0]
        # hand-computed two-layer epsilon rule (epsilon -> 0) with biases:
        # output layer: R_h = h w2 * out / out; input layer: R_x = x * sum_k w1_k R_h_k / z1_k
        R_h = h * lin2.weight[0]
        R_x = x * ((R_h / lin1(x)) @ lin1.weight)
        absorbed_by_b2 = (out - lin2.bias).numpy()
    np.testing.assert_allclose(lrp(model, X, epsilon=1e-12), R_x.numpy(), rtol=1e-7, atol=1e-10)
    # the output bias keeps b2 / out of the relevance: sum R_h = f - b2
    np.testing.assert_allclose(R_h.sum(1).numpy(), absorbed_by_b2, atol=1e-10)
    # a large epsilon shrinks every layer's total relevance
    big = lrp(model, X, epsilon=10.0).sum(1)
    assert np.all(np.abs(big) < np.abs(lrp(model, X, epsilon=1e-12).sum(1)) + 1e-12)


def test_lrp_epsilon_matches_captum():
    from captum.attr import LRP

    model = relu_mlp((7, 12, 9, 1), seed=8)
    X = np.random.default_rng(8).normal(size=(16, 7))
    captum_R = LRP(model).attribute(torch.as_tensor(X).requires_grad_(), target=0).detach().numpy()
    np.testing.assert_allclose(lrp(model, X, epsilon=1e-9), captum_R, rtol=1e-6, atol=1e-9)


def negative_share(R: np.ndarray) -> float:
    """Fraction of the total absolute relevance that is negative."""
    return float(-np.clip(R, None, 0).sum() / np.abs(R).sum())


def test_zplus_and_gamma_rules():
    model = relu_mlp((8, 16, 8, 1), seed=9, bias=False)
    X = np.abs(np.random.default_rng(9).normal(size=(200, 8)))
    pos = predict_logits(model, X) > 0
    assert pos.sum() > 10
    R_z = lrp(model, X, rules="zplus")
    assert np.all(R_z[pos] >= 0) and np.all(R_z[~pos] <= 0)  # the output's sign is kept
    # gamma interpolates between epsilon (gamma = 0) and z+ (gamma -> inf)
    np.testing.assert_allclose(lrp(model, X, rules="gamma", gamma=0.0), lrp(model, X), atol=1e-10)
    np.testing.assert_allclose(lrp(model, X, rules="gamma", gamma=1e7), R_z, rtol=1e-4, atol=1e-7)
    R_g = lrp(model, X, rules=[Rule("gamma", gamma=1.0)] * 3)
    # for positive outputs, gamma shifts relevance away from negative contributions
    assert negative_share(R_g[pos]) < 0.5 * negative_share(lrp(model, X)[pos])


def test_lrp_rule_validation():
    model = relu_mlp((4, 3, 1))
    X = np.ones((2, 4))
    np.testing.assert_array_equal(lrp(model, X, rules=["epsilon", "epsilon"]), lrp(model, X))
    with pytest.raises(ValueError):
        lrp(model, X, rules=["epsilon"])
    with pytest.raises(ValueError):
        Rule("alpha-beta")
    with pytest.raises(TypeError):
        lrp(nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1)), X)


# --- differential relevance, MAD, Delta-AUC -------------------------------------------------


def test_differential_relevance_chunking_and_nonlinear_definition():
    model = relu_mlp((5, 8, 1), seed=10)
    X = np.random.default_rng(10).normal(size=(13, 5))
    mean = X.mean(axis=0)
    D = differential_relevance(model, X, mean, max_rows=7)  # forces many chunks
    np.testing.assert_allclose(D, differential_relevance(model, X, mean), atol=1e-12)
    k = 3
    Xk = X.copy()
    Xk[:, k] = mean[k]
    np.testing.assert_allclose(D[:, k], predict_logits(model, X) - predict_logits(model, Xk), atol=1e-12)
    np.testing.assert_allclose(occluded_outputs(model, X, mean)[:, k], predict_logits(model, Xk), atol=1e-12)


def test_mad_relevance_per_class_and_clipping():
    D = np.array([[1.0, -1.0], [-3.0, 0.0], [100.0, 2.0], [2.0, 2.0], [-4.0, 0.0]])
    labels = np.array([0, 0, 0, 1, 1])
    mad = mad_relevance(D, labels)
    np.testing.assert_allclose(mad[0], [104 / 3, 1.0])
    np.testing.assert_allclose(mad[1], [3.0, 1.0])
    clipped = mad_relevance(D, labels, clip_quantile=0.5)  # class 0 medians of |D|: 3 and 1
    np.testing.assert_allclose(clipped[0], [(1 + 3 + 3) / 3, (1 + 0 + 1) / 3])


def test_delta_auc_only_used_features_matter():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 2000)
    X = rng.normal(size=(2000, 4))
    X[:, 0] += y
    X[:, 1] += y  # informative, but ignored by the model below
    imp = delta_auc(lambda A: 2.0 * A[:, 0], X, y)
    assert imp[0] > 0.2
    np.testing.assert_array_equal(imp[1:], 0.0)

    w = np.array([1.0, 1.0, 0.0, 0.5])
    imp_t = delta_auc(linear_torch(w), X, y, reference=X[:500], max_rows=1000)
    assert imp_t[0] > 0.05 and imp_t[1] > 0.05
    assert abs(imp_t[2]) < 1e-6


# --------------------------------------------------------------------- LRP on signed inputs
def test_lrp_epsilon_to_zero_is_gradient_times_input_biases_included():
    model = relu_mlp((9, 14, 7, 1), seed=21, bias=True)
    X = np.random.default_rng(21).normal(size=(32, 9))
    x = torch.as_tensor(X).requires_grad_()
    model(x)[:, 0].sum().backward()
    np.testing.assert_allclose(lrp(model, X, epsilon=1e-12), (x.grad * x).detach().numpy(),
                               rtol=1e-7, atol=1e-10)


def test_zb_and_flat_input_rules_conserve_the_relevance_exactly():
    """Two layers: the output layer's epsilon rule leaves f - b2 on the hidden neurons;
    zB and flat pass all of it to the inputs, whatever the inputs' signs."""
    model = relu_mlp((6, 11, 1), seed=22, bias=True)
    X = np.random.default_rng(22).uniform(-1, 1, size=(40, 6))
    hidden_total = predict_logits(model, X) - model[2].bias.item()
    zb = lrp(model, X, rules=[Rule("zB", low=-1.0, high=1.0), "epsilon"], epsilon=1e-12)
    flat = lrp(model, X, rules=["flat", "epsilon"], epsilon=1e-12)
    np.testing.assert_allclose(zb.sum(1), hidden_total, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(flat.sum(1), hidden_total, rtol=1e-8, atol=1e-10)
    # the epsilon rule at the input loses the first layer's bias share instead
    eps = lrp(model, X, epsilon=1e-12).sum(1)
    assert np.max(np.abs(eps - hidden_total)) > 1e-3


def test_zb_rule_by_hand():
    """One neuron, w = (2, -1), bounds [-1, 1]: contributions x1 w1 - l w1 = 2 (x1 + 1) and
    x2 w2 - h w2 = -(x2 - 1), shared in proportion."""
    lin = nn.Linear(2, 1).double()
    out = nn.Linear(1, 1, bias=False).double()
    with torch.no_grad():
        lin.weight[:] = torch.tensor([[2.0, -1.0]])
        lin.bias.zero_()
        out.weight[:] = 1.0
    model = nn.Sequential(lin, nn.ReLU(), out)
    X = np.array([[0.5, -0.5]])  # z = 1.5, output 1.5
    c = np.array([2 * (0.5 + 1), -(-0.5 - 1)])  # 3.0 and 1.5
    R = lrp(model, X, rules=[Rule("zB", low=-1, high=1, epsilon=0.0), "epsilon"], epsilon=0.0)
    np.testing.assert_allclose(R[0], 1.5 * c / c.sum(), rtol=1e-12)
    assert np.all(R >= 0)


def test_composite_rules_and_their_validation():
    rules = composite_rules(5)
    assert [r.name for r in rules] == ["flat", "gamma", "gamma", "epsilon", "epsilon"]
    assert [r.name for r in composite_rules(2, Rule("zB", low=0, high=1))] == ["zB", "epsilon"]
    model = relu_mlp((4, 3, 1))
    with pytest.raises(ValueError, match="needs the inputs' bounds"):
        Rule("zB")
    with pytest.raises(ValueError, match="input layer only"):
        lrp(model, np.ones((2, 4)), rules=["epsilon", "flat"])
    with pytest.raises(ValueError, match="outside the zB rule's bounds"):
        lrp(model, np.full((2, 4), 3.0), rules=[Rule("zB", low=-1, high=1), "epsilon"])


def test_per_layer_rules_match_captum():
    """A gamma-gamma-epsilon composite against captum's per-layer rules (no biases: captum's
    GammaRule leaves the bias alone, this implementation raises it with the weights)."""
    from captum.attr import LRP
    from captum.attr._utils.lrp_rules import EpsilonRule, GammaRule

    model = relu_mlp((8, 12, 9, 1), seed=23, bias=False)
    X = np.abs(np.random.default_rng(23).normal(size=(16, 8)))
    model[0].rule, model[2].rule, model[4].rule = GammaRule(0.25), GammaRule(0.25), EpsilonRule(1e-9)
    captum_R = LRP(model).attribute(torch.as_tensor(X).requires_grad_(), target=0).detach().numpy()
    ours = lrp(model, X, rules=["gamma", "gamma", "epsilon"], gamma=0.25, epsilon=1e-9)
    np.testing.assert_allclose(ours, captum_R, rtol=1e-6, atol=1e-9)
