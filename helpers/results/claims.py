"""Sentences that follow the numbers: comparisons stated only when the measurements say so.

A :class:`Measurement` is a value with its spread (the sample standard deviation over
training seeds, or a bootstrap over jets where there is a single seed).  :func:`compare` turns
two of them into a sentence: the comparative one when the difference exceeds ``n_sigma`` times
the combined spread ``sqrt(s_a^2 + s_b^2)``, else one saying that the two are
indistinguishable at this statistics.  The same prose is then true on every profile and data
source: the sentence is recomputed by each run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class Measurement:
    """A measured value and its spread (``nan``: unknown)."""

    value: float
    spread: float = float("nan")
    #: how many runs (seeds) or jets the value rests on
    n: int | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Measurement:
        """Mean and sample standard deviation of repeated measurements (seeds)."""
        v = np.asarray(values, dtype=float)
        spread = float(v.std(ddof=1)) if v.size > 1 else float("nan")
        return cls(float(v.mean()), spread, int(v.size))

    def text(self, fmt: str = "{:.3f}") -> str:
        """``'0.945 ± 0.003'`` (just the value without a spread; a ``+`` in ``fmt`` signs the
        value only)."""
        if math.isnan(self.spread):
            return fmt.format(self.value)
        return f"{fmt.format(self.value)} ± {fmt.replace('+', '').format(self.spread)}"


def combined_spread(a: Measurement, b: Measurement) -> float:
    """``sqrt(s_a^2 + s_b^2)``; an unknown spread counts as 0 when the other is known, and
    the result is ``nan`` when both are unknown."""
    if math.isnan(a.spread) and math.isnan(b.spread):
        return float("nan")
    return math.hypot(0.0 if math.isnan(a.spread) else a.spread,
                      0.0 if math.isnan(b.spread) else b.spread)


def clear_difference(a: Measurement, b: Measurement, n_sigma: float = 1.0) -> int:
    """``+1`` if ``a`` exceeds ``b`` by more than ``n_sigma`` combined spreads, ``-1`` if it
    falls short by as much, ``0`` otherwise (also when no spread is known: without an
    uncertainty no difference can be called clear)."""
    spread = combined_spread(a, b)
    if math.isnan(spread):
        return 0
    diff = a.value - b.value
    if abs(diff) > n_sigma * spread:
        return 1 if diff > 0 else -1
    return 0


def compare(name_a: str, a: Measurement, name_b: str, b: Measurement, *,
            larger: str = "is larger than", smaller: str = "is smaller than",
            same: str = "are indistinguishable at this statistics",
            unknown: str = "cannot be told apart: a single run gives no spread to judge by",
            fmt: str = "{:.3f}", n_sigma: float = 1.0) -> str:
    """``"A (0.950 ± 0.004) is larger than B (0.900 ± 0.005)"`` when the difference is clear
    (:func:`clear_difference`), ``"A (...) and B (...) are indistinguishable at this
    statistics"`` otherwise, and ``unknown`` when neither has a spread.
    ``larger``/``smaller``/``same``/``unknown`` phrase the outcomes."""
    sign = clear_difference(a, b, n_sigma)
    left, right = f"{name_a} ({a.text(fmt)})", f"{name_b} ({b.text(fmt)})"
    if math.isnan(combined_spread(a, b)):
        return f"{left} and {right} {unknown}"
    if sign == 0:
        return f"{left} and {right} {same}"
    return f"{left} {larger if sign > 0 else smaller} {right}"


def ranked(items: dict[str, Measurement], n_sigma: float = 1.0) -> tuple[list[str], bool]:
    """Names by decreasing value, and whether the first is clearly ahead of every other."""
    order = sorted(items, key=lambda k: -items[k].value)
    leader = items[order[0]]
    clear = len(order) > 1 and all(clear_difference(leader, items[k], n_sigma) > 0
                                   for k in order[1:])
    return order, clear


def bootstrap(statistic: Callable[[np.ndarray], float], n: int, n_boot: int = 200,
              seed: int = 0) -> Measurement:
    """``statistic(indices)`` on all ``n`` items, with the standard deviation over ``n_boot``
    bootstrap resamples of the items as its spread (e.g. an AUC over resampled test jets)."""
    rng = np.random.default_rng(seed)
    values = [statistic(rng.integers(0, n, n)) for _ in range(n_boot)]
    return Measurement(float(statistic(np.arange(n))), float(np.std(values, ddof=1)), n)


#: verdicts on a paper's qualitative finding
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)


def finding_verdict(signs: Sequence[int]) -> str:
    """The verdict on a finding made of parts: each sign is ``+1`` where this run clearly
    supports the paper, ``-1`` where it clearly contradicts it, ``0`` where it cannot tell
    (e.g. :func:`clear_difference` oriented so that ``+1`` is the paper's direction).
    Reproduced when every part is supported, not reproduced when any is contradicted,
    inconclusive otherwise."""
    signs = list(signs)
    if not signs:
        return INCONCLUSIVE
    if any(s < 0 for s in signs):
        return NOT_REPRODUCED
    return REPRODUCED if all(s > 0 for s in signs) else INCONCLUSIVE


def agrees_with(value: Measurement, reference: float, n_sigma: float = 2.0) -> bool | None:
    """Whether ``value`` lies within ``n_sigma`` spreads of a ``reference`` without spread
    (``None`` when ``value`` has no spread and is not exactly ``reference``)."""
    if value.value == reference:
        return True
    if math.isnan(value.spread) or value.spread == 0:
        return None
    return abs(value.value - reference) <= n_sigma * value.spread


def auc_measurement(labels: np.ndarray, scores: Sequence[np.ndarray], n_boot: int = 200,
                    seed: int = 0) -> Measurement:
    """The test AUC of one or more trainings (one score array per seed): their mean, with the
    spread over seeds when there are several, else a bootstrap over the test jets."""
    from ..metrics import auc

    labels = np.asarray(labels)
    if len(scores) > 1:
        return Measurement.of([auc(labels, s) for s in scores])
    s = np.asarray(scores[0])

    def statistic(idx: np.ndarray) -> float:
        return auc(labels[idx], s[idx]) if 0 < labels[idx].sum() < len(idx) else float("nan")

    return bootstrap(statistic, len(labels), n_boot, seed)


#: bootstrap resamples of the test jets where a profile trains a single seed
N_BOOT = 200


def bootstrap_many(statistic: Callable[[np.ndarray], Mapping[str, float]], n: int,
                   n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """:func:`helpers.results.bootstrap` for a statistic of several named values: each value
    on all ``n`` items, with the standard deviation over the same ``n_boot`` resamples as its
    spread (non-finite resampled values, e.g. an infinite rejection, are left out)."""
    rng = np.random.default_rng(seed)
    full = dict(statistic(np.arange(n)))
    draws = [statistic(rng.integers(0, n, n)) for _ in range(n_boot)]
    out = {}
    for key, value in full.items():
        v = np.array([d[key] for d in draws], float)
        v = v[np.isfinite(v)]
        out[key] = Measurement(float(value), float(v.std(ddof=1)) if v.size > 1 else math.nan, n)
    return out


def seed_or_bootstrap(statistic: Callable[[int, np.ndarray], Mapping[str, float]], n_runs: int,
                      n_jets: int, n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Measurement]:
    """``statistic(run, jet indices)`` as measurements: with several runs (training seeds) the
    mean and sample standard deviation over the runs on all jets; with a single run a
    bootstrap over its jets (:func:`bootstrap_many`)."""
    if n_runs > 1:
        values = [dict(statistic(r, np.arange(n_jets))) for r in range(n_runs)]
        return {k: Measurement.of([v[k] for v in values]) for k in values[0]}
    return bootstrap_many(lambda idx: statistic(0, idx), n_jets, n_boot, seed)


def spread_note(n_runs: int, jets: str = "test jets") -> str:
    """What the ``±`` of :func:`seed_or_bootstrap` means, as a phrase."""
    if n_runs > 1:
        return f"the standard deviation over the {n_runs} training seeds"
    return (f"a bootstrap over the {jets}, since this profile trains a single seed (it does not "
            "see how much a network trained again would differ)")


def pick(a: Measurement, b: Measurement, larger: str, smaller: str, same: str,
         unknown: str | None = None, n_sigma: float = 1.0) -> str:
    """``larger`` if ``a`` clearly exceeds ``b`` (by more than ``n_sigma`` combined spreads,
    :func:`helpers.results.clear_difference`), ``smaller`` if it clearly falls short, ``same``
    otherwise: the phrase of a sentence that must read right in every outcome.  Without any
    spread (a single run) the answer is ``unknown`` when given, else ``same``."""
    if unknown is not None and math.isnan(combined_spread(a, b)):
        return unknown
    return {1: larger, -1: smaller, 0: same}[clear_difference(a, b, n_sigma)]
