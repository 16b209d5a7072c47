"""Gradient saliency of RecNN clustering nodes, mapped onto the Lund plane (Cheng, Fig. 1).

For every node ``i`` of a jet's tree: ``s_i = ||dL/dh_i||_2 / ||dL/dh_J||_2`` with ``h_J``
the root embedding.  For the binary cross-entropy, the probability or the logit ``z``,
``dL/dh_i = L'(z) dz/dh_i`` with the same scalar factor for every node of a jet, so the
ratio does not depend on which of them is called ``L``: it is computed from the logit, which
never saturates.  (Jets whose head has zero gradient at the root get NaN and are skipped.)

Inner nodes are placed at their splitting's Lund coordinates ``(ln 1/Delta, ln kt/GeV)``
(lab-frame momenta of the two children, :attr:`helpers.trees.JetTrees.lund`), and the
saliency is averaged per bin, per class.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib import patheffects
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D

from .models.recnn import RecNN
from .observables import mass
from .preprocessing.recnn import TreeInputs
from .trees import JetTrees

#: default Lund-plane binning: ln 1/Delta (x) and ln kt/GeV (y)
LUND_X_BINS = np.linspace(0.0, 7.0, 29)
LUND_Y_BINS = np.linspace(-5.0, 6.0, 23)


def node_saliency(model: RecNN, inputs: TreeInputs, batch_size: int = 512) -> np.ndarray:
    """``(n_nodes,)`` saliency ``s_i`` of every node of ``inputs.trees`` (roots are 1)."""
    device = next(model.parameters()).device.type
    inputs = inputs.to(device)
    model.eval()
    out = np.full(inputs.trees.n_nodes, np.nan)
    for start in range(0, len(inputs), batch_size):
        batch = inputs.batch(np.arange(start, min(start + batch_size, len(inputs))))
        _, grad = model.node_gradients(batch)
        norm = grad.norm(dim=1).double()
        root = norm[batch.roots][batch.jet]
        s = torch.where(root > 0, norm / root, torch.full_like(norm, float("nan")))
        out[batch.nodes] = s.cpu().numpy()
    return out


@dataclass
class LundMap:
    """Binned saliency on the Lund plane: mean per bin and node count per bin."""

    x_edges: np.ndarray
    y_edges: np.ndarray
    #: ``(nx, ny)`` mean saliency (NaN in empty bins)
    mean: np.ndarray
    #: ``(nx, ny)`` number of nodes
    count: np.ndarray
    #: number of jets that contributed
    n_jets: int


def lund_saliency(lund: np.ndarray, saliency: np.ndarray, n_jets: int,
                  x_edges: np.ndarray = LUND_X_BINS, y_edges: np.ndarray = LUND_Y_BINS) -> LundMap:
    """Average ``saliency`` of nodes with Lund coordinates ``lund[:, :2]`` in each bin
    (``n_jets``: how many jets the nodes come from, for the density).

    Rows with a non-finite coordinate or saliency (leaves, skipped jets) are ignored;
    entries outside the edges are dropped.
    """
    x, y = lund[:, 0], lund[:, 1]
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(saliency)
    count, _, _ = np.histogram2d(x[ok], y[ok], bins=(x_edges, y_edges))
    total, _, _ = np.histogram2d(x[ok], y[ok], bins=(x_edges, y_edges), weights=saliency[ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return LundMap(x_edges, y_edges, mean, count, n_jets)


def class_lund_maps(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                    class_names: dict[int, str], min_count: int = 1) -> dict[str, LundMap]:
    """Saliency Lund maps of the inner nodes, one per class (bins with fewer than
    ``min_count`` nodes are set to NaN)."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    inner = trees.children[:, 0] >= 0
    maps = {}
    for label, name in class_names.items():
        keep = inner & (node_label == label)
        m = lund_saliency(trees.lund[keep], saliency[keep], int((labels == label).sum()))
        m.mean[m.count < min_count] = np.nan
        maps[name] = m
    return maps


def map_correlation(a: LundMap, b: LundMap) -> float:
    """Pearson correlation of two maps' bin means over the bins filled in both."""
    ok = np.isfinite(a.mean) & np.isfinite(b.mean)
    return float(np.corrcoef(a.mean[ok], b.mean[ok])[0, 1]) if ok.sum() > 2 else float("nan")


