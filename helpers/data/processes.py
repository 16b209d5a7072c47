"""Physics processes, jet definition and classification tasks.

All settings follow the top-tagging benchmark (Kasieczka et al.): 14 TeV, no MPI,
anti-kt R = 0.8 jets with pT in [550, 650] GeV and |eta| < 2.  The Pythia settings of
each process are plain strings so that they enter the cache hash verbatim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import DataError
from .veto import JetVeto, ResonanceVeto

COMMON_SETTINGS: tuple[str, ...] = (
    "Beams:eCM = 14000",
    "PartonLevel:MPI = off",
    "Next:numberCount = 0",
    "Print:quiet = on",
)

#: top generation cut and parton-level veto (GeV): measured in benchmarks/pthat_bias.py and
#: its --veto-jets check, reported on the data page
TOP_PTHAT_MIN = 100.0
TOP_VETO = ResonanceVeto(6, late_pt=350.0, early_scale=100.0, early_pt=300.0)
#: parton-jet veto (GeV): measured with benchmarks/pthat_bias.py --jet-veto-jets, reported
#: on the data page.  Processes whose jet is a resonance's decay (top, W) judge only after
#: the shower: during the main evolution the decay products are not showered yet
JET_VETO = JetVeto(late_pt=500.0, early_scale=20.0, early_pt=450.0)
LATE_JET_VETO = JetVeto(late_pt=500.0)

#: reference pTHat of the biased sampling used by bias studies (GeV)
BIAS_REF_GEV = 100.0

_HADRONIC_W = ("24:onMode = off", "24:onIfAny = 1 2 3 4 5")
_Z_TO_NUNU = ("23:onMode = off", "23:onIfAny = 12 14 16")


@dataclass(frozen=True)
class JetDefinition:
    """Jet algorithm and the jet selection window."""

    algorithm: str = "antikt"
    radius: float = 0.8
    pt_min: float = 550.0
    pt_max: float = 650.0
    abs_eta_max: float = 2.0
    #: only the n hardest jets of each event are candidates
    leading_jets: int = 2
    max_constituents: int = 200

    def __post_init__(self) -> None:
        if not (0 < self.radius <= 3):
            raise DataError(f"jet radius must be in (0, 3], got {self.radius}")
        if not (0 <= self.pt_min < self.pt_max):
            raise DataError(f"impossible jet pT window [{self.pt_min}, {self.pt_max}] GeV")
        if self.abs_eta_max <= 0:
            raise DataError(f"impossible |eta| cut < {self.abs_eta_max}")
        if self.algorithm not in ("antikt", "cambridge", "kt"):
            raise DataError(f"unknown jet algorithm {self.algorithm!r}")
        if self.max_constituents < 1 or self.leading_jets < 1:
            raise DataError("max_constituents and leading_jets must be positive")


@dataclass(frozen=True)
class Process:
    """One generated process: Pythia settings, the class label and the truth matching."""

    name: str
    label: int
    settings: tuple[str, ...]
    #: 'top' (top + b + W quarks), 'w' (W + its quarks), 'parton' (hard parton), 'none'
    matching: str
    #: PhaseSpace:pTHatMin in GeV (None for s-channel resonances where it does not apply)
    pthat_min: float | None = None
    description: str = ""
    #: parton-level veto of events that cannot give a matched jet in the window
    #: (:mod:`helpers.data.veto`): it makes low pTHatMin cuts affordable
    parton_veto: ResonanceVeto | None = None
    #: parton-jet veto: no parton jet near the window, no hadron jet in it
    jet_veto: JetVeto | None = None

    @property
    def vetoes(self) -> tuple:
        """The parton-level vetoes this process's generation applies, resonance first."""
        return tuple(v for v in (self.parton_veto, self.jet_veto) if v is not None)

    def pythia_settings(self, seed: int, pthat_min: float | None = None,
                        bias_power: float | None = None) -> list[str]:
        """Full list of settings for one Pythia instance.

        ``bias_power`` (studies only) samples events with an extra factor
        ``(pTHat / 100 GeV) ** bias_power``; each event then carries the weight
        ``pTHat ** -bias_power`` (up to a constant), see :func:`helpers.studies.generation.bias_weight`.
        """
        cut = self.pthat_min if pthat_min is None else pthat_min
        settings = list(COMMON_SETTINGS) + list(self.settings)
        if cut is not None:
            settings.append(f"PhaseSpace:pTHatMin = {cut:g}")
        if bias_power:
            settings += ["PhaseSpace:bias2Selection = on",
                         f"PhaseSpace:bias2SelectionPow = {bias_power:g}",
                         f"PhaseSpace:bias2SelectionRef = {BIAS_REF_GEV:g}"]
        settings += ["Random:setSeed = on", f"Random:seed = {seed}"]
        return settings

    def to_dict(self) -> dict:
        return asdict(self)


