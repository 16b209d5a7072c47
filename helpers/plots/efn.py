"""Figures of the Energy Flow Network's filters: the learned angular maps ``Phi_a(deta, dphi)``
(:func:`helpers.xai.filters.filter_grid`) with their radius and lobes."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..xai.filters import FilterProperties

#: colour-bar label of a filter
FILTER_LABEL = r"$\Phi_a(\Delta\eta, \Delta\phi)$"


def _norm_and_cmap(img: np.ndarray):
    """Non-negative filters (the ReLU ones): 0 to their maximum; others: symmetric to zero."""
    top = float(np.nanmax(np.abs(img))) or 1.0
    if np.nanmin(img) >= 0:
        return plt.Normalize(0.0, top), "magma"
    return plt.Normalize(-top, top), "RdBu_r"


def filter_maps(images: np.ndarray | Sequence[np.ndarray], axis: np.ndarray,
                properties: Sequence[FilterProperties], titles: Sequence[str],
                ncols: int = 4) -> Figure:
    """A grid of filter images, ``ncols`` per row, each on its own colour scale.

    ``images[k]`` is ``(n, n)`` with rows ``deta = axis[i]`` and columns ``dphi = axis[j]``
    (:func:`helpers.xai.filters.filter_grid`), drawn with ``dphi`` across and ``deta`` up as
    the book's jet images.  Each panel is titled with ``titles[k]``, the filter's ``R50`` and
    lobe count, and shows the circle of radius ``R50`` around its centroid (dashed, centroid
    ``+``) and the jet axis (grey ``x``).
    """
    axis = np.asarray(axis)
    k = len(images)
    ncols = max(1, min(ncols, k))
    nrows = max(1, -(-k // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 4.2 * nrows), squeeze=False)
    half = 0.5 * (axis[1] - axis[0]) if len(axis) > 1 else 0.5
    extent = (axis[0] - half, axis[-1] + half, axis[0] - half, axis[-1] + half)
    for ax, img, prop, title in zip(axes.flat, images, properties, titles):
        img = np.asarray(img)
        norm, cmap = _norm_and_cmap(img)
        im = ax.imshow(img, origin="lower", extent=extent, aspect="equal", norm=norm, cmap=cmap)
        ax.plot(0, 0, "x", color="grey", ms=7, mew=1.5)
        if np.isfinite(prop.radius):
            c_eta, c_phi = prop.centroid
            ax.add_patch(Circle((c_phi, c_eta), prop.radius, fill=False, color="white", lw=1.5,
                                ls="--"))
            ax.plot(c_phi, c_eta, "+", color="white", ms=9, mew=1.5)
            note = f"$R_{{50}}$ = {prop.radius:.2f}, {prop.n_lobes} lobe{'s' * (prop.n_lobes != 1)}"
        else:
            note = "constant filter"
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_title(f"{title}\n{note}", fontsize=13)
        ax.set_xlabel(r"$\Delta\phi$")
        ax.set_ylabel(r"$\Delta\eta$")
        plt.colorbar(im, ax=ax, label=FILTER_LABEL, fraction=0.046)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
