"""Chapter 3's claims follow the measurements: each sentence flips when the numbers flip, and
states a comparison only where the difference exceeds the spread."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers.models import TopoDNN
from helpers.results import REPRODUCED, Measurement, finding_verdict
from helpers.results.claims import bootstrap_many, pick, seed_or_bootstrap, spread_note
from helpers.studies.nap import (
    BASELINE,
    MeasuredModel,
    auc_vs_paper_claim,
    measure,
    nap_of,
    nap_statistics,
    pathway_claim,
    probe_claims,
    probe_study,
    pruning_claims,
    pruning_measurements,
    pruning_over_seeds,
    reoptimisation_finding,
    run_measurements,
    scan_claim,
    sparsity_claims,
    sparsity_trend_claim,
    validation_naps,
)
from helpers.xai.nap import hidden_activations, neural_activation_pattern

torch.set_num_threads(1)
TOP_QCD = {1: "top", 0: "QCD"}
M = Measurement


@pytest.fixture
def jets():
    """Two Gaussian classes in four inputs, and one small random ReLU network per seed."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 150)
    X = (rng.normal(0, 1, (300, 4)) + 0.8 * y[:, None]).astype(np.float32)
    runs = []
    for s in (0, 1):
        torch.manual_seed(s)
        runs.append(measure(TopoDNN(4, (8, 6, 4)).eval(), X, y))
    return X, y, runs


# --------------------------------------------------------------------- uncertainties
def test_bootstrap_many_keeps_the_full_value_and_drops_non_finite_draws():
    x = np.arange(10.0)
    m = bootstrap_many(lambda idx: {"mean": x[idx].mean(), "inf": math.inf}, 10, n_boot=50)
    assert m["mean"].value == pytest.approx(4.5) and 0 < m["mean"].spread < 3
    assert m["mean"].n == 10
    assert m["inf"].value == math.inf and math.isnan(m["inf"].spread)


def test_seed_or_bootstrap_uses_seeds_when_there_are_several():
    values = [np.arange(6.0), np.arange(6.0) + 2]
    several = seed_or_bootstrap(lambda r, idx: {"v": values[r][idx].mean()}, 2, 6)
    assert several["v"].value == pytest.approx(3.5) and several["v"].spread == pytest.approx(np.sqrt(2))
    single = seed_or_bootstrap(lambda r, idx: {"v": values[r][idx].mean()}, 1, 6, n_boot=30)
    assert single["v"].value == pytest.approx(2.5) and single["v"].n == 6
    assert "2 training seeds" in spread_note(2) and "bootstrap" in spread_note(1)


def test_pick_follows_the_spread():
    assert pick(M(1.0, 0.1), M(0.5, 0.1), "up", "down", "same") == "up"
    assert pick(M(0.5, 0.1), M(1.0, 0.1), "up", "down", "same") == "down"
    assert pick(M(0.55, 0.1), M(0.5, 0.1), "up", "down", "same") == "same"
    assert pick(M(0.9), M(0.5), "up", "down", "same") == "same"  # no spread: never clear
    assert pick(M(0.9), M(0.5), "up", "down", "same", unknown="?") == "?"  # said so when asked
    assert pick(M(1.0, 0.1), M(0.5, 0.1), "up", "down", "same", unknown="?") == "up"


# --------------------------------------------------------------------- NAP measurements
def test_nap_of_all_jets_is_the_nap_and_statistics_add_up(jets):
    X, y, runs = jets
    model = runs[0].model
    acts = hidden_activations(model, X)
    nap = nap_of(acts, y, np.arange(len(y)))
    direct = neural_activation_pattern(model, X, y, TOP_QCD)
    assert nap.sparsity() == pytest.approx(direct.sparsity())
    stats = nap_statistics(nap)
    table = nap.layer_table()
    for k in range(3):
        exclusive = table["active in top only"][k] + table["active in QCD only"][k]
        active = exclusive + table["active in both"][k]
        expected = exclusive / active if active else math.nan
        assert stats[f"exclusive (layer {k + 1})"] == pytest.approx(expected, nan_ok=True)


def test_nap_of_counts_a_jet_drawn_twice_twice(jets):
    X, y, runs = jets
    acts = hidden_activations(runs[0].model, X)
    idx = np.random.default_rng(3).integers(0, len(y), len(y))
    nap = nap_of(acts, y, idx)
    for label, name in TOP_QCD.items():
        rows = idx[y[idx] == label]
        for k, a in enumerate(acts):
            np.testing.assert_allclose(nap.stats[name].sums[k], a[rows].astype(float).sum(axis=0),
                                       rtol=1e-10)
            np.testing.assert_array_equal(nap.stats[name].active[k], (a[rows] > 0).sum(axis=0))
        assert nap.stats[name].n_jets == len(rows)


