"""Figures of the Particle Flow Network's inputs (chapter 4): the particles relative to the
jet axis and the multiplicity against the padded slots."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from ..preprocessing.pfn import PackedParticles
from .jets import hist_classes

#: labels of the three PFN inputs ``(z, deta, dphi)``
INPUT_LABELS = (r"momentum fraction $\log_{10} z_i$", r"$\Delta\eta_i$", r"$\Delta\phi_i$")


def plot_particle_inputs(axes: Sequence[Axes], particles: PackedParticles, labels: np.ndarray,
                         class_names: Mapping[int, str], slots: int = 200) -> None:
    """Four panels: per-particle ``log10 z``, ``deta`` and ``dphi`` per class of the jet, and
    the particles per jet against the ``slots`` of a padded array."""
    particle_class = np.repeat(labels, particles.counts)
    f = particles.features
    columns = [np.log10(f[:, 0]), f[:, 1], f[:, 2]]
    bins = [np.linspace(-5, 0, 51)] + [np.linspace(-1, 1, 51)] * 2
    for ax, values, name, b in zip(axes, columns, INPUT_LABELS, bins):
        per_class = {cls: values[particle_class == k] for k, cls in class_names.items()}
        hist_classes(ax, per_class, b, name, logy=True)
        ax.legend(ax.get_legend_handles_labels()[0], [f"{cls} jets" for cls in class_names.values()],
                  title="particles of")
    hist_classes(axes[3], {cls: particles.counts[labels == k] for k, cls in class_names.items()},
                 np.arange(0, slots + 5, 5), "particles per jet")
    axes[3].axvline(slots, color="grey", ls="--", lw=1)
    axes[3].text(slots - 5, axes[3].get_ylim()[1] * 0.5, f"{slots} slots", rotation=90, ha="right",
                 color="grey")
