"""Energy flow polynomials: the graph enumeration and canonical form, the batched evaluation
against a brute-force sum over all particle assignments, analytic cases, and the
``energyflow`` package (installed without its dependencies, see the Makefile)."""

from __future__ import annotations

import itertools
import string
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.physics.efp import (
    EMPTY_GRAPH,
    SINGLE_VERTEX,
    EFPSpec,
    Graph,
    canonical,
    compute_efps,
    efp_columns,
    efp_specs,
    efps_of,
    generalised_specs,
    multigraphs,
)
from helpers.plots.efp import draw_graph, graph_row
from helpers.preprocessing.pfn import PackedParticles

KAPPAS = (0.0, 0.5, 1.0, 2.0)
BETAS = (0.5, 1.0, 2.0)


def random_jets(n_jets: int, low: int, high: int, seed: int = 0,
                spread: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Packed ``(pT, eta, phi)`` of ``n_jets`` jets with ``low .. high`` particles (raw
    positive pT: :func:`compute_efps` normalises it)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(low, high + 1, n_jets)
    p = counts.sum()
    features = np.stack([rng.exponential(50.0, p) + 1.0, rng.normal(0, spread, p),
                         rng.normal(0, spread, p)], axis=1)
    return features, counts


def jets_of(features: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return [features[offsets[j]:offsets[j + 1]] for j in range(len(counts))]


def brute_force(graph: Graph, jet: np.ndarray, kappa: float, beta: float) -> float:
    """The defining sum over every assignment of particles to the vertices, one factor
    ``theta^beta`` per (parallel) edge, as one plain einsum."""
    z = jet[:, 0] / jet[:, 0].sum()
    dphi = np.abs(jet[:, None, 2] - jet[None, :, 2])
    dphi = np.minimum(dphi, 2 * np.pi - dphi)
    theta = np.sqrt((jet[:, None, 1] - jet[None, :, 1]) ** 2 + dphi**2)
    letters = string.ascii_lowercase
    terms = [letters[v] for v in range(graph.n_vertices)]
    terms += [letters[u] + letters[v] for u, v in graph.edges]
    operands = [z**kappa] * graph.n_vertices + [theta**beta] * graph.degree
    if not terms:
        return 1.0
    return float(np.einsum(",".join(terms) + "->", *operands, optimize=False))


# ----------------------------------------------------------------------------- graphs
def test_graph_counts():
    """OEIS A076864 (connected) and A050535 (all) multigraphs by number of edges."""
    connected = multigraphs(5, connected=True)
    every = multigraphs(5)
    assert [sum(g.degree == d for g in connected) for d in range(1, 6)] == [1, 2, 5, 12, 33]
    assert [sum(g.degree == d for g in every) for d in range(6)] == [1, 1, 3, 8, 23, 66]
    assert len(every) == 102 and every[0] == EMPTY_GRAPH
    disconnected = multigraphs(5, connected=False)
    assert len(disconnected) == 102 - 1 - 53 and not any(g.connected for g in disconnected)
    assert all(g.connected for g in connected)
    assert len(set(every)) == 102
    assert every == sorted(every, key=lambda g: g.sort_key)
    assert multigraphs(3) == every[:13]


def test_canonical_form_is_invariant():
    """Relabelled, shuffled and flipped edge lists of a graph give back that graph; every
    enumerated graph is distinct, and its canonical form is itself."""
    rng = np.random.default_rng(3)
    for g in multigraphs(5)[1:]:
        assert canonical(g.edges) == g
        for _ in range(3):
            names = [f"p{k}" for k in rng.permutation(g.n_vertices)]
            edges = [(names[u], names[v]) if rng.random() < 0.5 else (names[v], names[u])
                     for u, v in g.edges]
            edges = [edges[k] for k in rng.permutation(len(edges))]
            assert Graph.canonical(edges) == g
    # not isomorphic with the same number of edges and vertices: a square and two double
    # edges (every valency 2), a chain of 4 and a star of 3
    square = canonical([(0, 1), (1, 2), (2, 3), (3, 0)])
    assert square != canonical([(0, 1), (0, 1), (2, 3), (2, 3)])
    assert canonical([("a", "b"), ("b", "c"), ("c", "d")]).description == "chain of 4"
    assert canonical([(0, 1), (0, 2), (0, 3)]).description == "star of 3"
    assert canonical([(0, 1), (1, 2), (2, 3)]) != canonical([(0, 1), (0, 2), (0, 3)])
    assert square.description == "square" and square.connected
    assert canonical([]) == SINGLE_VERTEX and SINGLE_VERTEX.connected
    assert not EMPTY_GRAPH.connected and EMPTY_GRAPH.components() == []
    with pytest.raises(ValueError):
        canonical([(1, 1)])


def test_components_and_labels():
    g = canonical([(5, 6), (0, 1), (0, 1), (1, 2)])
    assert g.n_vertices == 5 and g.degree == 4 and not g.connected
    assert sorted(c.degree for c in g.components()) == [1, 3]
    assert g.description == "multigraph + edge"
    labels = [h.label for h in multigraphs(5)]
    assert len(set(labels)) == 102
    assert canonical([(0, 1), (1, 2), (0, 2)]).label == "d3·v3·#2"


def test_specs():
    specs = efp_specs(5)
    assert len(specs) == 101 and all(s.irc_safe for s in specs)
    assert SINGLE_VERTEX not in [s.graph for s in specs]
    soft = efp_specs(5, kappa=0.5)
    assert len(soft) == 102 and soft[0].graph == SINGLE_VERTEX and not soft[0].irc_safe
    gen = generalised_specs(5)
    # kappa in (0, 0.5, 2) x 3 betas: 101 graphs each plus the single vertex once per kappa;
    # kappa = 1 with beta 0.5 and 2: 101 each
    assert len(gen) == 3 * (3 * 101 + 1) + 2 * 101
    assert len(set(gen)) == len(gen) and len(set(efp_columns(gen))) == len(gen)
    assert not any(s.kappa == 1 and s.beta == 1 for s in gen)
    assert {(s.kappa, s.beta) for s in gen if s.kappa == 1} == {(1.0, 0.5), (1.0, 2.0)}
    assert EFPSpec(specs[0].graph, 0.5, 2.0).label == "d1·v2·#1, κ=0.5, β=2"
    assert EFPSpec(specs[0].graph).label == "d1·v2·#1"


# ------------------------------------------------------------------------- evaluation
@pytest.mark.parametrize("kappa", KAPPAS)
def test_agrees_with_brute_force(kappa):
    """Every connected graph of d <= 5 (and the disconnected ones of d <= 3), at every
    beta, on small jets, against the full sum."""
    features, counts = random_jets(5, 1, 6, seed=int(10 * kappa), spread=0.4)
    counts[:2] = [1, 2]
    features = random_jets(1, counts.sum(), counts.sum(), seed=7, spread=0.4)[0]
    graphs = multigraphs(5, connected=True) + multigraphs(3, connected=False)
    jets = jets_of(features, counts)
    for beta in BETAS:
        specs = [EFPSpec(g, kappa, beta) for g in graphs]
        if kappa != 1:
            specs.insert(0, EFPSpec(SINGLE_VERTEX, kappa, beta))
        got = compute_efps(features, counts, specs, batch_size=3)
        want = np.array([[brute_force(s.graph, jet, kappa, beta) for s in specs] for jet in jets])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_treewidth_three_graph():
    """K4 (6 edges) needs a sum over three free vertices: the general einsum step."""
    k4 = canonical(list(itertools.combinations(range(4), 2)))
    features, counts = random_jets(3, 2, 5, seed=9)
    got = compute_efps(features, counts, [EFPSpec(k4, 0.5, 2.0)])[:, 0]
    want = [brute_force(k4, jet, 0.5, 2.0) for jet in jets_of(features, counts)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_batching_and_order_do_not_matter():
    """Other batch sizes, another jet order and other jets in the batch: the same values."""
    features, counts = random_jets(60, 1, 50, seed=1)
    specs = efp_specs(5) + efp_specs(3, kappa=0.0, beta=0.5)
    ref = compute_efps(features, counts, specs)
    for batch_size, max_elements in ((1, 2**19), (7, 2**19), (500, 2**12)):
        np.testing.assert_allclose(compute_efps(features, counts, specs, batch_size=batch_size,
                                                max_elements=max_elements), ref, rtol=1e-13)
    packed = PackedParticles(features, counts)
    order = np.random.default_rng(2).permutation(len(counts))
    shuffled = packed.subset(order)
    np.testing.assert_allclose(efps_of(shuffled, specs), ref[order], rtol=1e-13)
    # one jet alone against the same jet among others
    for j in (0, 17, 59):
        alone = packed.subset(np.array([j]))
        np.testing.assert_allclose(efps_of(alone, specs)[0], ref[j], rtol=1e-13)


def test_analytic_cases():
    """Two particles: EFP of the edge at beta = 2 is 2 z1 z2 theta^2; the single vertex at
    kappa = 0 is the multiplicity, at kappa = 1 it is 1; z is normalised per jet; an empty
    jet gives NaN; the azimuth wraps."""
    z1, z2 = 30.0, 10.0
    jet = np.array([[z1, 0.1, 3.1], [z2, -0.2, -3.1]])  # dphi = 2 pi - 6.2 after the wrap
    theta2 = 0.3**2 + (2 * np.pi - 6.2) ** 2
    edge = canonical([(0, 1)])
    specs = [EFPSpec(edge, 1, 2), EFPSpec(SINGLE_VERTEX, 0, 1), EFPSpec(SINGLE_VERTEX, 1, 1),
             EFPSpec(EMPTY_GRAPH, 0.5, 1), EFPSpec(edge, 1, 1)]
    (got,) = compute_efps(jet, np.array([2]), specs)
    zz = z1 * z2 / (z1 + z2) ** 2
    np.testing.assert_allclose(got, [2 * zz * theta2, 2, 1, 1, 2 * zz * np.sqrt(theta2)],
                               rtol=1e-13)
    features, counts = random_jets(4, 3, 30, seed=4)
    mult = compute_efps(features, counts, [EFPSpec(SINGLE_VERTEX, 0.0)])[:, 0]
    np.testing.assert_array_equal(mult, counts)
    scaled = features * [7.0, 1, 1]
    np.testing.assert_allclose(compute_efps(scaled, counts, efp_specs(3)),
                               compute_efps(features, counts, efp_specs(3)), rtol=1e-13)
    counts_with_empty = np.array([2, 0, 3])
    values = compute_efps(features[:5], counts_with_empty, efp_specs(2))
    assert np.isnan(values[1]).all() and np.isfinite(values[[0, 2]]).all()
    assert compute_efps(features[:0], np.zeros(0, int), efp_specs(2)).shape == (0, 4)


# ------------------------------------------------------------------------- energyflow
@pytest.mark.parametrize(("kappa", "beta"), [(1.0, 1.0), (1.0, 2.0), (0.5, 1.0), (2.0, 0.5)])
def test_agrees_with_energyflow(kappa, beta):
    """All 102 EFPs of d <= 5 of energyflow's EFPSet, its graphs mapped onto ours by the
    canonical form (its edgeless graph is the single vertex, sum_i z_i^kappa)."""
    ef = pytest.importorskip("energyflow")
    features, counts = random_jets(10, 5, 40, seed=5, spread=0.4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        efpset = ef.EFPSet("d<=5", measure="hadr", beta=beta, kappa=kappa, normed=True,
                           coords="ptyphim")
        ref = np.asarray(efpset.batch_compute(jets_of(features, counts), n_jobs=1))
    graphs = [canonical(edges) for edges in efpset.graphs()]
    assert len(graphs) == 102
    assert set(graphs) == (set(multigraphs(5)) - {EMPTY_GRAPH}) | {SINGLE_VERTEX}
    got = compute_efps(features, counts, [EFPSpec(g, kappa, beta) for g in graphs])
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=0)


# ------------------------------------------------------------------------------- plot
def test_graph_drawings():
    specs = efp_specs(3) + [EFPSpec(SINGLE_VERTEX, 0.5)]
    fig = graph_row(specs, ncols=5)
    drawn = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in drawn] == [s.label for s in specs]
    lines = {ax.get_title(): len(ax.lines) for ax in drawn}
    assert lines["d3·v2·#1"] == 3 and lines["d3·v3·#2"] == 3 and lines["d0·v1·#1, κ=0.5"] == 0
    plt.close(fig)
    fig, ax = plt.subplots()
    draw_graph(ax, canonical([(0, 1), (0, 1), (1, 2), (2, 3), (3, 0)]))
    assert len(ax.lines) == 5
    plt.close(fig)
    with pytest.raises(ValueError):
        graph_row(specs, titles=["one"])
