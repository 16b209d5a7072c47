"""C/A clustering trees: hand-built jets, invariants, and agreement with FastJet."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import awkward as ak
import numpy as np
import pytest

from helpers.data.jets import JetSet
from helpers.physics import kinematics as kin
from helpers.physics import observables as obs
from helpers.physics import trees as trees_module
from helpers.physics.trees import JetTrees, build_trees


def massless(pt, y, phi) -> np.ndarray:
    """``(..., 4)`` massless four-momenta ``(E, px, py, pz)``."""
    pt, y, phi = np.broadcast_arrays(*map(np.asarray, (pt, y, phi)))
    return np.stack([pt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y)], -1)


def padded(jets: list[list[np.ndarray]], slots: int = 8) -> np.ndarray:
    """Zero-padded ``(N, slots, 4)`` array from lists of particles."""
    c = np.zeros((len(jets), slots, 4))
    for k, parts in enumerate(jets):
        c[k, : len(parts)] = parts
    return c


def synthetic_jets(n_jets: int, seed: int = 0, slots: int = 100) -> np.ndarray:
    """Random physical jets with 1..slots constituents around (y, phi) = (0.5, 3.0)."""
    rng = np.random.default_rng(seed)
    c = np.zeros((n_jets, slots, 4))
    for k in range(n_jets):
        n = rng.integers(1, slots + 1)
        pt = np.sort(rng.exponential(10.0, n))[::-1]
        c[k, :n] = massless(pt, 0.5 + rng.normal(0, 0.3, n), 3.0 + rng.normal(0, 0.3, n))
    return c


@pytest.fixture(scope="module")
def random_trees() -> tuple[np.ndarray, JetTrees]:
    c = synthetic_jets(60, seed=1)
    return c, build_trees(c, dtype=np.float64)


def test_two_particles():
    soft, hard = massless(20.0, 0.1, 0.0), massless(80.0, 0.0, 0.2)
    t = build_trees(padded([[soft, hard]]), dtype=np.float64)
    assert t.n_nodes == 3 and t.offsets.tolist() == [0, 3]
    assert t.children.tolist() == [[-1, -1], [-1, -1], [1, 0]]  # harder child first
    np.testing.assert_allclose(t.momenta[2], soft + hard)
    delta = np.hypot(0.1, 0.2)
    np.testing.assert_allclose(t.lund[2], [-np.log(delta), np.log(20 * delta), 0.2])
    assert np.isnan(t.lund[:2]).all()
    assert t.depth.tolist() == [1, 1, 0] and t.height.tolist() == [0, 0, 1]
    assert t.constituent.tolist() == [0, 1, -1]


def test_three_particles_known_order():
    # particles 1 and 2 are closest (Delta R = 0.1) and merge first; then particle 0
    parts = [massless(100.0, 0.0, 0.0), massless(30.0, 0.5, 0.0), massless(50.0, 0.6, 0.0)]
    t = build_trees(padded([parts]), dtype=np.float64)
    assert t.children.tolist() == [[-1, -1]] * 3 + [[2, 1], [0, 3]]
    np.testing.assert_allclose(t.momenta[3], parts[1] + parts[2])
    np.testing.assert_allclose(t.momenta[4], sum(parts))
    assert t.depth.tolist() == [1, 2, 2, 1, 0]
    assert t.height.tolist() == [0, 0, 0, 1, 2]
    assert [lv.tolist() for lv in t.levels()] == [[0, 1, 2], [3], [4]]


def test_single_particle_jet_is_one_leaf():
    t = build_trees(padded([[massless(100.0, 0.0, 1.0)]]))
    assert t.n_nodes == 1 and t.roots.tolist() == [0]
    assert t.children.tolist() == [[-1, -1]] and t.depth.tolist() == [0]
    values, counts = t.primary_lund()
    assert counts.tolist() == [0] and values.shape == (0, 3)


def test_empty_jet_is_rejected_and_no_jets_give_empty_trees():
    with pytest.raises(ValueError, match="without constituents"):
        build_trees(np.zeros((2, 3, 4)))
    empty = build_trees(np.zeros((0, 3, 4)))
    assert empty.n_jets == 0 and empty.n_nodes == 0 and empty.primary_lund()[1].size == 0


def test_tree_invariants(random_trees):
    c, t = random_trees
    n = kin.multiplicity(c)
    np.testing.assert_array_equal(np.diff(t.offsets), 2 * n - 1)
    np.testing.assert_allclose(t.momenta[t.roots], kin.jet_four_momentum(c), rtol=1e-12)
    inner = t.children[:, 0] >= 0
    left, right = t.children[inner].T
    np.testing.assert_allclose(t.momenta[inner], t.momenta[left] + t.momenta[right], rtol=1e-12)
    assert np.all(kin.pt(t.momenta[left]) >= kin.pt(t.momenta[right]))
    assert np.all(t.children[inner] < np.flatnonzero(inner)[:, None])  # children first
    assert np.all(t.jet_of_node[left] == t.jet_of_node[inner])  # never across jets
    # every node except the roots is the child of exactly one parent
    assert np.bincount(t.children[inner].ravel(), minlength=t.n_nodes).tolist() == [
        0 if k in set(t.roots) else 1 for k in range(t.n_nodes)
    ]
    # leaves are the constituents, in order
    leaves = ~inner
    np.testing.assert_array_equal(t.momenta[leaves], c[c[..., 0] > 0])
    z = t.lund[inner, 2]
    assert np.all((z > 0) & (z <= 0.5))


def test_depth_and_levels_consistent(random_trees):
    _, t = random_trees
    inner = np.flatnonzero(t.children[:, 0] >= 0)
    assert np.all(t.depth[t.children[inner]] == t.depth[inner, None] + 1)
    assert np.all(t.depth[t.roots] == 0)
    done = np.zeros(t.n_nodes, bool)
    for level in t.levels():
        kids = t.children[level]
        assert np.all(done[kids[kids >= 0]])  # children were processed before
        done[level] = True
    assert done.all()
    assert t.height[t.roots].max() == len(t.levels()) - 1


def test_primary_branch_matches_lund_observables(random_trees):
    c, t = random_trees
    values, counts = t.primary_lund()
    fj = obs.lund_declusterings_fastjet(c)
    assert counts.tolist() == ak.num(fj).tolist()
    np.testing.assert_allclose(np.exp(-values[:, 0]), ak.flatten(fj.Delta), rtol=1e-9)
    np.testing.assert_allclose(np.exp(values[:, 1]), ak.flatten(fj.kt), rtol=1e-9)
    own = obs.lund_declusterings(c)
    np.testing.assert_allclose(ak.flatten(own.z), values[:, 2], rtol=1e-12)


def test_select_reindexes_batch(random_trees):
    c, t = random_trees
    pick = np.array([5, 2, 40])
    sub = t.select(pick)
    ref = build_trees(c[pick], dtype=np.float64)
    for field in ("momenta", "children", "lund", "depth", "height", "constituent", "offsets"):
        np.testing.assert_array_equal(getattr(sub, field), getattr(ref, field), err_msg=field)


def test_float32_jetset_and_padding_order():
    c = synthetic_jets(20, seed=3, slots=30)
    jets = JetSet(c.astype(np.float32), np.zeros(20, np.int8), np.zeros((20, 4), np.float32))
    t32 = build_trees(jets)
    assert t32.momenta.dtype == np.float32 and t32.lund.dtype == np.float32
    shuffled = c[:, ::-1]  # padding first: constituent slots are remembered
    t = build_trees(shuffled, dtype=np.float64)
    np.testing.assert_array_equal(t.momenta[t.constituent >= 0], shuffled[shuffled[..., 0] > 0])
    leaf = t.constituent >= 0
    np.testing.assert_array_equal(
        t.momenta[leaf], shuffled[t.jet_of_node[leaf], t.constituent[leaf]]
    )


def test_batching_and_executor_do_not_change_trees(random_trees, monkeypatch):
    c, t = random_trees
    monkeypatch.setattr(trees_module, "BATCH_BYTES", 8 * 100 * 100 * 7)  # batches of <= 7 jets
    with ThreadPoolExecutor(2) as pool:
        small = build_trees(c, dtype=np.float64, executor=pool)
    for field in ("momenta", "children", "lund", "depth", "height", "constituent", "offsets"):
        np.testing.assert_array_equal(getattr(small, field), getattr(t, field), err_msg=field)


def test_constant_mass_line_of_the_lund_plane_is_exact():
    """Every point of the drawn W-mass line is a splitting of a 600 GeV parent into two
    massless children of invariant mass m_W; the line ends at Delta = 2 m / pT, z = 1/2."""
    from helpers.plots.lund import constant_mass_line

    m, pt = 80.4, 600.0
    ln_inv_delta, ln_kt = constant_mass_line(m, pt)
    delta, kt = np.exp(-ln_inv_delta), np.exp(ln_kt)
    z = kt / (pt * delta)
    # two massless children at eta = 0, azimuths 0 and Delta: m^2 = 2 pT1 pT2 (1 - cos Delta)
    mass = np.sqrt(2 * z * (1 - z) * pt**2 * (1 - np.cos(delta)))
    collinear = delta < 0.4  # the Lund coordinates are small-angle ones: O(Delta^2 / 24) off
    assert collinear.sum() > 50
    np.testing.assert_allclose(mass[collinear], m, rtol=1e-2)
    assert delta[-1] == pytest.approx(2 * m / pt) and z[-1] == pytest.approx(0.5)
    assert np.all(z <= 0.5 + 1e-12)
