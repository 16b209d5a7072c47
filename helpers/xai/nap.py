"""Neural activation patterns (NAP) of ReLU networks: relative neural activity and sparsity.

Khot, Neubauer & Roy (arXiv:2210.04371) summarise how the hidden layers of a network respond
to a class ``S`` of jets ``s_i`` by the **relative neural activity** of node ``j`` in layer ``k``,

    RNA(j, k; S) = sum_i a_jk(s_i) / max_j' sum_i a_j'k(s_i),

with ``a_jk`` the post-ReLU activation: 1 for the busiest node of the layer, 0 for a node that
never fires on that class.  A node is *sparse* for a class when its RNA is below
:data:`SPARSE_RNA` = 0.2; the **sparsity** of a network is the fraction of its hidden nodes (all
layers pooled) that are sparse.  The **overall** sparsity counts the nodes that are sparse for
*every* class (the largest RNA over the classes is below the threshold), as in the reference
code of the paper; it is therefore never larger than any per-class sparsity.

RNA is a sum: it cannot tell a node that never fires (*dead*) from one that fires rarely but
strongly, so the activation frequency (share of jets with ``a_jk > 0``) is kept alongside.
:func:`prune` removes nodes from a trained network, replacing each by its mean activation, to
test what the removed nodes carried.  Any ReLU MLP with the interface of
:class:`helpers.models.TopoDNN` works (``hidden``, ``linears``,
``forward(x, return_activations=True)``); the studies of chapter 3 are in
:mod:`helpers.studies.nap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ..models import TopoDNN

#: RNA below which a node counts as sparse (Khot et al.)
SPARSE_RNA = 0.2


@torch.no_grad()
def iter_hidden_activations(model: TopoDNN, X: np.ndarray,
                            batch_size: int = 16384) -> Iterator[list[np.ndarray]]:
    """Post-ReLU activations of the hidden layers: one list of ``(n, width_k)`` arrays per batch."""
    was_training = model.training
    model.eval()
    param = next(model.parameters())
    try:
        for i in range(0, len(X), batch_size):
            xb = torch.as_tensor(np.asarray(X[i : i + batch_size]), dtype=param.dtype,
                                 device=param.device)
            _, acts = model(xb, return_activations=True)
            yield [a.cpu().numpy() for a in acts]
    finally:
        model.train(was_training)


def hidden_activations(model: TopoDNN, X: np.ndarray, batch_size: int = 16384) -> list[np.ndarray]:
    """Post-ReLU activations of every hidden layer on ``X``: a list of ``(N, width_k)`` arrays."""
    batches = list(iter_hidden_activations(model, X, batch_size))
    widths = model.hidden
    if not batches:
        return [np.zeros((0, w), np.float32) for w in widths]
    return [np.concatenate([b[k] for b in batches]) for k in range(len(widths))]


@dataclass
class ActivationStats:
    """Per-node statistics of the hidden layers on one set of jets (one array per layer)."""

    #: summed activation of each node, ``sum_i a_jk(s_i)``
    sums: list[np.ndarray]
    #: number of jets on which the node fires (``a_jk > 0``)
    active: list[np.ndarray]
    n_jets: int

    @classmethod
    def from_activations(cls, acts: Sequence[np.ndarray]) -> "ActivationStats":
        """Statistics of activations given as a list of ``(n, width_k)`` arrays."""
        acts = [np.asarray(a, dtype=np.float64) for a in acts]
        return cls(sums=[a.sum(axis=0) for a in acts],
                   active=[(a > 0).sum(axis=0) for a in acts],
                   n_jets=len(acts[0]) if acts else 0)

    def __add__(self, other: "ActivationStats") -> "ActivationStats":
        return ActivationStats([a + b for a, b in zip(self.sums, other.sums)],
                               [a + b for a, b in zip(self.active, other.active)],
                               self.n_jets + other.n_jets)

    @property
    def frequency(self) -> list[np.ndarray]:
        """Share of jets on which each node fires."""
        return [a / max(self.n_jets, 1) for a in self.active]

    @property
    def mean(self) -> list[np.ndarray]:
        """Mean activation of each node."""
        return [s / max(self.n_jets, 1) for s in self.sums]


def activation_stats(model: TopoDNN, X: np.ndarray, batch_size: int = 16384) -> ActivationStats:
    """:class:`ActivationStats` of ``model`` on ``X``, accumulated batch by batch."""
    stats = ActivationStats([np.zeros(w) for w in model.hidden],
                            [np.zeros(w, dtype=np.int64) for w in model.hidden], 0)
    for acts in iter_hidden_activations(model, X, batch_size):
        stats = stats + ActivationStats.from_activations(acts)
    return stats


def rna(sums: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Relative neural activity per layer: each node's summed activation divided by the largest
    in its layer (all zeros for a layer that never fires)."""
    out = []
    for s in sums:
        s = np.asarray(s, dtype=np.float64)
        top = s.max() if s.size else 0.0
        out.append(s / top if top > 0 else np.zeros_like(s))
    return out


