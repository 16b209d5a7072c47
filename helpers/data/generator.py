"""Pythia 8 events -> FastJet jets -> padded constituent arrays, vectorised per batch.

One :class:`Generator` owns one Pythia instance.  ``Generator.jets(n)`` pulls batches of
events with ``Pythia.nextBatch`` (an awkward array), clusters all events of a batch at
once with FastJet's awkward interface, applies the jet selection and the truth matching
with numpy, and returns exactly ``n`` jets in event order (deterministic for a seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import awkward as ak
import numpy as np

from ..physics.kinematics import delta_r, pt_eta_phi
from ..sysio import silence_stdout_fd
from .errors import DataError
from .processes import JetDefinition, Process
from .veto import JetVeto, ResonanceVeto, align_records, batch_event_keys, make_veto_hook

_NEUTRINOS = (12, 14, 16)
_VETO_MODES = ("apply", "record", "apply+record", "off")
_FASTJET_ALGORITHMS = {"antikt": "antikt_algorithm", "cambridge": "cambridge_algorithm",
                       "kt": "kt_algorithm"}


@dataclass
class JetBatch:
    """Selected jets of some events (plain numpy, ready to store)."""

    constituents: np.ndarray  # (n, M, 4) float32 E, px, py, pz
    truth: np.ndarray  # (n, 4) float32 matched truth parton, zeros if none
    labels: np.ndarray  # (n,) int8
    pthat: np.ndarray  # (n,) float32 pTHat of the event (GeV)
    n_truncated: int  # jets with more than M constituents (hardest M kept)

    @staticmethod
    def empty(m: int) -> "JetBatch":
        z = np.zeros
        return JetBatch(z((0, m, 4), np.float32), z((0, 4), np.float32), z(0, np.int8),
                        z(0, np.float32), 0)

    def __len__(self) -> int:
        return len(self.labels)


def concat_batches(batches: list[JetBatch], m: int) -> JetBatch:
    if not batches:
        return JetBatch.empty(m)
    return JetBatch(
        np.concatenate([b.constituents for b in batches]),
        np.concatenate([b.truth for b in batches]),
        np.concatenate([b.labels for b in batches]),
        np.concatenate([b.pthat for b in batches]),
        sum(b.n_truncated for b in batches),
    )


class Generator:
    """Jets of one process from one Pythia instance.

    Parameters
    ----------
    process, jet_def
        What to generate and which jets to keep.
    seed
        Pythia random seed (1 ... 900 000 000).
    pthat_min
        Override of the process's ``PhaseSpace:pTHatMin`` (for bias studies).
    batch_events
        Events per ``nextBatch`` call.
    bias_power
        Studies only: sample events biased by ``pTHat ** bias_power`` (weighted events,
        see :func:`helpers.studies.generation.bias_weight`); never used for the book's samples.
    parton_veto
        ``"apply"`` the process's parton-level vetoes (:mod:`helpers.data.veto`) if it has
        any, ``"record"`` what they would judge without vetoing (to check them),
        ``"apply+record"`` both (what they judged of the events they let through), or ``"off"``.
    veto, jet_veto
        Studies only: thresholds replacing the process's resonance and parton-jet vetoes
        (e.g. looser ones; a ``JetVeto`` with zero thresholds records without vetoing).
    """

    def __init__(self, process: Process, jet_def: JetDefinition, seed: int,
                 pthat_min: float | None = None, batch_events: int = 200,
                 bias_power: float | None = None, parton_veto: str = "apply",
                 veto: ResonanceVeto | None = None, jet_veto: JetVeto | None = None) -> None:
        import pythia8mc

        if not 1 <= seed <= 900_000_000:
            raise DataError(f"Pythia seed must be in [1, 900000000], got {seed}")
        self.process, self.jet_def, self.batch_events = process, jet_def, batch_events
        self.pythia = pythia8mc.Pythia("", False)
        for setting in process.pythia_settings(seed, pthat_min, bias_power):
            if not self.pythia.readString(setting):
                raise DataError(f"Pythia rejected the setting {setting!r} ({process.name})")
        if parton_veto not in _VETO_MODES:
            raise ValueError(f"parton_veto must be one of {', '.join(_VETO_MODES)}, "
                             f"got {parton_veto!r}")
        self._hook = None
        vetoes = tuple(v for v in (veto or process.parton_veto, jet_veto or process.jet_veto)
                       if v is not None)
        if parton_veto != "off" and vetoes:
            self._hook = make_veto_hook(vetoes, apply=parton_veto != "record",
                                        record=parton_veto.endswith("record"))
            self.pythia.setUserHooksPtr(self._hook)
        if not self.pythia.init():
            raise DataError(f"Pythia failed to initialise for process {process.name!r}")
        self._n_returned = 0
        self.n_kept_events = 0
        self._records: list[tuple[float | None, ...]] = []
        self.seconds_events = 0.0

    @property
    def n_events(self) -> int:
        """Events generated so far, including those the parton-level veto dropped."""
        return self._hook.n_tried if self._hook is not None else self._n_returned

    @property
    def veto_records(self) -> list:
        """``(early, late)`` pT each veto judged (resonance first), per returned event
        (record modes only)."""
        return self._records

    @property
    def n_vetoed(self) -> int:
        """Events dropped by the parton-level vetoes before hadronisation."""
        return self._hook.n_vetoed if self._hook is not None else 0

    # -- events ---------------------------------------------------------------------
    def events(self, n: int) -> ak.Array:
        """``n`` (non-vetoed) events as Pythia's awkward batch (counted and timed)."""
        t0 = time.perf_counter()
        batch = self.pythia.nextBatch(n)
        self.seconds_events += time.perf_counter() - t0
        if self._hook is not None and self._hook.records:
            self._records += align_records(self._hook.records, batch_event_keys(batch.prt))
            self._hook.records.clear()
        self._n_returned += len(batch)
        return batch

    def jets(self, n_jets: int, max_events: int | None = None) -> JetBatch:
        """Exactly ``n_jets`` selected jets (fewer only if ``max_events`` runs out).

        ``n_kept_events`` counts, over all calls, the events the returned jets came from.
        """
        if n_jets <= 0:
            raise DataError(f"number of jets must be positive, got {n_jets}")
        m = self.jet_def.max_constituents
        parts, have = [], 0
        while have < n_jets:
            if max_events is not None and self.n_events >= max_events:
                break
            batch = self.select(self.events(self.batch_events))
            parts.append(batch)
            take = min(len(batch), n_jets - have)
            self.n_kept_events += len(np.unique(self.last_selected_events[:take]))
            have += len(batch)
        out = concat_batches(parts, m)
        keep = slice(0, min(n_jets, len(out)))
        return JetBatch(out.constituents[keep], out.truth[keep], out.labels[keep],
                        out.pthat[keep], out.n_truncated)

    # -- one batch of events -> jets ------------------------------------------------
    def select(self, events: ak.Array) -> JetBatch:
        """Cluster, select and match the jets of a batch of events."""
        import fastjet

        jd = self.jet_def
        prt = events.prt
        visible = prt[(prt.status > 0) & ~_is_in(abs(prt.id), _NEUTRINOS)]
        particles = ak.zip({"px": visible.p.px, "py": visible.p.py,
                            "pz": visible.p.pz, "E": visible.p.e})
        jetdef = fastjet.JetDefinition(getattr(fastjet, _FASTJET_ALGORITHMS[jd.algorithm]),
                                       jd.radius)
        with silence_stdout_fd():
            cs = fastjet.ClusterSequence(particles, jetdef)
            min_pt = 0.5 * jd.pt_min
            jets = cs.inclusive_jets(min_pt)
            consts = cs.constituents(min_pt)

        # leading jets only, then the window
        order = ak.argsort(np.hypot(jets.px, jets.py), axis=1, ascending=False)
        order = order[:, : jd.leading_jets]
        jets, consts = jets[order], consts[order]
        jpt, jeta, jphi = pt_eta_phi(*(np.asarray(ak.flatten(jets[c])) for c in ("px", "py", "pz")))
        event_of_jet = np.repeat(np.arange(len(jets)), ak.to_numpy(ak.num(jets)))
        sel = (jpt >= jd.pt_min) & (jpt <= jd.pt_max) & (np.abs(jeta) < jd.abs_eta_max)

        truth, matched = self._match(prt, event_of_jet, jeta, jphi)
        sel &= matched
        self.last_selected_events = event_of_jet[sel]  # batch index of each kept jet's event
        if not sel.any():
            return JetBatch.empty(jd.max_constituents)

        flat_consts = ak.flatten(consts, axis=1)[sel]
        constituents, n_trunc = pad_constituents(flat_consts, jd.max_constituents)
        labels = self._labels(prt, event_of_jet[sel], truth.get("label"), sel)
        pthat = np.sqrt(np.asarray(events.info.pT2Hat))[event_of_jet[sel]]
        return JetBatch(constituents, truth["p4"][sel].astype(np.float32), labels,
                        pthat.astype(np.float32), n_trunc)

    def _labels(self, prt, event_idx, parton_label, sel) -> np.ndarray:
        if parton_label is not None:
            return parton_label[sel].astype(np.int8)
        return np.full(len(event_idx), self.process.label, np.int8)

    def _match(self, prt, event_of_jet, jeta, jphi) -> tuple[dict, np.ndarray]:
        """Truth four-vector per jet and whether the jet passes the matching."""
        n_jets = len(event_of_jet)
        mode = self.process.matching
        if mode == "none":
            return {"p4": np.zeros((n_jets, 4))}, np.ones(n_jets, bool)
        res_p4, prod_p4, hard_p4 = truth_partons(prt, mode)  # (E,K,4), (E,K,P,4), (E,K,4)
        r = self.jet_def.radius
        rp4 = res_p4[event_of_jet]  # (J, K, 4)
        _, r_eta, r_phi = pt_eta_phi(rp4[..., 1], rp4[..., 2], rp4[..., 3])
        ok = delta_r(jeta[:, None], jphi[:, None], r_eta, r_phi) < r  # (J, K)
        if prod_p4 is not None:
            pp4 = prod_p4[event_of_jet]  # (J, K, P, 4)
            _, p_eta, p_phi = pt_eta_phi(pp4[..., 1], pp4[..., 2], pp4[..., 3])
            ok &= (delta_r(jeta[:, None, None], jphi[:, None, None], p_eta, p_phi) < r).all(-1)
        ok &= rp4[..., 0] > 0  # a real (not padded) truth particle
        k = ok.argmax(axis=1)
        p4 = np.take_along_axis(hard_p4[event_of_jet], k[:, None, None], axis=1)[:, 0]
        out = {"p4": p4}
        if mode == "parton":
            out["label"] = (np.abs(_parton_ids(prt)[event_of_jet, k]) <= 6).astype(np.int8)
        return out, ok.any(axis=1)


