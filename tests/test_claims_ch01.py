"""Chapter 1's claims follow the numbers: each sentence flips when the measurements flip, and
says "indistinguishable" when they overlap (performance against the baselines and the paper,
the learning curve, the alignment of the inputs, the momentum shares of the attribution
methods and Khot et al.'s finding that SHAP and ΔAUC agree while LRP differs)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from helpers.results import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Measurement
from helpers.studies import attribution as attr
from helpers.studies import learning_curve as lc
from helpers.studies import performance as perf

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "cache"))


def scores(y: np.ndarray, separation: float, seed: int) -> np.ndarray:
    """Probabilities whose AUC grows with ``separation`` (Gaussian scores, unit width)."""
    rng = np.random.default_rng(seed)
    return 1 / (1 + np.exp(-(rng.normal(size=len(y)) + separation * y)))


Y = np.arange(2000) % 2


# --- performance ----------------------------------------------------------------------------


def test_run_measurement_uses_seeds_or_a_bootstrap():
    runs = [scores(Y, 2.0, s) for s in range(3)]
    seeds = perf.run_measurement(Y, runs)
    assert seeds.n == 3 and seeds.value == pytest.approx(np.mean([roc_auc_score(Y, p) for p in runs]))
    single = perf.run_measurement(Y, runs[:1])
    assert single.n == len(Y) and single.value == pytest.approx(roc_auc_score(Y, runs[0]))
    assert 0 < single.spread < 0.05  # an AUC near 0.92 on 2000 jets: about 0.006
    assert "seeds" in perf.spread_words(3) and "bootstrap" in perf.spread_words(1)


@pytest.mark.parametrize("n_runs", [1, 3])
def test_performance_claims_flip_with_the_numbers(n_runs):
    def probs(net: float, base: float) -> dict:
        return {"TopoDNN": [scores(Y, net, s) for s in range(n_runs)],
                "BDT: mass+tau": [scores(Y, base, 10 + s) for s in range(n_runs)]}

    one = {"BDT: mass+tau": "the trees"}
    better = perf.performance_claims(Y, probs(3.0, 1.0), 0.5, baselines=one)
    assert "separates top from QCD jets better than the trees" in better["vs_baselines"]
    assert "is higher than the paper's (0.5000)" in better["vs_paper"]
    worse = perf.performance_claims(Y, probs(1.0, 3.0), 0.99, baselines=one)
    assert "less well than the trees" in worse["vs_baselines"]
    assert "is lower than the paper's (0.9900)" in worse["vs_paper"]
    same = probs(2.0, 2.0)
    same["BDT: mass+tau"] = same["TopoDNN"]  # identical scores: no difference at all
    tie = perf.performance_claims(Y, same, roc_auc_score(Y, same["TopoDNN"][0]), baselines=one)
    assert "indistinguishably, at this statistics, from the trees" in tie["vs_baselines"]
    assert "agree within twice our uncertainty" in tie["vs_paper"]


def test_headline_metrics_and_seed_measurements():
    m = perf.seed_measurements(Y, [scores(Y, 2.0, s) for s in range(2)])
    assert set(perf.HEADLINE) <= set(m) and m["auc"].n == 2 and m["auc"].spread > 0
    single = perf.seed_measurements(Y, [scores(Y, 2.0, 0)], n_boot=50)["auc"]  # a bootstrap
    assert single.n == len(Y) and 0 < single.spread < 0.05
    assert perf.glue_name("rejection_0.3") == "rejection_03"


# --- learning curve -------------------------------------------------------------------------


def curve(separations: dict[int, float], seeds: list[int], model: str = "TopoDNN") -> list:
    return [lc.CurvePoint(model, n, s, 1, scores(Y, sep, 100 * s + n))
            for n, sep in separations.items() for s in seeds]


@pytest.mark.parametrize("seeds", [[0], [0, 1, 2]])
def test_gain_measurements_follow_the_curve(seeds):
    rising = {250: 0.5, 500: 1.0, 1000: 1.5, 2000: 2.0}
    flat = {250: 1.0, 500: 1.0, 1000: 1.0, 2000: 1.0}
    points = curve(rising, seeds) + curve(flat, seeds, "boosted trees (mass+tau)")
    gains = lc.gain_measurements(points, Y)
    assert gains["TopoDNN"].value > 0.05 and abs(gains["boosted trees (mass+tau)"].value) < 0.02
    table = lc.points_table(points, Y)
    assert len(table) == len(points) and {"auc", "n_train", "epochs"} <= set(table.columns)
    sentence = lc.gain_claims(gains)["more_jets"]
    assert sentence.startswith("More training jets clearly help the TopoDNN")
    assert "it gains clearly more than the baseline" in sentence


def test_gain_claims_in_every_direction():
    base = Measurement(0.002, 0.002)
    help_ = lc.gain_claims({"TopoDNN": Measurement(0.05, 0.01), "boosted trees (mass+tau)": base})
    assert "clearly help" in help_["more_jets"] and "gains clearly more" in help_["more_jets"]
    flat = lc.gain_claims({"TopoDNN": Measurement(0.003, 0.01), "boosted trees (mass+tau)": base})
    assert "cannot be told from zero" in flat["more_jets"]
    assert "indistinguishable from it" in flat["more_jets"]
    falls = lc.gain_claims({"TopoDNN": Measurement(-0.05, 0.01), "boosted trees (mass+tau)": base})
    assert "falls as its training set grows" in falls["more_jets"]
    assert "the baseline gains clearly more" in falls["more_jets"]
    one_seed = lc.gain_claims({"TopoDNN": Measurement(0.05), "boosted trees (mass+tau)":
                               Measurement(0.0)})
    assert "cannot be told from zero" in one_seed["more_jets"]  # no spread: no claim


# --- the inputs -----------------------------------------------------------------------------


def test_alignment_claim_compares_the_momentum_spread():
    n = 200
    X = np.zeros((2 * n, 90))
    X[:, 0], X[:, 3] = 0.5, 0.2  # leading and second constituent
    y = np.r_[np.ones(n), np.zeros(n)].astype(int)
    rng = np.random.default_rng(0)
    X[:, 5] = np.where(y == 1, 0.5, 0.05) + rng.normal(0, 0.01, 2 * n)  # phi_1: wide for top
    d = attr.momentum_distance(X)
    assert d[0] == pytest.approx(0.2 * abs(X[0, 5]) / 0.7)
    sentence, means = attr.alignment_claim(X, y)
    assert means["top"].value > means["QCD"].value and means["QCD"].n == n
    assert "QCD jets" in sentence and "keep their momentum closer" in sentence
    X[:, 5] = np.where(y == 1, 0.05, 0.5) + rng.normal(0, 0.01, 2 * n)
    assert "spread their momentum further" in attr.alignment_claim(X, y)[0]
    X[:, 5] = np.tile(rng.normal(0.3, 0.1, n), 2)  # the same jets in both classes
    assert "equally far at this statistics" in attr.alignment_claim(X, y)[0]


# --- attribution ----------------------------------------------------------------------------


def column_auc_reference(y, S):
    return np.array([roc_auc_score(y, S[:, k]) for k in range(S.shape[1])])


def test_column_aucs_match_sklearn_with_ties():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    S = np.column_stack([rng.normal(size=300) + y, np.round(rng.normal(size=300), 1), np.ones(300)])
    np.testing.assert_allclose(attr.column_aucs(y, S), column_auc_reference(y, S))


def replicas(shap_dauc: float, lrp_noise: float, n: int = 30, seed: int = 0,
             kind: str = "seeds") -> attr.ImportanceReplicas:
    """SHAP and ΔAUC = a common profile + noise of size ``shap_dauc``; LRP = the profile
    reversed (``lrp_noise`` = 0) or the profile with that much noise."""
    rng = np.random.default_rng(seed)
    base = np.linspace(1.0, 0.0, 90)

    def one() -> dict:
        out = {"SHAP": {}, "ΔAUC": {}, "LRP-ε": {}}
        dauc = base + shap_dauc * rng.normal(size=90)
        for c in ("top", "QCD"):
            out["SHAP"][c] = base + shap_dauc * rng.normal(size=90)
            out["ΔAUC"][c] = dauc
            out["LRP-ε"][c] = base[::-1] + 0.05 * rng.normal(size=90) if lrp_noise == 0 \
                else base + lrp_noise * rng.normal(size=90)
        return out

    return attr.ImportanceReplicas(one(), [one() for _ in range(n)], kind, 100)


def test_the_finding_is_reproduced_contradicted_or_inconclusive():
    verdict, evidence, taus = attr.shap_dauc_lrp_finding(replicas(0.02, 0.0))
    assert verdict == REPRODUCED and "as Khot et al. found" in evidence
    assert taus["shap_dauc_top"].value > 0.9 and taus["lrp_shap_QCD"].value < 0
    assert "measured as the mean ± spread over 30 training seeds" in evidence
    # reversed: SHAP and ΔAUC disagree (noisy), LRP-ε matches SHAP's profile closely
    reverse = replicas(1.0, 0.001)
    for r in (reverse.central, *reverse.replicas):
        for c in ("top", "QCD"):
            r["LRP-ε"][c] = r["SHAP"][c] + 0.001
    verdict, evidence, _ = attr.shap_dauc_lrp_finding(reverse)
    assert verdict == NOT_REPRODUCED and evidence.count("Contrary to Khot et al.'s finding") == 1
    assert "LRP-ε and SHAP agree clearly better than SHAP and ΔAUC do for top and QCD jets" in evidence
    # every method equally noisy around the same profile: overlapping agreements
    verdict, evidence, _ = attr.shap_dauc_lrp_finding(replicas(0.3, 0.3, n=5))
    assert verdict == INCONCLUSIVE and "neither confirms nor contradicts" in evidence


def test_bootstrap_replicas_measure_around_the_full_sample():
    r = replicas(0.02, 0.0, kind="jets")
    m = attr.replica_agreement(r, "SHAP", "ΔAUC", "top")
    assert m.n == 100  # the jets, not the resamples
    from scipy.stats import weightedtau
    assert m.value == pytest.approx(weightedtau(r.central["SHAP"]["top"], r.central["ΔAUC"]["top"])[0])
    assert "bootstrap" in r.spread_words


def test_momentum_share_claim_in_both_directions():
    def share_replicas(lrp_pt: float) -> attr.ImportanceReplicas:
        rng = np.random.default_rng(0)

        def one() -> dict:
            v = {}
            for m, pt in (("LRP-ε", lrp_pt), ("SHAP", 0.2), ("ΔAUC", 0.2)):
                grid = np.abs(rng.normal(1.0, 0.02, size=(30, 3)))
                grid[:, 0] *= pt / (1 - pt) * 2  # pT column share = pt
                v[m] = {c: grid.ravel() for c in ("top", "QCD")}
            return v

        return attr.ImportanceReplicas(one(), [one() for _ in range(20)], "seeds")

    sentence, shares = attr.momentum_share_claim(share_replicas(0.6))
    assert shares["LRP-ε_top"].value == pytest.approx(0.6, abs=0.02)
    assert "Compared with SHAP's, LRP-ε's share is clearly larger in every class" in sentence
    assert "(one value for all classes)" in sentence  # ΔAUC is global
    assert "clearly smaller" in attr.momentum_share_claim(share_replicas(0.05))[0]
    assert "indistinguishable at this statistics" in attr.momentum_share_claim(share_replicas(0.2))[0]


def test_jet_bootstrap_replicas_reproduce_the_method_summaries():
    rng = np.random.default_rng(4)
    X_train, X = rng.normal(size=(60, 6)), rng.normal(size=(40, 6))
    y = np.arange(40) % 2
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1)).double()
    shap = {"n_per_class": 3, "n_background": 5, "nsamples": 20, "seed": 1}
    methods = ("ΔAUC", "SHAP", "LRP-ε", "LRP-γ")
    full = attr.method_summaries(model, X, y, X_train, methods, shap)
    boot = attr.jet_bootstrap_replicas(model, X, y, X_train, methods, shap, n_boot=20)
    for m in methods:
        for c in ("top", "QCD"):
            np.testing.assert_allclose(boot.central[m][c], full[m][c], atol=1e-12)
    assert len(boot.replicas) == 20 and boot.kind == "jets" and boot.n_jets == 40
    spread = boot.measure(lambda imp: imp["LRP-ε"]["top"][0])
    assert spread.spread > 0
    study = attr.attribution_study([model], X, y, X_train, methods, shap)
    assert attr.importance_replicas(study, [model], X, y, X_train, shap, n_boot=5).kind == "jets"
    two = attr.attribution_study([model, model], X, y, X_train, methods, shap)
    assert attr.importance_replicas(two, [model, model], X, y, X_train, shap).kind == "seeds"
