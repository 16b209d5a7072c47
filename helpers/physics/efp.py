"""Energy flow polynomials (EFPs), computed by the book's own code.

References: Komiske, Metodiev, Thaler, "Energy flow polynomials: a complete linear basis for
jet substructure", arXiv:1712.07124; Faucett, Thaler, Whiteson, "Mapping machine-learned
physics into a human-readable space", arXiv:2010.11998 (the generalised ``(kappa, beta)``).

A multigraph ``G`` with ``N`` vertices and the edge multiset ``E`` gives, for a jet of
particles ``i`` with momentum fractions ``z_i = pT_i / sum_j pT_j``,

    ``EFP_G^(kappa, beta) = sum_{i_1..i_N} z_{i_1}^kappa ... z_{i_N}^kappa
    prod_{(k, l) in E} theta_{i_k i_l}^beta``,

``theta_ij = sqrt(Delta eta_ij^2 + Delta phi_ij^2)`` with ``Delta phi`` wrapped into
``[-pi, pi]`` (the hadronic measure, normalised).  Only ``kappa = 1``, ``beta > 0`` is IRC
safe.  ``G`` has no self-loops and no isolated vertices, except the single vertex
(``sum_i z_i^kappa``: 1 for ``kappa = 1``, the multiplicity for ``kappa = 0``); the empty graph
is the constant 1; a disconnected graph's EFP is the product of its components' EFPs.

Conventions
-----------
- :class:`Graph` is the canonical representative of an isomorphism class
  (:meth:`Graph.canonical`); :func:`multigraphs` lists them by degree (edges), vertices, then
  edge list -- the order of every list of EFPs here.
- :func:`compute_efps` takes the packed particles of
  :class:`~helpers.preprocessing.pfn.PackedParticles` (``z, deta, dphi``; any positive
  pT-like weights in the first column, normalised per jet here).  Jets without particles
  give NaN.
- Evaluation: every connected graph once per ``(kappa, beta)``, by variable elimination in the
  cheapest order (``O(M^2)`` per jet for trees, ``O(M^3)`` with a cycle; all graphs of up to
  5 edges have treewidth <= 2), sharing intermediate sums between graphs, on batches of jets
  of similar multiplicity padded to ``(B, M)`` torch tensors in float64.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Hashable, Iterable, Protocol, Sequence

import numpy as np
import torch

from ..progress import progress as progress_bar

#: ``(B, M, M)`` elements of one batch's pair tensors (float64: 8 bytes each) at most
MAX_PAIR_ELEMENTS = 2**19
#: names of the simple cycles, by length
_CYCLE_NAMES = {3: "triangle", 4: "square", 5: "pentagon", 6: "hexagon"}
#: names of ``k`` parallel edges
_FOLD_NAMES = {1: "edge", 2: "double edge", 3: "triple edge", 4: "quadruple edge",
               5: "quintuple edge"}


# ----------------------------------------------------------------------------- graphs
def _components_of(edges: Sequence[tuple[Hashable, Hashable]]) -> list[list[tuple]]:
    """The edges of each connected component (in input order, components by first edge)."""
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        parent[find(u)] = find(v)
    groups: dict = {}
    for e in edges:
        groups.setdefault(find(e[0]), []).append(e)
    return list(groups.values())


@cache
def _canonical_connected(edges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """The lexicographically smallest sorted edge list over all relabellings of a connected
    multigraph that number the vertices by non-increasing valency (an invariant order)."""
    valency = Counter(v for e in edges for v in e)
    classes = [sorted(vs) for _, vs in itertools.groupby(
        sorted(valency, key=lambda v: (-valency[v], v)), key=lambda v: -valency[v])]
    best = None
    for parts in itertools.product(*(itertools.permutations(c) for c in classes)):
        label = {v: i for i, v in enumerate(itertools.chain.from_iterable(parts))}
        cand = tuple(sorted((min(label[u], label[v]), max(label[u], label[v])) for u, v in edges))
        if best is None or cand < best:
            best = cand
    return best


@dataclass(frozen=True)
class Graph:
    """A multigraph in canonical form: ``edges`` sorted, each ``(i, j)`` with ``i < j``, the
    vertices ``0 .. n_vertices - 1`` (build one with :meth:`Graph.canonical`).

    The single vertex is ``Graph((), 1)`` and the empty graph ``Graph((), 0)``.
    """

    edges: tuple[tuple[int, int], ...]
    n_vertices: int

    @classmethod
    def canonical(cls, edges: Iterable[tuple[Hashable, Hashable]]) -> "Graph":
        """The canonical representative of the multigraph with these edges (any hashable
        vertex labels, repeated pairs = parallel edges).  No edges: the single vertex."""
        edges = [tuple(e) for e in edges]
        if any(len(e) != 2 or e[0] == e[1] for e in edges):
            raise ValueError(f"edges must be pairs of distinct vertices: {edges}")
        if not edges:
            return SINGLE_VERTEX
        comps = []
        for comp in _components_of(edges):
            names = {v: i for i, v in enumerate(dict.fromkeys(v for e in comp for v in e))}
            comps.append(_canonical_connected(tuple(sorted(
                (min(names[u], names[v]), max(names[u], names[v])) for u, v in comp))))
        # larger components first; the sorted canonical components make the union canonical
        comps.sort(key=lambda c: (-len(c), -(max(max(e) for e in c) + 1), c))
        out, offset = [], 0
        for c in comps:
            out += [(u + offset, v + offset) for u, v in c]
            offset += max(max(e) for e in c) + 1
        return cls(tuple(out), offset)

    # -------------------------------------------------------------------- structure
    @property
    def degree(self) -> int:
        """Number of edges ``d``."""
        return len(self.edges)

    @property
    def multiplicities(self) -> dict[tuple[int, int], int]:
        """``{(i, j): k}``: the ``k`` parallel edges between each joined pair of vertices."""
        return dict(Counter(self.edges))

    @property
    def valencies(self) -> tuple[int, ...]:
        """Edges at each vertex."""
        count = Counter(v for e in self.edges for v in e)
        return tuple(count[v] for v in range(self.n_vertices))

    def components(self) -> list["Graph"]:
        """The connected components, each canonical (the empty graph has none)."""
        if not self.edges:
            return [self] if self.n_vertices == 1 else []
        return [Graph.canonical(c) for c in _components_of(self.edges)]

    @property
    def connected(self) -> bool:
        """One connected component (true for the single vertex, false for the empty graph)."""
        return len(self.components()) == 1

    @property
    def simple(self) -> bool:
        """No parallel edges."""
        return len(set(self.edges)) == len(self.edges)

    @property
    def is_tree(self) -> bool:
        """Connected, simple and acyclic (the single vertex included)."""
        return self.connected and self.simple and self.degree == self.n_vertices - 1

    @property
    def sort_key(self) -> tuple:
        """The order of :func:`multigraphs`: degree, vertices, edge list."""
        return (self.degree, self.n_vertices, self.edges)

    # ------------------------------------------------------------------------ names
    @property
    def label(self) -> str:
        """Short and deterministic: ``'d3·v3·#2'`` = degree 3, 3 vertices, the second such
        graph in the order of :func:`multigraphs`."""
        return f"d{self.degree}·v{self.n_vertices}·#{self.index}"

    @property
    def index(self) -> int:
        """1-based position among the graphs of the same degree and vertex count."""
        return _same_shape(self.degree, self.n_vertices).index(self) + 1

    @property
    def description(self) -> str:
        """A name where there is an easy one (``'triangle'``, ``'chain of 4'``,
        ``'double edge + edge'``), else ``'tree'``, ``'cyclic graph'`` or ``'multigraph'``."""
        if self.n_vertices == 0:
            return "empty graph"
        if self.n_vertices == 1:
            return "vertex"
        comps = self.components()
        if len(comps) > 1:
            return " + ".join(c.description for c in comps)
        n, val = self.n_vertices, self.valencies
        if n == 2:
            return _FOLD_NAMES.get(self.degree, f"{self.degree}-fold edge")
        if self.simple and self.degree == n - 1 and max(val) == 2:
            return f"chain of {n}"
        if self.simple and self.degree == n - 1 and max(val) == n - 1:
            return f"star of {n - 1}"
        if self.simple and self.degree == n and set(val) == {2}:
            return _CYCLE_NAMES.get(n, f"{n}-cycle")
        if self.is_tree:
            return "tree"
        return "cyclic graph" if self.simple else "multigraph"

    def __str__(self) -> str:
        return f"{self.label} ({self.description})"


#: the graph with no vertices: the constant 1
EMPTY_GRAPH = Graph((), 0)
#: one vertex, no edge: ``sum_i z_i^kappa``
SINGLE_VERTEX = Graph((), 1)
#: :meth:`Graph.canonical` as a function
canonical = Graph.canonical


@cache
def _connected_of_degree(d: int) -> tuple[Graph, ...]:
    """Connected multigraphs with ``d >= 1`` edges: every one is a connected graph with one
    edge less plus an edge (between two of its vertices, or to a new one)."""
    if d == 1:
        return (Graph(((0, 1),), 2),)
    found = set()
    for g in _connected_of_degree(d - 1):
        n = g.n_vertices
        for u, v in itertools.combinations(range(n + 1), 2):
            found.add(Graph.canonical(g.edges + ((u, v),)))
    return tuple(sorted(found, key=lambda g: g.sort_key))


@cache
def _of_degree(d: int) -> tuple[Graph, ...]:
    """All multigraphs with ``d >= 1`` edges: multisets of connected ones, degrees summing
    to ``d``."""
    found = set()

    def partitions(rest: int, largest: int):
        if rest == 0:
            yield []
        for part in range(min(rest, largest), 0, -1):
            for tail in partitions(rest - part, part):
                yield [part] + tail

    for parts in partitions(d, d):
        pools = [(size, count) for size, count in Counter(parts).items()]
        choices = [itertools.combinations_with_replacement(_connected_of_degree(size), count)
                   for size, count in pools]
        for combo in itertools.product(*choices):
            edges, offset = [], 0
            for g in itertools.chain.from_iterable(combo):
                edges += [(u + offset, v + offset) for u, v in g.edges]
                offset += g.n_vertices
            found.add(Graph.canonical(edges))
    return tuple(sorted(found, key=lambda g: g.sort_key))


@cache
def _same_shape(degree: int, n_vertices: int) -> tuple[Graph, ...]:
    """The graphs of this degree and vertex count, in the order of :func:`multigraphs`."""
    if degree == 0:
        return (EMPTY_GRAPH if n_vertices == 0 else SINGLE_VERTEX,)
    return tuple(g for g in _of_degree(degree) if g.n_vertices == n_vertices)


def multigraphs(max_degree: int, connected: bool | None = None) -> list[Graph]:
    """Every multigraph with ``1 .. max_degree`` edges (no self-loops, no isolated vertices)
    once up to isomorphism, by degree, vertices, then edge list.

    ``connected=True``: only connected ones (1, 2, 5, 12, 33 for ``d = 1 .. 5``, OEIS
    A076864); ``False``: only disconnected ones; ``None``: all, after the empty graph
    (1, 1, 3, 8, 23, 66 for ``d = 0 .. 5``, OEIS A050535).
    """
    out = [EMPTY_GRAPH] if connected is None else []
    for d in range(1, max_degree + 1):
        graphs = _connected_of_degree(d) if connected else _of_degree(d)
        out += [g for g in graphs if connected is None or g.connected == connected]
    return out


# ------------------------------------------------------------------------------ specs
@dataclass(frozen=True)
class EFPSpec:
    """One EFP: a graph and the exponents ``kappa`` (of ``z``) and ``beta`` (of ``theta``)."""

    graph: Graph
    kappa: float = 1.0
    beta: float = 1.0

    @property
    def irc_safe(self) -> bool:
        """``kappa == 1`` and ``beta > 0``."""
        return self.kappa == 1 and self.beta > 0

    @property
    def label(self) -> str:
        """The graph's label, with ``κ, β`` unless both are 1 (no ``β`` without edges)."""
        if self.kappa == 1 and (self.beta == 1 or not self.graph.edges):
            return self.graph.label
        beta = f", β={self.beta:g}" if self.graph.edges else ""
        return f"{self.graph.label}, κ={self.kappa:g}{beta}"

    @property
    def column(self) -> str:
        """An ASCII column name, ``'efp_d3_v3_2'`` or ``'efp_d3_v3_2_k0.5_b2'``."""
        g = self.graph
        name = f"efp_d{g.degree}_v{g.n_vertices}_{g.index}"
        if self.kappa == 1 and (self.beta == 1 or not g.edges):
            return name
        return name + f"_k{self.kappa:g}" + (f"_b{self.beta:g}" if g.edges else "")


