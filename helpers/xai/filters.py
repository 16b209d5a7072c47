"""Angular filters: a per-particle map evaluated on a grid of angles, and its shape.

An Energy Flow Network (:class:`helpers.models.efn.EFN`) sums ``z_i Phi_a(deta_i, dphi_i)``
over a jet's particles, so each latent component ``a`` is an IRC-safe observable defined by
one *filter* ``Phi_a`` on the ``(deta, dphi)`` plane; Komiske et al. (arXiv:1810.05165) read
the trained network by drawing these filters.  The functions here work on any model with a
``filters(angles (G, 2)) -> (G, latent_dim)`` method (:func:`filter_grid`) and on any angular
map given as an image (:func:`filter_properties`):

- :func:`filter_grid`       -- the filters on an ``n x n`` grid, as images;
- :func:`filter_properties` -- peak, centroid, radius ``R50`` and number of lobes of one image
  (:class:`FilterProperties`, whose docstring gives the definitions);
- :func:`leading_filters`   -- the latent components that vary most between jets.

Image convention (that of the book's jet images): ``image[i, j]`` is the value at
``deta = axis[i]`` (rows) and ``dphi = axis[j]`` (columns); points are ``(deta, dphi)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from scipy.stats import spearmanr

#: lobes (connected regions above half the maximum) smaller than this many pixels are noise
MIN_LOBE_PIXELS = 4
#: the level that defines a lobe, as a fraction of the filter's maximum above its floor
LOBE_LEVEL = 0.5


def filter_grid(model, extent: float = 0.8, n: int = 101, batch_size: int = 65536,
                disc: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``model.filters`` on the ``n x n`` grid ``[-extent, extent]^2`` of ``(deta, dphi)``.

    Returns the images ``(latent_dim, n, n)`` (float64; ``images[a, i, j]`` is filter ``a`` at
    ``deta = axis[i]``, ``dphi = axis[j]``) and the grid's ``axis`` ``(n,)``.  ``model`` is any
    object with a ``filters(angles (G, 2)) -> (G, latent_dim)`` method (an
    :class:`~helpers.models.efn.EFN`); it is evaluated without gradients in batches of
    ``batch_size`` points.  With ``disc`` (e.g. the jet radius), the points farther than
    ``disc`` from the axis are NaN: no particle of the jet lies there, so the filter's values
    there mean nothing (and :func:`filter_properties` ignores them).
    """
    axis = np.linspace(-extent, extent, n)
    deta, dphi = np.meshgrid(axis, axis, indexing="ij")
    points = torch.from_numpy(np.stack([deta.ravel(), dphi.ravel()], axis=1))
    with torch.no_grad():
        values = np.concatenate([np.asarray(model.filters(points[i : i + batch_size]).cpu(),
                                            np.float64)
                                 for i in range(0, len(points), batch_size)])
    images = values.T.reshape(-1, n, n)
    if disc is not None:
        images[:, np.hypot(deta, dphi) > disc] = np.nan
    return images, axis


@dataclass
class FilterProperties:
    """The shape of one angular filter ``f`` on a grid (:func:`filter_properties`).

    All of them are computed from the filter's height *above its floor*, ``w = f - min f``
    over the grid.  With the book's ``z_i`` summing to one per jet, a constant added to a
    filter adds the same constant to its latent for every jet, so only ``w`` is information
    (and an EFN's ReLU filters are usually exactly zero somewhere, where ``w = f``).  A
    constant (e.g. dead) filter has ``w = 0``: ``n_lobes`` is 0 and the rest NaN.  Only the
    grid is seen: a filter that reaches the grid's edge is described by its part inside;
    NaN pixels (outside the jet, :func:`filter_grid` with ``disc``) are left out.
    """

    #: ``R50``: radius of the circle around the ``centroid`` holding half of the integral of
    #: ``w`` over the grid (each pixel's weight at its centre, interpolated linearly between
    #: pixel distances).  For a Gaussian blob of width ``sigma`` it is
    #: ``sigma sqrt(2 ln 2) = 1.177 sigma``, for a thin ring its radius; for several lobes it
    #: measures their overall angular extent, not the size of one.  A median radius is robust:
    #: neither one hot pixel nor a faint tail at the grid's edge moves it much.
    radius: float
    #: connected regions (8-neighbour) with ``w > LOBE_LEVEL * max w`` (half the maximum), not
    #: counting regions of fewer than ``min_pixels`` pixels (default :data:`MIN_LOBE_PIXELS`)
    n_lobes: int
    #: ``(deta, dphi)`` of the grid point with the largest value
    peak: tuple[float, float]
    #: ``(deta, dphi)`` mean of the grid points weighted by ``w``
    centroid: tuple[float, float]
    #: ``|centroid|``: angular distance of the centroid from the jet axis ``(0, 0)``
    distance_from_axis: float
    #: Spearman rank correlation of the filter with the distance from the axis over the
    #: grid's finite pixels: near +1 a filter that rises with the angle to the axis (it
    #: weighs particles as an angularity ``sum_i z_i theta_i^beta`` does), near -1 one that
    #: falls, near 0 one with structure at some angle
    radial_correlation: float = float("nan")


