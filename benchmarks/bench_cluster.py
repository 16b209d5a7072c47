"""Generation through a dask.distributed scheduler: the wall time of one sample with 1 and
with N workers (each its own process, started with the dask command line, one thread each),
side by side in one run.

    python benchmarks/bench_cluster.py --process qcd --jets 600 --shard-size 100 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.data.samples import generate_sample


def start_cluster(n_workers: int, folder: Path) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler and ``n_workers`` single-threaded workers; ``(address, processes)``."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    info = folder / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(info), "--host",
                               "127.0.0.1", "--port", "0", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    while not info.is_file():
        time.sleep(0.1)
    time.sleep(0.5)
    address = json.loads(info.read_text())["address"]
    procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                "--no-dashboard"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True, cwd=str(folder))
              for _ in range(n_workers)]
    with Client(address, timeout=60) as client:
        client.wait_for_workers(n_workers, timeout=120)
    return address, procs


def timed(process: str, n_jets: int, shard_size: int, n_workers: int) -> float:
    """Seconds to generate the sample on a fresh cluster of ``n_workers`` workers."""
    with tempfile.TemporaryDirectory() as tmp:
        address, procs = start_cluster(n_workers, Path(tmp))
        os.environ["JETBOOK_SCHEDULER"] = address
        try:
            t0 = time.perf_counter()
            generate_sample(process, n_jets, "train", seed=321, shard_size=shard_size,
                            root=Path(tmp) / "cache")
            return time.perf_counter() - t0
        finally:
            del os.environ["JETBOOK_SCHEDULER"]
            for p in procs:
                os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                p.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--process", default="qcd")
    ap.add_argument("--jets", type=int, default=600)
    ap.add_argument("--shard-size", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("JETBOOK_PROGRESS", "0")
    t1 = timed(args.process, args.jets, args.shard_size, 1)
    tn = timed(args.process, args.jets, args.shard_size, args.workers)
    print(json.dumps({"process": args.process, "jets": args.jets, "shard_size": args.shard_size,
                      "cpus": os.cpu_count(), "seconds_1_worker": round(t1, 1),
                      f"seconds_{args.workers}_workers": round(tn, 1),
                      "speedup": round(t1 / tn, 2)}, indent=2))


if __name__ == "__main__":
    main()
