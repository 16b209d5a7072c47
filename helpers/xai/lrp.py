"""Layer-wise relevance propagation (LRP) for ReLU MLPs built from ``nn.Linear`` layers.

The relevance of the output logit ``f(x)`` is redistributed layer by layer down to the
inputs.  For a linear layer with inputs ``a_j``, (modified) weights ``w'_jk`` and bias ``b'_k``,

    z_k = sum_j a_j w'_jk + b'_k,      R_j = a_j sum_k w'_jk R_k / (z_k + eps sign(z_k)).

Rules (Montavon et al., "Layer-wise relevance propagation: an overview", 2019):

- ``epsilon``: ``w' = w``, ``b' = b``;
- ``gamma``:   ``w' = w + gamma w^+``, ``b' = b + gamma b^+`` (favours positive contributions);
- ``zplus``:   ``w' = w^+``, ``b' = 0`` (the ``gamma -> inf`` limit);
- ``zB`` (input layer only, inputs bounded by ``low <= x <= high``): the contribution of
  input ``j`` to neuron ``k`` is ``x_j w_jk - low_j w^+_jk - high_j w^-_jk``, non-negative
  for any sign of ``x``; the layer conserves relevance exactly (no bias absorbs any);
- ``flat`` (input layer only): each neuron shares its relevance equally among the inputs
  it is connected to (conserving; ignores the input values).

The **composite** practitioners use (Montavon et al., 2019, Sec. 10.2 and Kohlbrenner et al.,
2020) is :func:`composite_rules`: ``epsilon`` near the output, ``gamma`` in the middle and a
rule for bounded or signed inputs (``zB``, or ``flat``) at the input layer.

With ``epsilon -> 0`` every layer's rule is exact Taylor redistribution and LRP equals
**gradient x input** for a ReLU network, biases included (the relevance of a neuron is its
pre-activation times the gradient of the logit with respect to it, by induction from the
output); ``tests/test_xai.py`` checks this.

ReLUs pass relevance through unchanged.  **Conservation**: a layer conserves
``sum_j R_j = sum_k R_k z'_k / (z_k + eps sign(z_k))`` with ``z'_k = z_k - b'_k``, so with zero
biases and ``eps -> 0`` the input relevances of a jet sum exactly to ``f(x)``; otherwise each
neuron's bias absorbs the share ``b'_k / z_k`` of its relevance and ``eps`` absorbs a bit more.
Relevances are positive where a feature pushes the logit towards signal.  ``gamma`` and
``zplus`` are designed for layers with non-negative inputs (the hidden ReLU layers); at the
input layer, where eta and phi can be negative, they lose their positivity guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import torch
from torch import nn

RuleName = Literal["epsilon", "gamma", "zplus", "zB", "flat"]
#: rules valid only at the input layer
INPUT_RULES = ("zB", "flat")


@dataclass(frozen=True)
class Rule:
    """One propagation rule with its parameters."""

    name: RuleName = "epsilon"
    epsilon: float = 1e-9
    gamma: float = 0.25
    #: ``zB``: the inputs' lower and upper bounds, one value each or one per input
    low: float | tuple[float, ...] | None = None
    high: float | tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.name not in ("epsilon", "gamma", "zplus", *INPUT_RULES):
            raise ValueError(f"unknown LRP rule {self.name!r}")
        if self.name == "zB" and (self.low is None or self.high is None):
            raise ValueError("the zB rule needs the inputs' bounds low and high")


def composite_rules(n_layers: int, input_rule: Rule | str = "flat", n_epsilon: int = 2,
                    gamma: float = 0.25, epsilon: float = 1e-9) -> list[Rule]:
    """The usual composite, input to output: ``input_rule`` at the input layer (``zB`` for
    bounded inputs, ``flat`` for signed ones without bounds), ``gamma`` in the middle and
    ``epsilon`` in the last ``n_epsilon`` layers."""
    if n_layers < 2:
        raise ValueError(f"a composite needs at least two layers, got {n_layers}")
    first = input_rule if isinstance(input_rule, Rule) else Rule(input_rule, epsilon, gamma)
    n_eps = min(n_epsilon, n_layers - 1)
    return ([first] + [Rule("gamma", epsilon, gamma)] * (n_layers - 1 - n_eps)
            + [Rule("epsilon", epsilon, gamma)] * n_eps)


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The ``nn.Linear`` layers of a ReLU MLP, input to output.

    Accepts a model with a ``linears`` attribute (:class:`helpers.models.TopoDNN`) or an
    ``nn.Sequential`` alternating ``Linear`` and ``ReLU`` and ending with a ``Linear``.
    """
    if hasattr(model, "linears"):
        return list(model.linears)
    if isinstance(model, nn.Sequential):
        mods = list(model)
        ok = len(mods) % 2 == 1 and all(
            isinstance(m, nn.Linear if i % 2 == 0 else nn.ReLU) for i, m in enumerate(mods)
        )
        if ok:
            return mods[::2]
    raise TypeError("LRP needs a TopoDNN-like model or nn.Sequential(Linear, ReLU, ..., Linear)")


