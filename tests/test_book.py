"""The book pipeline (helpers.book): execution, error reporting, rendering, and the
rendered pages in a real headless browser.

The slow tests build the whole book once on the ``ci`` profile into a temporary folder
(``JETBOOK_TEST_BUILD_DIR`` keeps it somewhere instead).  Generated data are cached in
``$JETBOOK_CACHE`` (default: the repository's ``.cache``), so repeated runs reuse them.
"""

from __future__ import annotations

import ast
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from conftest import CHROMEDRIVER, CHROMIUM, ROOT, skip_or_fail

from helpers import book
from helpers.config import get_profile

CHAPTERS = book.discover_chapters(ROOT)
CHAPTER_IDS = [c.name for c in CHAPTERS]
BUILD_TIMEOUT = float(os.environ.get("JETBOOK_TEST_TIMEOUT", 3600))
PARAMETER_DEFAULTS = {
    "profile": "standard", "device": "auto", "seed": 0, "data_source": "generated", "data_dir": "",
}


# --------------------------------------------------------------------------- fast tests


def test_chapters_come_from_the_toc():
    assert CHAPTERS, "_toc.yml lists no notebooks/ chapter"
    numbered = [c.name for c in CHAPTERS if c.name[:2].isdigit()]
    assert numbered[0] == "00_jets" and numbered == sorted(numbered)
    for chapter in CHAPTERS:
        assert chapter.source.is_file()
        assert chapter.source.parent == ROOT / "notebooks"
    assert len(set(CHAPTER_IDS)) == len(CHAPTER_IDS)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=CHAPTER_IDS)
def test_chapter_parameters_cell(chapter):
    """First code cell is tagged `parameters` and defines the book-wide parameters."""
    import jupytext

    nb = jupytext.read(chapter.source)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{chapter.source} has no code cell"
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), (
        f"{chapter.source}: the first code cell must be tagged parameters"
    )
    values = {}
    for node in ast.parse(first.source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    values[target.id] = ast.literal_eval(node.value)
    for name, default in PARAMETER_DEFAULTS.items():
        assert name in values, f"{chapter.source}: parameters cell does not define {name}"
        assert values[name] == default, f"{chapter.source}: {name} = {values[name]!r}, expected {default!r}"


def test_select_chapters():
    assert book.select_chapters(CHAPTERS, None) == CHAPTERS
    assert [c.name for c in book.select_chapters(CHAPTERS, ["00_jets"])] == ["00_jets"]
    assert [c.name for c in book.select_chapters(CHAPTERS, ["notebooks/00_jets.py"])] == ["00_jets"]
    with pytest.raises(book.BookError, match="unknown chapter.*99_nope"):
        book.select_chapters(CHAPTERS, ["99_nope"])


def testfilter_toc_drops_missing_chapters_and_empty_parts():
    toc = {"format": "jb-book", "root": "book/intro", "parts": [
        {"caption": "A", "chapters": [{"file": "book/running"}]},
        {"caption": "B", "chapters": [{"file": "notebooks/00_x"}, {"file": "notebooks/01_y"}]},
        {"caption": "C", "chapters": [{"file": "notebooks/02_z"}]},
    ]}
    out = book.filter_toc(toc, {"notebooks/01_y"})
    assert book.toc_entries(out) == ["book/intro", "book/running", "notebooks/01_y"]
    assert [p["caption"] for p in out["parts"]] == ["A", "B"]


def test_cli_rejects_unknown_chapter(capsys):
    assert book.main(["execute", "--profile", "ci", "--chapters", "99_nope"]) == 1
    assert "unknown chapter" in capsys.readouterr().err


def test_cell_timeout():
    assert book.cell_timeout("ci") == get_profile("ci").cell_timeout
    assert book.cell_timeout("full", 12) == 12
    with pytest.raises(book.BookError):
        book.cell_timeout("ci", 0)


def test_cited_keys_exist_in_bibliography():
    """Every {cite}`key` in the prose and the chapters has an entry in book/references.bib."""
    import re

    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,\s]+),", bib, re.M))
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "book").glob("*.md")) + [c.source for c in CHAPTERS]:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", path.read_text()):
            for key in group.split(","):
                used.setdefault(key.strip(), set()).add(path.relative_to(ROOT).as_posix())
    missing = {k: sorted(v) for k, v in used.items() if k not in keys}
    assert not missing, f"cited but not in book/references.bib: {missing}"


