"""Parton-level vetoes: drop events that cannot give a selected jet, as early as possible.

Two kinds of judge, each with an *early* threshold (when the shower evolution passes a
scale) and a *late* one (after the shower, before hadronisation and clustering):

* :class:`ResonanceVeto` -- the fastest hard resonance (the top), described below;
* :class:`JetVeto` -- the hardest central *parton jet*: the event's final-state partons
  clustered with anti-kt and a radius larger than the selected jets' (Pythia's ``SlowJet``
  with its FastJet core).
  Most QCD events at the generation cut never come near the jet window, and the shower
  below a few tens of GeV -- where almost all of its time goes -- and hadronisation are
  spent on them for nothing.

A top jet in the window (pT > 550 GeV, all three decay quarks within R = 0.8) needs a fast
top.  Most top-pair events -- above all those at low pTHat, which reach the window only
through a hard initial-state emission -- never have one, and generating them in full
(shower, hadronisation, clustering) costs most of the generation time.  A Pythia
``UserHooks`` drops them in two steps, and ``nextBatch`` only returns the rest:

1. *early*: when the shower evolution passes ``early_scale`` GeV (all harder emissions
   done, the tops' recoil from them known), events whose hard tops are all slower than
   ``early_pt`` are vetoed -- before most of the shower and all of the hadronisation;
2. *late*: after the shower, events whose tops (in their last copy, as they decay) are all
   slower than ``late_pt`` are vetoed before hadronisation and clustering.

The thresholds are set far below what kept jets need, measured on jets generated without
the vetoes, or with looser ones (``benchmarks/pthat_bias.py --veto-jets``, the data
page): the kept jets keep their distribution and only the time per jet drops.  With
``record=True`` the hook keeps, per event it lets through, the values it judged (for that
measurement); with ``apply=False`` it lets every event through.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sysio import silence_stdout_fd

#: positions of the outgoing hard-process particles of a 2 -> 2 process in Pythia's event
_HARD_OUTGOING = (5, 6)
#: ``iPos`` values of UserHooks.doVetoPT in the main evolution (0: nothing above the scale,
#: 1-3: after an MPI, ISR or FSR step, 4: deferred FSR); 5 is a resonance-decay shower
_MAIN_EVOLUTION = (0, 1, 2, 3, 4)


def _check_thresholds(veto, valid: bool = True) -> None:
    """Refuse impossible thresholds of a veto (``valid``: its own further conditions)."""
    if (veto.early_scale is None) != (veto.early_pt is None):
        raise ValueError("early_scale and early_pt go together (both or neither)")
    if not valid or veto.late_pt < 0 or (veto.early_scale is not None and veto.early_scale <= 0):
        raise ValueError(f"impossible veto thresholds: {veto}")


@dataclass(frozen=True)
class ResonanceVeto:
    """Veto thresholds (GeV) on the fastest hard particle ``|id| == pdg_id``."""

    pdg_id: int
    late_pt: float
    early_scale: float | None = None
    early_pt: float | None = None

    def __post_init__(self) -> None:
        _check_thresholds(self)

    def judge(self):
        """``event -> pT`` (GeV) this veto compares with its thresholds (``None``: no verdict)."""
        return lambda event: hard_resonance_max_pt(event, self.pdg_id)


@dataclass(frozen=True)
class JetVeto:
    """Veto thresholds (GeV) on the hardest parton jet with ``|eta| < eta_max``.

    The jets are anti-kt jets of ``radius`` built from the event's visible final-state
    particles at the moment of judging (partons, during and after the shower).  The radius
    is larger than the selected jets' 0.8: with 0.8, two partons just outside each other's
    cone that hadronisation and the rest of the shower merge into one jet made the veto's
    pT fall far below the kept jet's (down to 300 GeV for a 550 GeV jet); with 1.2 the
    lowest values lie just below the window (measured, the data page).
    """

    late_pt: float
    early_scale: float | None = None
    early_pt: float | None = None
    radius: float = 1.2
    eta_max: float = 2.5

    def __post_init__(self) -> None:
        _check_thresholds(self, self.radius > 0 and self.eta_max > 0)

    def judge(self):
        """``event -> pT`` (GeV) of the hardest central parton jet (0 if there is none)."""
        import pythia8mc

        # power -1: anti-kt; particles at any |eta| (they may join a central jet);
        # select 2: visible final-state particles; massSet 2: massive four-momenta
        finder = pythia8mc.SlowJet(-1, self.radius, 1.0, 50.0, 2, 2)
        quiet = [True]  # FastJet's core prints its banner at the first clustering of a process

        def hardest_central(event) -> float:
            if quiet[0]:
                with silence_stdout_fd():
                    finder.analyze(event)
                quiet[0] = False
            else:
                finder.analyze(event)
            pts = [finder.pT(i) for i in range(finder.sizeJet())
                   if abs(finder.p(i).eta()) < self.eta_max]
            return max(pts, default=0.0)

        return hardest_central


def early_scale(vetoes) -> float | None:
    """The one scale at which ``vetoes`` judge early (Pythia calls the hook once there)."""
    scales = {v.early_scale for v in vetoes if v.early_scale is not None}
    if len(scales) > 1:
        raise ValueError(f"vetoes of one generator must share their early scale, got {scales}")
    return scales.pop() if scales else None


def hard_resonance_max_pt(event, pdg_id: int) -> float | None:
    """Largest pT of the hard-process particles ``|id| == pdg_id`` in their latest copy.

    ``None`` if the record has no such particle at the hard-process positions (then the
    event must not be vetoed: the veto only judges events it understands).
    """
    best = None
    for i in _HARD_OUTGOING:
        if i >= event.size() or abs(event[i].id()) != pdg_id:
            continue
        last = event[event[i].iBotCopyId()]
        best = max(best or 0.0, last.pT())
    return best


def event_key(event) -> float:
    """A per-event tag that survives into the returned batch: the energy of the first
    outgoing hard-process particle (record position 5; 0 for a shorter record).  Not its
    pT, which is zero for every event of a 2 -> 1 process such as the W'."""
    return event[_HARD_OUTGOING[0]].e() if event.size() > _HARD_OUTGOING[0] else 0.0