def splitting_regions(trees: JetTrees) -> dict[str, np.ndarray]:
    """Masks of inner nodes in physically distinct regions of the Lund plane.

    Hard splittings (``z > 0.1``) whose node mass is near the W or the top mass; collinear
    splittings (``Delta < 0.05``); soft large-angle emissions (``Delta > 0.3``, ``z < 0.05``).
    """
    inner = trees.children[:, 0] >= 0
    m = mass(trees.momenta.astype(np.float64))
    ln_inv_delta, _, z = trees.lund.astype(np.float64).T
    with np.errstate(invalid="ignore"):
        hard = inner & (z > 0.1)
        return {
            "hard, node mass 65-95 GeV (W)": hard & (m > 65) & (m < 95),
            "hard, node mass 140-200 GeV (top)": hard & (m > 140) & (m < 200),
            "collinear, Delta < 0.05": inner & (ln_inv_delta > -np.log(0.05)),
            "soft wide-angle, Delta > 0.3, z < 0.05": inner & (ln_inv_delta < -np.log(0.3))
            & (z < 0.05),
            "all inner nodes": inner,
        }


def relative_to_depth(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``s_i`` divided by the mean saliency of the inner nodes of the same class at the same
    depth: above 1, a node matters more than its position in the tree alone would suggest."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    ok = (trees.children[:, 0] >= 0) & np.isfinite(saliency)
    out = np.full(len(saliency), np.nan)
    for label in np.unique(labels):
        keep = ok & (node_label == label)
        depth = trees.depth[keep]
        mean = np.bincount(depth, weights=saliency[keep]) / np.maximum(np.bincount(depth), 1)
        out[keep] = saliency[keep] / mean[depth]
    return out


def region_table(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                 class_names: dict[int, str]) -> pd.DataFrame:
    """Per :func:`splitting_regions` region and class: mean saliency, mean saliency relative
    to nodes at the same depth (:func:`relative_to_depth`), nodes per jet and mean depth."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    relative = relative_to_depth(trees, saliency, labels)
    rows = {}
    for region, mask in splitting_regions(trees).items():
        for label, name in class_names.items():
            keep = mask & (node_label == label) & np.isfinite(saliency)
            n_jets = max((labels == label).sum(), 1)
            rows[(region, name)] = {
                "mean saliency": saliency[keep].mean() if keep.any() else np.nan,
                "relative to same depth": relative[keep].mean() if keep.any() else np.nan,
                "nodes per jet": keep.sum() / n_jets,
                "mean depth": trees.depth[keep].mean() if keep.any() else np.nan}
    return pd.DataFrame(rows).T.rename_axis(["region", "class"])


def mass_lines(ax, jet_pt: float = 600.0, masses: dict[str, float] | None = None) -> None:
    """Where a splitting of a ``jet_pt`` parent with mass ``m`` lies on the Lund plane.

    For a small softer fraction ``z``, ``m^2 ~ kt pT Delta``: lines of slope +1,
    ``ln kt = ln(m^2 / pT) + ln 1/Delta``, from wide angles up to the kinematic edge
    ``z = 1/2`` (dashed), ``ln kt = ln(pT / 2) - ln 1/Delta``, which they meet at the smallest
    opening angle a splitting of that mass can have.
    """
    masses = masses or {"$m_W$": 80.4, "$m_t$": 172.5}
    x_max = LUND_X_BINS[-1]
    outline = [patheffects.withStroke(linewidth=4, foreground="black")]
    handles = []
    for (name, m), style in zip(masses.items(), (":", "-.")):
        x = np.array([0.0, np.log(jet_pt / (np.sqrt(2) * m))])  # up to the z = 1/2 edge
        ax.plot(x, np.log(m**2 / jet_pt) + x, color="white", lw=2, ls=style, path_effects=outline)
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


def plot_lund_map(ax, m: LundMap, title: str, vmax: float | None = None,
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


def saliency_by_depth(trees: JetTrees, saliency: np.ndarray, labels: np.ndarray,
                      class_names: dict[int, str], max_depth: int = 30,
                      min_count: int = 1) -> pd.DataFrame:
    """Mean saliency of the inner nodes at each distance from the root (0 = root), per class
    (NaN at depths with fewer than ``min_count`` nodes)."""
    labels = np.asarray(labels)
    node_label = labels[trees.jet_of_node]
    ok = (trees.children[:, 0] >= 0) & np.isfinite(saliency) & (trees.depth <= max_depth)
    out = {}
    for label, name in class_names.items():
        keep = ok & (node_label == label)
        sums = np.bincount(trees.depth[keep], weights=saliency[keep], minlength=max_depth + 1)
        counts = np.bincount(trees.depth[keep], minlength=max_depth + 1)
        out[name] = sums / np.where(counts >= max(min_count, 1), counts, np.nan)
    return pd.DataFrame(out).rename_axis("depth")
