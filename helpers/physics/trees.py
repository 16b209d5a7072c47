"""Cambridge/Aachen clustering trees for recursive jet networks (RecNN).

Every jet is reclustered with C/A at a radius large enough that all its constituents
end in one tree (pure angular ordering: the closest pair in rapidity-azimuth is merged
first, E-scheme recombination).  The clustering is a numpy implementation that works
on a whole batch of jets at once, keeping a nearest-neighbour table per jet; the tests
check it against FastJet.

Representation (:class:`JetTrees`): one flat node table for many jets, CSR-like.
The nodes of jet ``i`` are ``offsets[i]:offsets[i+1]`` (``2 n_i - 1`` nodes): first the
``n_i`` leaves in constituent order, then the inner nodes in clustering order, so a
child always precedes its parent and the root is the jet's last node.  Children
indices point into the same (global) table; the harder child (higher pT) is first.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from .kinematics import JetsLike, abs_delta_phi, constituents_of, phi, pt, rapidity

#: memory budget of one batch's pairwise-distance table (bytes)
BATCH_BYTES = 32 * 2**20
MAX_BATCH = 1024


@dataclass
class JetTrees:
    """Binary C/A trees of many jets in one node table.

    Attributes
    ----------
    momenta
        ``(n_nodes, 4)`` four-momenta ``(E, px, py, pz)``; an inner node is the sum
        of its children.
    children
        ``(n_nodes, 2)`` int64 global indices ``(harder, softer)``; ``-1`` for leaves.
    lund
        ``(n_nodes, 3)`` ``(ln 1/Delta, ln kt/GeV, z)`` of the splitting of each inner
        node into its two children (lab frame, rapidity-azimuth ``Delta``,
        ``kt = pT_soft Delta``, ``z = pT_soft / (pT_hard + pT_soft)``); NaN on leaves.
    depth
        ``(n_nodes,)`` distance from the root (root = 0).
    height
        ``(n_nodes,)`` level from the leaves: 0 for leaves, else
        ``1 + max(height of children)``.
    constituent
        ``(n_nodes,)`` slot of the leaf in the input constituent array, -1 for inner.
    offsets
        ``(n_jets + 1,)`` node range of each jet.
    """

    momenta: np.ndarray
    children: np.ndarray
    lund: np.ndarray
    depth: np.ndarray
    height: np.ndarray
    constituent: np.ndarray
    offsets: np.ndarray

    @property
    def n_jets(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_nodes(self) -> int:
        return len(self.momenta)

    @property
    def roots(self) -> np.ndarray:
        """Global index of each jet's root (its last node)."""
        return self.offsets[1:] - 1

    @property
    def jet_of_node(self) -> np.ndarray:
        """``(n_nodes,)`` jet index of every node."""
        return np.repeat(np.arange(self.n_jets), np.diff(self.offsets))

    def select(self, jets: np.ndarray) -> "JetTrees":
        """Trees of the chosen jets (indices or mask) as a new batch, re-indexed."""
        jets = np.arange(self.n_jets)[jets]
        starts = self.offsets[jets]
        sizes = self.offsets[jets + 1] - starts
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        shift = np.repeat(offsets[:-1] - starts, sizes)
        nodes = np.arange(offsets[-1]) - shift
        children = self.children[nodes]
        children = np.where(children >= 0, children + shift[:, None], -1)
        return JetTrees(
            momenta=self.momenta[nodes],
            children=children,
            lund=self.lund[nodes],
            depth=self.depth[nodes],
            height=self.height[nodes],
            constituent=self.constituent[nodes],
            offsets=offsets,
        )

    def levels(self) -> list[np.ndarray]:
        """Node indices grouped by :attr:`height`, leaves (level 0) first, roots last.

        Processing the levels in order evaluates every child before its parent, so a
        RecNN needs one batched operation per level; the children of the nodes in
        ``level`` are ``children[level]`` (global indices).
        """
        order = np.argsort(self.height, kind="stable")
        bounds = np.searchsorted(self.height[order], np.arange(1, self.height.max() + 1))
        return np.split(order, bounds)

    def primary_lund(self) -> tuple[np.ndarray, np.ndarray]:
        """Primary declusterings: ``(K, 3)`` Lund rows (root first) and per-jet counts.

        Follows the harder child from the root down to a leaf.
        """
        node, jet = self.roots, np.arange(self.n_jets)
        nodes, jets = [node[:0]], [jet[:0]]
        while node.size:
            inner = self.children[node, 0] >= 0
            node, jet = node[inner], jet[inner]
            nodes.append(node)
            jets.append(jet)
            node = self.children[node, 0]
        jet = np.concatenate(jets)
        order = np.argsort(jet, kind="stable")
        counts = np.bincount(jet, minlength=self.n_jets)
        return self.lund[np.concatenate(nodes)[order]], counts


