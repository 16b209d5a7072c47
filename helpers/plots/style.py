"""The book's figure style: mplhep's CMS-like style, one colour per class and method,
axis labels with units.  Every chapter calls :func:`use_style` first (through
:func:`helpers.notebook.start_chapter`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import mplhep as hep

#: colours per class name, used by every chapter
CLASS_COLORS = {"top": "#d62728", "QCD": "#1f77b4", "W": "#ff7f0e", "quark": "#2ca02c",
                "gluon": "#9467bd"}
#: colours of the attribution methods, shared by all attribution figures
METHOD_COLORS = {"ΔAUC": "#333333", "SHAP": "#2ca02c", "LRP-ε": "#9467bd", "LRP-γ": "#8c564b",
                 "LRP-z+": "#e377c2", "LRP-ε − MB": "#17becf", "MAD": "#ff7f0e"}
#: colours of the TopoDNN input kinds
KIND_COLORS = {"pT": "#d62728", "eta": "#1f77b4", "phi": "#2ca02c"}
#: tab10 colours for series without an assigned colour
FALLBACK_COLORS = plt.get_cmap("tab10").colors


def use_style() -> None:
    """mplhep's CMS-like style with sizes that read well in the book."""
    plt.style.use(hep.style.CMS)
    plt.rcParams.update({"figure.figsize": (7, 5), "font.size": 14, "axes.labelsize": 15,
                         "legend.fontsize": 12, "figure.dpi": 80, "savefig.dpi": 100})


def color(name: str, i: int = 0) -> str:
    """The colour of a class or method by name, else the ``i``-th fallback colour."""
    return CLASS_COLORS.get(name) or METHOD_COLORS.get(name) or FALLBACK_COLORS[i % 10]


def axis_label(name: str, unit: str | None = None) -> str:
    """``'name [unit]'`` (just ``name`` without a unit)."""
    return f"{name} [{unit}]" if unit else name
