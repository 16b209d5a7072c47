"""Learning curves: sizes, epoch budget, table layout, reuse of the chapter's cached models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from helpers.config import get_profile
from helpers.data.jets import JetSet
from helpers.studies import learning_curve as lc
from helpers.training.recipes import train_topodnn

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "cache"))


def toy_jets(n: int, seed: int) -> JetSet:
    """Balanced jets: signal has a hard second prong at Delta R ~ 0.3, background does not."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 2).astype(np.int8)
    m = 12
    pt = np.sort(rng.exponential(30.0, size=(n, m)), axis=1)[:, ::-1] + 1.0
    pt[:, 1] = np.where(labels == 1, 0.8 * pt[:, 0], pt[:, 1])
    eta = rng.normal(0, 0.05, size=(n, m))
    phi = rng.normal(0, 0.05, size=(n, m))
    eta[:, 1] += np.where(labels == 1, 0.3, 0.0)
    c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    return JetSet(c.astype(np.float32), labels, np.zeros((n, 4), np.float32))


@pytest.fixture
def tiny_profile():
    return get_profile("ci", n_seeds=2, chapters={"topodnn": {
        "hidden": (8, 4), "max_epochs": 2, "patience": 2, "batch_size": 32}})


def test_usable_sizes():
    assert lc.usable_sizes([400, 100, 100, 5000, 0], 1000) == [100, 400]
    assert lc.usable_sizes([5000], 1000) == [1000]


def test_epochs_for_size_gives_equal_step_budgets():
    assert lc.epochs_for_size(20000, 20000, 40) == 40
    assert lc.epochs_for_size(10000, 20000, 40) == 80
    assert lc.epochs_for_size(3000, 20000, 40) == 267  # ceil(40 * 20000 / 3000)
    assert lc.epochs_for_size(1000, 20000, 40) == lc.MAX_EPOCHS_CAP
    assert lc.epochs_for_size(1000, 20000, 40, cap=50) == 50


def test_topodnn_curve_layout_and_reuse_of_the_full_size_model(tiny_profile):
    train, val, test = toy_jets(200, 0), toy_jets(60, 1), toy_jets(100, 2)
    curve = lc.topodnn_curve(train, val, test, [50, 200, 10_000], tiny_profile, seeds=[0, 1], device="cpu")
    assert list(curve["n_train"]) == [50, 50, 200, 200]
    assert list(curve["seed"]) == [0, 1, 0, 1]
    assert {"model", "epochs", "auc", "accuracy", "rejection_0.3", "rejection_0.5"} <= set(curve.columns)
    assert curve["auc"].between(0, 1).all()
    assert curve["epochs"].iloc[0] <= lc.epochs_for_size(50, 200, 2)
    # the full-size point is the chapter's own model: same cache entry
    _, hist = train_topodnn(train, val, tiny_profile, 1, "cpu")
    assert hist.from_cache


def test_baseline_curve_learns_a_separable_observable():
    rng = np.random.default_rng(3)

    def obs(n: int) -> tuple[dict, np.ndarray]:
        y = np.arange(n) % 2
        d = {k: rng.normal(size=n) for k in ("tau1", "tau2", "tau3", "tau21", "tau32")}
        d["mass"] = rng.normal(80 + 90 * y, 15)
        return d, y

    (tr, y_tr), (te, y_te) = obs(600), obs(400)
    curve = lc.baseline_curve(tr, y_tr, te, y_te, [100, 600], seeds=[0, 1])
    assert list(curve["n_train"]) == [100, 100, 600, 600]
    assert curve["model"].iloc[0] == "boosted trees (mass+tau)"
    assert (curve["auc"] > 0.95).all()


def test_curve_summary_mean_and_std():
    df = pd.DataFrame({"model": ["a", "a", "a", "b"], "n_train": [10, 10, 20, 10],
                       "seed": [0, 1, 0, 0], "auc": [0.8, 0.9, 0.95, 0.7]})
    s = lc.curve_summary(df).set_index(["model", "n_train"])
    assert s.loc[("a", 10), "mean"] == pytest.approx(0.85)
    assert s.loc[("a", 10), "std"] == pytest.approx(np.std([0.8, 0.9], ddof=1))
    assert s.loc[("a", 10), "seeds"] == 2
    assert np.isnan(s.loc[("b", 10), "std"])


