"""Executing the chapters: jupytext conversion, the kernel's environment, papermill
execution with error reports that name the notebook and the cell, and the run options."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..cache import ACCESS_LOG_ENV, read_access_log
from ..config import REPO_ROOT, cache_dir, fetched_benchmark_dir, get_profile, resolve_device
from .chapters import Chapter, chapter_needs, dependents
from .errors import BookError, ChapterExecutionError, log
from .paths import BuildPaths

#: names every chapter's ``parameters`` cell must define
REQUIRED_PARAMETERS = ("profile", "device", "seed", "data_source", "data_dir")
DATA_SOURCES = ("generated", "benchmark")
KERNEL_NAME = "python3"
#: the kernel's environment variable naming the folder of the chapters' result files (the same
#: name as helpers.results.record.RESULTS_ENV; tests/test_results.py checks it)
RESULTS_ENV = "JETBOOK_RESULTS"
#: environment given to the kernel on top of the caller's
KERNEL_ENV = {
    "JETBOOK_PROGRESS": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


def cell_timeout(profile: str, override: float | None = None) -> int:
    """Per-cell execution timeout in seconds: ``--timeout``, else the profile's."""
    if override is not None:
        if override <= 0:
            raise BookError(f"--timeout must be positive, got {override}")
        return int(override)
    return int(get_profile(profile).cell_timeout)


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
        shown = source.relative_to(REPO_ROOT) if source.is_relative_to(REPO_ROOT) else source
        parts.append(f"{shown}:{line}")
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
    #: chapters executed at the same time (each in its own process and kernel)
    jobs: int = 1

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
        if self.jobs < 1:
            raise BookError(f"--jobs must be at least 1, got {self.jobs}")
        if self.data_source not in DATA_SOURCES:
            raise BookError(f"--data-source must be one of {', '.join(DATA_SOURCES)}, "
                            f"got {self.data_source!r}")
        if self.data_source == "benchmark":
            self.data_dir = self.data_dir or str(fetched_benchmark_dir() or "")
            if not self.data_dir:
                raise BookError("--data-source benchmark needs --data-dir (folder with "
                                "train.h5, val.h5, test.h5), or the files in the cache: run "
                                "`python -m helpers.data fetch-benchmark` first")
            if not Path(self.data_dir).is_dir():
                raise BookError(f"--data-dir {self.data_dir} is not a directory")
            self.data_dir = str(Path(self.data_dir).resolve())
        try:
            resolve_device(self.device)  # fail now, not after an hour of execution
        except (ValueError, RuntimeError) as err:
            raise BookError(str(err)) from None


def cache_summary(log_file: Path) -> dict[str, Any]:
    """Counts of a chapter's cache accesses: ``hit``/``miss``/``write`` in all and per kind.

    A chapter that found everything it needed in the cache has ``miss == 0``: it generated
    no jets and trained no model (the classroom cache's promise, checked by the tests).
    """
    events = read_access_log(log_file) if log_file.is_file() else []
    summary: dict[str, Any] = {"hit": 0, "miss": 0, "write": 0, "by_kind": {}}
    for event, kind, _ in events:
        if event in ("hit", "miss", "write"):
            summary[event] += 1
            per = summary["by_kind"].setdefault(kind, {"hit": 0, "miss": 0, "write": 0})
            per[event] += 1
    return summary