def test_run_options_validation(tmp_path):
    with pytest.raises(book.BookError, match="needs --data-dir"):
        book.RunOptions(profile="ci", device="cpu", data_source="benchmark").validate()
    with pytest.raises(book.BookError, match="not a directory"):
        book.RunOptions(profile="ci", device="cpu", data_source="benchmark",
                        data_dir=str(tmp_path / "nope")).validate()
    opts = book.RunOptions(profile="ci", device="cpu", data_source="benchmark", data_dir=str(tmp_path))
    opts.validate()
    assert opts.parameters()["data_dir"] == str(tmp_path.resolve())


FAILING_NOTEBOOK = '''\
# %% [markdown]
# # A notebook that fails

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import os
import pathlib
print("PROGRESS", os.environ.get("JETBOOK_PROGRESS"))
print("CWD", pathlib.Path.cwd())
print("PROFILE", profile, seed)

# %%
x = 1
raise ValueError("deliberate failure 1234")

# %%
print("never reached")
'''


def test_failing_cell_names_notebook_and_cell(tmp_path):
    """A raising cell stops execution with a message naming the notebook and the cell."""
    source = tmp_path / "99_failing.py"
    source.write_text(FAILING_NOTEBOOK)
    output = tmp_path / "out" / "99_failing.ipynb"
    with pytest.raises(book.ChapterExecutionError) as info:
        book.execute_notebook(source, output, {"profile": "ci", "seed": 7}, timeout=120,
                              name="99_failing.py")
    err = info.value
    message = str(err)
    assert "99_failing.py" in message
    assert f"cell {err.cell_index}" in message
    assert err.ename == "ValueError" and "deliberate failure 1234" in message
    assert 'raise ValueError("deliberate failure 1234")' in message  # the cell's source
    line = FAILING_NOTEBOOK.splitlines().index("x = 1") + 1
    assert f"99_failing.py:{line}" in message  # where to look in the .py source
    # the partially executed notebook is kept, with the failing cell at cell_index
    nb = nbformat.read(output, as_version=4)
    failed = nb.cells[err.cell_index]
    assert "deliberate failure" in failed.source
    assert any(o.get("output_type") == "error" for o in failed.outputs)
    # earlier cells ran with the injected parameters, in the repo root, progress bars off
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "PROGRESS 0" in text
    assert f"CWD {ROOT}" in text
    assert "PROFILE ci 7" in text
    assert book.notebook_errors(output)


def test_cell_timeout_names_the_cell(tmp_path):
    source = tmp_path / "98_slow.py"
    source.write_text('# %% tags=["parameters"]\nprofile = "standard"\n\n'
                      '# %%\nimport time\ntime.sleep(60)\n')
    with pytest.raises(book.ChapterExecutionError) as info:
        book.execute_notebook(source, tmp_path / "out.ipynb", {"profile": "ci"}, timeout=2)
    message = str(info.value)
    assert "98_slow.py" in message and "time.sleep(60)" in message
    assert "98_slow.py:5" in message and "timed out" in message


EXERCISE_NOTEBOOK = """# %% tags=["parameters"]
profile = "standard"

# %% [markdown]
# ## Exercises
#
# ```{exercise-start}
# :label: ex-toy
# ```
# Compute something.
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-toy
# :class: dropdown
# ```
# The solution's prose.

# %%
answer = 6 * 7
SOLUTION_LINE

# %% [markdown]
# Its last words.
# ```{solution-end}
# ```
# After the solution.
"""


def test_a_broken_solution_fails_the_build_like_any_cell(tmp_path):
    source = tmp_path / "97_exercise.py"
    source.write_text(EXERCISE_NOTEBOOK.replace("SOLUTION_LINE", 'raise ValueError("wrong solution")'))
    with pytest.raises(book.ChapterExecutionError) as info:
        book.execute_notebook(source, tmp_path / "out.ipynb", {}, timeout=120)
    assert "wrong solution" in str(info.value) and "97_exercise.py" in str(info.value)


