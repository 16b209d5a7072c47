"""Chapter 0's claims follow the jets: each sentence flips when the samples flip and says
"at this statistics" when they overlap (masses, momentum sharing, substructure, separating
power of single observables, Lund-plane splittings, generation)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from helpers.data.store import write_attrs
from helpers.studies import jets as study

RNG = np.random.default_rng(0)


def test_mean_and_peak_measurements():
    m = study.mean_measurement(np.array([1.0, 2.0, 3.0, np.nan]))
    assert m.value == 2.0 and m.n == 3 and m.spread == pytest.approx(1 / np.sqrt(3))
    peak = study.peak_measurement(np.full(100, 172.0), 120, 230)
    assert peak.value == 172.5 and peak.spread == pytest.approx(5 / np.sqrt(12))  # the bin


def test_auc_measurement_picks_the_better_direction():
    s, b = RNG.normal(1.0, 1.0, 500), RNG.normal(0.0, 1.0, 500)
    up, down = study.auc_measurement(s, b), study.auc_measurement(-s, -b)
    expected = roc_auc_score(np.r_[np.ones(500), np.zeros(500)], np.r_[s, b])
    assert up.value == pytest.approx(expected) and down.value == pytest.approx(expected)
    boot = [roc_auc_score(np.r_[np.ones(500), np.zeros(500)],
                          np.r_[RNG.choice(s, 500), RNG.choice(b, 500)]) for _ in range(300)]
    assert up.spread == pytest.approx(np.std(boot), rel=0.25)  # Hanley-McNeil ~ bootstrap
    assert study.auc_measurement(s, s).value == pytest.approx(0.5)


def observables(shift: dict[str, float], n: int = 400) -> dict:
    """Two samples whose observables differ by ``shift`` (in units of their width 1)."""
    keys = study.SEPARATING
    return {"top": {k: RNG.normal(shift.get(k, 0.0), 1.0, n) for k in keys},
            "QCD": {k: RNG.normal(0.0, 1.0, n) for k in keys}}


def test_best_observable_clear_leader_or_tie():
    clear = study.best_observable_claim(study.separation(observables({"tau32": 3.0, "mass": 1.0})))
    assert clear.startswith("Cutting on one observable at a time, τ₃₂ separates top from QCD jets best")
    assert "clearly ahead of the next, the jet mass" in clear
    tie = study.best_observable_claim(study.separation(observables({"tau32": 2.0, "mass": 2.0})))
    assert "τ₃₂" in tie and "the jet mass" in tie
    assert "separate top from QCD jets best, indistinguishable at this statistics" in tie
    table = study.separation_table(study.separation(observables({"tau32": 3.0})))
    assert list(table.columns) == ["top vs QCD"] and "±" in table.loc["tau32", "top vs QCD"]


def kin(top_mass: np.ndarray, qcd_mass: np.ndarray) -> dict:
    return {"top": {"mass": top_mass}, "QCD": {"mass": qcd_mass}}


def test_mass_claim_follows_the_masses():
    top = RNG.normal(174.0, 8.0, 600)
    light = study.mass_claim(kin(top, RNG.exponential(60.0, 600)), n_boot=50)
    assert "close to the top-quark mass" in light and "is clearly lighter than" in light
    assert "none of the 600 top jets fall between 60 and 100 GeV" in light
    shoulder = np.r_[top[:500], RNG.normal(80.0, 5.0, 100)]
    same = study.mass_claim(kin(shoulder, shoulder.copy()), n_boot=50)
    assert "cannot be told apart from the median top jet" in same
    assert "of the 600 top jets (" in same
    wrong = study.mass_claim(kin(RNG.normal(140.0, 3.0, 600), RNG.exponential(60.0, 600)),
                             n_boot=50)
    assert "away from the top-quark mass" in wrong


def test_w_peak_claim_or_a_note():
    assert study.w_peak_claim({"top": {}, "QCD": {}}).startswith("The benchmark files contain")
    near = study.w_peak_claim({"W": {"mass": RNG.normal(81.0, 4.0, 500)}}, n_boot=50)
    assert "close to the W mass (80.4 GeV)" in near


def test_leading_share_claim_flips():
    def fractions(qcd: float, top: float) -> dict:
        return {"QCD": RNG.normal(qcd, 0.05, (300, 3)), "top": RNG.normal(top, 0.05, (300, 3))}

    assert study.leading_share_claim(fractions(0.3, 0.15)).endswith("clearly more in QCD jets.")
    assert study.leading_share_claim(fractions(0.15, 0.3)).endswith("clearly more in top jets.")
    same = {"QCD": np.full((300, 3), 0.2), "top": np.full((300, 3), 0.2)}
    assert study.leading_share_claim(same).endswith("the same share at this statistics.")


def substructure(width_top: float, tau32_top: float, qg: bool, n: int = 300) -> dict:
    def sample(width: float, tau32: float, mult: float, ptd: float) -> dict:
        return {"width": RNG.normal(width, 0.02, n), "tau32": RNG.normal(tau32, 0.05, n),
                "tau21": RNG.normal(0.6, 0.05, n), "multiplicity": RNG.poisson(mult, n),
                "pTD": RNG.normal(ptd, 0.03, n)}

    out = {"top": sample(width_top, tau32_top, 70, 0.3), "QCD": sample(0.12, 0.8, 60, 0.3)}
    if qg:
        out |= {"W": {**sample(0.2, 0.6, 45, 0.3), "tau21": RNG.normal(0.3, 0.05, n)},
                "gluon": sample(0.14, 0.7, 72, 0.25), "quark": sample(0.08, 0.7, 44, 0.37)}
    return out


def test_substructure_claims_flip_and_note_missing_samples():
    c = study.substructure_claims(substructure(0.3, 0.5, qg=True))
    assert "top jets" in c["width"] and "are clearly wider on average than QCD jets" in c["width"]
    assert "have a clearly smaller mean τ₃₂ than QCD jets" in c["prongs"]
    assert "W jets" in c["prongs"] and "smaller mean τ₂₁" in c["prongs"]
    assert "are clearly wider than quark jets" in c["quark_gluon"]
    assert "have clearly more constituents than" in c["quark_gluon"]
    assert f"have a clearly smaller {study.PTD} than" in c["quark_gluon"]
    flipped = study.substructure_claims(substructure(0.05, 0.95, qg=False))
    assert "clearly narrower on average" in flipped["width"]
    assert "clearly larger mean τ₃₂" in flipped["prongs"] and "τ₂₁" not in flipped["prongs"]
    assert flipped["quark_gluon"].startswith("The benchmark files hold no quark or gluon jets")
    same = substructure(0.12, 0.8, qg=False)
    same["top"] = same["QCD"]
    tie = study.substructure_claims(same)
    assert "equally wide on average at this statistics" in tie["width"]
    assert "the same mean τ₃₂ at this statistics" in tie["prongs"]


def lund_points(hard: dict[str, int], total: dict[str, int], n: int = 1000) -> dict:
    """Samples with ``hard[name]`` hard wide-angle splittings and ``total`` in all."""
    out = {}
    for name, k in hard.items():
        x = np.r_[np.full(k, 1.0), np.full(total[name] - k, 4.0)]  # Delta = e^-1 or e^-4
        y = np.r_[np.full(k, np.log(30.0)), np.full(total[name] - k, 0.0)]  # kt 30 or 1 GeV
        out[name] = (x, y, n)
    return out


def test_hard_splittings_and_lund_claims():
    pts = lund_points({"top": 2000, "QCD": 800, "W": 1200, "quark": 100, "gluon": 100},
                      {"top": 14000, "QCD": 15000, "W": 13000, "quark": 14000, "gluon": 17000})
    hard = study.hard_splittings(pts)
    assert hard["top"].value == 2.0 and hard["top"].spread == pytest.approx(np.sqrt(2000) / 1000)
    c = study.lund_claims(pts)
    assert "top jets (2.00 ± 0.04) have clearly more of them per jet than QCD jets" in c["hard"]
    assert "W jets" in c["hard"]
    assert c["gluon"].startswith("With the same Poisson errors, gluon jets")
    assert "have clearly more primary declusterings per jet than quark jets" in c["gluon"]
    flipped = study.lund_claims(lund_points({"top": 800, "QCD": 2000}, {"top": 14000, "QCD": 15000}))
    assert "clearly fewer of them per jet" in flipped["hard"] and "W jets" not in flipped["hard"]
    assert flipped["gluon"] == "The benchmark files hold no quark or gluon jets to compare."
    same = study.lund_claims(lund_points({"top": 800, "QCD": 800, "quark": 50, "gluon": 50},
                                         {"top": 9000, "QCD": 9000, "quark": 9000, "gluon": 9000}))
    assert "as many of them per jet at this statistics" in same["hard"]
    assert "as many primary declusterings per jet at this statistics" in same["gluon"]


def test_generation_summary_and_veto_claim(tmp_path):
    files = {}
    for (process, split), (jets, events, vetoed, seconds) in {
            ("top", "train"): (200, 1000, 900, 40.0), ("top", "test"): (100, 600, 540, 10.0),
            ("qcd", "train"): (200, 400, 0, 20.0)}.items():
        path = files[(process, split)] = tmp_path / f"{process}_{split}.h5"
        with h5py.File(path, "w") as h5:
            write_attrs(h5, n_jets=jets, stats={"n_events": events, "n_vetoed": vetoed,
                                                "seconds_shards": seconds, "seconds_events": 1.0})
    summary = study.generation_summary(study.generation_table(files))
    assert summary["top"]["jets_per_s"] == pytest.approx(300 / 50.0)
    assert summary["top"]["vetoed_share"] == pytest.approx(1440 / 1600)
    assert summary["qcd"]["vetoed_share"] == 0.0
    claim = study.veto_claim(summary)
    assert "stopped 90.0% of the top-pair events and 0.0% of the QCD events" in claim
    assert "took 5 top-pair events, 2 QCD events" in claim  # 1600 events for 300 jets
    assert "read from the benchmark files" in study.veto_claim(None)


def _jets(pt: np.ndarray, eta: np.ndarray, labels: np.ndarray):
    """One massless constituent per jet carrying the jet's pT and eta."""
    from helpers.data.jets import JetSet

    phi = RNG.uniform(-np.pi, np.pi, len(pt))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    c = np.zeros((len(pt), 2, 4), np.float32)
    c[:, 0] = np.stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz], axis=1)
    return JetSet(c, labels.astype(np.int8), np.zeros((len(pt), 4), np.float32))


