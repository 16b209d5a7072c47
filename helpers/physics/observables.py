"""Jet observables, vectorised over jets.

Every function takes a :class:`~helpers.data.jets.JetSet` or its ``(N, M, 4)``
constituent array ``(E, px, py, pz)``; padding slots are the rows with ``E <= 0``.

Conventions
-----------
- Angular distances between particles and to the jet axis are measured in
  rapidity-azimuth, ``Delta R^2 = Delta y^2 + Delta phi^2`` with ``Delta phi`` wrapped
  into ``(-pi, pi]`` -- the FastJet convention, so angularities, N-subjettiness and
  Lund coordinates share one metric.  The jet axis is the direction of the summed
  four-momentum.
- Reported jet ``eta`` is the pseudorapidity; ``phi`` lies in ``(-pi, pi]``.
- Jets without constituents give NaN kinematics and angularities, ``tau_N = 0``.
"""

from __future__ import annotations

import awkward as ak
import fastjet
import numpy as np

from ..sysio import silence_stdout_fd
from .kinematics import (
    JetsLike,
    constituents_of,
    delta_r_to_axis,
    jet_kinematics,
    multiplicity,
    pt,
)
from .trees import build_trees

#: jet radius of the benchmark (anti-kt R = 0.8); normalises angularities and tau_N
JET_R = 0.8
#: axes definitions of fastjet-contrib Nsubjettiness accepted here.  FastJet silently
#: replaces an unknown name by ``KT_Axes``, so names are validated before the call.
NSUBJETTINESS_AXES = (
    "OnePass_KT_Axes",
    "KT_Axes",
    "CA_Axes",
    "WTA_KT_Axes",
    "WTA_CA_Axes",
    "OnePass_CA_Axes",
    "OnePass_WTA_KT_Axes",
    "OnePass_WTA_CA_Axes",
)
#: C/A radius used to recluster a whole jet into one tree ("one event = one jet")
RECLUSTER_R = 1000.0
#: the standard set returned by :func:`compute_observables`
STANDARD_OBSERVABLES = (
    "mass",
    "pt",
    "eta",
    "phi",
    "multiplicity",
    "pTD",
    "pTD2",
    "LHA",
    "width",
    "mass_angularity",
    "tau1",
    "tau2",
    "tau3",
    "tau21",
    "tau32",
)