def build_trees(
    jets: JetsLike, dtype: type = np.float32, executor: Executor | None = None
) -> JetTrees:
    """C/A trees of all jets, in input order.

    Jets are sorted by multiplicity and clustered in batches (the pairwise distance
    table of a batch stays under :data:`BATCH_BYTES`); pass an ``executor`` to
    cluster batches in parallel.  Raises ``ValueError`` for jets without constituents.
    """
    c = constituents_of(jets)
    n = (c[..., 0] > 0).sum(axis=1)
    if (n == 0).any():
        raise ValueError(f"jets without constituents at indices {np.flatnonzero(n == 0)[:10]}")
    if len(c) == 0:
        return _empty_trees(dtype)
    order = np.argsort(-n, kind="stable")
    batches = [order[s] for s in _batch_slices(n[order])]
    tasks = [_compact(c[b]) for b in batches]
    run = executor.map if executor is not None else map
    parts = list(run(_cluster_batch, *zip(*tasks)))
    trees = _concatenate(parts, dtype)
    return trees.select(np.argsort(np.concatenate(batches)))


def _empty_trees(dtype: type) -> JetTrees:
    """Trees of zero jets."""
    return JetTrees(
        momenta=np.zeros((0, 4), dtype),
        children=np.zeros((0, 2), np.int64),
        lund=np.zeros((0, 3), dtype),
        depth=np.zeros(0, np.int32),
        height=np.zeros(0, np.int32),
        constituent=np.zeros(0, np.int32),
        offsets=np.zeros(1, np.int64),
    )


