"""The book's chapters one after the other (``--jobs 1``) against side by side (``--jobs 2``),
on the same cache state, measured in one run.

1. **cold**: each job count executes every chapter into its own empty cache (jets generated,
   models trained) -- the two runs start from the same (empty) state;
2. **warm**: each job count executes every chapter again from the first run's filled cache.

The wall-clock time of the execution (``execute_wall_s`` of the builder's ``timings.json``)
and each chapter's time are written to ``benchmarks/results/jobs_times.json`` under the
profile's name, with the machine, commit and date.

    python benchmarks/bench_jobs.py --profile ci      # ~25 min on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "benchmarks" / "results" / "jobs_times.json"


def execute(profile: str, jobs: int, build: Path, cache: Path, chapters: str) -> dict:
    """One ``helpers.book execute`` run; its ``timings.json`` record."""
    env = {**os.environ, "JETBOOK_CACHE": str(cache)}
    env.pop("JETBOOK_CACHE_LOG", None)
    args = [sys.executable, "-m", "helpers.book", "execute", "--profile", profile,
            "--jobs", str(jobs), "--build-dir", str(build)]
    if chapters:
        args += ["--chapters", chapters]
    subprocess.run(args, cwd=REPO, env=env, check=True)
    return json.loads((build / profile / "timings.json").read_text())


def measure(profile: str, work: Path, chapters: str = "") -> dict:
    """Cold and warm records for ``--jobs 2`` and ``--jobs 1`` (see the module docstring)."""
    runs = {}
    for state in ("cold", "warm"):
        for jobs in (2, 1):
            # warm: both read the cache that the cold --jobs 2 run filled
            cache = work / ("cache-2" if state == "warm" else f"cache-{jobs}")
            runs[f"{state}, --jobs {jobs}"] = execute(profile, jobs, work / f"build-{state}-{jobs}",
                                                      cache, chapters)
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="ci")
    ap.add_argument("--chapters", default="", help="comma-separated (default: all)")
    ap.add_argument("--work-dir", default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--output", default=str(OUTPUT))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work_dir) as tmp:
        record = measure(args.profile, Path(tmp), args.chapters)
    out = Path(args.output)
    data = json.loads(out.read_text()) if out.is_file() else {}
    data[args.profile] = record
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    for state in ("cold", "warm"):
        one, two = (record[f"{state}, --jobs {j}"]["execute_wall_s"] for j in (1, 2))
        print(f"{args.profile} {state}: --jobs 1 {one / 60:.1f} min, --jobs 2 {two / 60:.1f} min, "
              f"ratio {one / two:.2f}")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
