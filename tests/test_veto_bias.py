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
    JetVeto,
    ResonanceVeto,
    align_records,
    batch_event_keys,
    early_scale,
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
    assert 0 < gen.n_kept_events <= len(jets)  # an event can give both of its leading jets
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
    rec = np.array(gen.veto_records, dtype=float)
    assert rec.shape == (gen.n_events, 4)  # (early, late) of the top veto, then the jet veto
    early, late = rec[:, :2].T
    assert (late > 0).all() and np.isfinite(early).any()
    assert np.isnan(rec[:, 2]).all()  # the top's jet veto judges only after the shower
    assert (rec[:, 3] >= 0).all()


def test_apply_and_record_keeps_one_record_per_returned_event_above_the_thresholds():
    loose = ResonanceVeto(6, 350.0, 100.0, 280.0)
    gen = Generator(get_process("top"), JetDefinition(), seed=23, parton_veto="apply+record",
                    veto=loose)  # the override replaces the process's own thresholds
    gen.events(20)
    assert gen.n_vetoed > 0 and gen.n_events == gen.n_vetoed + 20
    early, late, _, jet_late = np.array(gen.veto_records, dtype=float).T
    assert len(late) == 20 and (late >= loose.late_pt).all()
    assert (np.isnan(early) | (early >= loose.early_pt)).all()
    assert (jet_late >= get_process("top").jet_veto.late_pt).all()  # both vetoes applied


def test_records_of_events_that_failed_after_the_hook_are_skipped():
    # the hook let four events through; the second failed in hadronisation (never returned)
    records = [(510.0, 300.0, 320.0), (480.0, None, 330.0), (333.5, 400.0, 410.0),
               (600.25, 500.0, 520.0)]
    keys = np.array([510.0, 333.5, 600.25])
    assert align_records(records, keys) == [(300.0, 320.0), (400.0, 410.0), (500.0, 520.0)]
    with pytest.raises(RuntimeError, match="out of step"):
        align_records(records, [510.0, 999.0])


def test_a_retried_event_takes_the_record_of_its_last_attempt():
    # hadronisation failed after the first shower of the event keyed 480: Pythia showered
    # the same hard process again (same key), and the second attempt was returned
    records = [(510.0, 300.0, 320.0), (480.0, None, 32.0), (480.0, None, 560.0),
               (333.5, 400.0, 410.0)]
    assert align_records(records, [510.0, 480.0, 333.5]) == [(300.0, 320.0), (None, 560.0),
                                                             (400.0, 410.0)]


def test_batch_keys_read_the_first_hard_outgoing_particle_and_zero_for_short_records():
    import awkward as ak

    def prt(energies):
        return [{"p": {"e": e, "px": 1.0}} for e in energies]

    batch = ak.Array([prt([0, 0, 0, 0, 0, 30.0, 7.0]), prt([0, 0, 0])])
    assert batch_event_keys(batch).tolist() == [30.0, 0.0]


def test_event_keys_tell_the_events_of_a_resonance_process_apart():
    # a W' (2 -> 1) has no pT at the hard process: its keys must still differ event by event
    gen = Generator(get_process("w"), JetDefinition(), seed=24, parton_veto="record")
    batch = gen.pythia.nextBatch(50)
    keys = [r[0] for r in gen._hook.records]
    assert len(set(keys)) == len(keys) == 50
    assert np.allclose(keys, batch_event_keys(batch.prt))


def test_unknown_veto_mode_is_refused():
    with pytest.raises(ValueError, match="parton_veto"):
        Generator(get_process("top"), JetDefinition(), seed=1, parton_veto="yes")


def test_veto_thresholds_are_validated():
    with pytest.raises(ValueError, match="both or neither"):
        ResonanceVeto(6, 300.0, early_scale=100.0)
    with pytest.raises(ValueError, match="impossible"):
        ResonanceVeto(6, 300.0, early_scale=-1.0, early_pt=200.0)


# -- the parton-jet veto ---------------------------------------------------------------
@pytest.fixture(scope="module")
def parton_event():
    """An empty Pythia event record to fill with partons by hand."""
    import pythia8mc

    from helpers.sysio import silence_stdout_fd

    pythia = pythia8mc.Pythia("", False)
    for setting in ("Print:quiet = on", "ProcessLevel:all = off"):
        pythia.readString(setting)
    with silence_stdout_fd():
        assert pythia.init()
    return pythia.event


def _fill(event, particles):
    event.reset()
    for pid, status, pt, eta, phi in particles:
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        event.append(pid, status, 0, 0, px, py, pz, float(np.sqrt(px**2 + py**2 + pz**2)), 0.0)
    return event


