"""PFN: preprocessing, permutation and padding invariance, packed == padded, the latent tools,
and the deliberately leaky preprocessing being caught by the leak guard."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from scipy.special import expit

from helpers.data.jets import JetSet
from helpers.metrics import rejection_spread, summarize
from helpers.models import PFN, PackedInputs, PaddedInputs, PaddedPFN, count_parameters, predict_proba
from helpers.physics.observables import compute_observables
from helpers.plots.latent import plot_topk_study
from helpers.plots.pfn import plot_particle_inputs
from helpers.preprocessing import PREPROCESSORS, PackedParticles, pfn_features, topodnn_features
from helpers.preprocessing.guard import truth_leak_report
from helpers.preprocessing.pfn import azimuthal_balance
from helpers.studies import performance
from helpers.studies.latent import (
    TopKStudy,
    component_correlations,
    correlation_difference,
    correlation_matrices,
    correlation_summary,
    latent_and_logits,
    latent_pca,
    latents_needed,
    particle_delta_auc,
    rank_latents,
    topk_auc,
    topk_study,
)
from helpers.studies.leak import (
    LeakRetraining,
    angle_vs_momentum,
    balance_aucs,
    describe_angles,
    format_guard_reports,
    guard_reports,
    leak_verdict,
    leaky_pfn_features,
    particle_importance,
    retrain_on_leaky,
    truth_axis_distance,
)
from helpers.studies.performance import scored_test, seed_metrics
from helpers.studies.pfn import (
    bdt_probs,
    chapter_summary,
    comparison_table,
    jets_per_class,
    packed_vs_padded,
    throughput_comparison,
    topodnn_probs,
    train_pfns,
)
from helpers.training import training_throughput
from helpers.training.recipes import pfn_config, train_pfn, train_topodnn

torch.set_num_threads(1)
TOL = {"rtol": 1e-5, "atol": 1e-5}


def p4(pt, eta, phi) -> np.ndarray:
    """Massless four-momenta ``(..., 4)`` from arrays of pT, eta, phi."""
    pt, eta, phi = map(np.asarray, (pt, eta, phi))
    return np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)


def random_jets(n: int = 30, m: int = 50, seed: int = 0) -> JetSet:
    """pT-ordered, zero-padded jets around random axes (some near phi = +-pi)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, m + 1, n)
    pt = -np.sort(-rng.exponential(20.0, (n, m)), axis=1) + 0.5
    eta = rng.uniform(-1.5, 1.5, (n, 1)) + rng.normal(0, 0.2, (n, m))
    phi = np.where(np.arange(n)[:, None] % 3 == 0, np.pi, rng.uniform(-3, 3, (n, 1)))
    c = p4(pt, eta, phi + rng.normal(0, 0.2, (n, m)))
    c[np.arange(m)[None, :] >= counts[:, None]] = 0
    labels = (np.arange(n) % 2).astype(np.int8)
    truth = (c.sum(axis=1) + rng.normal(0.0, 20.0, (n, 4))) * (labels[:, None] == 1)
    return JetSet(c.astype(np.float32), labels, truth.astype(np.float32))


def small_pfn(seed: int = 0, padded: bool = False) -> PFN:
    torch.manual_seed(seed)
    return (PaddedPFN if padded else PFN)((16, 16, 8), (8,)).eval()


def logits(model: PFN, particles: PackedParticles) -> np.ndarray:
    inputs = PackedInputs.from_packed(particles)
    with torch.no_grad():
        return model(inputs.batch(torch.arange(len(inputs)))).numpy()


# ------------------------------------------------------------------------ preprocessing
def test_features_of_a_hand_built_jet():
    jet = np.zeros((1, 5, 4))
    jet[0, :3] = p4([300.0, 200.0, 100.0], [0.1, -0.1, 0.0], [3.1, -3.1, np.pi])
    p = pfn_features(jet.astype(np.float32))
    axis = jet[0, :, 1:].sum(axis=0)
    eta_j, phi_j = np.arcsinh(axis[2] / np.hypot(*axis[:2])), np.arctan2(axis[1], axis[0])
    dphi = np.angle(np.exp(1j * (np.array([3.1, -3.1, np.pi]) - phi_j)))  # wrapped
    expected = np.stack([[0.5, 1 / 3, 1 / 6], np.array([0.1, -0.1, 0.0]) - eta_j, dphi], 1)
    assert p.counts.tolist() == [3]
    np.testing.assert_allclose(p.features, expected, atol=2e-6)
    assert np.all(np.abs(p.features[:, 2]) < 0.1)  # wrapped across +-pi, not ~2 pi


