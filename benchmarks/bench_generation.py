"""Generation throughput, measured side by side in one run.

1. Kept jets per second per core for each process, with and without the parton-jet veto
   (the chain before it: their ratio is its speed-up), and against the same Pythia settings
   generating every event in full and nothing else: the chain's time over the time Pythia
   needs for the kept jets' own events alone is the physical limit of this approach.
2. With ``--stages N``: where one event's time goes, stage by stage (N events per stage).
3. The wall-time speed-up of sharded generation from 1 to N worker processes.

    python benchmarks/bench_generation.py --jets 1000 --workers 2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from helpers.data.samples import generate_sample
from helpers.studies.generation import generation_rates, stage_times


def speedup(process: str, n_jets: int, workers: int, shard_size: int) -> dict:
    """Wall time for the same sample with 1 and with ``workers`` processes."""
    times = {}
    for w in (1, workers):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            generate_sample(process, n_jets, "train", seed=123, shard_size=shard_size,
                            workers=w, root=Path(tmp))
            times[w] = time.perf_counter() - t0
    return {"t1": times[1], "tN": times[workers], "speedup": times[1] / times[workers]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jets", type=int, default=1000, help="jets per rate measurement")
    ap.add_argument("--processes", default="top,qcd,w,quark,gluon")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--speedup-jets", type=int, default=2000, help="0: skip the speed-up")
    ap.add_argument("--stages", type=int, default=0, metavar="N",
                    help="time each stage of N events per process (0: skip)")
    args = ap.parse_args()
    os.environ.setdefault("JETBOOK_PROGRESS", "0")

    for proc in args.processes.split(",") if args.stages else ():
        cells = "  ".join(f"{k} {v:.3f}" for k, v in stage_times(proc, args.stages).items())
        print(f"{proc:8s} ms/event: {cells}", flush=True)

    print(f"{'process':8s} {'jets/s/core':>11s} {'(no jet veto)':>13s} {'speed-up':>8s} "
          f"{'events/jet':>10s} {'(no jet veto)':>13s} {'vetoed':>6s} {'events/s bare':>13s} "
          f"{'chain/limit':>11s}")
    for proc in args.processes.split(","):
        r = generation_rates(proc, args.jets)
        print(f"{proc:8s} {r['jets_per_s']:11.1f} {r['jets_per_s_without_jet_veto']:13.1f} "
              f"{r['jet_veto_speedup']:8.2f} {r['events_per_jet']:10.2f} "
              f"{r['events_per_jet_without_jet_veto']:13.2f} {r['vetoed_share']:6.2f} "
              f"{r['events_per_s_bare']:13.0f} {r['chain_over_limit']:11.2f}", flush=True)

    for proc in ("top", "qcd") if args.speedup_jets > 0 else ():
        s = speedup(proc, args.speedup_jets, args.workers, shard_size=args.speedup_jets // 8)
        print(f"speed-up {proc}: 1 worker {s['t1']:.1f}s, {args.workers} workers "
              f"{s['tN']:.1f}s -> x{s['speedup']:.2f}", flush=True)


if __name__ == "__main__":
    main()