def _median_radius(distance: np.ndarray, weight: np.ndarray) -> float:
    """Smallest distance within which the weights reach half their sum (linear interpolation
    of the cumulative weight between sorted distances)."""
    order = np.argsort(distance, kind="stable")
    d, cum = distance[order], np.cumsum(weight[order])
    half = 0.5 * cum[-1]
    k = int(np.searchsorted(cum, half))  # first index with cum >= half
    if k == 0:
        return float(d[0])
    return float(np.interp(half, [cum[k - 1], cum[k]], [d[k - 1], d[k]]))


def filter_properties(image: np.ndarray, axis: np.ndarray,
                      min_pixels: int = MIN_LOBE_PIXELS) -> FilterProperties:
    """:class:`FilterProperties` of one ``(n, n)`` image on the grid ``axis`` (rows ``deta``,
    columns ``dphi``, as :func:`filter_grid` returns them)."""
    image = np.asarray(image, np.float64)
    axis = np.asarray(axis, np.float64)
    if image.shape != (len(axis), len(axis)):
        raise ValueError(f"image of shape {image.shape} does not match an axis of {len(axis)} points")
    inside = np.isfinite(image)
    if not inside.any():
        nan = float("nan")
        return FilterProperties(nan, 0, (nan, nan), (nan, nan), nan)
    w = np.where(inside, image - np.min(image[inside]), 0.0)
    top = w.max()
    if not np.isfinite(top) or top <= 0:
        nan = float("nan")
        return FilterProperties(nan, 0, (nan, nan), (nan, nan), nan)
    deta, dphi = np.meshgrid(axis, axis, indexing="ij")
    i, j = np.unravel_index(int(np.argmax(np.where(inside, image, -np.inf))), image.shape)
    total = w.sum()
    centroid = (float((w * deta).sum() / total), float((w * dphi).sum() / total))
    distance = np.hypot(deta - centroid[0], dphi - centroid[1])
    labels, n_regions = ndimage.label(w > LOBE_LEVEL * top, structure=np.ones((3, 3), bool))
    sizes = np.bincount(labels.ravel(), minlength=n_regions + 1)[1:]
    radial = spearmanr(image[inside], np.hypot(deta, dphi)[inside])[0]
    return FilterProperties(
        radius=_median_radius(distance.ravel(), w.ravel()),
        n_lobes=int((sizes >= min_pixels).sum()),
        peak=(float(axis[i]), float(axis[j])),
        centroid=centroid,
        distance_from_axis=float(np.hypot(*centroid)),
        radial_correlation=float(radial),
    )


def leading_filters(latents: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` latent components with the largest spread between jets.

    ``latents`` ``(n_jets, latent_dim)`` are the latent vectors of a sample of jets (e.g.
    :meth:`helpers.models.efn.EFN.latent`); the spread is the standard deviation over the
    jets, largest first.  A component that takes the same value for every jet tells the head
    nothing whatever its mean, while one that varies much between jets is what the head can
    use, so the spread -- in the latent's own units, which are those the head reads -- ranks
    the filters worth drawing.  It is a ranking by variation, not by importance for the
    output (for that, see :mod:`helpers.studies.latent`).  Dead components (zero for every
    jet) come last, after constant non-zero ones; ties keep the index order.  At most
    ``latent_dim`` indices are returned.
    """
    latents = np.asarray(latents, np.float64)
    spread = latents.std(axis=0)
    dead = np.all(latents == 0, axis=0)
    order = np.lexsort((-spread, dead))  # last key is primary: live first, then by spread
    return order[: max(int(n), 0)]
