"""Figures of the RecNN chapter (chapter 5): the shape of the clustering trees, the linear
probes of the embedding, the layer-probe heatmap and the saliency against depth."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..data import TASKS
from ..studies.recnn import PROBES, ProbeR2
from .jets import hist_classes
from .style import CLASS_COLORS


def level_sizes(ax: Axes, sizes: Mapping[str, np.ndarray], batch_jets: int = 64) -> None:
    """Nodes per level of one mini-batch, one step line per task (log scale)."""
    for label, s in sizes.items():
        ax.step(np.arange(len(s)), s, where="mid", lw=2, label=label)
    ax.set(yscale="log", xlabel="level (height above the leaves)",
           ylabel=f"nodes in one mini-batch of {batch_jets} jets")
    ax.legend()


def tree_shapes(heights: Mapping[str, np.ndarray], sizes: Mapping[str, np.ndarray],
                batch_jets: int = 64, max_height: int = 45) -> Figure:
    """Left: tree heights per class (:func:`helpers.studies.recnn.root_heights`); right: the
    level sizes of one mini-batch per task (:func:`helpers.studies.recnn.level_sizes`)."""
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.5))
    hist_classes(axes[0], dict(heights), np.arange(0, max_height + 1),
                 "height of the C/A tree (levels)")
    level_sizes(axes[1], sizes, batch_jets)
    fig.tight_layout()
    return fig


def probe_bars(r2: ProbeR2, cheng_r2: Mapping[str, Sequence[float]],
               labels: Mapping[str, str] = PROBES, paper_name: str = "Cheng") -> Figure:
    """One panel per task: embedding probe R² per observable (mean with the seeds' std as
    error bar) and the paper's values as diamonds."""
    tasks = [t for t, layer in r2 if layer == "embedding"]
    fig, axes = plt.subplots(1, len(tasks), figsize=(20, 7), sharey=True, squeeze=False)
    axes = axes[0]
    ypos = np.arange(len(labels))
    for ax, t in zip(axes, tasks):
        mean = np.array([r2[t, "embedding"][o][0] for o in labels])
        std = np.array([r2[t, "embedding"][o][1] for o in labels])
        ax.barh(ypos, mean, xerr=np.nan_to_num(std), color="tab:blue", alpha=0.8,
                label="RecNN embedding (ours)")
        ax.plot(cheng_r2[t], ypos[:len(cheng_r2[t])], "D", color="black",
                label=f"{paper_name} (Delphes jets)")
        ax.set(xlim=(min(0, mean.min() - 0.05), 1), xlabel=r"probe $R^2$ on test jets",
               title=TASKS[t].title)
    axes[0].set_yticks(ypos, list(labels.values()))
    axes[0].invert_yaxis()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=2)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def layer_probe_heatmap(layer_r2: pd.DataFrame, labels: Mapping[str, str] = PROBES,
                        title: str = "top/QCD: probe $R^2$ per layer (mean over seeds)") -> Figure:
    """Probe R² per observable (rows) and layer (columns), written in every cell
    (:func:`helpers.studies.recnn.layer_probe_table`)."""
    fig, ax = plt.subplots(figsize=(13, 7))
    values = layer_r2.to_numpy()
    im = ax.imshow(values.clip(0, 1), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=11,
                color="white" if v < 0.6 else "black")
    ax.set_xticks(range(layer_r2.shape[1]), layer_r2.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(layer_r2)), [labels.get(o, o) for o in layer_r2.index])
    ax.set_title(title, fontsize=15)
    plt.colorbar(im, ax=ax, label="probe $R^2$ (clipped to [0, 1])")
    fig.tight_layout()
    return fig


def depth_profile(ax: Axes, profile: pd.DataFrame, title: str) -> None:
    """Mean saliency against depth, one line per class (columns of ``profile``)."""
    for name, values in profile.items():
        ax.plot(profile.index, values, "o-", ms=4, lw=2, color=CLASS_COLORS[name],
                label=f"{name} jets")
    ax.set(yscale="log", xlabel="depth of the node (0 = root)", title=title)
    ax.legend()


def depth_profiles(profiles: Mapping[str, pd.DataFrame]) -> Figure:
    """One :func:`depth_profile` panel per task (:func:`helpers.studies.lund.depth_profiles`)."""
    fig, axes = plt.subplots(1, len(profiles), figsize=(20, 5.5), sharey=True, squeeze=False)
    for ax, (title, profile) in zip(axes[0], profiles.items()):
        depth_profile(ax, profile, title)
    axes[0, 0].set_ylabel("mean saliency $s_i$")
    fig.tight_layout()
    return fig
