"""Figures of the neural-activation-pattern chapter (chapter 3): NAP diagrams, activation
frequencies, layer-wise separability, sparsity against the training-set size and the width
scan."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from ..studies.nap import SPARSITY_KEYS
from ..xai.nap import NAP, SPARSE_RNA, max_over_classes, nap_diagram_data
from .style import CLASS_COLORS


def layer_colors(n_layers: int) -> list:
    """One colour per hidden layer (first layer dark, last light)."""
    return list(plt.cm.viridis(np.linspace(0.0, 0.85, n_layers)))


def plot_nap(nap: NAP, title: str, signal: str = "top", background: str = "QCD",
             threshold: float = SPARSE_RNA) -> Figure:
    """NAP diagram: one panel per hidden layer, the signal RNA of each node drawn upwards and
    the background RNA downwards; active nodes first (from background-only through shared
    to signal-only), sparse nodes (RNA < threshold for both classes) in the shaded block."""
    rna = nap.rna
    data = nap_diagram_data(rna[signal], rna[background], threshold)
    fig, axes = plt.subplots(len(data), 1, figsize=(13, 2.3 * len(data) + 1.2), squeeze=False)
    for k, (ax, layer) in enumerate(zip(axes[:, 0], data)):
        width = len(layer["signal"])
        x = np.arange(width)
        ax.bar(x, layer["signal"], width=0.9, color=CLASS_COLORS[signal], label=signal)
        ax.bar(x, layer["background"], width=0.9, color=CLASS_COLORS[background], label=background)
        if layer["n_active"] < width:
            ax.axvspan(layer["n_active"] - 0.5, width - 0.5, color="grey", alpha=0.15, lw=0)
        for y in (threshold, -threshold):
            ax.axhline(y, color="black", ls=":", lw=1)
        ax.axhline(0, color="black", lw=0.8)
        ax.set(xlim=(-0.5, width - 0.5), ylim=(-1.08, 1.08), yticks=[-1, -0.5, 0, 0.5, 1],
               yticklabels=["1", "0.5", "0", "0.5", "1"])
        ax.set_ylabel(f"layer {k + 1}\n{width} nodes\n{width - layer['n_active']} sparse",
                      fontsize=12)
        ax.tick_params(axis="x", labelsize=11)
    handles = [Patch(color=CLASS_COLORS[signal], label=f"RNA on {signal} jets (up)"),
               Patch(color=CLASS_COLORS[background], label=f"RNA on {background} jets (down)"),
               Patch(color="grey", alpha=0.3, label=f"sparse: RNA < {threshold:g} for both")]
    axes[0, 0].legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.02), ncol=3,
                      fontsize=11, frameon=False)
    axes[0, 0].set_title(title, fontsize=14, pad=30)
    axes[-1, 0].set_xlabel(f"node, ordered: active ({background}-only → shared → "
                           f"{signal}-only), then sparse")
    fig.tight_layout(h_pad=0.4)
    return fig


def plot_activation_frequency(nap: NAP, threshold: float = SPARSE_RNA) -> Figure:
    """Left: distribution of the share of jets on which each node fires, per layer.  Right:
    that share against the node's largest RNA over the classes (RNA cannot tell a dead node
    from a rarely firing one)."""
    freq = nap.all_jets.frequency
    rna_max = max_over_classes(nap.rna)
    colors = layer_colors(len(freq))
    labels = [f"layer {k + 1} ({len(f)} nodes)" for k, f in enumerate(freq)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5))
    left.hist(freq, bins=np.linspace(0, 1, 21), stacked=True, color=colors, label=labels)
    n_dead = sum(int((f == 0).sum()) for f in freq)
    left.set(xlabel="share of jets on which the node fires", ylabel="nodes per bin", xlim=(0, 1))
    left.set_ylim(top=left.get_ylim()[1] * 1.45)
    left.legend(loc="upper center", fontsize=11, ncol=2, title_fontsize=11,
                title=f"{n_dead} dead nodes (never fire)")
    for f, r, c, lab in zip(freq, rna_max, colors, labels):
        right.scatter(f, r, s=18, color=c, alpha=0.8, label=lab)
    right.axhline(threshold, color="black", ls=":", lw=1)
    right.text(0.02, threshold + 0.02, f"RNA = {threshold:g}", ha="left", va="bottom",
               fontsize=11, transform=right.get_yaxis_transform())
    right.set(xlabel="share of jets on which the node fires",
              ylabel="RNA (largest over the classes)", xlim=(-0.02, 1.02), ylim=(-0.03, 1.05))
    fig.tight_layout()
    return fig


def plot_layer_separability(probe_auc: Sequence[float], labels: Sequence[str],
                            network_auc: float,
                            sparsity_per_layer: Mapping[str, Sequence[float]]) -> Figure:
    """Left: held-out AUC of a linear probe at each depth, with the network's own AUC.
    Right: the share of sparse nodes per hidden layer, one bar per class (or "overall")."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
    x = np.arange(len(probe_auc))
    left.plot(x, probe_auc, "o-", color="black", ms=8, label="linear probe on the layer")
    left.axhline(network_auc, color=CLASS_COLORS["top"], ls="--", label="network output")
    left.set_xticks(x, labels)
    left.set(xlabel="representation", ylabel="ROC AUC (test jets)")
    left.legend(loc="lower right")
    width = 0.8 / len(sparsity_per_layer)
    for i, (name, values) in enumerate(sparsity_per_layer.items()):
        hidden = np.arange(1, len(values) + 1)
        right.bar(hidden + (i - (len(sparsity_per_layer) - 1) / 2) * width, values, width,
                  color=CLASS_COLORS.get(name, "grey"), label=name)
    right.set_xticks(hidden, [f"layer {k}" for k in hidden])
    right.set(ylabel=f"share of sparse nodes (RNA < {SPARSE_RNA:g})", ylim=(0, 1.15))
    right.legend(loc="upper center", ncol=len(sparsity_per_layer))
    fig.tight_layout()
    return fig