def max_over_classes(rna_by_class: Mapping[str, Sequence[np.ndarray]]) -> list[np.ndarray]:
    """Per layer, the largest RNA of each node over the classes."""
    layers = zip(*rna_by_class.values())
    return [np.max(np.stack(per_class), axis=0) for per_class in layers]


def sparsity(rna_layers: Sequence[np.ndarray], threshold: float = SPARSE_RNA) -> float:
    """Share of all hidden nodes (layers pooled) whose RNA is below ``threshold``."""
    flat = np.concatenate([np.ravel(r) for r in rna_layers])
    return float(np.mean(flat < threshold))


def layer_sparsity(rna_layers: Sequence[np.ndarray], threshold: float = SPARSE_RNA) -> np.ndarray:
    """Share of sparse nodes in each layer."""
    return np.array([np.mean(np.asarray(r) < threshold) for r in rna_layers])


@dataclass
class NAP:
    """Neural activation pattern of one network on labelled jets."""

    #: activation statistics per class name ("top", "QCD")
    stats: dict[str, ActivationStats]

    @property
    def rna(self) -> dict[str, list[np.ndarray]]:
        """RNA per class and layer."""
        return {name: rna(s.sums) for name, s in self.stats.items()}

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(len(s) for s in next(iter(self.stats.values())).sums)

    @property
    def all_jets(self) -> ActivationStats:
        """Statistics of all classes together."""
        first, *rest = self.stats.values()
        return sum(rest, first)

    def active_mask(self, threshold: float = SPARSE_RNA) -> list[np.ndarray]:
        """Per layer, the nodes that are *not* sparse for at least one class."""
        return [r >= threshold for r in max_over_classes(self.rna)]

    def sparsity(self, threshold: float = SPARSE_RNA) -> dict[str, float]:
        """``{"overall": ..., <class>: ...}``: sparsity over all hidden nodes."""
        rna_by_class = self.rna
        out = {"overall": sparsity(max_over_classes(rna_by_class), threshold)}
        out.update({name: sparsity(r, threshold) for name, r in rna_by_class.items()})
        return out

    def layer_table(self, threshold: float = SPARSE_RNA) -> dict[str, np.ndarray]:
        """Per-layer counts: width, sparse nodes per class and overall, dead nodes (never fire
        on any jet), and active nodes shared by the classes or exclusive to one of them."""
        rna_by_class = self.rna
        names = list(rna_by_class)
        active = {n: [r >= threshold for r in rna_by_class[n]] for n in names}
        table = {"width": np.array(self.widths)}
        table.update({f"sparse ({n})": layer_sparsity(rna_by_class[n], threshold) for n in names})
        table["sparse (overall)"] = layer_sparsity(max_over_classes(rna_by_class), threshold)
        table["dead nodes"] = np.array([int((a == 0).sum()) for a in self.all_jets.active])
        both = [np.logical_and.reduce(per_class) for per_class in zip(*active.values())]
        table["active in both"] = np.array([int(b.sum()) for b in both])
        for n in names:
            table[f"active in {n} only"] = np.array(
                [int((a & ~b).sum()) for a, b in zip(active[n], both)])
        return table


def neural_activation_pattern(model: TopoDNN, X: np.ndarray, y: np.ndarray,
                              class_names: Mapping[int, str], batch_size: int = 16384) -> NAP:
    """The :class:`NAP` of ``model`` on jets ``X`` with labels ``y``, one entry per class of
    ``class_names`` (``{label: name}``, e.g. ``{1: "top", 0: "QCD"}``)."""
    y = np.asarray(y)
    return NAP({name: activation_stats(model, X[y == label], batch_size)
                for label, name in class_names.items()})