def efp_columns(specs: Sequence[EFPSpec]) -> list[str]:
    """:attr:`EFPSpec.column` of each spec (for a ``DataFrame``)."""
    return [s.column for s in specs]


def efp_specs(max_degree: int, kappa: float = 1.0, beta: float = 1.0) -> list[EFPSpec]:
    """Every non-constant EFP up to ``max_degree`` edges at one ``(kappa, beta)``: the
    multigraphs without the empty graph, and for ``kappa == 1`` without the single vertex."""
    graphs = multigraphs(max_degree)[1:]
    if kappa != 1:
        graphs = [SINGLE_VERTEX] + graphs
    return [EFPSpec(g, float(kappa), float(beta)) for g in graphs]


def generalised_specs(max_degree: int, kappas: Sequence[float] = (0.0, 0.5, 2.0),
                      betas: Sequence[float] = (0.5, 1.0, 2.0)) -> list[EFPSpec]:
    """:func:`efp_specs` at every ``(kappa, beta)`` of ``kappas`` and 1 by ``betas``, except
    ``(1, 1)``; once each (the single vertex does not depend on ``beta``)."""
    kappa_list = sorted({float(k) for k in kappas} | {1.0})
    out, seen = [], set()
    for k in kappa_list:
        for b in dict.fromkeys(float(b) for b in betas):
            if (k, b) == (1.0, 1.0):
                continue
            for s in efp_specs(max_degree, k, b):
                key = (s.graph, s.kappa, s.beta if s.graph.edges else None)
                if key not in seen:
                    seen.add(key)
                    out.append(s)
    return out


