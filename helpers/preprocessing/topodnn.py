"""TopoDNN image-like preprocessing (Pearkes et al., arXiv:1704.02124).

Each jet becomes 90 numbers: ``(pT, eta, phi)`` of its 30 leading constituents after

1. **translation** so that the leading constituent sits at ``(eta, phi) = (0, 0)``
   (phi differences wrapped into ``(-pi, pi]``);
2. **rotation** in the ``(eta, phi)`` plane so that the second constituent lies on the
   negative phi axis, ``(0, -r)``;
3. **flip** ``eta -> -eta`` when ``sum_i pT_i * eta_i < 0`` so that the pT-weighted eta is
   non-negative;
4. **scaling** of pT by the constant :data:`PT_SCALE` (1/1700 GeV^-1).

Missing constituents are zero in every output column (checked after each step).

The functions take *only* the constituent four-momenta: the truth parton of a
:class:`~helpers.data.jets.JetSet` cannot reach the features by construction.

Edge cases, by design:

- a jet with **one** constituent cannot be rotated: its features are ``(pT_0 * scale, 0, 0)``;
- a jet whose second constituent coincides with the first in ``(eta, phi)`` (``r = 0``)
  has no direction to rotate to and is left unrotated;
- input slots are assumed pT-ordered (hardest first), as :class:`JetSet` guarantees; a
  constituent is real when its transverse momentum is positive.
"""

from __future__ import annotations

import numpy as np

from ..data.jets import JetSet
from ..physics.kinematics import delta_phi, pt_eta_phi

#: constituents kept per jet
N_CONSTITUENTS = 30
#: constant pT scale in GeV^-1
PT_SCALE = 1.0 / 1700.0
#: per-constituent output columns, in output order
FEATURES_PER_CONSTITUENT = ("pT", "eta", "phi")


def constituent_kinematics(constituents: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(pT, eta, phi, mask)`` of ``(N, M, 4)`` ``(E, px, py, pz)`` constituents.

    ``mask`` marks real constituents (``pT > 0``); ``pT``, ``eta`` and ``phi`` are exactly zero
    on padded slots (no division by zero, no NaN).  Computed in float64.
    """
    c = np.asarray(constituents, dtype=np.float64)
    pt, eta, phi = pt_eta_phi(c[..., 1], c[..., 2], c[..., 3])
    return pt, eta, phi, pt > 0


def _leading_slots(constituents: np.ndarray, n: int) -> np.ndarray:
    """First ``n`` constituent slots, zero-padded when the input has fewer."""
    c = constituents[:, :n]
    if c.shape[1] < n:
        pad = np.zeros((c.shape[0], n - c.shape[1], c.shape[2]), dtype=c.dtype)
        c = np.concatenate([c, pad], axis=1)
    return c


def _translate(eta: np.ndarray, phi: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move the leading constituent to the origin (phi difference wrapped)."""
    deta = np.where(mask, eta - eta[:, :1], 0.0)
    dphi = np.where(mask, delta_phi(phi, phi[:, :1]), 0.0)
    return deta, dphi


def _rotate(eta: np.ndarray, phi: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotate so that constituent 1 lies at ``(0, -r)``; no rotation without one (or r = 0)."""
    e1, p1 = eta[:, 1], phi[:, 1]
    can_rotate = mask[:, 1] & ((e1 != 0) | (p1 != 0))
    angle = np.where(can_rotate, -0.5 * np.pi - np.arctan2(p1, e1), 0.0)[:, None]
    cos, sin = np.cos(angle), np.sin(angle)
    eta_rot = np.where(mask, cos * eta - sin * phi, 0.0)
    phi_rot = np.where(mask, sin * eta + cos * phi, 0.0)
    # constituent 1 lands on the phi axis by construction: make its eta exactly 0 (round-off
    # leaves ~1e-16, a column of pure noise that standardising probes would blow up to O(1))
    eta_rot[:, 1] = np.where(can_rotate, 0.0, eta_rot[:, 1])
    return eta_rot, phi_rot


def _flip(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Mirror eta so that ``sum_i pT_i eta_i >= 0`` (padded eta stays 0)."""
    sign = np.where((pt * eta).sum(axis=1, keepdims=True) < 0, -1.0, 1.0)
    return eta * sign


def _features_chunk(constituents: np.ndarray, n_constituents: int, pt_scale: float) -> np.ndarray:
    pt, eta, phi, mask = constituent_kinematics(_leading_slots(constituents, n_constituents))
    eta, phi = _translate(eta, phi, mask)
    eta, phi = _rotate(eta, phi, mask)
    eta = _flip(pt, eta)
    out = np.stack([pt * pt_scale, eta, phi], axis=-1)  # (N, n, 3)
    return out.reshape(len(out), -1).astype(np.float32)


def topodnn_features(
    jets: JetSet | np.ndarray,
    n_constituents: int = N_CONSTITUENTS,
    pt_scale: float = PT_SCALE,
    chunk_size: int = 100_000,
) -> np.ndarray:
    """TopoDNN inputs ``(N, 3 * n_constituents)`` float32, ordered
    ``(pT_0, eta_0, phi_0, pT_1, eta_1, phi_1, ...)`` (see :func:`topodnn_feature_names`).

    ``jets`` is a :class:`JetSet` (only its ``constituents`` are read) or the ``(N, M, 4)``
    constituent array itself.  Jets are processed in chunks of ``chunk_size`` to bound memory.
    """
    constituents = jets.constituents if isinstance(jets, JetSet) else np.asarray(jets)
    if constituents.ndim != 3 or constituents.shape[-1] != 4:
        raise ValueError(f"constituents must have shape (N, M, 4), got {constituents.shape}")
    chunks = [
        _features_chunk(constituents[i : i + chunk_size], n_constituents, pt_scale)
        for i in range(0, len(constituents), chunk_size)
    ]
    if not chunks:
        return np.zeros((0, 3 * n_constituents), dtype=np.float32)
    return np.concatenate(chunks)


def topodnn_feature_names(n_constituents: int = N_CONSTITUENTS) -> list[str]:
    """Column names of :func:`topodnn_features`: ``['pT_0', 'eta_0', 'phi_0', 'pT_1', ...]``."""
    return [f"{name}_{i}" for i in range(n_constituents) for name in FEATURES_PER_CONSTITUENT]
