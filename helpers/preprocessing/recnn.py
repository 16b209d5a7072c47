"""RecNN inputs: C/A clustering trees with per-node kinematic features (Cheng, Louppe et al.).

Every node of a jet's C/A tree (:mod:`helpers.physics.trees`) — leaves are constituents, inner
nodes the four-momentum sums of their children — gets the seven features of Cheng
(arXiv:1911.01872), :data:`NODE_FEATURES`:
``(p, eta, phi, E, E/E_jet, pT, theta = 2 arctan(exp(-eta)))``, with ``E_jet`` the energy
of the jet's root.  A :class:`NodeScaler` fitted on the *training* nodes standardises them.

:class:`TreeInputs` implements the :class:`helpers.training.loop.Inputs` protocol: its
``batch(idx)`` returns a :class:`TreeBatch` in which the nodes of the selected jets are
ordered **by level** (height above the leaves: leaves first, then every node whose children
are leaves, ...), so a RecNN evaluates one level of the whole mini-batch per matrix multiply.

Trees take time to build (about 2k jets/s per core): :func:`cached_trees` stores them under
a hash of the constituent array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..cache import array_fingerprint, atomic_path, cached_path
from ..data.jets import JetSet
from ..physics.kinematics import eta, phi, pt
from ..physics.trees import JetTrees, build_trees

#: per-node input features, in column order
NODE_FEATURES = ("p", "eta", "phi", "E", "E/E_jet", "pT", "theta")
#: bump when the tree format or the clustering changes (invalidates cached trees)
TREE_CACHE_VERSION = 1


def node_features(trees: JetTrees) -> np.ndarray:
    """``(n_nodes, 7)`` float32 raw features :data:`NODE_FEATURES` of every node."""
    p4 = trees.momenta.astype(np.float64)
    e = p4[:, 0]
    e_jet = np.repeat(e[trees.roots], np.diff(trees.offsets))
    rap = eta(p4)
    cols = (np.linalg.norm(p4[:, 1:], axis=1), rap, phi(p4), e, e / e_jet, pt(p4),
            2.0 * np.arctan(np.exp(-rap)))
    return np.stack(cols, axis=1).astype(np.float32)


@dataclass(frozen=True)
class NodeScaler:
    """Per-feature standardisation ``(x - mean) / std`` with statistics of training nodes."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, features: np.ndarray) -> "NodeScaler":
        """Mean and standard deviation of each column (a constant column keeps std 1)."""
        x = np.asarray(features, np.float64)
        std = x.std(axis=0)
        return cls(mean=x.mean(axis=0), std=np.where(std > 0, std, 1.0))

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Scaled float32 features."""
        return ((np.asarray(features, np.float64) - self.mean) / self.std).astype(np.float32)


@dataclass
class TreeBatch:
    """The trees of a mini-batch, nodes ordered by level (what :class:`RecNN` consumes).

    Attributes
    ----------
    features
        ``(n_nodes, F)`` scaled node features, level by level (leaves first).
    left, right
        ``(n_inner,)`` positions (in this batch's node order) of the harder and the softer
        child of each inner node; inner node ``k`` sits at position ``level_sizes[0] + k``.
    level_sizes
        number of nodes per level, leaves (level 0) first.
    roots
        ``(n_jets,)`` position of each jet's root.
    jet
        ``(n_nodes,)`` jet (0..n_jets-1 within the batch) of each node.
    nodes
        ``(n_nodes,)`` numpy index of each node in the source :class:`JetTrees`.
    """

    features: torch.Tensor
    left: torch.Tensor
    right: torch.Tensor
    level_sizes: tuple[int, ...]
    roots: torch.Tensor
    jet: torch.Tensor
    nodes: np.ndarray

    @property
    def n_jets(self) -> int:
        return len(self.roots)


def level_order(trees: JetTrees, jets: np.ndarray) -> dict[str, np.ndarray]:
    """Nodes of ``jets`` sorted by height, with children and roots as positions in that order.

    Returns numpy arrays ``nodes`` (source index), ``left``, ``right``, ``level_sizes``,
    ``roots`` and ``jet`` (see :class:`TreeBatch`).
    """
    jets = np.asarray(jets, dtype=np.int64)
    starts = trees.offsets[jets]
    sizes = trees.offsets[jets + 1] - starts
    local_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    jet = np.repeat(np.arange(len(jets)), sizes)
    shift = np.repeat(starts - local_start, sizes)  # source index - local index
    local = np.arange(sizes.sum())
    src = local + shift
    height = trees.height[src]
    order = np.argsort(height, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    level_sizes = np.bincount(height)
    inner = order[level_sizes[0]:]  # local indices of inner nodes, in level order
    child_local = trees.children[src[inner]] - shift[inner, None]
    return {"nodes": src[order], "left": position[child_local[:, 0]],
            "right": position[child_local[:, 1]], "level_sizes": level_sizes,
            "roots": position[local_start + sizes - 1], "jet": jet[order]}


class TreeInputs:
    """Trees plus scaled node features as :class:`helpers.training.loop.Inputs`."""

    def __init__(self, trees: JetTrees, features: np.ndarray | torch.Tensor,
                 device: str = "cpu") -> None:
        if len(features) != trees.n_nodes:
            raise ValueError(f"{len(features)} feature rows for {trees.n_nodes} nodes")
        self.trees = trees
        self.features = torch.as_tensor(features, dtype=torch.float32).to(device)
        self.device = device

    def __len__(self) -> int:
        return self.trees.n_jets

    def batch(self, idx: torch.Tensor | np.ndarray) -> TreeBatch:
        """The level-ordered :class:`TreeBatch` of the jets ``idx``."""
        idx = idx.cpu().numpy() if isinstance(idx, torch.Tensor) else np.asarray(idx)
        o = level_order(self.trees, idx)

        def tensor(a: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64)).to(self.device)

        return TreeBatch(features=self.features[tensor(o["nodes"])], left=tensor(o["left"]),
                         right=tensor(o["right"]),
                         level_sizes=tuple(int(s) for s in o["level_sizes"]),
                         roots=tensor(o["roots"]), jet=tensor(o["jet"]), nodes=o["nodes"])

    def to(self, device: str) -> "TreeInputs":
        return TreeInputs(self.trees, self.features, device)

    def fingerprint(self) -> str:
        return array_fingerprint(self.features, self.trees.children, self.trees.offsets)


def tree_inputs(trees: JetTrees, scaler: NodeScaler, features: np.ndarray | None = None
                ) -> TreeInputs:
    """:class:`TreeInputs` of ``trees`` with node features scaled by ``scaler``.

    ``features`` are the raw :func:`node_features` when already computed.
    """
    raw = node_features(trees) if features is None else features
    return TreeInputs(trees, scaler.transform(raw))


def recnn_preprocess(jets: JetSet) -> tuple[JetTrees, np.ndarray]:
    """C/A trees of the jets and their raw node features (the registered preprocessing)."""
    trees = build_trees(jets)
    return trees, node_features(trees)


def cached_trees(jets: JetSet, name: str = "trees") -> JetTrees:
    """:func:`~helpers.physics.trees.build_trees` of ``jets``, cached under a hash of the constituents."""
    key = {"constituents": array_fingerprint(jets.constituents), "version": TREE_CACHE_VERSION}
    path = cached_path("trees", name, key, ".npz")
    if path.exists():
        with np.load(path) as f:
            return JetTrees(**{k: f[k] for k in f.files})
    trees = build_trees(jets)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **vars(trees))
    return trees


@dataclass
class TaskTrees:
    """One task's jets per split, their trees and raw node features, and the scaler fitted
    on the training nodes."""

    name: str
    jets: dict[str, JetSet]
    trees: dict[str, JetTrees]
    features: dict[str, np.ndarray]
    scaler: NodeScaler

    def inputs(self, split: str, scaler: NodeScaler | None = None) -> TreeInputs:
        """:class:`TreeInputs` of a split, scaled with this task's scaler (or ``scaler``)."""
        return tree_inputs(self.trees[split], scaler or self.scaler, self.features[split])

    def labels(self, split: str) -> np.ndarray:
        """float32 labels of a split (1 = signal)."""
        return self.jets[split].labels.astype(np.float32)


def prepare_task(name: str, splits: dict[str, JetSet],
                 max_jets: dict[str, int | None] | None = None) -> TaskTrees:
    """Trees (cached) and node features of the first ``max_jets[split]`` jets of each split."""
    max_jets = max_jets or {}
    jets = {s: j.subset(slice(0, max_jets.get(s))) for s, j in splits.items()}
    trees = {s: cached_trees(j, f"{name}-{s}") for s, j in jets.items()}
    features = {s: node_features(t) for s, t in trees.items()}
    return TaskTrees(name, jets, trees, features, NodeScaler.fit(features["train"]))
