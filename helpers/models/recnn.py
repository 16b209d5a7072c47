"""Recursive neural network on C/A clustering trees (Louppe et al. arXiv:1702.00748; Cheng).

For every node ``k`` with scaled features ``x_k``: ``u_k = ReLU(W_u x_k + b_u)``; a leaf's
embedding is ``h_k = u_k``, an inner node's ``h_k = ReLU(W_h [h_L; h_R; u_k] + b_h)`` with
the harder child ``L`` first.  The root embedding ``h_J`` goes through the head
Dense(70) -> Dense(70) -> logit (sigmoid in the loss).

:class:`RecNN` evaluates a :class:`~helpers.preprocessing.recnn.TreeBatch` **level by level**:
all nodes of one height across the whole mini-batch in one matrix multiply, leaves first,
so a batch costs one step per level of its tallest tree, not one Python call per node.  The
backward pass is written by hand (:func:`level_backward`): it walks the levels from the roots
down, and its per-node gradients ``dL/dh_i`` are also what the saliency maps need.
:func:`recursive_embedding` is the straightforward per-jet recursion with the same weights:
the reference for the tests and the speed benchmark.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..physics.trees import JetTrees
from ..preprocessing.recnn import NODE_FEATURES, TreeBatch, TreeInputs


class RecNNHead(nn.Module):
    """Dense(hidden) -> Dense(hidden) -> one logit, ReLU activations."""

    def __init__(self, embed_dim: int = 70, hidden: int = 70) -> None:
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(embed_dim, hidden), nn.Linear(hidden, hidden),
                                      nn.Linear(hidden, 1)])

    def forward(self, z: torch.Tensor, return_hidden: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits ``(N,)``; with ``return_hidden`` also the two hidden layers' outputs."""
        hidden = []
        for linear in self.linears[:-1]:
            z = torch.relu(linear(z))
            hidden.append(z)
        logit = self.linears[-1](z).squeeze(-1)
        return (logit, hidden) if return_hidden else logit


def _level_steps(level_sizes: tuple[int, ...]):
    """``(rows, k)`` slices per inner level: node rows and their rows in ``left``/``right``."""
    n_leaves, start = level_sizes[0], level_sizes[0]
    for size in level_sizes[1:]:
        yield slice(start, start + size), slice(start - n_leaves, start - n_leaves + size)
        start += size


def _children_input(h: torch.Tensor, u: torch.Tensor, left: torch.Tensor, right: torch.Tensor,
                    rows: slice, k: slice) -> torch.Tensor:
    """``[h_L; h_R; u_k]`` of the inner nodes ``rows``."""
    return torch.cat([h[left[k]], h[right[k]], u[rows]], dim=1)


