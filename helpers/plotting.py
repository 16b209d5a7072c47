"""HEP-style figures shared by the chapters (mplhep style, labelled axes with units)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import mplhep as hep
import numpy as np
from matplotlib.colors import LogNorm

#: colours per class name, used by every chapter
CLASS_COLORS = {"top": "#d62728", "QCD": "#1f77b4", "W": "#ff7f0e", "quark": "#2ca02c",
                "gluon": "#9467bd"}


def use_style() -> None:
    """mplhep's CMS-like style with sizes that read well in the book."""
    plt.style.use(hep.style.CMS)
    plt.rcParams.update({"figure.figsize": (7, 5), "font.size": 14, "axes.labelsize": 15,
                         "legend.fontsize": 12, "figure.dpi": 80, "savefig.dpi": 100})


def axis_label(name: str, unit: str | None = None) -> str:
    return f"{name} [{unit}]" if unit else name


def hist_classes(ax, values: dict[str, np.ndarray], bins, xlabel: str, unit: str | None = None,
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


def image(ax, img: np.ndarray, half_width: float, title: str, vmin: float = 1e-5,
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


def lund_density(ax, ln_inv_delta: np.ndarray, ln_kt: np.ndarray, n_jets: int, title: str,
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
