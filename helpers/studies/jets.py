"""The jets themselves (chapter 0): samples per class, how fast they were generated, their
kinematics and substructure, primary Lund-plane densities, and the physics cross-checks that
fail the book build when the generated jets are off.  The figures are in
:mod:`helpers.plots.jets`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data.jets import JetSet
from ..data.matching import matched_indices
from ..data.processes import TASKS
from ..data.samples import load_task, sample_file
from ..data.store import read_attrs, read_jets
from ..physics import kinematics
from ..physics.observables import lund_plane_points
from ..results.claims import Measurement, agrees_with, bootstrap, clear_difference, compare, ranked

#: display formats of :func:`generation_table`
GENERATION_FORMAT = {"events per jet": "{:.1f}", "jets / s / core": "{:.1f}",
                     "vetoed before hadronisation": "{:.0%}", "share of time in Pythia": "{:.0%}"}
#: the chapter-5 samples besides top and QCD: (name in the book, process)
OTHER_SAMPLES = (("W", "w"), ("quark", "quark"), ("gluon", "gluon"))
#: pairs whose Lund-plane densities are compared (signal, background)
LUND_PAIRS = (("top", "QCD"), ("W", "QCD"), ("quark", "gluon"))
#: binning of the primary Lund plane: ln(1/Delta) and ln(kt / GeV)
LUND_BINS = (np.linspace(0, 6, 31), np.linspace(-4, 7, 34))


def by_class(jets: JetSet, class_names: Mapping[int, str]) -> dict[str, JetSet]:
    """The jets of each class, ``{name: JetSet}`` in the order of ``class_names``."""
    return {name: jets.subset(jets.labels == label) for label, name in class_names.items()}


def class_counts(splits: Mapping[str, JetSet], class_names: Mapping[int, str]) -> pd.DataFrame:
    """Jets per class (rows) and split (columns)."""
    return pd.DataFrame({split: {name: int((s.labels == label).sum())
                                 for label, name in class_names.items()}
                         for split, s in splits.items()}).rename_axis("jets")


def generation_table(files: Mapping[tuple[str, str], Path]) -> pd.DataFrame:
    """Per generated file: jets, events, the share vetoed before hadronisation, events per
    kept jet, kept jets per second of one core and the share of that time spent in Pythia
    (everything from the Pythia event to the stored, matched jet)."""
    rows = []
    for (process, split), path in files.items():
        a = read_attrs(path)
        st = a["stats"]
        rows.append({"process": process, "split": split, "jets": a["n_jets"],
                     "events": st["n_events"],
                     "vetoed before hadronisation": st.get("n_vetoed", 0) / st["n_events"],
                     "events per jet": st["n_events"] / a["n_jets"],
                     "jets / s / core": a["n_jets"] / st["seconds_shards"],
                     "share of time in Pythia": st["seconds_events"] / st["seconds_shards"]})
    return pd.DataFrame(rows).set_index(["process", "split"])


def other_samples(profile: Profile | str, seed: int = 0,
                  workers: int | None = None) -> dict[str, JetSet]:
    """The training jets of the W, quark and gluon samples (generated on first use)."""
    return {name: read_jets(sample_file(process, "train", profile, seed=seed, workers=workers))
            for name, process in OTHER_SAMPLES}


def kinematics_by_sample(samples: Mapping[str, JetSet]) -> dict[str, dict[str, np.ndarray]]:
    """Jet ``pt``, ``eta``, ``phi``, ``rapidity``, ``mass`` and the constituent
    ``multiplicity`` of every sample."""
    return {name: {**kinematics.jet_kinematics(s), "multiplicity": kinematics.multiplicity(s)}
            for name, s in samples.items()}


def momentum_fractions(samples: Mapping[str, JetSet]) -> dict[str, np.ndarray]:
    """``(N, M)`` momentum fraction ``pT_i / pT_jet`` of every constituent slot (0 on padding),
    per sample."""
    out = {}
    for name, s in samples.items():
        jet_pt = kinematics.jet_kinematics(s)["pt"]
        out[name] = kinematics.to_pt_eta_phi(s)[..., 0] / jet_pt[:, None]
    return out


def median_table(observables: Mapping[str, Mapping[str, np.ndarray]],
                 keys: Sequence[str]) -> pd.DataFrame:
    """Median of each observable (columns) per sample (rows), NaNs ignored."""
    return pd.DataFrame({name: {k: float(np.nanmedian(o[k])) for k in keys}
                         for name, o in observables.items()}).T


def lund_density(ln_inv_delta: np.ndarray, ln_kt: np.ndarray, n_jets: int,
                 bins: tuple[np.ndarray, np.ndarray] = LUND_BINS) -> np.ndarray:
    """Primary Lund-plane density: declusterings per jet per unit area, ``(nx, ny)``."""
    h, xe, ye = np.histogram2d(ln_inv_delta, ln_kt, bins=bins)
    return h / (n_jets * np.outer(np.diff(xe), np.diff(ye)))


def primary_lund(samples: Mapping[str, JetSet]) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """Flat ``(ln 1/Delta, ln kt/GeV)`` of every primary declustering of each sample, and its
    number of jets."""
    out = {}
    for name, s in samples.items():
        x, y, _ = lund_plane_points(s)
        out[name] = (x, y, len(s))
    return out


def lund_densities(points: Mapping[str, tuple[np.ndarray, np.ndarray, int]],
                   bins: tuple[np.ndarray, np.ndarray] = LUND_BINS) -> dict[str, np.ndarray]:
    """:func:`lund_density` of each sample's :func:`primary_lund` points."""
    return {name: lund_density(x, y, n, bins) for name, (x, y, n) in points.items()}


