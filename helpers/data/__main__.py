"""Command line for the data layer.

Examples::

    python -m helpers.data generate top --jets 50000 --workers 2
    python -m helpers.data task top_qcd --profile standard
    python -m helpers.data info .cache/jets/top_train-<hash>.h5
    python -m helpers.data export --profile ci --output classroom-ci.tar.gz
    python -m helpers.data import classroom-ci.tar.gz
    python -m helpers.data fetch-benchmark

``export``/``import``: the classroom cache (helpers/data/classroom.py).  ``fetch-benchmark``:
the original top-tagging files from Zenodo into ``<cache>/benchmark`` (helpers/data/fetch.py),
where ``--data-source benchmark`` finds them.  The cache root is
``$JETBOOK_CACHE`` (default ``<repo>/.cache``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..config import PROFILES, SCHEDULER_ENV
from .classroom import export_archive, import_archive
from .errors import DataError
from .fetch import BENCHMARK_RECORD, ZENODO_API, fetch_benchmark
from .processes import PROCESSES, TASKS
from .samples import SPLITS, generate_sample, task_files
from .store import read_attrs


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m helpers.data", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="generate (or reuse) jets of one process")
    gen.add_argument("process", help=f"one of: {', '.join(PROCESSES)}")
    gen.add_argument("--jets", type=int, required=True, help="number of jets")
    gen.add_argument("--split", default="train", choices=SPLITS)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--shard-size", type=int, default=1000, help="jets per shard")
    gen.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    gen.add_argument("--pthat-min", type=float, default=None, help="override PhaseSpace:pTHatMin")
    gen.add_argument("--force", action="store_true", help="regenerate even if cached")

    task = sub.add_parser("task", help="generate all splits of a task at a profile's sizes")
    task.add_argument("task", choices=list(TASKS))
    task.add_argument("--profile", default="standard", choices=PROFILES)
    task.add_argument("--seed", type=int, default=0)
    task.add_argument("--workers", type=int, default=None)
    for cmd in (gen, task):
        cmd.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="send the shards to this dask.distributed scheduler, e.g. "
                              f"tcp://host:8786 (default: ${SCHEDULER_ENV}, else local "
                              "processes)")

    info = sub.add_parser("info", help="print the attributes of a generated file")
    info.add_argument("path")

    exp = sub.add_parser("export", help="pack the cache entries into a classroom archive")
    exp.add_argument("--profile", default="standard", choices=PROFILES)
    exp.add_argument("--output", type=Path, default=None,
                     help="archive to write (default classroom-<profile>.tar.gz; "
                          ".gz/.tgz = gzip, else plain tar)")
    exp.add_argument("--from-log", type=Path, default=None, metavar="LOG",
                     help="pack only the entries named in this cache access record "
                          "($JETBOOK_CACHE_LOG of a run of the profile); default: all entries")

    imp = sub.add_parser("import", help="verify a classroom archive and unpack it into the cache")
    imp.add_argument("archive", type=Path)
    imp.add_argument("--allow-version-mismatch", action="store_true",
                     help="import even if the archive was made with other package versions")
    imp.add_argument("--overwrite", action="store_true",
                     help="replace cache files whose content differs from the archive's")
    fetch = sub.add_parser("fetch-benchmark",
                           help="download train.h5, val.h5, test.h5 of the top-tagging "
                                "benchmark (Zenodo) into the cache, resumable and verified")
    fetch.add_argument("--record", default=BENCHMARK_RECORD, help="Zenodo record id")
    fetch.add_argument("--api", default=ZENODO_API, help="record API base URL")
    fetch.add_argument("--dest", type=Path, default=None,
                       help="folder to download into (default: <cache>/benchmark)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "scheduler", None):
        os.environ[SCHEDULER_ENV] = args.scheduler
    try:
        if args.command == "generate":
            path = generate_sample(args.process, args.jets, args.split, args.seed,
                                   args.shard_size, pthat_min=args.pthat_min,
                                   workers=args.workers, force=args.force)
            print(path)
        elif args.command == "task":
            for path in task_files(args.task, args.profile, args.seed,
                                   workers=args.workers).values():
                print(path)
        elif args.command == "fetch-benchmark":
            print(fetch_benchmark(args.record, args.api, args.dest))
        elif args.command == "export":
            print(export_archive(args.profile, args.output, log=args.from_log))
        elif args.command == "import":
            report = import_archive(args.archive, allow_version_mismatch=args.allow_version_mismatch,
                                    overwrite=args.overwrite)
            for warning in report.version_warnings:
                print(f"warning: other package version -- {warning}", file=sys.stderr)
            print(report.summary())
        else:
            print(json.dumps(read_attrs(args.path), indent=2, default=str))
    except (DataError, PermissionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
