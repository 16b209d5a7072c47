"""Linear probes against cases with known R^2."""

from __future__ import annotations

import numpy as np

from helpers.xai.probing import linear_probe_r2, probe_table


def test_linear_target_is_fully_readable():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(2000, 5))
    y = Z @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 4.0
    assert linear_probe_r2(Z[:1500], y[:1500], Z[1500:], y[1500:]) > 0.999


def test_noise_sets_the_ceiling_and_independent_target_gives_zero():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(20000, 3))
    signal = Z[:, 0]
    y = signal + rng.normal(size=len(Z))  # R^2 = var(signal) / var(y) = 1/2
    r2 = linear_probe_r2(Z[:10000], y[:10000], Z[10000:], y[10000:])
    assert abs(r2 - 0.5) < 0.03
    indep = rng.normal(size=len(Z))
    assert abs(linear_probe_r2(Z[:10000], indep[:10000], Z[10000:], indep[10000:])) < 0.01


def test_probe_table_and_nonfinite_targets():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(1000, 2))
    obs = {"a": Z[:, 0] * 2, "b": np.where(np.arange(1000) % 10 == 0, np.nan, Z[:, 1])}
    tr = {k: v[:800] for k, v in obs.items()}
    te = {k: v[800:] for k, v in obs.items()}
    table = probe_table(Z[:800], tr, Z[800:], te, ("a", "b"))
    assert table["a"] > 0.999 and table["b"] > 0.999
