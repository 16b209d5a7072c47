"""Particle Flow Network inputs (Komiske, Metodiev, Thaler, arXiv:1810.05165).

Each real constituent ``i`` of a jet ``J`` becomes three numbers:

- ``z_i = pT_i / sum_j pT_j`` (momentum fraction, sums to 1 per jet);
- ``deta_i = eta_i - eta_J`` (pseudorapidity relative to the jet axis);
- ``dphi_i = phi_i - phi_J`` wrapped into ``(-pi, pi]``.

The jet axis is the direction of the summed constituent three-momentum.  Padding is not
stored at all: the particles of all jets are *packed* back to back (:class:`PackedParticles`),
so a network can evaluate its per-particle map on real particles only and sum per jet.

Only the constituent four-momenta are read: the truth parton of a
:class:`~helpers.data.jets.JetSet` never reaches the features (see
:mod:`helpers.preprocessing.guard`).  :func:`pfn_features_from_axis` exists so that the
*deliberately* leaky variant of :mod:`helpers.studies.leak` can reuse the computation with a
different axis; it must never be registered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.jets import MAX_CONSTITUENTS, JetSet
from ..physics.kinematics import delta_phi
from .topodnn import constituent_kinematics

#: per-particle input columns, in order
PFN_FEATURES = ("z", "deta", "dphi")


@dataclass
class PackedParticles:
    """The real particles of ``N`` jets stored back to back, jet after jet, no padding.

    ``features`` is ``(P, 3)`` float32 ``(z, deta, dphi)``; jet ``j`` owns the rows
    ``offsets[j] : offsets[j + 1]`` (``counts[j]`` rows, in the jet's pT order).
    """

    features: np.ndarray
    counts: np.ndarray

    def __post_init__(self) -> None:
        if self.features.ndim != 2 or len(self.features) != int(self.counts.sum()):
            raise ValueError(f"{len(self.features)} particle rows do not match "
                             f"counts summing to {int(self.counts.sum())}")

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def offsets(self) -> np.ndarray:
        """``(N + 1,)`` first row of each jet, and the total number of rows last."""
        return np.concatenate([[0], np.cumsum(self.counts)])

    @property
    def jet_index(self) -> np.ndarray:
        """``(P,)`` jet of each particle row."""
        return np.repeat(np.arange(len(self.counts)), self.counts)

    @property
    def slot(self) -> np.ndarray:
        """``(P,)`` position of each particle within its jet (0 = hardest)."""
        return np.arange(len(self.features)) - np.repeat(self.offsets[:-1], self.counts)

    def subset(self, index: np.ndarray) -> "PackedParticles":
        """The jets ``index`` (integer array or boolean mask), in that order."""
        jets = np.arange(len(self))[index]
        counts = self.counts[jets]
        starts = np.repeat(self.offsets[jets], counts)
        rows = starts + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return PackedParticles(self.features[rows], counts)


def pfn_features_from_axis(constituents: np.ndarray, axis: np.ndarray,
                           max_particles: int = MAX_CONSTITUENTS) -> PackedParticles:
    """PFN inputs of ``(N, M, 4)`` constituents relative to the ``(N, 3)`` axis ``(px, py, pz)``.

    A constituent is real when its pT is positive; at most ``max_particles`` per jet.
    """
    pt, eta, phi, mask = constituent_kinematics(constituents[:, :max_particles])
    axis4 = np.concatenate([np.zeros((len(axis), 1)), np.asarray(axis, np.float64)], axis=1)
    _, eta_j, phi_j, _ = constituent_kinematics(axis4[:, None, :])
    z = pt / np.where(mask.any(axis=1), pt.sum(axis=1), 1.0)[:, None]
    features = np.stack([z, eta - eta_j, delta_phi(phi, phi_j)], axis=-1)[mask]
    return PackedParticles(features.astype(np.float32), mask.sum(axis=1).astype(np.int64))


def pfn_features(jets: JetSet | np.ndarray, max_particles: int = MAX_CONSTITUENTS,
                 chunk_size: int = 50_000) -> PackedParticles:
    """PFN inputs of a :class:`JetSet` (or its ``(N, M, 4)`` constituents), packed.

    The jet axis is the summed three-momentum of the constituents; jets are processed in
    chunks of ``chunk_size`` to bound memory.
    """
    constituents = jets.constituents if isinstance(jets, JetSet) else np.asarray(jets)
    chunks = [pfn_features_from_axis(c, c[..., 1:].sum(axis=1, dtype=np.float64), max_particles)
              for c in (constituents[i : i + chunk_size]
                        for i in range(0, len(constituents), chunk_size))]
    return concatenate(chunks)


def concatenate(parts: list[PackedParticles]) -> PackedParticles:
    """Jets of several packed sets, in order."""
    if not parts:
        return PackedParticles(np.zeros((0, len(PFN_FEATURES)), np.float32), np.zeros(0, np.int64))
    return PackedParticles(np.concatenate([p.features for p in parts]),
                           np.concatenate([p.counts for p in parts]))


def azimuthal_balance(particles: PackedParticles) -> np.ndarray:
    """``(N,)`` ``sum_i z_i sin(dphi_i)``: the constituents' momentum perpendicular to the axis
    in the transverse plane, in units of their scalar pT sum.

    It vanishes identically (up to float32 rounding of the inputs) when the axis is the
    summed constituent momentum, as in :func:`pfn_features`; any other axis shows up here.
    """
    f = particles.features.astype(np.float64)
    return np.bincount(particles.jet_index, f[:, 0] * np.sin(f[:, 2]), minlength=len(particles))
