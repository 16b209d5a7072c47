"""Command line of the book build: ``python -m helpers.book build|execute|render|list``
(see :mod:`helpers.book`), with the timings summary and ``timings.json``."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any, Sequence

from ..config import PROFILES, REPO_ROOT, SCHEDULER_ENV
from .chapters import discover_chapters, select_chapters
from .errors import BookError, log
from .execute import DATA_SOURCES, ChapterRun, RunOptions, execute_chapters
from .paths import EDITIONS, BuildPaths, build_paths
from .render import check_unmixed, render_book


def _commit() -> str | None:
    """The checkout's commit (with ``+`` when the tree has changes), if git can tell."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+" if dirty.strip() else "")


def machine() -> dict[str, Any]:
    """What the timings were measured on."""
    return {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "system": platform.system(), "python": platform.python_version()}


def _write_timings(paths: BuildPaths, opts: RunOptions | None, runs: dict[str, ChapterRun],
                   render_s: float | None, execute_s: float | None = None) -> None:
    """Update ``timings.json``: seconds per chapter (``chapters``), its kernel's CPU seconds
    (``cpu_s``, generation workers included; ``cpu_s / chapters`` = cores busy), the chapter's cache
    accesses and state (``cache``: cold when it generated or trained, cached when every
    lookup hit), the run's settings (with ``jobs``) and the wall time of the execution, the
    machine, the commit and the date."""
    data: dict[str, Any] = {}
    if paths.timings.is_file():
        with contextlib.suppress(ValueError):
            data = json.loads(paths.timings.read_text())
    data.setdefault("chapters", {}).update({k: round(r.seconds, 2) for k, r in runs.items()})
    data.setdefault("cpu_s", {}).update({k: round(r.cpu_seconds, 2) for k, r in runs.items()})
    data.setdefault("cache", {}).update(
        {k: {"state": r.state, **r.cache} for k, r in runs.items()})
    if opts is not None:
        data.update(profile=opts.profile, device=opts.device, seed=opts.seed,
                    data_source=opts.data_source, jobs=opts.jobs)
    if execute_s is not None:
        data["execute_wall_s"] = round(execute_s, 2)
    if render_s is not None:
        data["render_s"] = round(render_s, 2)
    data.update(machine=machine(), commit=_commit(),
                written=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.timings.write_text(json.dumps(data, indent=2) + "\n")


def _print_summary(runs: dict[str, ChapterRun], render_s: float | None,
                   wall_s: float | None = None) -> None:
    if not runs and render_s is None:
        return
    log("timings:")
    for name, run in runs.items():
        log(f"  {name:<24} {run.seconds:9.1f} s  {run.state:<6}  {run.cores:4.1f} cores busy")
    if render_s is not None:
        log(f"  {'(render)':<24} {render_s:9.1f} s")
    log(f"  {'total':<24} {sum(r.seconds for r in runs.values()) + (render_s or 0):9.1f} s")
    if wall_s is not None:
        saved = sum(r.seconds for r in runs.values()) - wall_s
        how = (f"side by side saved {saved:.0f} s" if saved > 0.05 * wall_s
               else "one chapter at a time")
        log(f"  {'(execution, wall clock)':<24} {wall_s:9.1f} s  {how}")


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
                        help="output root; the build goes to BUILD_DIR/<profile>, with "
                             "-benchmark and -seed<N> appended for those options "
                             "(default: _build)")

    # what changes the results: it also names the build folder (helpers.book.paths.build_name)
    variant = argparse.ArgumentParser(add_help=False)
    variant.add_argument("--seed", type=int, default=0,
                         help="first training seed (default 0; another seed builds into "
                              "BUILD_DIR/<profile>-seed<N>)")
    variant.add_argument("--data-source", default="generated", choices=DATA_SOURCES,
                         help="generated jets (default) or the benchmark files (built into "
                              "BUILD_DIR/<profile>-benchmark)")

    run = argparse.ArgumentParser(add_help=False)
    run.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="generate missing samples on this dask.distributed scheduler's "
                          f"workers, e.g. tcp://host:8786 (default: ${SCHEDULER_ENV})")
    run.add_argument("--data-dir", default="",
                     help="folder with the benchmark train.h5/val.h5/test.h5 (data-source benchmark)")
    run.add_argument("--timeout", type=float, default=None,
                     help="per-cell execution timeout in seconds (default: from the profile)")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="chapters executed at the same time, each once the chapters it "
                          "needs have finished (default: the number of cores, "
                          f"{os.cpu_count()} here; 1: one after the other in toc order)")
    run.add_argument("--keep-going", action="store_true",
                     help="execute the remaining chapters after a failure (still exits non-zero)")

    rend = argparse.ArgumentParser(add_help=False)
    rend.add_argument("--strict", action="store_true",
                      help="treat Sphinx warnings as errors")
    rend.add_argument("--edition", default="reader", choices=EDITIONS,
                      help="reader: solutions collapsed (html/); student: solutions removed "
                           "(html-student/)")

    sub.add_parser("build", parents=[common, variant, run, rend], help="execute, then render")
    sub.add_parser("execute", parents=[common, variant, run], help="execute only")
    sub.add_parser("render", parents=[common, variant, rend],
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
        paths = build_paths(args.profile, args.build_dir, getattr(args, "edition", "reader"),
                            data_source=args.data_source, seed=args.seed)
        opts = RunOptions(profile=args.profile)
        index = paths.html / "index.html"
        if getattr(args, "scheduler", None):
            os.environ[SCHEDULER_ENV] = args.scheduler  # the chapters' kernels inherit it
        if args.command in ("build", "execute"):
            opts = RunOptions(profile=args.profile, device=args.device, seed=args.seed,
                              data_source=args.data_source, data_dir=args.data_dir,
                              timeout=args.timeout, keep_going=args.keep_going,
                              jobs=args.jobs if args.jobs is not None else (os.cpu_count() or 1))
            opts.validate()
            # refuse now, not after an hour of execution, a run that would mix with the
            # chapters already executed in this folder (e.g. another --data-dir)
            check_unmixed(discover_chapters(), paths,
                          {c.name: opts.parameters() for c in chapters})
        timings: dict[str, ChapterRun] = {}
        render_s = wall_s = None
        if args.command in ("build", "execute"):
            start = time.perf_counter()
            try:
                timings = execute_chapters(chapters, paths, opts)
            finally:
                wall_s = time.perf_counter() - start
                _write_timings(paths, opts, timings, None, wall_s)
        if args.command in ("build", "render"):
            # render every toc chapter executed for this profile, not only those just run
            start = time.perf_counter()
            index = render_book(discover_chapters(), paths, strict=args.strict)
            render_s = time.perf_counter() - start
            _write_timings(paths, None, {}, render_s)
        _print_summary(timings, render_s, wall_s if opts.jobs > 1 and len(timings) > 1 else None)
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