def declusterings_per_jet(points: Mapping[str, tuple[np.ndarray, np.ndarray, int]]) -> pd.Series:
    """Mean number of primary declusterings per jet of each sample."""
    return pd.Series({name: len(x) / n for name, (x, _, n) in points.items()},
                     name="primary declusterings per jet")


def mass_peak(masses: np.ndarray, lo: float, hi: float, width: float = 5.0) -> float:
    """Mode of a histogram of ``masses`` with ``width`` GeV bins in ``[lo, hi]`` (bin centre)."""
    counts, edges = np.histogram(masses, bins=np.arange(lo, hi + width, width))
    return float(edges[counts.argmax()] + width / 2)


def cross_checks(kin: Mapping[str, Mapping[str, np.ndarray]]) -> pd.DataFrame:
    """Measured mass peaks, medians and multiplicities against what physics expects, for the
    samples present in ``kin`` (:func:`kinematics_by_sample`)."""
    top, qcd = kin["top"], kin["QCD"]
    checks = [
        ("top", "mass peak (GeV)", mass_peak(top["mass"], 120, 230), "≈ 173 (top mass)"),
        ("top", "median mass (GeV)", float(np.median(top["mass"])), "≈ 175"),
        ("QCD", "median mass (GeV)", float(np.median(qcd["mass"])), "falling, ~ 80"),
        ("QCD", "share of jets with m > 150 GeV", float((qcd["mass"] > 150).mean()), "small"),
        ("top", "mean multiplicity", float(top["multiplicity"].mean()), "> QCD"),
        ("QCD", "mean multiplicity", float(qcd["multiplicity"].mean()), ""),
    ]
    if {"W", "quark", "gluon"} <= set(kin):
        checks += [
            ("W", "mass peak (GeV)", mass_peak(kin["W"]["mass"], 50, 120), "≈ 80 (W mass)"),
            ("gluon", "mean multiplicity", float(kin["gluon"]["multiplicity"].mean()), "> quark"),
            ("quark", "mean multiplicity", float(kin["quark"]["multiplicity"].mean()), ""),
        ]
    return pd.DataFrame(checks, columns=["sample", "quantity", "measured", "expected"])


