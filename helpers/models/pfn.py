"""Particle Flow Network (Komiske et al. arXiv:1810.05165; Khot et al. arXiv:2210.04371).

``PFN(jet) = F( sum_{i in jet} Phi(p_i) )`` with ``p_i = (z_i, deta_i, dphi_i)``: a per-particle
map ``Phi`` (3 -> 100 -> 100 -> 256, ReLU after every layer), a sum over the jet's *real*
particles (the 256-dimensional latent vector), and a head ``F`` (256 -> 100 -> 100 -> 100 -> 1,
ReLU, one logit).  ``Phi(0) != 0`` because of the biases, so padded slots must never enter
the sum.

Two equivalent forward passes (same parameters, same ``state_dict``):

- :class:`PFN` takes a :class:`ParticleBatch` -- the real particles of the batch packed back
  to back with their jet index -- runs ``Phi`` once on them and sums per jet with
  ``index_add_`` (segment sum).  No work is spent on padding.
- :class:`PaddedPFN` (the reference) takes a :class:`PaddedBatch` ``(B, M, 3)`` with a mask,
  runs ``Phi`` on every slot and zeroes the padded ones before summing.

:class:`PackedInputs` and :class:`PaddedInputs` implement :class:`helpers.training.Inputs`,
so both train with :func:`helpers.training.train_classifier`;
:func:`helpers.training.training_throughput` compares their speed and
:func:`helpers.training.recipes.train_pfn` is the chapter's cached training recipe.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ..cache import array_fingerprint

#: per-particle input features
N_FEATURES = 3


class ParticleBatch(NamedTuple):
    """Packed particles of ``n_jets`` jets: ``features (P, 3)``, ``jet_index (P,)`` long."""

    features: torch.Tensor
    jet_index: torch.Tensor
    n_jets: int


class PaddedBatch(NamedTuple):
    """Padded particles ``features (B, M, 3)`` and ``mask (B, M)`` (True = real particle)."""

    features: torch.Tensor
    mask: torch.Tensor


def mlp(sizes: tuple[int, ...], last_activation: bool) -> nn.Sequential:
    """Linear layers of the given widths with ReLU between them (and after the last one if
    ``last_activation``)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if last_activation or i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class PFN(nn.Module):
    """Packed Particle Flow Network: ``forward(ParticleBatch) -> (n_jets,)`` logits.

    ``phi`` is the per-particle network, ``F`` the head acting on the latent sum; use
    :meth:`latent` for the latent vectors and ``F`` alone to score (modified) latents.
    """

    #: per-particle inputs of ``phi`` and the name :meth:`config` gives (subclasses change them)
    n_inputs: int = N_FEATURES
    arch: str = "PFN"

    def __init__(self, phi_sizes: tuple[int, ...] = (100, 100, 256),
                 f_sizes: tuple[int, ...] = (100, 100, 100)) -> None:
        super().__init__()
        self.phi_sizes, self.f_sizes = tuple(phi_sizes), tuple(f_sizes)
        self.phi = mlp((self.n_inputs, *self.phi_sizes), last_activation=True)
        self.F = mlp((self.phi_sizes[-1], *self.f_sizes, 1), last_activation=False)

    @property
    def latent_dim(self) -> int:
        return self.phi_sizes[-1]

    def latent(self, batch: ParticleBatch) -> torch.Tensor:
        """``(n_jets, latent_dim)`` sum of ``Phi`` over each jet's particles."""
        h = self.phi(batch.features)
        return h.new_zeros(batch.n_jets, h.shape[1]).index_add_(0, batch.jet_index, h)

    def forward(self, batch: ParticleBatch) -> torch.Tensor:
        return self.F(self.latent(batch)).squeeze(-1)

    def config(self) -> dict:
        """JSON-serialisable description of the architecture (for cache keys)."""
        return {"arch": self.arch, "phi_sizes": list(self.phi_sizes),
                "f_sizes": list(self.f_sizes)}


class PaddedPFN(PFN):
    """Reference PFN on padded input: ``Phi`` on every slot, padded slots masked out."""

    def latent(self, batch: PaddedBatch) -> torch.Tensor:
        h = self.phi(batch.features) * batch.mask.unsqueeze(-1).to(batch.features.dtype)
        return h.sum(dim=1)


class PackedInputs:
    """Packed particles as :class:`helpers.training.Inputs` (batches are :class:`ParticleBatch`).

    ``features`` ``(P, 3)`` holds the particles of all jets back to back, ``counts`` ``(N,)``
    the number of particles of each jet (a :class:`~helpers.preprocessing.pfn.PackedParticles`
    converts with :meth:`from_packed`).
    """

    def __init__(self, features: torch.Tensor | np.ndarray,
                 counts: torch.Tensor | np.ndarray) -> None:
        self.features = torch.as_tensor(features, dtype=torch.float32)
        self.counts = torch.as_tensor(counts, dtype=torch.long, device=self.features.device)
        self.offsets = torch.cumsum(self.counts, 0) - self.counts

    @classmethod
    def from_packed(cls, particles) -> "PackedInputs":
        """From anything with ``features`` and ``counts`` arrays (``PackedParticles``)."""
        return cls(particles.features, particles.counts)

    def __len__(self) -> int:
        return len(self.counts)

    def batch(self, idx: torch.Tensor) -> ParticleBatch:
        idx = idx.to(self.counts.device)
        counts = self.counts[idx]
        jet = torch.repeat_interleave(torch.arange(len(idx), device=idx.device), counts)
        first = torch.cumsum(counts, 0) - counts  # first row of each jet in the batch
        rows = torch.arange(len(jet), device=idx.device) - first[jet] + self.offsets[idx][jet]
        return ParticleBatch(self.features[rows], jet, len(idx))

    def to(self, device: str) -> "PackedInputs":
        return PackedInputs(self.features.to(device), self.counts.to(device))

    def fingerprint(self) -> str:
        return array_fingerprint(self.features, self.counts)


class PaddedInputs:
    """Zero-padded particles as :class:`helpers.training.Inputs` (batches are :class:`PaddedBatch`).

    With ``trim`` each batch is cut to its longest jet instead of all ``M`` slots.
    """

    def __init__(self, features: torch.Tensor, mask: torch.Tensor, trim: bool = False) -> None:
        self.features, self.mask, self.trim = features, mask, trim

    @classmethod
    def from_packed(cls, particles, max_particles: int | None = None,
                    trim: bool = False) -> "PaddedInputs":
        """Pad packed particles (``features``, ``counts``) to ``max_particles`` slots
        (default: the longest jet)."""
        counts = np.asarray(particles.counts)
        m = int(counts.max(initial=0)) if max_particles is None else max_particles
        mask = np.arange(m)[None, :] < counts[:, None]
        x = np.zeros((len(counts), m, N_FEATURES), np.float32)
        x[mask] = particles.features
        return cls(torch.from_numpy(x), torch.from_numpy(mask), trim)

    def __len__(self) -> int:
        return len(self.mask)

    def batch(self, idx: torch.Tensor) -> PaddedBatch:
        idx = idx.to(self.mask.device)
        x, mask = self.features[idx], self.mask[idx]
        if self.trim:
            m = int(mask.sum(dim=1).max())
            x, mask = x[:, :m], mask[:, :m]
        return PaddedBatch(x, mask)

    def to(self, device: str) -> "PaddedInputs":
        return PaddedInputs(self.features.to(device), self.mask.to(device), self.trim)

    def fingerprint(self) -> str:
        return array_fingerprint(self.features, self.mask)