def test_student_edition_cuts_the_solutions_reader_edition_keeps_them():
    import jupytext

    from helpers.book.render import strip_solutions

    nb = jupytext.reads(EXERCISE_NOTEBOOK.replace("SOLUTION_LINE", "print(answer)"), fmt="py:percent")
    kept = strip_solutions(nb.cells)
    text = "\n".join(c.source for c in kept)
    assert "Compute something." in text and "After the solution." in text
    assert "solution" not in text.replace("After the solution.", "")
    assert not any("answer" in c.source for c in kept)  # the solution's code cell is gone
    assert len(nb.cells) == 4 and len(kept) == 3
    broken = jupytext.reads("# %% [markdown]\n# ```{solution-start} ex\n# ```\n# no end\n",
                            fmt="py:percent")
    with pytest.raises(book.BookError, match="no {solution-end}"):
        strip_solutions(broken.cells)
    assert book.build_paths("ci", "/tmp/b", "student").html.name == "html-student"
    with pytest.raises(ValueError, match="unknown edition"):
        book.build_paths("ci", "/tmp/b", "teacher")


def test_figures_and_exercises_are_numbered_per_chapter():
    from helpers.book.sphinx_extension import chapter_number, renumber

    assert chapter_number("notebooks/01_topodnn") == 1 and chapter_number("notebooks/00_jets") == 0
    assert chapter_number("notebooks/scorecard") is None and chapter_number("book/intro") is None
    sphinx = {  # Sphinx's one sequence through the book, in toc order
        "notebooks/00_jets": {"figure": {"a": (1,), "b": (2,)}},
        "notebooks/01_topodnn": {"figure": {"d": (4,), "c": (3,)}, "exercise": {"e1": (1,), "e2": (2,)}},
        "notebooks/02_lrp": {"exercise": {"e3": (3,)}},
        "notebooks/scorecard": {"figure": {"s": (5,)}},
    }
    assert renumber(sphinx) == {
        "notebooks/00_jets": {"figure": {"a": (0, 1), "b": (0, 2)}},
        "notebooks/01_topodnn": {"figure": {"c": (1, 1), "d": (1, 2)},
                                 "exercise": {"e1": (1, 1), "e2": (1, 2)}},
        "notebooks/02_lrp": {"exercise": {"e3": (2, 1)}},
        "notebooks/scorecard": {"figure": {"s": (1,)}},
    }


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/hep-ml/jet-book", "https://github.com/hep-ml/jet-book"),
    ("https://github.com/hep-ml/jet-book.git", "https://github.com/hep-ml/jet-book"),
    ("git@github.com:hep-ml/jet-book.git", "https://github.com/hep-ml/jet-book"),
    ("https://gitlab.cern.ch/hep-ml/jet-book", ""),  # the theme's launch buttons need GitHub
    ("not a url", ""),
])
def test_repository_url_of_the_launch_buttons(tmp_path, monkeypatch, url, expected):
    from helpers.book.render import REPOSITORY_ENV, repository_url

    monkeypatch.delenv(REPOSITORY_ENV, raising=False)
    assert repository_url({"repository": {"url": url}}, tmp_path) == expected
    monkeypatch.setenv(REPOSITORY_ENV, url)
    assert repository_url({"repository": {"url": "https://github.com/other/repo"}}, tmp_path) == expected
    monkeypatch.delenv(REPOSITORY_ENV)
    assert repository_url({}, tmp_path) == ""  # not a git checkout, no origin


def test_launch_links_open_the_jupytext_source():
    from helpers.book.sphinx_extension import _launch_links_to_sources

    binder = "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/01_topodnn.ipynb"
    context = {"header_buttons": [
        {"label": "download-buttons", "buttons": [{"url": "../_sources/notebooks/01_topodnn.ipynb"}]},
        {"label": "launch-buttons", "buttons": [{"url": binder}]}]}
    _launch_links_to_sources(None, "notebooks/01_topodnn", "page.html", context, None)
    assert context["header_buttons"][1]["buttons"][0]["url"].endswith("notebooks/01_topodnn.py")
    # the download stays the executed notebook
    assert context["header_buttons"][0]["buttons"][0]["url"].endswith("01_topodnn.ipynb")


