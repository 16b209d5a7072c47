"""Figures of the Lund-plane saliency maps (chapter 5): one map, a grid of tasks and
classes, and the lines of constant splitting mass."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D

from ..studies.lund import LUND_X_BINS, LUND_Y_BINS, LundMap


def constant_mass_line(m: float, jet_pt: float, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """``(ln 1/Delta, ln kt)`` of the splittings of a ``jet_pt`` parent into two massless
    children with invariant mass ``m``: ``m^2 = z (1 - z) pT^2 Delta^2``, ``kt = z pT Delta``,
    from ``Delta = 1`` to the smallest opening angle ``Delta = 2 m / pT``, reached at ``z = 1/2``."""
    delta = np.geomspace(1.0, 2 * m / jet_pt, n)
    z = 0.5 * (1 - np.sqrt(np.clip(1 - 4 * m**2 / (jet_pt * delta) ** 2, 0, None)))
    return np.log(1 / delta), np.log(z * jet_pt * delta)


def mass_lines(ax: Axes, jet_pt: float = 600.0, masses: dict[str, float] | None = None) -> None:
    """Where a splitting of a ``jet_pt`` parent with mass ``m`` lies on the Lund plane.

    Exactly (:func:`constant_mass_line`); for a small softer fraction ``z`` the line is
    ``m^2 ~ kt pT Delta``, of slope +1. It ends on the kinematic edge ``z = 1/2`` (dashed),
    ``ln kt = ln(pT / 2) - ln 1/Delta``, at the smallest opening angle a splitting of that
    mass can have, ``Delta = 2 m / pT``.
    """
    masses = masses or {"$m_W$": 80.4, "$m_t$": 172.5}
    x_max = LUND_X_BINS[-1]
    outline = [patheffects.withStroke(linewidth=4, foreground="black")]
    handles = []
    for (name, m), style in zip(masses.items(), (":", "-.")):
        ax.plot(*constant_mass_line(m, jet_pt), color="white", lw=2, ls=style, path_effects=outline)
        handles.append(Line2D([], [], color="black", lw=2, ls=style,
                              label=f"{name}, $p_T$ = {jet_pt:.0f} GeV"))
    x = np.array([0.0, x_max])
    handles += ax.plot(x, np.log(jet_pt / 2) - x, color="grey", lw=1.5, ls="--",
                       label="$z = 1/2$")
    ax.set_xlim(LUND_X_BINS[0], x_max)
    ax.set_ylim(LUND_Y_BINS[0], LUND_Y_BINS[-1])
    ax.legend(handles=handles, loc="upper right", fontsize=10, framealpha=0.8, handlelength=3)


def percentile_vmax(maps: list[LundMap], q: float = 98.0) -> float:
    """A colour-scale maximum: the ``q``-th percentile of the filled bins' means."""
    values = np.concatenate([m.mean[np.isfinite(m.mean)] for m in maps])
    return float(np.percentile(values, q)) if values.size else 1.0


def task_vmax(maps: dict[str, dict[str, LundMap]], q: float = 98.0) -> dict[str, float]:
    """One :func:`percentile_vmax` per task, over the maps of its classes."""
    return {task: percentile_vmax(list(by_class.values()), q) for task, by_class in maps.items()}


def common_vmax(maps: dict[str, dict[str, LundMap]], q: float = 98.0) -> float:
    """One :func:`percentile_vmax` over the maps of every task and class."""
    return percentile_vmax([m for by_class in maps.values() for m in by_class.values()], q)


#: what :func:`plot_lund_map` can draw
MAP_KINDS = ("saliency", "relative", "density")


def _map_values(m: LundMap, kind: str, vmax: float | None):
    """Values, colour normalisation, colour map and colour-bar label of one map kind."""
    if kind == "density":
        values = m.count / max(m.n_jets, 1)
        values = np.where(values > 0, values, np.nan)
        return (values, LogNorm(vmin=1e-4, vmax=max(np.nanmax(values), 1e-3)), "viridis",
                "nodes per jet and bin")
    if kind == "relative":  # 1 = as salient as the average node at the same depth
        top = vmax if vmax is not None else 2.0
        return (np.clip(m.mean, 1 / top, top), LogNorm(vmin=1 / top, vmax=top), "RdBu_r",
                "saliency / mean at the same depth")
    top = vmax if vmax is not None else np.nanmax(m.mean)
    return (np.clip(m.mean, None, top), plt.Normalize(0.0, top), "viridis",
            r"mean saliency $\|\partial L/\partial h_i\| / \|\partial L/\partial h_J\|$")


def plot_lund_map(ax: Axes, m: LundMap, title: str, vmax: float | None = None,
                  kind: str = "saliency"):
    """One Lund map of a :data:`MAP_KINDS` kind: mean saliency (linear scale up to ``vmax``,
    overflow shown at the top colour), depth-relative saliency (log scale from ``1/vmax`` to
    ``vmax``, default 2, centred on 1) or node density (nodes per jet and bin, log scale)."""
    if kind not in MAP_KINDS:
        raise ValueError(f"kind must be one of {MAP_KINDS}, got {kind!r}")
    values, norm, cmap, label = _map_values(m, kind, vmax)
    im = ax.pcolormesh(m.x_edges, m.y_edges, values.T, norm=norm, cmap=cmap)
    ax.set_xlabel(r"$\ln(1/\Delta)$")
    ax.set_ylabel(r"$\ln(k_t / \mathrm{GeV})$")
    ax.set_title(title, fontsize=14)
    bar = plt.colorbar(im, ax=ax, label=label, fraction=0.046)
    if kind == "relative":  # plain numbers, symmetric around 1
        ticks = np.geomspace(norm.vmin, norm.vmax, 5)
        bar.set_ticks(ticks, labels=[f"{t:.2g}" for t in ticks])
        bar.minorticks_off()
    return im


def plot_map_grid(maps: dict[str, dict[str, LundMap]], vmax: dict[str, float] | float | None = None,
                  kind: str = "saliency"):
    """One row per task, one column per class, maps of one :data:`MAP_KINDS` kind (``vmax``
    per task or common); constant-mass lines drawn on every panel."""
    fig, axes = plt.subplots(len(maps), 2, figsize=(15, 5.6 * len(maps)), squeeze=False)
    for row, (task, by_class) in zip(axes, maps.items()):
        top = vmax.get(task) if isinstance(vmax, dict) else vmax
        for ax, (name, m) in zip(row, by_class.items()):
            plot_lund_map(ax, m, f"{task}: {name} jets", vmax=top, kind=kind)
            mass_lines(ax)
    fig.tight_layout()
    return fig
