"""Kinematic primitives: the one place where pT, eta, phi, rapidity, mass and angular
distances are computed.  A leaf module (numpy only) that everything else imports.

Conventions
-----------
- Four-momenta are ``(..., 4)`` arrays ``(E, px, py, pz)`` in GeV; constituent arrays are
  ``(N, M, 4)`` with padding slots the rows with ``E <= 0`` (as a
  :class:`~helpers.data.jets.JetSet` stores them).
- The azimuth and every azimuthal difference lie in ``(-pi, pi]`` (:func:`wrap_angle`).
- ``eta`` is the pseudorapidity, 0 where ``pT = 0`` (zero padding, vectors along the beam);
  ``rapidity`` is the true rapidity in FastJet's numerically stable form.
- Angular distances ``Delta R`` come in two metrics, named by the function: pseudorapidity
  (:func:`delta_r`, the selection and matching of jets) and rapidity
  (:func:`delta_r_to_axis`, substructure: the FastJet convention).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class HasConstituents(Protocol):
    """Anything with a ``(N, M, 4)`` ``constituents`` array (a JetSet)."""

    constituents: np.ndarray


#: a JetSet (or any object with ``constituents``) or the ``(N, M, 4)`` array itself
JetsLike = HasConstituents | np.ndarray


# ------------------------------------------------------------------------- angles
def wrap_angle(angle: np.ndarray | float) -> np.ndarray:
    """``angle`` wrapped into ``(-pi, pi]`` (values in ``[0, pi]`` come back unchanged)."""
    d = np.mod(np.asarray(angle), 2 * np.pi)  # in [0, 2 pi)
    return np.where(d > np.pi, d - 2 * np.pi, d)


def delta_phi(phi1: np.ndarray | float, phi2: np.ndarray | float) -> np.ndarray:
    """``phi1 - phi2`` wrapped into ``(-pi, pi]``."""
    return wrap_angle(np.asarray(phi1) - np.asarray(phi2))


def abs_delta_phi(phi1: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """``|phi1 - phi2|`` wrapped into ``[0, pi]``, for azimuths already in ``(-pi, pi]`` (as
    :func:`phi` returns them): ``min(|d|, 2 pi - |d|)``, exact and cheaper than
    :func:`delta_phi` -- the form for large pairwise tables (clustering)."""
    d = np.abs(np.asarray(phi1) - np.asarray(phi2))
    return np.minimum(d, 2 * np.pi - d)


def delta_r(eta1: np.ndarray, phi1: np.ndarray, eta2: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """``sqrt(Delta eta^2 + Delta phi^2)`` (pseudorapidity-azimuth, azimuth wrapped)."""
    return np.hypot(np.asarray(eta1) - np.asarray(eta2), delta_phi(phi1, phi2))


# ------------------------------------------------------------ components -> pT, eta, phi
def pt_eta_phi(px: np.ndarray, py: np.ndarray,
               pz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(pT, eta, phi)`` of momentum components; ``eta = phi = 0`` where ``pT = 0``."""
    p_t = np.hypot(px, py)
    real = p_t > 0
    safe = np.where(real, p_t, 1.0)
    eta_ = np.where(real, np.arcsinh(np.asarray(pz) / safe), 0.0)
    phi_ = np.where(real, wrap_angle(np.arctan2(py, px)), 0.0)
    return p_t, eta_, phi_


def pt(p4: np.ndarray) -> np.ndarray:
    """Transverse momentum of ``(..., 4)`` four-momenta ``(E, px, py, pz)``."""
    return np.hypot(p4[..., 1], p4[..., 2])


def eta(p4: np.ndarray) -> np.ndarray:
    """Pseudorapidity; 0 where ``pT = 0`` (zero padding)."""
    return pt_eta_phi(p4[..., 1], p4[..., 2], p4[..., 3])[1]


def phi(p4: np.ndarray) -> np.ndarray:
    """Azimuth in ``(-pi, pi]`` (0 for vectors along the beam or zero padding)."""
    return pt_eta_phi(p4[..., 1], p4[..., 2], p4[..., 3])[2]


def mass_squared(p4: np.ndarray) -> np.ndarray:
    """Invariant mass squared ``E^2 - |p|^2`` (may be slightly negative)."""
    return p4[..., 0] ** 2 - (p4[..., 1:] ** 2).sum(axis=-1)


def mass(p4: np.ndarray) -> np.ndarray:
    """Invariant mass, ``sqrt(max(m^2, 0))``."""
    return np.sqrt(np.maximum(mass_squared(p4), 0.0))


def rapidity(p4: np.ndarray) -> np.ndarray:
    """Rapidity ``0.5 ln((E + pz)/(E - pz))`` in FastJet's numerically stable form.

    Uses ``m_T^2 = pT^2 + max(m^2, 0)``; 0 for zero padding.
    """
    e, pz = p4[..., 0], p4[..., 3]
    mt2 = pt(p4) ** 2 + np.maximum(mass_squared(p4), 0.0)
    e_plus = e + np.abs(pz)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = -0.5 * np.log(mt2 / e_plus**2)
    return np.where(e_plus > 0, np.copysign(y, pz), 0.0)


# ------------------------------------------------------------------- jets of constituents
def constituents_of(jets: JetsLike) -> np.ndarray:
    """The ``(N, M, 4)`` constituent array of a JetSet or array, as float64."""
    c = np.asarray(getattr(jets, "constituents", jets))
    if c.ndim != 3 or c.shape[-1] != 4:
        raise ValueError(f"constituents must have shape (N, M, 4), got {c.shape}")
    return c.astype(np.float64, copy=False)


def constituent_mask(jets: JetsLike) -> np.ndarray:
    """``(N, M)`` True for real constituents (``E > 0``), False for padding."""
    return constituents_of(jets)[..., 0] > 0


def multiplicity(jets: JetsLike) -> np.ndarray:
    """Number of real constituents per jet."""
    return constituent_mask(jets).sum(axis=1)


def to_pt_eta_phi(jets: JetsLike) -> np.ndarray:
    """``(N, M, 3)`` per-constituent ``(pT, eta, phi)``; padding rows are zero."""
    c = constituents_of(jets)
    out = np.stack([pt(c), eta(c), phi(c)], axis=-1)
    out[c[..., 0] <= 0] = 0.0
    return out


def jet_four_momentum(jets: JetsLike) -> np.ndarray:
    """``(N, 4)`` jet four-momentum, the sum of the real constituents."""
    c = constituents_of(jets)
    return np.where((c[..., :1] > 0), c, 0.0).sum(axis=1)


def jet_kinematics(jets: JetsLike) -> dict[str, np.ndarray]:
    """Jet ``pt``, ``eta``, ``phi``, ``rapidity`` and ``mass``; NaN for empty jets."""
    p4 = jet_four_momentum(jets)
    empty = multiplicity(jets) == 0
    out = {
        "pt": pt(p4),
        "eta": eta(p4),
        "phi": phi(p4),
        "rapidity": rapidity(p4),
        "mass": mass(p4),
    }
    return {k: np.where(empty, np.nan, v) for k, v in out.items()}


def delta_r_to_axis(jets: JetsLike) -> np.ndarray:
    """``(N, M)`` rapidity-azimuth distance of each constituent to the jet axis."""
    c = constituents_of(jets)
    axis = jet_four_momentum(c)[:, None, :]
    return np.hypot(rapidity(c) - rapidity(axis), delta_phi(phi(c), phi(axis)))
