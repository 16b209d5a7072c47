"""Jet observables against analytic cases and against fastjet-contrib."""

from __future__ import annotations

import warnings

import awkward as ak
import fastjet
import numpy as np
import pytest

from helpers.data.jets import JetSet
from helpers.physics import kinematics as kin
from helpers.physics import observables as obs


def massless(pt, y, phi) -> np.ndarray:
    """``(..., 4)`` massless four-momenta ``(E, px, py, pz)``."""
    pt, y, phi = np.broadcast_arrays(*map(np.asarray, (pt, y, phi)))
    return np.stack([pt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y)], -1)


def one_jet(*particles: np.ndarray, slots: int = 10) -> np.ndarray:
    """A ``(1, slots, 4)`` zero-padded jet made of the given particles."""
    c = np.zeros((1, slots, 4))
    c[0, : len(particles)] = np.array(particles)
    return c


def synthetic_jets(n_jets: int, seed: int = 0, slots: int = 120) -> np.ndarray:
    """Random, physical jets: 2-3 prongs of collinear particles, pT ~ 600 GeV."""
    rng = np.random.default_rng(seed)
    c = np.zeros((n_jets, slots, 4))
    for k in range(n_jets):
        n = rng.integers(5, slots)
        prong = rng.integers(0, rng.integers(2, 4), n)
        centre = rng.normal(0, 0.3, (3, 2))
        pt = rng.exponential(1.0, n) ** 2
        pt = np.sort(600 * pt / pt.sum())[::-1]
        ang = centre[prong] + rng.normal(0, 0.05, (n, 2))
        c[k, :n] = massless(pt, 0.5 + ang[:, 0], 2.0 + ang[:, 1])
    return c


def tau_with_axes(c: np.ndarray, axes: np.ndarray, R0: float = 0.8) -> float:
    """Reference normalised tau_N (beta = 1) of one jet for given axes ``(N, 4)``."""
    c = c[c[:, 0] > 0]
    dy = kin.rapidity(c)[:, None] - kin.rapidity(axes)[None, :]
    dphi = kin.delta_phi(kin.phi(c)[:, None], kin.phi(axes)[None, :])
    p_t = kin.pt(c)
    return float((p_t * np.hypot(dy, dphi).min(axis=1)).sum() / (p_t.sum() * R0))


def exclusive_kt_axes(c: np.ndarray, n_axes: int) -> list[np.ndarray]:
    """Exclusive-kt axes (E-scheme) of every jet, from FastJet, as ``(n_axes, 4)`` arrays."""
    jetdef = fastjet.JetDefinition(fastjet.kt_algorithm, 1000.0)
    cs = fastjet.ClusterSequence(obs.to_awkward(c), jetdef)
    with warnings.catch_warnings():  # fastjet warns wrongly (compares jetdef with algorithm)
        warnings.simplefilter("ignore", UserWarning)
        jets = cs.exclusive_jets(n_jets=n_axes)
    return [np.array([[j["E"], j["px"], j["py"], j["pz"]] for j in ev]) for ev in ak.to_list(jets)]


# ---------------------------------------------------------------------- kinematics
def test_delta_phi_wraps_into_half_open_interval():
    assert kin.delta_phi(np.pi, -np.pi) == 0.0
    assert kin.delta_phi(-np.pi + 0.1, np.pi - 0.1) == pytest.approx(0.2)
    assert kin.delta_phi(0.0, np.pi) == pytest.approx(np.pi)  # -pi maps to +pi
    d = kin.delta_phi(np.linspace(-10, 10, 1001), 0.3)
    assert d.max() <= np.pi and d.min() > -np.pi




def test_abs_delta_phi_is_the_wrapped_distance():
    rng = np.random.default_rng(4)
    a, b = kin.wrap_angle(rng.uniform(-10, 10, 1000)), kin.wrap_angle(rng.uniform(-10, 10, 1000))
    np.testing.assert_allclose(kin.abs_delta_phi(a, b), np.abs(kin.delta_phi(a, b)), atol=1e-12)
    assert kin.abs_delta_phi(3.1, -3.1) == pytest.approx(2 * np.pi - 6.2)
    assert kin.abs_delta_phi(np.pi, -np.pi) == 0.0
def test_constituent_pt_eta_phi_and_padding():
    c = one_jet(massless(50.0, 1.2, -2.0), massless(20.0, -0.4, 3.0), slots=4)
    out = kin.to_pt_eta_phi(c)
    np.testing.assert_allclose(out[0, :2], [[50, 1.2, -2.0], [20, -0.4, 3.0]], atol=1e-12)
    assert np.all(out[0, 2:] == 0)


