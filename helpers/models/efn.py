"""Energy Flow Network (Komiske, Metodiev, Thaler, JHEP 01 (2019) 121, arXiv:1810.05165).

``EFN(jet) = F( sum_{i in jet} z_i Phi(deta_i, dphi_i) )``: the per-particle map ``Phi``
(2 -> 100 -> 100 -> 256, ReLU after every layer, as the PFN's) sees the particle's *angles*
relative to the jet axis only, its output is weighted by the momentum fraction ``z_i``, and
the head ``F`` (256 -> 100 -> 100 -> 100 -> 1, ReLU, one logit) acts on the weighted sum (the
256-dimensional latent vector).  The inputs are the PFN's: the packed ``(z, deta, dphi)``
rows of :class:`~helpers.preprocessing.pfn.PackedParticles`, fed through the same
:class:`~helpers.models.pfn.PackedInputs` and :class:`~helpers.models.pfn.ParticleBatch`.

Why the EFN is IRC safe (and the PFN is not):

- *Infrared*: a particle with ``z = 0`` adds ``0 * Phi(angles) = 0`` to the latent sum,
  whatever its angles -- the output does not change.
- *Collinear*: splitting a particle into two at the same angles with ``z = a`` and ``z - a``
  adds ``a Phi + (z - a) Phi = z Phi`` -- the output does not change.

Both hold because the latent is *linear* in the ``z_i`` and ``Phi`` depends on the angles
only (the PFN's ``Phi(z, deta, dphi)`` breaks both).  The model uses the ``z`` column as
given -- it does not renormalise within the jet -- so these are exact statements about the
network, up to floating-point rounding of the sum.  Each latent component is thus a linear,
IRC-safe observable ``O_a = sum_i z_i Phi_a(deta_i, dphi_i)``: ``Phi_a`` is an angular
*filter* (:meth:`EFN.filters`, :mod:`helpers.xai.filters`) that the network learned.

``Phi(0, 0) != 0`` because of the biases, but that is harmless here: the batch is packed, so
padding never enters the sum (and a padded slot would carry ``z = 0`` anyway).  Because the
book's ``z_i`` sum to one per jet, a constant offset of ``Phi_a`` only shifts ``O_a`` by the
same constant for every jet: only the variation of a filter with angle carries information.
"""

from __future__ import annotations

import numpy as np
import torch

from .pfn import PFN, ParticleBatch

#: per-particle inputs of ``Phi``: ``(deta, dphi)``, columns 1 and 2 of the PFN features
N_ANGLES = 2


class EFN(PFN):
    """Packed Energy Flow Network: ``forward(ParticleBatch) -> (n_jets,)`` logits.

    A :class:`~helpers.models.pfn.PFN` whose ``phi`` maps ``(deta, dphi)`` only, weighted by
    ``z`` in the latent sum; use :meth:`latent` for the latent vectors, :meth:`filters` for
    ``Phi`` on given angles and ``F`` alone to score (modified) latents.
    """

    n_inputs = N_ANGLES
    arch = "EFN"

    def latent(self, batch: ParticleBatch) -> torch.Tensor:
        """``(n_jets, latent_dim)`` sum of ``z_i Phi(deta_i, dphi_i)`` over each jet's particles."""
        f = batch.features
        h = f[:, :1] * self.phi(f[:, 1 : 1 + N_ANGLES])
        return h.new_zeros(batch.n_jets, h.shape[1]).index_add_(0, batch.jet_index, h)

    def filters(self, angles: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``(G, latent_dim)`` values of ``Phi`` at ``G`` points ``(deta, dphi)`` (``(G, 2)``),
        on the model's device and in its dtype (gradients are kept; wrap in ``no_grad``)."""
        param = next(self.parameters())
        return self.phi(torch.as_tensor(angles).to(param.device, param.dtype))