def _is_in(values, choices) -> ak.Array:
    out = values == choices[0]
    for c in choices[1:]:
        out = out | (values == c)
    return out


def pad_constituents(consts: ak.Array, m: int) -> tuple[np.ndarray, int]:
    """Jagged (jet, particle) records with px, py, pz, E -> (n, m, 4) pT-ordered, zero-padded."""
    pt = np.hypot(consts.px, consts.py)
    consts = consts[ak.argsort(pt, axis=1, ascending=False)]
    n_trunc = int(ak.sum(ak.num(consts) > m))
    cols = [ak.to_numpy(ak.fill_none(ak.pad_none(consts[c], m, clip=True), 0.0))
            for c in ("E", "px", "py", "pz")]
    return np.stack(cols, axis=-1).astype(np.float32), n_trunc


# -- truth partons ---------------------------------------------------------------
def _flat(prt, field) -> np.ndarray:
    return ak.to_numpy(ak.flatten(prt[field]))


def _global_mothers(prt) -> tuple[np.ndarray, np.ndarray]:
    """Per-particle event index and mother1 as an index into the flattened batch."""
    counts = ak.to_numpy(ak.num(prt))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    event = np.repeat(np.arange(len(counts)), counts)
    return event, offsets[event] + _flat(prt, "mother1")


