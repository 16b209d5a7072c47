"""Inputs of the LSTM and the CNN of chapter 5's cross-architecture probes.

- :func:`lstm_features`: the ``L`` leading constituents as a padded array ``(N, L, 5)`` of
  ``(z, ln z, Delta eta, Delta phi, real)`` relative to the jet axis (the PFN's inputs,
  :func:`~helpers.preprocessing.pfn.pfn_features`, plus ``ln z`` and the padding mask that
  :class:`~helpers.models.lstm.ConstituentLSTM` packs by), ``ln z`` and the angles
  standardised, read softest first so that the recurrence ends on the hardest constituent.
  Both choices are measured by ``benchmarks/bench_lstm_inputs.py``: on the raw inputs
  (``ln z`` around -4.5, angles of a few tenths) the LSTM hardly learned.
- :func:`cnn_features`: jet images ``(N, 1, npix, npix)`` of the pT fraction per pixel
  (:func:`~helpers.physics.images.jet_images`).

Both read only the constituent four-momenta, never the truth parton.
"""

from __future__ import annotations

import numpy as np

from ..data.jets import JetSet
from ..physics.images import jet_images
from .pfn import pfn_features

#: constituents the LSTM reads (the leading ones in pT)
LSTM_CONSTITUENTS = 50
#: centre and width of ``ln z`` of the leading constituents (top and QCD jets: mean -4.5 to
#: -4.8, spread 1.1 to 1.5), and the width of their ``Delta eta, Delta phi`` (0.20 to 0.25)
LN_Z_CENTER, LN_Z_SCALE, ANGLE_SCALE = -4.5, 1.5, 0.25
#: ``ln z`` is floored here (a near-zero-pT constituent would give -28, far outside the rest)
LN_Z_FLOOR = -15.0
#: pixels per side of the CNN's jet images (the window is the jet radius, 0.8)
IMAGE_PIXELS = 33


def lstm_features(jets: JetSet | np.ndarray, n_constituents: int = LSTM_CONSTITUENTS, *,
                  standardised: bool = True, softest_first: bool = True) -> np.ndarray:
    """``(N, n_constituents, 5)`` float32: ``z, ln z, deta, dphi`` of the leading constituents
    and 1 for a real one; padding rows are all zero (after the real ones).

    ``standardised``: ``(ln z - LN_Z_CENTER) / LN_Z_SCALE`` and the angles over
    ``ANGLE_SCALE`` (``z`` stays in [0, 1]); ``softest_first``: the real constituents in
    rising pT, else falling."""
    particles = pfn_features(jets, max_particles=n_constituents)
    out = np.zeros((len(particles.counts), n_constituents, 5), np.float32)
    f = particles.features
    ln_z = np.log(np.maximum(f[:, 0], np.exp(LN_Z_FLOOR)))
    angles = f[:, 1:3]
    if standardised:
        ln_z, angles = (ln_z - LN_Z_CENTER) / LN_Z_SCALE, angles / ANGLE_SCALE
    rows = np.column_stack([f[:, 0], ln_z, angles, np.ones(len(f), np.float32)])
    jet, slot = particles.jet_index, particles.slot
    if softest_first:  # slot 0 is the hardest: mirror the real slots of each jet
        slot = particles.counts[jet] - 1 - slot
    out[jet, slot] = rows
    return out


def cnn_features(jets: JetSet | np.ndarray, npix: int = IMAGE_PIXELS, chunk_size: int = 20_000
                 ) -> np.ndarray:
    """``(N, 1, npix, npix)`` float32 jet images, computed in chunks of ``chunk_size`` jets."""
    constituents = jets.constituents if isinstance(jets, JetSet) else np.asarray(jets)
    images = np.zeros((len(constituents), 1, npix, npix), np.float32)  # filled chunk by chunk
    for i in range(0, len(constituents), chunk_size):
        images[i:i + chunk_size, 0] = jet_images(constituents[i:i + chunk_size], npix=npix)
    return images
