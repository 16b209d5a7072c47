"""Decision ordering between taggers, and the black-box-guided search for the observables
that reproduce a network's decisions (Faucett, Thaler, Whiteson, arXiv:2010.11998).

Two taggers ``f`` and ``g`` *order* a signal–background pair ``(s, b)`` the same way when
``f(s) - f(b)`` and ``g(s) - g(b)`` have the same sign.  The decision ordering of the pair is

    DO(s, b) = (1 + sign(f(s) - f(b)) * sign(g(s) - g(b))) / 2,

1 for the same order, 0 for the opposite one and 1/2 when either tagger ties the pair (as
a tie counts half in an AUC).  The **average decision ordering** ``ADO(f, g)`` averages it
over all signal–background pairs: 1 for taggers that are monotone functions of each other,
0 for reversed ones, about 1/2 for unrelated ones.  With the truth label as ``g`` it is the
AUC of ``f``.

:func:`ado` counts the concordant pairs by ranks in ``O(n log^2 n)`` (a merge-sort tree, no
loop over pairs), exactly.  The guided search (:func:`guided_search`) works on a sample of
pairs (:func:`sample_pairs`): at every step it adds the candidate observable that best
orders the pairs which the current simple model orders differently from the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..metrics import auc


# ----------------------------------------------------------------------------- exact ADO
def _dominance(fs: np.ndarray, gs: np.ndarray, fb: np.ndarray, gb: np.ndarray) -> int:
    """``sum_s #{b : fb < fs and gb < gs}`` (strict in both), by a merge-sort tree.

    Background sorted by ``f``: the ``b`` with ``fb < fs`` are a prefix of length ``k_s``.
    The prefix splits into at most ``log2 n`` aligned blocks, one per set bit of ``k_s``;
    each level of the tree holds its blocks sorted by the rank of ``g``, keyed
    ``block * R + rank`` so that one global ``searchsorted`` per level counts, inside each
    query's block, the ``g`` ranks below the query's.
    """
    n_b = len(fb)
    if n_b == 0 or len(fs) == 0:
        return 0
    order = np.argsort(fb, kind="stable")
    k = np.searchsorted(fb[order], fs, side="left")
    ranks = np.unique(np.concatenate([gs, gb]), return_inverse=True)[1].astype(np.int64)
    r_s, r_b = ranks[: len(gs)], ranks[len(gs):][order]
    R = int(ranks.max()) + 1
    position = np.arange(n_b, dtype=np.int64)
    total = 0
    for level in range(int(n_b).bit_length()):
        width = 1 << level
        use = (k >> level) & 1 == 1
        if not use.any():
            continue
        keys = np.sort(position // width * R + r_b)
        block = (k[use] >> (level + 1)) << 1  # the block of width 2**level starting at
        start = block * width                 # (k >> (level + 1)) << (level + 1)
        total += int((np.searchsorted(keys, block * R + r_s[use], side="left") - start).sum())
    return total


def ado(f: np.ndarray, g: np.ndarray, labels: np.ndarray) -> float:
    """Average decision ordering of taggers ``f`` and ``g`` over every pair of a signal
    (``labels == 1``) and a background jet, counted by ranks (see the module notes)."""
    f, g, y = np.asarray(f, float), np.asarray(g, float), np.asarray(labels).astype(bool)
    if f.shape != g.shape or f.shape != y.shape:
        raise ValueError(f"ado: f {f.shape}, g {g.shape} and labels {y.shape} differ in shape")
    fs, gs, fb, gb = f[y], g[y], f[~y], g[~y]
    n_pairs = len(fs) * len(fb)
    if n_pairs == 0:
        raise ValueError("ado: needs at least one signal and one background jet")
    same = _dominance(fs, gs, fb, gb) + _dominance(-fs, -gs, -fb, -gb)
    opposite = _dominance(fs, -gs, fb, -gb) + _dominance(-fs, gs, -fb, gb)
    return 0.5 + (same - opposite) / (2.0 * n_pairs)


def ado_brute_force(f: np.ndarray, g: np.ndarray, labels: np.ndarray) -> float:
    """The same average by an explicit loop over the pairs (the reference for tests)."""
    y = np.asarray(labels).astype(bool)
    total, n = 0.0, 0
    for i in np.flatnonzero(y):
        for j in np.flatnonzero(~y):
            total += (1 + np.sign(f[i] - f[j]) * np.sign(g[i] - g[j])) / 2
            n += 1
    return total / n


# ----------------------------------------------------------------------------- pairs
@dataclass(frozen=True)
class Pairs:
    """Signal–background pairs: indices ``signal[p]`` and ``background[p]`` into the jets."""

    signal: np.ndarray
    background: np.ndarray

    def __len__(self) -> int:
        return len(self.signal)

    def sign(self, score: np.ndarray) -> np.ndarray:
        """``sign(score[s] - score[b])`` per pair (``(P,)``, or ``(P, K)`` for ``(n, K)``)."""
        return np.sign(score[self.signal] - score[self.background])

    def subset(self, keep: np.ndarray) -> Pairs:
        return Pairs(self.signal[keep], self.background[keep])


def sample_pairs(labels: np.ndarray, n_pairs: int, seed: int = 0) -> Pairs:
    """Every signal–background pair when there are at most ``n_pairs``, else ``n_pairs``
    drawn uniformly (with replacement)."""
    y = np.asarray(labels).astype(bool)
    sig, bkg = np.flatnonzero(y), np.flatnonzero(~y)
    if len(sig) * len(bkg) <= n_pairs:
        s, b = np.meshgrid(sig, bkg, indexing="ij")
        return Pairs(s.ravel(), b.ravel())
    rng = np.random.default_rng(seed)
    return Pairs(rng.choice(sig, n_pairs), rng.choice(bkg, n_pairs))


def pair_ado(network_sign: np.ndarray, candidates: np.ndarray, pairs: Pairs,
             chunk: int = 65536) -> np.ndarray:
    """ADO of each candidate column of ``candidates (n, K)`` with the network on ``pairs``,
    given the network's ``pairs.sign`` (``(K,)``; chunked over pairs to bound memory)."""
    total = np.zeros(candidates.shape[1])
    for i in range(0, len(pairs), chunk):
        part = pairs.subset(slice(i, i + chunk))
        total += network_sign[i : i + chunk].astype(np.float32) @ part.sign(candidates).astype(np.float32)
    return 0.5 + total / (2.0 * max(len(pairs), 1))