@dataclass
class ChapterRun:
    """One executed chapter: wall-clock seconds, what it found in the cache, and the CPU
    seconds its kernel and the processes it started (sample generation) used."""

    seconds: float
    cache: dict[str, Any]
    cpu_seconds: float = float("nan")

    @property
    def cores(self) -> float:
        """Cores kept busy on average: CPU seconds per wall-clock second."""
        return self.cpu_seconds / self.seconds if self.seconds > 0 else float("nan")

    @property
    def state(self) -> str:
        """``cached`` when every cache lookup hit, else ``cold`` (something was made)."""
        return "cached" if self.cache["miss"] == 0 else "cold"


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children and, through them,
    of every process they waited for (a kernel's generation workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_with_access_log(paths: BuildPaths, chapter: Chapter, run) -> ChapterRun:
    """Run ``run(env)`` with the chapter's own cache access record, ``logs/cache-NN.log``,
    and count the CPU time of the processes it starts (one chapter at a time per process).

    A record the caller asked for (``$JETBOOK_CACHE_LOG``) still receives every line.
    """
    paths.logs.mkdir(parents=True, exist_ok=True)
    own = paths.logs / f"cache-{chapter.name}.log"
    own.unlink(missing_ok=True)
    cpu = children_cpu_seconds()
    seconds = run({ACCESS_LOG_ENV: str(own)})
    cpu = children_cpu_seconds() - cpu
    outer = os.environ.get(ACCESS_LOG_ENV)
    if outer and own.is_file():
        with open(outer, "a") as fh:
            fh.write(own.read_text())
    return ChapterRun(seconds, cache_summary(own), cpu)


def _execute_one(chapter: Chapter, paths: BuildPaths, opts: RunOptions, timeout: int,
                 extra_env: dict[str, str]) -> ChapterRun:
    """Execute one chapter with its own cache access record (raises on a failing cell)."""
    def run(env: dict[str, str]) -> float:
        return execute_notebook(
            chapter.source, paths.executed(chapter), opts.parameters(),
            timeout=timeout, input_dir=paths.inputs,
            name=str(chapter.source.relative_to(REPO_ROOT))
            if chapter.source.is_relative_to(REPO_ROOT) else chapter.name,
            env={RESULTS_ENV: str(paths.results), **extra_env, **env},
        )

    return _run_with_access_log(paths, chapter, run)


def _done(chapter: Chapter, result: ChapterRun, paths: BuildPaths) -> None:
    log(f"{chapter.name}: executed in {result.seconds:.1f} s on {result.cores:.1f} cores "
        f"({result.state}: "
        f"{result.cache['hit']} cache hits, {result.cache['miss']} misses) "
        f"-> {paths.executed(chapter)}")


#: The thread pools a chapter's kernel may open: torch's (read by :func:`~helpers.config.setup_device`)
#: and the BLAS / OpenMP ones under numpy, scipy and scikit-learn, which default to every core.
THREAD_VARIABLES = ("JETBOOK_TORCH_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS")


def thread_budget(jobs: int, cpus: int | None = None) -> dict[str, str]:
    """The kernel environment of a chapter that may run beside others: ``cpus // jobs``
    threads (at least one) for torch and for BLAS / OpenMP, each unless the user has set it.

    Without the BLAS limit, two chapters each open a pool per core: a scikit-learn fit beside
    a training chapter ran 2-3x slower on 2 cores (``benchmarks/bench_threads.py``).
    """
    n = str(max(1, (cpus or os.cpu_count() or 1) // jobs))
    return {var: n for var in THREAD_VARIABLES if var not in os.environ}


class _InlineExecutor(Executor):
    """Runs each submitted call at once, in this process (one chapter at a time)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


def _execute_graph(chapters: Sequence[Chapter], paths: BuildPaths, opts: RunOptions,
                   timeout: int) -> tuple[dict[str, ChapterRun], list[ChapterExecutionError]]:
    """Execute up to ``opts.jobs`` chapters at once, each as soon as the chapters it needs
    (:func:`~helpers.book.chapters.chapter_needs`) have finished; among the ready ones, the
    one that holds up most others first.  A chapter that may overlap with another gets its
    share of the cores (:func:`thread_budget`); one that runs alone gets them all.  With one
    job the chapters run in toc order, in this process, each with every core."""
    side_by_side = opts.jobs > 1 and len(chapters) > 1
    needs = chapter_needs(chapters)
    waiting = dependents(needs)
    order = {c.name: i for i, c in enumerate(chapters)}
    pending, finished = list(chapters), set()
    running: dict[Future, Chapter] = {}
    runs: dict[str, ChapterRun] = {}
    failures: list[ChapterExecutionError] = []
    context = multiprocessing.get_context("spawn")  # each worker imports afresh, no forked state
    pool = (ProcessPoolExecutor(max_workers=opts.jobs, mp_context=context) if side_by_side
            else _InlineExecutor())
    with pool:
        while pending or running:
            if not failures or opts.keep_going:
                ready = [c for c in pending if all(n in finished for n in needs[c.name])]
                ready.sort(key=lambda c: ((-len(waiting[c.name]) if side_by_side else 0),
                                          order[c.name]))
                for chapter in ready[: opts.jobs - len(running)]:
                    pending.remove(chapter)
                    overlap = side_by_side and (bool(running) or any(
                        c.name not in waiting[chapter.name] for c in pending))
                    log(f"executing {chapter.toc_file} ..."
                        + (" (alone: every core)" if side_by_side and not overlap else ""))
                    env = thread_budget(opts.jobs) if overlap else {}
                    running[pool.submit(_execute_one, chapter, paths, opts, timeout, env)] = chapter
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: order[running[f].name]):
                chapter = running.pop(future)
                finished.add(chapter.name)
                try:
                    runs[chapter.name] = future.result()
                except ChapterExecutionError as err:
                    failures.append(err)
                    log(f"FAILED {chapter.name}")
                    continue
                _done(chapter, runs[chapter.name], paths)
    if failures and pending:
        log("not executed after the failure: " + ", ".join(c.name for c in pending))
    return {c.name: runs[c.name] for c in chapters if c.name in runs}, failures


def execute_chapters(chapters: Sequence[Chapter], paths: BuildPaths,
                     opts: RunOptions) -> dict[str, ChapterRun]:
    """Execute the chapters (in toc order, or ``opts.jobs`` at a time along their
    dependencies); returns each chapter's time and cache accesses."""
    opts.validate()
    timeout = cell_timeout(opts.profile, opts.timeout)
    log(f"profile={opts.profile} device={opts.device} (-> {resolve_device(opts.device)}) "
        f"seed={opts.seed} data_source={opts.data_source}"
        + (f" data_dir={opts.data_dir}" if opts.data_dir else "")
        + (f" jobs={opts.jobs}" if opts.jobs > 1 else ""))
    log(f"cache: {cache_dir()}   per-cell timeout: {timeout} s   kernel cwd: {REPO_ROOT}")
    runs, failures = _execute_graph(chapters, paths, opts, timeout)
    if len(failures) == 1 and not opts.keep_going:
        raise failures[0]
    if failures:
        raise BookError(f"{len(failures)} chapter(s) failed:\n" + "\n".join(str(f) for f in failures))
    return runs
