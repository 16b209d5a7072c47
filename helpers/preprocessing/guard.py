"""Leak guard: a preprocessing must not read the truth parton of a jet.

:func:`truth_leak_report` runs a preprocessing on a :class:`~helpers.data.jets.JetSet` and on
copies whose truth four-vectors are replaced (by random values, and by zeros); every output
array must be bit-identical.  ``tests/test_leak_guard.py`` applies it to every entry of
:data:`helpers.preprocessing.PREPROCESSORS`, so a preprocessing that reads the truth cannot
be registered without failing the test suite.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..data.jets import JetSet


def output_arrays(out: Any, name: str = "output") -> list[tuple[str, np.ndarray]]:
    """Flatten whatever a preprocessing returns (array, dict, tuple, dataclass, tensor) into
    ``(name, array)`` pairs in a fixed order; names are paths like ``output.features``."""
    if isinstance(out, np.ndarray):
        return [(name, out)]
    if isinstance(out, dict):
        return [a for k in sorted(out) for a in output_arrays(out[k], f"{name}.{k}")]
    if isinstance(out, (tuple, list)):
        return [a for i, item in enumerate(out) for a in output_arrays(item, f"{name}[{i}]")]
    if hasattr(out, "numpy"):
        return [(name, out.detach().cpu().numpy())]
    if hasattr(out, "__dict__"):
        return output_arrays({k: v for k, v in vars(out).items() if not k.startswith("_")}, name)
    return [(name, np.asarray(out))]


def truth_variants(jets: JetSet, seed: int = 0) -> dict[str, JetSet]:
    """Copies of ``jets`` whose truth four-vectors are random (``"random truth"``) or zero
    (``"zero truth"``); constituents and labels are unchanged."""
    rng = np.random.default_rng(seed)
    random = rng.normal(0.0, 1e3, jets.truth.shape).astype(jets.truth.dtype)
    return {name: JetSet(jets.constituents.copy(), jets.labels.copy(), truth)
            for name, truth in (("random truth", random), ("zero truth", np.zeros_like(random)))}


def truth_leak_report(fn: Callable[[JetSet], Any], jets: JetSet, seed: int = 0) -> list[str]:
    """Problems found when the truth four-vectors of ``jets`` are changed: one line per
    output array that differs (empty list: no dependence on the truth was found)."""
    ref = output_arrays(fn(jets))
    problems = []
    for name, variant in truth_variants(jets, seed).items():
        out = output_arrays(fn(variant))
        if len(out) != len(ref):
            problems.append(f"{name}: {len(out)} output arrays instead of {len(ref)}")
            continue
        for (key, a), (_, b) in zip(ref, out):
            if a.shape != b.shape:
                problems.append(f"{name}: {key} has shape {b.shape} instead of {a.shape}")
            elif a.tobytes() != b.tobytes():
                problems.append(f"{name}: {int(np.sum(a != b))} of {a.size} values of {key} change")
    return problems