def check_physics(table: pd.DataFrame) -> str:
    """Fail (``AssertionError``) when the :func:`cross_checks` are off -- deliberately loose
    windows: a top mass peak in 160-185 GeV, a W peak in 70-95 GeV, QCD lighter than top,
    top and gluon jets with more constituents than QCD and quark jets."""
    m = {(s, q): v for s, q, v in table[["sample", "quantity", "measured"]].itertuples(False)}
    assert 160 <= m["top", "mass peak (GeV)"] <= 185, m["top", "mass peak (GeV)"]
    assert m["QCD", "median mass (GeV)"] < m["top", "median mass (GeV)"]
    assert m["top", "mean multiplicity"] > m["QCD", "mean multiplicity"]
    if ("W", "mass peak (GeV)") in m:
        assert 70 <= m["W", "mass peak (GeV)"] <= 95, m["W", "mass peak (GeV)"]
        assert m["gluon", "mean multiplicity"] > m["quark", "mean multiplicity"]
    return "all cross-checks passed"


# ------------------------------------------------------ measurements behind the prose
#: the masses the jet-mass peaks are compared with (GeV)
TOP_MASS, W_MASS = 172.5, 80.4
#: p_T^D in a glued sentence (glued markdown renders HTML, not math)
PTD = "p<sub>T</sub><sup>D</sup>"
#: how the prose names the observables of :data:`SEPARATING`
OBSERVABLE_NAMES = {"mass": "the jet mass", "tau21": "τ₂₁", "tau32": "τ₃₂", "width": "the width λ¹₁",
                    "multiplicity": "the constituent multiplicity", "pTD": PTD}
#: the observables whose separating power is compared
SEPARATING = tuple(OBSERVABLE_NAMES)
#: the class pairs of the chapters' tasks (signal, background), and how the prose names them
TASK_PAIRS = {("top", "QCD"): "top from QCD jets", ("W", "QCD"): "W from QCD jets",
              ("quark", "gluon"): "quark from gluon jets"}
#: the hard, wide-angle region of the primary Lund plane counted by :func:`hard_splittings`
HARD_KT_GEV, WIDE_DELTA = 10.0, 0.1