def level_backward(u: torch.Tensor, h: torch.Tensor, weight: torch.Tensor, left: torch.Tensor,
                   right: torch.Tensor, level_sizes: tuple[int, ...], grad_h: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Backward pass of the level recursion, from the roots down to the leaves.

    ``grad_h`` is the gradient arriving at the node embeddings from outside (the head reads
    the roots).  Returns ``(G, du, dW_h, db_h)``: ``G[i]`` is the total derivative with
    respect to node ``i``'s embedding ``h_i`` (what the saliency needs), ``du`` the
    gradient of the ``u`` vectors.  Every node is read by exactly one parent, so each level
    costs work proportional to its own size.
    """
    d = u.shape[1]
    grad = grad_h.clone()
    du = torch.zeros_like(u)
    dw, db = torch.zeros_like(weight), torch.zeros_like(weight[:, 0])
    for rows, k in reversed(list(_level_steps(level_sizes))):
        g = grad[rows] * (h[rows] > 0)
        dw.addmm_(g.t(), _children_input(h, u, left, right, rows, k))
        db += g.sum(0)
        dx = g @ weight
        grad[left[k]] += dx[:, :d]
        grad[right[k]] += dx[:, d:2 * d]
        du[rows] = dx[:, 2 * d:]
    n_leaves = level_sizes[0]
    du[:n_leaves] = grad[:n_leaves]  # leaves: h = u
    return grad, du, dw, db


class _LevelRecursion(torch.autograd.Function):
    """``h`` of all nodes from ``u``, level by level, with the hand-written backward above.

    Autograd through indexed reads of a growing tensor would allocate a full-size gradient
    per level (quadratic in the tree height); :func:`level_backward` is linear.
    """

    @staticmethod
    def forward(ctx, u, weight, bias, left, right, level_sizes):
        h = u.clone()  # leaves keep h = u
        for rows, k in _level_steps(level_sizes):
            x = _children_input(h, u, left, right, rows, k)
            h[rows] = torch.relu(torch.addmm(bias, x, weight.t()))
        ctx.save_for_backward(u, h, weight, left, right)
        ctx.level_sizes = level_sizes
        return h

    @staticmethod
    def backward(ctx, grad_h):
        u, h, weight, left, right = ctx.saved_tensors
        _, du, dw, db = level_backward(u, h, weight, left, right, ctx.level_sizes, grad_h)
        return du, dw, db, None, None, None


class RecNN(nn.Module):
    """Simple (non-gated) RecNN jet embedding plus :class:`RecNNHead`."""

    def __init__(self, n_features: int = len(NODE_FEATURES), embed_dim: int = 70,
                 hidden: int = 70) -> None:
        super().__init__()
        self.n_features, self.embed_dim, self.hidden = n_features, embed_dim, hidden
        self.u = nn.Linear(n_features, embed_dim)
        self.h = nn.Linear(3 * embed_dim, embed_dim)
        self.head = RecNNHead(embed_dim, hidden)

    def propagate(self, batch: TreeBatch) -> torch.Tensor:
        """Embeddings of all nodes ``(n_nodes, embed_dim)`` in the batch's level order."""
        u = torch.relu(self.u(batch.features))
        return _LevelRecursion.apply(u, self.h.weight, self.h.bias, batch.left, batch.right,
                                     batch.level_sizes)

    def node_gradients(self, batch: TreeBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(n_jets,)`` and ``d logit / d h_i`` ``(n_nodes, embed_dim)`` of every node.

        The gradient of node ``i`` is that of its own jet's logit (jets are independent).
        """
        with torch.no_grad():
            u = torch.relu(self.u(batch.features))
            h = _LevelRecursion.apply(u, self.h.weight, self.h.bias, batch.left, batch.right,
                                      batch.level_sizes)
        roots = h[batch.roots].requires_grad_(True)
        with torch.enable_grad():
            logit = self.head(roots)
            (grad_roots,) = torch.autograd.grad(logit.sum(), roots)
        grad_h = torch.zeros_like(h).index_put_((batch.roots,), grad_roots)
        grad, *_ = level_backward(u, h, self.h.weight.detach(), batch.left, batch.right,
                                  batch.level_sizes, grad_h)
        return logit.detach(), grad

    def embed(self, batch: TreeBatch) -> torch.Tensor:
        """Jet embeddings (root nodes) ``(n_jets, embed_dim)``."""
        return self.propagate(batch)[batch.roots]

    def forward(self, batch: TreeBatch, return_hidden: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits ``(n_jets,)``; with ``return_hidden`` also [embedding, dense 1, dense 2]."""
        z = self.embed(batch)
        if not return_hidden:
            return self.head(z)
        logit, hidden = self.head(z, return_hidden=True)
        return logit, [z, *hidden]


def recursive_embedding(model: RecNN, trees: JetTrees, features: torch.Tensor,
                        jet: int) -> torch.Tensor:
    """Root embedding of one jet by plain recursion over its tree (reference implementation).

    ``features`` are the scaled features of all nodes of ``trees`` (global node order).
    """
    children = trees.children

    def embed(node: int) -> torch.Tensor:
        u = torch.relu(model.u(features[node]))
        left, right = children[node]
        if left < 0:
            return u
        return torch.relu(model.h(torch.cat([embed(left), embed(right), u])))

    return embed(int(trees.roots[jet]))


def recursive_logits(model: RecNN, inputs: TreeInputs, jets: np.ndarray) -> torch.Tensor:
    """Logits of the ``jets`` computed one jet at a time with :func:`recursive_embedding`."""
    z = torch.stack([recursive_embedding(model, inputs.trees, inputs.features, j) for j in jets])
    return model.head(z)


#: names of the representations returned by :func:`predict_tree`, input side first
LAYERS = ("embedding", "dense1", "dense2")


@torch.no_grad()
def predict_tree(model: RecNN, inputs: TreeInputs, batch_size: int = 2048
                 ) -> dict[str, np.ndarray]:
    """Logits and the :data:`LAYERS` representations of every jet, as float64 numpy arrays."""
    was_training = model.training
    model.eval()
    inputs = inputs.to(next(model.parameters()).device.type)
    parts: dict[str, list[torch.Tensor]] = {k: [] for k in ("logit", *LAYERS)}
    for start in range(0, len(inputs), batch_size):
        idx = np.arange(start, min(start + batch_size, len(inputs)))
        logit, hidden = model(inputs.batch(idx), return_hidden=True)
        for name, value in zip(("logit", *LAYERS), (logit, *hidden)):
            parts[name].append(value.cpu())
    model.train(was_training)
    return {k: torch.cat(v).double().numpy() for k, v in parts.items()}


def _run(model: RecNN, logits_of: Callable[[np.ndarray], torch.Tensor], jets: np.ndarray,
         batch_size: int, backward: bool) -> float:
    """Wall time of evaluating ``jets`` in mini-batches (optionally with backward)."""
    start = time.perf_counter()
    for i in range(0, len(jets), batch_size):
        logits = logits_of(jets[i:i + batch_size])
        if backward:
            logits.sum().backward()
    if next(model.parameters()).is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def evaluation_speed(model: RecNN, inputs: TreeInputs, jets: np.ndarray, batch_size: int = 64,
                     backward: bool = False) -> dict[str, float]:
    """Jets/s of the level-batched and the per-jet recursive pass over the same ``jets``
    (best of three batched runs, one recursive run) and their ratio ``speedup``."""
    inputs = inputs.to(next(model.parameters()).device.type)
    t_batched = min(_run(model, lambda j: model(inputs.batch(j)), jets, batch_size, backward)
                    for _ in range(3))
    t_recursive = _run(model, lambda j: recursive_logits(model, inputs, j), jets, batch_size,
                       backward)
    model.zero_grad(set_to_none=True)
    return {"batched": len(jets) / t_batched, "recursive": len(jets) / t_recursive,
            "speedup": t_recursive / t_batched}


# ----------------------------------------------------------------------- training recipe
#: architecture and training defaults (Louppe et al.; Cheng); profiles override them
