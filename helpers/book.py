"""Execute the chapters with papermill and render the book with Jupyter Book.

Command line (run from anywhere; paths are relative to the repository)::

    python -m helpers.book build   --profile standard [--device auto] [--seed 0]
                                   [--chapters 00_jets,01_topodnn] [--timeout SECONDS]
                                   [--data-source generated|benchmark] [--data-dir DIR]
                                   [--build-dir _build] [--keep-going] [--strict]
    python -m helpers.book execute ...   # execute only
    python -m helpers.book render  ...   # render only, from already executed notebooks
    python -m helpers.book list          # chapters found in _toc.yml

The chapters are the ``notebooks/*`` entries of ``_toc.yml``, in toc order; adding a
chapter needs only its ``notebooks/NN_name.py`` file and a toc entry.

Pipeline, one folder per profile (``<build-dir>/<profile>/``, default ``_build/<profile>``):

1. each chapter's jupytext source ``notebooks/NN_name.py`` is converted to
   ``<build>/<profile>/inputs/NN_name.ipynb`` (the source tree is never written to);
2. papermill executes it into ``<build>/<profile>/notebooks/NN_name.ipynb`` with the
   parameters ``profile``, ``device``, ``seed``, ``data_source``, ``data_dir``, kernel
   ``python3``, working directory = the **repository root**, a per-cell timeout and
   ``JETBOOK_PROGRESS=0`` in the kernel's environment (no progress bars in the book);
3. ``_config.yml``, ``_toc.yml``, ``book/`` and the executed notebooks are staged into
   ``<build>/<profile>/src`` and rendered there by ``jupyter-book build`` with
   ``execute_notebooks: "off"`` (nothing is executed twice) into
   ``<build>/<profile>/html`` (open ``html/index.html``).  The staged copies only differ
   from the executed notebooks in that the cell with the *default* parameters is collapsed
   (``hide-cell``), so the page leads with the injected, effective parameters.

Any failing cell stops the run with a message that names the notebook, the cell (index,
execution count, line in the ``.py`` source) and the exception, and a non-zero exit
status; a failing ``jupyter-book build`` also exits non-zero.  Timings per chapter are
printed and written to ``<build>/<profile>/timings.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import yaml

from .config import PROFILES, REPO_ROOT, cache_dir, get_profile, resolve_device

#: folder (relative to the repository root) that holds the chapter notebooks
NOTEBOOK_DIR = "notebooks"
#: names every chapter's ``parameters`` cell must define
REQUIRED_PARAMETERS = ("profile", "device", "seed", "data_source", "data_dir")
DATA_SOURCES = ("generated", "benchmark")
KERNEL_NAME = "python3"
#: environment given to the kernel on top of the caller's
KERNEL_ENV = {
    "JETBOOK_PROGRESS": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


class BookError(RuntimeError):
    """A problem with the book build: message says what and where."""


class ChapterExecutionError(BookError):
    """A notebook cell failed (or the kernel died / timed out) during execution."""

    def __init__(self, message: str, *, notebook: str, cell_index: int | None = None,
                 exec_count: int | None = None, ename: str = "", evalue: str = "",
                 output_path: Path | None = None):
        super().__init__(message)
        self.notebook = notebook
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        self.output_path = output_path


def log(msg: str) -> None:
    print(f"[book] {msg}", flush=True)


# --------------------------------------------------------------------------- chapters


@dataclass(frozen=True)
class Chapter:
    """One chapter notebook listed in the toc."""

    name: str  #: e.g. ``00_jets``
    toc_file: str  #: toc entry, e.g. ``notebooks/00_jets``
    source: Path  #: jupytext source ``notebooks/00_jets.py``


def toc_entries(toc: Any) -> list[str]:
    """All ``root``/``file`` entries of a (jb-book) toc structure, in document order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def _strip_suffix(entry: str) -> str:
    for suffix in (".ipynb", ".py", ".md"):
        if entry.endswith(suffix):
            return entry[: -len(suffix)]
    return entry


def load_toc(root: Path = REPO_ROOT) -> dict:
    path = Path(root) / "_toc.yml"
    if not path.is_file():
        raise BookError(f"no table of contents at {path}")
    with open(path) as fh:
        return yaml.safe_load(fh) or {}