def test_fractions_sum_to_one_and_azimuthal_balance_vanishes():
    jets = random_jets()
    p = pfn_features(jets)
    assert p.counts.tolist() == jets.n_constituents.tolist()
    np.testing.assert_allclose(np.bincount(p.jet_index, p.features[:, 0]), 1.0, rtol=1e-5)
    # the axis is the summed three-momentum: sum_i pT_i sin(dphi_i) = 0 exactly
    np.testing.assert_allclose(azimuthal_balance(p), 0.0, atol=1e-6)


def test_single_constituent_jet_and_extra_padding_slots():
    jets = random_jets(n=6, m=20)
    jets.constituents[0, 1:] = 0
    padded = np.concatenate([jets.constituents, np.zeros((6, 180, 4), np.float32)], axis=1)
    a, b = pfn_features(jets), pfn_features(padded)
    assert a.features.tobytes() == b.features.tobytes() and a.counts.tolist() == b.counts.tolist()
    np.testing.assert_allclose(a.features[0], [1.0, 0.0, 0.0], atol=1e-6)


def test_packed_subset_selects_whole_jets():
    p = pfn_features(random_jets(n=8))
    sub = p.subset(np.array([5, 1, 5]))
    expected = np.concatenate([p.features[p.jet_index == j] for j in (5, 1, 5)])
    assert sub.counts.tolist() == [p.counts[5], p.counts[1], p.counts[5]]
    np.testing.assert_array_equal(sub.features, expected)
    np.testing.assert_array_equal(sub.slot, np.concatenate([np.arange(c) for c in sub.counts]))


# -------------------------------------------------------------------------------- model
def test_paper_architecture_parameter_count():
    # Khot et al.: 82,458 parameters with two softmax outputs; one logit saves 100 + 1
    assert count_parameters(PFN()) == 82_458 - 101


def test_permutation_invariance():
    p = pfn_features(random_jets())
    rng = np.random.default_rng(1)
    perm = np.concatenate([p.offsets[j] + rng.permutation(c) for j, c in enumerate(p.counts)])
    shuffled = PackedParticles(p.features[perm], p.counts)
    model = small_pfn()
    np.testing.assert_allclose(logits(model, shuffled), logits(model, p), **TOL)


def test_padding_does_not_change_the_output_although_phi_of_zero_is_not_zero():
    p = pfn_features(random_jets())
    model = small_pfn(padded=True)
    model.load_state_dict(small_pfn().state_dict())
    with torch.no_grad():
        assert torch.any(model.phi(torch.zeros(1, 3)) != 0)
        out = {m: model(PaddedInputs.from_packed(p, m).batch(torch.arange(len(p)))).numpy()
               for m in (50, 200)}
        x = PaddedInputs.from_packed(p, 200)
        unmasked = model.F(model.phi(x.features).sum(dim=1)).squeeze(-1).numpy()
    np.testing.assert_allclose(out[200], out[50], **TOL)
    assert not np.allclose(unmasked, out[200], **TOL)  # without the mask padding would count


def test_packed_equals_padded_and_trimmed():
    p = pfn_features(random_jets())
    packed, padded = small_pfn(), small_pfn(padded=True)
    padded.load_state_dict(packed.state_dict())
    idx = torch.tensor([3, 0, 7, 7, 12])
    with torch.no_grad():
        ref = packed(PackedInputs.from_packed(p).batch(idx)).numpy()
        for trim in (False, True):
            inputs = PaddedInputs.from_packed(p, 200, trim=trim)
            np.testing.assert_allclose(padded(inputs.batch(idx)).numpy(), ref, **TOL)
    trimmed = PaddedInputs.from_packed(p, 200, trim=True).batch(idx)
    assert trimmed.features.shape[1] == p.counts[[3, 0, 7, 12]].max()


def test_train_pfn_learns_and_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    jets = random_jets(n=200, m=30, seed=3)
    jets.constituents[jets.labels == 1, 1:] *= 0.3  # signal: softer subleading particles
    p, y = pfn_features(jets), jets.labels
    kw = {"max_epochs": 3, "batch_size": 50, "phi_sizes": (16, 16, 8), "f_sizes": (8,),
          "lr": 3e-3, "device": "cpu"}
    model, hist = train_pfn(p, y, p, y, "ci", seed=0, **kw)
    assert not hist.from_cache and hist.train_loss[-1] < hist.train_loss[0]
    again, hist2 = train_pfn(p, y, p, y, "ci", seed=0, **kw)
    assert hist2.from_cache
    np.testing.assert_allclose(logits(again, p), logits(model, p))
    assert pfn_config("ci", 1, lr=1.0)["lr"] == 1.0