@torch.no_grad()
def sequential_activation_stats(net: nn.Sequential, X: np.ndarray,
                                batch_size: int = 65536) -> ActivationStats:
    """:class:`ActivationStats` of every ReLU output of a ``Linear``/``ReLU`` stack (a PFN's
    per-particle network Φ on particles, or its head F on latents); ``n_jets`` then counts
    the rows of ``X`` (particles for Φ)."""
    widths = [m.out_features for m, nxt in zip(net, list(net)[1:])
              if isinstance(m, nn.Linear) and isinstance(nxt, nn.ReLU)]
    stats = ActivationStats([np.zeros(w) for w in widths],
                            [np.zeros(w, dtype=np.int64) for w in widths], 0)
    device = next(net.parameters()).device
    net.eval()
    for i in range(0, len(X), batch_size):
        h = torch.as_tensor(np.asarray(X[i:i + batch_size], np.float32), device=device)
        acts = []
        for module in net:
            h = module(h)
            if isinstance(module, nn.ReLU):
                acts.append(h.cpu().numpy())
        stats = stats + ActivationStats.from_activations(acts)
    return stats


def sequential_nap(net: nn.Sequential, X: np.ndarray, y: np.ndarray,
                   class_names: Mapping[int, str], batch_size: int = 65536) -> NAP:
    """The :class:`NAP` of a ``Linear``/``ReLU`` stack on rows ``X`` labelled ``y``."""
    y = np.asarray(y)
    return NAP({name: sequential_activation_stats(net, X[y == label], batch_size)
                for label, name in class_names.items()})


def node_order(rna_signal: np.ndarray, rna_background: np.ndarray,
               threshold: float = SPARSE_RNA) -> np.ndarray:
    """Display order of a layer's nodes: active nodes first, then sparse ones; within each group
    from background-only through shared to signal-only (angle of (RNA_bkg, RNA_sig))."""
    angle = np.arctan2(rna_signal, rna_background)
    sparse = np.maximum(rna_signal, rna_background) < threshold
    return np.lexsort((angle, sparse))


def nap_diagram_data(rna_signal: Sequence[np.ndarray], rna_background: Sequence[np.ndarray],
                     threshold: float = SPARSE_RNA) -> list[dict[str, np.ndarray | int]]:
    """Per layer, the bars of a NAP diagram in :func:`node_order`: ``signal`` (RNA, >= 0),
    ``background`` (minus the RNA, <= 0: background drawn downwards), ``node`` (original node
    index) and ``n_active`` (nodes left of the sparse block)."""
    out = []
    for sig, bkg in zip(rna_signal, rna_background):
        sig, bkg = np.asarray(sig, float), np.asarray(bkg, float)
        order = node_order(sig, bkg, threshold)
        out.append({"signal": sig[order], "background": -bkg[order], "node": order,
                    "n_active": int((np.maximum(sig, bkg) >= threshold).sum())})
    return out


def prune(model: TopoDNN, keep: Sequence[np.ndarray],
          fill: Sequence[np.ndarray] | None = None) -> TopoDNN:
    """A smaller copy of ``model`` without the hidden nodes where ``keep`` is False.

    Each removed node is replaced by the constant ``fill`` (e.g. its mean activation; default
    0), folded into the next layer's bias.  Removing nodes that never fire, or filling with
    their constant activation, leaves the output unchanged.
    """
    keep = [np.asarray(k, bool) for k in keep]
    if [len(k) for k in keep] != list(model.hidden):
        raise ValueError(f"keep masks {[len(k) for k in keep]} do not match layers {model.hidden}")
    if not all(k.any() for k in keep):
        raise ValueError("every hidden layer must keep at least one node")
    fill = [np.zeros(len(k)) for k in keep] if fill is None else fill
    new = TopoDNN(model.n_inputs, tuple(int(k.sum()) for k in keep))
    layers = [(lin.weight.detach().cpu().double(), lin.bias.detach().cpu().double())
              for lin in model.linears]
    for k, (mask, const) in enumerate(zip(keep, fill)):
        m = torch.as_tensor(mask)
        w_next, b_next = layers[k + 1]
        removed = torch.as_tensor(np.where(mask, 0.0, np.asarray(const, float)))
        layers[k + 1] = (w_next[:, m], b_next + w_next @ removed)
        w, b = layers[k]
        layers[k] = (w[m], b[m])
    param = next(model.parameters())
    with torch.no_grad():
        for lin, (w, b) in zip(new.linears, layers):
            lin.weight.copy_(w)
            lin.bias.copy_(b)
    return new.to(device=param.device, dtype=param.dtype).eval()