def discover_chapters(root: Path = REPO_ROOT) -> list[Chapter]:
    """Chapters = the ``notebooks/...`` entries of ``_toc.yml``, in toc order."""
    root = Path(root)
    chapters = []
    for entry in toc_entries(load_toc(root)):
        entry = _strip_suffix(entry)
        if not entry.startswith(NOTEBOOK_DIR + "/"):
            continue
        source = root / f"{entry}.py"
        if not source.is_file():
            raise BookError(f"_toc.yml lists {entry!r} but its source {source} does not exist")
        chapters.append(Chapter(name=Path(entry).name, toc_file=entry, source=source))
    return chapters


def select_chapters(chapters: Sequence[Chapter], names: Iterable[str] | None) -> list[Chapter]:
    """The chapters named in ``names`` (toc order kept); all of them for ``None``/empty."""
    if not names:
        return list(chapters)
    wanted = [_strip_suffix(Path(n.strip()).name) for n in names if n.strip()]
    known = {c.name: c for c in chapters}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BookError(
            f"unknown chapter(s) {', '.join(unknown)}; chapters in _toc.yml: "
            f"{', '.join(known) or '(none)'}"
        )
    return [c for c in chapters if c.name in wanted]


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class BuildPaths:
    """Where one profile's build lives."""

    root: Path  #: ``<build-dir>/<profile>``

    @property
    def inputs(self) -> Path:  # converted, unexecuted notebooks
        return self.root / "inputs"

    @property
    def notebooks(self) -> Path:  # executed notebooks
        return self.root / "notebooks"

    @property
    def src(self) -> Path:  # staged Jupyter Book source
        return self.root / "src"

    @property
    def html(self) -> Path:  # rendered book
        return self.root / "html"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def timings(self) -> Path:
        return self.root / "timings.json"

    def executed(self, chapter: Chapter) -> Path:
        return self.notebooks / f"{chapter.name}.ipynb"

    def page(self, chapter: Chapter) -> Path:
        return self.html / f"{chapter.toc_file}.html"


def build_paths(profile: str, build_dir: Path | str | None = None) -> BuildPaths:
    base = Path(build_dir) if build_dir is not None else REPO_ROOT / "_build"
    return BuildPaths(base.resolve() / profile)


def cell_timeout(profile: str, override: float | None = None) -> int:
    """Per-cell execution timeout in seconds: ``--timeout``, else the profile's."""
    if override is not None:
        if override <= 0:
            raise BookError(f"--timeout must be positive, got {override}")
        return int(override)
    return int(get_profile(profile).cell_timeout)


# --------------------------------------------------------------------------- execution


def convert_to_ipynb(source: Path, dest: Path) -> Path:
    """Convert a jupytext ``.py`` (or copy an ``.ipynb``) to ``dest``; check the parameters cell."""
    import jupytext
    import nbformat

    source = Path(source)
    if not source.is_file():
        raise BookError(f"notebook source {source} does not exist")
    nb = jupytext.read(source) if source.suffix != ".ipynb" else nbformat.read(source, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise BookError(
            f"{source}: no cell tagged 'parameters' (start the first code cell with "
            f"'# %% tags=[\"parameters\"]' and define {', '.join(REQUIRED_PARAMETERS)})"
        )
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata.pop("jupytext", None)  # the staged copy is not paired with anything
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest


@contextlib.contextmanager
def kernel_environment(extra: dict[str, str] | None = None) -> Iterator[None]:
    """Temporarily set the environment variables the kernel inherits."""
    env = dict(KERNEL_ENV)
    # the kernel runs in the repository root, but make `import helpers` independent of it
    pythonpath = os.environ.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + pythonpath if pythonpath else "")
    env.update(extra or {})
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _source_line(source: Path | None, cell_source: str) -> int | None:
    """1-based line of ``cell_source`` in a jupytext ``.py`` file, if it can be found."""
    if source is None or source.suffix != ".py" or not cell_source.strip():
        return None
    try:
        text = source.read_text()
    except OSError:
        return None
    first = next((ln for ln in cell_source.splitlines() if ln.strip()), "")
    pos = text.find(cell_source.strip()[:200])
    if pos < 0 and first:
        pos = text.find(first)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


def _describe_cell(index: int | None, count: int | None, cell_source: str,
                   source: Path | None) -> str:
    parts = [f"cell {index} of the executed notebook" if index is not None else "a cell"]
    if count is not None:
        parts.append(f"execution count {count}")
    line = _source_line(source, cell_source)
    if line is not None:
        parts.append(f"{source.relative_to(REPO_ROOT) if source.is_relative_to(REPO_ROOT) else source}:{line}")
    text = parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")
    head = [ln for ln in cell_source.splitlines() if ln.strip()][:3]
    if head:
        text += "\n    " + "\n    ".join(head)
    return text