def test_cache_summary_counts_a_chapters_accesses(tmp_path):
    log = tmp_path / "cache-01.log"
    log.write_text("hit\tjets\ta.h5\nmiss\tmodels\tm.pt\nwrite\tmodels\tm.pt\nhit\tjets\tb.h5\n")
    summary = book.cache_summary(log)
    assert (summary["hit"], summary["miss"], summary["write"]) == (2, 1, 1)
    assert summary["by_kind"]["models"] == {"hit": 0, "miss": 1, "write": 1}
    assert book.ChapterRun(1.0, summary).state == "cold"
    assert book.ChapterRun(1.0, book.cache_summary(tmp_path / "none.log")).state == "cached"


def test_jupyter_book_failure_fails_render(tmp_path):
    """A jupyter-book (Sphinx) error makes rendering fail, with the log's tail."""
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "_config.yml").write_text(
        "title: broken\nsphinx:\n  extra_extensions:\n    - no_such_sphinx_extension_xyz\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    paths = book.BuildPaths(tmp_path / "_build" / "ci")
    with pytest.raises(book.BookError, match="jupyter-book build failed"):
        book.render_book([], paths, root=tmp_path)


# --------------------------------------------------------------------------- full ci build


def _build_ci(build_dir, seed: int = 0):
    """Build the whole book (execute + render) on the ci profile with training seed ``seed``."""
    cmd = [sys.executable, "-m", "helpers.book", "build", "--profile", "ci",
           "--build-dir", str(build_dir), "--seed", str(seed)]
    source_files = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"book build did not finish in {BUILD_TIMEOUT:.0f} s:\n{err.stdout}\n{err.stderr}")
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        pytest.fail(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}")
    print(f"\nci book build (seed {seed}): {elapsed:.1f} s\n{proc.stdout}")
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == source_files, \
        "the build wrote into notebooks/ (it must only write to the build folder)"
    paths = book.build_paths("ci", build_dir, seed=seed)
    assert paths.root.name == ("ci" if seed == 0 else f"ci-seed{seed}")  # its own folder
    return paths, proc.stdout


@pytest.fixture(scope="module")
def built_book(tmp_path_factory):
    """The whole book built once on the ci profile (seed 0)."""
    return _build_ci(os.environ.get("JETBOOK_TEST_BUILD_DIR") or tmp_path_factory.mktemp("book"))


@pytest.fixture(scope="module")
def built_book_other_seed(tmp_path_factory):
    """The whole book built again on the ci profile with other training seeds."""
    return _build_ci(tmp_path_factory.mktemp("book-seed1"), seed=1)


@pytest.mark.slow
def test_build_executes_and_renders_every_chapter(built_book):
    paths, stdout = built_book
    assert (paths.html / "index.html").is_file()
    assert f"book: {paths.html / 'index.html'}" in stdout
    timings = json.loads(paths.timings.read_text())
    for chapter in CHAPTERS:
        executed = paths.executed(chapter)
        assert executed.is_file(), f"no executed notebook for {chapter.name}"
        assert book.notebook_errors(executed) == [], f"error outputs in {executed}"
        nb = nbformat.read(executed, as_version=4)
        params = nb.metadata["papermill"]["parameters"]
        assert params["profile"] == "ci" and params["data_source"] == "generated"
        assert any(o.get("output_type") in ("display_data", "execute_result")
                   and "image/png" in o.get("data", {})
                   for c in nb.cells for o in c.get("outputs", [])), f"{chapter.name}: no figure"
        assert paths.page(chapter).is_file(), f"no HTML page for {chapter.name}"
        assert chapter.name in timings["chapters"]
        assert f"{chapter.name}: executed in" in stdout
    for page in ("book/intro", "book/running", "book/data", "book/references"):
        assert (paths.html / f"{page}.html").is_file()


