"""Results as data: measurements, claims that follow them, and the chapters' result files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from helpers import book
from helpers.results import ChapterRecord, Measurement, bootstrap, compare, load_results, ranked
from helpers.results import record as record_module
from helpers.results.claims import clear_difference, combined_spread
from helpers.results.record import measurement


def test_measurement_of_repeated_values():
    m = Measurement.of([0.90, 0.92, 0.94])
    assert m.value == pytest.approx(0.92) and m.spread == pytest.approx(0.02) and m.n == 3
    assert m.text() == "0.920 ± 0.020"
    single = Measurement.of([0.9])
    assert math.isnan(single.spread) and single.text("{:.2f}") == "0.90"


def test_clear_differences_in_both_directions():
    a, b = Measurement(0.95, 0.01), Measurement(0.90, 0.01)  # 0.05 apart, combined 0.014
    assert clear_difference(a, b) == 1 and clear_difference(b, a) == -1
    assert compare("A", a, "B", b) == "A (0.950 ± 0.010) is larger than B (0.900 ± 0.010)"
    assert compare("B", b, "A", a, smaller="lies below") == "B (0.900 ± 0.010) lies below A (0.950 ± 0.010)"


def test_overlapping_measurements_are_indistinguishable():
    a, b = Measurement(0.95, 0.04), Measurement(0.92, 0.03)  # 0.03 apart, combined 0.05
    assert clear_difference(a, b) == 0
    assert compare("A", a, "B", b).endswith("are indistinguishable at this statistics")
    # a stricter criterion turns a 1.4-sigma difference into "indistinguishable"
    c, d = Measurement(0.95, 0.01), Measurement(0.93, 0.01)
    assert clear_difference(c, d, n_sigma=1) == 1 and clear_difference(c, d, n_sigma=2) == 0


def test_no_spread_means_no_claim():
    a, b = Measurement(0.99), Measurement(0.50)
    assert math.isnan(combined_spread(a, b)) and clear_difference(a, b) == 0
    assert compare("A", a, "B", b) == ("A (0.990) and B (0.500) cannot be told apart: a single "
                                       "run gives no spread to judge by")
    # one known spread is used alone
    assert combined_spread(Measurement(1.0, 0.3), Measurement(0.0)) == pytest.approx(0.3)


def test_ranked():
    items = {"x": Measurement(0.5, 0.01), "y": Measurement(0.9, 0.01), "z": Measurement(0.7, 0.01)}
    assert ranked(items) == (["y", "z", "x"], True)
    items["z"] = Measurement(0.89, 0.01)
    assert ranked(items) == (["y", "z", "x"], False)


def test_bootstrap_spread_of_a_mean():
    x = np.random.default_rng(0).normal(size=400)
    m = bootstrap(lambda idx: float(x[idx].mean()), len(x), n_boot=400, seed=1)
    assert m.value == pytest.approx(x.mean())
    assert m.spread == pytest.approx(x.std() / np.sqrt(len(x)), rel=0.2)


def test_chapter_record_glues_and_saves(tmp_path, monkeypatch):
    glued = {}
    monkeypatch.setattr(record_module, "_glue", lambda key, value: glued.__setitem__(key, value))
    rec = ChapterRecord("01_test", "ci", seeds=[0, 1], data_source="generated")
    rec.record("auc", Measurement.of([np.float64(0.93), np.float64(0.95)]), fmt="{:.2f}")
    rec.record("rej", float("inf"))
    rec.claim("verdict", compare("A", Measurement(1.0, 0.1), "B", Measurement(0.0, 0.1)))
    rec.used_jets(test=400)
    assert type(glued["auc"]) is float and glued["auc"] == pytest.approx(0.94)
    assert glued["auc.text"].data == "0.94 ± 0.01"
    assert "larger than" in glued["verdict"].data
    path = rec.save(tmp_path)
    saved = json.loads(path.read_text())
    assert saved["profile"] == "ci" and saved["seeds"] == [0, 1] and saved["jets"] == {"test": 400}
    assert saved["measurements"]["rej"] == {"value": None, "spread": None, "n": None}
    assert saved["versions"]["numpy"] == np.__version__
    back = load_results(tmp_path)["01_test"]
    assert measurement(back, "auc").value == pytest.approx(0.94)
    assert math.isinf(rec.measurements["rej"].value) and math.isnan(measurement(back, "rej").value)


def test_results_folder_follows_the_build(monkeypatch, tmp_path):
    assert book.execute.RESULTS_ENV == record_module.RESULTS_ENV
    monkeypatch.setenv(record_module.RESULTS_ENV, str(tmp_path))
    assert record_module.results_dir("ci") == tmp_path
    assert book.build_paths("ci", tmp_path).results == tmp_path.resolve() / "ci" / "results"


def test_unresolved_glue_keys_are_found_in_the_log():
    log = ["/x/nb.ipynb:10003: WARNING: No key 'auc' found in glue data for this document. "
           "(use `path::key`, to glue from another document) [mystnb.glue]",
           "/x/nb.ipynb:20002: WARNING: No source code lexer found for notebook cell 2"]
    assert book.unresolved_glue(log) == log[:1]


def test_finding_verdicts_need_every_part_and_fail_on_any_contradiction():
    from helpers.results import finding_verdict

    assert finding_verdict([1, 1]) == "reproduced"
    assert finding_verdict([1, 0]) == "inconclusive"
    assert finding_verdict([1, -1, 0]) == "not reproduced"
    assert finding_verdict([]) == "inconclusive"


def test_agrees_with_a_reference_within_n_spreads():
    from helpers.results import agrees_with

    assert agrees_with(Measurement(0.95, 0.01), 0.965) is True
    assert agrees_with(Measurement(0.95, 0.005), 0.97) is False
    assert agrees_with(Measurement(0.95), 0.97) is None and agrees_with(Measurement(3.0), 3.0)


def test_auc_measurement_uses_seeds_when_there_are_several_else_a_bootstrap():
    from helpers.results import auc_measurement

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 500)
    scores = [y + rng.normal(0, 1.0, y.size) for _ in range(3)]
    seeds = auc_measurement(y, scores)
    assert seeds.n == 3 and seeds.spread == pytest.approx(np.std(
        [record_module_auc(y, s) for s in scores], ddof=1))
    one = auc_measurement(y, scores[:1])
    assert one.n == y.size and 0.005 < one.spread < 0.03  # ~sqrt(AUC(1-AUC)/n)-ish


def record_module_auc(y, s):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, s)