def _running_cell(output: Path) -> tuple[int | None, int | None, str]:
    """The cell papermill marked as running/failed in a partially written output notebook."""
    import nbformat

    try:
        nb = nbformat.read(output, as_version=4)
    except Exception:  # noqa: BLE001 - best effort only
        return None, None, ""
    last_started = None
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("papermill", {})
        if meta.get("status") in ("running", "failed"):
            return i, cell.get("execution_count"), cell.get("source", "")
        if meta.get("start_time"):
            last_started = i
    if last_started is not None:  # e.g. a timeout: papermill marks that cell 'completed'
        cell = nb.cells[last_started]
        return last_started, cell.get("execution_count"), cell.get("source", "")
    return None, None, ""


def execute_notebook(
    notebook: Path | str,
    output: Path | str,
    parameters: dict[str, Any] | None = None,
    *,
    cwd: Path | str = REPO_ROOT,
    timeout: float | None = None,
    kernel_name: str = KERNEL_NAME,
    name: str | None = None,
    env: dict[str, str] | None = None,
    input_dir: Path | str | None = None,
) -> float:
    """Execute one notebook (``.py`` jupytext source or ``.ipynb``) with papermill.

    Returns the wall time in seconds.  Raises :class:`ChapterExecutionError` naming the
    notebook and the failing cell when a cell raises, times out or kills the kernel; the
    partially executed notebook (with the traceback) is left at ``output``.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook, output = Path(notebook), Path(output)
    name = name or notebook.name
    source = notebook if notebook.suffix == ".py" else None
    if notebook.suffix != ".ipynb":
        input_dir = Path(input_dir) if input_dir is not None else output.parent / ".inputs"
        input_nb = input_dir / f"{notebook.stem}.ipynb"
        convert_to_ipynb(notebook, input_nb)
    else:
        input_nb = notebook
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)

    start = time.perf_counter()
    try:
        with kernel_environment(env):
            papermill.execute_notebook(
                str(input_nb),
                str(output),
                parameters=dict(parameters or {}),
                kernel_name=kernel_name,
                cwd=str(cwd),
                execution_timeout=timeout,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=True,
            )
    except PapermillExecutionError as err:
        # papermill puts an error banner cell at the top of the saved notebook, so look the
        # failed cell up there: the index then matches the file the user will open
        index, _, _ = _running_cell(output)
        index = err.cell_index if index is None else index
        where = _describe_cell(index, err.exec_count, err.source or "", source)
        evalue = str(err.evalue).strip()
        raise ChapterExecutionError(
            f"notebook {name} failed in {where}\n  {err.ename}: {evalue}\n"
            f"  executed notebook with the full traceback: {output}",
            notebook=name, cell_index=index, exec_count=err.exec_count,
            ename=err.ename, evalue=evalue, output_path=output,
        ) from err
    except BookError:
        raise
    except Exception as err:  # timeout, dead kernel, kernel that cannot start, ...
        index, count, cell_source = _running_cell(output)
        where = _describe_cell(index, count, cell_source, source) if index is not None else "startup"
        ename = type(err).__name__
        evalue = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise ChapterExecutionError(
            f"notebook {name} failed in {where}\n  {ename}: {evalue}\n"
            f"  partially executed notebook: {output}",
            notebook=name, cell_index=index, exec_count=count, ename=ename, evalue=evalue,
            output_path=output,
        ) from err
    return time.perf_counter() - start


def notebook_errors(path: Path) -> list[str]:
    """Descriptions of the error outputs in an executed notebook (empty when clean)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    errors = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return errors