def test_run_measurements_of_several_and_of_one_run(jets):
    X, y, runs = jets
    several = run_measurements(runs, X, y)
    values = [r.metrics["sparsity (overall)"] for r in runs]
    assert several["sparsity (overall)"].value == pytest.approx(np.mean(values))
    assert several["auc"].value == pytest.approx(np.mean([r.metrics["auc"] for r in runs]))
    one = run_measurements(runs[:1], X, y, n_boot=20)
    assert one["auc"].value == pytest.approx(runs[0].metrics["auc"]) and one["auc"].spread > 0


def test_probe_study_matches_the_separability_and_pairs_the_gains(jets):
    X, y, runs = jets
    study = probe_study(runs[:1], X, y, X, y, probe_jets=300, n_boot=20)
    m = study.measurements
    assert study.separability.labels == ["inputs", "layer 1", "layer 2", "layer 3"]
    assert m["gain (layer 2)"].value == pytest.approx(m["probe (layer 2)"].value
                                                      - m["probe (layer 1)"].value)
    assert m["network"].value == pytest.approx(runs[0].metrics["auc"])


def test_pruning_measurements_agree_with_the_pruning_table(jets):
    X, y, runs = jets
    naps = validation_naps(runs, X, y)
    m = pruning_measurements(runs, naps, [0, 1], X, y, n_random=2)
    table = pruning_over_seeds(runs, naps, [0, 1], X, y, n_random=2)
    sparse = [k for k in table if k.startswith("sparse")][0]
    assert m["sparse nodes"].value == pytest.approx(table[sparse]["auc"][0] - table["none"]["auc"][0])
    assert m["random nodes"].value == pytest.approx(
        table["random nodes (same number)"]["auc"][0] - table["none"]["auc"][0])


# --------------------------------------------------------------------- sentences
def test_sparsity_claims_in_every_order():
    paper = {"sparsity (overall)": 0.705}
    qcd_more = sparsity_claims({"sparsity (overall)": M(0.3, 0.01), "sparsity (QCD)": M(0.5, 0.01),
                                "sparsity (top)": M(0.4, 0.01)}, paper)
    assert qcd_more["nap_sparsity_vs_paper"].endswith("fewer than the paper's 0.705")
    assert qcd_more["nap_class_sparsity"].startswith("QCD jets leave more nodes idle than top jets")
    assert "the order the paper found" in qcd_more["nap_class_sparsity"]
    top_more = sparsity_claims({"sparsity (overall)": M(0.75, 0.01), "sparsity (QCD)": M(0.4, 0.01),
                                "sparsity (top)": M(0.5, 0.01)}, paper)
    assert top_more["nap_sparsity_vs_paper"].endswith("more than the paper's 0.705")
    assert "reverse of the paper's order" in top_more["nap_class_sparsity"]
    same = sparsity_claims({"sparsity (overall)": M(0.70, 0.02), "sparsity (QCD)": M(0.45, 0.05),
                            "sparsity (top)": M(0.44, 0.05)}, paper)
    assert "within the spread" in same["nap_sparsity_vs_paper"]
    assert "indistinguishable at this statistics" in same["nap_class_sparsity"]


def test_pathway_claim_names_the_layers_where_exclusive_nodes_dominate():
    shares = {"exclusive (layer 1)": M(0.2, 0.05), "exclusive (layer 2)": M(0.55, 0.1),
              "exclusive (layer 3)": M(0.8, 0.05), "exclusive (layer 4)": M(0.9, 0.05)}
    text = pathway_claim(shares, 4)
    assert "0.20 ± 0.05 in the first layer" in text
    assert "clearly outnumber the shared ones in the third layer and the fourth layer" in text
    shares["exclusive (layer 3)"] = shares["exclusive (layer 4)"] = M(0.3, 0.05)
    assert "In no layer do class-exclusive nodes clearly outnumber the shared ones (in the paper" \
        in pathway_claim(shares, 4)


NET, INPUTS = M(0.9, 0.01), M(0.8, 0.01)


def probe_measurements(gains: list[Measurement], net: Measurement = NET,
                       inputs: Measurement = INPUTS) -> dict[str, Measurement]:
    m = {"network": net, "probe (inputs)": inputs, f"probe (layer {len(gains)})": M(0.9, 0.01)}
    m.update({f"gain (layer {k})": g for k, g in enumerate(gains, 1)})
    return m


def test_probe_claims_flip_with_the_gains():
    first_leads = probe_claims(probe_measurements(
        [M(0.08, 0.005), M(0.01, 0.003), M(0.0, 0.003), M(-0.001, 0.002)]), 4)
    assert "the hidden layers clearly add to what a linear cut can do" in first_leads["nap_probe_ends"]
    assert "as the output node does, within the spread" in first_leads["nap_probe_ends"]
    assert first_leads["nap_probe_gains"].endswith(
        "The first layer clearly adds the most and does most of the untangling.")
    assert first_leads["nap_redundant_layers"].startswith("The third and fourth layers add nothing")
    assert first_leads["nap_redundant_layers"].endswith("(the paper found the fourth layer redundant; "
                                                        "so is ours).")
    every = probe_claims(probe_measurements([M(0.05, 0.01), M(0.04, 0.01), M(0.03, 0.01),
                                             M(0.02, 0.005)]), 4)
    assert every["nap_probe_gains"].endswith("No single layer's gain clearly exceeds all the others'.")
    assert every["nap_redundant_layers"].startswith("Every hidden layer clearly adds")
    assert "ours is not" in every["nap_redundant_layers"]
    none = probe_claims(probe_measurements([M(0.0, 0.01)] * 4, net=M(0.8, 0.01),
                                           inputs=M(0.85, 0.01)), 4)
    assert "clearly worse than a linear cut" in none["nap_probe_ends"]
    assert none["nap_redundant_layers"].startswith("No hidden layer adds clearly")


