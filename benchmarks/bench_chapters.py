"""Per-chapter execution times, cold and from a classroom cache, measured in one run.

For one profile:

1. **cold**: every chapter executed into an empty cache (jets generated, models trained);
2. the cache is packed with ``python -m helpers.data export`` and unpacked with
   ``python -m helpers.data import`` into a second, empty cache (archive size and both
   times recorded);
3. **classroom**: every chapter executed again from the imported cache; each chapter's cache
   accesses are checked to be hits only (no generation, no training).

The two timing records (the builder's ``timings.json``, with each chapter's cache state)
are written to ``benchmarks/results/chapter_times.json`` under the profile's name, with
the machine, commit and date; the tutorial page (``notebooks/tutorial.py``) reads them.

    python benchmarks/bench_chapters.py --profile ci
    python benchmarks/bench_chapters.py --profile standard      # ~45 min on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "benchmarks" / "results" / "chapter_times.json"


def _run(args: list[str], cache: Path) -> float:
    env = {**os.environ, "JETBOOK_CACHE": str(cache)}
    env.pop("JETBOOK_CACHE_LOG", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=REPO, env=env, check=True)
    return time.perf_counter() - start


def _execute(profile: str, build: Path, cache: Path, chapters: str) -> dict:
    args = ["-m", "helpers.book", "execute", "--profile", profile, "--build-dir", str(build)]
    if chapters:
        args += ["--chapters", chapters]
    _run(args, cache)
    return json.loads((build / profile / "timings.json").read_text())


def measure(profile: str, work: Path, chapters: str = "") -> dict:
    """Cold and classroom timing records of ``profile`` (see the module docstring)."""
    cold_cache, class_cache = work / "cache-cold", work / "cache-classroom"
    cold = _execute(profile, work / "build-cold", cold_cache, chapters)
    archive = work / f"classroom-{profile}.tar"
    export_s = _run(["-m", "helpers.data", "export", "--profile", profile,
                     "--output", str(archive)], cold_cache)
    import_s = _run(["-m", "helpers.data", "import", str(archive)], class_cache)
    classroom = _execute(profile, work / "build-classroom", class_cache, chapters)
    made = {name: c["by_kind"] for name, c in classroom["cache"].items() if c["miss"]}
    if made:
        raise SystemExit(f"chapters generated or trained from the classroom cache: {made}")
    return {"cold": cold, "classroom": classroom,
            "archive": {"bytes": archive.stat().st_size, "export_s": round(export_s, 1),
                        "import_s": round(import_s, 1)}}


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
    for state in ("cold", "classroom"):
        total = sum(record[state]["chapters"].values())
        print(f"{args.profile} {state}: {total / 60:.1f} min", {k: round(v) for k, v in
                                                            record[state]["chapters"].items()})
    print(f"written: {out}")


if __name__ == "__main__":
    main()
