"""Energy flow polynomials: the book's batched evaluation against ``energyflow``'s, one core each.

On the same synthetic jets (1- to 3-prong, ``--min``..``--max`` particles, uniform), times
:func:`helpers.physics.efp.compute_efps` (torch, 1 thread) and
``energyflow.EFPSet('d<=D').batch_compute`` (``n_jobs=1``) at ``kappa = beta = 1``, checks
that they agree, and prints jets/s and the ratio.  The book's first call compiles the
elimination program of the graph set (cached afterwards): that time is shown apart.

    python benchmarks/bench_efp.py [--jets 500] [--max-degree 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.physics.efp import EFPSpec, canonical, compute_efps  # noqa: E402


def synthetic_jets(n_jets: int, low: int, high: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Packed ``(pT, eta, phi)`` rows and the particles per jet: 1- to 3-prong jets of
    collinear particles, steeply falling pT, ``low .. high`` particles each."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(low, high + 1, n_jets)
    rows = []
    for m in counts:
        centres = rng.normal(0, 0.25, (rng.integers(1, 4), 2))
        ang = centres[rng.integers(0, len(centres), m)] + rng.normal(0, 0.05, (m, 2))
        pt = np.sort(rng.exponential(1.0, m) ** 2)[::-1] * 600 / m
        rows.append(np.column_stack([pt, ang]))
    return np.concatenate(rows), counts


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jets", type=int, default=500)
    p.add_argument("--min", type=int, default=30, help="fewest particles of a jet")
    p.add_argument("--max", type=int, default=120, help="most particles of a jet")
    p.add_argument("--max-degree", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    import energyflow as ef  # installed without its dependencies, see the Makefile)

    features, counts = synthetic_jets(args.jets, args.min, args.max, args.seed)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    events = [features[offsets[j]:offsets[j + 1]] for j in range(len(counts))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        efpset = ef.EFPSet(f"d<={args.max_degree}", measure="hadr", beta=1, kappa=1, normed=True,
                           coords="ptyphim")
    specs = [EFPSpec(canonical(edges)) for edges in efpset.graphs()]
    print(f"{len(counts)} jets, {counts.min()}-{counts.max()} particles (mean {counts.mean():.1f}); "
          f"{len(specs)} EFPs of d <= {args.max_degree}; 1 thread each")

    start = time.perf_counter()
    compute_efps(features[:offsets[2]], counts[:2], specs)
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = compute_efps(features, counts, specs, batch_size=args.batch_size)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = np.asarray(efpset.batch_compute(events, n_jobs=1))
    theirs_s = time.perf_counter() - start
    worst = float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))

    rates = {"helpers.physics.efp": len(counts) / ours_s, "energyflow": len(counts) / theirs_s}
    print(f"\n{'method':22s} {'seconds':>9s} {'jets/s':>9s}")
    for (name, rate), seconds in zip(rates.items(), (ours_s, theirs_s)):
        print(f"{name:22s} {seconds:9.2f} {rate:9.0f}")
    ratio = rates["helpers.physics.efp"] / rates["energyflow"]
    print(f"ratio (ours / energyflow): {ratio:.1f}; first call (compiles the program, 2 jets) "
          f"{compile_s:.2f} s; largest relative difference {worst:.1e}")
    if args.json:
        args.json.write_text(json.dumps({
            "n_jets": int(len(counts)), "particles": [int(counts.min()), int(counts.max())],
            "n_efps": len(specs), "threads": 1, "jets_per_s": rates, "ratio": ratio,
            "compile_s": compile_s, "max_relative_difference": worst}, indent=2) + "\n")


if __name__ == "__main__":
    main()
