"""Command line for the data layer.

Examples::

    python -m helpers.data generate top --jets 50000 --workers 2
    python -m helpers.data task top_qcd --profile standard
    python -m helpers.data info .cache/jets/top_train-<hash>.h5
"""

from __future__ import annotations

import argparse
import json
import sys

from ..config import PROFILES
from .errors import DataError
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

    info = sub.add_parser("info", help="print the attributes of a generated file")
    info.add_argument("path")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
        else:
            print(json.dumps(read_attrs(args.path), indent=2, default=str))
    except (DataError, PermissionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
