"""Chapter 4's claims follow the measurements: each sentence flips when the numbers flip, and
states a comparison only where the difference exceeds the spread."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.metrics import auc
from helpers.models import PFN
from helpers.preprocessing import PackedParticles, pfn_features
from helpers.results import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Measurement, finding_verdict
from helpers.studies import latent, leak, pfn
from helpers.studies.leak import LeakRetraining
from tests.test_pfn import random_jets, small_pfn

torch.set_num_threads(1)
M = Measurement
CLASSES = {1: "top", 0: "QCD"}
BY_LABEL = {0: "QCD", 1: "top"}


# --------------------------------------------------------------------- performance
def test_metric_measurements_over_seeds_and_bootstrapped():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 100)
    probs = [np.clip(0.3 * y + rng.uniform(0, 1, 200), 0, 1) for _ in range(2)]
    two = pfn.metric_measurements(y, probs)
    assert two["auc"].value == pytest.approx(np.mean([auc(y, p) for p in probs]))
    assert set(two) == {"auc", "accuracy", "rejection_0.3"} and two["auc"].n == 2
    one = pfn.metric_measurements(y, probs[:1], n_boot=30)
    assert one["auc"].value == pytest.approx(auc(y, probs[0])) and one["auc"].spread > 0


def comparison(pfn_auc: Measurement, topo_auc: Measurement, bdt_auc: Measurement) -> dict:
    return {"PFN": {"auc": pfn_auc}, "TopoDNN": {"auc": topo_auc}, "BDT: mass + τ": {"auc": bdt_auc}}


def test_comparison_claims_in_every_order():
    ahead = pfn.comparison_claims(comparison(M(0.98, 0.002), M(0.97, 0.002), M(0.95, 0.003)))
    assert ahead["pfn_vs_topodnn"].endswith("clearly tags better than the TopoDNN (0.9700 ± 0.0020), "
                                            "as in the paper")
    assert ahead["pfn_vs_bdt"].startswith("the PFN (0.9800 ± 0.0020) clearly tags better than the trees")
    behind = pfn.comparison_claims(comparison(M(0.86, 0.01), M(0.90, 0.01), M(0.98, 0.005)))
    assert "clearly tags worse than the TopoDNN" in behind["pfn_vs_topodnn"]
    assert "unlike in the paper" in behind["pfn_vs_topodnn"]
    assert behind["pfn_vs_bdt"].startswith("the trees on mass and τ (0.9800 ± 0.0050) clearly tag better")
    same = pfn.comparison_claims(comparison(M(0.86, 0.02), M(0.85, 0.02), M(0.865, 0.02)))
    assert "indistinguishable at this statistics, where the paper has the PFN ahead" in same["pfn_vs_topodnn"]
    assert same["pfn_vs_bdt"].endswith("are indistinguishable at this statistics")


def test_parameter_caveat_counts_the_missing_output():
    assert pfn.parameter_caveat(82357, 82458).startswith(
        "the paper's F ends in two softmax outputs, ours in one logit: 101 parameters fewer")


def packed(counts: list[int], z_first: list[float], spread: float) -> PackedParticles:
    """Jets whose hardest particle carries ``z_first`` and whose others share the rest, all at
    distance ``spread`` from the axis."""
    rows = []
    for n, z0 in zip(counts, z_first):
        z = np.r_[z0, np.full(n - 1, (1 - z0) / max(n - 1, 1))]
        rows.append(np.stack([z, np.full(n, spread), np.zeros(n)], axis=1))
    return PackedParticles(np.concatenate(rows).astype(np.float32), np.array(counts))


def test_particle_input_claim_follows_the_jets():
    rng = np.random.default_rng(1)
    n_top, n_qcd = rng.integers(60, 80, 50), rng.integers(30, 40, 50)
    top = packed(list(n_top), list(rng.uniform(0.1, 0.15, 50)), 0.3)
    qcd = packed(list(n_qcd), list(rng.uniform(0.3, 0.4, 50)), 0.1)
    both = PackedParticles(np.concatenate([qcd.features, top.features]), np.r_[qcd.counts, top.counts])
    y = np.repeat([0, 1], 50)
    text = pfn.particle_input_claim(both, y, CLASSES, n_boot=30)
    assert text.startswith("top jets carry more particles than QCD jets")
    assert "spread wider around the axis" in text
    assert "give a smaller share of their momentum to the hardest particle" in text
    flipped = pfn.particle_input_claim(both, 1 - y, CLASSES, n_boot=30)
    assert flipped.startswith("top jets carry fewer particles than QCD jets")
    assert "stay closer to the axis" in flipped and "a larger share" in flipped
    same = pfn.particle_input_claim(both, np.tile([0, 1], 50), CLASSES, n_boot=30)
    assert "as many particles as, within the spread," in same


def test_padding_claim():
    assert pfn.padding_claim(np.full(10, 50)) == "a jet fills 25% of them on average, so most of " \
        "every stored jet is padding"
    assert pfn.padding_claim(np.full(10, 150)).endswith("so most slots hold a particle")
    assert pfn.padding_claim(np.array([90, 110] * 5)) == "a jet fills 50% of them on average"


# --------------------------------------------------------------------- latent space
def test_mad_overlap_study_and_its_sentence():
    torch.manual_seed(0)
    model = PFN((8, 8, 16), (8,)).eval()
    rng = np.random.default_rng(0)
    Z = np.abs(rng.normal(0, 1, (200, 16))).astype(np.float32)
    m = latent.mad_overlap_study(model, Z, np.repeat([0, 1], 100), k=5, n_boot=10)
    assert 0 <= m["between classes"].value <= 5 and 0 <= m["within a class"].value <= 5
    fewer = latent.overlap_claim({"between classes": M(10, 1), "within a class": M(28, 1)}, 30, CLASSES)
    assert fewer.startswith("The MAD rankings of the two classes share 10 ± 1 of their 30 leading "
                            "latents, clearly fewer than the 28.0 ± 1.0")
    assert fewer.endswith("Some latent variables move the output mostly for top jets, others "
                          "mostly for QCD jets")
    same = latent.overlap_claim({"between classes": M(27, 2), "within a class": M(28, 1)}, 30, CLASSES)
    assert "not clearly fewer than" in same and same.endswith("for both classes")


def correlated_latents(rho_qcd: float, rho_top: float, n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for rho in (rho_qcd, rho_top):
        cov = np.full((4, 4), rho) + (1 - rho) * np.eye(4)
        out.append(rng.multivariate_normal(np.zeros(4), cov, n))
    return np.concatenate(out), np.repeat([0, 1], n)


def test_correlation_finding_flips_with_the_classes():
    Z, y = correlated_latents(0.0, 0.8)
    m = latent.correlation_measurements(Z, y, np.arange(4), n_boot=30)
    signs, text = latent.correlation_finding(m, 4, CLASSES)
    assert signs == [1] and finding_verdict(signs) == REPRODUCED
    assert text.startswith("the correlation matrices of the 4 leading latents differ between QCD and "
                           "top jets by an RMS of")
    assert text.endswith("clearly more than statistics alone gives")
    Z, y = correlated_latents(0.5, 0.5)
    signs, text = latent.correlation_finding(latent.correlation_measurements(Z, y, np.arange(4), n_boot=30),
                                             4, CLASSES)
    assert signs == [0] and finding_verdict(signs) == INCONCLUSIVE
    assert text.endswith("no more than statistics alone gives, at this statistics")


def pc_jets(n: int = 300, seed: int = 0):
    """PC1 = the multiplicity plus noise; the mass follows it loosely in QCD, not in top jets."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n)
    mult = rng.normal(40, 8, 2 * n) + 20 * y
    pc1 = mult + rng.normal(0, 1, 2 * n)
    mass = np.where(y == 0, 2 * mult + rng.normal(0, 8, 2 * n), rng.normal(175, 10, 2 * n))
    return np.stack([pc1, rng.normal(0, 1, 2 * n)], 1), {"mass": mass, "multiplicity": mult}, y


