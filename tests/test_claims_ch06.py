"""Chapter 6's sentences follow the numbers: the translation, the AUC gap, IRC safety, the
EFN against the PFN and the cross-chapter agreement flip with the measurements."""

from __future__ import annotations

import numpy as np

from helpers.physics.efp import SINGLE_VERTEX, EFPSpec, Graph
from helpers.results import Measurement
from helpers.studies import efp
from helpers.xai.ado import SearchResult
from helpers.xai.filters import FilterProperties


def _cands() -> efp.Candidates:
    names = ["EFP a", "EFP b (κ=0)", *[efp.PROBE_TABLE_LABELS[o] for o in efp.CLASSIC]]
    specs = [EFPSpec(Graph.canonical([(0, 1)])), EFPSpec(SINGLE_VERTEX, kappa=0.0)]
    return efp.Candidates(np.zeros((4, len(names))), names, specs + [None] * len(efp.CLASSIC))


def _run(names, ado, auc, net_auc, n_useful=None):
    return SearchResult([0] * len(names), list(names), list(ado), list(auc), net_auc,
                        [1] * len(names), len(names) if n_useful is None else n_useful)


def test_irc_safety_of_candidates():
    c = _cands()
    assert c.irc_safe == [True, False, True, True, True, False]  # the multiplicity: unsafe


def test_gap_claim_in_both_directions_and_overlap():
    cands = _cands()
    close = {"CNN": [_run(["jet mass m_J"], [0.9], [0.95], 0.951),
                     _run(["jet mass m_J"], [0.91], [0.953], 0.949)]}
    assert "matches within errors" in efp.translation_claims(close, cands)["efp_gap"]
    short = {"CNN": [_run(["jet mass m_J"], [0.9], [0.90], 0.95),
                     _run(["jet mass m_J"], [0.91], [0.901], 0.951)]}
    claims = efp.translation_claims(short, cands)
    assert "falls short of" in claims["efp_gap"]
    assert claims["efp_irc"].startswith("No network needed an IRC-unsafe observable")
    unsafe = {"CNN": [_run(["multiplicity λ⁰₀"], [0.9], [0.9], 0.95)]}
    assert "the CNN (1 of 1 seeds)" in efp.translation_claims(unsafe, cands)["efp_irc"]


def test_findings_follow_the_searches():
    cands = _cands()
    props = [FilterProperties(0.1, 1, (0.0, 0.0), (0.0, 0.0), 0.0)]
    efn = efp.EFNStudy(Measurement(0.90, 0.005, 3), Measurement(0.95, 0.005, 3),
                       np.zeros((1, 3, 3)), np.zeros(3), props, np.zeros(1, int))
    runs = {"CNN": [_run(["EFP b (κ=0)"], [0.9], [0.95], 0.95),
                    _run(["EFP b (κ=0)"], [0.9], [0.951], 0.949)]}
    f = efp.findings(runs, cands, efn)
    assert f["finding_efp_closes_gap"][0] == "reproduced"
    assert f["finding_efp_irc_unsafe"][0] == "reproduced"
    assert f["finding_efn_below_pfn"][0] == "reproduced"
    runs = {"CNN": [_run(["jet mass m_J"], [0.9], [0.90], 0.95),
                    _run(["jet mass m_J"], [0.9], [0.901], 0.951)]}
    efn.efn_auc = Measurement(0.96, 0.005, 3)
    f = efp.findings(runs, cands, efn)
    assert [f[k][0] for k in ("finding_efp_closes_gap", "finding_efp_irc_unsafe",
                              "finding_efn_below_pfn")] == ["not reproduced"] * 3
    single = {"CNN": [_run(["jet mass m_J"], [0.9], [0.95], 0.95)]}
    assert efp.findings(single, cands, efn)["finding_efp_closes_gap"][0] == "inconclusive"


def test_efn_claims():
    props = [FilterProperties(0.1, 1, (0.0, 0.0), (0.0, 0.0), 0.0),
             FilterProperties(0.3, 2, (0.2, 0.0), (0.5, 0.0), 0.5, 0.95)]
    study = efp.EFNStudy(Measurement(0.95, 0.002, 3), Measurement(0.951, 0.002, 3),
                         np.zeros((2, 3, 3)), np.zeros(3), props, np.arange(2))
    c = efp.efn_claims(study)
    assert "is indistinguishable from" in c["efn_vs_pfn"]
    assert "ΔR = 0.10 to 0.30" in c["efn_filters"] and "1 of them have more" in c["efn_filters"]
    assert "1 sit off the jet axis" in c["efn_filters"]
    assert "1 rise and 0 fall with the distance" in c["efn_filters"]