def mean_measurement(values: np.ndarray) -> Measurement:
    """Mean of ``values`` (NaNs ignored) ± its standard error over the jets."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return Measurement(float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))), len(v))


def peak_measurement(masses: np.ndarray, lo: float, hi: float, width: float = 5.0,
                     n_boot: int = 200, seed: int = 0) -> Measurement:
    """:func:`mass_peak` ± its bootstrap spread over the jets, combined with the resolution of
    the binning (``width / sqrt(12)``): a peak that never leaves its bin is not exact."""
    m = np.asarray(masses)
    boot = bootstrap(lambda idx: mass_peak(m[idx], lo, hi, width), len(m), n_boot, seed)
    return Measurement(boot.value, float(np.hypot(boot.spread, width / np.sqrt(12))), len(m))


def auc_measurement(signal: np.ndarray, background: np.ndarray) -> Measurement:
    """How well one observable separates two samples: the ROC AUC of cutting on it in the
    better direction (``max(AUC, 1 - AUC)``), ± the Hanley-McNeil standard error."""
    from sklearn.metrics import roc_auc_score

    s, b = np.asarray(signal, float), np.asarray(background, float)
    s, b = s[np.isfinite(s)], b[np.isfinite(b)]
    a = roc_auc_score(np.r_[np.ones(len(s)), np.zeros(len(b))], np.r_[s, b])
    a = max(a, 1 - a)
    q1, q2 = a / (2 - a), 2 * a**2 / (1 + a)
    var = (a * (1 - a) + (len(s) - 1) * (q1 - a**2) + (len(b) - 1) * (q2 - a**2)) / (len(s) * len(b))
    return Measurement(float(a), float(np.sqrt(max(var, 0.0))), len(s) + len(b))


def separation(observables: Mapping[str, Mapping[str, np.ndarray]],
               keys: Sequence[str] = SEPARATING) -> dict[tuple[str, str], dict[str, Measurement]]:
    """:func:`auc_measurement` of every observable for every :data:`TASK_PAIRS` pair whose
    samples are present."""
    return {pair: {k: auc_measurement(observables[pair[0]][k], observables[pair[1]][k])
                   for k in keys}
            for pair in TASK_PAIRS if set(pair) <= set(observables)}


def separation_table(aucs: Mapping[tuple[str, str], Mapping[str, Measurement]]) -> pd.DataFrame:
    """The :func:`separation` AUCs as ``value ± error``, one row per observable and one column
    per task."""
    return pd.DataFrame({f"{a} vs {b}": {k: m.text() for k, m in per.items()}
                         for (a, b), per in aucs.items()}).rename_axis("AUC of one cut")


def best_observable_claim(aucs: Mapping[tuple[str, str], Mapping[str, Measurement]]) -> str:
    """Per task, which observable separates the classes best (:func:`ranked`): the leader when
    it is clearly ahead of every other, else the group that cannot be told apart from it."""
    sentences = []
    for pair, per in aucs.items():
        order, clear = ranked(dict(per))
        lead = per[order[0]]
        if clear:
            runner = order[1]
            sentences.append(f"{OBSERVABLE_NAMES[order[0]]} separates {TASK_PAIRS[pair]} best "
                             f"(AUC {lead.text()}), clearly ahead of the next, "
                             f"{OBSERVABLE_NAMES[runner]} ({per[runner].text()})")
        else:
            tied = [k for k in order if clear_difference(lead, per[k]) == 0]
            sentences.append(
                " and ".join(", ".join(f"{OBSERVABLE_NAMES[k]} ({per[k].text()})"
                                       for k in tied).rsplit(", ", 1))
                + f" separate {TASK_PAIRS[pair]} best, indistinguishable at this statistics")
    return "Cutting on one observable at a time, " + "; ".join(sentences) + "."


def generation_summary(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per process of a :func:`generation_table`, over its splits: kept jets, events, kept jets
    per second of one core and the share of events vetoed before hadronisation."""
    out = {}
    for process, rows in table.groupby(level="process", sort=False):
        jets, events = float(rows["jets"].sum()), float(rows["events"].sum())
        seconds = float((rows["jets"] / rows["jets / s / core"]).sum())
        vetoed = float((rows["vetoed before hadronisation"] * rows["events"]).sum())
        out[process] = {"jets": jets, "events": events, "jets_per_s": jets / seconds,
                        "vetoed_share": vetoed / events}
    return out


def veto_claim(summary: Mapping[str, Mapping[str, float]] | None) -> str:
    """What the parton-level vetoes did to the events of :func:`generation_summary`, per
    process, signal first as the summary lists it (``None``: the jets were read from files,
    not generated)."""
    if summary is None:
        return "the jets were read from the benchmark files, so no events were generated or vetoed"
    parts = [f"{s['vetoed_share']:.1%} of the {_EVENT_NAMES.get(p, p)} events"
             for p, s in summary.items()]
    per_jet = "; each kept jet took " + ", ".join(
        f"{s['events'] / s['jets']:.0f} {_EVENT_NAMES.get(p, p)} events" for p, s in summary.items())
    return (f"in this run the vetoes stopped {' and '.join(parts)} before hadronisation"
            f"{per_jet}")


#: how the veto claim names each process's events
_EVENT_NAMES = {"top": "top-pair", "qcd": "QCD", "w": "W'", "quark": "Z + quark",
                "gluon": "Z + gluon"}


def _gev(m: Measurement) -> str:
    return f"{m.text('{:.1f}')} GeV"


