"""The published values the book compares with: one table, every entry with its source.

Each :class:`Published` entry holds the value, the citation key of ``book/references.bib``,
where in the source it stands, what it was measured on, and whether it predates the fix of
the PFN label leak (February 2023).  Chapters import the values from here --
``tests/test_published.py`` fails when a chapter types one itself -- so a corrected value is
corrected everywhere, and the reproduction scorecard can say what each number is comparable
with.

Keys are dotted: ``<paper>.<model or study>.<quantity>[.<class or task>]``, e.g.
``khot.topodnn.auc``, ``cheng.r2.top_qcd.width``, ``cheng.transfer.w_qcd.top_qcd``.
:func:`value` returns one value, :func:`group` every value under a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    """One published number and where it comes from."""

    value: float | tuple[float, ...]
    #: citation key in book/references.bib
    cite: str
    #: where in the source: table, figure or slide
    where: str
    #: the samples it was measured on
    measured_on: str
    note: str = ""
    #: measured with the leaky PFN preprocessing (before the February 2023 fix)
    leaky: bool = False


#: what Khot, Neubauer & Roy measured on
KHOT_SAMPLES = "top-tagging benchmark (Pythia 8 + Delphes), 1.2 M training jets"
#: what Cheng measured on
CHENG_SAMPLES = "Cheng's Pythia 8 + Delphes jets, pT 500-700 GeV"
#: the benchmark paper's test set
BENCHMARK_SAMPLES = "top-tagging benchmark (Pythia 8 + Delphes) test set, 404 k jets"

_K, _C, _B = "Khot:2023", "Cheng:2019", "Kasieczka:2019dbj"


def _khot(value, where: str, note: str = "", leaky: bool = False) -> Published:
    return Published(value, _K, where, KHOT_SAMPLES, note, leaky)


PUBLISHED: dict[str, Published] = {
    # --- Khot, Neubauer & Roy: TopoDNN ------------------------------------------------------
    "khot.topodnn.auc": _khot(0.9712, "paper, TopoDNN performance"),
    "khot.topodnn.accuracy": _khot(0.9155, "paper, TopoDNN performance"),
    "khot.topodnn.rejection_0.3": _khot(278.0, "paper, TopoDNN performance", "1/eps_B at eps_S = 0.3"),
    "khot.topodnn.parameters": _khot(59323, "paper, TopoDNN architecture", "(300, 102, 12, 6)"),
    "khot.topodnn.n_train": _khot(1_200_000, "benchmark training split"),
    "khot.topodnn.sparsity.overall": _khot(0.705, "paper, NAP of the TopoDNN", "RNA < 0.2"),
    "khot.topodnn.sparsity.top": _khot(0.757, "paper, NAP of the TopoDNN", "RNA < 0.2"),
    "khot.topodnn.sparsity.QCD": _khot(0.857, "paper, NAP of the TopoDNN", "RNA < 0.2"),
    "khot.topodnn_reoptimised.hidden": _khot((120, 40, 6), "paper, re-optimised TopoDNN"),
    "khot.topodnn_reoptimised.parameters": _khot(16013, "paper, re-optimised TopoDNN"),
    "khot.topodnn_reoptimised.auc": _khot(0.9720, "paper, re-optimised TopoDNN"),
    "khot.topodnn_reoptimised.sparsity.overall": _khot(0.584, "paper, re-optimised TopoDNN"),
    # --- Khot et al.: PFN -------------------------------------------------------------------
    "khot.pfn.auc": _khot(0.9798, "paper, PFN performance (after the leak fix)"),
    "khot.pfn.accuracy": _khot(0.9284, "paper, PFN performance (after the leak fix)"),
    "khot.pfn.rejection_0.3": _khot(699.0, "paper, PFN performance (after the leak fix)"),
    "khot.pfn.parameters": _khot(82458, "paper, PFN architecture", "two softmax outputs"),
    "khot.pfn.sparsity.phi": _khot(0.811, "paper, NAP of the PFN", "Phi"),
    "khot.pfn.sparsity.F": _khot(0.53, "paper, NAP of the PFN", "F"),
    # the slides' re-optimised PFN (leaky era): Phi (3, 100, 64, 64), F (64, 2)
    "khot.pfn_reoptimised.phi": _khot((100, 64, 64), "slides 'NAP Diagrams' (re-optimisation "
                                      "table)", "Phi widths after the 3 inputs", leaky=True),
    "khot.pfn_reoptimised.parameters": _khot(17000, "slides 'NAP Diagrams' (re-optimisation table)",
                                             "'17k' on the slide; the listed widths give about "
                                             "11 k with a two-output head", leaky=True),
    "khot.pfn_reoptimised.auc": _khot(0.994, "slides 'NAP Diagrams' (re-optimisation table)",
                                      leaky=True),
    "khot.pfn_reoptimised.baseline_auc": _khot(0.997, "slides 'NAP Diagrams' (re-optimisation "
                                               "table)", "the leaky baseline PFN", leaky=True),
    "khot.pfn_leaky.auc": _khot(0.997, "slides 'A Note of PFN's Performance'", leaky=True),
    "khot.pfn_leaky.accuracy": _khot(0.977, "slides 'A Note of PFN's Performance'", leaky=True),
    "khot.pfn_leaky.angle_delta_auc": _khot(
        0.11, "paper, the leak", "Delta-AUC of the azimuth of the leading constituent", leaky=True),
    "khot.pfn.angle_delta_auc_max": _khot(
        0.01, "paper, the leak", "after the fix no angle's Delta-AUC exceeds this"),
    "khot.pca.rho_mass.QCD": _khot(0.9, "slides 'Disentangling Information from Encoded "
                                         "Correlations'", "rho(PC1, jet mass); latents with "
                                         "Delta-AUC < 1 %, slide value 0.91", leaky=True),
    "khot.pca.rho_mass.top": _khot(0.6, "slides 'Disentangling Information from Encoded "
                                        "Correlations'", "rho(PC1, jet mass); latents with "
                                        "Delta-AUC < 1 %, slide value 0.62", leaky=True),
    "khot.pca.rho_multiplicity": _khot(0.9, "paper, PCA of the PFN latent space",
                                       "rho(PC1, constituent multiplicity), about"),
    # --- Cheng: RecNN on three tasks --------------------------------------------------------
    **{f"cheng.auc.{task}": Published(v, _C, "Table 2 (base AUC)", CHENG_SAMPLES)
       for task, v in (("w_qcd", 0.957), ("top_qcd", 0.926), ("quark_gluon", 0.861))},
    # Table 1: R^2 of linear probes of the RecNN jet embedding.  The row Cheng calls "jet
    # mass M_j" is the angularity lambda^1_2, the mass-like (kappa, beta) = (1, 2); the row
    # "p_T^D" is the angularity lambda^2_0 = sum z_i^2 (the paper's definition), the square of
    # the usual p_T^D, so the key is pTD2.
    **{f"cheng.r2.{task}.{obs}": Published(v, _C, "Table 1", CHENG_SAMPLES,
                                           {"mass_angularity": "lambda^1_2, 'jet mass M_j' in the table",
                                            "pTD2": "lambda^2_0, 'p_T^D' in the table"}.get(obs, ""))
       for task, row in (("w_qcd", (0.68, 0.74, 0.77, 0.30, 0.67, 0.67, 0.67, 0.39, 0.16)),
                         ("top_qcd", (0.55, 0.82, 0.80, 0.36, 0.78, 0.62, 0.53, 0.35, 0.39)),
                         ("quark_gluon", (0.75, 0.55, 0.55, 0.65, 0.54, 0.56, 0.61, 0.20, 0.09)))
       for obs, v in zip(("multiplicity", "width", "mass_angularity", "pTD2", "tau1", "tau2",
                          "tau3", "tau21", "tau32"), row)},
    # Table 2: AUC on task B of a head trained on the frozen embedding of task A
    **{f"cheng.transfer.{a}.{b}": Published(v, _C, "Table 2 (transfer AUC)", CHENG_SAMPLES,
                                            f"embedding of {a}, head trained on {b}")
       for (a, b), v in ((("w_qcd", "top_qcd"), 0.891), (("quark_gluon", "top_qcd"), 0.791),
                         (("top_qcd", "w_qcd"), 0.911), (("quark_gluon", "w_qcd"), 0.822),
                         (("w_qcd", "quark_gluon"), 0.763), (("top_qcd", "quark_gluon"), 0.759))},
    # Fig. 1 and its discussion: a high-saliency spot in the QCD jets of the W/QCD task
    "cheng.saliency.qcd_spot": Published((2.0, 3.5), _C, "Fig. 1 and its discussion",
                                         CHENG_SAMPLES, "Lund-plane (ln 1/Delta, ln k_t) of a hard "
                                         "splitting between the QCD mass peak and the W mass"),
    # --- the benchmark paper: published taggers (AUC, 1/eps_B at eps_S = 0.3) ---------------
    **{f"benchmark.{tagger}.{metric}": Published(v, _B, "comparison table of all taggers", BENCHMARK_SAMPLES)
       for tagger, auc, rej in (("topodnn", 0.972, 295.0), ("lola", 0.980, 722.0),
                                ("nsubjettiness", 0.981, 867.0), ("pfn", 0.982, 888.0),
                                ("treenin", 0.982, 1025.0), ("particlenet", 0.9858, 1615.0))
       for metric, v in (("auc", auc), ("rejection_0.3", rej))},
}


def entry(key: str) -> Published:
    """The :class:`Published` entry of ``key``, with a clear error for unknown keys."""
    try:
        return PUBLISHED[key]
    except KeyError:
        close = [k for k in PUBLISHED if k.split(".")[:2] == key.split(".")[:2]]
        raise KeyError(f"no published value {key!r}" + (f"; similar: {close}" if close else ""))\
            from None


def value(key: str) -> float | tuple[float, ...]:
    """The published value of ``key``."""
    return entry(key).value


def group(prefix: str) -> dict[str, float | tuple[int, ...]]:
    """``{rest of the key: value}`` of every entry under ``prefix`` (e.g. ``"khot.topodnn"``
    gives ``{"auc": 0.9712, ..., "sparsity.top": 0.757}``)."""
    head = prefix.rstrip(".") + "."
    out = {k[len(head):]: e.value for k, e in PUBLISHED.items() if k.startswith(head)}
    if not out:
        raise KeyError(f"no published values under {prefix!r}")
    return out


#: the tagging metrics of :func:`helpers.metrics.summarize`, in table order
METRICS = ("auc", "accuracy", "rejection_0.3", "rejection_0.5")


def metrics(prefix: str) -> dict[str, float]:
    """The published tagging metrics (:data:`METRICS`) under ``prefix``, e.g.
    ``metrics("khot.pfn") == {"auc": 0.9798, "accuracy": 0.9284, "rejection_0.3": 699.0}``."""
    values = group(prefix)
    return {m: float(values[m]) for m in METRICS if m in values}