def _resolve_rules(
    rules: str | Rule | Sequence[str | Rule], n_layers: int, epsilon: float, gamma: float
) -> list[Rule]:
    """One :class:`Rule` per layer (strings take the function-level ``epsilon``/``gamma``)."""
    if isinstance(rules, (str, Rule)):
        rules = [rules] * n_layers
    if len(rules) != n_layers:
        raise ValueError(f"need one rule per linear layer ({n_layers}), got {len(rules)}")
    resolved = [r if isinstance(r, Rule) else Rule(r, epsilon, gamma) for r in rules]
    misplaced = [i for i, r in enumerate(resolved) if r.name in INPUT_RULES and i > 0]
    if misplaced:
        raise ValueError(f"rules {', '.join(INPUT_RULES)} apply to the input layer only "
                         f"(given for layer(s) {misplaced})")
    return resolved


def _modified_params(layer: nn.Linear, rule: Rule, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights ``(out, in)`` and bias ``(out,)`` as modified by ``rule``."""
    w = layer.weight.detach().to("cpu", dtype)
    b = layer.bias.detach().to("cpu", dtype) if layer.bias is not None else torch.zeros(len(w), dtype=dtype)
    if rule.name == "gamma":
        return w + rule.gamma * w.clamp(min=0), b + rule.gamma * b.clamp(min=0)
    if rule.name == "zplus":
        return w.clamp(min=0), torch.zeros_like(b)
    return w, b


def _propagate(a: torch.Tensor, R: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
               eps: float) -> torch.Tensor:
    """Relevance of the layer inputs ``a`` given the relevance ``R`` of its outputs."""
    z = a @ w.T + b
    den = z + eps * torch.where(z >= 0, 1.0, -1.0).to(z.dtype)
    s = torch.where(den != 0, R / torch.where(den != 0, den, 1.0), 0.0)
    return a * (s @ w)


def _propagate_input(X: torch.Tensor, R: torch.Tensor, layer: nn.Linear, rule: Rule) -> torch.Tensor:
    """The ``zB`` or ``flat`` rule at the input layer (both conserve relevance exactly)."""
    w = layer.weight.detach().to("cpu", X.dtype)
    if rule.name == "flat":
        ones = (w != 0).to(X.dtype)  # the inputs each neuron is connected to
        share = R / ones.sum(dim=1).clamp(min=1)
        return share @ ones
    low = torch.as_tensor(rule.low, dtype=X.dtype).expand(X.shape[1])
    high = torch.as_tensor(rule.high, dtype=X.dtype).expand(X.shape[1])
    if torch.any(X < low - 1e-12) or torch.any(X > high + 1e-12):
        raise ValueError("inputs outside the zB rule's bounds [low, high]")
    wp, wn = w.clamp(min=0), w.clamp(max=0)
    z = X @ w.T - low @ wp.T - high @ wn.T
    den = z + rule.epsilon * torch.where(z >= 0, 1.0, -1.0).to(z.dtype)
    s = torch.where(den != 0, R / torch.where(den != 0, den, 1.0), 0.0)
    return X * (s @ w) - low * (s @ wp) - high * (s @ wn)


@torch.no_grad()
def _lrp_batch(layers: list[nn.Linear], rules: list[Rule], X: torch.Tensor) -> torch.Tensor:
    plain = [_modified_params(layer, Rule(), X.dtype) for layer in layers]
    acts = [X]
    for w, b in plain[:-1]:
        acts.append((acts[-1] @ w.T + b).clamp(min=0))
    w, b = plain[-1]
    R = acts[-1] @ w.T + b  # relevance of the output layer: the logit, (n, 1)
    for layer, rule, a in zip(reversed(layers), reversed(rules), reversed(acts)):
        if rule.name in INPUT_RULES:
            R = _propagate_input(a, R, layer, rule)
        else:
            R = _propagate(a, R, *_modified_params(layer, rule, X.dtype), rule.epsilon)
    return R


def lrp(
    model: nn.Module,
    X: np.ndarray,
    rules: str | Rule | Sequence[str | Rule] = "epsilon",
    epsilon: float = 1e-9,
    gamma: float = 0.25,
    batch_size: int = 8192,
    dtype: torch.dtype = torch.float64,
) -> np.ndarray:
    """``(n, d)`` LRP relevances of the output logit for the rows of ``X``.

    ``rules`` is one rule for every layer or a list with one rule per ``nn.Linear`` layer,
    ordered from the input layer to the output layer, e.g.
    ``['gamma', 'gamma', 'epsilon', 'epsilon', 'epsilon']``.  Computed in ``dtype`` (float64
    by default) on the CPU, in batches of ``batch_size`` jets.
    """
    layers = linear_layers(model)
    resolved = _resolve_rules(rules, len(layers), epsilon, gamma)
    X = np.asarray(X)
    out = [
        _lrp_batch(layers, resolved, torch.as_tensor(X[i : i + batch_size], dtype=dtype))
        for i in range(0, len(X), batch_size)
    ]
    return torch.cat(out).numpy() if out else np.zeros((0, X.shape[1]))


def mean_behaviour_relevance(model: nn.Module, X_mean: np.ndarray, **lrp_kwargs) -> np.ndarray:
    """``(d,)`` LRP relevance of the all-means input ``X_mean`` (same options as :func:`lrp`)."""
    return lrp(model, np.asarray(X_mean)[None, :], **lrp_kwargs)[0]
