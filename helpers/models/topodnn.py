"""The TopoDNN classifier (Pearkes et al. arXiv:1704.02124; Khot et al. arXiv:2210.04371)."""

from __future__ import annotations

import torch
from torch import nn


class TopoDNN(nn.Module):
    """Fully connected ReLU network of Pearkes et al. / Khot et al.

    ``linears`` holds the ``nn.Linear`` layers (input to output) and ``activations`` one
    ``nn.ReLU`` module per hidden layer, so layer-wise methods (LRP, activation patterns)
    can walk the network.  The last layer has no activation: the output is a logit.
    """

    def __init__(self, n_inputs: int = 90, hidden: tuple[int, ...] = (300, 102, 12, 6)) -> None:
        super().__init__()
        self.n_inputs = n_inputs
        self.hidden = tuple(hidden)
        sizes = (n_inputs, *self.hidden, 1)
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activations = nn.ModuleList(nn.ReLU() for _ in self.hidden)

    def forward(
        self, x: torch.Tensor, return_activations: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits ``(N,)``; with ``return_activations`` also the post-ReLU output of every
        hidden layer (list of ``(N, hidden[k])`` tensors)."""
        acts = []
        for linear, act in zip(self.linears[:-1], self.activations):
            x = act(linear(x))
            acts.append(x)
        logit = self.linears[-1](x).squeeze(-1)
        return (logit, acts) if return_activations else logit

    def config(self) -> dict:
        """JSON-serialisable description of the architecture (for cache keys)."""
        return {"arch": "TopoDNN", "n_inputs": self.n_inputs, "hidden": list(self.hidden)}