# -------------------------------------------------------------------- the elimination
@dataclass(frozen=True)
class _Step:
    """One elimination: the factors ``inputs`` (register, vertex positions, ``-1`` = the
    summed vertex) multiplied and summed into register ``out`` over ``n_free`` vertices."""

    out: int
    inputs: tuple[tuple[int, tuple[int, ...]], ...]
    n_free: int


class _Program:
    """The eliminations of a set of connected graphs at one ``(kappa, beta)``, an
    intermediate sum shared by several graphs computed once.

    Registers: 0 is ``z^kappa``, ``k >= 1`` is ``theta^(beta k)`` (inputs), later ones are
    the results of :class:`_Step`.
    """

    def __init__(self, graphs: Sequence[Graph]):
        self.steps: list[_Step] = []
        self.results: dict[Graph, int] = {}
        self._keys: dict[tuple, int] = {}
        self._first = max([k for g in graphs for k in g.multiplicities.values()], default=0) + 1
        self._symmetric = set(range(1, self._first))  # theta^(beta k) is symmetric
        self.edge_powers = {k for g in graphs for k in g.multiplicities.values()}
        for g in graphs:
            if g not in self.results:
                self.results[g] = self._compile(g)
        self.uses = Counter(r for s in self.steps for r, _ in s.inputs)
        for r in self.results.values():
            self.uses[r] += 1

    def _compile(self, graph: Graph) -> int:
        """Add the steps of ``graph`` in the elimination order that adds the least work
        (``M^(s + 1)`` a new step leaving ``s`` vertices free, ``M = 64``) to the steps
        already there: a depth-first search over the orders, cut where it cannot win."""
        factors = [(0, (v,)) for v in range(graph.n_vertices)]
        factors += [(k, e) for e, k in graph.multiplicities.items()]
        best: list = [None, None]  # cost, (new steps, symmetric registers, result)

        def search(factors, left, new, symmetric, cost):
            if best[0] is not None and cost >= best[0]:
                return
            if not left:
                (reg, _), = factors
                best[0], best[1] = cost, (new, symmetric, reg)
                return
            for v in left:
                f, n, sym, step_cost = self._eliminate_symbolic(factors, v, new, symmetric)
                search(f, [u for u in left if u != v], n, sym, cost + step_cost)

        search(factors, list(range(graph.n_vertices)), {}, set(), 0)
        new, symmetric, reg = best[1]
        for key, (out, n_free) in new.items():
            self._keys[key] = out
            self.steps.append(_Step(out, key, n_free))
        self._symmetric |= symmetric
        return reg

    def _eliminate_symbolic(self, factors: list, v: int, new: dict, symmetric: set):
        """Factors after summing over ``v``, the new steps (``{key: (register, free)}``) and
        symmetric registers so far, and the cost this step adds (0 when already computed)."""
        mine = [f for f in factors if v in f[1]]
        rest = [f for f in factors if v not in f[1]]
        free = tuple(sorted({x for _, scope in mine for x in scope} - {v}))
        candidates = []
        for perm in itertools.permutations(free):
            pos = {x: i for i, x in enumerate(perm)}
            pos[v] = -1
            items = []
            for reg, scope in mine:
                p = tuple(pos[x] for x in scope)
                sym = reg in self._symmetric or reg in symmetric
                items.append((reg, tuple(sorted(p)) if sym else p))
            candidates.append((tuple(sorted(items)), perm))
        key, perm = min(candidates)
        reg, cost = self._keys.get(key), 0
        if reg is None:
            if key not in new:
                new = {**new, key: (self._first + len(self.steps) + len(new), len(free))}
                cost = 64 ** (len(free) + 1)
                if len(free) == 2 and len({c[0] for c in candidates}) == 1:
                    symmetric = symmetric | {new[key][0]}
            reg = new[key][0]
        return rest + [(reg, perm)], new, symmetric, cost

    @property
    def cost(self) -> Counter:
        """Steps by the number of vertices they leave free (2: ``O(M^3)`` per jet)."""
        return Counter(s.n_free for s in self.steps)

    def run(self, zk: torch.Tensor, theta: torch.Tensor, beta: float) -> dict[Graph, torch.Tensor]:
        """``{graph: (B,) values}`` for ``(B, M)`` weights ``z^kappa`` and ``(B, M, M)`` angles."""
        regs: dict[int, torch.Tensor] = {0: zk}
        base = theta if beta == 1 else theta.pow(beta)
        power = base
        for k in range(1, max(self.edge_powers, default=0) + 1):
            if k > 1:
                power = power * base  # theta^(beta k) by products: pow is slow
            if k in self.edge_powers:
                regs[k] = power
        uses = Counter(self.uses)
        for step in self.steps:
            regs[step.out] = _eliminate(step, regs)
            for r, _ in step.inputs:
                uses[r] -= 1
                if uses[r] == 0 and r >= self._first:
                    del regs[r]
        return {g: regs[r] for g, r in self.results.items()}


