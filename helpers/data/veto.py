"""Parton-level vetoes: drop events that cannot give a selected jet, as early as possible.

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

#: positions of the outgoing hard-process particles of a 2 -> 2 process in Pythia's event
_HARD_OUTGOING = (5, 6)
#: ``iPos`` values of UserHooks.doVetoPT in the main evolution (0: nothing above the scale,
#: 1-3: after an MPI, ISR or FSR step, 4: deferred FSR); 5 is a resonance-decay shower
_MAIN_EVOLUTION = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class ResonanceVeto:
    """Veto thresholds (GeV) on the fastest hard particle ``|id| == pdg_id``."""

    pdg_id: int
    late_pt: float
    early_scale: float | None = None
    early_pt: float | None = None

    def __post_init__(self) -> None:
        if (self.early_scale is None) != (self.early_pt is None):
            raise ValueError("early_scale and early_pt go together (both or neither)")
        if self.late_pt < 0 or (self.early_scale is not None and self.early_scale <= 0):
            raise ValueError(f"impossible veto thresholds: {self}")


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
    """A per-event tag that survives into the returned batch: the pT of the first outgoing
    hard-process particle (record position 5; 0 for a shorter record)."""
    return event[_HARD_OUTGOING[0]].pT() if event.size() > _HARD_OUTGOING[0] else 0.0


def batch_event_keys(prt) -> np.ndarray:
    """:func:`event_key` of every event of a returned awkward batch (its ``prt`` records)."""
    import awkward as ak

    i = _HARD_OUTGOING[0]
    p = ak.pad_none(prt.p, i + 1, axis=1)[:, i]
    return np.hypot(ak.to_numpy(ak.fill_none(p.px, 0.0)), ak.to_numpy(ak.fill_none(p.py, 0.0)))


def align_records(records: list, keys) -> list:
    """The ``(early, late)`` of each returned event, in order: ``records`` (``(key, early,
    late)`` per event the hook let through, in generation order) minus those of events that
    failed later, found by their ``keys`` (:func:`event_key` of the returned events)."""
    out, j = [], 0
    for key in keys:
        while j < len(records) and abs(records[j][0] - key) > 1e-6 * max(1.0, abs(key)):
            j += 1
        if j == len(records):
            raise RuntimeError("veto records out of step with the returned events")
        out.append(records[j][1:])
        j += 1
    return out


def make_veto_hook(veto: ResonanceVeto, apply: bool = True, record: bool = False):
    """A Pythia ``UserHooks`` applying ``veto`` (judging only, if not ``apply``); it counts
    the events it judged (``n_tried``, ``n_vetoed``).  With ``record=True`` it appends
    ``(key, early, late)`` to ``records`` for each event it lets through (``early`` is
    ``None`` if the evolution never passed the early scale; ``key`` from :func:`event_key`).
    An event can still fail after the hook (in hadronisation) and never be returned, so
    records are matched to the returned events with :func:`align_records`."""
    import pythia8mc

    class _ResonancePtVeto(pythia8mc.UserHooks):
        def __init__(self) -> None:
            pythia8mc.UserHooks.__init__(self)
            self.n_tried = 0
            self.n_vetoed = 0
            self.records: list[tuple[float, float | None, float | None]] = []
            self._early: float | None = None
            self._judged = False

        # -- a new event: forget the last one's state ---------------------------------
        def canVetoProcessLevel(self) -> bool:  # noqa: N802 (Pythia's names)
            return True

        def doVetoProcessLevel(self, process) -> bool:  # noqa: N802
            self._early, self._judged = None, False
            return False

        # -- early: when the evolution passes early_scale ---------------------------
        def canVetoPT(self) -> bool:  # noqa: N802
            return veto.early_scale is not None

        def scaleVetoPT(self) -> float:  # noqa: N802
            return veto.early_scale or 0.0

        def doVetoPT(self, iPos: int, event) -> bool:  # noqa: N802, N803
            if iPos not in _MAIN_EVOLUTION or self._judged:
                return False
            self._judged = True
            self._early = hard_resonance_max_pt(event, veto.pdg_id)
            if not apply or self._early is None or self._early >= veto.early_pt:
                return False
            return self._count(veto=True)

        # -- late: after the shower, before hadronisation -------------------------
        def canVetoPartonLevel(self) -> bool:  # noqa: N802
            return True

        def doVetoPartonLevel(self, event) -> bool:  # noqa: N802
            late = hard_resonance_max_pt(event, veto.pdg_id)
            vetoed = apply and late is not None and late < veto.late_pt
            if record and not vetoed:
                self.records.append((event_key(event), self._early, late))
            return self._count(veto=vetoed)

        def _count(self, veto: bool) -> bool:
            self.n_tried += 1
            self.n_vetoed += veto
            self._early, self._judged = None, False
            return veto

    return _ResonancePtVeto()