@pytest.mark.slow
def test_chapter_needs_cover_the_cache_entries_they_read(built_book):
    """Under --jobs a chapter starts once the chapters in its helpers.book.chapters.NEEDS
    have finished: every cache entry it reads that another chapter of this build wrote
    must come from one of them, or from a chapter it may run beside (SHARED: the entry's
    lock makes it wait), and no entry is made twice (two chapters side by side making the
    same sample or model)."""
    from helpers.book.chapters import chapter_needs, may_share
    from helpers.cache import read_access_log

    paths, _ = built_book
    events = {c.name: read_access_log(paths.logs / f"cache-{c.name}.log") for c in CHAPTERS
              if (paths.logs / f"cache-{c.name}.log").is_file()}
    writers: dict[tuple[str, str], list[str]] = {}
    for name, lines in events.items():
        for event, kind, entry in lines:
            if event == "write" and name not in writers.setdefault((kind, entry), []):
                writers[kind, entry].append(name)
    if not writers:
        pytest.skip("the cache was warm: this build wrote nothing to check the table against")
    twice = {f"{k}/{e}": w for (k, e), w in writers.items() if len(w) > 1}
    assert not twice, f"cache entries made by more than one chapter: {twice}"
    needs = chapter_needs(CHAPTERS)
    unmet = sorted({f"{name} reads {kind}/{entry} from {writers[kind, entry][0]}"
                    for name, lines in events.items() for event, kind, entry in lines
                    if event == "hit" and writers.get((kind, entry), [name])[0] != name
                    and writers[kind, entry][0] not in needs[name]
                    and not may_share(name, writers[kind, entry][0])})
    assert not unmet, "add these to helpers.book.chapters.NEEDS:\n" + "\n".join(unmet)