@lru_cache(maxsize=64)
def _program(graphs: tuple[Graph, ...]) -> _Program:
    """The (cached) program of these connected graphs."""
    return _Program(graphs)


def _eliminate(step: _Step, regs: dict[int, torch.Tensor]) -> torch.Tensor:
    """Multiply the step's factors and sum over the eliminated vertex (axis position -1)."""
    vec = None  # product of the factors on the eliminated vertex alone, (B, M)
    mats: dict[int, torch.Tensor] = {}  # per free vertex: product of the pair factors, (B, free, v)
    general = []
    for reg, pos in step.inputs:
        t = regs[reg]
        if len(pos) == 1:
            vec = t if vec is None else vec * t
        elif len(pos) == 2:
            other = pos[0] if pos[1] == -1 else pos[1]
            m = t if pos[1] == -1 else t.transpose(1, 2)
            mats[other] = m if other not in mats else mats[other] * m
        else:
            general.append((t, pos))
    if general or step.n_free > 2:
        return _eliminate_einsum(step, regs)
    if step.n_free == 0:
        return vec.sum(dim=1)
    if step.n_free == 1:
        return torch.bmm(mats[0], vec.unsqueeze(2)).squeeze(2)
    return torch.bmm(mats[0] * vec.unsqueeze(1), mats[1].transpose(1, 2))