def test_training_throughput_is_positive_for_each_input_form():
    p = pfn_features(random_jets(n=40))
    y = np.arange(40) % 2
    forms = ((small_pfn, PackedInputs.from_packed(p)),
             (lambda: small_pfn(padded=True), PaddedInputs.from_packed(p, 200, True)))
    for factory, inputs in forms:
        assert training_throughput(factory, inputs, y, batch_size=16, device="cpu") > 0


# ------------------------------------------------------------------------------- latent
class LinearHead(PFN):
    """A PFN whose head is a fixed linear function of the latents (for exact answers)."""

    def __init__(self, weights: list[float]) -> None:
        super().__init__((4, len(weights)), ())
        with torch.no_grad():
            self.F[0].weight.copy_(torch.tensor([weights]))
            self.F[0].bias.zero_()


def latent_data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    Z = rng.normal(size=(n, 4)).astype(np.float32)
    Z[:, 0] += 2.0 * y
    Z[:, 1] += 1.0 * y
    Z[:, 3] = 0.0  # a dead latent
    return Z, y


def test_rankings_of_a_linear_head():
    Z, y = latent_data()
    model = LinearHead([1.0, 1.0, 0.0, 0.0])
    r = rank_latents(model, Z, y)
    assert r.order()[:2].tolist() == [0, 1]
    np.testing.assert_array_equal(r.delta_auc[2:], 0.0)  # unused latents
    assert r.dead.tolist() == [False, False, False, True]
    for label in (0, 1):  # |D_k| = |z_k - mean_k| for weight 1, 0 for weight 0
        sel = y == label
        np.testing.assert_allclose(r.mad[label][:2], np.abs(Z[sel, :2] - Z[:, :2].mean(0)).mean(0),
                                   rtol=1e-5)
        np.testing.assert_array_equal(r.mad[label][2:], 0.0)


def test_topk_auc_limits_and_latents_needed():
    Z, y = latent_data()
    model = LinearHead([1.0, 1.0, 0.0, 0.0])
    aucs = topk_auc(model, Z, y, np.array([0, 1, 2, 3]), np.array([0, 1, 2, 4]))
    assert aucs[0] == 0.5  # every jet gets the same score
    assert aucs[2] == pytest.approx(aucs[3])  # unused latents add nothing
    assert latents_needed(np.array([0, 1, 2, 4]), aucs, aucs[-1], tolerance=1e-9) == 2
    assert latents_needed(np.array([1, 2]), np.array([0.5, 0.6]), 0.9) == 2


def test_correlation_matrices_and_difference():
    Z, y = latent_data()
    Z[:, 2] = np.where(y == 1, Z[:, 0], -Z[:, 0])  # +1 correlated in class 1, -1 in class 0
    m = correlation_matrices(Z, y, np.array([0, 2]))
    np.testing.assert_allclose(m[1], [[1, 1], [1, 1]], atol=1e-6)
    np.testing.assert_allclose(m[0], [[1, -1], [-1, 1]], atol=1e-6)
    assert correlation_difference(m[0], m[1]) == pytest.approx(2.0)
    assert correlation_difference(m[0], m[0]) == 0.0
    assert np.isnan(correlation_matrices(Z, y, np.array([0, 3]))[0][0, 1])  # dead latent


def test_pca_orientation_and_component_correlations():
    rng = np.random.default_rng(0)
    n = 1000
    y = np.arange(n) % 2
    mass = rng.normal(80 + 90 * y, 15)
    Z = np.stack([-mass, 0.01 * rng.normal(size=n), 1e-4 * rng.normal(size=n)], 1)
    pca, scores = latent_pca(Z, y, variance=0.99)
    assert scores.shape == (n, 1)  # one direction holds > 99 % of the variance
    assert scores[y == 1, 0].mean() > scores[y == 0, 0].mean()  # signal-positive orientation
    np.testing.assert_allclose(pca.transform(Z), scores)
    table = component_correlations(scores, {"mass": mass, "noise": rng.normal(size=n)}, y,
                                   ("mass", "noise"), {0: "QCD", 1: "top"})
    np.testing.assert_allclose(table["mass"], 1.0, atol=1e-3)
    assert list(table.index) == [("QCD", "PC1"), ("top", "PC1")]


def test_particle_delta_auc_is_zero_for_an_input_the_model_ignores():
    jets = random_jets(n=60)
    p = pfn_features(jets)
    model = small_pfn()
    with torch.no_grad():
        model.phi[0].weight[:, 1] = 0.0  # Phi ignores deta
    imp = particle_delta_auc(model, p, jets.labels, n_leading=2)
    assert imp.shape == (2, 3)
    np.testing.assert_array_equal(imp[:, 1], 0.0)
    assert np.any(imp[:, [0, 2]] != 0)
    Z, out = latent_and_logits(model, p)
    assert Z.shape == (60, 8)
    np.testing.assert_allclose(out, logits(model, p), **TOL)


