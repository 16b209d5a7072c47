"""Utilities to evaluate any classifier on numpy arrays.

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
        model(torch.as_tensor(X[i : i + batch_size], dtype=param.dtype, device=param.device))
        .reshape(-1).cpu()
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