def batch_event_keys(prt) -> np.ndarray:
    """:func:`event_key` of every event of a returned awkward batch (its ``prt`` records)."""
    import awkward as ak

    i = _HARD_OUTGOING[0]
    p = ak.pad_none(prt.p, i + 1, axis=1)[:, i]
    return ak.to_numpy(ak.fill_none(p.e, 0.0))


def align_records(records: list, keys) -> list:
    """The judged values of each returned event, in order: ``records`` (``(key, ...)`` per
    event the hook let through, in generation order) minus those of events that failed
    later, found by their ``keys`` (:func:`event_key` of the returned events).

    When hadronisation fails, Pythia showers the *same* hard process again, and the hook
    judges it again: consecutive records with one key are attempts at one event, and the
    returned event is the last of them.
    """
    out, j = [], 0
    for key in keys:
        while j < len(records) and not _same_key(records[j][0], key):
            j += 1
        if j == len(records):
            raise RuntimeError("veto records out of step with the returned events")
        while j + 1 < len(records) and _same_key(records[j + 1][0], key):
            j += 1
        out.append(records[j][1:])
        j += 1
    return out


def _same_key(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def make_veto_hook(vetoes, apply: bool = True, record: bool = False):
    """A Pythia ``UserHooks`` applying ``vetoes`` (judging only, if not ``apply``); an event
    is dropped when any of them finds it below its threshold.  It counts the events it judged
    (``n_tried``, ``n_vetoed``).  With ``record=True`` it appends ``(key, early_1, late_1,
    early_2, late_2, ...)`` to ``records`` for each event it lets through (``early`` is
    ``None`` if the evolution never passed the early scale or that veto has none; ``key``
    from :func:`event_key`).  An event can still fail after the hook (in hadronisation) and
    never be returned, so records are matched to the returned events with
    :func:`align_records`."""
    import pythia8mc

    vetoes = tuple(vetoes)
    scale = early_scale(vetoes)
    judges = [v.judge() for v in vetoes]

    def below(value, threshold) -> bool:
        return apply and threshold is not None and value is not None and value < threshold

    class _PartonLevelVeto(pythia8mc.UserHooks):
        def __init__(self) -> None:
            pythia8mc.UserHooks.__init__(self)
            self.n_tried = 0
            self.n_vetoed = 0
            self.records: list[tuple] = []
            self._early: list = [None] * len(vetoes)
            self._judged = False

        # -- a new event: forget the last one's state ---------------------------------
        def canVetoProcessLevel(self) -> bool:  # noqa: N802 (Pythia's names)
            return True

        def doVetoProcessLevel(self, process) -> bool:  # noqa: N802
            self._early, self._judged = [None] * len(vetoes), False
            return False

        # -- early: when the evolution passes the early scale -----------------------
        def canVetoPT(self) -> bool:  # noqa: N802
            return scale is not None

        def scaleVetoPT(self) -> float:  # noqa: N802
            return scale or 0.0

        def doVetoPT(self, iPos: int, event) -> bool:  # noqa: N802, N803
            if iPos not in _MAIN_EVOLUTION or self._judged:
                return False
            self._judged = True
            self._early = [judge(event) if v.early_scale is not None else None
                           for v, judge in zip(vetoes, judges)]
            if any(below(e, v.early_pt) for v, e in zip(vetoes, self._early)):
                return self._count(veto=True)
            return False

        # -- late: after the shower, before hadronisation -------------------------
        def canVetoPartonLevel(self) -> bool:  # noqa: N802
            return True

        def doVetoPartonLevel(self, event) -> bool:  # noqa: N802
            late = [judge(event) for judge in judges]
            vetoed = any(below(x, v.late_pt) for v, x in zip(vetoes, late))
            if record and not vetoed:
                self.records.append((event_key(event),
                                     *(x for pair in zip(self._early, late) for x in pair)))
            return self._count(veto=vetoed)

        def _count(self, veto: bool) -> bool:
            self.n_tried += 1
            self.n_vetoed += veto
            self._early, self._judged = [None] * len(vetoes), False
            return veto

    return _PartonLevelVeto()