def test_pc1_measurements_claims_and_finding():
    scores, obs, y = pc_jets()
    m = latent.pc1_measurements(scores, obs, y, BY_LABEL, n_boot=30)
    assert m["rho (QCD, multiplicity)"].value > 0.95 and abs(m["rho (top, mass)"].value) < 0.2
    claims = latent.pc1_claims(m, M(0.99, 0.005), BY_LABEL)
    assert claims["pc1_auc"].startswith("As a tagger on its own, the leading component reaches an AUC of")
    assert claims["pc1_auc"].endswith("clearly less than the network's output")
    follows = claims["pc1_follows"]
    assert "in top jets it follows the multiplicity clearly more closely than the mass" in follows
    signs, text = latent.pc1_mass_finding(m, BY_LABEL, {"QCD": 0.9, "top": 0.6})
    assert signs == [1, -1] and finding_verdict(signs) == NOT_REPRODUCED
    assert "in top jets (the paper, on the leaky PFN: 0.9 and 0.6)" in text
    assert text.endswith("follows it in QCD jets only")
    both = {"rho (QCD, mass)": M(0.9, 0.02), "rho (top, mass)": M(-0.7, 0.05)}
    signs, text = latent.pc1_mass_finding(both, BY_LABEL, {"QCD": 0.9, "top": 0.6})
    assert signs == [1, 1] and text.endswith("in both classes")
    unclear = {"rho (QCD, mass)": M(0.55, 0.1), "rho (top, mass)": M(0.45, 0.1)}
    assert latent.pc1_mass_finding(unclear, BY_LABEL, {"QCD": 0.9, "top": 0.6})[1].endswith(
        "clearly in no class")


def test_pca_caveats_name_the_leaky_network_and_the_pooled_class():
    assert "leaky PFN" in latent.pca_caveat(30) and "30 latents" in latent.pca_caveat(30)
    assert "both classes" in latent.pca_caveat(30, pooled=True)