def test_shortcut_claims_name_the_task_with_a_spectrum_difference():
    n = 6000
    u = RNG.random((2, n))
    rising, falling = 550 + 100 * np.sqrt(u[0]), 650 - 100 * np.sqrt(u[1])
    flat = RNG.uniform(550, 650, 2 * n)
    eta = RNG.uniform(-2, 2, 2 * n)
    y = np.r_[np.ones(n), np.zeros(n)]
    controls = {"w_qcd": study.shortcut_control("w_qcd", _jets(np.r_[rising, falling], eta, y)),
                "top_qcd": study.shortcut_control("top_qcd", _jets(flat, eta, y))}
    assert controls["w_qcd"].before["pt"].value > 0.6
    assert controls["w_qcd"].median_pt[0] > controls["w_qcd"].median_pt[1]
    claims = study.shortcut_claims(controls)
    assert "the jet $p_T$ alone separates W/QCD" in claims["shortcut"]
    assert "top/QCD" not in claims["shortcut"].split("For ")[0]
    assert "For top/QCD neither variable is clearly above it" in claims["shortcut"]
    assert "brings every one-variable AUC to at most 0.52" in claims["shortcut_matched"]
    assert controls["w_qcd"].kept < controls["top_qcd"].kept <= 1.0
    records = study.shortcut_records(controls)
    assert set(records) >= {"shortcut_w_qcd_pt", "shortcut_w_qcd_abs_eta_matched"}
    # no spectrum difference anywhere: nothing is called a shortcut
    calm = study.shortcut_claims({"top_qcd": controls["top_qcd"]})
    assert calm["shortcut"].startswith("On the test jets, no task is separated")
    table = study.shortcut_table(controls)
    assert list(table.index) == ["W/QCD", "top/QCD"]