# ----------------------------------------------------------------------------- the search
@dataclass
class SearchResult:
    """The guided search for one network: the candidates chosen, in order, and after each
    step the simple model's ADO with the network and its AUC on the evaluation jets."""

    chosen: list[int]
    names: list[str]
    ado: list[float]
    auc: list[float]
    network_auc: float
    #: +1 / -1: the orientation each chosen candidate entered with (-1: lower = signal-like)
    orientation: list[int] = field(default_factory=list)
    #: steps that raised the ADO by at least the search's ``min_gain``
    n_useful: int = 0
    #: the simple model fitted at each step (on the oriented chosen observables)
    models: list = field(default_factory=list, repr=False)
    #: what the simple model was fitted to (one of :data:`TARGETS`)
    target: str = "network"

    @property
    def final_ado(self) -> float:
        return self.ado[self.n_useful - 1] if self.n_useful else float("nan")

    @property
    def final_auc(self) -> float:
        return self.auc[self.n_useful - 1] if self.n_useful else float("nan")

    def translation(self) -> Callable[[np.ndarray], np.ndarray]:
        """The simple model of the useful steps as a score of a ``(n, n_useful)`` array of
        the chosen observables, raw (not oriented), in the order chosen — e.g. the same
        observables recomputed on modified jets."""
        if not self.n_useful:
            raise ValueError("translation: the search has no useful step")
        model = self.models[self.n_useful - 1]
        orient = np.asarray(self.orientation[: self.n_useful], float)

        def score(X: np.ndarray) -> np.ndarray:
            X = np.asarray(X, float)
            if X.ndim != 2 or X.shape[1] != len(orient):
                raise ValueError(f"translation: expected (n, {len(orient)}) observables, "
                                 f"got {X.shape}")
            return _score(model, X * orient, self.target)

        return score


#: what the simple model is fitted to: the network's score (a translation that follows the
#: network, its mistakes included) or the truth labels (the best tagger on those observables)
TARGETS = ("network", "labels")