def mass_claim(kin: Mapping[str, Mapping[str, np.ndarray]], n_boot: int = 200,
               seed: int = 0) -> str:
    """Where the top-jet mass peaks (:func:`peak_measurement`) against the top-quark mass,
    the share of top jets near the W mass, and whether the median QCD jet is lighter than the
    median top jet (bootstrap over the jets)."""
    top, qcd = np.asarray(kin["top"]["mass"]), np.asarray(kin["QCD"]["mass"])
    peak = peak_measurement(top, 120, 230, n_boot=n_boot, seed=seed)
    near = {True: "close to", False: "away from", None: "to be compared with"}[
        agrees_with(peak, TOP_MASS)]
    n_w = int(((top > 60) & (top < 100)).sum())
    w_window = (f"{n_w} of the {len(top)} top jets ({n_w / len(top):.1%})" if n_w
                else f"none of the {len(top)} top jets")
    med_top, med_qcd = (bootstrap(lambda idx, m=m: float(np.median(m[idx])), len(m), n_boot, seed)
                        for m in (top, qcd))
    lighter = {1: "is heavier than", -1: "is clearly lighter than",
               0: "cannot be told apart from"}[clear_difference(med_qcd, med_top)]
    return (f"In the training sample, the top-jet mass peaks at {_gev(peak)}, {near} the top-quark mass "
            f"({TOP_MASS} GeV), and {w_window} fall between 60 and 100 GeV, around the W mass. "
            f"The median QCD jet, at {_gev(med_qcd)}, {lighter} the "
            f"median top jet ({_gev(med_top)}).")


def w_peak_claim(kin: Mapping[str, Mapping[str, np.ndarray]], n_boot: int = 200,
                 seed: int = 0) -> str:
    """Where the W-jet mass peaks against the W mass; a note when there are no W jets."""
    if "W" not in kin:
        return "The benchmark files contain top and QCD jets only."
    peak = peak_measurement(kin["W"]["mass"], 50, 120, n_boot=n_boot, seed=seed)
    near = {True: "close to", False: "away from", None: "to be compared with"}[
        agrees_with(peak, W_MASS)]
    return f"The W-jet mass peaks at {_gev(peak)}, {near} the W mass ({W_MASS} GeV)."


def leading_share_claim(fractions: Mapping[str, np.ndarray], one: str = "QCD",
                        many: str = "top") -> str:
    """Whether the hardest constituent carries a larger share of the jet momentum in ``one``
    jets than in ``many`` jets (means ± standard errors over the jets)."""
    a, b = (mean_measurement(fractions[c][:, 0]) for c in (one, many))
    verdict = {1: f"clearly more in {one} jets", -1: f"clearly more in {many} jets",
               0: "the same share at this statistics"}[clear_difference(a, b)]
    return (f"The hardest constituent carries on average {a.text('{:.1%}')} of a {one} jet's "
            f"p<sub>T</sub> and {b.text('{:.1%}')} of a {many} jet's: {verdict}.")


def _mean_compare(observables: Mapping[str, Mapping[str, np.ndarray]], key: str, a: str, b: str,
                  larger: str, smaller: str, same: str, fmt: str = "{:.3f}") -> str:
    return compare(f"{a} jets", mean_measurement(observables[a][key]), f"{b} jets",
                   mean_measurement(observables[b][key]), larger=larger, smaller=smaller,
                   same=same, fmt=fmt)


def substructure_claims(observables: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, str]:
    """The substructure statements of chapter 0, each from class means ± standard errors:

    - ``width``: whether top jets are wider than QCD jets (λ¹₁);
    - ``prongs``: whether top jets have a smaller τ₃₂ than QCD jets and W jets a smaller τ₂₁;
    - ``quark_gluon``: whether gluon jets are wider, have more constituents and a smaller
      p_T^D than quark jets (a note when those samples are absent).
    """
    width = _mean_compare(observables, "width", "top", "QCD",
                          "are clearly wider on average than", "are clearly narrower on average than",
                          "are equally wide on average at this statistics")
    prongs = [_mean_compare(observables, "tau32", "top", "QCD", "have a clearly larger mean τ₃₂ than",
                            "have a clearly smaller mean τ₃₂ than",
                            "have the same mean τ₃₂ at this statistics", "{:.3f}")]
    if "W" in observables:
        prongs.append(_mean_compare(observables, "tau21", "W", "QCD",
                                    "have a clearly larger mean τ₂₁ than",
                                    "have a clearly smaller mean τ₂₁ than",
                                    "have the same mean τ₂₁ at this statistics", "{:.3f}"))
    if {"quark", "gluon"} <= set(observables):
        qg = "; ".join([
            _mean_compare(observables, "width", "gluon", "quark", "are clearly wider than",
                          "are clearly narrower than", "are equally wide at this statistics"),
            _mean_compare(observables, "multiplicity", "gluon", "quark",
                          "have clearly more constituents than", "have clearly fewer constituents than",
                          "have as many constituents at this statistics", "{:.1f}"),
            _mean_compare(observables, "pTD", "gluon", "quark", f"have a clearly larger {PTD} than",
                          f"have a clearly smaller {PTD} than",
                          f"have the same {PTD} at this statistics")])
        quark_gluon = f"On average, {qg}."
    else:
        quark_gluon = "The benchmark files hold no quark or gluon jets to check this on."
    return {"width": width, "prongs": "; ".join(prongs), "quark_gluon": quark_gluon}