PROCESSES: dict[str, Process] = {
    p.name: p
    for p in (
        Process(
            "top", 1,
            ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on", *_HADRONIC_W),
            matching="top", pthat_min=TOP_PTHAT_MIN, parton_veto=TOP_VETO, jet_veto=LATE_JET_VETO,
            description="hadronic ttbar; jet must contain the top and its three decay quarks",
        ),
        Process(
            "qcd", 0, ("HardQCD:all = on",), matching="none", pthat_min=300.0, jet_veto=JET_VETO,
            description="QCD dijets (light quarks and gluons)",
        ),
        Process(
            "w", 1,
            (
                "NewGaugeBoson:ffbar2Wprime = on", "34:m0 = 1300", "Wprime:coup2WZ = 1",
                "34:onMode = off", "34:onIfAll = 23 24", *_HADRONIC_W, *_Z_TO_NUNU,
            ),
            matching="w", jet_veto=LATE_JET_VETO,
            description="W' (1.3 TeV) -> W(qq) Z(nu nu); jet must contain the W and its quarks",
        ),
        Process(
            "quark", 1,
            ("WeakBosonAndParton:qg2gmZq = on", "WeakZ0:gmZmode = 2", *_Z_TO_NUNU),
            matching="parton", pthat_min=400.0, jet_veto=JET_VETO,
            description="Z(nu nu) + quark jet; labelled by the hard parton",
        ),
        Process(
            "gluon", 0,
            ("WeakBosonAndParton:qqbar2gmZg = on", "WeakZ0:gmZmode = 2", *_Z_TO_NUNU),
            matching="parton", pthat_min=400.0, jet_veto=JET_VETO,
            description="Z(nu nu) + gluon jet; labelled by the hard parton",
        ),
    )
}

#: how the book names the class of each process (legends, tables, class-name maps)
CLASS_TITLES: dict[str, str] = {"top": "top", "qcd": "QCD", "w": "W", "quark": "quark",
                                "gluon": "gluon"}


@dataclass(frozen=True)
class Task:
    """A classification task: signal and background process, and how the book names it."""

    name: str
    signal: str
    background: str
    #: e.g. "top/QCD"
    title: str

    @property
    def class_names(self) -> dict[int, str]:
        """``{1: signal class, 0: background class}``, e.g. ``{1: "top", 0: "QCD"}``."""
        return {1: CLASS_TITLES[self.signal], 0: CLASS_TITLES[self.background]}


#: the book's classification tasks, by name
TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("top_qcd", "top", "qcd", "top/QCD"),
        Task("w_qcd", "w", "qcd", "W/QCD"),
        Task("quark_gluon", "quark", "gluon", "quark/gluon"),
    )
}


def get_process(name: str) -> Process:
    """Look a process up by name, with a clear error for unknown names."""
    try:
        return PROCESSES[name]
    except KeyError:
        raise DataError(
            f"unknown process {name!r}; choose one of {', '.join(PROCESSES)}"
        ) from None


def task_info(name: str) -> Task:
    """The :class:`Task` of that name, with a clear error for unknown names."""
    if name not in TASKS:
        raise DataError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    return TASKS[name]


def get_task(name: str) -> tuple[Process, Process]:
    """(signal, background) processes of a classification task."""
    task = task_info(name)
    return PROCESSES[task.signal], PROCESSES[task.background]
