"""Training throughput (jets/s) of the PFN: padded vs trimmed vs packed, in one run.

The same PFN (paper sizes), batch size and jets are trained for one epoch in each form:

- ``padded``:  Phi on all 200 slots of every jet, padded slots masked out of the sum;
- ``trimmed``: the same, but each batch is cut to its longest jet;
- ``packed``:  Phi once on the real particles only, summed per jet with ``index_add_``.

Jets come from a profile's cached training split (``--profile``; needs the data layer, i.e.
FastJet/Pythia) or, with ``--synthetic N``, from N synthetic jets whose multiplicities follow
the generated ones (mean ~68, tail to 200) -- that mode needs only numpy and torch, e.g. on
a GPU machine::

    python benchmarks/bench_pfn.py --profile ci --threads 2
    python benchmarks/bench_pfn.py --synthetic 20000 --device cuda
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.models.pfn import PFN, PackedInputs, PaddedInputs, PaddedPFN  # noqa: E402
from helpers.training import training_throughput  # noqa: E402
from helpers.training.recipes import PFN_DEFAULTS  # noqa: E402

MAX_PARTICLES = 200


def synthetic_particles(n: int, seed: int = 0, mean_multiplicity: float = 68.0):
    """``n`` jets of packed ``(z, deta, dphi)`` with gamma-distributed multiplicities
    (shape 8, i.e. ~35 % spread, clipped to 1..200) and random labels."""
    rng = np.random.default_rng(seed)
    counts = np.clip(rng.gamma(8.0, mean_multiplicity / 8.0, n).round(), 1, MAX_PARTICLES)
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    z = rng.exponential(1.0, total)
    z /= np.repeat(np.add.reduceat(z, np.cumsum(counts) - counts), counts)
    features = np.stack([z, rng.normal(0, 0.2, total), rng.normal(0, 0.2, total)], 1)
    particles = SimpleNamespace(features=features.astype(np.float32), counts=counts)
    return particles, rng.integers(0, 2, n)


def profile_particles(profile: str, seed: int = 0):
    """Packed PFN inputs and labels of a profile's training split (generated if needed)."""
    from helpers.data import load_task
    from helpers.preprocessing import pfn_features

    train = load_task("top_qcd", profile, seed=seed)["train"]
    return pfn_features(train), train.labels


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", default="ci", help="take the training jets of this profile")
    p.add_argument("--synthetic", type=int, default=None, help="use N synthetic jets instead")
    p.add_argument("--batch-size", type=int, default=PFN_DEFAULTS["batch_size"])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    particles, y = (synthetic_particles(args.synthetic) if args.synthetic
                    else profile_particles(args.profile))
    counts = np.asarray(particles.counts)
    forms = {
        "padded (200 slots)": (PaddedPFN, PaddedInputs.from_packed(particles, MAX_PARTICLES)),
        "trimmed (longest in batch)": (PaddedPFN, PaddedInputs.from_packed(particles, MAX_PARTICLES,
                                                                           trim=True)),
        "packed (index_add_)": (PFN, PackedInputs.from_packed(particles)),
    }
    print(f"{len(counts)} jets, multiplicity mean {counts.mean():.1f}, max {counts.max()}; "
          f"batch {args.batch_size}, {args.epochs} epoch(s), device {args.device}, "
          f"{torch.get_num_threads()} threads")
    results = {}
    for name, (cls, inputs) in forms.items():
        results[name] = training_throughput(cls, inputs, y, args.batch_size, args.epochs,
                                            args.device, lr=PFN_DEFAULTS["lr"])
        print(f"  {name:28s} {results[name]:10,.0f} jets/s")
    base = results["padded (200 slots)"]
    print("speed-up over padded: "
          + ", ".join(f"{k.split()[0]} x{v / base:.1f}" for k, v in results.items()))
    if args.json:
        args.json.write_text(json.dumps({"n_jets": len(counts), "device": args.device,
                                         "threads": torch.get_num_threads(),
                                         "jets_per_s": results}))


if __name__ == "__main__":
    main()
