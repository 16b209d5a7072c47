"""Attribution summaries: feature grouping, per-class summaries, rank agreement, timing, caching."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from helpers.cache import model_fingerprint
from helpers.metrics import mean_std
from helpers.preprocessing import topodnn_feature_names
from helpers.studies import attribution as attr
from helpers.xai import agreement, kernel_shap

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "cache"))


def small_mlp(d: int = 6, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, 8), nn.ReLU(), nn.Linear(8, 1)).double()


# --- grouping of the 90 TopoDNN inputs ------------------------------------------------------


def test_feature_grid_puts_kinds_in_rows_and_constituents_in_columns():
    names = np.array(topodnn_feature_names())
    idx = attr.feature_grid(np.arange(90))
    assert idx.shape == (3, 30)
    assert list(names[idx[:, 4]]) == ["pT_4", "eta_4", "phi_4"]
    assert all(n.startswith("phi_") for n in names[idx[2]])
    batch = attr.feature_grid(np.stack([np.arange(90), -np.arange(90)]))  # leading axes kept
    assert batch.shape == (2, 3, 30)
    np.testing.assert_array_equal(batch[1], -idx)


def test_kind_major_order():
    names = np.array(topodnn_feature_names(4))
    order = attr.kind_major_order(12)
    assert list(names[order]) == ["pT_0", "pT_1", "pT_2", "pT_3", "eta_0", "eta_1", "eta_2",
                                  "eta_3", "phi_0", "phi_1", "phi_2", "phi_3"]


def test_kind_shares():
    v = np.zeros(9)
    v[[0, 3]] = [1.0, -1.0]  # pT_0, pT_1: |.| counts
    v[1] = 2.0  # eta_0
    shares = attr.kind_shares(v)
    assert shares == pytest.approx({"pT": 0.5, "eta": 0.5, "phi": 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert attr.kind_shares(np.zeros(9)) == {"pT": 0.0, "eta": 0.0, "phi": 0.0}


def test_class_summary_and_mean_std():
    values = np.array([[1.0, -2.0], [-3.0, 0.0], [5.0, 5.0]])
    labels = np.array([1, 1, 0])
    s = attr.class_summary(values, labels)
    assert list(s) == ["top", "QCD"]
    np.testing.assert_allclose(s["top"], [2.0, 1.0])
    np.testing.assert_allclose(s["QCD"], [5.0, 5.0])
    np.testing.assert_allclose(attr.class_summary(values, labels, absolute=False)["top"], [-1.0, -1.0])
    mean, std = mean_std([np.array([1.0, 2.0]), np.array([3.0, 2.0])])
    np.testing.assert_allclose(mean, [2.0, 2.0])
    np.testing.assert_allclose(std, [np.sqrt(2.0), 0.0])
    assert np.all(np.isnan(mean_std([np.ones(3)])[1]))


# --- rankings ---------------------------------------------------------------------------


def test_top_features_descending_and_stable():
    names = ["a", "b", "c", "d"]
    assert agreement.top_features(np.array([0.1, 0.5, 0.5, -1.0]), names, 3) == ["b", "c", "a"]


def test_rank_agreement_known_values():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    imp = {"a": a, "swap": np.array([1.0, 3.0, 2.0, 4.0]), "rev": -a}
    rho = agreement.rank_agreement(imp, "spearman")
    # one adjacent swap among 4: rho = 1 - 6 * 2 / (4 * 15) = 0.8, tau = (5 - 1) / 6
    assert rho.loc["a", "swap"] == pytest.approx(0.8)
    assert rho.loc["a", "rev"] == pytest.approx(-1.0)
    np.testing.assert_allclose(np.diag(rho.values), 1.0)
    np.testing.assert_allclose(rho.values, rho.values.T)
    tau = agreement.rank_agreement(imp, "kendall")
    assert tau.loc["swap", "a"] == pytest.approx(2 / 3)
    w = agreement.rank_agreement(imp, "weighted")
    assert w.loc["a", "rev"] == pytest.approx(-1.0) and 0 < w.loc["a", "swap"] < 1
    # weighted tau cares more about a swap among the top features than among the bottom
    top_swap = {"a": a, "b": np.array([1.0, 2.0, 4.0, 3.0])}
    bottom_swap = {"a": a, "b": np.array([2.0, 1.0, 3.0, 4.0])}
    assert agreement.rank_agreement(top_swap, "weighted").loc["a", "b"] < \
        agreement.rank_agreement(bottom_swap, "weighted").loc["a", "b"]
    with pytest.raises(KeyError):
        agreement.rank_agreement(imp, "pearson")


def test_top_k_overlap():
    imp = {"x": np.array([4.0, 3.0, 2.0, 1.0]), "y": np.array([4.0, 1.0, 3.0, 2.0])}
    ov = agreement.top_k_overlap(imp, k=2)  # {0, 1} vs {0, 2}
    assert ov.loc["x", "y"] == 0.5 and ov.loc["x", "x"] == 1.0


# --- timing -----------------------------------------------------------------------------


def test_timed_repeats_until_min_seconds_and_cost_table():
    calls = []
    result, cost = attr.timed("m", 10, lambda: calls.append(1) or len(calls), min_seconds=0.0)
    assert result == 1 and len(calls) == 1 and cost.n_jets == 10
    _, cost = attr.timed("m", 10, lambda: calls.append(1), min_seconds=0.01)
    assert len(calls) > 2 and cost.seconds < 0.01  # the time of one call
    table = attr.cost_table([attr.MethodCost("fast", 100, 1.0), attr.MethodCost("slow", 2, 4.0)],
                            reference="fast")
    assert table.loc["slow", "per jet [ms]"] == pytest.approx(2000.0)
    assert table.loc["slow", "time / fast"] == pytest.approx(200.0)
    assert table.loc["fast", "time / fast"] == pytest.approx(1.0)


def test_time_methods_runs_every_method_once_on_the_same_model():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), np.arange(40) % 2
    costs = attr.time_methods(small_mlp(), X, y, X, X[:10], y[:10], X[:5], nsamples=20, n_shap=2,
                              min_seconds=0.0)
    assert [c.method for c in costs] == ["ΔAUC", "MAD", "LRP-ε", "MAD, SHAP's jets", "KernelSHAP"]
    assert [c.n_jets for c in costs] == [40, 10, 10, 2, 2]
    assert all(c.seconds > 0 for c in costs)


# --- caching ----------------------------------------------------------------------------


def test_cached_attribution_computes_once_per_key():
    calls = []

    def compute():
        calls.append(1)
        return np.arange(3.0)

    a = attr.cached_attribution("t", {"k": 1}, compute)
    b = attr.cached_attribution("t", {"k": 1}, compute)
    np.testing.assert_array_equal(a, b)
    assert len(calls) == 1
    attr.cached_attribution("t", {"k": 2}, compute)
    assert len(calls) == 2


def test_model_fingerprint_tracks_weights():
    m = small_mlp()
    fp = model_fingerprint(m)
    assert fp == model_fingerprint(small_mlp())
    with torch.no_grad():
        m[0].bias[0] += 1.0
    assert model_fingerprint(m) != fp


def test_explained_shap_is_balanced_cached_and_equals_kernel_shap(monkeypatch):
    rng = np.random.default_rng(1)
    X_test, y_test = rng.normal(size=(30, 6)), np.repeat([1, 0], 15)
    X_train = rng.normal(size=(50, 6))
    model = small_mlp()
    idx, bg, values = attr.explained_shap(model, X_test, y_test, X_train, 4, 5, nsamples=30, seed=2)
    assert (y_test[idx] == 1).sum() == 4 and (y_test[idx] == 0).sum() == 4
    assert bg.shape == (5, 6)
    np.testing.assert_allclose(values, kernel_shap(model, X_test[idx], bg, 30, seed=2))
    monkeypatch.setattr(attr, "kernel_shap", lambda *a, **k: pytest.fail("not read from the cache"))
    _, _, again = attr.explained_shap(model, X_test, y_test, X_train, 4, 5, nsamples=30, seed=2)
    np.testing.assert_array_equal(again, values)


def test_balanced_subset():
    labels = np.array([0] * 10 + [1] * 3)
    idx = attr.balanced_subset(labels, 5, seed=0)
    assert np.all(np.diff(idx) > 0)
    assert (labels[idx] == 0).sum() == 5 and (labels[idx] == 1).sum() == 3  # all 3 available
    np.testing.assert_array_equal(idx, attr.balanced_subset(labels, 5, seed=0))


# --- correlations and occlusion ------------------------------------------------------------


def test_feature_correlation_handles_constant_columns():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    X[:, 1] = 0.0  # like eta_0 and phi_0 after preprocessing
    X[:, 3] = 2 * X[:, 0] + 0.1 * rng.normal(size=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = attr.feature_correlation(X)
    keep = [0, 2, 3]
    np.testing.assert_allclose(c[np.ix_(keep, keep)], np.corrcoef(X[:, keep], rowvar=False), atol=1e-12)
    assert c[1, 1] == 1.0 and np.all(c[1, [0, 2, 3]] == 0.0)


def test_impossible_after_occlusion():
    # two jets, 3 constituents: pT = (5, 3, 1) and (4, 2, 0) (the second has 2 constituents)
    X = np.zeros((2, 9))
    X[:, [0, 3, 6]] = [[5.0, 3.0, 1.0], [4.0, 2.0, 0.0]]
    mean = np.zeros(9)
    mean[[0, 3, 6]] = [4.5, 2.5, 0.5]
    # pT_0 -> 4.5: still above pT_1 in both jets
    # pT_1 -> 2.5: jet 1: 5 > 2.5 > 1, jet 2: 4 > 2.5 > 0, both fine
    # pT_2 -> 0.5: jet 1: 3 > 0.5, fine; jet 2: slot 2 is padding -> impossible
    np.testing.assert_allclose(attr.impossible_after_occlusion(X, mean), [0.0, 0.0, 0.5])
    mean[3] = 4.8  # above pT_0 = 4 of jet 2 only
    assert attr.impossible_after_occlusion(X, mean)[1] == 0.5
    mean[0] = 1.5  # below pT_1 = 3 of jet 1 and pT_1 = 2 of jet 2
    assert attr.impossible_after_occlusion(X, mean)[0] == 1.0


def test_seed_summary_and_seed_agreement():
    runs = [{"top": np.array([1.0, 2.0]), "QCD": np.zeros(2)},
            {"top": np.array([3.0, 2.0]), "QCD": np.ones(2)}]
    s = attr.seed_summary(runs)
    np.testing.assert_allclose(s["top"][0], [2.0, 2.0])
    np.testing.assert_allclose(s["QCD"][1], [np.sqrt(0.5)] * 2)
    a = np.arange(5.0)
    # pairs: (a, a) = 1, (a, -a) = -1, (a, -a) = -1 -> mean -1/3
    assert agreement.seed_agreement([a, a, -a]) == pytest.approx(-1 / 3)
    assert np.isnan(agreement.seed_agreement([a]))


def test_method_summaries_match_the_individual_helpers():
    from helpers.xai import (
        delta_auc,
        differential_relevance,
        lrp,
        mean_behaviour_relevance,
    )

    rng = np.random.default_rng(4)
    X_train, X = rng.normal(size=(60, 6)), rng.normal(size=(30, 6))
    y = np.arange(30) % 2
    model = small_mlp(seed=5)
    shap = {"n_per_class": 3, "n_background": 5, "nsamples": 20, "seed": 1}
    out = attr.method_summaries(model, X, y, X_train, attr.METHODS, shap)
    assert list(out) == list(attr.METHODS)
    assert all(set(v) == {"top", "QCD"} for v in out.values())
    mean = X_train.mean(0)
    np.testing.assert_allclose(out["ΔAUC"]["QCD"], delta_auc(model, X, y, reference=X_train))
    np.testing.assert_allclose(out["LRP-γ"]["top"], np.abs(lrp(model, X[y == 1], rules="gamma")).mean(0))
    mb = mean_behaviour_relevance(model, mean)
    np.testing.assert_allclose(out["LRP-ε − MB"]["QCD"], np.abs(lrp(model, X[y == 0]) - mb).mean(0))
    np.testing.assert_allclose(out["MAD"]["top"],
                               np.abs(differential_relevance(model, X[y == 1], mean)).mean(0))
    idx, _, values = attr.explained_shap(model, X, y, X_train, **shap)
    np.testing.assert_allclose(out["SHAP"]["top"], np.abs(values[y[idx] == 1]).mean(0))
    with pytest.raises(ValueError, match="unknown methods"):
        attr.method_summaries(model, X, y, X_train, ["saliency"])


def test_strongest_partners():
    names = ["a", "b", "c"]
    top = np.array([[1.0, -0.9, 0.1], [-0.9, 1.0, 0.5], [0.1, 0.5, 1.0]])
    t = attr.strongest_partners({"top": top, "QCD": np.eye(3)}, names, features=[2, 0], n=1)
    assert list(t.index) == [("c", "b"), ("a", "b")]
    np.testing.assert_allclose(t["top"], [0.5, -0.9])  # ranked by |rho|, shown signed
    np.testing.assert_allclose(t["QCD"], [0.0, 0.0])
    assert len(attr.strongest_partners({"top": top}, names, features=[1], n=2)) == 2


def test_rule_comparison_covers_every_rule_set_with_seed_spreads():
    import torch

    from helpers.models import TopoDNN

    rng = np.random.default_rng(11)
    X = rng.normal(0, 0.3, size=(60, 90)).astype(np.float32)
    X_train = rng.normal(0, 0.3, size=(80, 90)).astype(np.float32)
    y = (np.arange(60) % 2).astype(np.int8)
    models = []
    for s in (0, 1):
        torch.manual_seed(s)
        models.append(TopoDNN(90, (8, 6, 4)).eval())
    comparison = attr.rule_comparison(models, X, y, X_train)
    assert set(comparison) == {"ε everywhere", "γ everywhere", "z⁺ everywhere", "composite (zB, γ, ε)"}
    for per in comparison.values():
        assert set(per) == {"pT share, top", "pT share, QCD", "mean |Σ R − logit|"}
        assert all(0 <= per[k].value <= 1 for k in ("pT share, top", "pT share, QCD"))
        assert all(np.isfinite(m.spread) for m in per.values())
    rules = attr.lrp_rule_sets(X_train, 4)["composite (zB, γ, ε)"]
    assert [r.name for r in rules] == ["zB", "gamma", "epsilon", "epsilon"]
    claim = attr.composite_claim(comparison)
    assert claim.startswith("For top jets, with the composite") and "with γ everywhere" in claim
    assert list(attr.rule_table(comparison).index)[-1] == "composite (zB, γ, ε)"
