"""The jets themselves (chapter 0): samples per class, how fast they were generated, their
kinematics and substructure, primary Lund-plane densities, and the physics cross-checks that
fail the book build when the generated jets are off.  The figures are in
:mod:`helpers.plots.jets`."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data.jets import JetSet
from ..data.samples import sample_file
from ..data.store import read_attrs, read_jets
from ..physics import kinematics
from ..physics.observables import lund_plane_points

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