# --------------------------------------------------------------------------- browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test log clean
        pass


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Headless Chromium driven by the system chromedriver (selenium-manager never runs)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        skip_or_fail(f"{CHROMIUM} or {CHROMEDRIVER} not installed "
                     "(apt-get install chromium chromium-driver, or run `make test`)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1280,1024"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    drv = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def server(built_book):
    """The rendered HTML served over http on 127.0.0.1 (free port)."""
    paths, _ = built_book
    handler = functools.partial(_QuietHandler, directory=str(paths.html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _open(driver, url):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _images_loaded(driver) -> list[dict]:
    """Scroll every image into view, wait for it, return the ones that did not load."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    script_state = """
        return Array.from(document.images).map(i => ({
            src: i.currentSrc || i.src, complete: i.complete, width: i.naturalWidth}));"""
    driver.execute_script("Array.from(document.images).forEach(i => i.scrollIntoView());")
    try:
        WebDriverWait(driver, 20).until(
            lambda d: all(i["complete"] for i in d.execute_script(script_state)))
    except TimeoutException:
        pass
    return [i for i in driver.execute_script(script_state) if not (i["complete"] and i["width"] > 0)]


def _assert_no_error_output(driver, where):
    n_tracebacks = driver.execute_script(
        "return document.querySelectorAll('.output.traceback, .traceback, .output.error, "
        "div.cell_output .ansi-red-fg').length;")
    assert n_tracebacks == 0, f"{where}: {n_tracebacks} error output(s)"
    text = driver.execute_script("return document.body.innerText;")
    assert "Traceback (most recent call last)" not in text, f"{where}: traceback in page"
    assert "An Exception was encountered" not in text, f"{where}: papermill error cell"


@pytest.mark.slow
def test_index_page_and_navigation(driver, server):
    _open(driver, f"{server}/index.html")  # redirects to the root page
    assert driver.current_url.endswith("/book/intro.html")
    assert "How deep jet taggers think" in driver.title
    h1 = driver.execute_script("return document.querySelector('article h1, main h1')?.textContent")
    assert h1 and "How deep jet taggers think" in h1
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('nav a[href], .bd-sidebar a[href]'))"
        ".map(a => a.href);")
    for chapter in CHAPTERS:
        target = f"{server}/{chapter.toc_file}.html"
        assert target in hrefs, f"navigation has no link to {chapter.name} ({target})"
    for page in ("book/running", "book/data", "book/references"):
        assert f"{server}/{page}.html" in hrefs
    _assert_no_error_output(driver, "index")
    assert not _images_loaded(driver)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=CHAPTER_IDS)
def test_chapter_page_in_browser(driver, server, chapter):
    url = f"{server}/{chapter.toc_file}.html"
    _open(driver, url)
    assert driver.current_url == url
    h1 = driver.execute_script("return document.querySelector('article h1, main h1')?.textContent")
    assert h1 and h1.strip(" #\n¶"), f"{url}: no h1"
    assert h1.strip(" #\n¶") in driver.title, f"{url}: title {driver.title!r} vs h1 {h1!r}"
    n_figures = driver.execute_script(
        "return document.querySelectorAll('.cell_output img, .output img, figure img').length;")
    assert n_figures >= 1, f"{url}: no figure image"
    broken = _images_loaded(driver)
    assert not broken, f"{url}: images that did not load: {broken}"
    _assert_no_error_output(driver, url)
    _assert_math_rendered(driver, url)


def _figure_number_pattern(chapter) -> str:
    """``Fig. 1.3`` in chapter 1, ``Fig. 3`` on an unnumbered page (sphinx_extension)."""
    prefix = f"{int(chapter.name[:2])}." if chapter.name[:2].isdigit() else ""
    return rf"^Fig\. {re.escape(prefix)}\d+$"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=CHAPTER_IDS)
def test_figures_are_captioned_numbered_and_referenced(driver, server, chapter):
    """Every image a cell outputs sits in a numbered figure with a caption, and the prose
    refers to each figure by its number (a link to it)."""
    _open(driver, f"{server}/{chapter.toc_file}.html")
    figures = driver.execute_script("""
        return Array.from(document.querySelectorAll('.cell_output img')).map(i => {
            const f = i.closest('figure');
            if (!f) return {src: i.src};
            return {id: f.id, number: f.querySelector('.caption-number')?.textContent.trim(),
                    caption: f.querySelector('.caption-text')?.textContent.trim(),
                    referenced: document.querySelectorAll(`a[href="#${f.id}"]`).length};
        });""")
    assert figures, f"{chapter.name}: no figure"
    loose = [f["src"] for f in figures if "id" not in f]
    assert not loose, f"{chapter.name}: images outside a captioned figure: {loose}"
    for fig in figures:
        assert fig["caption"], f"{chapter.name}: figure {fig['id']} has no caption"
        assert re.match(_figure_number_pattern(chapter), fig["number"] or ""), \
            f"{chapter.name}: figure {fig['id']} numbered {fig['number']!r}"
        assert fig["referenced"] >= 1, f"{chapter.name}: the prose never refers to {fig['id']}"
    numbers = [f["number"] for f in figures]
    assert len(set(numbers)) == len(numbers), f"{chapter.name}: repeated numbers {numbers}"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=CHAPTER_IDS)
def test_download_button_gives_the_executed_notebook(driver, server, chapter):
    """The page's download button links (relatively: it works offline) to its executed
    notebook, and the server answers with it."""
    import urllib.request

    _open(driver, f"{server}/{chapter.toc_file}.html")
    link = driver.execute_script(
        "const a = document.querySelector('a.btn-download-source-button');"
        "return a ? [a.getAttribute('href'), a.href] : null;")
    assert link, f"{chapter.name}: no download button"
    relative, absolute = link
    assert not relative.startswith(("http:", "https:", "/")), relative
    with urllib.request.urlopen(absolute, timeout=30) as response:
        nb = nbformat.reads(response.read().decode(), as_version=4)
    assert nb.metadata["papermill"]["parameters"]["profile"] == "ci"
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "not executed"


def _assert_math_rendered(driver, url: str) -> None:
    """Formulas are typeset by the bundled MathJax (no network): no raw TeX is left."""
    from selenium.webdriver.support.ui import WebDriverWait

    n_math = driver.execute_script("return document.querySelectorAll('.math').length;")
    if not n_math:
        return
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.querySelectorAll('mjx-container').length")
        >= n_math, f"{url}: MathJax did not typeset the {n_math} formulas")
    src = driver.execute_script(
        "return Array.from(document.scripts).map(s => s.src).find(s => s.includes('tex-chtml'))")
    assert src and src.startswith(driver.current_url.split("/notebooks/")[0]), \
        f"{url}: MathJax is not the bundled copy ({src})"


@pytest.mark.slow
def test_prose_pages_in_browser(driver, server):
    for page in ("book/running", "book/data", "book/references"):
        _open(driver, f"{server}/{page}.html")
        h1 = driver.execute_script("return document.querySelector('article h1, main h1')?.textContent")
        assert h1, f"{page}: no h1"
        _assert_no_error_output(driver, page)
        assert not _images_loaded(driver)
    # every bibliography entry rendered (references.md cites :all:)
    n_refs = driver.execute_script(
        "return document.querySelectorAll('.citation, div.citation, dl.citation > dt').length;")
    n_bib = (ROOT / "book" / "references.bib").read_text().count("\n@")
    assert n_refs >= n_bib, f"references page shows {n_refs} entries, references.bib has {n_bib}"


# --------------------------------------------------------------------------- the scorecard
def _scorecard_follows_the_numbers(paths, seed: int) -> dict:
    """The scorecard of a build: its verdicts recomputed from the chapters' result files
    equal the page's, every chapter's findings were tested, and the page renders."""
    from helpers.studies import scorecard

    saved = json.loads((paths.results / "scorecard.json").read_text())
    runs = scorecard.load_runs(paths.results, "ci", seed, "generated")
    assert not runs.skipped, f"result files of other settings in a fresh build: {runs.skipped}"
    quantities, findings = scorecard.quantity_frame(runs), scorecard.findings_frame(runs)
    assert [q["verdict"] for q in saved["quantities"]] == quantities["verdict"].tolist()
    assert [f["verdict"] for f in saved["findings"]] == findings["verdict"].tolist()
    assert "not run in this build" not in findings["verdict"].tolist()
    assert len(quantities) >= 30, "chapters record too few published quantities"
    page = (paths.html / "notebooks" / "scorecard.html").read_text()
    for verdict in set(findings["verdict"]):
        assert verdict in page
    return {q["quantity"]: q["value"] for q in saved["quantities"]}


@pytest.mark.slow
def test_scorecard_follows_each_runs_numbers(built_book, built_book_other_seed):
    values = [_scorecard_follows_the_numbers(built_book[0], 0),
              _scorecard_follows_the_numbers(built_book_other_seed[0], 1)]
    for paths in (built_book[0], built_book_other_seed[0]):
        for chapter in CHAPTERS:
            assert book.notebook_errors(paths.executed(chapter)) == [], f"errors in {chapter.name}"
            assert paths.page(chapter).is_file(), f"no page for {chapter.name}"
    changed = [k for k in values[0] if k in values[1] and values[0][k] != values[1][k]]
    assert changed, "another training seed changed no recorded number"


@pytest.mark.slow
def test_scorecard_page_in_browser(driver, server):
    _open(driver, f"{server}/notebooks/scorecard.html")
    n_tables = driver.execute_script("return document.querySelectorAll('table.scorecard').length;")
    assert n_tables >= 3, f"scorecard shows {n_tables} tables"
    text = driver.execute_script("return document.body.innerText;")
    assert "not run in this build" not in text
    _assert_no_error_output(driver, "scorecard")


# --------------------------------------------------------------------------- the editions
@pytest.fixture(scope="module")
def student_edition(built_book):
    """The student edition rendered from the ci build's executed notebooks."""
    paths, _ = built_book
    cmd = [sys.executable, "-m", "helpers.book", "render", "--profile", "ci",
           "--build-dir", str(paths.root.parent), "--edition", "student"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return book.build_paths("ci", paths.root.parent, "student")


NUMBERED = [c for c in CHAPTERS if c.name[:2].isdigit()]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", NUMBERED, ids=[c.name for c in NUMBERED])
def test_exercises_in_both_editions(driver, server, built_book, student_edition, chapter):
    """Every chapter ends with exercises; the reader edition collapses their solutions, the
    student edition's HTML holds none."""
    _open(driver, f"{server}/{chapter.toc_file}.html")
    n_ex = driver.execute_script("return document.querySelectorAll('div.exercise').length;")
    solutions = driver.execute_script(
        "return Array.from(document.querySelectorAll('div.solution')).map(s => [s.className, "
        "Array.from(s.children).slice(1).some(c => c.offsetHeight > 0)]);")
    assert n_ex >= 3, f"{chapter.name}: {n_ex} exercises"
    assert len(solutions) == n_ex and all("dropdown" in cls for cls, _ in solutions)
    assert not any(visible for _, visible in solutions), f"{chapter.name}: a solution is open"
    titles = driver.execute_script(
        "return Array.from(document.querySelectorAll('div.exercise > .admonition-title'))"
        ".map(t => t.textContent.trim());")
    number = int(chapter.name[:2])
    assert [t.split(" (")[0] for t in titles] == [f"Exercise {number}.{k}" for k in range(1, n_ex + 1)]
    student = student_edition.page(chapter).read_text()
    assert student.count('class="exercise') == n_ex
    assert 'class="solution' not in student and "Solution to" not in student
    download = student_edition.html / "_sources" / f"{chapter.toc_file}.ipynb"
    assert "solution-start" not in download.read_text(), "the student download holds solutions"