def hard_splittings(points: Mapping[str, tuple[np.ndarray, np.ndarray, int]],
                    kt_min: float = HARD_KT_GEV, delta_min: float = WIDE_DELTA
                    ) -> dict[str, Measurement]:
    """Primary declusterings per jet with ``k_t > kt_min`` GeV and ``Delta > delta_min`` in
    each sample of :func:`primary_lund`, ± the Poisson error ``sqrt(N) / n_jets``."""
    out = {}
    for name, (x, y, n) in points.items():
        count = int(((y > np.log(kt_min)) & (x < np.log(1 / delta_min))).sum())
        out[name] = Measurement(count / n, np.sqrt(count) / n, n)
    return out


def lund_claims(points: Mapping[str, tuple[np.ndarray, np.ndarray, int]]) -> dict[str, str]:
    """The Lund-plane statements of chapter 0:

    - ``hard``: whether top (and W) jets have more hard, wide-angle primary splittings per jet
      than QCD jets (:func:`hard_splittings`);
    - ``gluon``: whether gluon jets have more primary declusterings per jet than quark jets
      (Poisson errors; a note when those samples are absent).
    """
    hard = hard_splittings(points)
    region = f"k<sub>t</sub> > {HARD_KT_GEV:.0f} GeV and Δ > {WIDE_DELTA}"
    parts = [compare(f"{s} jets", hard[s], "QCD jets", hard["QCD"], fmt="{:.2f}",
                     larger="have clearly more of them per jet than",
                     smaller="have clearly fewer of them per jet than",
                     same="have as many of them per jet at this statistics")
             for s in ("top", "W") if s in hard]
    out = {"hard": f"Counting the primary splittings with {region} (per jet, ± the Poisson "
                   f"error): {'; '.join(parts)}."}
    if {"quark", "gluon"} <= set(points):
        per_jet = {c: Measurement(len(points[c][0]) / points[c][2],
                                  np.sqrt(len(points[c][0])) / points[c][2], points[c][2])
                   for c in ("gluon", "quark")}
        out["gluon"] = "With the same Poisson errors, " + compare(
            "gluon jets", per_jet["gluon"], "quark jets", per_jet["quark"], fmt="{:.2f}",
            larger="have clearly more primary declusterings per jet than",
            smaller="have clearly fewer primary declusterings per jet than",
            same="have as many primary declusterings per jet at this statistics") + "."
    else:
        out["gluon"] = "The benchmark files hold no quark or gluon jets to compare."
    return out


def other_samples_sentences(generated: bool) -> dict[str, str]:
    """The sentences that point to the figures of the W, quark and gluon samples (MyST), or
    say why they are missing: the benchmark files hold top and QCD jets only."""
    if not generated:
        missing = ("With the benchmark files these figures are not drawn: the files hold top "
                   "and QCD jets only.")
        return {"other_samples_figure": missing, "other_substructure_figures": missing}
    return {
        "other_samples_figure": "{numref}`fig-jets-other-samples` compares the mass and "
                                "constituent multiplicity of the W, quark and gluon jets with "
                                "those of the QCD jets.",
        "other_substructure_figures": "For W and QCD jets and for quark and gluon jets they are "
                                      "shown in {numref}`fig-jets-substructure-w` and "
                                      "{numref}`fig-jets-substructure-qg`.",
    }


