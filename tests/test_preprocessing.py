"""TopoDNN preprocessing: each step on hand-built jets, edge cases, padding, truth leak guard."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data.jets import JetSet
from helpers.physics.kinematics import wrap_angle
from helpers.preprocessing.topodnn import (
    N_CONSTITUENTS,
    PT_SCALE,
    _flip,
    _rotate,
    _translate,
    constituent_kinematics,
    topodnn_feature_names,
    topodnn_features,
)


def make_jet(ptetaphi: list[tuple[float, float, float]], m: int = 40) -> np.ndarray:
    """``(m, 4)`` massless constituents ``(E, px, py, pz)`` from ``(pT, eta, phi)``, zero padded."""
    out = np.zeros((m, 4), dtype=np.float32)
    for i, (pt, eta, phi) in enumerate(ptetaphi):
        out[i] = (pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta))
    return out


def features_of(ptetaphi: list[tuple[float, float, float]]) -> np.ndarray:
    """Features of one jet as a ``(30, 3)`` array of ``(pT, eta, phi)`` rows."""
    return topodnn_features(make_jet(ptetaphi)[None])[0].reshape(N_CONSTITUENTS, 3)


def random_jets(n: int, m: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random pT-ordered padded jets and their multiplicities (some above 30, some below)."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(1, m + 1, size=n)
    jets = np.zeros((n, m, 4), dtype=np.float32)
    for i, k in enumerate(mult):
        pts = np.sort(rng.exponential(50.0, size=k))[::-1] + 1.0
        eta0, phi0 = rng.uniform(-2, 2), rng.uniform(-np.pi, np.pi)
        rows = [(p, eta0 + rng.normal(0, 0.3), phi0 + rng.normal(0, 0.3)) for p in pts]
        jets[i] = make_jet(rows, m)
    return jets, mult


def test_kinematics_recovers_inputs_and_is_safe_on_padding():
    jet = make_jet([(500.0, 1.2, -2.5), (100.0, -0.4, 3.0)], m=5)
    with np.errstate(all="raise"):
        pt, eta, phi, mask = constituent_kinematics(jet[None])
    np.testing.assert_allclose(pt[0, :2], [500.0, 100.0], rtol=1e-5)
    np.testing.assert_allclose(eta[0, :2], [1.2, -0.4], atol=1e-5)
    np.testing.assert_allclose(phi[0, :2], [-2.5, 3.0], atol=1e-5)
    assert mask[0].tolist() == [True, True, False, False, False]
    assert np.all(pt[0, 2:] == 0) and np.all(eta[0, 2:] == 0) and np.all(phi[0, 2:] == 0)


def test_translation_moves_leading_constituent_to_origin():
    f = features_of([(1000.0, 1.0, 0.5), (300.0, 1.0, 0.3), (100.0, 1.1, 0.5)])
    np.testing.assert_allclose(f[0], [1000.0 * PT_SCALE, 0.0, 0.0], atol=1e-6)
    # second constituent already straight below: no rotation, only translation
    np.testing.assert_allclose(f[1, 1:], [0.0, -0.2], atol=1e-5)
    np.testing.assert_allclose(f[2, 1:], [0.1, 0.0], atol=1e-5)


def test_rotation_puts_second_constituent_on_negative_phi_axis():
    # second constituent on the +eta axis: rotate by -90 degrees, (eta, phi) -> (phi, -eta)
    f = features_of([(1000.0, 0.0, 0.0), (300.0, 0.3, 0.0), (100.0, 0.0, 0.1)])
    np.testing.assert_allclose(f[1, 1:], [0.0, -0.3], atol=1e-5)
    np.testing.assert_allclose(f[2, 1:], [0.1, 0.0], atol=1e-5)


def test_second_constituent_eta_is_exactly_zero_after_rotation():
    jets, mult = random_jets(200)
    x = topodnn_features(jets).reshape(-1, N_CONSTITUENTS, 3)
    has_two = mult >= 2
    assert has_two.sum() > 100
    assert np.all(x[has_two, 1, 1] == 0.0)  # exactly, not to round-off
    assert np.all(x[has_two, 1, 2] < 0)  # on the negative phi axis


def test_rotation_preserves_distances_for_arbitrary_direction():
    rows = [(800.0, 0.2, 1.0), (400.0, 0.5, 1.4), (200.0, -0.1, 0.7), (50.0, 0.6, 0.6)]
    f = features_of(rows)
    r1 = np.hypot(0.3, 0.4)
    np.testing.assert_allclose(f[1, 1:], [0.0, -r1], atol=1e-5)
    # distances to the leading constituent are invariant
    for i, (_, eta, phi) in enumerate(rows):
        np.testing.assert_allclose(np.hypot(*f[i, 1:]), np.hypot(eta - 0.2, phi - 1.0), atol=1e-5)


def test_flip_makes_pt_weighted_eta_non_negative():
    f = features_of([(1000.0, 0.0, 0.0), (300.0, 0.0, -0.2), (100.0, -0.3, 0.1)])
    np.testing.assert_allclose(f[2, 1:], [0.3, 0.1], atol=1e-5)  # eta mirrored
    np.testing.assert_allclose(f[1, 1:], [0.0, -0.2], atol=1e-5)  # on the axis: unchanged
    jets, _ = random_jets(50)
    x = topodnn_features(jets).reshape(-1, N_CONSTITUENTS, 3)
    assert np.all((x[..., 0] * x[..., 1]).sum(axis=1) >= -1e-7)


def test_pt_scaling():
    f = features_of([(1700.0, 0.0, 0.0), (850.0, 0.0, -0.1)])
    np.testing.assert_allclose(f[:2, 0], [1.0, 0.5], rtol=1e-6)


def test_single_constituent_jet_is_not_rotated():
    f = features_of([(600.0, 1.3, -2.0)])
    np.testing.assert_allclose(f[0], [600.0 * PT_SCALE, 0.0, 0.0], atol=1e-7)
    assert np.all(f[1:] == 0)


def test_two_constituent_jet():
    f = features_of([(600.0, 0.0, 0.0), (200.0, -0.3, 0.4)])
    np.testing.assert_allclose(f[1, 1:], [0.0, -0.5], atol=1e-5)
    assert np.all(f[2:] == 0)


def test_phi_wraps_around_pi():
    np.testing.assert_allclose(wrap_angle(np.array([np.pi, -np.pi, 3 * np.pi, 0.1])),
                               [np.pi, np.pi, np.pi, 0.1])
    assert np.all(np.abs(wrap_angle(np.linspace(-20, 20, 1001))) <= np.pi)
    # constituents at phi = 3.1 and -3.1 are 2 pi - 6.2 apart, not 6.2
    f = features_of([(900.0, 0.0, 3.1), (300.0, 0.0, -3.1), (100.0, 0.05, 3.12)])
    np.testing.assert_allclose(f[1, 1:], [0.0, -(2 * np.pi - 6.2)], atol=1e-5)
    assert np.all(np.abs(f[:3, 1:]) < 0.1)


def test_invariant_under_global_rotation_and_boost():
    jets, _ = random_jets(20, seed=3)
    pt, eta, phi, mask = constituent_kinematics(jets)
    moved = np.zeros_like(jets)
    for i in range(len(jets)):
        rows = [(pt[i, j], eta[i, j] + 0.7, phi[i, j] + 2.0) for j in np.flatnonzero(mask[i])]
        moved[i] = make_jet(rows, jets.shape[1])
    np.testing.assert_allclose(topodnn_features(moved), topodnn_features(jets), atol=2e-4)


def test_padding_stays_zero_after_every_step():
    jets, mult = random_jets(40, seed=1)
    pt, eta, phi, mask = constituent_kinematics(jets[:, :N_CONSTITUENTS])
    pad = ~mask
    eta, phi = _translate(eta, phi, mask)
    assert np.all(eta[pad] == 0) and np.all(phi[pad] == 0)
    eta, phi = _rotate(eta, phi, mask)
    assert np.all(eta[pad] == 0) and np.all(phi[pad] == 0)
    eta = _flip(pt, eta)
    assert np.all(eta[pad] == 0)
    x = topodnn_features(jets).reshape(-1, N_CONSTITUENTS, 3)
    for xi, k in zip(x, mult):
        assert np.all(xi[k:] == 0)
        assert np.all(xi[: min(k, N_CONSTITUENTS), 0] > 0)


def test_output_shape_dtype_names_and_short_input():
    jets, _ = random_jets(7)
    x = topodnn_features(jets, chunk_size=3)
    assert x.shape == (7, 90) and x.dtype == np.float32
    np.testing.assert_array_equal(x, topodnn_features(jets))  # chunking changes nothing
    names = topodnn_feature_names()
    assert len(names) == 90 and names[:4] == ["pT_0", "eta_0", "phi_0", "pT_1"] and names[-1] == "phi_29"
    short = topodnn_features(jets[:, :5])  # fewer than 30 slots: zero-padded output
    assert short.shape == (7, 90) and np.all(short[:, 15:] == 0)
    assert topodnn_features(np.zeros((0, 10, 4), np.float32)).shape == (0, 90)
    with pytest.raises(ValueError):
        topodnn_features(np.zeros((3, 4)))


def test_truth_never_reaches_features():
    jets, _ = random_jets(30, seed=2)
    labels = (np.arange(30) % 2).astype(np.int8)
    rng = np.random.default_rng(5)
    truth = rng.normal(0, 500, size=(30, 4)).astype(np.float32)
    js = JetSet(jets, labels, truth)
    before = topodnn_features(js)
    js.truth[:] = rng.normal(0, 1e4, size=(30, 4))
    js.labels[:] = 1 - js.labels
    after = topodnn_features(js)
    assert before.tobytes() == after.tobytes()
    assert topodnn_features(jets).tobytes() == before.tobytes()