def test_agreement_table():
    m = lambda v: Measurement(v, 0.01, 3)  # noqa: E731
    labels = [efp.PROBE_TABLE_LABELS[o] for o in efp.CLASSIC]
    rho = {"PFN": dict(zip(labels, map(m, (0.8, 0.3, 0.2, 0.4)))),
           "CNN": dict(zip(labels, map(m, (0.2, 0.3, 0.2, 0.9))))}
    r2 = {"PFN": {o: (v, 0.01) for o, v in zip(efp.CLASSIC, (0.9, 0.2, 0.2, 0.5))},
          "CNN": {o: (v, 0.01) for o, v in zip(efp.CLASSIC, (0.9, 0.2, 0.2, 0.5))}}
    table, claim = efp.agreement_table(rho, r2, 3)
    assert list(table["same observable"]) == ["yes", "no"]
    assert claim["efp_vs_probes"].startswith("For 1 of 2 networks (PFN)")


def test_halves_are_disjoint_and_balanced():
    y = np.array([0] * 10 + [1] * 6)
    fit, ev = efp.halves(y, seed=1)
    assert not set(fit) & set(ev) and len(fit) + len(ev) == len(y)
    assert y[fit].sum() == 3 and y[ev].sum() == 3


def _importance(rho_network, rho_occlusion, n_runs=3):
    zeros = np.zeros((n_runs, 4))
    return efp.ConstituentImportance(zeros, zeros, zeros,
                                     {"network": rho_network, "occlusion": rho_occlusion,
                                      "network_vs_occlusion": Measurement(0.5, 0.1, n_runs)},
                                     n_runs)


def test_constituent_claim_follows_the_correlations():
    claim = efp.constituent_claim(_importance(Measurement(0.8, 0.1, 3), Measurement(-0.7, 0.2, 3)))
    assert "itself rank the constituents alike (Spearman ρ = 0.80 ± 0.10)" in claim
    assert "inputs rank them in reverse (ρ = -0.70 ± 0.20)" in claim
    assert "the standard deviation over the 3 training seeds" in claim
    claim = efp.constituent_claim(_importance(Measurement(0.35, 0.2, 3),
                                              Measurement(float("nan"), float("nan"), 3)))
    assert "itself are unrelated within twice their uncertainty" in claim  # 1.75 spreads
    assert "cannot be compared (a profile is constant)" in claim
    single = efp.constituent_claim(_importance(Measurement(0.9), Measurement(0.9), n_runs=1))
    assert single.count("cannot be judged: a single run gives no spread") == 2


def test_observables_recomputed_on_modified_jets():
    """candidate_columns gives the offered columns back on the same jets, and on jets
    without their hardest constituent it sees one particle fewer."""
    from helpers.data import JetSet
    from helpers.physics.observables import compute_observables
    from helpers.preprocessing import pfn_features

    rng = np.random.default_rng(3)
    n, m = 40, 12
    pt = rng.exponential(40, (n, m)) + 1
    eta, phi = rng.normal(0, 0.2, (n, m)), rng.normal(0, 0.2, (n, m))
    pt = -np.sort(-pt, axis=1)
    pt[:, -3:] = 0.0  # padding
    e, pz = pt * np.cosh(eta), pt * np.sinh(eta)
    c = np.stack([e, pt * np.cos(phi), pt * np.sin(phi), pz], axis=-1) * (pt > 0)[..., None]
    jets = JetSet(c.astype(np.float32), (np.arange(n) % 2).astype(np.int8),
                  np.zeros((n, 4), np.float32))
    specs = [EFPSpec(Graph.canonical([(0, 1)])), EFPSpec(SINGLE_VERTEX, kappa=0.0)]
    obs = compute_observables(jets)
    values = np.concatenate([efp.efps_of(pfn_features(jets), specs),
                             np.stack([obs[o] for o in efp.CLASSIC], axis=1)], axis=1)
    names = [efp.spec_name(s) for s in specs] + [efp.PROBE_TABLE_LABELS[o] for o in efp.CLASSIC]
    cands = efp.Candidates(values, names, [*specs, *[None] * len(efp.CLASSIC)])
    cols = [5, 0, 2, 1]  # multiplicity, edge, tau21, kappa = 0 vertex
    np.testing.assert_allclose(efp.candidate_columns(jets, cands, cols), values[:, cols],
                               rtol=1e-12)
    fewer = efp.candidate_columns(efp.without_constituent(jets, 0), cands, [1, 5])
    np.testing.assert_array_equal(fewer, values[:, [1, 5]] - 1)