def _simple_model(X_fit: np.ndarray, target: np.ndarray, kind: str):
    """The simple model on the chosen observables: each one mapped monotonically onto a
    normal distribution (quantiles of the fit jets), then a linear model — a least-squares
    fit of the network's score (``kind="network"``) or a logistic regression on the truth
    labels (``kind="labels"``).  A linear model of observables a physicist can read is
    itself readable; ``decision_function``/``predict`` give its score."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    n_q = int(min(1000, len(X_fit)))
    head = Ridge(alpha=1e-3) if kind == "network" else LogisticRegression(C=10.0, max_iter=2000)
    return make_pipeline(QuantileTransformer(n_quantiles=n_q, output_distribution="normal"),
                         head).fit(X_fit, target)


def _score(model, X: np.ndarray, kind: str) -> np.ndarray:
    return model.predict(X) if kind == "network" else model.decision_function(X)


def guided_search(network: np.ndarray, candidates: np.ndarray, labels: np.ndarray,
                  names: Sequence[str], fit: np.ndarray, evaluate: np.ndarray, *,
                  max_steps: int = 6, n_pairs: int = 200_000, min_gain: float = 0.002,
                  target: str = "network", seed: int = 0) -> SearchResult:
    """Black-box-guided search of Faucett et al. for one network.

    ``network (n,)`` is the network's score and ``candidates (n, K)`` the observables offered
    (EFPs and classic ones) on the same ``n`` jets; ``fit`` and ``evaluate`` index the jets
    that choose and those that report.  Each candidate is first oriented so that its ADO with
    the network on the fit pairs is at least 1/2.  Step 1 takes the candidate of largest
    ADO; step ``k`` fits the simple model (:func:`_simple_model`, to the network's score or
    to the truth labels: ``target``, one of :data:`TARGETS`) on the chosen ones, finds
    the fit pairs it orders differently from the network (DO = 0), and adds the candidate of
    largest ADO with the network *on those pairs*.  ``n_useful`` counts the steps before the
    first that raises the evaluation ADO by less than ``min_gain``.
    """
    if target not in TARGETS:
        raise ValueError(f"guided_search: target {target!r} is not one of {TARGETS}")
    network, y = np.asarray(network, float), np.asarray(labels).astype(int)
    X = np.asarray(candidates, float)
    if X.shape[0] != len(network) or len(names) != X.shape[1]:
        raise ValueError(f"guided_search: {X.shape} candidates for {len(network)} jets and "
                         f"{len(names)} names")
    if not np.isfinite(X).all():
        bad = [names[k] for k in np.flatnonzero(~np.isfinite(X).all(axis=0))]
        raise ValueError(f"guided_search: non-finite values in candidates {bad[:5]}")
    pairs_local = sample_pairs(y[fit], n_pairs, seed)
    pairs = Pairs(fit[pairs_local.signal], fit[pairs_local.background])
    net_sign = pairs.sign(network)
    orient = np.where(pair_ado(net_sign, X, pairs) >= 0.5, 1.0, -1.0)
    X = X * orient
    net_eval_auc = auc(y[evaluate], network[evaluate])
    chosen: list[int] = []
    result = SearchResult([], [], [], [], float(net_eval_auc), target=target)
    active = pairs
    active_sign = net_sign
    fit_target = network[fit] if target == "network" else y[fit]
    for _ in range(min(max_steps, X.shape[1])):
        scores = pair_ado(active_sign, X, active)
        scores[chosen] = -np.inf
        best = int(np.argmax(scores))
        chosen.append(best)
        model = _simple_model(X[fit][:, chosen], fit_target, target)
        g = _score(model, X[:, chosen], target)
        result.models.append(model)
        result.chosen.append(best)
        result.names.append(names[best])
        result.orientation.append(int(orient[best]))
        result.ado.append(float(ado(network[evaluate], g[evaluate], y[evaluate])))
        result.auc.append(float(auc(y[evaluate], g[evaluate])))
        disordered = net_sign * pairs.sign(g) < 0
        if not disordered.any():
            break
        active, active_sign = pairs.subset(disordered), net_sign[disordered]
    gains = np.diff([0.5, *result.ado])
    small = np.flatnonzero(gains < min_gain)
    result.n_useful = int(small[0]) if len(small) else len(result.ado)
    return result