def _batch_slices(n_sorted: np.ndarray) -> list[slice]:
    """Consecutive slices of the (descending) multiplicities within the memory budget."""
    slices, start = [], 0
    while start < len(n_sorted):
        m = int(n_sorted[start])
        size = int(np.clip(BATCH_BYTES // (8 * m * m), 1, MAX_BATCH))
        slices.append(slice(start, start + size))
        start += size
    return slices


def _compact(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move real constituents to the front and trim the padding of a batch.

    Returns momenta ``(B, m, 4)``, multiplicities and the original slot of each column.
    """
    mask = c[..., 0] > 0
    slots = np.argsort(~mask, axis=1, kind="stable")
    m = int(mask.sum(axis=1).max())
    slots = slots[:, :m]
    p = np.take_along_axis(c, slots[..., None], axis=1)
    n = mask.sum(axis=1)
    p[np.arange(m)[None, :] >= n[:, None]] = 0.0
    return p, n, slots


def _pair_distances(y: np.ndarray, ph: np.ndarray, y0: np.ndarray, ph0: np.ndarray) -> np.ndarray:
    """Squared rapidity-azimuth distance ``Delta y^2 + Delta phi^2`` (phi in (-pi, pi])."""
    return (y - y0) ** 2 + abs_delta_phi(ph, ph0) ** 2


def _cluster_batch(p: np.ndarray, n: np.ndarray, slots: np.ndarray) -> dict[str, np.ndarray]:
    """C/A-cluster a batch of jets sorted by descending multiplicity ``n``.

    Node ids are "columns": leaf slot ``c`` is column ``c``, the inner node made at
    step ``t`` is column ``m + t``.  Returns the batch's packed node table
    (see :func:`_pack`).
    """
    b_size, m = p.shape[:2]
    active = np.arange(m)[None, :] < n[:, None]
    mom, y, ph, ptv = p.copy(), rapidity(p), phi(p), pt(p)
    dist = _pair_distances(y[:, :, None], ph[:, :, None], y[:, None, :], ph[:, None, :])
    dist[~(active[:, :, None] & active[:, None, :])] = np.inf
    dist[:, np.arange(m), np.arange(m)] = np.inf
    nn_j = dist.argmin(axis=2)
    nn_d = np.take_along_axis(dist, nn_j[..., None], axis=2)[..., 0]

    cols = 2 * m - 1
    node = np.broadcast_to(np.arange(m), (b_size, m)).copy()
    children = np.full((b_size, cols, 2), -1, dtype=np.int64)
    momenta = np.concatenate([p, np.zeros((b_size, m - 1, 4))], axis=1)
    lund = np.full((b_size, cols, 3), np.nan)
    height = np.zeros((b_size, cols), dtype=np.int32)

    for t in range(int(n[0]) - 1):
        k = int((n >= t + 2).sum())  # jets still merging: a prefix of the batch
        ar = np.arange(k)
        i = nn_d[:k].argmin(axis=1)
        j = nn_j[ar, i]
        s, r = np.minimum(i, j), np.maximum(i, j)  # merged node goes to slot s
        new = m + t
        pt_s, pt_r = ptv[ar, s], ptv[ar, r]
        s_hard = pt_s >= pt_r
        delta = np.sqrt(dist[ar, s, r])
        soft, hard = np.minimum(pt_s, pt_r), np.maximum(pt_s, pt_r)
        with np.errstate(divide="ignore"):
            lund[ar, new, 0] = -np.log(delta)
            lund[ar, new, 1] = np.log(soft * delta)
        lund[ar, new, 2] = soft / (soft + hard)
        pair = np.stack([node[ar, s], node[ar, r]], axis=1)
        children[ar, new] = np.where(s_hard[:, None], pair, pair[:, ::-1])
        height[ar, new] = 1 + np.maximum(height[ar, node[ar, s]], height[ar, node[ar, r]])
        merged = mom[ar, s] + mom[ar, r]
        momenta[ar, new] = merged
        mom[ar, s], node[ar, s] = merged, new
        y[ar, s], ph[ar, s], ptv[ar, s] = rapidity(merged), phi(merged), pt(merged)
        active[ar, r] = False
        _update_neighbours(dist[:k], nn_d[:k], nn_j[:k], active[:k], y[:k], ph[:k], s, r)

    depth = _depths(children, n, m)
    return _pack(momenta, children, lund, depth, height, slots, n, m)


def _update_neighbours(
    dist: np.ndarray,
    nn_d: np.ndarray,
    nn_j: np.ndarray,
    active: np.ndarray,
    y: np.ndarray,
    ph: np.ndarray,
    s: np.ndarray,
    r: np.ndarray,
) -> None:
    """After merging slots ``s`` and ``r`` into ``s``: refresh distances and neighbours.

    Works in place on the batch's distance table and nearest-neighbour arrays.
    """
    ar = np.arange(len(s))
    dist[ar, r, :] = np.inf
    dist[ar, :, r] = np.inf
    nn_d[ar, r] = np.inf
    d = _pair_distances(y, ph, y[ar, s][:, None], ph[ar, s][:, None])
    d[~active] = np.inf
    d[ar, s] = np.inf
    dist[ar, s, :] = d
    dist[ar, :, s] = d
    stale = (nn_j == s[:, None]) | (nn_j == r[:, None])
    stale[ar, s] = True
    bb, kk = np.nonzero(stale & active)
    rows = dist[bb, kk]
    nn_j[bb, kk] = rows.argmin(axis=1)
    nn_d[bb, kk] = rows.min(axis=1)
    better = d < nn_d
    nn_d[better] = d[better]
    nn_j[better] = np.broadcast_to(s[:, None], better.shape)[better]


def _depths(children: np.ndarray, n: np.ndarray, m: int) -> np.ndarray:
    """Distance from the root of every column, walking the merge steps backwards."""
    depth = np.zeros(children.shape[:2], dtype=np.int32)
    for t in range(int(n[0]) - 2, -1, -1):
        k = int((n >= t + 2).sum())
        ar = np.arange(k)
        child = children[ar, m + t]
        depth[ar[:, None], child] = depth[ar, m + t][:, None] + 1
    return depth


def _pack(
    momenta: np.ndarray,
    children: np.ndarray,
    lund: np.ndarray,
    depth: np.ndarray,
    height: np.ndarray,
    slots: np.ndarray,
    n: np.ndarray,
    m: int,
) -> dict[str, np.ndarray]:
    """Flatten the per-column arrays of a batch into the CSR node table."""
    col = np.arange(2 * m - 1)[None, :]
    valid = (col < n[:, None]) | ((col >= m) & (col < m + n[:, None] - 1))
    sizes = 2 * n - 1
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    # column id -> position inside the jet (leaves first, then inner nodes in order)
    local = np.where(children < m, children, children - m + n[:, None, None])
    glob = np.where(children >= 0, local + offsets[:-1, None, None], -1)
    leaf_slot = np.concatenate([slots, np.full((len(n), m - 1), -1)], axis=1)
    return {
        "momenta": momenta[valid],
        "children": glob[valid],
        "lund": lund[valid],
        "depth": depth[valid],
        "height": height[valid],
        "constituent": leaf_slot[valid].astype(np.int32),
        "offsets": offsets,
    }


def _concatenate(parts: list[dict[str, np.ndarray]], dtype: type) -> JetTrees:
    """Join packed batches into one :class:`JetTrees` (global indices shifted)."""
    starts = np.cumsum([0] + [p["offsets"][-1] for p in parts[:-1]])
    children = [np.where(p["children"] >= 0, p["children"] + s, -1) for p, s in zip(parts, starts)]
    offsets = np.concatenate([[0]] + [p["offsets"][1:] + s for p, s in zip(parts, starts)])
    fields = ("momenta", "lund", "depth", "height", "constituent")
    cat = {k: np.concatenate([p[k] for p in parts]) for k in fields}
    return JetTrees(
        momenta=cat["momenta"].astype(dtype),
        children=np.concatenate(children),
        lund=cat["lund"].astype(dtype),
        depth=cat["depth"],
        height=cat["height"],
        constituent=cat["constituent"],
        offsets=offsets.astype(np.int64),
    )
