"""Inputs of the LSTM and the CNN of chapter 5's cross-architecture probes.

- :func:`lstm_features`: the ``L`` leading constituents, hardest first, as a padded array
  ``(N, L, 5)`` of ``(z, ln z, Delta eta, Delta phi, real)`` relative to the jet axis (the
  PFN's inputs, :func:`~helpers.preprocessing.pfn.pfn_features`, plus ``ln z`` and the
  padding mask that :class:`~helpers.models.lstm.ConstituentLSTM` packs by).
- :func:`cnn_features`: jet images ``(N, 1, npix, npix)`` of the pT fraction per pixel
  (:func:`~helpers.physics.images.jet_images`).

Both read only the constituent four-momenta, never the truth parton.
"""

from __future__ import annotations

import numpy as np

from ..data.jets import JetSet
from ..physics.images import jet_images
from .pfn import pfn_features

#: constituents the LSTM reads (hardest first)
LSTM_CONSTITUENTS = 50
#: pixels per side of the CNN's jet images (the window is the jet radius, 0.8)
IMAGE_PIXELS = 33


def lstm_features(jets: JetSet | np.ndarray, n_constituents: int = LSTM_CONSTITUENTS
                  ) -> np.ndarray:
    """``(N, n_constituents, 5)`` float32: ``z, ln z, deta, dphi`` of the leading constituents
    and 1 for a real one; padding rows are all zero."""
    particles = pfn_features(jets, max_particles=n_constituents)
    out = np.zeros((len(particles.counts), n_constituents, 5), np.float32)
    f = particles.features
    rows = np.column_stack([f[:, 0], np.log(np.maximum(f[:, 0], 1e-12)), f[:, 1], f[:, 2],
                            np.ones(len(f), np.float32)])
    out[particles.jet_index, particles.slot] = rows
    return out


def cnn_features(jets: JetSet | np.ndarray, npix: int = IMAGE_PIXELS, chunk_size: int = 20_000
                 ) -> np.ndarray:
    """``(N, 1, npix, npix)`` float32 jet images, computed in chunks of ``chunk_size`` jets."""
    constituents = jets.constituents if isinstance(jets, JetSet) else np.asarray(jets)
    images = np.zeros((len(constituents), 1, npix, npix), np.float32)  # filled chunk by chunk
    for i in range(0, len(constituents), chunk_size):
        images[i:i + chunk_size, 0] = jet_images(constituents[i:i + chunk_size], npix=npix)
    return images
