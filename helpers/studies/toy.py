"""Exact small examples of chapter 2: models where every attribution is known in closed form.

:class:`LinearToy` -- ``f(x) = w.x + b`` on two Gaussian classes ``N(mu_sig, cov)`` and
``N(mu_bkg, cov)`` (balanced).  With ``m`` the population mean:

- Shapley value = differential relevance = ``w_k (x_k - m_k)``;
- LRP-epsilon (``epsilon -> 0``) = ``w_k x_k`` for any bias; mean-behaviour relevance
  ``w_k m_k``; so LRP = mean behaviour + differential relevance exactly;
- the score is Gaussian in each class, so ``AUC = Phi(w.(mu_sig - mu_bkg) / sqrt(2 w' cov w))``
  and occluding ``x_k`` (a constant) is the same formula with ``w_k = 0``.

:class:`BilinearToy` -- ``f(x) = a_1 x_1 + a_2 x_2 + c x_1 x_2`` with correlated Gaussian
inputs (means ``m``, widths ``s``, correlation ``rho``).  The interaction ``c`` and the
correlation together break the first-order decomposition:

- differential relevances ``D_1 = (x_1 - m_1)(a_1 + c x_2)``, ``D_2 = (x_2 - m_2)(a_2 + c x_1)``;
- their sum exceeds ``f(x) - f(m)`` by ``c (x_1 - m_1)(x_2 - m_2)``, on average by the
  covariance term ``c rho s_1 s_2``;
- the mean output is ``E f = f(m) + c rho s_1 s_2``: "all features at their mean" is the
  average behaviour only for uncorrelated inputs;
- interventional Shapley values against a background with moments ``(m_1, m_2, m_12 = E x_1 x_2)``
  are ``phi_1 = a_1 (x_1 - m_1) + c/2 [x_1 m_2 - m_12 + (x_1 - m_1) x_2]`` (and 1 <-> 2); they
  always sum to ``f(x) - E_background f`` (efficiency).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm
from torch import nn

from ..xai.differential import differential_relevance
from ..xai.exact import exact_shapley
from ..xai.lrp import lrp, mean_behaviour_relevance
from ..xai.occlusion import delta_auc
from ..xai.shap_kernel import kernel_shap


def linear_model(w: np.ndarray, bias: float = 0.0) -> nn.Sequential:
    """``f(x) = w.x + bias`` as a one-layer float64 torch model."""
    layer = nn.Linear(len(w), 1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(np.asarray(w, dtype=float))[None])
        layer.bias.fill_(bias)
    return nn.Sequential(layer)


@dataclass(frozen=True)
class LinearToy:
    """A linear score on two Gaussian classes with a shared covariance."""

    w: np.ndarray
    bias: float
    mu_sig: np.ndarray
    mu_bkg: np.ndarray
    cov: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Population mean of the balanced mixture."""
        return 0.5 * (np.asarray(self.mu_sig) + np.asarray(self.mu_bkg))

    def model(self) -> nn.Sequential:
        return linear_model(self.w, self.bias)

    def sample(self, n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` with ``n_per_class`` jets per class, in random order."""
        rng = np.random.default_rng(seed)
        X = np.concatenate([rng.multivariate_normal(mu, self.cov, n_per_class)
                            for mu in (self.mu_sig, self.mu_bkg)])
        order = rng.permutation(2 * n_per_class)
        return X[order], np.repeat([1, 0], n_per_class)[order]

    def shapley(self, X: np.ndarray) -> np.ndarray:
        """Shapley values (= differential relevances) ``w_k (x_k - m_k)``."""
        return np.asarray(self.w) * (np.asarray(X) - self.mean)

    def lrp(self, X: np.ndarray) -> np.ndarray:
        """LRP-epsilon relevances ``w_k x_k`` (the bias keeps its own share)."""
        return np.asarray(self.w) * np.asarray(X)

    def mean_behaviour(self) -> np.ndarray:
        """LRP of the mean input, ``w_k m_k``."""
        return np.asarray(self.w) * self.mean

    def auc(self, keep: np.ndarray | None = None) -> float:
        """Population AUC of the score using only the features where ``keep`` is True."""
        w = np.asarray(self.w, dtype=float) * (True if keep is None else np.asarray(keep))
        delta = np.asarray(self.mu_sig) - np.asarray(self.mu_bkg)
        return float(norm.cdf(w @ delta / np.sqrt(2.0 * w @ np.asarray(self.cov) @ w)))

    def delta_auc(self) -> np.ndarray:
        """Population Delta-AUC of occluding each feature (replacing it by a constant)."""
        d = len(self.w)
        return np.array([self.auc() - self.auc(np.arange(d) != k) for k in range(d)])


@dataclass(frozen=True)
class BilinearToy:
    """``f = a_1 x_1 + a_2 x_2 + c x_1 x_2`` on a correlated bivariate Gaussian."""

    a: tuple[float, float]
    c: float
    m: tuple[float, float]
    s: tuple[float, float]
    rho: float

    @property
    def cov(self) -> np.ndarray:
        s1, s2 = self.s
        return np.array([[s1**2, self.rho * s1 * s2], [self.rho * s1 * s2, s2**2]])

    def f(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return self.a[0] * X[:, 0] + self.a[1] * X[:, 1] + self.c * X[:, 0] * X[:, 1]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        return np.random.default_rng(seed).multivariate_normal(self.m, self.cov, n)

    def differential(self, X: np.ndarray) -> np.ndarray:
        """``(n, 2)`` differential relevances against the population mean ``m``."""
        x1, x2 = np.asarray(X, dtype=float).T
        (m1, m2), (a1, a2) = self.m, self.a
        return np.stack([(x1 - m1) * (a1 + self.c * x2), (x2 - m2) * (a2 + self.c * x1)], axis=1)

    def completeness_gap(self, X: np.ndarray) -> np.ndarray:
        """``sum_k D_k - (f(x) - f(m))`` per row: ``c (x_1 - m_1)(x_2 - m_2)``."""
        x1, x2 = np.asarray(X, dtype=float).T
        return self.c * (x1 - self.m[0]) * (x2 - self.m[1])

    def mean_gap(self) -> float:
        """Population mean of :meth:`completeness_gap`, also ``E f - f(m)``: ``c rho s_1 s_2``."""
        return self.c * self.rho * self.s[0] * self.s[1]

    def shapley(self, X: np.ndarray, background: np.ndarray) -> np.ndarray:
        """``(n, 2)`` interventional Shapley values against the rows of ``background``."""
        x1, x2 = np.asarray(X, dtype=float).T
        b = np.asarray(background, dtype=float)
        m1, m2, m12 = b[:, 0].mean(), b[:, 1].mean(), (b[:, 0] * b[:, 1]).mean()
        a1, a2 = self.a
        phi1 = a1 * (x1 - m1) + 0.5 * self.c * (x1 * m2 - m12 + (x1 - m1) * x2)
        phi2 = a2 * (x2 - m2) + 0.5 * self.c * (x2 * m1 - m12 + (x2 - m2) * x1)
        return np.stack([phi1, phi2], axis=1)


def linear_toy_comparison(toy: LinearToy, X: np.ndarray, y: np.ndarray, background: np.ndarray,
                          n_explain: int = 200, nsamples: int = 200, seed: int = 0) -> pd.DataFrame:
    """Every attribution helper on the linear toy against its closed form.

    One row per method: the mean ``|attribution|`` per feature from the helper over the first
    ``n_explain`` rows of ``X``, and the largest per-row deviation from the closed form.
    References: the population mean for exact Shapley values, differential relevance and
    mean behaviour; the background's mean for KernelSHAP.  Delta-AUC uses all of ``(X, y)``
    and is compared with the population value, so its deviation is the statistical error
    of the finite sample (``~ 1/sqrt(n)``), not a numerical one.
    """
    model, w, m = toy.model(), np.asarray(toy.w), toy.mean
    X_all, X = X, X[:n_explain]
    R = lrp(model, X, epsilon=1e-12)
    pairs = {
        "exact Shapley (mean baseline)": (exact_shapley(model, X, m), toy.shapley(X)),
        f"KernelSHAP ({nsamples} coalitions)": (kernel_shap(model, X, background, nsamples, seed),
                                                w * (X - background.mean(axis=0))),
        "differential relevance": (differential_relevance(model, X, m), toy.shapley(X)),
        "LRP-ε": (R, toy.lrp(X)),
        "LRP-ε − mean behaviour": (R - mean_behaviour_relevance(model, m, epsilon=1e-12),
                                   toy.shapley(X)),
    }
    rows = {name: {**{f"x{k + 1}": v for k, v in enumerate(np.abs(h).mean(axis=0))},
                   "max |helper − closed form|": np.abs(h - c).max()}
            for name, (h, c) in pairs.items()}
    dauc = delta_auc(model, X_all, y)
    rows["ΔAUC"] = {**{f"x{k + 1}": v for k, v in enumerate(dauc)},
                    "max |helper − closed form|": np.abs(dauc - toy.delta_auc()).max()}
    return pd.DataFrame(rows).T


def completeness_gap_scan(toy: BilinearToy, rhos: Sequence[float], n: int = 20000,
                          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``sum_k D_k - (f(x) - f(m))`` over ``n`` samples for each correlation ``rho``,
    with :func:`~helpers.xai.differential_relevance` (measured) and in closed form."""
    measured, closed = [], []
    for rho in rhos:
        t = dataclasses.replace(toy, rho=float(rho))
        X = t.sample(n, seed)
        D = differential_relevance(t.f, X, np.asarray(t.m, dtype=float))
        measured.append(np.mean(D.sum(axis=1) - (t.f(X) - t.f(np.asarray([t.m], dtype=float)))))
        closed.append(t.mean_gap())
    return np.array(measured), np.array(closed)


def shapley_errors(toy: BilinearToy, n: int = 2000, n_background: int = 100, n_explain: int = 10,
                   nsamples: int = 10, seed: int = 0) -> dict[str, float]:
    """Largest deviation from the closed-form Shapley values of exact enumeration and of
    KernelSHAP (``nsamples`` coalitions) on the bilinear toy: ``n`` samples, the first
    ``n_background`` as background, the next ``n_explain`` explained."""
    X = toy.sample(n, seed=seed)
    background, X_explain = X[:n_background], X[n_background:n_background + n_explain]
    closed = toy.shapley(X_explain, background)
    exact = exact_shapley(toy.f, X_explain, background)
    kernel = kernel_shap(toy.f, X_explain, background, nsamples=nsamples, seed=seed)
    return {"exact Shapley": float(np.abs(exact - closed).max()),
            "KernelSHAP": float(np.abs(kernel - closed).max())}