# --------------------------------------------------------------------- kinematic shortcuts
#: a one-variable AUC above this on the test jets counts as a kinematic shortcut (the
#: physics-controls goal: matched samples must stay at or below it)
SHORTCUT_LIMIT = 0.52
#: the variables of the shortcut control and how the prose names them
SHORTCUT_VARIABLES = {"pt": "the jet $p_T$", "abs_eta": "the jet $|\\eta|$"}


@dataclass(frozen=True)
class ShortcutControl:
    """One task's kinematic control on its test jets: the one-variable AUCs of jet pT and
    |eta| before and after (pT, |eta|) matching, the median pT per class, the kept share."""

    task: str
    before: dict[str, Measurement]
    after: dict[str, Measurement]
    median_pt: tuple[float, float]  #: (signal, background), GeV
    kept: float  #: share of the test jets the matching keeps


def _pt_abs_eta(jets: JetSet) -> dict[str, np.ndarray]:
    kin = kinematics.jet_kinematics(jets)
    return {"pt": kin["pt"], "abs_eta": np.abs(kin["eta"])}


def shortcut_control(task: str, jets: JetSet, seed: int = 0) -> ShortcutControl:
    """:class:`ShortcutControl` of ``task`` on ``jets`` (its test split)."""
    v, y = _pt_abs_eta(jets), np.asarray(jets.labels)
    idx = matched_indices(v["pt"], v["abs_eta"], y, seed=seed)

    def aucs(sel: np.ndarray) -> dict[str, Measurement]:
        return {k: auc_measurement(x[sel][y[sel] == 1], x[sel][y[sel] == 0]) for k, x in v.items()}

    return ShortcutControl(task, aucs(np.arange(len(y))), aucs(idx),
                           (float(np.median(v["pt"][y == 1])), float(np.median(v["pt"][y == 0]))),
                           len(idx) / max(len(y), 1))


def shortcut_table(controls: Mapping[str, ShortcutControl]) -> pd.DataFrame:
    """One row a task: one-variable AUCs before and after matching, median pT per class."""
    rows = {}
    for task, c in controls.items():
        rows[TASKS[task].title] = {
            "AUC of jet pT": c.before["pt"].text(), "AUC of |η|": c.before["abs_eta"].text(),
            "median pT, signal / background [GeV]": f"{c.median_pt[0]:.0f} / {c.median_pt[1]:.0f}",
            "matched: AUC of jet pT": c.after["pt"].text(),
            "matched: AUC of |η|": c.after["abs_eta"].text(),
            "test jets kept": f"{c.kept:.0%}"}
    return pd.DataFrame(rows).T.rename_axis("task (test jets)")


