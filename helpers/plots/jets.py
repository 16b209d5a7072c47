"""Figures of jets and their constituents (chapters 0, 1 and 4): class histograms, jet
images and primary Lund-plane densities."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ..studies.attribution import feature_grid
from .style import CLASS_COLORS, axis_label


def hist_classes(ax: Axes, values: dict[str, np.ndarray], bins, xlabel: str, unit: str | None = None,
                 density: bool = True, logy: bool = False, note: str | None = None):
    """Step histograms of one quantity for several classes on one axis."""
    for name, v in values.items():
        v = np.asarray(v)
        v = v[np.isfinite(v)]
        ax.hist(v, bins=bins, histtype="step", lw=2, density=density,
                color=CLASS_COLORS.get(name), label=f"{name} ({len(v):,} jets)")
    ax.set_xlabel(axis_label(xlabel, unit))
    per = f" / {unit}" if unit and density else ""
    ax.set_ylabel("normalised to unit area" + (f" [1{per}]" if per else "") if density
                  else "jets per bin")
    if logy:
        ax.set_yscale("log")
    if note:
        ax.text(0.03, 0.95, note, transform=ax.transAxes, va="top", fontsize=12)
    ax.legend(loc="best")
    return ax


def image(ax: Axes, img: np.ndarray, half_width: float, title: str, vmin: float = 1e-5,
          vmax: float | None = None, xlabel: str = r"$\Delta\phi$",
          ylabel: str = r"$\Delta\eta$", cbar_label: str = ""):
    """A jet image (rows = eta, columns = phi) with a logarithmic colour scale."""
    ext = (-half_width, half_width, -half_width, half_width)
    im = ax.imshow(np.clip(img, vmin, None), origin="lower", extent=ext, aspect="equal",
                   norm=LogNorm(vmin=vmin, vmax=max(vmax or img.max(), vmin * 10)), cmap="viridis")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=14)
    plt.colorbar(im, ax=ax, label=cbar_label, fraction=0.046)
    return im


#: default binning of the primary Lund plane: ln(1/Delta) and ln(kt / GeV)
LUND_BINS = (np.linspace(0, 6, 31), np.linspace(-4, 7, 34))


def lund_density(ax: Axes, ln_inv_delta: np.ndarray, ln_kt: np.ndarray, n_jets: int, title: str,
                 bins=LUND_BINS, vmax: float | None = None):
    """Primary Lund-plane density: declusterings per jet per unit area of the plane."""
    h, xe, ye = np.histogram2d(ln_inv_delta, ln_kt, bins=bins)
    area = np.outer(np.diff(xe), np.diff(ye))
    rho = h / (n_jets * area)
    im = ax.pcolormesh(xe, ye, rho.T, cmap="magma", vmin=0, vmax=vmax or rho.max(),
                       shading="flat")
    ax.set_xlabel(r"$\ln(1/\Delta)$")
    ax.set_ylabel(r"$\ln(k_t / \mathrm{GeV})$")
    ax.set_title(title, fontsize=14)
    plt.colorbar(im, ax=ax, label=r"$\rho$ = emissions / jet / unit area", fraction=0.046)
    return rho


def constituent_image(X: np.ndarray, npix: int = 41, half_width: float = 1.0) -> np.ndarray:
    """Mean scaled-pT map of preprocessed TopoDNN inputs in ``(eta, phi)`` (rows = eta).

    Each constituent adds its scaled pT to the pixel of its preprocessed ``(eta, phi)``;
    the map is averaged over jets.  Padded constituents (pT = 0) add nothing.
    """
    grid = feature_grid(X)  # (N, 3, n)
    pt, eta, phi = grid[:, 0].ravel(), grid[:, 1].ravel(), grid[:, 2].ravel()
    edges = np.linspace(-half_width, half_width, npix + 1)
    img, _, _ = np.histogram2d(eta, phi, bins=(edges, edges), weights=pt)
    return img / len(X)


def preprocessed_images(X_by_class: Mapping[str, np.ndarray], half_width: float = 1.0) -> Figure:
    """One panel per class: the mean preprocessed constituent map on a shared log scale."""
    imgs = {k: constituent_image(X, half_width=half_width) for k, X in X_by_class.items()}
    vmax = max(img.max() for img in imgs.values())
    fig, axes = plt.subplots(1, len(imgs), figsize=(7 * len(imgs), 6))
    for ax, (name, img) in zip(np.atleast_1d(axes), imgs.items()):
        image(ax, img, half_width, f"{name} jets after preprocessing", vmin=vmax * 1e-5, vmax=vmax,
              xlabel=r"$\phi'$", ylabel=r"$\eta'$", cbar_label=r"mean $p_T / 1700$ GeV per pixel")
    fig.tight_layout()
    return fig
