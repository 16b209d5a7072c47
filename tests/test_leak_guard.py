"""Leak guard: no preprocessing may read the truth parton of a jet.

Every registered preprocessing (helpers.preprocessing.PREPROCESSORS) is run on a JetSet and
on copies whose truth four-vectors are replaced by arbitrary values and by zeros; all outputs
must be bit-identical (helpers.preprocessing.guard.truth_leak_report).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data.jets import JetSet
from helpers.preprocessing import PREPROCESSORS
from helpers.preprocessing.guard import output_arrays, truth_leak_report


def _jets(rng: np.random.Generator, n: int = 40, m: int = 60) -> JetSet:
    counts = rng.integers(1, m, n)
    pt = rng.exponential(30.0, (n, m)) + 1.0
    pt = -np.sort(-pt, axis=1)
    eta = rng.normal(0.3, 0.3, (n, m))
    phi = rng.normal(3.0, 0.3, (n, m))  # straddles +-pi
    c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    c[np.arange(m)[None, :] >= counts[:, None]] = 0
    truth = c.sum(axis=1) * rng.uniform(0.9, 1.1, (n, 1))
    return JetSet(c.astype(np.float32), rng.integers(0, 2, n).astype(np.int8),
                  truth.astype(np.float32))


@pytest.mark.parametrize("name", sorted(PREPROCESSORS))
def test_truth_never_reaches_features(name):
    assert truth_leak_report(PREPROCESSORS[name], _jets(np.random.default_rng(0))) == []


def test_guard_flags_a_function_that_reads_the_truth():
    jets = _jets(np.random.default_rng(1))
    problems = truth_leak_report(lambda j: (j.constituents.sum(axis=1), j.truth[:, 0]), jets)
    assert len(problems) == 2  # output[1] changes under both truth variants
    assert all("output[1]" in p for p in problems)


def test_output_arrays_flattens_nested_outputs_in_a_fixed_order():
    a, b, c = np.zeros(1), np.ones(2), np.arange(3)
    out = output_arrays({"y": [b, (c,)], "x": a})
    assert [name for name, _ in out] == ["output.x", "output.y[0]", "output.y[1][0]"]
    assert [x.tolist() for _, x in out] == [[0.0], [1.0, 1.0], [0, 1, 2]]