def shortcut_claims(controls: Mapping[str, ShortcutControl],
                    limit: float = SHORTCUT_LIMIT) -> dict[str, str]:
    """``shortcut``: which tasks a single kinematic variable separates clearly above
    ``limit`` (the AUC minus one standard error above it); ``shortcut_matched``: whether
    matching brings every one-variable AUC to at most ``limit``, and what it costs."""
    threshold = Measurement(limit, 0.0)
    above = [(task, k, c.before[k]) for task, c in controls.items() for k in SHORTCUT_VARIABLES
             if clear_difference(c.before[k], threshold) > 0]
    if above:
        listed = "; ".join(f"{SHORTCUT_VARIABLES[k]} alone separates {TASKS[t].title} with an "
                           f"AUC of {m.text()}" for t, k, m in above)
        first = (f"On the test jets, {listed}: clearly above {limit}, a kinematic shortcut a "
                 f"network fed absolute momenta can use.")
    else:
        first = (f"On the test jets, no task is separated by the jet $p_T$ or $|\\eta|$ alone "
                 f"clearly above an AUC of {limit}.")
    clean = [t for t, c in controls.items()
             if all(clear_difference(c.before[k], threshold) <= 0 for k in SHORTCUT_VARIABLES)]
    if above and clean:
        first += (" For " + " and ".join(TASKS[t].title for t in clean)
                  + " neither variable is clearly above it.")
    worst = max(((t, k, c.after[k]) for t, c in controls.items() for k in SHORTCUT_VARIABLES),
                key=lambda x: x[2].value)
    kept = [c.kept for c in controls.values()]
    share = (f"{min(kept):.0%}" if min(kept) == max(kept)
             else f"between {min(kept):.0%} and {max(kept):.0%}")
    if worst[2].value <= limit:
        second = (f"Matching the two classes in bins of (jet $p_T$, $|\\eta|$) brings every "
                  f"one-variable AUC to at most {limit} (the largest: {worst[2].text()}, "
                  f"{SHORTCUT_VARIABLES[worst[1]]} of {TASKS[worst[0]].title}), keeping "
                  f"{share} of the test jets.")
    elif clear_difference(worst[2], threshold) > 0:
        second = (f"Matching the two classes in bins of (jet $p_T$, $|\\eta|$) keeps {share} of "
                  f"the test jets but leaves {SHORTCUT_VARIABLES[worst[1]]} of "
                  f"{TASKS[worst[0]].title} at an AUC of {worst[2].text()}, clearly above "
                  f"{limit}: finer bins are needed.")
    else:
        second = (f"Matching the two classes in bins of (jet $p_T$, $|\\eta|$) brings every "
                  f"one-variable AUC to within its error of {limit} or below (the largest: "
                  f"{worst[2].text()}, {SHORTCUT_VARIABLES[worst[1]]} of "
                  f"{TASKS[worst[0]].title}), keeping {share} of the test jets.")
    return {"shortcut": first, "shortcut_matched": second}


def inputs_claim(controls: Mapping[str, ShortcutControl], limit: float = SHORTCUT_LIMIT) -> str:
    """``shortcut_inputs``: which chapters the control concerns -- chapter 5's RecNN trains on
    matched jets; the TopoDNN and PFN of chapters 1-4 see top/QCD jets relative to the jet
    axis, so only the jet pT can reach the TopoDNN, and whether it does is measured."""
    text = ("Chapter 5's RecNN reads the absolute momenta and angles of every node, so it is "
            "trained, evaluated, probed, transferred and explained on matched jets, and "
            "compared with the unmatched ones. The TopoDNN (chapters 1–3) and the PFN "
            "(chapter 4) read top/QCD jets with the constituents' $(\\eta, \\phi)$ taken "
            "relative to the jet axis, so $|\\eta|$ never reaches them; the PFN reads momentum "
            "fractions, so the jet $p_T$ does not either, while the TopoDNN's constituent "
            "$p_T$ add up to it.")
    if "top_qcd" not in controls:
        return text
    m = controls["top_qcd"].before["pt"]
    if clear_difference(m, Measurement(limit, 0.0)) > 0:
        return text + (f" On top/QCD the jet $p_T$ alone gives an AUC of {m.text()}, clearly "
                       f"above {limit}: the TopoDNN's numbers may contain that shortcut.")
    return text + (f" On top/QCD the jet $p_T$ alone gives an AUC of {m.text()}, not clearly "
                   f"above {limit}, so both train on the unmatched jets.")


def task_test_sets(profile: Profile | str, seed: int = 0, data_source: str = "generated",
                   data_dir: str = "", workers: int | None = None) -> dict[str, JetSet]:
    """The test jets of every task of the book (top/QCD only with the benchmark files)."""
    if data_source != "generated":
        return {"top_qcd": load_task("top_qcd", profile, seed=seed, data_source=data_source,
                                     data_dir=data_dir)["test"]}
    return {task: load_task(task, profile, seed=seed, workers=workers)["test"] for task in TASKS}


def shortcut_records(controls: Mapping[str, ShortcutControl]) -> dict[str, Measurement]:
    """The controls' AUCs by result key, e.g. ``shortcut_w_qcd_pt`` and
    ``shortcut_w_qcd_pt_matched``."""
    out = {}
    for task, c in controls.items():
        for k in SHORTCUT_VARIABLES:
            out[f"shortcut_{task}_{k}"] = c.before[k]
            out[f"shortcut_{task}_{k}_matched"] = c.after[k]
    return out