@dataclass
class RunOptions:
    profile: str = "standard"
    device: str = "auto"
    seed: int = 0
    data_source: str = "generated"
    data_dir: str = ""
    timeout: float | None = None
    keep_going: bool = False

    def parameters(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "device": self.device,
            "seed": self.seed,
            "data_source": self.data_source,
            "data_dir": self.data_dir,
        }

    def validate(self) -> None:
        get_profile(self.profile)  # raises on an unknown profile
        if self.data_source not in DATA_SOURCES:
            raise BookError(f"--data-source must be one of {', '.join(DATA_SOURCES)}, "
                            f"got {self.data_source!r}")
        if self.data_source == "benchmark":
            if not self.data_dir:
                raise BookError("--data-source benchmark needs --data-dir (folder with "
                                "train.h5, val.h5, test.h5)")
            if not Path(self.data_dir).is_dir():
                raise BookError(f"--data-dir {self.data_dir} is not a directory")
            self.data_dir = str(Path(self.data_dir).resolve())
        try:
            resolve_device(self.device)  # fail now, not after an hour of execution
        except (ValueError, RuntimeError) as err:
            raise BookError(str(err)) from None


def execute_chapters(chapters: Sequence[Chapter], paths: BuildPaths,
                     opts: RunOptions) -> dict[str, float]:
    """Execute the chapters in toc order; returns seconds per chapter."""
    opts.validate()
    timeout = cell_timeout(opts.profile, opts.timeout)
    log(f"profile={opts.profile} device={opts.device} (-> {resolve_device(opts.device)}) "
        f"seed={opts.seed} data_source={opts.data_source}"
        + (f" data_dir={opts.data_dir}" if opts.data_dir else ""))
    log(f"cache: {cache_dir()}   per-cell timeout: {timeout} s   kernel cwd: {REPO_ROOT}")
    timings: dict[str, float] = {}
    failures: list[ChapterExecutionError] = []
    for chapter in chapters:
        log(f"executing {chapter.toc_file} ...")
        try:
            seconds = execute_notebook(
                chapter.source, paths.executed(chapter), opts.parameters(),
                timeout=timeout, input_dir=paths.inputs,
                name=str(chapter.source.relative_to(REPO_ROOT))
                if chapter.source.is_relative_to(REPO_ROOT) else chapter.name,
            )
        except ChapterExecutionError as err:
            failures.append(err)
            log(f"FAILED {chapter.name}")
            if not opts.keep_going:
                raise
            continue
        timings[chapter.name] = seconds
        log(f"{chapter.name}: executed in {seconds:.1f} s -> {paths.executed(chapter)}")
    if failures:
        raise BookError(f"{len(failures)} chapter(s) failed:\n" + "\n".join(str(f) for f in failures))
    return timings


# --------------------------------------------------------------------------- rendering


def _filter_toc(node: Any, keep: set[str]) -> Any:
    """Copy of a toc with the notebook entries that are not in ``keep`` removed."""
    if isinstance(node, list):
        items = [_filter_toc(item, keep) for item in node]
        return [item for item in items if item is not None]
    if isinstance(node, dict):
        entry = node.get("file")
        if isinstance(entry, str) and _strip_suffix(entry).startswith(NOTEBOOK_DIR + "/") \
                and _strip_suffix(entry) not in keep:
            return None
        out = {}
        for key, value in node.items():
            value = _filter_toc(value, keep)
            if key in ("chapters", "sections", "parts") and value == []:
                continue
            if key == "parts":
                value = [p for p in value if p.get("chapters")]
                if not value:
                    continue
            out[key] = value
        return out
    return node


def stage_sources(chapters: Sequence[Chapter], paths: BuildPaths, root: Path = REPO_ROOT) -> None:
    """Copy the book's sources and the executed notebooks into ``paths.src``."""
    src = paths.src
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    with open(root / "_config.yml") as fh:
        config = yaml.safe_load(fh) or {}
    config.setdefault("execute", {})["execute_notebooks"] = "off"  # never execute twice
    with open(src / "_config.yml", "w") as fh:
        yaml.safe_dump(config, fh, sort_keys=False)
    keep = {c.toc_file for c in chapters}
    with open(src / "_toc.yml", "w") as fh:
        yaml.safe_dump(_filter_toc(load_toc(root), keep), fh, sort_keys=False)
    for folder in ("book", "_static"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, src / folder)
    for chapter in chapters:
        dest = src / f"{chapter.toc_file}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        _stage_notebook(paths.executed(chapter), dest)


