"""Measure the pTHatMin bias: the share of in-window jets from events below a pTHat cut.

    python benchmarks/pthat_bias.py --jets 2000 --workers 2

The chosen ``PhaseSpace:pTHatMin`` of each process (helpers/data/processes.py) should
lose at most ~3 % of the in-window jets.
"""

from __future__ import annotations

import argparse
import time

from helpers.data.processes import PROCESSES
from helpers.data.studies import pthat_bias

LOW = {"top": 200.0, "qcd": 250.0, "quark": 250.0, "gluon": 250.0}
THRESHOLDS = [200.0, 250.0, 300.0, 350.0, 400.0, 450.0, 500.0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jets", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--processes", default=",".join(LOW))
    ap.add_argument("--low", default="", help="override generation cuts, e.g. top=100,qcd=200")
    args = ap.parse_args()
    LOW.update({k: float(v) for k, v in (kv.split("=") for kv in args.low.split(",") if kv)})
    for proc in args.processes.split(","):
        t0 = time.perf_counter()
        res = pthat_bias(proc, LOW[proc], THRESHOLDS, args.jets, args.workers)
        chosen = PROCESSES[proc].pthat_min
        cells = "  ".join(f"<{t:g}: {100 * s:5.1f}±{100 * e:.1f}%" for t, (s, e) in res.items()
                          if t > LOW[proc])
        print(f"{proc:6s} (generated with pTHatMin={LOW[proc]:g}, chosen {chosen:g}, "
              f"{time.perf_counter() - t0:.0f}s): {cells}", flush=True)


if __name__ == "__main__":
    main()