def test_gain_per_doubling():
    s = pd.DataFrame({"model": ["a"] * 3 + ["b"], "n_train": [100, 200, 400, 100],
                      "mean": [0.80, 0.83, 0.86, 0.9]})
    assert lc.gain_per_doubling(s, "a") == pytest.approx(0.03)
    assert np.isnan(lc.gain_per_doubling(s, "b"))


def test_constituent_coverage_counts_exactly():
    # jet 1: pT 4, 3, 2, 1 (four constituents); jet 2: pT 6, 2 and two empty slots
    pt = np.array([[4.0, 3.0, 2.0, 1.0], [6.0, 2.0, 0.0, 0.0]])
    c = np.zeros((2, 4, 4), np.float32)
    c[..., 0], c[..., 1] = pt, pt  # massless, along x
    jets = JetSet(c, np.array([1, 0], np.int8), np.zeros((2, 4), np.float32))
    cov = lc.constituent_coverage(jets, [1, 2, 4])
    assert cov[1]["pt_share"].value == pytest.approx((0.4 + 0.75) / 2)
    assert cov[2]["pt_share"].value == pytest.approx((0.7 + 1.0) / 2)
    assert cov[4]["pt_share"].value == pytest.approx(1.0) and cov[4]["pt_share"].spread == 0
    assert [cov[n]["cut_jets"].value for n in (1, 2, 4)] == [1.0, 0.5, 0.0]


def test_constituent_scan_grows_the_input_and_reuses_the_base_model(tiny_profile):
    train, val, test = toy_jets(200, 0), toy_jets(60, 1), toy_jets(100, 2)
    scan = lc.constituent_scan(train, val, test, [2, 12], tiny_profile, seeds=[0, 1], device="cpu")
    assert set(scan) == {2, 12} and all(0.5 <= m.value <= 1 and m.n == 2 for m in scan.values())
    model, _ = train_topodnn(train, val, tiny_profile, 0, "cpu", n_constituents=12)
    assert next(model.parameters()).shape[1] == 36  # 3 inputs per constituent
    claim = lc.constituent_claim(lc.constituent_coverage(test, [2, 12]), scan, base=2)
    assert claim.startswith("The 2 leading constituents carry on average")
    assert "with 12 constituents the AUC" in claim
    table = lc.constituent_table(lc.constituent_coverage(test, [2, 12]), scan)
    assert list(table.index) == [2, 12]


def test_a_training_that_did_not_learn_is_set_apart_and_named():
    from helpers.results import Measurement

    cov = {30: {"pt_share": Measurement(0.9, 0.001), "cut_jets": Measurement(0.94, 0.003)},
           100: {"pt_share": Measurement(0.999, 0.0), "cut_jets": Measurement(0.09, 0.004)}}
    scan = {30: lc.ScanAUC(0.934, 0.006, 3), 100: lc.ScanAUC(0.93, 0.004, 2, (0.5,))}
    claim = lc.constituent_claim(cov, scan)
    assert ("With 100 constituents, 1 of the trainings did not learn (test AUC 0.50, below 0.6);"
            " the AUC above is that of the others.") in claim
    assert "30 constituents, " not in claim.split("Fed more")[1].split("With 100")[1]
    scan[100] = lc.ScanAUC(0.93, 0.004, 2, (0.5,), ((6,),))
    assert ("(test AUC 0.50, below 0.6: no unit of its 6-node hidden layer fires on the test "
            "jets, so the output is a constant)") in lc.constituent_claim(cov, scan)
    table = lc.constituent_table(cov, scan)
    assert table.loc[100, "trainings that did not learn"] == 1
    assert table.loc[30, "trainings that did not learn"] == 0


def test_dead_layers_finds_a_layer_that_never_fires():
    import torch

    from helpers.models import TopoDNN

    model = TopoDNN(6, (5, 3))
    X = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    with torch.no_grad():
        for layer in model.linears:
            layer.bias.fill_(10.0)  # every unit fires
    assert lc.dead_layers(model, X) == ()
    with torch.no_grad():
        model.linears[1].weight.zero_()
        model.linears[1].bias.fill_(-1.0)  # the 3-node layer can never fire
    assert lc.dead_layers(model, X) == (3,)