def test_jet_veto_clusters_visible_final_partons_within_the_eta_range(parton_event):
    judge = JetVeto(0.0).judge()
    # two collinear gluons form one jet: its pT is their vector sum
    ev = _fill(parton_event, [(21, 23, 300.0, 0.1, 0.0), (21, 23, 280.0, 0.3, 0.2)])
    p = np.array([[300 * np.cos(0.0), 0.0], [280 * np.cos(0.2), 280 * np.sin(0.2)]]).sum(0)
    assert judge(ev) == pytest.approx(np.hypot(*p), rel=1e-9)
    # a forward parton, a neutrino and a decayed (status < 0) parton do not count
    ev = _fill(parton_event, [(1, 23, 700.0, 3.0, 0.0), (12, 23, 900.0, 0.0, 1.5),
                              (2, -23, 800.0, 0.0, 3.0), (21, 23, 120.0, -1.0, 3.0)])
    assert judge(ev) == pytest.approx(120.0, rel=1e-9)
    assert JetVeto(0.0, eta_max=3.5).judge()(ev) == pytest.approx(700.0, rel=1e-9)
    assert judge(_fill(parton_event, [])) == 0.0
    # a wide pair stays two jets
    ev = _fill(parton_event, [(21, 23, 300.0, 0.0, 0.0), (21, 23, 280.0, 0.0, 1.5)])
    assert judge(ev) == pytest.approx(300.0, rel=1e-9)


def test_jet_veto_thresholds_are_validated_and_share_one_early_scale():
    with pytest.raises(ValueError, match="both or neither"):
        JetVeto(450.0, early_scale=20.0)
    with pytest.raises(ValueError, match="impossible"):
        JetVeto(450.0, radius=0.0)
    assert early_scale([ResonanceVeto(6, 350.0, 100.0, 300.0), JetVeto(450.0)]) == 100.0
    assert early_scale([JetVeto(450.0)]) is None
    with pytest.raises(ValueError, match="share their early scale"):
        early_scale([ResonanceVeto(6, 350.0, 100.0, 300.0), JetVeto(450.0, 20.0, 400.0)])


def test_every_process_has_a_jet_veto_in_its_cache_key(monkeypatch):
    jd = JetDefinition()
    for name, proc in processes.PROCESSES.items():
        base = generation_config(name, "train", 10, 0, 10, jd)
        assert JetVeto(**base["process"]["jet_veto"]) == proc.jet_veto
        looser = dataclasses.replace(proc, jet_veto=JetVeto(100.0))
        monkeypatch.setitem(processes.PROCESSES, name, looser)
        assert config_hash(generation_config(name, "train", 10, 0, 10, jd)) != config_hash(base)


def test_jet_veto_keeps_only_events_with_a_hard_central_parton_jet():
    veto = JetVeto(450.0, early_scale=20.0, early_pt=400.0)
    gen = Generator(get_process("qcd"), JetDefinition(), seed=31, parton_veto="apply+record",
                    jet_veto=veto)
    gen.events(30)
    early, late = np.array(gen.veto_records, dtype=float).T
    assert gen.n_vetoed > 30  # most QCD events at the generation cut are far from the window
    assert gen.n_events == gen.n_vetoed + 30
    assert (early >= veto.early_pt).all() and (late >= veto.late_pt).all()


def test_jet_veto_check_reports_loss_speed_and_distributions(monkeypatch):
    from helpers.studies.generation import VETO_CHECK_OBSERVABLES, jet_veto_check

    r = jet_veto_check("w", 60, seed=41)
    assert r["records"].shape == (60, 2) and (r["records"][:, 1] > 0).all()
    assert np.isnan(r["records"][:, 0]).all()  # a W's decay is judged after the shower only
    assert r["n_lost"] == int((r["records"][:, 1] < r["veto"]["late_pt"]).sum())
    assert 0 <= r["lost"] <= 1 and r["lost_error"] > 0
    assert set(r["ks_pvalue"]) == set(VETO_CHECK_OBSERVABLES)
    assert all(0 <= p <= 1 for p in r["ks_pvalue"].values())
    assert r["jets_per_s_with"] > 0 and r["speedup"] > 0
    monkeypatch.setitem(processes.PROCESSES, "w", dataclasses.replace(get_process("w"),
                                                                       jet_veto=None))
    with pytest.raises(ValueError, match="no parton-jet veto"):
        jet_veto_check("w", 10)


def test_stage_times_cover_every_stage_of_an_event():
    from helpers.studies.generation import _STAGES, stage_times

    times = stage_times("w", 20)
    assert list(times)[:len(_STAGES)] == list(_STAGES)
    assert set(times) - set(_STAGES) == {"batch (nextBatch) - events",
                                         "clustering, selection, matching"}
    assert all(times[k] > 0 for k in _STAGES) and times["clustering, selection, matching"] > 0


def test_generation_prints_no_fastjet_banner():
    # the jet veto's first clustering in a process would print FastJet's banner into every
    # chapter that generates jets (once per shard worker); a fresh process shows it or not
    import subprocess
    import sys

    code = ("from helpers.data.generator import Generator\n"
            "from helpers.data.processes import JetDefinition, get_process\n"
            "print(len(Generator(get_process('qcd'), JetDefinition(), 7).jets(2)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "2", out[:300]