def test_inputs_claim_measures_whether_the_top_pt_reaches_the_topodnn():
    from helpers.results import Measurement

    def control(pt_auc: float):
        m = Measurement(pt_auc, 0.005)
        return study.ShortcutControl("top_qcd", {"pt": m, "abs_eta": m}, {"pt": m, "abs_eta": m},
                                     (600.0, 600.0), 0.9)

    calm = study.inputs_claim({"top_qcd": control(0.515)})
    assert calm.startswith("Chapter 5's RecNN reads the absolute momenta")
    assert "0.515 ± 0.005, not clearly above 0.52, so both train on the unmatched" in calm
    loud = study.inputs_claim({"top_qcd": control(0.56)})
    assert "clearly above 0.52: the TopoDNN's numbers may contain that shortcut" in loud
    assert study.inputs_claim({}).endswith("add up to it.")


def test_shortcut_matched_separates_clearly_above_from_within_the_error():
    from helpers.results import Measurement

    def controls(after: Measurement):
        ok = Measurement(0.505, 0.01)
        return {"top_qcd": study.ShortcutControl(
            "top_qcd", {"pt": Measurement(0.6, 0.01), "abs_eta": ok},
            {"pt": after, "abs_eta": ok}, (600.0, 590.0), 0.8)}

    assert "clearly above 0.52: finer bins are needed" in study.shortcut_claims(
        controls(Measurement(0.56, 0.01)))["shortcut_matched"]
    within = study.shortcut_claims(controls(Measurement(0.526, 0.03)))["shortcut_matched"]
    assert "to within its error of 0.52 or below (the largest: 0.526 ± 0.030" in within
    assert "brings every one-variable AUC to at most 0.52" in study.shortcut_claims(
        controls(Measurement(0.515, 0.01)))["shortcut_matched"]
