"""Leak guard: no preprocessing may read the truth parton of a jet.

Every registered preprocessing (helpers.preprocessing.PREPROCESSORS) is run on a JetSet and
on a copy whose truth four-vectors are replaced by arbitrary values; all outputs must be
bit-identical.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data.jets import JetSet
from helpers.preprocessing import PREPROCESSORS


def _arrays(out) -> list[np.ndarray]:
    """Flatten whatever a preprocessing returns into a list of numpy arrays."""
    if isinstance(out, np.ndarray):
        return [out]
    if isinstance(out, dict):
        return [a for k in sorted(out) for a in _arrays(out[k])]
    if isinstance(out, (tuple, list)):
        return [a for item in out for a in _arrays(item)]
    if hasattr(out, "__dict__"):
        return _arrays({k: v for k, v in vars(out).items() if not k.startswith("_")})
    if hasattr(out, "numpy"):
        return [out.detach().cpu().numpy()]
    return [np.asarray(out)]


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
    rng = np.random.default_rng(0)
    jets = _jets(rng)
    poisoned = JetSet(jets.constituents.copy(), jets.labels.copy(),
                      rng.normal(0, 1e3, jets.truth.shape).astype(np.float32))
    zeroed = JetSet(jets.constituents.copy(), jets.labels.copy(), np.zeros_like(jets.truth))
    ref = _arrays(PREPROCESSORS[name](jets))
    for other in (poisoned, zeroed):
        out = _arrays(PREPROCESSORS[name](other))
        assert len(out) == len(ref)
        for a, b in zip(ref, out):
            assert a.tobytes() == b.tobytes(), f"{name}: output depends on the truth parton"