def _first_copy(idx: np.ndarray, pid: np.ndarray, mother: np.ndarray) -> np.ndarray:
    """Climb recoil copies (same |id|) of the particles ``idx`` to their first copy."""
    idx = idx.copy()
    for _ in range(200):
        m = mother[idx]
        step = (np.abs(pid[m]) == np.abs(pid[idx])) & (m != idx)
        if not step.any():
            return idx
        idx[step] = m[step]
    raise DataError("truth record: copy chain longer than 200 entries")


def _parton_ids(prt) -> np.ndarray:
    """(E, K) id of the hard outgoing partons (0 where padded), as used by 'parton'."""
    ids = prt.id[_hard_parton_mask(prt)]
    return ak.to_numpy(ak.fill_none(ak.pad_none(ids, 2, clip=True), 0))


def _hard_parton_mask(prt) -> ak.Array:
    aid = abs(prt.id)
    return (prt.status == -23) & ((aid <= 6) | (aid == 21)) & (prt.mother1 <= 4)


def truth_partons(prt, mode: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Truth particles to match per event.

    Returns ``(res, prod, hard)``: ``res`` (E, K, 4) four-vectors (E, px, py, pz) of the
    resonances (tops, Ws) as they decay, or of the hard partons, zero-padded; ``prod``
    (E, K, P, 4) their decay quarks (b + W quarks for tops, the two quarks for Ws) or
    ``None``; ``hard`` (E, K, 4) the same resonances as they leave the hard process (their
    first copy, before initial- and final-state recoil) -- the *parton-level* truth that is
    stored with a jet, as the hard outgoing parton is for quark/gluon jets.  Matching uses
    ``res`` and ``prod``, which are what ends up in the jet.
    """
    n_events = len(prt)
    p4 = np.stack([_flat(prt.p, c) for c in ("e", "px", "py", "pz")], axis=-1)
    if mode == "parton":
        mask = _hard_parton_mask(prt)
        res = ak.to_numpy(ak.fill_none(ak.pad_none(
            ak.unflatten(p4[ak.to_numpy(ak.flatten(mask))], ak.to_numpy(ak.sum(mask, 1))),
            2, clip=True), [0.0, 0.0, 0.0, 0.0]))
        res = res.reshape(n_events, 2, 4)
        return res, None, res

    pid, status = _flat(prt, "id"), _flat(prt, "status")
    event, mother = _global_mothers(prt)
    aid = np.abs(pid)
    is_q = (aid <= 5) & (status == -23)
    w_quarks = np.flatnonzero(is_q & (np.abs(pid[mother]) == 24))
    w_of_q = mother[w_quarks]  # the W copy that decayed
    w_parent = np.abs(pid[mother[_first_copy(w_of_q, pid, mother)]])
    if mode == "w":
        keep = w_parent == 34
        res_of_prod, prods = w_of_q[keep], w_quarks[keep]
        n_prod = 2
    elif mode == "top":
        keep = w_parent == 6
        tops_of_wq = mother[_first_copy(w_of_q[keep], pid, mother)]
        b_quarks = np.flatnonzero((aid == 5) & (status == -23) & (np.abs(pid[mother]) == 6))
        res_of_prod = np.concatenate([tops_of_wq, mother[b_quarks]])
        prods = np.concatenate([w_quarks[keep], b_quarks])
        n_prod = 3
    else:
        raise DataError(f"unknown matching mode {mode!r}")
    return _group_resonances(res_of_prod, prods, p4, event, n_events, n_prod,
                             lambda idx: _first_copy(idx, pid, mother))


def _group_resonances(res_of_prod, prods, p4, event, n_events, n_prod, first_copy, k_max=2):
    """Dense (E, K, 4) resonances, (E, K, P, 4) products and (E, K, 4) first copies of the
    resonances from (resonance, product) pairs."""
    res = np.zeros((n_events, k_max, 4))
    hard = np.zeros((n_events, k_max, 4))
    prod = np.full((n_events, k_max, n_prod, 4), np.nan)
    order = np.lexsort((prods, res_of_prod))
    res_of_prod, prods = res_of_prod[order], prods[order]
    uniq, first, counts = np.unique(res_of_prod, return_index=True, return_counts=True)
    complete = counts == n_prod  # a resonance with all its decay quarks found
    ev = event[uniq]  # sorted, since global indices grow with the event
    ev_unique, ev_first = np.unique(ev, return_index=True)
    slot = np.arange(len(ev)) - ev_first[np.searchsorted(ev_unique, ev)]
    ok = complete & (slot < k_max)
    res[ev[ok], slot[ok]] = p4[uniq[ok]]
    hard[ev[ok], slot[ok]] = p4[first_copy(uniq[ok])]
    for j in range(n_prod):
        prod[ev[ok], slot[ok], j] = p4[prods[first[ok] + j]]
    return res, prod, hard
