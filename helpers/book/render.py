"""Rendering: stage the book's sources with the executed notebooks and build the HTML
with ``jupyter-book`` (nothing is executed again)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from ..config import REPO_ROOT
from .chapters import Chapter, filter_toc, load_toc, toc_entries, toc_entry_name
from .errors import BookError, log
from .execute import notebook_errors
from .paths import BuildPaths

#: environment variable naming the public repository the launch buttons open
REPOSITORY_ENV = "JETBOOK_REPOSITORY_URL"


def repository_url(config: dict, root: Path = REPO_ROOT) -> str:
    """The public repository of the book, for the launch buttons: ``$JETBOOK_REPOSITORY_URL``,
    else ``repository.url`` of ``_config.yml``, else the checkout's ``origin`` remote when it
    is on GitHub (``git@github.com:org/repo.git`` becomes ``https://github.com/org/repo``);
    empty when none is known (the book then has no launch buttons)."""
    url = os.environ.get(REPOSITORY_ENV) or (config.get("repository") or {}).get("url") or ""
    if not url:
        try:
            url = subprocess.run(["git", "remote", "get-url", "origin"], cwd=root, timeout=10,
                                 capture_output=True, text=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            url = ""
    match = re.match(r"^(?:https://|git@|ssh://git@)github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", url)
    return f"https://github.com/{match.group(1)}/{match.group(2)}" if match else ""


def stage_sources(chapters: Sequence[Chapter], paths: BuildPaths, root: Path = REPO_ROOT) -> None:
    """Copy the book's sources and the executed notebooks into ``paths.src``."""
    src = paths.src
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    with open(root / "_config.yml") as fh:
        config = yaml.safe_load(fh) or {}
    config.setdefault("execute", {})["execute_notebooks"] = "off"  # never execute twice
    config.setdefault("repository", {})["url"] = repository_url(config, root)
    if not config["repository"]["url"]:  # the theme's launch buttons need a repository
        config.pop("launch_buttons", None)
    with open(src / "_config.yml", "w") as fh:
        yaml.safe_dump(config, fh, sort_keys=False)
    keep = {c.toc_file for c in chapters}
    with open(src / "_toc.yml", "w") as fh:
        yaml.safe_dump(filter_toc(load_toc(root), keep), fh, sort_keys=False)
    for folder in ("book", "_static"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, src / folder)
    if _stage_mathjax(src / "_static" / "mathjax"):
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["mathjax_path"] = "mathjax/tex-chtml.js"
        sphinx.setdefault("html_static_path", ["_static"])
        with open(src / "_config.yml", "w") as fh:
            yaml.safe_dump(config, fh, sort_keys=False)
    for chapter in chapters:
        dest = src / f"{chapter.toc_file}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        _stage_notebook(paths.executed(chapter), dest, solutions=paths.edition != "student")


#: the parts of MathJax 3 (es5 build) that the TeX -> CHTML renderer loads
_MATHJAX_PARTS = ("tex-chtml.js", "input", "output", "ui", "a11y")


def _stage_mathjax(dest: Path) -> bool:
    """Copy a local MathJax (the ``django-static-mathjax`` package) so that the book's
    formulas render without network access; False (CDN fallback) if it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        return False
    es5 = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        return False
    dest.mkdir(parents=True, exist_ok=True)
    for part in _MATHJAX_PARTS:
        if (es5 / part).is_dir():
            shutil.copytree(es5 / part, dest / part)
        elif (es5 / part).is_file():
            shutil.copy2(es5 / part, dest / part)
    return True


def _stage_notebook(executed: Path, dest: Path, solutions: bool = True) -> None:
    """Copy an executed notebook for rendering, collapsing the cell with the *default*
    parameters (the page then leads with papermill's injected, effective parameters); without
    ``solutions`` (the student edition) every gated solution is cut out
    (:func:`strip_solutions`)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags and "hide-cell" not in tags:
            cell.metadata["tags"] = [*tags, "hide-cell"]
    if not solutions:
        nb.cells = strip_solutions(nb.cells)
    nbformat.write(nb, dest)


_SOLUTION_START = re.compile(r"^```\{solution-start\}.*$", re.M)
_SOLUTION_END = re.compile(r"^```\{solution-end\}\s*\n```[ \t]*$\n?", re.M)


def strip_solutions(cells: list) -> list:
    """The cells without their gated solutions: from each ``{solution-start}`` fence to the
    end of its ``{solution-end}`` fence, across markdown and code cells (sphinx-exercise's
    ``hide_solutions`` keeps the code cells of a gated solution, and fails on its end node).
    Raises :class:`BookError` on a solution that never ends."""
    out, inside = [], False
    for cell in cells:
        if inside and cell.cell_type != "markdown":
            continue
        text, kept = cell.source, []
        while text:
            if inside:
                end = _SOLUTION_END.search(text)
                if end is None:
                    text = ""
                    break
                text, inside = text[end.end():], False
            else:
                start = _SOLUTION_START.search(text)
                if start is None:
                    kept.append(text)
                    break
                kept.append(text[:start.start()])
                text, inside = text[start.start():], True
        body = "".join(kept).strip()
        if cell.cell_type != "markdown" or body:
            cell.source = body if cell.cell_type == "markdown" else cell.source
            out.append(cell)
    if inside:
        raise BookError("a {solution-start} has no {solution-end}: the student edition would "
                        "lose the rest of the chapter")
    return out


def unresolved_glue(log_lines: Sequence[str]) -> list[str]:
    """The Jupyter Book warnings about a glue key that no executed cell glued (MyST-NB
    writes ``No key 'x' found in glue data ... [mystnb.glue]``)."""
    return [ln for ln in log_lines if "[mystnb.glue]" in ln and "No key" in ln]


#: the notebook parameters that change a chapter's results: chapters rendered into one book
#: must agree on all of them
RESULT_PARAMETERS = ("profile", "seed", "data_source", "data_dir")


def executed_parameters(path: Path) -> dict[str, Any]:
    """The :data:`RESULT_PARAMETERS` an executed notebook ran with (papermill records them
    in the notebook's metadata; ``None`` for one it does not hold)."""
    with open(path) as fh:
        meta = json.load(fh).get("metadata", {})
    params = meta.get("papermill", {}).get("parameters", {})
    return {k: params.get(k) for k in RESULT_PARAMETERS}


def mixed_runs(parameters: Mapping[str, Mapping[str, Any]]) -> str | None:
    """``None`` when every chapter ran with the same :data:`RESULT_PARAMETERS`, else a message
    naming the chapters of each set of parameters."""
    groups: dict[tuple, list[str]] = {}
    for name, params in parameters.items():
        groups.setdefault(tuple((k, params.get(k)) for k in RESULT_PARAMETERS), []).append(name)
    if len(groups) <= 1:
        return None
    lines = [", ".join(names) + ": " + ", ".join(f"{k}={v!r}" for k, v in key)
             for key, names in groups.items()]
    return ("the executed chapters of this build come from different runs, and a book must "
            "not mix them:\n  " + "\n  ".join(lines) + "\nre-execute the odd chapters with "
            "the same options, or build them into another --build-dir")


def check_unmixed(chapters: Sequence[Chapter], paths: BuildPaths,
                  planned: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Raise :class:`BookError` when the executed notebooks of ``chapters`` in ``paths``,
    with the ``planned`` runs (chapter -> parameters, replacing what is there), mix runs."""
    found = {c.name: executed_parameters(paths.executed(c)) for c in chapters
             if paths.executed(c).is_file()}
    found.update(planned or {})
    message = mixed_runs(found)
    if message:
        raise BookError(message)


def render_book(chapters: Sequence[Chapter], paths: BuildPaths, *, strict: bool = False,
                root: Path = REPO_ROOT) -> Path:
    """Render the executed notebooks of ``chapters`` (missing ones are left out with a
    warning) plus the prose pages; return the path of ``index.html``."""
    available = []
    for chapter in chapters:
        executed = paths.executed(chapter)
        if not executed.is_file():
            log(f"WARNING: {chapter.name} has no executed notebook at {executed}; "
                f"left out of the book (run `python -m helpers.book execute --chapters "
                f"{chapter.name}` first)")
            continue
        errors = notebook_errors(executed)
        if errors:
            raise BookError(f"executed notebook {executed} contains error outputs:\n  "
                            + "\n  ".join(errors))
        available.append(chapter)
    check_unmixed(available, paths)
    stage_sources(available, paths, root)

    out = paths.root / ".jupyter-book"
    if out.exists():
        shutil.rmtree(out)
    paths.logs.mkdir(parents=True, exist_ok=True)
    logfile = paths.logs / "jupyter-book.log"
    cmd = [sys.executable, "-c",
           "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
           "build", str(paths.src), "--path-output", str(out), "--all", "--builder", "html"]
    if strict:
        cmd += ["-W", "--keep-going"]
    log(f"rendering {len(available)} chapter(s) with jupyter-book (log: {logfile}) ...")
    proc = subprocess.run(cmd, cwd=paths.src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env={**os.environ, "JETBOOK_PROGRESS": "0", "NO_COLOR": "1"})
    logfile.write_text(proc.stdout)
    warnings = [ln for ln in proc.stdout.splitlines() if "WARNING" in ln or "ERROR" in ln]
    for line in warnings[:20]:
        log(f"  {line}")
    if len(warnings) > 20:
        log(f"  ... {len(warnings) - 20} more warnings in {logfile}")
    unresolved = unresolved_glue(warnings)
    if unresolved:  # a sentence would silently lose its number
        raise BookError("unresolved glue keys (a chapter's prose names a number it did not "
                        f"record): see {logfile}\n  " + "\n  ".join(unresolved[:10]))
    built = out / "_build" / "html"
    if proc.returncode != 0 or not (built / "index.html").is_file():
        tail = "\n".join(proc.stdout.splitlines()[-40:])
        raise BookError(f"jupyter-book build failed (exit status {proc.returncode}); "
                        f"full log: {logfile}\n{tail}")
    if paths.html.exists():
        shutil.rmtree(paths.html)
    shutil.move(str(built), str(paths.html))
    shutil.rmtree(out, ignore_errors=True)
    with open(paths.src / "_toc.yml") as fh:
        entries = [toc_entry_name(e) for e in toc_entries(yaml.safe_load(fh))]
    missing = [e for e in entries if not (paths.html / f"{e}.html").is_file()]
    if missing:  # jupyter-book only warns about toc entries without a source file
        raise BookError(f"jupyter-book produced no page for {', '.join(missing)} "
                        f"(listed in _toc.yml); see {logfile}")
    return paths.html / "index.html"
