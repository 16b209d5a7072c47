"""Figures of jets and their constituents (chapters 0, 1 and 4): class histograms, kinematics
and substructure panels, jet images, primary Lund-plane densities, preprocessed inputs."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ..data.jets import JetSet
from ..studies.attribution import feature_grid
from ..studies.jets import LUND_BINS
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


def lund_map(ax: Axes, rho: np.ndarray, title: str, bins: tuple[np.ndarray, np.ndarray] = LUND_BINS,
             vmax: float | None = None):
    """A primary Lund-plane density (:func:`helpers.studies.jets.lund_density`)."""
    xe, ye = bins
    im = ax.pcolormesh(xe, ye, rho.T, cmap="magma", vmin=0, vmax=vmax or rho.max(),
                       shading="flat")
    ax.set_xlabel(r"$\ln(1/\Delta)$")
    ax.set_ylabel(r"$\ln(k_t / \mathrm{GeV})$")
    ax.set_title(title, fontsize=14)
    plt.colorbar(im, ax=ax, label=r"$\rho$ = emissions / jet / unit area", fraction=0.046)
    return im


#: the substructure panels of :func:`observable_grid`: (observable, bins, label, unit)
SUBSTRUCTURE_PANELS = (
    ("mass", np.linspace(0, 300, 61), "jet mass $m_J$", "GeV"),
    ("tau21", np.linspace(0, 1, 41), r"$\tau_{21}$", None),
    ("tau32", np.linspace(0, 1, 41), r"$\tau_{32}$", None),
    ("width", np.linspace(0, 0.5, 41), r"width $\lambda^1_1$", None),
    ("multiplicity", np.arange(0, 161, 4), "constituent multiplicity", None),
    ("pTD", np.linspace(0, 1, 41), r"$p_T^D$", None),
)


def kinematics_panels(kin: Mapping[str, Mapping[str, np.ndarray]]) -> Figure:
    """Jet mass, pT, eta and constituent multiplicity per class
    (:func:`helpers.studies.jets.kinematics_by_sample`)."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 10))
    for ax, (key, bins, label, unit) in zip(axes.flat, (
            ("mass", np.linspace(0, 300, 61), "jet mass $m_J$", "GeV"),
            ("pt", np.linspace(540, 660, 49), "jet $p_T$", "GeV"),
            ("eta", np.linspace(-2.2, 2.2, 45), r"jet $\eta$", None),
            ("multiplicity", np.arange(0, 161, 4), "constituent multiplicity", None))):
        hist_classes(ax, {n: k[key] for n, k in kin.items()}, bins, label, unit)
    fig.tight_layout()
    return fig


def momentum_fraction_panels(frac: Mapping[str, np.ndarray], n_inputs: int = 30) -> Figure:
    """The momentum fraction of the three hardest constituents, and the mean fraction per
    constituent rank (a dashed line at the ``n_inputs`` constituents the TopoDNN sees)."""
    fig, axes = plt.subplots(1, 4, figsize=(20, 5))
    for i, ax in enumerate(axes[:3]):
        hist_classes(ax, {n: f[:, i] for n, f in frac.items()}, np.linspace(0, 1, 41),
                     f"$p_{{T,{i}}} / p_{{T,J}}$ (constituent {i})")
    for n, f in frac.items():
        axes[3].plot(np.arange(1, 61), f[:, :60].mean(axis=0), "o-", ms=3, color=CLASS_COLORS[n],
                     label=n)
    axes[3].set(xscale="log", yscale="log", xlabel="constituent rank (by $p_T$)",
                ylabel=r"mean $p_{T,i}/p_{T,J}$")
    axes[3].axvline(n_inputs, color="grey", ls="--", lw=1)
    axes[3].legend()
    fig.tight_layout()
    return fig


def average_images(images: Mapping[str, np.ndarray], half_width: float) -> Figure:
    """Mean jet images per class on one colour scale."""
    vmax = max(img.max() for img in images.values())
    fig, axes = plt.subplots(1, len(images), figsize=(7 * len(images), 6))
    for ax, (n, img) in zip(np.atleast_1d(axes), images.items()):
        image(ax, img, half_width, f"{n} jets: mean $p_T$ fraction per pixel", vmax=vmax,
              cbar_label=r"$p_T / p_{T,J}$")
    fig.tight_layout()
    return fig


