"""Chapter 5's sentences follow the numbers: each claim flips when the measurements flip,
and says "indistinguishable" when they overlap."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.results import Measurement
from helpers.studies.lund import jet_ratio
from helpers.studies.recnn import leading_group, performance_claims
from helpers.studies.transfer import TransferResult, mean_of, retained_measurement, transfer_claims

TASKS3 = ("w_qcd", "top_qcd", "quark_gluon")


def test_performance_claims_in_both_directions_and_overlap():
    recnn = {"w_qcd": Measurement(0.90, 0.01), "top_qcd": Measurement(0.96, 0.005),
             "quark_gluon": Measurement(0.80, 0.01)}
    bdt = {"w_qcd": Measurement(0.95, 0.01), "top_qcd": Measurement(0.93, 0.005),
           "quark_gluon": Measurement(0.805, 0.01)}
    c = performance_claims(recnn, bdt)
    assert c["recnn_vs_bdt"].startswith("The BDT on observables is ahead of the RecNN on W/QCD")
    assert "the RecNN is ahead of the BDT on top/QCD" in c["recnn_vs_bdt"]
    assert "indistinguishable at this statistics on quark/gluon" in c["recnn_vs_bdt"]
    assert c["hardest_task"].startswith("quark/gluon is the hardest task")
    recnn["quark_gluon"] = Measurement(0.895, 0.02)  # now as low as W/QCD within the spread
    assert "not clearly below" in performance_claims(recnn, bdt)["hardest_task"]


def test_leading_group_keeps_what_is_not_clearly_below_the_best():
    r2 = {"a": Measurement(0.8, 0.02), "b": Measurement(0.78, 0.02), "c": Measurement(0.5, 0.02)}
    assert leading_group(r2, list(r2)) == ["a", "b"]
    r2["b"] = Measurement(0.7, 0.02)
    assert leading_group(r2, list(r2)) == ["a"]


def _transfer(res: float, qg: float, spread: float) -> TransferResult:
    pairs = {("w_qcd", "top_qcd"): res, ("top_qcd", "w_qcd"): res,
             ("quark_gluon", "top_qcd"): qg, ("quark_gluon", "w_qcd"): qg,
             ("w_qcd", "quark_gluon"): qg, ("top_qcd", "quark_gluon"): qg + 0.05}
    return TransferResult({p: [v - spread, v + spread] for p, v in pairs.items()},
                          {t: [0.55, 0.56] for t in TASKS3})


@pytest.mark.parametrize("res, qg, verdict, phrase", [
    (0.88, 0.70, "reproduced", "clearly more than"),
    (0.70, 0.88, "not reproduced", "clearly less than"),
    (0.80, 0.79, "inconclusive", "indistinguishable at this statistics from")])
def test_transfer_claims_follow_the_retained_shares(res, qg, verdict, phrase):
    base = {t: Measurement(0.95, 0.005) for t in TASKS3}
    paper = {p: (0.95, 0.9) for p in _transfer(res, qg, 0.01).transfer}
    mult = {"w_qcd": Measurement(0.2, 0.02), "top_qcd": Measurement(0.5, 0.02),
            "quark_gluon": Measurement(0.7, 0.02)}
    claims, got, evidence = transfer_claims(_transfer(res, qg, 0.01), base, paper, mult)
    assert got == verdict and phrase in claims["transfer_resonance"]
    assert evidence.startswith(claims["transfer_resonance"])
    if verdict == "reproduced":  # top -> q/g retains more, and top encodes the multiplicity better
        assert claims["transfer_multiplicity"].startswith(
            "Into quark/gluon, the top/QCD embedding carries over better")
        assert "also the one that encodes the multiplicity better" in claims["transfer_multiplicity"]


def test_retained_share_propagates_both_spreads():
    result = TransferResult({("a", "b"): [0.8, 0.9]}, {})
    m = retained_measurement(result, ("a", "b"), Measurement(0.95, 0.01))
    assert m.value == pytest.approx(0.35 / 0.45)
    assert m.spread == pytest.approx(np.hypot(np.std([0.8, 0.9], ddof=1) / 0.45,
                                              m.value * 0.01 / 0.45))
    assert mean_of([Measurement(1, 0.3), Measurement(3, 0.4)]) == Measurement(2.0, 0.25, None)


def test_jet_ratio_bootstraps_over_jets_not_nodes():
    rng = np.random.default_rng(0)
    # ten jets, each with 100 identical nodes: the jets, not the 1000 nodes, set the spread
    per_jet = rng.normal(1.0, 0.3, 10)
    jet_of = np.repeat(np.arange(10), 100)
    m = jet_ratio(per_jet[jet_of], jet_of, 10, n_boot=400)
    assert m.value == pytest.approx(per_jet.mean())
    assert m.spread == pytest.approx(per_jet.std() / np.sqrt(10), rel=0.35)
    assert m.n == 10