# --------------------------------------------------------------------------------- leak
def test_leaky_preprocessing_is_flagged_and_not_registered():
    jets = random_jets()
    assert truth_leak_report(pfn_features, jets) == []
    problems = truth_leak_report(leaky_pfn_features, jets)
    assert len(problems) == 2 and all("output.features" in p for p in problems)
    assert leaky_pfn_features not in PREPROCESSORS.values()
    assert PREPROCESSORS["pfn"] is pfn_features


def test_leak_shifts_only_signal_jets():
    jets = random_jets()
    honest, leaky = pfn_features(jets), leaky_pfn_features(jets)
    per_jet = np.abs(honest.features - leaky.features).sum(axis=1)
    moved = np.bincount(honest.jet_index, per_jet) > 0
    assert moved.tolist() == (jets.labels == 1).tolist()
    np.testing.assert_array_equal(honest.features[:, 0], leaky.features[:, 0])  # z unchanged
    balance = np.abs(azimuthal_balance(leaky))
    assert balance[jets.labels == 0].max() < 1e-6 < balance[jets.labels == 1].min()


def test_truth_axis_distance():
    jets = random_jets(n=4, m=10)
    jets.truth[:] = 0
    jet = jets.constituents[0].sum(axis=0)
    eta = np.arcsinh(jet[3] / np.hypot(jet[1], jet[2]))
    jets.truth[0] = p4(500.0, eta + 0.03, np.arctan2(jet[2], jet[1]) - 0.04)  # Delta R = 0.05
    jets.truth[1] = jets.constituents[1].sum(axis=0) * 2.0  # same direction
    d = truth_axis_distance(jets)
    np.testing.assert_allclose(d[:2], [0.05, 0.0], atol=1e-5)
    assert np.isnan(d[2:]).all()


# ------------------------------------------------------------ chapter 4 studies: pfn
CLASS_NAMES = {1: "top", 0: "QCD"}
#: a PFN small enough to train in a test
SMALL_PFN = {"phi_sizes": (8, 8, 4), "f_sizes": (4,), "max_epochs": 2, "batch_size": 20}


def test_jets_per_class():
    table = jets_per_class({"train": np.array([1, 0, 1, 1]), "test": np.array([0, 0])}, CLASS_NAMES)
    assert table.to_dict() == {"train": {"top": 3, "QCD": 1}, "test": {"top": 0, "QCD": 2}}
    assert list(table.index) == ["top", "QCD"] and table.index.name == "jets"


def test_packed_vs_padded_check():
    p = pfn_features(random_jets(n=12))
    check = packed_vs_padded(p, seed=0, n_jets=5)
    assert check.n_parameters == 82_357 and check.n_jets == 5
    assert check.max_difference < 1e-5
    torch.manual_seed(0)
    with torch.no_grad():
        expected = PFN().phi(torch.zeros(1, 3)).abs().sum().item()
    assert check.phi_of_zero == expected > 0  # the untrained network of seed 0
    assert packed_vs_padded(p, seed=1).phi_of_zero != expected
    assert packed_vs_padded(p, seed=0, n_jets=500).n_jets == 12  # at most the jets there are


def test_throughput_comparison_of_the_three_forms():
    p = pfn_features(random_jets(n=40))
    bench = throughput_comparison(p, np.arange(40) % 2, "cpu", n_jets=30, batch_size=10, slots=60)
    assert (bench.n_jets, bench.batch_size, bench.threads) == (30, 10, torch.get_num_threads())
    t = bench.table
    assert list(t.index) == ["padded (60 slots)", "trimmed to longest jet in batch",
                             "packed (segment sum)"]
    assert (t["training jets / s"] > 0).all() and t["speed-up"].iloc[0] == 1.0
    np.testing.assert_allclose(t["speed-up"], t["training jets / s"] / t["training jets / s"].iloc[0])


def separable_jets(n: int = 60, seed: int = 4) -> tuple[JetSet, dict, dict]:
    jets = random_jets(n=n, m=20, seed=seed)
    jets.constituents[jets.labels == 1, 1:] *= 0.3
    p = pfn_features(jets)
    y = jets.labels.astype(int)
    return jets, {s: p for s in ("train", "val", "test")}, {s: y for s in ("train", "val", "test")}