def _stage_notebook(executed: Path, dest: Path) -> None:
    """Copy an executed notebook for rendering, collapsing the cell with the *default*
    parameters: the page then leads with papermill's injected (effective) parameters."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags and "hide-cell" not in tags:
            cell.metadata["tags"] = [*tags, "hide-cell"]
    nbformat.write(nb, dest)


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
        entries = [_strip_suffix(e) for e in toc_entries(yaml.safe_load(fh))]
    missing = [e for e in entries if not (paths.html / f"{e}.html").is_file()]
    if missing:  # jupyter-book only warns about toc entries without a source file
        raise BookError(f"jupyter-book produced no page for {', '.join(missing)} "
                        f"(listed in _toc.yml); see {logfile}")
    return paths.html / "index.html"


# --------------------------------------------------------------------------- CLI


def _write_timings(paths: BuildPaths, opts: RunOptions | None, timings: dict[str, float],
                   render_s: float | None) -> None:
    data: dict[str, Any] = {}
    if paths.timings.is_file():
        with contextlib.suppress(ValueError):
            data = json.loads(paths.timings.read_text())
    data.setdefault("chapters", {}).update({k: round(v, 2) for k, v in timings.items()})
    if opts is not None:
        data.update(profile=opts.profile, device=opts.device, seed=opts.seed,
                    data_source=opts.data_source)
    if render_s is not None:
        data["render_s"] = round(render_s, 2)
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.timings.write_text(json.dumps(data, indent=2) + "\n")


def _print_summary(timings: dict[str, float], render_s: float | None) -> None:
    if not timings and render_s is None:
        return
    log("timings:")
    for name, seconds in timings.items():
        log(f"  {name:<24} {seconds:9.1f} s")
    if render_s is not None:
        log(f"  {'(render)':<24} {render_s:9.1f} s")
    log(f"  {'total':<24} {sum(timings.values()) + (render_s or 0):9.1f} s")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.book",
        description="Execute the book's chapters with papermill and render them with Jupyter Book.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", default="standard", choices=PROFILES,
                        help="size profile (default: standard)")
    common.add_argument("--chapters", default="",
                        help="comma-separated chapter names, e.g. 00_jets,01_topodnn "
                             "(default: every notebook in _toc.yml)")
    common.add_argument("--build-dir", default=None,
                        help="output root; the build goes to BUILD_DIR/<profile> (default: _build)")

    run = argparse.ArgumentParser(add_help=False)
    run.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--data-source", default="generated", choices=DATA_SOURCES)
    run.add_argument("--data-dir", default="",
                     help="folder with the benchmark train.h5/val.h5/test.h5 (data-source benchmark)")
    run.add_argument("--timeout", type=float, default=None,
                     help="per-cell execution timeout in seconds (default: from the profile)")
    run.add_argument("--keep-going", action="store_true",
                     help="execute the remaining chapters after a failure (still exits non-zero)")

    rend = argparse.ArgumentParser(add_help=False)
    rend.add_argument("--strict", action="store_true",
                      help="treat Sphinx warnings as errors")

    sub.add_parser("build", parents=[common, run, rend], help="execute, then render")
    sub.add_parser("execute", parents=[common, run], help="execute only")
    sub.add_parser("render", parents=[common, rend],
                   help="render only, from the executed notebooks of a previous run")
    sub.add_parser("list", help="list the chapters found in _toc.yml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        chapters = discover_chapters()
        if args.command == "list":
            for chapter in chapters:
                print(f"{chapter.name}\t{chapter.source.relative_to(REPO_ROOT)}")
            return 0
        chapters = select_chapters(chapters, args.chapters.split(",") if args.chapters else None)
        paths = build_paths(args.profile, args.build_dir)
        opts = RunOptions(profile=args.profile)
        index = paths.html / "index.html"
        if args.command in ("build", "execute"):
            opts = RunOptions(profile=args.profile, device=args.device, seed=args.seed,
                              data_source=args.data_source, data_dir=args.data_dir,
                              timeout=args.timeout, keep_going=args.keep_going)
        timings: dict[str, float] = {}
        render_s = None
        if args.command in ("build", "execute"):
            try:
                timings = execute_chapters(chapters, paths, opts)
            finally:
                _write_timings(paths, opts, timings, None)
        if args.command in ("build", "render"):
            # render every toc chapter executed for this profile, not only those just run
            start = time.perf_counter()
            index = render_book(discover_chapters(), paths, strict=args.strict)
            render_s = time.perf_counter() - start
            _write_timings(paths, None, {}, render_s)
        _print_summary(timings, render_s)
        if args.command in ("build", "render"):
            log(f"book: {index}")
        else:
            log(f"executed notebooks: {paths.notebooks}")
        return 0
    except BookError as err:
        print(f"[book] ERROR: {err}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("[book] interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