def _eliminate_einsum(step: _Step, regs: dict[int, torch.Tensor]) -> torch.Tensor:
    """Any step (factors over three or more vertices): one ``torch.einsum``."""
    letters = "ijklmnopqrstuvw"

    def sub(pos):
        return "b" + "".join("a" if p == -1 else letters[p] for p in pos)

    eq = ",".join(sub(p) for _, p in step.inputs) + "->b" + letters[:step.n_free]
    return torch.einsum(eq, *[regs[r] for r, _ in step.inputs])


# ---------------------------------------------------------------------------- compute
class Packed(Protocol):
    """Packed particles (:class:`~helpers.preprocessing.pfn.PackedParticles`)."""

    features: np.ndarray
    counts: np.ndarray


def _batches(counts: np.ndarray, batch_size: int, max_elements: int) -> list[np.ndarray]:
    """Jets sorted by multiplicity, cut into batches of at most ``batch_size`` jets and
    ``max_elements`` padded pair entries."""
    order = np.argsort(counts, kind="stable")
    out, start = [], 0
    while start < len(order):
        end = min(start + batch_size, len(order))
        m = max(int(counts[order[end - 1]]), 1)
        end = min(end, start + max(1, max_elements // (m * m)))
        out.append(order[start:end])
        start = end
    return out


def _padded(features: np.ndarray, offsets: np.ndarray, counts: np.ndarray,
            jets: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(B, M)`` normalised ``z``, ``(B, M, M)`` angles and the ``(B, M)`` mask of real
    particles of the jets ``jets``."""
    n = counts[jets]
    m = max(int(n.max()), 1)
    local = np.repeat(np.arange(len(jets)), n)
    slot = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    rows = np.repeat(offsets[jets], n) + slot
    x = np.zeros((len(jets), m, 3))
    x[local, slot] = features[rows]
    mask = np.zeros((len(jets), m), bool)
    mask[local, slot] = True
    x = torch.from_numpy(x)
    total = x[..., 0].sum(dim=1, keepdim=True)
    z = x[..., 0] / torch.where(total > 0, total, 1.0)
    deta = x[:, :, None, 1] - x[:, None, :, 1]
    dphi = torch.remainder(x[:, :, None, 2] - x[:, None, :, 2] + np.pi, 2 * np.pi) - np.pi
    theta = torch.sqrt(deta**2 + dphi**2)
    return z, theta, torch.from_numpy(mask)


def compute_efps(features: np.ndarray, counts: np.ndarray, specs: Sequence[EFPSpec],
                 batch_size: int = 256, progress: bool = False,
                 max_elements: int = MAX_PAIR_ELEMENTS) -> np.ndarray:
    """``(n_jets, len(specs))`` float64 EFPs of packed particles.

    ``features`` is ``(P, 3)`` ``(z, deta, dphi)`` of all jets back to back, ``counts`` the
    particles of each jet; ``z`` is normalised per jet here.  Jets are evaluated in batches
    of similar multiplicity (at most ``batch_size`` jets and ``max_elements`` padded pairs);
    jets without particles give NaN.
    """
    features = np.asarray(features, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.int64)
    specs = list(specs)
    out = np.full((len(counts), len(specs)), np.nan)
    if not specs or not len(counts):
        return out
    offsets = np.concatenate([[0], np.cumsum(counts)])
    groups: dict[tuple[float, float], list[int]] = {}
    for col, s in enumerate(specs):
        groups.setdefault((float(s.kappa), float(s.beta)), []).append(col)
    programs = {kb: _program(tuple(dict.fromkeys(c for col in cols
                                                  for c in specs[col].graph.components())))
                for kb, cols in groups.items()}
    nonempty = counts > 0
    batches = _batches(counts[nonempty], batch_size, max_elements)
    real = np.flatnonzero(nonempty)
    bar = progress_bar(total=int(nonempty.sum()), desc="EFPs", unit="jet",
                       **({} if progress else {"disable": True}))
    with torch.no_grad():
        for batch in batches:
            jets = real[batch]
            z, theta, mask = _padded(features, offsets, counts, jets)
            for (kappa, beta), cols in groups.items():
                zk = torch.where(mask, z.pow(kappa), 0.0)
                values = programs[kappa, beta].run(zk, theta, beta)
                ones = torch.ones(len(jets), dtype=torch.float64)
                for col in cols:
                    v = ones
                    for c in specs[col].graph.components():
                        v = v * values[c]
                    out[jets, col] = v.numpy()
            bar.update(len(jets))
    bar.close()
    return out


def efps_of(particles: Packed, specs: Sequence[EFPSpec], **kwargs) -> np.ndarray:
    """:func:`compute_efps` of a :class:`~helpers.preprocessing.pfn.PackedParticles`."""
    return compute_efps(particles.features, particles.counts, specs, **kwargs)
