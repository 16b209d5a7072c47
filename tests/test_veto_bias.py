"""The parton-level veto and the weighted pTHat-bias study."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers.cache import config_hash
from helpers.data import processes
from helpers.data.generator import Generator
from helpers.data.processes import BIAS_REF_GEV, JetDefinition, get_process
from helpers.data.samples import generation_config
from helpers.data.veto import (
    ResonanceVeto,
    align_records,
    batch_event_keys,
    hard_resonance_max_pt,
)
from helpers.studies.generation import bias_weight, weighted_shares


class _P:
    def __init__(self, pid, pt, bot):
        self._id, self._pt, self._bot = pid, pt, bot

    def id(self):
        return self._id

    def pT(self):  # noqa: N802 (Pythia's name)
        return self._pt

    def iBotCopyId(self):  # noqa: N802
        return self._bot


class _Event(list):
    def size(self):
        return len(self)


def _record(top_pts, last_pts):
    """Hard tops at 5 and 6 whose last copies (after recoil) sit at 7 and 8."""
    ev = _Event([_P(90, 0, 0), _P(2212, 0, 1), _P(2212, 0, 2), _P(21, 0, 3), _P(21, 0, 4)])
    ev += [_P(6, top_pts[0], 7), _P(-6, top_pts[1], 8)]
    ev += [_P(6, last_pts[0], 7), _P(-6, last_pts[1], 8)]
    return ev


def test_veto_reads_the_last_copies_of_the_hard_tops():
    # the hard tops are slow, ISR recoil made one fast: the veto must see the fast copy
    assert hard_resonance_max_pt(_record((150, 150), (420, 90)), 6) == 420
    assert hard_resonance_max_pt(_record((500, 480), (300, 310)), 6) == 310


def test_veto_leaves_events_it_does_not_understand():
    ev = _record((500, 480), (300, 310))
    ev[5], ev[6] = _P(21, 500, 5), _P(21, 480, 6)  # no top at the hard positions
    assert hard_resonance_max_pt(ev, 6) is None
    assert hard_resonance_max_pt(_Event(ev[:4]), 6) is None  # short record


def test_veto_is_part_of_the_cache_key(monkeypatch):
    jd = JetDefinition()
    base = generation_config("top", "train", 10, 0, 10, jd)
    assert ResonanceVeto(**base["process"]["parton_veto"]) == get_process("top").parton_veto
    looser = dataclasses.replace(get_process("top"), parton_veto=ResonanceVeto(6, 100.0))
    monkeypatch.setitem(processes.PROCESSES, "top", looser)
    assert config_hash(generation_config("top", "train", 10, 0, 10, jd)) != config_hash(base)


def test_vetoed_generation_counts_every_event():
    proc = dataclasses.replace(get_process("top"), parton_veto=ResonanceVeto(6, 400.0, 100.0, 300.0))
    gen = Generator(proc, JetDefinition(), seed=21)
    jets = gen.jets(5)
    assert len(jets) == 5
    assert 0 < gen.n_vetoed < gen.n_events
    assert gen.n_events - gen.n_vetoed == gen._n_returned  # vetoed events never returned
    pt = np.hypot(jets.constituents[..., 1].sum(1), jets.constituents[..., 2].sum(1))
    assert ((pt >= 550) & (pt <= 650)).all()


def test_unit_weights_give_the_binomial_fraction():
    x = np.array([100.0, 200, 300, 400])
    (s, e), = weighted_shares(x, np.ones(4), [250]).values()
    assert s == pytest.approx(0.5)
    assert e == pytest.approx(np.sqrt(0.5 * 0.5 / 4))


def test_weights_undo_the_bias():
    # two values, the low one sampled 4x less often by a pT^2 bias from 100 to 200 GeV
    x = np.array([100.0, 200.0])
    w = bias_weight(x, 2)
    assert w[0] / w[1] == pytest.approx(4.0)
    assert bias_weight([BIAS_REF_GEV], 3)[0] == pytest.approx(1.0)
    (s, _), = weighted_shares(x, w, [150]).values()
    assert s == pytest.approx(0.8)
    assert (bias_weight(x, None) == 1).all()


def test_record_mode_vetoes_nothing_and_keeps_one_record_per_event():
    proc = dataclasses.replace(get_process("top"), parton_veto=ResonanceVeto(6, 400.0, 100.0, 300.0))
    gen = Generator(proc, JetDefinition(), seed=22, parton_veto="record")
    gen.jets(2)
    assert gen.n_vetoed == 0
    assert len(gen.veto_records) == gen.n_events == gen._n_returned
    early, late = np.array(gen.veto_records, dtype=float).T
    assert (late > 0).all() and np.isfinite(early).any()


def test_apply_and_record_keeps_one_record_per_returned_event_above_the_thresholds():
    loose = ResonanceVeto(6, 350.0, 100.0, 280.0)
    gen = Generator(get_process("top"), JetDefinition(), seed=23, parton_veto="apply+record",
                    veto=loose)  # the override replaces the process's own thresholds
    gen.events(20)
    assert gen.n_vetoed > 0 and gen.n_events == gen.n_vetoed + 20
    early, late = np.array(gen.veto_records, dtype=float).T
    assert len(late) == 20 and (late >= loose.late_pt).all()
    assert (np.isnan(early) | (early >= loose.early_pt)).all()


def test_records_of_events_that_failed_after_the_hook_are_skipped():
    # the hook let four events through; the second failed in hadronisation (never returned)
    records = [(510.0, 300.0, 320.0), (480.0, None, 330.0), (333.5, 400.0, 410.0),
               (600.25, 500.0, 520.0)]
    keys = np.array([510.0, 333.5, 600.25])
    assert align_records(records, keys) == [(300.0, 320.0), (400.0, 410.0), (500.0, 520.0)]
    with pytest.raises(RuntimeError, match="out of step"):
        align_records(records, [510.0, 999.0])


def test_batch_keys_read_the_first_hard_outgoing_particle_and_zero_for_short_records():
    import awkward as ak

    def prt(pxs):
        return [{"p": {"px": px, "py": 0.0}} for px in pxs]

    batch = ak.Array([prt([0, 0, 0, 0, 0, 30.0, 7.0]), prt([0, 0, 0])])
    assert batch_event_keys(batch).tolist() == [30.0, 0.0]


def test_unknown_veto_mode_is_refused():
    with pytest.raises(ValueError, match="parton_veto"):
        Generator(get_process("top"), JetDefinition(), seed=1, parton_veto="yes")


def test_veto_thresholds_are_validated():
    with pytest.raises(ValueError, match="both or neither"):
        ResonanceVeto(6, 300.0, early_scale=100.0)
    with pytest.raises(ValueError, match="impossible"):
        ResonanceVeto(6, 300.0, early_scale=-1.0, early_pt=200.0)
