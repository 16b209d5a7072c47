"""Chapters side by side (``--jobs N``): the dependency table, the scheduler's order and
thread budget, failures, and the table checked against a real build's cache accesses."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import book
from helpers.book.chapters import NEEDS, Chapter, chapter_needs, dependents
from helpers.book.errors import ChapterExecutionError
from helpers.book.execute import THREAD_VARIABLES, thread_budget

ROOT = Path(__file__).resolve().parents[1]


def _chapters(*names: str) -> list[Chapter]:
    return [Chapter(n, f"notebooks/{n}", ROOT / "notebooks" / f"{n}.py") for n in names]


def test_needs_follow_through_chapters_not_run():
    table = {"a": (), "b": ("a",), "c": ("b",), "d": ()}
    needs = chapter_needs(_chapters("a", "c", "d", "x"), table)
    assert needs == {"a": [], "c": ["a"], "d": [], "x": ["a", "c", "d"]}  # x: not in the table
    assert dependents(needs) == {"a": {"c", "x"}, "c": {"x"}, "d": {"x"}, "x": set()}


def test_every_toc_chapter_is_in_the_table_or_waits_for_all():
    chapters = book.discover_chapters()
    needs = chapter_needs(chapters)
    names = [c.name for c in chapters]
    for c in chapters:
        if c.name not in NEEDS:  # e.g. the scorecard: reads every chapter's results
            assert needs[c.name] == names[: names.index(c.name)]
        for need in NEEDS.get(c.name, ()):
            assert need in names and names.index(need) < names.index(c.name), (c.name, need)
    assert needs["06_efp"] == ["00_jets", "01_topodnn", "04_pfn", "05_recnn"]


def test_thread_budget(monkeypatch):
    for var in THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    assert thread_budget(2, cpus=2) == dict.fromkeys(THREAD_VARIABLES, "1")
    assert thread_budget(2, cpus=8)["OMP_NUM_THREADS"] == "4"
    assert thread_budget(4, cpus=2)["JETBOOK_TORCH_THREADS"] == "1"
    monkeypatch.setenv("JETBOOK_TORCH_THREADS", "3")
    budget = thread_budget(2, cpus=2)  # the user's choice wins, the rest are still set
    assert "JETBOOK_TORCH_THREADS" not in budget and budget["OPENBLAS_NUM_THREADS"] == "1"


def test_thread_budget_reaches_the_libraries(monkeypatch):
    """A kernel started with the budget sees one BLAS / OpenMP thread, as numpy, scipy and
    scikit-learn load their pools (names the installed libraries actually read)."""
    for var in THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    code = ("import numpy, scipy.linalg, sklearn.ensemble, threadpoolctl, torch;"
            "from helpers.config import setup_device; setup_device('cpu');"
            "pools = threadpoolctl.threadpool_info();"
            "print(max(p['num_threads'] for p in pools), torch.get_num_threads(), len(pools))")
    env = {**os.environ, **thread_budget(4, cpus=4)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[:2] == ["1", "1"] and int(out[2]) >= 1, out


def test_execution_error_survives_pickling():
    err = ChapterExecutionError("notebook x failed in cell 3", notebook="x.py", cell_index=3,
                                exec_count=2, ename="ValueError", evalue="bad",
                                output_path=Path("/tmp/x.ipynb"))
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, ChapterExecutionError) and str(back) == str(err)
    assert (back.notebook, back.cell_index, back.ename, back.output_path) == \
        ("x.py", 3, "ValueError", Path("/tmp/x.ipynb"))


NOTEBOOK = '''\
# %% tags=["parameters"]
profile = "ci"
device = "cpu"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import json, os, pathlib, time
start = time.time()
time.sleep({sleep})
{fail}
pathlib.Path({stamp!r}).write_text(json.dumps(
    {{"start": start, "end": time.time(), "threads": os.environ.get("JETBOOK_TORCH_THREADS")}}))
'''


def _write(tmp_path: Path, name: str, sleep: float, fail: bool = False) -> Chapter:
    source = tmp_path / "src" / f"{name}.py"
    source.parent.mkdir(exist_ok=True)
    stamp = tmp_path / f"{name}.json"
    source.write_text(NOTEBOOK.format(sleep=sleep, stamp=str(stamp),
                                      fail="raise RuntimeError('planted')" if fail else ""))
    return Chapter(name, f"notebooks/{name}", source)


def _stamp(tmp_path: Path, name: str) -> dict:
    return json.loads((tmp_path / f"{name}.json").read_text())


@pytest.mark.slow
def test_two_jobs_run_independent_chapters_side_by_side(tmp_path, monkeypatch):
    """b and c need only a; d needs c. With two jobs b and c overlap, d starts after c, and
    a chapter that can overlap gets half the cores."""
    monkeypatch.delenv("JETBOOK_TORCH_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    for name, needs in {"jb_a": (), "jb_b": ("jb_a",), "jb_c": ("jb_a",), "jb_d": ("jb_c",)}.items():
        monkeypatch.setitem(NEEDS, name, needs)
    chapters = [_write(tmp_path, "jb_a", 0), _write(tmp_path, "jb_b", 4),
                _write(tmp_path, "jb_c", 4), _write(tmp_path, "jb_d", 0)]
    paths = book.BuildPaths(tmp_path / "build" / "ci")
    runs = book.execute_chapters(chapters, paths, book.RunOptions(profile="ci", device="cpu",
                                                                  jobs=2))
    assert list(runs) == ["jb_a", "jb_b", "jb_c", "jb_d"]  # reported in toc order
    a, b, c, d = (_stamp(tmp_path, n) for n in ("jb_a", "jb_b", "jb_c", "jb_d"))
    assert b["start"] > a["end"] and c["start"] > a["end"]
    assert b["start"] < c["end"] and c["start"] < b["end"], "b and c did not overlap"
    assert d["start"] > c["end"]
    assert b["threads"] == c["threads"] == "1"
    assert a["threads"] is None  # nothing can run beside the first chapter: every core


@pytest.mark.slow
def test_a_failure_stops_what_waits_and_names_the_cell(tmp_path, monkeypatch):
    for name, needs in {"jf_a": (), "jf_b": ("jf_a",), "jf_c": ()}.items():
        monkeypatch.setitem(NEEDS, name, needs)
    chapters = [_write(tmp_path, "jf_a", 0, fail=True), _write(tmp_path, "jf_b", 0),
                _write(tmp_path, "jf_c", 1)]
    paths = book.BuildPaths(tmp_path / "build" / "ci")
    with pytest.raises(ChapterExecutionError, match="planted") as info:
        book.execute_chapters(chapters, paths, book.RunOptions(profile="ci", device="cpu", jobs=2))
    assert info.value.notebook == "jf_a" and info.value.cell_index is not None
    assert not (tmp_path / "jf_b.json").exists()  # never started: it needs the failed one
    with pytest.raises(book.BookError, match="1 chapter"):
        book.execute_chapters(chapters, paths, book.RunOptions(profile="ci", device="cpu",
                                                               jobs=2, keep_going=True))
    assert (tmp_path / "jf_b.json").exists() and (tmp_path / "jf_c.json").exists()


def test_jobs_must_be_positive():
    with pytest.raises(book.BookError, match="--jobs must be at least 1"):
        book.RunOptions(profile="ci", device="cpu", jobs=0).validate()


def test_a_chapters_cpu_time_counts_the_processes_it_starts(tmp_path):
    """A chapter's CPU seconds include those of the processes its kernel waits for (the
    generation workers): here a child that burns CPU in a grandchild, and the child itself."""
    from helpers.book.execute import _run_with_access_log

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n"
    child = ("import subprocess, sys\n"
             f"subprocess.run([sys.executable, '-c', {burn!r}], check=True)\n" + burn)

    def run(env):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", child], check=True)
        return time.perf_counter() - start

    result = _run_with_access_log(book.BuildPaths(tmp_path / "build" / "ci"),
                                  _chapters("00_jets")[0], run)
    assert result.cpu_seconds >= 0.75  # 0.4 s in each of the two processes
    assert result.cpu_seconds <= result.seconds * (os.cpu_count() or 1) + 0.1
    assert 0 < result.cores <= (os.cpu_count() or 1) + 0.1