def test_pruning_claims_in_every_outcome():
    zero = {"dead nodes": M(0.0, 0.0), "sparse nodes": M(-0.001, 0.002), "random nodes": M(-0.02, 0.002)}
    text = pruning_claims(zero)
    assert text["nap_pruning_dead"] == ("Removing the dead nodes leaves the test AUC unchanged to "
                                        "four decimals.")
    tiny = pruning_claims({**zero, "dead nodes": M(1e-6, 1e-5)})["nap_pruning_dead"]
    assert tiny.endswith("unchanged to four decimals.")
    assert "clearly fares better without its sparse nodes" in text["nap_pruning_sparse"]
    worse = pruning_claims({"dead nodes": M(-0.01, 0.002), "sparse nodes": M(-0.03, 0.002),
                            "random nodes": M(-0.01, 0.002)})
    assert "clearly: some nodes silent on the validation jets" in worse["nap_pruning_dead"]
    assert "clearly fares worse without its sparse nodes" in worse["nap_pruning_sparse"]
    same = pruning_claims({"dead nodes": M(0.0005, 0.001), "sparse nodes": M(-0.01, 0.01),
                           "random nodes": M(-0.012, 0.01)})
    assert "no change beyond the spread" in same["nap_pruning_dead"]
    assert "indistinguishable at this statistics" in same["nap_pruning_sparse"]


def test_reoptimisation_finding_in_both_directions():
    base = {"sparsity (overall)": M(0.70, 0.01), "auc": M(0.97, 0.002)}
    signs, text = reoptimisation_finding(base, {"sparsity (overall)": M(0.58, 0.01),
                                                "auc": M(0.971, 0.002)}, (120, 40, 6))
    assert signs == [1, 1] and finding_verdict(signs) == REPRODUCED
    assert text.startswith("the retrained (120, 40, 6) network is clearly less sparse than the baseline")
    assert "at an AUC indistinguishable from the baseline's" in text
    signs, text = reoptimisation_finding(base, {"sparsity (overall)": M(0.80, 0.01),
                                                "auc": M(0.95, 0.002)}, (120, 40, 6))
    assert signs == [-1, -1] and "clearly more sparse" in text and "clearly lower than" in text
    signs, text = reoptimisation_finding(base, {"sparsity (overall)": M(0.69, 0.02),
                                                "auc": M(0.98, 0.002)}, (120, 40, 6))
    assert signs == [0, 1] and "indistinguishable in sparsity" in text and "clearly higher" in text


def test_scan_claim_takes_the_smallest_network_not_clearly_worse():
    m = {BASELINE: {"auc": M(0.95, 0.01), "parameters": M(59323.0)},
         (120, 40, 6): {"auc": M(0.955, 0.01), "parameters": M(16013.0)},
         (12, 6): {"auc": M(0.90, 0.01), "parameters": M(500.0)}}
    text = scan_claim(m)
    assert text.startswith("the best AUC among the networks trained here is (120, 40, 6)'s")
    assert "the smallest network whose AUC is not clearly below it is (120, 40, 6), with 16,013" in text
    m[(12, 6)]["auc"] = M(0.945, 0.01)
    assert "below it is (12, 6), with 500 parameters (1% of the baseline's)" in scan_claim(m)


def test_auc_vs_paper_claim():
    assert auc_vs_paper_claim(M(0.90, 0.01), 0.9712).endswith("lies below the paper's 0.9712")
    assert auc_vs_paper_claim(M(0.97, 0.01), 0.9712).endswith("within the spread")
    assert auc_vs_paper_claim(M(0.99, 0.001), 0.9712).endswith("lies above the paper's 0.9712")


def test_sparsity_trend_claim_needs_two_sizes(jets):
    X, y, runs = jets
    assert "single size" in sparsity_trend_claim({100: runs[0]}, X, y)
    text = sparsity_trend_claim({100: runs[0], 200: runs[1]}, X, y, n_boot=20)
    assert text.startswith("from 100 to 200 training jets the overall sparsity goes from "
                           f"{runs[0].metrics['sparsity (overall)']:.3f} to "
                           f"{runs[1].metrics['sparsity (overall)']:.3f}")
    same = sparsity_trend_claim({100: runs[0], 200: MeasuredModel(runs[0].model, None, {})}, X, y,
                                n_boot=20)
    assert same.endswith("no clear change at this statistics")
