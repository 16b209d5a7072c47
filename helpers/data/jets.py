"""The in-memory jet representation shared by every data source.

Generated jets and the original top-tagging benchmark files are both turned into a
:class:`JetSet`; every chapter starts from one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: maximum number of constituent slots (as in the benchmark)
MAX_CONSTITUENTS = 200


@dataclass
class JetSet:
    """A set of jets with their constituents.

    Attributes
    ----------
    constituents
        ``(N, M, 4)`` float32 four-momenta ``(E, px, py, pz)`` in GeV, pT-ordered
        (hardest first) and zero-padded.
    labels
        ``(N,)`` int8 class label, 1 = signal (top, W, quark), 0 = background.
    truth
        ``(N, 4)`` float32 ``(E, px, py, pz)`` of the matched truth parton (zeros where
        none, as for QCD jets in the benchmark).  **Never a model input**: it exists only
        to demonstrate label leaks.
    """

    constituents: np.ndarray
    labels: np.ndarray
    truth: np.ndarray

    def __post_init__(self) -> None:
        c = self.constituents
        if c.ndim != 3 or c.shape[-1] != 4:
            raise ValueError(f"constituents must have shape (N, M, 4), got {c.shape}")
        n = len(c)
        if self.labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {self.labels.shape}")
        if self.truth.shape != (n, 4):
            raise ValueError(f"truth must have shape ({n}, 4), got {self.truth.shape}")

    def __len__(self) -> int:
        return len(self.constituents)

    @property
    def n_constituents(self) -> np.ndarray:
        """Number of real (non-padded) constituents per jet."""
        return (self.constituents[..., 0] > 0).sum(axis=1)

    @property
    def jet_p4(self) -> np.ndarray:
        """``(N, 4)`` jet four-momentum, the sum of the constituents."""
        return self.constituents.sum(axis=1, dtype=np.float64)

    def subset(self, index) -> "JetSet":
        """Rows selected by a boolean mask, slice or index array."""
        return JetSet(self.constituents[index], self.labels[index], self.truth[index])

    @staticmethod
    def empty(n_slots: int = MAX_CONSTITUENTS) -> "JetSet":
        """A set of no jets."""
        return JetSet(np.zeros((0, n_slots, 4), np.float32), np.zeros(0, np.int8),
                      np.zeros((0, 4), np.float32))

    @staticmethod
    def concatenate(sets: list["JetSet"]) -> "JetSet":
        """The jets of ``sets`` in order (empty sets are skipped, whatever their slots)."""
        sets = [s for s in sets if len(s)] or sets[:1]
        return JetSet(
            np.concatenate([s.constituents for s in sets]),
            np.concatenate([s.labels for s in sets]),
            np.concatenate([s.truth for s in sets]),
        )