# --------------------------------------------------------------------- the leak
def test_sci_and_the_axis_shift():
    assert leak._sci(4.2e-10) == "4.2 × 10⁻¹⁰" and leak._sci(0.0) == "0"
    text = leak.axis_shift_claim(np.array([0.1, 0.2, 0.3, np.nan, 0.8]), 0.8)
    assert text == ("for half of the top jets by less than 0.125 — 16% of the jet radius — and for "
                    "75% of them by less than a quarter of it")


def test_balance_claims():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 100)
    honest = rng.normal(0, 1e-10, 200)
    leaky = np.where(y == 1, rng.uniform(0.01, 0.1, 200), honest)
    out = leak.balance_claims({"honest axis": honest, "leaky": leaky}, y, CLASSES, n_boot=30)
    assert out["noise"].endswith("× 10⁻¹¹")
    assert out["noise_auc"].endswith("not beyond chance")
    assert out["split"].endswith("for 100% of the top jets and for 0% of the QCD jets")
    assert out["auc"].startswith("an AUC of 1.0000 ± 0.0000") and "with the honest axis" in out["auc"]
    louder = np.where(y == 1, 3, 1) * np.abs(honest)
    assert "clearly above chance" in leak.balance_claims({"h": louder, "l": leaky}, y, CLASSES,
                                                         n_boot=30)["noise_auc"]


def retraining(gain: float, seed: int = 0) -> tuple[LeakRetraining, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], 200)
    honest = np.clip(0.3 * y + rng.uniform(0, 0.7, 400), 0, 1)
    leaked = np.clip(honest + gain * y, 0, 1)
    return LeakRetraining(None, None, leaked, {}, {}), honest, y


def test_leak_measurements_and_gain_claim():
    retrained, honest, y = retraining(0.3)
    m = leak.leak_measurements(retrained, honest, y, n_boot=30)
    assert m["gain"].value == pytest.approx(m["leaky auc"].value - m["honest auc"].value)
    text = leak.leak_gain_claim(m, 0, 800)
    assert text.startswith("Retrained on the leaky inputs of its 800 training jets, the PFN of seed 0")
    assert text.endswith("a clear gain — the retrained PFN exploits the leak")
    same = leak.leak_gain_claim(leak.leak_measurements(*retraining(0.0), n_boot=30), 0, 800)
    assert same.endswith("does not measurably exploit the leak")


def angles(leaky_angle: Measurement, honest_angle: Measurement) -> dict:
    return {"leaky PFN": {"largest angle": leaky_angle, "leading dphi": leaky_angle},
            "honest PFN": {"largest angle": honest_angle, "leading dphi": honest_angle}}


def test_angle_claim_and_the_leak_finding():
    big = angles(M(0.11, 0.01), M(0.002, 0.001))
    assert "0.1100 ± 0.0100 for the leaky PFN, against 0.0020 ± 0.0010 for the honest PFN: clearly " \
        "larger" in leak.angle_claim(big, "leaky PFN", "honest PFN")
    signs, text = leak.leak_finding({"gain": M(0.02, 0.005)}, big, "leaky PFN", "honest PFN", 0.01)
    assert signs == [1, 1, 1] and finding_verdict(signs) == REPRODUCED
    assert text.endswith("not clearly above the paper's mark of 1% after the fix")
    small = angles(M(0.0012, 0.0004), M(0.0017, 0.0005))
    assert "indistinguishable at this statistics" in leak.angle_claim(small, "leaky PFN", "honest PFN")
    signs, _ = leak.leak_finding({"gain": M(0.02, 0.005)}, small, "leaky PFN", "honest PFN", 0.01)
    assert signs == [1, 0, 1] and finding_verdict(signs) == INCONCLUSIVE
    loud_honest = angles(M(0.2, 0.01), M(0.05, 0.005))
    signs, text = leak.leak_finding({"gain": M(0.0, 0.005)}, loud_honest, "leaky PFN", "honest PFN", 0.01)
    assert signs == [0, 1, -1] and finding_verdict(signs) == NOT_REPRODUCED
    assert "clearly above the paper's mark" in text


def test_particle_importance_study_is_particle_importance_with_spreads():
    jets = random_jets(n=40)
    p = pfn_features(jets)
    a, b = small_pfn(0), small_pfn(1)
    models = {"a": (a, p), "b": (b, leak.leaky_pfn_features(jets))}
    study = leak.particle_importance_study(models, jets.labels, n_leading=2, n_boot=10)
    plain = leak.particle_importance(models, jets.labels, 2)
    for name in models:
        np.testing.assert_allclose(study.importance[name], plain[name])
        m = study.measurements[name]
        assert m["largest angle"].value == pytest.approx(plain[name][:, 1:].max())
        assert m["leading dphi"].value == pytest.approx(plain[name][0, 2])
        assert m["largest momentum"].value == pytest.approx(plain[name][:, 0].max())