def test_two_massless_particles_analytic():
    e1, e2, theta = 100.0, 50.0, 0.3  # both at y = 0, azimuths 0 and theta
    c = one_jet(massless(e1, 0.0, 0.0), massless(e2, 0.0, theta))
    res = obs.compute_observables(c)
    phi_j = np.arctan2(e2 * np.sin(theta), e1 + e2 * np.cos(theta))
    dr = np.array([phi_j, theta - phi_j]) / 0.8
    z = np.array([e1, e2]) / (e1 + e2)
    assert res["mass"][0] == pytest.approx(np.sqrt(2 * e1 * e2 * (1 - np.cos(theta))))
    assert res["pt"][0] == pytest.approx(np.hypot(e1 + e2 * np.cos(theta), e2 * np.sin(theta)))
    assert res["phi"][0] == pytest.approx(phi_j)
    assert res["eta"][0] == pytest.approx(0.0, abs=1e-12)
    assert res["multiplicity"][0] == 2
    assert res["width"][0] == pytest.approx((z * dr).sum())
    assert res["LHA"][0] == pytest.approx((z * np.sqrt(dr)).sum())
    assert res["mass_angularity"][0] == pytest.approx((z * dr**2).sum())
    assert res["pTD"][0] == pytest.approx(np.sqrt((z**2).sum()))
    assert obs.angularity(c, 0, 0)[0] == pytest.approx(2.0)
    shortcuts = {"pTD": obs.ptd, "LHA": obs.lha, "width": obs.width,
                 "mass_angularity": obs.mass_angularity}
    for key, func in shortcuts.items():
        assert func(c)[0] == pytest.approx(res[key][0]), key
    # two particles: tau2 = 0 and both ratios follow the 0-convention
    assert res["tau2"][0] == 0 and res["tau21"][0] == 0 and res["tau32"][0] == 0


def test_mass_for_generic_opening_angle():
    p1, p2 = massless(80.0, 1.1, 0.4), massless(30.0, 0.7, -0.2)
    cos_theta = p1[1:] @ p2[1:] / (p1[0] * p2[0])
    m = kin.jet_kinematics(one_jet(p1, p2))["mass"][0]
    assert m == pytest.approx(np.sqrt(2 * p1[0] * p2[0] * (1 - cos_theta)))


def test_two_particle_lund_declustering():
    e1, e2, theta = 100.0, 50.0, 0.3
    c = one_jet(massless(e2, 0.0, theta), massless(e1, 0.0, 0.0))
    lund = obs.lund_declusterings(c)
    assert ak.num(lund).tolist() == [1]
    split = lund[0, 0]
    assert split.Delta == pytest.approx(theta)
    assert split.kt == pytest.approx(e2 * theta)
    assert split.z == pytest.approx(e2 / (e1 + e2))
    fj = obs.lund_declusterings_fastjet(c)[0, 0]
    assert (fj.Delta, fj.kt) == pytest.approx((theta, e2 * theta))
    ln_inv_delta, ln_kt, jet = obs.lund_plane_points(c)
    np.testing.assert_allclose([ln_inv_delta[0], ln_kt[0]], [-np.log(theta), np.log(e2 * theta)])
    assert jet.tolist() == [0]


def test_single_particle():
    c = one_jet(massless(300.0, 0.5, 1.0))
    res = obs.compute_observables(c)
    assert res["multiplicity"][0] == 1
    assert res["tau1"][0] == 0 and res["tau21"][0] == 0 and res["tau32"][0] == 0
    assert res["mass"][0] == pytest.approx(0.0, abs=1e-4)
    assert res["width"][0] == pytest.approx(0.0, abs=1e-12)
    assert res["pTD"][0] == pytest.approx(1.0)
    assert ak.num(obs.lund_declusterings(c)).tolist() == [0]


def test_ideal_three_prong_jet():
    rng = np.random.default_rng(1)
    prongs = np.array([[0.0, 0.0], [0.35, 0.1], [-0.1, 0.4]])
    offsets = np.concatenate([rng.normal(p, 1e-4, (4, 2)) for p in prongs])
    parts = [massless(rng.uniform(20, 60), 0.2 + dy, 1.0 + dp) for dy, dp in offsets]
    res = obs.compute_observables(one_jet(*parts, slots=20))
    assert res["tau3"][0] < 1e-3
    assert res["tau32"][0] < 0.02
    assert res["tau2"][0] > 0.05 and res["tau21"][0] > 0.2


