"""Measure what the generation cuts lose: the pTHatMin bias and the top parton-level veto.

    python benchmarks/pthat_bias.py --jets 2000 --workers 2
    python benchmarks/pthat_bias.py --processes top --low top=20 --bias-power 1 --jets 4000
    python benchmarks/pthat_bias.py --processes top --veto-jets 3000
    python benchmarks/pthat_bias.py --processes top --jets 0 --veto-jets 4000 --loose-veto 250,300
    python benchmarks/pthat_bias.py --processes qcd,top,w,quark,gluon --jets 0 --jet-veto-jets 5000

1. pTHatMin: jets are generated from a deliberately low cut; the share of in-window jets
   whose event lies below a threshold is what a cut there would lose.  ``--bias-power``
   samples events biased towards high pTHat with compensating weights, so the low cut can
   go down to a few GeV at an affordable cost (ttbar has a long tail: hard initial-state
   radiation boosts slow top pairs into the window).
2. The top parton-level veto (helpers/data/veto.py): for jets generated *without* it, the
   pT of the fastest top of their event when the shower passes the early scale and as it
   decays; every jet below the veto's thresholds would be lost.  ``--loose-veto`` generates
   them with looser thresholds instead (several times faster; valid as far as the loose
   veto itself loses nothing, which a run without it checks).
3. The parton-jet veto of every process: jets generated with it judging only and with it
   applied, side by side -- the share of the first it would have dropped, the pT it judged
   (lowest values and quantiles), the speed-up, and two-sample Kolmogorov-Smirnov tests of
   pT, mass, tau32 and multiplicity between the two samples.

The chosen ``PhaseSpace:pTHatMin`` of each process (helpers/data/processes.py) should
lose at most a few per cent of the in-window jets; the data page reports the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from helpers.data.processes import PROCESSES
from helpers.studies.generation import jet_veto_check, pthat_bias, veto_margin

LOW = {"top": 150.0, "qcd": 250.0, "quark": 250.0, "gluon": 250.0}
THRESHOLDS = [50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 350.0, 400.0, 450.0, 500.0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jets", type=int, default=2000, help="jets per pTHat study (0: skip)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--processes", default=",".join(LOW))
    ap.add_argument("--low", default="", help="override generation cuts, e.g. top=100,qcd=200")
    ap.add_argument("--bias-power", type=float, default=None,
                    help="sample pTHat-biased events with weights (e.g. 1)")
    ap.add_argument("--veto-jets", type=int, default=0,
                    help="jets generated without the veto to check it (top only)")
    ap.add_argument("--loose-veto", default="", metavar="EARLY_PT,LATE_PT",
                    help="generate the --veto-jets with these looser thresholds (GeV)")
    ap.add_argument("--seed", type=int, default=555, help="seed of the --veto-jets sample")
    ap.add_argument("--jet-veto-jets", type=int, default=0,
                    help="jets per sample to check the parton-jet veto (0: skip)")
    args = ap.parse_args()
    LOW.update({k: float(v) for k, v in (kv.split("=") for kv in args.low.split(",") if kv)})
    for proc in args.processes.split(","):
        chosen = PROCESSES[proc].pthat_min
        if args.jets:
            t0 = time.perf_counter()
            res = pthat_bias(proc, LOW[proc], THRESHOLDS, args.jets, args.workers,
                             bias_power=args.bias_power)
            cells = "  ".join(f"<{t:g}: {100 * s:5.2f}±{100 * e:.2f}%"
                              for t, (s, e) in res.items() if t > LOW[proc])
            how = f", bias power {args.bias_power:g}" if args.bias_power else ""
            print(f"{proc:6s} (generated with pTHatMin={LOW[proc]:g}{how}, chosen {chosen:g}, "
                  f"{time.perf_counter() - t0:.0f}s): {cells}", flush=True)
        veto = PROCESSES[proc].parton_veto
        if args.veto_jets and veto is not None:
            loose = None
            if args.loose_veto:
                early_pt, late_pt = (float(v) for v in args.loose_veto.split(","))
                loose = dataclasses.replace(veto, early_pt=early_pt, late_pt=late_pt)
            pt = veto_margin(proc, args.veto_jets, chosen, args.seed, loose)  # [early, late]
            lost = pt[:, 1] < veto.late_pt
            if veto.early_pt is not None:
                lost |= pt[:, 0] < veto.early_pt
            q = np.nanpercentile(pt, [0.1, 1], axis=0)
            how = f"with {loose}" if loose else "without it"
            print(f"{proc:6s} {veto}: {len(pt)} jets generated {how}, "
                  f"{int(lost.sum())} would be vetoed; early/late min "
                  f"{np.nanmin(pt[:, 0]):.0f}/{np.nanmin(pt[:, 1]):.0f} GeV, "
                  f"0.1 % quantiles {q[0, 0]:.0f}/{q[0, 1]:.0f}, 1 % {q[1, 0]:.0f}/{q[1, 1]:.0f} GeV",
                  flush=True)
        if args.jet_veto_jets and PROCESSES[proc].jet_veto is not None:
            report_jet_veto(jet_veto_check(proc, args.jet_veto_jets, args.seed))


def report_jet_veto(r: dict) -> None:
    """Print what :func:`jet_veto_check` measured, one process."""
    early, late = r["records"].T
    q = np.nanpercentile(r["records"], [0.1, 1], axis=0)
    ks = "  ".join(f"{k} {p:.2f}" for k, p in r["ks_pvalue"].items())
    early_min = f"{np.nanmin(early):.0f}" if np.isfinite(early).any() else "-"
    print(f"{r['process']:6s} jet veto {r['veto']}: {r['n_jets']} jets each; would drop "
          f"{r['n_lost']} ({100 * r['lost']:.2f} ± {100 * r['lost_error']:.2f} %); early/late "
          f"min {early_min}/{np.nanmin(late):.0f} GeV, 0.1 % quantiles {q[0, 0]:.0f}/"
          f"{q[0, 1]:.0f}, 1 % {q[1, 0]:.0f}/{q[1, 1]:.0f} GeV; jets/s "
          f"{r['jets_per_s_without']:.1f} -> {r['jets_per_s_with']:.1f} (x{r['speedup']:.2f}), "
          f"{100 * r['vetoed_share']:.0f} % of events vetoed; KS p-values: {ks}", flush=True)


if __name__ == "__main__":
    main()
