"""PFN: preprocessing, permutation and padding invariance, packed == padded, the latent tools,
and the deliberately leaky preprocessing being caught by the leak guard."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data.jets import JetSet
from helpers.models import PFN, PackedInputs, PaddedInputs, PaddedPFN, count_parameters
from helpers.preprocessing import PREPROCESSORS, PackedParticles, pfn_features
from helpers.preprocessing.guard import truth_leak_report
from helpers.preprocessing.pfn import azimuthal_balance
from helpers.studies.latent import (
    component_correlations,
    correlation_difference,
    correlation_matrices,
    latent_and_logits,
    latent_pca,
    latents_needed,
    particle_delta_auc,
    rank_latents,
    topk_auc,
)
from helpers.studies.leak import leaky_pfn_features, truth_axis_distance
from helpers.training import training_throughput
from helpers.training.recipes import pfn_config, train_pfn

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