def mass_and_multiplicity(kin: Mapping[str, Mapping[str, np.ndarray]]) -> Figure:
    """Jet mass and constituent multiplicity of several samples side by side."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    hist_classes(axes[0], {n: k["mass"] for n, k in kin.items()}, np.linspace(0, 300, 61),
                 "jet mass $m_J$", "GeV")
    hist_classes(axes[1], {n: k["multiplicity"] for n, k in kin.items()}, np.arange(0, 161, 4),
                 "constituent multiplicity")
    fig.tight_layout()
    return fig


def observable_grid(observables: Mapping[str, Mapping[str, np.ndarray]], group: Sequence[str],
                    panels: Sequence[tuple] = SUBSTRUCTURE_PANELS) -> Figure:
    """The :data:`SUBSTRUCTURE_PANELS` of the samples in ``group``, one panel each."""
    fig, axes = plt.subplots(2, 3, figsize=(20, 10))
    for ax, (key, bins, label, unit) in zip(axes.flat, panels):
        hist_classes(ax, {n: observables[n][key] for n in group}, bins, label, unit)
    fig.suptitle(" vs ".join(group) + " jets", fontsize=18)
    fig.tight_layout()
    return fig


def lund_map_grid(densities: Mapping[str, np.ndarray],
                  bins: tuple[np.ndarray, np.ndarray] = LUND_BINS) -> Figure:
    """One primary Lund-plane density per sample (three columns when there are more than two)."""
    shape, size = ((2, 3), (20, 11)) if len(densities) > 2 else ((1, 2), (14, 5.5))
    fig, axes = plt.subplots(*shape, figsize=size)
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(densities):]:
        ax.remove()
    for ax, (n, rho) in zip(axes, densities.items()):
        lund_map(ax, rho, f"{n} jets", bins)
    fig.tight_layout()
    return fig


def lund_differences(densities: Mapping[str, np.ndarray], pairs: Sequence[tuple[str, str]],
                     bins: tuple[np.ndarray, np.ndarray] = LUND_BINS) -> Figure:
    """Differences ``a - b`` of Lund-plane densities, one panel per available pair."""
    pairs = [p for p in pairs if p[0] in densities and p[1] in densities]
    fig, axes = plt.subplots(1, len(pairs), figsize=(7 * len(pairs), 5.5))
    xe, ye = bins
    for ax, (a, b) in zip(np.atleast_1d(axes), pairs):
        diff = densities[a] - densities[b]
        lim = np.abs(diff).max()
        im = ax.pcolormesh(xe, ye, diff.T, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set(xlabel=r"$\ln(1/\Delta)$", ylabel=r"$\ln(k_t / \mathrm{GeV})$", title=f"{a} − {b}")
        plt.colorbar(im, ax=ax, label=r"$\Delta\rho$", fraction=0.046)
    fig.tight_layout()
    return fig


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


def kinematic_spectra(test_sets: Mapping[str, JetSet]) -> Figure:
    """Jet pT and |eta| of signal and background test jets, one row a task (the kinematic
    shortcut control, :func:`helpers.studies.jets.shortcut_control`)."""
    from ..data.processes import TASKS
    from ..physics.kinematics import jet_kinematics

    fig, axes = plt.subplots(len(test_sets), 2, figsize=(13, 4.6 * len(test_sets)), squeeze=False)
    for row, (task, jets) in zip(axes, test_sets.items()):
        kin = jet_kinematics(jets)
        names = TASKS[task].class_names
        by = {names[label]: jets.labels == label for label in (1, 0)}
        note = TASKS[task].title
        hist_classes(row[0], {n: kin["pt"][m] for n, m in by.items()},
                     np.histogram_bin_edges(kin["pt"], 24), "jet $p_T$", "GeV", note=note)
        hist_classes(row[1], {n: np.abs(kin["eta"][m]) for n, m in by.items()},
                     np.linspace(0, 2.0, 21), r"jet $|\eta|$", note=note)
    fig.tight_layout()
    return fig