def plot_width_scan(results: pd.DataFrame, paper: Mapping[str, Mapping[str, float]]) -> Figure:
    """AUC and overall sparsity against the number of parameters.

    ``results`` has one row per architecture with columns ``label`` (the kind of network,
    one marker each), ``hidden`` (its widths: in the legend for a kind with one network,
    next to the points otherwise), ``parameters``, ``auc``, ``auc_std``, ``sparsity``,
    ``sparsity_std``; ``paper`` maps a label to the published ``parameters``, ``auc`` and
    ``sparsity``.
    """
    markers = dict(zip(results["label"].unique(), "*D^ov<>"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5))
    for ax, col in ((left, "auc"), (right, "sparsity")):
        for label, rows in results.groupby("label", sort=False):
            single = len(rows) == 1
            ax.errorbar(rows["parameters"], rows[col], yerr=rows[f"{col}_std"].fillna(0),
                        fmt=markers[label], color="black", ms=11 if markers[label] == "*" else 7,
                        capsize=3, label=f"{label} {rows['hidden'].iloc[0]}" if single else label)
            if single:
                continue
            for i, (_, row) in enumerate(rows.sort_values("parameters").iterrows()):
                ax.annotate(row["hidden"], (row["parameters"], row[col]),
                            textcoords="offset points", xytext=(6, 6 if i % 2 == 0 else -15),
                            fontsize=10)
        for name, p in paper.items():
            ax.plot(p["parameters"], p[col], "s", mfc="none", mec=CLASS_COLORS["top"], ms=10,
                    mew=2)
            ax.annotate(name, (p["parameters"], p[col]), textcoords="offset points",
                        xytext=(-8, -16), ha="right", fontsize=10, color=CLASS_COLORS["top"])
        (paper_handle,) = ax.plot([], [], "s", mfc="none", mec=CLASS_COLORS["top"], ms=10,
                                  mew=2)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles + [paper_handle], labels + ["Khot et al. (Delphes benchmark)"],
                  loc="best", fontsize=10)
        ax.set_xscale("log")
        ax.set_xlim(results["parameters"].min() / 2, results["parameters"].max() * 4)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("trainable parameters")
    left.set_ylabel("ROC AUC (test jets)")
    right.set_ylabel(f"overall sparsity (RNA < {SPARSE_RNA:g})")
    right.set_ylim(0, 1)
    fig.tight_layout()
    return fig


def plot_sparsity_vs_training(n_train: Sequence[int], sparsities: Mapping[str, Sequence[float]],
                              paper: Mapping[str, float], paper_n_train: int) -> Figure:
    """Sparsity of networks trained on more and more jets (one line per class or "overall"),
    with the published values at the published training-set size."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for name, values in sparsities.items():
        color = CLASS_COLORS.get(name, "black")
        ax.plot(n_train, values, "o-", color=color, label=f"{name} (this book)")
        if name in paper:
            ax.plot(paper_n_train, paper[name], "s", mfc="none", mec=color, ms=10, mew=2)
    ax.plot([], [], "s", mfc="none", mec="grey", ms=10, mew=2, label="Khot et al. (benchmark)")
    ax.set_xscale("log")
    ax.set(xlabel="training jets", ylabel=f"sparsity (RNA < {SPARSE_RNA:g})", ylim=(0, 1))
    ax.legend(loc="lower right", fontsize=11)
    fig.tight_layout()
    return fig


def plot_sparsity_curve(curve: pd.DataFrame, paper: Mapping[str, float], paper_n_train: int,
                        keys: Sequence[str] = SPARSITY_KEYS) -> Figure:
    """:func:`plot_sparsity_vs_training` of a :func:`helpers.studies.nap.sparsity_curve` table
    (columns ``n_train`` and ``sparsity (<key>)``), with the published ``paper`` values
    (``{"sparsity (<key>)": value}``) at ``paper_n_train`` training jets."""
    return plot_sparsity_vs_training(
        curve["n_train"].tolist(), {k: curve[f"sparsity ({k})"].tolist() for k in keys},
        {k: paper[f"sparsity ({k})"] for k in keys if f"sparsity ({k})" in paper}, paper_n_train)