# --------------------------------------------------------------------------- inputs
def to_awkward(jets: JetsLike) -> ak.Array:
    """Jagged ``{px, py, pz, E}`` array, one list of real constituents per jet."""
    c = constituents_of(jets)
    mask = c[..., 0] > 0
    flat = c[mask]
    fields = {"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3], "E": flat[:, 0]}
    return ak.unflatten(ak.zip(fields), mask.sum(axis=1))


# ---------------------------------------------------------------------- angularities
def angularities(
    jets: JetsLike, exponents: dict[str, tuple[float, float]], R: float = JET_R
) -> dict[str, np.ndarray]:
    """Several generalised angularities ``{name: (kappa, beta)}`` sharing one pass.

    ``lambda^kappa_beta = sum_i z_i^kappa (Delta R_i / R)^beta`` with
    ``z_i = pT_i / sum_j pT_j`` and ``Delta R_i`` the rapidity-azimuth distance to the
    jet axis (the jet four-momentum direction).  Padding never contributes, so
    ``(0, 0)`` is the multiplicity.  NaN for jets without constituents.
    """
    c = constituents_of(jets)
    mask = c[..., 0] > 0
    p_t = np.where(mask, pt(c), 0.0)
    nonempty = mask.any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = p_t / p_t.sum(axis=1, keepdims=True)
    x = delta_r_to_axis(c) / R
    out = {}
    for name, (kappa, beta) in exponents.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            total = np.where(mask, z**kappa * x**beta, 0.0).sum(axis=1)
        out[name] = np.where(nonempty, total, np.nan)
    return out


def angularity(jets: JetsLike, kappa: float, beta: float, R: float = JET_R) -> np.ndarray:
    """One generalised angularity ``lambda^kappa_beta`` (see :func:`angularities`)."""
    return angularities(jets, {"lambda": (kappa, beta)}, R)["lambda"]


def ptd(jets: JetsLike) -> np.ndarray:
    """``pTD = sqrt(sum pT_i^2) / sum pT_i = sqrt(lambda^2_0)``."""
    return np.sqrt(angularity(jets, 2.0, 0.0))


def lha(jets: JetsLike) -> np.ndarray:
    """Les Houches angularity ``lambda^1_{1/2}``."""
    return angularity(jets, 1.0, 0.5)


def width(jets: JetsLike) -> np.ndarray:
    """Jet width (girth / R) ``lambda^1_1``."""
    return angularity(jets, 1.0, 1.0)


def mass_angularity(jets: JetsLike) -> np.ndarray:
    """Mass-like angularity ``lambda^1_2`` (~ m^2 / (pT R)^2 for narrow jets)."""
    return angularity(jets, 1.0, 2.0)


# ------------------------------------------------------------------- N-subjettiness
def nsubjettiness(
    jets: JetsLike,
    njets: tuple[int, ...] = (1, 2, 3),
    beta: float = 1.0,
    R0: float = JET_R,
    axes: str = "OnePass_KT_Axes",
) -> np.ndarray:
    """``(N, len(njets))`` normalised N-subjettiness from fastjet-contrib.

    ``tau_N = sum_i pT_i min_a Delta R_ia^beta / (sum_i pT_i R0^beta)`` with the
    ``NormalizedMeasure`` and, by default, ``OnePass_KT_Axes``: exclusive-kt axes
    refined by one pass of the minimisation (the fastjet-contrib recommendation).
    ``axes="KT_Axes"`` gives plain exclusive-kt axes.  All constituents of a jet
    form one FastJet "event"; all jets of a batch go in one call.
    Jets with ``n <= N`` constituents get ``tau_N = 0`` (each particle its own axis).
    """
    if axes not in NSUBJETTINESS_AXES:
        raise ValueError(f"unknown axes {axes!r}; choose one of {NSUBJETTINESS_AXES}")
    c = constituents_of(jets)
    n = multiplicity(c)
    out = np.zeros((len(c), len(njets)))
    nonempty = n > 0
    if nonempty.any():
        jetdef = fastjet.JetDefinition(fastjet.cambridge_algorithm, RECLUSTER_R)
        with silence_stdout_fd():  # FastJet's banner on first use
            cs = fastjet.ClusterSequence(to_awkward(c[nonempty]), jetdef)
            taus = cs.njettiness(measure_definition="NormalizedMeasure", axes_definition=axes,
                                 njets=list(njets), beta=beta, R0=R0)
        out[nonempty] = ak.to_numpy(taus)
    out[n[:, None] <= np.asarray(njets)[None, :]] = 0.0
    return out


def tau_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``tau_{N+1} / tau_N``, defined as 0 where ``tau_N = 0`` (then tau_{N+1} = 0 too)."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, 0.0)


# ----------------------------------------------------------------------------- Lund
def lund_declusterings(jets: JetsLike) -> ak.Array:
    """Primary Lund declusterings: ``N * var * {Delta, kt, z}``, from the root down.

    C/A reclustering of each jet (:mod:`helpers.physics.trees`), following the harder (higher
    pT) branch; for each splitting into harder ``a`` and softer ``b``:
    ``Delta = Delta R_ab`` (rapidity-azimuth), ``kt = pT_b Delta``,
    ``z = pT_b / (pT_a + pT_b)``.  Raises ``ValueError`` for jets without constituents.
    """
    values, counts = build_trees(jets, dtype=np.float64).primary_lund()
    fields = {"Delta": np.exp(-values[:, 0]), "kt": np.exp(values[:, 1]), "z": values[:, 2]}
    return ak.unflatten(ak.zip(fields), counts)


def lund_declusterings_fastjet(jets: JetsLike) -> ak.Array:
    """Primary ``N * var * {Delta, kt}`` from FastJet (C/A, R = 1000); no ``z``.

    An independent implementation used to cross-check :func:`lund_declusterings`.
    """
    jetdef = fastjet.JetDefinition(fastjet.cambridge_algorithm, RECLUSTER_R)
    with silence_stdout_fd():
        cs = fastjet.ClusterSequence(to_awkward(jets), jetdef)
    return cs.exclusive_jets_lund_declusterings(1)[:, 0]


def lund_plane_points(jets: JetsLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat ``(ln 1/Delta, ln kt/GeV, jet index)`` of all primary declusterings."""
    lund = lund_declusterings(jets)
    jet_index = np.repeat(np.arange(len(lund)), ak.num(lund))
    flat = ak.flatten(lund)
    return -np.log(ak.to_numpy(flat.Delta)), np.log(ak.to_numpy(flat.kt)), jet_index


# --------------------------------------------------------------------- standard set
#: jets per chunk of :func:`compute_observables`: its float64 copies and FastJet's clustering
#: hold about 34 kB per jet while a chunk is computed (benchmarks/bench_memory.py), so chunks
#: keep the peak near 0.7 GB instead of ~40 GB for the full profile's 1.2 M training jets
OBSERVABLE_CHUNK = 20_000


def compute_observables(jets: JetsLike, chunk_size: int = OBSERVABLE_CHUNK
                        ) -> dict[str, np.ndarray]:
    """The standard observable set (:data:`STANDARD_OBSERVABLES`), one array each, computed
    ``chunk_size`` jets at a time (the result does not depend on it)."""
    raw = np.asarray(getattr(jets, "constituents", jets))
    if raw.ndim == 3 and len(raw) > chunk_size:
        parts = [_observables(raw[i:i + chunk_size]) for i in range(0, len(raw), chunk_size)]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _observables(jets)


def _observables(jets: JetsLike) -> dict[str, np.ndarray]:
    c = constituents_of(jets)
    kin = jet_kinematics(c)
    lam = angularities(c, {"pTD2": (2, 0), "LHA": (1, 0.5), "width": (1, 1), "mass": (1, 2)})
    tau = nsubjettiness(c, njets=(1, 2, 3))
    return {
        "mass": kin["mass"],
        "pt": kin["pt"],
        "eta": kin["eta"],
        "phi": kin["phi"],
        "multiplicity": multiplicity(c),
        "pTD": np.sqrt(lam["pTD2"]),
        "pTD2": lam["pTD2"],  # lambda^2_0 = sum z_i^2, what Cheng's "p_T^D" row is
        "LHA": lam["LHA"],
        "width": lam["width"],
        "mass_angularity": lam["mass"],
        "tau1": tau[:, 0],
        "tau2": tau[:, 1],
        "tau3": tau[:, 2],
        "tau21": tau_ratio(tau[:, 1], tau[:, 0]),
        "tau32": tau_ratio(tau[:, 2], tau[:, 1]),
    }
