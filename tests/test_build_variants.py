"""Builds never mix (helpers.book.paths.build_name, helpers.book.render.check_unmixed):
another seed or data source gets its own folder, and a folder whose executed chapters ran
with different options is refused before execution and at rendering, naming the chapters."""

from __future__ import annotations

import nbformat
import pytest

from helpers import book
from helpers.book.chapters import discover_chapters
from helpers.book.paths import build_name
from helpers.book.render import check_unmixed, executed_parameters, mixed_runs


def test_build_folder_is_named_by_what_changes_the_results(tmp_path):
    assert build_name("standard") == "standard"
    assert build_name("standard", "benchmark") == "standard-benchmark"
    assert build_name("ci", seed=1) == "ci-seed1"
    assert build_name("full", "benchmark", 2) == "full-benchmark-seed2"
    paths = book.build_paths("ci", tmp_path, data_source="benchmark", seed=3)
    assert paths.root == tmp_path.resolve() / "ci-benchmark-seed3"
    assert book.build_paths("ci", tmp_path).root == tmp_path.resolve() / "ci"


def _executed(paths, chapter, **params) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"profile": "ci", "seed": 0,
                                               "data_source": "generated", "data_dir": "",
                                               "device": "cpu", **params}}
    paths.executed(chapter).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, paths.executed(chapter))


def test_a_mixed_folder_is_refused_naming_the_chapters(tmp_path):
    chapters = discover_chapters()[:3]
    paths = book.build_paths("ci", tmp_path)
    for c in chapters:
        _executed(paths, c)
    check_unmixed(chapters, paths)  # one run: fine
    assert executed_parameters(paths.executed(chapters[0]))["data_source"] == "generated"
    _executed(paths, chapters[1], device="cuda")  # the device does not change the results
    check_unmixed(chapters, paths)
    _executed(paths, chapters[2], data_source="benchmark", data_dir="/data/top")
    with pytest.raises(book.BookError) as err:
        check_unmixed(chapters, paths)
    message = str(err.value)
    assert f"{chapters[0].name}, {chapters[1].name}: profile='ci', seed=0" in message
    assert f"{chapters[2].name}: profile='ci', seed=0, data_source='benchmark', " \
           "data_dir='/data/top'" in message
    # a planned run replaces what it re-executes: re-running the odd chapter mends the folder
    plan = {chapters[2].name: executed_parameters(paths.executed(chapters[0]))}
    check_unmixed(chapters, paths, plan)
    assert mixed_runs({}) is None


def test_build_refuses_before_executing_a_run_that_would_mix(tmp_path, capsys):
    chapters = discover_chapters()
    paths = book.build_paths("ci", tmp_path)
    _executed(paths, chapters[0], data_dir="")
    _executed(paths, chapters[1], data_source="benchmark", data_dir=str(tmp_path))
    code = book.main(["execute", "--profile", "ci", "--build-dir", str(tmp_path),
                      "--chapters", chapters[2].name])
    err = capsys.readouterr().err
    assert code == 1 and "must not mix them" in err and chapters[1].name in err
    assert not paths.executed(chapters[2]).exists()  # nothing was executed
    # rendering the mixed folder is refused as well
    assert book.main(["render", "--profile", "ci", "--build-dir", str(tmp_path)]) == 1
    assert "must not mix them" in capsys.readouterr().err
