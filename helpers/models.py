"""The TopoDNN classifier and small utilities to evaluate any model on numpy arrays.

Models output one **logit** per jet (shape ``(N,)``); the sigmoid lives in the loss
(``BCEWithLogitsLoss``) and in :func:`predict_proba`.
"""

from __future__ import annotations

from typing import Callable, Literal

import numpy as np
import torch
from scipy.special import expit
from torch import nn

#: a numpy-in, numpy-out scoring function ``f(X) -> (N,)``
Scorer = Callable[[np.ndarray], np.ndarray]


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


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def predict_logits(model: nn.Module, X: np.ndarray, batch_size: int = 16384) -> np.ndarray:
    """Model output (logits) on a numpy array, in eval mode and batches; float64 ``(N,)``."""
    was_training = model.training
    model.eval()
    param = next(model.parameters())
    X = np.asarray(X)
    out = [
        model(torch.as_tensor(X[i : i + batch_size], dtype=param.dtype, device=param.device)).reshape(-1).cpu()
        for i in range(0, len(X), batch_size)
    ]
    model.train(was_training)
    if not out:
        return np.zeros(0)
    return torch.cat(out).double().numpy()


def predict_proba(model: nn.Module, X: np.ndarray, batch_size: int = 16384) -> np.ndarray:
    """Signal probability ``sigmoid(logit)``, float64 ``(N,)``."""
    return expit(predict_logits(model, X, batch_size))


def as_scorer(
    model: nn.Module | Scorer, output: Literal["logit", "proba"] = "logit", batch_size: int = 16384
) -> Scorer:
    """Turn a torch model into a numpy scorer (logit by default); callables pass through."""
    if not isinstance(model, nn.Module):
        return model
    if output == "logit":
        return lambda X: predict_logits(model, X, batch_size)
    if output == "proba":
        return lambda X: predict_proba(model, X, batch_size)
    raise ValueError(f"output must be 'logit' or 'proba', got {output!r}")