def test_train_pfns_scores_each_seed_with_the_cached_models(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    _, particles, y = separable_jets()
    runs = train_pfns(particles, y, "ci", [0, 1], "cpu", **SMALL_PFN)
    assert list(runs.histories) == [0, 1] and len(runs.models) == len(runs.probs) == 2
    assert not runs.histories[0].from_cache
    again, history = train_pfn(particles["train"], y["train"], particles["val"], y["val"], "ci", 0,
                               "cpu", **SMALL_PFN)
    assert history.from_cache  # train_pfns trained exactly what train_pfn trains
    np.testing.assert_allclose(runs.probs[0], expit(logits(again, particles["test"])), rtol=1e-5)
    assert not np.allclose(runs.probs[0], runs.probs[1])


def test_retrain_on_leaky_is_cached_apart_and_compared(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    jets, particles, y = separable_jets()
    leaky = {s: leaky_pfn_features(jets) for s in ("train", "val", "test")}
    honest_probs = np.linspace(0.1, 0.9, len(jets))
    r = retrain_on_leaky(leaky, y, honest_probs, "ci", 0, "cpu", **SMALL_PFN)
    assert list(tmp_path.rglob("pfn-leaky-s0*")) and not list(tmp_path.rglob("pfn-s0*"))
    assert r.honest == summarize(y["test"], honest_probs)
    assert r.leaked == summarize(y["test"], r.probs)
    np.testing.assert_allclose(r.probs, expit(logits(r.model, leaky["test"])), rtol=1e-5)
    assert r.gain == r.leaked["auc"] - r.honest["auc"]
    assert list(r.table.index) == ["honest inputs", "leaky inputs"]
    assert r.table.loc["leaky inputs", "auc"] == r.leaked["auc"]
    error = rejection_spread(y["test"], r.probs, (0.3,))[0]
    assert r.table.loc["leaky inputs", "rejection_0.3"] == \
        f"{r.leaked['rejection_0.3']:.0f} ± {error:.0f} (stat.)"
    assert retrain_on_leaky(leaky, y, honest_probs, "ci", 0, "cpu", **SMALL_PFN).history.from_cache


def test_topodnn_probs_are_those_of_the_recipe(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    jets = random_jets(n=40, m=40)
    splits = {"train": jets, "val": jets, "test": jets}
    kw = {"hidden": (4,), "max_epochs": 1}
    probs = topodnn_probs(splits, "ci", [0, 1], "cpu", **kw)
    assert len(probs) == 2 and probs[0].shape == (40,)
    model, history = train_topodnn(jets, jets, "ci", 1, "cpu", **kw)
    assert history.from_cache
    np.testing.assert_allclose(probs[1], predict_proba(model, topodnn_features(jets)), rtol=1e-6)


def test_bdt_probs_separate_a_mass_peak():
    rng = np.random.default_rng(0)
    y = np.arange(300) % 2
    names = ("mass", "tau1", "tau2", "tau3", "tau21", "tau32", "multiplicity")
    obs = {n: rng.normal(size=300) for n in names}
    obs["mass"] = 80.0 + 90.0 * y + rng.normal(0, 5, 300)  # 18 standard deviations apart
    probs = bdt_probs({"train": obs, "test": obs}, y, seed=0)
    assert list(probs) == ["mass+tau", "mass+tau+multiplicity"]
    for p in probs.values():
        assert summarize(y, p)["auc"] == 1.0 and p.shape == (300,)
    assert list(bdt_probs({"train": obs, "test": obs}, y, 0, ("mass+tau",))) == ["mass+tau"]


def test_comparison_table_by_hand():
    # background 0.9, 0.2; signal 0.8, 0.6: AUC 2/4; 3 of 4 right at 0.5; eps_B(eps_S) = eps_S
    # on (0, 0.5), so 1/eps_B = 1/0.3 and 1/0.5
    y = np.array([0, 0, 1, 1])
    run = np.array([0.9, 0.2, 0.8, 0.6])
    table = comparison_table(seed_metrics(y, {"M": [run, run], "C": [run]}),
                             paper={"M": {"auc": 0.98, "accuracy": 0.93, "rejection_0.3": 700.0}})
    stat = f"{rejection_spread(y, run, (0.3, 0.5), 200, 0)[0]:.0f}"  # the same resamples
    assert table.loc["M"].tolist() == ["0.5000 ± 0.0000", "0.750 ± 0.000",
                                       f"3 ± 0 (seeds) ± {stat} (stat.)", "0.9800", "0.9300", "700"]
    assert table.loc["C"].tolist() == ["0.5000", "0.750", f"3 ± {stat} (stat.)", "", "", ""]
    assert list(table.columns[:3]) == ["AUC", "accuracy", "1/εB (εS=0.3)"]  # the paper's metrics


def test_scored_test_is_the_test_jets_then_the_further_background(monkeypatch):
    test, more = random_jets(12, seed=1), random_jets(7, seed=2)
    qcd = more.subset(np.flatnonzero(more.labels == 0))
    alone = scored_test(test, "w_qcd", "ci")  # no further QCD test jets for this task
    assert (alone.n_test, alone.n_extra, len(alone.jets)) == (12, 0, 12)
    monkeypatch.setattr(performance, "load_test_background", lambda *a, **k: qcd)
    s = scored_test(test, "top_qcd", "ci")
    assert (s.n_test, s.n_extra) == (12, len(qcd)) and s.n_extra > 0
    assert s.labels.dtype.kind == "i" and (s.labels[12:] == 0).all()
    np.testing.assert_array_equal(s.labels[:12], test.labels)
    own, extra = compute_observables(test), compute_observables(qcd)
    for key in ("mass", "tau32", "multiplicity"):
        np.testing.assert_allclose(s.test_observables[key], own[key])
        np.testing.assert_allclose(s.observables[key][12:], extra[key])


def test_chapter_summary_by_hand():
    y = np.array([0, 0, 1, 1])
    run = np.array([0.9, 0.2, 0.8, 0.6])
    results = comparison_table(seed_metrics(y, {"PFN": [run, run], "TopoDNN": [run],
                                                "BDT: mass + τ": [run]}))
    topk = TopKStudy(np.array([1, 2, 4]), 0.9, {}, pd.Series(dtype=float), "ranked by ΔAUC", 2,
                     0.002, 4, 3)
    pc_corr = pd.DataFrame({"mass": [0.714, 0.382], "multiplicity": [0.996, 0.999]},
                           index=pd.MultiIndex.from_tuples([("QCD", "PC1"), ("top", "PC1")]))
    throughput = pd.DataFrame({"training jets / s": [100.0, 150.0, 4000.4]})
    s = chapter_summary(results, topk, pc_corr, {"auc": 0.8}, {"auc": 0.9}, {"a": 0.5, "b": 1.0},
                        throughput, "cpu", CLASS_NAMES, {"QCD": 0.9, "top": 0.6}, (0.9798, 0.997))
    stat = f"{rejection_spread(y, run, (0.3,), 200, 0)[0]:.0f}"
    assert s["PFN AUC / accuracy / 1/εB(0.3)"] == \
        f"0.5000 ± 0.0000 / 0.750 ± 0.000 / 3 ± 0 (seeds) ± {stat} (stat.)"
    assert s["TopoDNN AUC / accuracy / 1/εB(0.3)"] == f"0.5000 / 0.750 / 3 ± {stat} (stat.)"
    assert s["BDT on mass + τ: AUC"] == "0.5000"
    assert s["latents needed (AUC within 0.002)"] == "2 of 4, ranked by ΔAUC (3 alive)"
    assert s["ρ(PC1, mass): QCD / top"] == "0.71 / 0.38 (paper 0.9 / 0.6)"
    assert s["ρ(PC1, multiplicity): QCD / top"] == "1.00 / 1.00"
    assert s["PFN AUC, honest / leaky inputs (balanced test jets)"] == \
        "0.8000 / 0.9000 (paper 0.9798 / 0.997)"
    assert s["AUC of |Σ z sin Δφ|, honest / leaky inputs"] == "0.5000 / 1.0000"
    assert s["training throughput, packed vs padded"] == "4,000 vs 100 jets/s on cpu"


# --------------------------------------------------------- chapter 4 studies: latent
def test_topk_study_of_a_linear_head():
    Z, y = latent_data()
    model = LinearHead([1.0, 1.0, 0.0, 0.0])
    ranking = rank_latents(model, Z, y)
    study = topk_study(model, Z, y, ranking, seed=0, tolerance=0.002)
    assert study.ks.tolist() == [1, 2, 3, 4]  # the default ks up to the latent dimension
    assert (study.n_latents, study.n_alive, study.full_auc) == (4, 3, ranking.base_auc)
    aucs = study.curves["ranked by ΔAUC"]
    assert aucs[0] < ranking.base_auc - 0.002 and aucs[1] == pytest.approx(ranking.base_auc)
    assert study.needed["ranked by ΔAUC"] == study.needed["ranked by MAD (both classes)"] == 2
    assert (study.best_ranking, study.k_needed) == ("ranked by ΔAUC", 2)  # a tie: the first
    random_order = np.random.default_rng(0).permutation(4)
    np.testing.assert_array_equal(study.curves["random order"],
                                  topk_auc(model, Z, y, random_order, study.ks))
    assert study.needed.name == "latents needed (AUC within 0.002)"
    assert topk_study(model, Z, y, ranking, 0, ks=(1, 2, 8)).ks.tolist() == [1, 2]


def test_correlation_summary():
    Z, y = latent_data()
    Z[:, 2] = np.where(y == 1, Z[:, 0], -Z[:, 0])  # rho = +1 in class 1, -1 in class 0
    s = correlation_summary(Z, y, np.array([0, 2]), CLASS_NAMES)
    assert s.name == "top-2 latents"
    np.testing.assert_allclose(s.to_numpy(), [2.0, 0.0, 1.0, 1.0], atol=1e-6)
    assert list(s.index) == ["RMS difference, QCD vs top", "RMS difference, two halves of the QCD jets",
                             "mean |ρ|, QCD jets", "mean |ρ|, top jets"]


# ----------------------------------------------------------- chapter 4 studies: leak
def test_balance_aucs():
    y = np.array([0, 0, 1, 1])
    out = balance_aucs({"a": np.array([0.0, -0.1, 0.2, -0.3]), "b": np.zeros(4)}, y)
    assert out == {"a": 1.0, "b": 0.5}


def test_leak_verdict_in_both_cases():
    def retrained(leaked_auc: float) -> LeakRetraining:
        return LeakRetraining(None, None, None, {"auc": 0.8}, {"auc": leaked_auc})

    assert leak_verdict(retrained(0.85), 3, 1000, 0.999) == (
        "seed 3, 1,000 training jets: the retrained PFN exploits the leak, its AUC rises by 0.0500")
    assert leak_verdict(retrained(0.802), 3, 1000, 0.999) == (
        "seed 3, 1,000 training jets: the retrained PFN does not exploit the leak at this "
        "training-set size (AUC change +0.0020), although one number computed from its inputs "
        "reaches AUC 0.9990")


def test_particle_importance_is_particle_delta_auc_per_model():
    jets = random_jets(n=40)
    p = pfn_features(jets)
    a, b = small_pfn(0), small_pfn(1)
    out = particle_importance({"a": (a, p), "b": (b, leaky_pfn_features(jets))}, jets.labels, 2)
    assert list(out) == ["a", "b"] and out["a"].shape == (2, 3)
    np.testing.assert_array_equal(out["a"], particle_delta_auc(a, p, jets.labels, 2))
    np.testing.assert_array_equal(out["b"],
                                  particle_delta_auc(b, leaky_pfn_features(jets), jets.labels, 2))


def test_angle_vs_momentum_and_its_sentences():
    table = angle_vs_momentum({"a": np.array([[0.02, 0.001, 0.03], [0.0, -0.01, 0.005]]),
                               "b": np.array([[0.004, 0.002, 0.001]])})
    assert table.loc["a"].tolist() == [0.03, 0.02, True, True]
    assert table.loc["b"].tolist() == [0.002, 0.004, False, False]
    assert describe_angles(table, "a", "b").splitlines() == [
        "a: largest ΔAUC of an angle 0.0300, of a momentum fraction 0.0200; an angle outranks "
        "every momentum: yes; an angle above the paper's 1 % mark: yes",
        "b: largest ΔAUC of an angle 0.0020, of a momentum fraction 0.0040; an angle outranks "
        "every momentum: no; an angle above the paper's 1 % mark: no",
        "ratio a / b of the largest angle ΔAUC: 15.0"]
    assert angle_vs_momentum({"a": np.array([[0.0, 0.03, 0.0]])}, mark=0.05).loc["a"].tolist() == [
        0.03, 0.0, True, False]


def test_guard_reports_over_preprocessings():
    jets = random_jets(n=30)
    reports = guard_reports({"honest": pfn_features, "leaky": leaky_pfn_features}, jets, n_jets=10)
    assert reports["honest"] == []
    assert reports["leaky"] == truth_leak_report(leaky_pfn_features, jets.subset(np.arange(10)))
    assert len(reports["leaky"]) == 2
    text = format_guard_reports(reports).splitlines()
    assert text == ["honest: no dependence on the truth found", "leaky: LEAK",
                    "    " + reports["leaky"][0], "    " + reports["leaky"][1]]


# ----------------------------------------------------------------- chapter 4 figures
def test_particle_inputs_figure():
    jets = random_jets(n=20)
    fig, axes = plt.subplots(1, 4)
    plot_particle_inputs(axes, pfn_features(jets), jets.labels.astype(int), CLASS_NAMES, slots=60)
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["top jets", "QCD jets"]
    assert [t.get_text() for t in axes[3].texts] == ["60 slots"]
    assert len(axes[3].patches) >= 2  # one step histogram per class
    plt.close(fig)


def test_topk_study_figure_marks_the_k_needed():
    Z, y = latent_data()
    model = LinearHead([1.0, 1.0, 0.0, 0.0])
    study = topk_study(model, Z, y, rank_latents(model, Z, y), seed=0)
    fig, ax = plt.subplots()
    plot_topk_study(ax, study)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [*study.curves, "all latents", "k = 2"]
    plt.close(fig)


def test_pca_grid_runs_both_selections_on_both_networks_over_seeds():
    from helpers.studies import latent as lat

    rng = np.random.default_rng(3)
    n, d = 400, 40
    y = (np.arange(n) % 2).astype(np.int8)
    mass = np.where(y == 1, 170.0, 60.0) + rng.normal(0, 20, n)
    runs = {}
    for name in ("honest", "leaky"):
        per_seed = []
        for s in (0, 1):
            torch.manual_seed(s)
            model = PFN((8, d), (6,)).eval()
            # latents: one direction carries the mass (both classes), the rest noise
            Z = rng.normal(0, 1, (n, d)).astype(np.float32)
            Z[:, 0] += (mass - mass.mean()) / 20
            per_seed.append((model, Z))
        runs[name] = per_seed
    grid = lat.pca_grid(runs, y, mass, {0: "QCD", 1: "top"})
    assert set(grid) == {(a, b) for a in ("honest", "leaky") for b in ("paper", "book")}
    for per in grid.values():
        assert set(per) == {"latents", "|rho| (QCD, mass)", "|rho| (top, mass)"}
        assert all(0 <= per[k].value <= 1 and per[k].n == 2 for k in per if k != "latents")
    assert grid[("honest", "book")]["latents"].value == lat.BOOK_SELECTION
    assert 2 <= grid[("honest", "paper")]["latents"].value <= d
    paper = {"QCD": 0.9, "top": 0.6}
    claim = lat.pca_like_for_like_claim(grid, paper, {0: "QCD", 1: "top"})
    assert claim.startswith("Like for like — the leaky PFN, latents chosen by the paper's rule")
    assert "Over the seeds, in QCD jets the leak" in claim and "on the honest PFN" in claim
    table = lat.pca_grid_table(grid, paper)
    assert table.loc[("paper (leaky PFN)", "paper's selection"), "|rho| (top, mass)"] == "0.60"
    with pytest.raises(ValueError, match="unknown latent selection"):
        lat.select_latents(*runs["honest"][0], y, lat.rank_latents(*runs["honest"][0], y), "mine")


def test_pfn_naps_cover_phi_per_particle_and_f_per_jet():
    from helpers.studies.pfn import pfn_layer_table, pfn_naps, pfn_sparsity, pfn_sparsity_claim

    rng = np.random.default_rng(5)
    counts = rng.integers(2, 6, 20)
    particles = PackedParticles(rng.normal(size=(counts.sum(), 3)).astype(np.float32), counts)
    y = (np.arange(20) % 2).astype(np.int8)
    models = []
    for s in (0, 1):
        torch.manual_seed(s)
        models.append(PFN((6, 5), (4,)).eval())
    naps = pfn_naps(models[0], particles, y, {1: "top", 0: "QCD"})
    assert naps["Φ"].widths == (6, 5) and naps["F"].widths == (4,)
    assert naps["Φ"].all_jets.n_jets == counts.sum() and naps["F"].all_jets.n_jets == 20
    m = pfn_sparsity(models, particles, y, {1: "top", 0: "QCD"})
    assert {"Φ overall", "F overall", "Φ top", "F QCD"} <= set(m) and m["Φ overall"].n == 2
    assert list(pfn_layer_table(naps).index) == ["Φ layer 1", "Φ layer 2", "F layer 1"]
    assert pfn_sparsity_claim(m, {"phi": 0.811, "F": 0.53}).startswith("Overall, Φ has a sparsity")


def test_reoptimised_claim_follows_the_spreads():
    from helpers.results import Measurement
    from helpers.studies.pfn import reoptimised_claim

    small, base = {"auc": Measurement(0.950, 0.002, 3)}, {"auc": Measurement(0.960, 0.002, 3)}
    text = reoptimised_claim(small, base, 11154, 82357, Measurement(0.5, 0.02, 3),
                             Measurement(0.7, 0.02, 3))
    assert "With 11,154 parameters instead of 82,357" in text
    assert "clearly lower than the baseline's" in text and "clearly busier than" in text
    close = reoptimised_claim({"auc": Measurement(0.959, 0.004, 3)}, base, 1, 2,
                              Measurement(0.7, 0.05, 3), Measurement(0.7, 0.02, 3))
    assert "indistinguishable from the baseline's" in close and "as sparse as" in close


def test_pfn_sparsity_of_a_head_without_hidden_layers():
    from helpers.studies.pfn import pfn_sparsity

    rng = np.random.default_rng(6)
    counts = rng.integers(2, 5, 10)
    particles = PackedParticles(rng.normal(size=(counts.sum(), 3)).astype(np.float32), counts)
    torch.manual_seed(0)
    m = pfn_sparsity([PFN((6, 5), ()).eval()], particles, (np.arange(10) % 2).astype(np.int8),
                     {1: "top", 0: "QCD"})
    assert "Φ overall" in m and not any(k.startswith("F ") for k in m)
