"""Jet images: the pT-weighted constituent distribution in the (eta, phi) plane."""

from __future__ import annotations

import numpy as np

from .kinematics import JetsLike, delta_phi, eta, jet_four_momentum, phi, to_pt_eta_phi


def jet_images(jets: JetsLike, npix: int = 33, half_width: float = 0.8) -> np.ndarray:
    """``(N, npix, npix)`` images centred on the jet axis, pixel = sum of pT / jet pT.

    Axis 1 is Delta eta, axis 2 is Delta phi, both in ``[-half_width, half_width]``;
    constituents outside the window are dropped.
    """
    kin = to_pt_eta_phi(jets)
    axis = jet_four_momentum(jets)
    deta = kin[..., 1] - eta(axis)[:, None]
    dphi = delta_phi(kin[..., 2], phi(axis)[:, None])
    z = kin[..., 0] / kin[..., 0].sum(axis=1, keepdims=True)
    edges = np.linspace(-half_width, half_width, npix + 1)
    ie = np.digitize(deta, edges) - 1
    ip = np.digitize(dphi, edges) - 1
    ok = (kin[..., 0] > 0) & (ie >= 0) & (ie < npix) & (ip >= 0) & (ip < npix)
    jet_idx = np.broadcast_to(np.arange(len(kin))[:, None], ok.shape)
    images = np.zeros((len(kin), npix, npix))
    np.add.at(images, (jet_idx[ok], ie[ok], ip[ok]), z[ok])
    return images


def average_image(jets: JetsLike, **kwargs) -> np.ndarray:
    """Mean of :func:`jet_images` over the jets."""
    return jet_images(jets, **kwargs).mean(axis=0)
