"""The tutorial page's timing record and session plans (helpers.studies.tutorial)."""

from __future__ import annotations

import json

import pytest

from helpers.studies import tutorial


def _timings(seconds: dict[str, float], state: str) -> dict:
    return {"chapters": seconds,
            "cache": {k: {"state": state, "hit": 1, "miss": int(state == "cold")} for k in seconds},
            "machine": {"cpus": 2, "processor": "x86_64", "system": "Linux", "python": "3.11"},
            "commit": "abc1234", "written": "2026-12-01T10:00:00+00:00"}


def _record_file(tmp_path, cold: dict, classroom: dict):
    path = tmp_path / "chapter_times.json"
    path.write_text(json.dumps({"standard": {
        "cold": _timings(cold, "cold"), "classroom": _timings(classroom, "cached"),
        "archive": {"bytes": 12_000_000, "export_s": 3.0, "import_s": 2.0}}}))
    return path


def test_plans_fill_sessions_in_book_order(tmp_path):
    # classroom minutes 5, 20, 1, 50 (+ 30 teaching each): 35, 50, 31, 80
    path = _record_file(tmp_path, {"00_jets": 1800, "01_topodnn": 2400, "02_lrp": 60, "03_nap": 3000},
                        {"00_jets": 300, "01_topodnn": 1200, "02_lrp": 60, "03_nap": 3000,
                         "scorecard": 5})
    rec = tutorial.load_times(path)["standard"]
    short, half = tutorial.plan_sessions(rec, sessions={"short": 90, "half": 210})
    assert short.chapters == ["00_jets", "01_topodnn"] and short.total_min == pytest.approx(85)
    assert short.execution_min == pytest.approx(25)
    assert short.alone == ["00_jets", "01_topodnn", "02_lrp", "03_nap"]
    assert half.chapters == ["00_jets", "01_topodnn", "02_lrp", "03_nap"]
    assert tutorial.plan_sessions(rec, sessions={"tiny": 34})[0].chapters == []
    assert tutorial.plan_sessions(rec, sessions={"tiny": 34})[0].alone == ["02_lrp"]


def test_times_table_and_sentence(tmp_path):
    path = _record_file(tmp_path, {"00_jets": 1800, "01_topodnn": 600},
                        {"00_jets": 60, "01_topodnn": 60})
    rec = tutorial.load_times(path)["standard"]
    table = tutorial.times_table({"standard": rec})
    assert table.loc["total", ("standard", "cold")] == pytest.approx(40)
    assert table.loc["00_jets", ("standard", "classroom")] == pytest.approx(1)
    sentence = tutorial.speedup_sentence(rec)
    assert "2 chapters take 40.0 min cold and 2.0 min" in sentence and "a factor 20.0" in sentence
    assert tutorial.page_text({"standard": rec})["sessions"] == \
        "a 90-minute session and a half-day session (210 min)"
    assert rec.machine.startswith("2 CPU cores") and rec.commit == "abc1234" and rec.date == "2026-12-01"


def test_bad_records_are_named(tmp_path):
    assert tutorial.load_times(tmp_path / "missing.json") == {}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(tutorial.TimesError, match="not valid JSON"):
        tutorial.load_times(bad)
    bad.write_text(json.dumps({"ci": {"cold": {}}}))
    with pytest.raises(tutorial.TimesError, match="'ci' lacks classroom, archive"):
        tutorial.load_times(bad)


def test_the_committed_record_covers_every_chapter_of_the_toc():
    """Every numbered chapter is in the records, or the page names it as not measured there
    (a record that predates a chapter never leaves it out silently)."""
    from helpers.book import discover_chapters

    records = tutorial.load_times()
    assert "standard" in records and "ci" in records, "run benchmarks/bench_chapters.py"
    numbered = sorted(c.name for c in discover_chapters() if tutorial.is_chapter(c.name))
    assert tutorial.book_chapters() == numbered
    gaps = tutorial.unmeasured(records, numbered)
    sentence = tutorial.page_text(records)["unmeasured"]
    for profile, missing in gaps.items():
        for chapter in missing:
            assert f"`{chapter}`" in sentence and f"`{profile}` record" in sentence
    for rec in records.values():
        for state in tutorial.STATES:
            measured = [c for c in numbered if c not in gaps[rec.profile]]
            assert set(measured) <= set(rec.chapters[state]), (rec.profile, state)
        assert set(rec.cache_states["classroom"].values()) == {"cached"}


def test_unmeasured_sentence():
    rec = tutorial.Record("standard", {s: {"00_jets": 1.0} for s in tutorial.STATES},
                          {}, 1.0, 1.0, 1.0, "m", "abc1234", "2026-12-01")
    assert tutorial.unmeasured_sentence({"standard": rec}, ["00_jets"]) == \
        "Every chapter of the book is in every record."
    s = tutorial.unmeasured_sentence({"standard": rec}, ["00_jets", "06_efp"])
    assert "`06_efp`" in s and "commit `abc1234`" in s and "--profile standard" in s