def test_jet_straddling_phi_pi():
    parts = [
        massless(100.0, 0.3, np.pi - 0.1),
        massless(60.0, 0.5, -np.pi + 0.15),
        massless(10.0, 0.1, np.pi - 0.3),
    ]
    c = one_jet(*parts)
    rotated = c.copy()  # same jet rotated by pi: sits at phi ~ 0, no wrap-around
    rotated[..., 1:3] *= -1
    res, ref = obs.compute_observables(c), obs.compute_observables(rotated)
    assert abs(res["phi"][0]) > 3.0
    assert kin.delta_phi(res["phi"][0], ref["phi"][0] + np.pi) == pytest.approx(0.0, abs=1e-12)
    for key in ("eta", "pt", "mass", "width", "LHA", "mass_angularity", "tau1", "tau2"):
        assert res[key][0] == pytest.approx(ref[key][0], rel=1e-9, abs=1e-12), key
    assert res["width"][0] < 0.3  # a naive phi difference would give ~ 2 pi / R


def test_padding_invariance():
    c = synthetic_jets(30, seed=2, slots=80)
    padded = np.concatenate([c, np.zeros((30, 25, 4))], axis=1)
    a, b = obs.compute_observables(c), obs.compute_observables(JetSet(
        padded.astype(np.float32), np.zeros(30, np.int8), np.zeros((30, 4), np.float32)))
    a32 = obs.compute_observables(c.astype(np.float32))
    for key in obs.STANDARD_OBSERVABLES:
        np.testing.assert_allclose(b[key], a32[key], rtol=1e-12, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(a[key], a32[key], rtol=1e-4, atol=1e-5, err_msg=key)
    assert obs.lund_declusterings(c).tolist() == obs.lund_declusterings(padded).tolist()


def test_empty_jet_gives_nan_kinematics_and_zero_taus():
    res = obs.compute_observables(np.zeros((1, 5, 4)))
    assert np.isnan(res["mass"][0]) and np.isnan(res["width"][0])
    assert res["multiplicity"][0] == 0 and res["tau1"][0] == 0


def test_nsubjettiness_kt_axes_match_numpy_reference():
    c = synthetic_jets(12, seed=3)
    tau = obs.nsubjettiness(c, njets=(1, 2, 3), axes="KT_Axes")
    for n_axes in (1, 2, 3):
        ref = [tau_with_axes(jet, axes) for jet, axes in zip(c, exclusive_kt_axes(c, n_axes))]
        np.testing.assert_allclose(tau[:, n_axes - 1], ref, rtol=1e-9)
    # R0 is honoured: tau_N ~ 1 / R0 for beta = 1
    np.testing.assert_allclose(obs.nsubjettiness(c, axes="KT_Axes", R0=0.4), 2 * tau, rtol=1e-9)


def test_nsubjettiness_default_axes_are_one_pass_minimised():
    """FastJet would fall back to KT_Axes for a misspelt name: the default must differ."""
    c = synthetic_jets(12, seed=4)
    kt = obs.nsubjettiness(c, axes="KT_Axes")
    one_pass = obs.nsubjettiness(c)
    assert np.all(one_pass <= kt * (1 + 1e-9))
    assert (one_pass < kt * (1 - 1e-6)).mean() > 0.5
    with pytest.raises(ValueError, match="unknown axes"):
        obs.nsubjettiness(c, axes="OnePass_KT_axes")


def test_lund_own_clustering_matches_fastjet():
    c = synthetic_jets(40, seed=5)
    own, fj = obs.lund_declusterings(c), obs.lund_declusterings_fastjet(c)
    assert ak.all(ak.num(own) == ak.num(fj))
    np.testing.assert_allclose(ak.flatten(own.Delta), ak.flatten(fj.Delta), rtol=1e-9)
    np.testing.assert_allclose(ak.flatten(own.kt), ak.flatten(fj.kt), rtol=1e-9)
    z = ak.flatten(own.z)
    assert ak.all((z > 0) & (z <= 0.5))


def test_compute_observables_in_chunks_equals_one_pass():
    """Chunking (which bounds the memory on paper-scale samples) does not change a value."""
    from helpers.physics.observables import compute_observables

    rng = np.random.default_rng(5)
    n, m = 23, 12
    pt = rng.exponential(20.0, (n, m)) * (rng.random((n, m)) < 0.8)
    eta, phi = rng.normal(0, 0.3, (n, m)), rng.normal(0, 0.3, (n, m))
    c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    one, chunked = compute_observables(c), compute_observables(c, chunk_size=5)
    assert set(one) == set(chunked)
    for k in one:
        np.testing.assert_allclose(chunked[k], one[k], rtol=1e-12, err_msg=k)
