"""Studies of chapters 0-2 against hand-computable answers: jets per class, generation rates,
Lund-plane densities, physics cross-checks, performance tables, and the attribution
comparisons (agreement, overview, mean-behaviour shift, conservation, clipping)."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from helpers.data import TASKS
from helpers.data.jets import JetSet
from helpers.data.store import write_attrs
from helpers.studies import attribution as attr
from helpers.studies import jets as study
from helpers.studies import performance, toy
from helpers.studies.baselines import baseline_probabilities
from helpers.studies.learning_curve import gain_table
from helpers.training.loop import TrainHistory

torch.set_num_threads(1)
TOP_QCD = TASKS["top_qcd"].class_names


def massless(pt, eta, phi) -> np.ndarray:
    pt, eta, phi = np.broadcast_arrays(*map(np.asarray, (pt, eta, phi)))
    return np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)


def jets(labels: list[int]) -> JetSet:
    """Two-constituent jets (600 and 50 GeV, 0.3 apart in eta), one per label."""
    n = len(labels)
    c = np.zeros((n, 3, 4), np.float32)
    c[:, 0] = massless(600.0, 0.0, 0.0)
    c[:, 1] = massless(50.0, 0.3, 0.0)
    return JetSet(c, np.array(labels, np.int8), np.zeros((n, 4), np.float32))


# --- chapter 0 ------------------------------------------------------------------------------


def test_class_registry_names_every_task():
    assert TOP_QCD == {1: "top", 0: "QCD"}
    assert TASKS["w_qcd"].class_names == {1: "W", 0: "QCD"} and TASKS["w_qcd"].title == "W/QCD"
    assert TASKS["quark_gluon"].class_names == {1: "quark", 0: "gluon"}


def test_by_class_and_class_counts():
    splits = {"train": jets([1, 0, 0]), "test": jets([1, 1])}
    parts = study.by_class(splits["train"], TOP_QCD)
    assert list(parts) == ["top", "QCD"] and [len(p) for p in parts.values()] == [1, 2]
    counts = study.class_counts(splits, TOP_QCD)
    assert counts.loc["top"].tolist() == [1, 2] and counts.loc["QCD"].tolist() == [2, 0]


def test_generation_table_reads_the_file_statistics(tmp_path):
    path = tmp_path / "top_train.h5"
    with h5py.File(path, "w") as h5:
        write_attrs(h5, n_jets=200, stats={"n_events": 1000, "n_vetoed": 900,
                                           "seconds_shards": 40.0, "seconds_events": 10.0})
    table = study.generation_table({("top", "train"): path})
    row = table.loc[("top", "train")]
    assert row["events per jet"] == 5.0 and row["jets / s / core"] == 5.0
    assert row["vetoed before hadronisation"] == 0.9 and row["share of time in Pythia"] == 0.25


def test_kinematics_and_momentum_fractions():
    kin = study.kinematics_by_sample({"top": jets([1, 1])})
    assert kin["top"]["multiplicity"].tolist() == [2, 2]
    assert kin["top"]["pt"] == pytest.approx(650.0, rel=1e-3)  # nearly collinear
    frac = study.momentum_fractions({"top": jets([1])})["top"]
    assert frac[0, :2].sum() == pytest.approx(650.0 / kin["top"]["pt"][0], rel=1e-6)
    assert frac[0, 2] == 0.0


def test_lund_density_counts_points_per_jet_and_area():
    bins = (np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0]))
    rho = study.lund_density(np.array([0.5, 0.5, 2.0]), np.array([1.0, 1.0, 1.0]), 2, bins)
    np.testing.assert_allclose(rho, [[2 / (2 * 2.0)], [1 / (2 * 4.0)]])
    points = {"a": (np.zeros(6), np.zeros(6), 3)}
    assert study.declusterings_per_jet(points)["a"] == 2.0


def test_primary_lund_of_a_two_prong_jet():
    points = study.primary_lund({"top": jets([1])})
    x, y, n = points["top"]
    assert n == 1 and len(x) == 1
    assert x[0] == pytest.approx(-np.log(0.3), rel=1e-3)  # Delta = 0.3
    assert y[0] == pytest.approx(np.log(50 * 0.3), rel=1e-2)  # kt = pT_soft Delta


def test_mass_peak_and_the_physics_cross_checks():
    assert study.mass_peak(np.array([171.0, 172.0, 173.0, 140.0]), 120, 230) == 172.5
    rng = np.random.default_rng(0)
    kin = {"top": {"mass": rng.normal(174, 5, 500), "multiplicity": np.full(500, 60)},
           "QCD": {"mass": rng.exponential(60, 500), "multiplicity": np.full(500, 40)}}
    table = study.cross_checks(kin)
    assert len(table) == 6 and study.check_physics(table) == "all cross-checks passed"
    kin["top"]["mass"] = rng.normal(120, 5, 500)  # a top peak in the wrong place
    with pytest.raises(AssertionError):
        study.check_physics(study.cross_checks(kin))


# --- performance ----------------------------------------------------------------------------


def test_performance_tables():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    perfect = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    metrics = performance.seed_metrics(y, {"net": [perfect, perfect]})
    assert metrics["net"]["auc"] == (1.0, 0.0)
    table = performance.performance_table(metrics, {"paper": {"auc": 0.97}})
    assert table.loc["ROC AUC", "net"] == "1.0000 ± 0.0000"
    assert table.loc["ROC AUC", "paper"] == "0.9700" and table.loc["accuracy", "paper"] == "—"
    assert table.loc["1/εB at εS = 0.3", "net"] == "inf"  # no background passes: std undefined
    half = performance.seed_metrics(y, {"coin": [np.array([0.6, 0.4, 0.6, 0.4] * 2)]})
    passing = performance.passing_background(y, half)
    assert passing.loc["coin", "of"] == 4
    assert passing.loc["coin", "background jets passing"] == pytest.approx(
        4 / half["coin"]["rejection_0.3"][0])


def test_rejection_statistical_error_next_to_the_seed_spread():
    from helpers.metrics import rejection_spread

    rng = np.random.default_rng(3)
    y = np.r_[np.ones(400, int), np.zeros(3000, int)]
    runs = [rng.normal(size=len(y)) + 2.5 * y for _ in range(3)]
    metrics = performance.seed_metrics(y, {"net": runs}, n_boot=60, seed=4)
    stat = np.mean([rejection_spread(y, p, (0.3, 0.5), 60, 4) for p in runs], axis=0)
    assert metrics["net"]["rejection_0.3 stat"][0] == pytest.approx(stat[0])
    assert metrics["net"]["rejection_0.5 stat"][0] == pytest.approx(stat[1])
    mean, std = metrics["net"]["rejection_0.3"]
    cell = performance.performance_table(metrics).loc["1/εB at εS = 0.3", "net"]
    assert cell == f"{mean:.0f} ± {std:.0f} (seeds) ± {stat[0]:.0f} (stat.)"
    assert "stat" not in " ".join(performance.performance_table(metrics).index)
    one = performance.seed_metrics(y, {"net": runs[:1]}, n_boot=60, seed=4)
    assert performance.format_metric(one["net"], "rejection_0.3", 1).endswith(" (stat.)")
    assert "(seeds)" not in performance.format_metric(one["net"], "rejection_0.3", 1)
    m = performance.seed_measurements(y, runs, n_boot=60, seed=4)
    assert m["rejection_0.3"].spread == pytest.approx(np.hypot(std, stat[0]))
    assert m["auc"].spread == pytest.approx(metrics["net"]["auc"][1])  # no statistical term
    reused = performance.seed_measurements(y, runs, n_boot=60, seed=4,
                                           stat=performance.stat_errors(metrics["net"]))
    assert performance.stat_errors(metrics["net"]) == pytest.approx(
        {"rejection_0.3": stat[0], "rejection_0.5": stat[1]})
    assert reused["rejection_0.3"].spread == pytest.approx(m["rejection_0.3"].spread)


def test_history_table():
    h = TrainHistory([0.7, 0.6], [0.69, 0.65], 1, 2, False, 3.0, 100.0, "cpu")
    row = performance.history_table({"seed 0": h}).loc["seed 0"]
    assert row["best epoch"] == 2 and row["best val. loss"] == 0.65 and row["epochs run"] == 2


def test_baseline_probabilities_and_gain_table():
    rng = np.random.default_rng(1)
    y = (np.arange(200) % 2).astype(int)
    obs = {k: rng.normal(size=200) + (y if k == "mass" else 0)
           for k in ("mass", "tau1", "tau2", "tau3", "tau21", "tau32")}
    probs = baseline_probabilities(obs, y, obs, ["mass+tau"], seeds=[0, 1])
    assert list(probs) == ["BDT: mass+tau"] and len(probs["BDT: mass+tau"]) == 2
    summary = pd.DataFrame({"model": ["a"] * 3, "n_train": [100, 200, 400],
                            "mean": [0.80, 0.82, 0.84]})
    assert gain_table(summary)["a"] == pytest.approx(0.02)


# --- attribution comparisons ----------------------------------------------------------------


def small_study() -> attr.AttributionStudy:
    v = np.arange(9.0)  # ranking: 8, 7, ..., 0
    runs = {"ΔAUC": [{"top": v, "QCD": v}, {"top": v, "QCD": v}],
            "SHAP": [{"top": v, "QCD": -v}, {"top": v + 1, "QCD": -v}],
            "MAD": [{"top": v[::-1], "QCD": v}, {"top": v[::-1], "QCD": v}]}
    return attr.AttributionStudy(runs)


def test_attribution_study_importances_and_agreement_table():
    s = small_study()
    assert list(s.importances) == ["top", "QCD"]
    np.testing.assert_allclose(s.importances["top"]["SHAP"], np.arange(9.0) + 0.5)
    table = s.stats["SHAP"]["top"]
    np.testing.assert_allclose(table[1], np.full(9, np.sqrt(0.5)))  # std over two seeds
    agree = attr.agreement_table(s, references=("ΔAUC",), top_k=3)
    assert agree.loc[("top", "SHAP"), "ρ vs ΔAUC"] == pytest.approx(1.0)
    assert agree.loc[("top", "MAD"), "ρ vs ΔAUC"] == pytest.approx(-1.0)
    assert agree.loc[("QCD", "SHAP"), "τ vs ΔAUC"] == pytest.approx(-1.0)
    assert agree.loc[("top", "MAD"), "top-3 shared with ΔAUC"] == 0.0
    assert agree.loc[("top", "SHAP"), "ρ seed vs seed"] == pytest.approx(1.0)


def test_method_overview_and_top_features():
    imp = {"top": {"A": np.r_[np.ones(3), np.zeros(6)], "B": np.r_[np.zeros(6), np.ones(3)]}}
    imp["top"]["A"][0] = 2.0  # pT_0 first
    names = [f"{k}_{i}" for i in range(3) for k in ("pT", "eta", "phi")]
    over = attr.method_overview(imp, names, references=("A",), k=1)
    assert over.loc[("top", "A"), "top 1"] == "pT_0"
    assert over.loc[("top", "A"), "pT share"] == pytest.approx(2 / 4)
    assert over.loc[("top", "A"), "weighted τ vs A"] == pytest.approx(1.0)
    top = attr.top_feature_table(imp, names, 2)
    assert top.loc[("top", "A")].tolist() == ["pT_0", "eta_0"]


def test_mean_behaviour_shift_verdicts_follow_the_seed_spread():
    v = np.arange(9.0)
    noise = [np.r_[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5 * k, 0.0] for k in range(3)]
    runs = {"SHAP": [{"top": v, "QCD": v} for _ in range(3)],
            "LRP-ε": [{"top": v[::-1] + n, "QCD": v + n} for n in noise],
            "LRP-ε − MB": [{"top": v + n, "QCD": v + n} for n in noise]}
    shift = attr.mean_behaviour_shift(attr.AttributionStudy(runs), references=("SHAP",))
    top = shift.loc[("top", "SHAP"), "verdict"]
    assert "agrees with SHAP better than plain LRP-ε (-1.00 ± 0.01)" in top, top
    assert shift.loc[("QCD", "SHAP"), "verdict"].endswith("agree with SHAP equally well at this "
                                                         "statistics")
    one_seed = {k: r[:1] for k, r in runs.items()}  # no spread: no move can be claimed
    verdict = attr.mean_behaviour_shift(attr.AttributionStudy(one_seed), ("SHAP",))["verdict"]
    assert all("a single run gives no spread" in v for v in verdict)


def linear_net(w: np.ndarray) -> nn.Sequential:
    lin = nn.Linear(len(w), 1, bias=False).double()
    with torch.no_grad():
        lin.weight.copy_(torch.as_tensor(w[None, :]))
    return nn.Sequential(lin)


def test_epsilon_table_conserves_for_a_bias_free_linear_model():
    w = np.array([1.0, 2.0, -1.0, 0.5, 0.0, 1.0])  # two constituents (pT, eta, phi)
    X = np.random.default_rng(0).normal(size=(20, 6))
    y = np.arange(20) % 2
    logits = X @ w
    table = attr.epsilon_table(linear_net(w), X, y, logits, (1e-9,))
    assert table.loc["1e-09", "mean |Σ R − logit|"] == pytest.approx(0.0, abs=1e-7)
    R = np.abs(w * X)
    for label, c in TOP_QCD.items():
        pt = R[y == label][:, [0, 3]].mean(0).sum() / R[y == label].mean(0).sum()
        assert table.loc["1e-09", f"pT share, {c}"] == pytest.approx(pt)


def test_completeness_gap_vanishes_for_an_additive_model_and_share_profile():
    w = np.array([1.0, -2.0, 0.5])
    X = np.random.default_rng(2).normal(size=(10, 3))
    mean = X.mean(0)
    D = w * (X - mean)  # exact differential relevance of a linear model
    np.testing.assert_allclose(attr.completeness_gap(D, X @ w, mean @ w), 0.0, atol=1e-12)
    assert np.abs(attr.share_profile(np.array([1.0, -3.0]))).sum() == pytest.approx(1.0)


def test_clipping_check():
    D = np.zeros((4, 2))
    D[:, 0] = [1.0, 1.0, 1.0, 9.0]  # one class-1 jet dominates feature 0
    y = np.array([1, 1, 0, 1])
    table = attr.clipping_check(D, y, TOP_QCD)
    # top: mean |D_0| = 11/3, max 9 -> summed max / summed mean = 9 / (11/3)
    assert table.loc["top", "summed max|D| / summed mean|D|"] == pytest.approx(27 / 11)


def test_mean_behaviour_table():
    w = np.arange(1.0, 7.0)
    x_mean = np.ones(6)
    mb = [w * x_mean]
    table = attr.mean_behaviour_table([linear_net(w)], [3], x_mean, mb)
    assert table.loc["seed 3", "logit f(x̄)"] == pytest.approx(w.sum())
    assert table.loc["seed 3", "share in pT"] == pytest.approx((1 + 4) / w.sum())


def test_shap_settings_and_class_correlations():
    from helpers.config import get_profile

    prof = get_profile("ci")
    s = attr.shap_settings(prof, prof.chapter("topodnn"), seed=5)
    assert s == {"n_per_class": 20, "n_background": 10, "nsamples": 400, "seed": 5}
    X = np.random.default_rng(3).normal(size=(50, 3))
    X[:, 1] = 2 * X[:, 0]
    corr = attr.class_correlations(X, np.arange(50) % 2, TOP_QCD)
    assert list(corr) == ["top", "QCD"] and corr["top"][0, 1] == pytest.approx(1.0)


def test_bilinear_shapley_errors_are_round_off_for_exact_enumeration():
    errors = toy.shapley_errors(toy.BilinearToy(a=(1.0, 0.5), c=1.0, m=(1.0, 2.0), s=(1.0, 0.5),
                                                rho=0.8), n=300, n_background=50, seed=0)
    assert errors["exact Shapley"] < 1e-10
    assert errors["KernelSHAP"] < 1e-6  # two features: 10 coalitions enumerate them all
