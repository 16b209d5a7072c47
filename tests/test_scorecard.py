"""The reproduction scorecard: verdicts that follow the numbers, runs that never mix."""

from __future__ import annotations

import json

import pytest

from helpers import published
from helpers.results import ChapterRecord, Measurement
from helpers.studies import scorecard
from helpers.studies.scorecard import AGREES, DIFFERS, NOT_COMPARABLE, quantity_verdict

AUC = published.value("khot.topodnn.auc")


def test_exact_quantities_agree_or_differ_exactly_on_any_samples():
    n = published.value("khot.topodnn.parameters")
    assert quantity_verdict("khot.topodnn.parameters", Measurement(n), "generated")[0] == AGREES
    assert quantity_verdict("khot.topodnn.parameters", Measurement(n + 1), "generated")[0] == DIFFERS


def test_measured_values_follow_their_spread_on_the_same_samples():
    near, far = Measurement(AUC + 0.003, 0.002), Measurement(AUC - 0.02, 0.002)
    assert quantity_verdict("khot.topodnn.auc", near, "benchmark")[0] == AGREES
    verdict, _ = quantity_verdict("khot.topodnn.auc", far, "benchmark")
    assert verdict == DIFFERS
    # the same numbers on generated jets are not comparable, with the reason
    verdict, reason = quantity_verdict("khot.topodnn.auc", near, "generated")
    assert verdict == NOT_COMPARABLE and "particle-level" in reason
    # Cheng's samples are never ours; no spread, no judgement; a caveat wins
    assert quantity_verdict("cheng.auc.w_qcd", Measurement(0.957, 0.01), "benchmark")[0] == NOT_COMPARABLE
    verdict, reason = quantity_verdict("khot.topodnn.auc", Measurement(AUC + 0.01), "benchmark")
    assert verdict == NOT_COMPARABLE and "spread" in reason
    verdict, reason = quantity_verdict("khot.topodnn.auc", near, "benchmark", caveat="other latents")
    assert (verdict, reason) == (NOT_COMPARABLE, "other latents")


def test_values_from_the_leaky_pfn_compare_only_with_our_leaky_pfn():
    leaky_pca = [k for k, e in published.PUBLISHED.items() if e.leaky and "leaky" not in k]
    assert leaky_pca, "the table flags no leaky-era value"
    verdict, reason = quantity_verdict(leaky_pca[0], Measurement(0.9, 0.01), "benchmark")
    assert verdict == NOT_COMPARABLE and "leak" in reason


def _record(folder, chapter, seed=0, profile="ci", value=AUC, spread=0.001):
    r = ChapterRecord(chapter, profile, [seed], "benchmark", glue=False, explains="why")
    r.record("topodnn_auc", Measurement(value, spread, 3), published="khot.topodnn.auc")
    r.finding("finding_shap_dauc_lrp", "reproduced", "SHAP and ΔAUC agree ($\\tau$ 0.9).")
    r.save(folder)


def test_scorecard_reads_only_the_runs_of_this_build(tmp_path):
    _record(tmp_path, "01_topodnn")
    _record(tmp_path, "03_nap", seed=7)  # an earlier build with another seed
    runs = scorecard.load_runs(tmp_path, "ci", 0, "benchmark")
    assert list(runs.used) == ["01_topodnn"] and "seed 7" in runs.skipped["03_nap"]
    q = scorecard.quantity_frame(runs)
    assert q["quantity"].tolist() == ["khot.topodnn.auc"] and q["verdict"].tolist() == [AGREES]
    f = scorecard.findings_frame(runs).set_index("chapter")
    assert f.loc["01_topodnn", "verdict"] == "reproduced"
    assert (f.loc["05_recnn", "verdict"] == "not run in this build").all()
    assert "\\(\\tau\\)" in scorecard.findings_html(f.reset_index())
    path = scorecard.save_scorecard(q, f.reset_index(), tmp_path)
    assert json.loads(path.read_text())["quantities"][0]["verdict"] == AGREES
    assert "scorecard" not in scorecard.load_runs(tmp_path, "ci", 0, "benchmark").skipped


def test_a_run_that_moves_away_flips_the_verdict_and_links_the_explanation(tmp_path):
    _record(tmp_path, "01_topodnn", value=AUC - 0.05, spread=0.002)
    q = scorecard.quantity_frame(scorecard.load_runs(tmp_path, "ci", 0, "benchmark"))
    assert q["verdict"].tolist() == [DIFFERS]
    assert 'href="01_topodnn.html#why"' in scorecard.quantity_html(q, "khot", "benchmark")
    assert "No chapter" in scorecard.quantity_html(q, "cheng", "benchmark")


def test_record_refuses_unknown_published_keys_and_verdicts():
    r = ChapterRecord("01_topodnn", "ci", [0], glue=False)
    with pytest.raises(KeyError, match="no published value"):
        r.record("x", 0.5, published="khot.topodnn.aucc")
    with pytest.raises(ValueError, match="not one of"):
        r.finding("f", "probably", "")


def test_describe_published_keys():
    assert scorecard.describe("cheng.transfer.w_qcd.top_qcd") == "transfer AUC, W/QCD → top/QCD"
    assert scorecard.describe("khot.topodnn.rejection_0.3") == \
        r"TopoDNN $1/\varepsilon_B$ at $\varepsilon_S = 0.3$"
    assert scorecard.describe("cheng.r2.top_qcd.tau32") == r"probe R², top/QCD: $\tau_{32}$"
    assert scorecard.describe("khot.topodnn.sparsity.QCD") == "TopoDNN NAP sparsity (QCD)"
    assert scorecard.describe("khot.pca.rho_mass.top") == "PFN latent PCA ρ(PC1, jet mass) (top)"


def test_every_finding_names_a_chapter_of_the_book():
    from helpers import book

    chapters = {c.name for c in book.discover_chapters()}
    for f in scorecard.FINDINGS:
        assert f.chapter in chapters and f.paper in scorecard.PAPERS
