"""Throughput of the observables, the C/A trees and the benchmark loader.

    python benchmarks/bench_observables.py [--n-jets 10000] [--loader-jets 200000]

Observables and trees run on synthetic jets (massless constituents, 1- or 3-prong,
pT ~ 600 GeV, ~65 constituents); the loader reads a file in the benchmark's pandas
"table" layout that the script writes itself (in chunks, with ``HDFStore.append``).
The loader runs in a fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import observables as obs  # noqa: E402
from helpers.data.benchmark import load_benchmark  # noqa: E402
from helpers.trees import build_trees  # noqa: E402

SLOTS = 200


def synthetic_jets(n_jets: int, rng: np.random.Generator, slots: int = SLOTS) -> np.ndarray:
    """``(n_jets, slots, 4)`` float32 jets, half 3-prong, half 1-prong, pT-ordered."""
    mult = np.clip(rng.poisson(65, n_jets), 1, slots)
    prongs = rng.normal(0, 0.25, (n_jets, 3, 2))
    one_prong = rng.random(n_jets) < 0.5
    prongs[one_prong] = prongs[one_prong, :1]
    which = rng.integers(0, 3, (n_jets, slots))
    ang = prongs[np.arange(n_jets)[:, None], which] + rng.normal(0, 0.06, (n_jets, slots, 2))
    real = np.arange(slots)[None, :] < mult[:, None]
    share = np.where(real, rng.exponential(1.0, (n_jets, slots)) ** 2, 0.0)
    pt = -np.sort(-600 * share / share.sum(axis=1, keepdims=True), axis=1)
    eta = rng.uniform(-2, 2, (n_jets, 1)) + ang[..., 0]
    phi = rng.uniform(-np.pi, np.pi, (n_jets, 1)) + ang[..., 1]
    p4 = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    return np.where(real[..., None], p4, 0.0).astype(np.float32)


def benchmark_frame(cons: np.ndarray, labels: np.ndarray, start: int) -> pd.DataFrame:
    """Rows in the benchmark's column layout (truth = zeros)."""
    names = [f"{c}_{i}" for i in range(cons.shape[1]) for c in ("E", "PX", "PY", "PZ")]
    data = np.concatenate([cons.reshape(len(cons), -1), np.zeros((len(cons), 4), np.float32)], 1)
    columns = names + ["truthE", "truthPX", "truthPY", "truthPZ"]
    df = pd.DataFrame(data, columns=columns, index=np.arange(start, start + len(cons)))
    df["ttv"] = np.zeros(len(cons), np.int64)
    df["is_signal_new"] = labels.astype(np.int64)
    return df


def write_benchmark_file(path: Path, n_jets: int, rng: np.random.Generator, chunk: int = 10_000):
    """A benchmark-layout file of ``n_jets`` synthetic jets, written chunk by chunk."""
    with pd.HDFStore(path, mode="w") as store:
        for start in range(0, n_jets, chunk):
            size = min(chunk, n_jets - start)
            cons = synthetic_jets(size, rng)
            store.append("table", benchmark_frame(cons, rng.integers(0, 2, size), start))


def timed(func: Callable, *args) -> float:
    """Seconds for one call."""
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def memory_kb(field: str) -> int:
    """``VmRSS`` (current) or ``VmHWM`` (peak) resident memory of this process, in kB.

    Linux only; ``ru_maxrss`` would not do, as it survives the fork + exec of a child.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def load_in_child(path: str, chunk_size: int) -> tuple[float, int, int, int]:
    """Runs in a fresh process: seconds, jets, tracemalloc peak, RSS growth (bytes)."""
    rss_before = memory_kb("VmRSS") * 1024
    tracemalloc.start()
    start = time.perf_counter()
    jets = load_benchmark(path, chunk_size=chunk_size)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    return seconds, len(jets), peak, memory_kb("VmHWM") * 1024 - rss_before


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-jets", type=int, default=10_000, help="jets for observables/trees")
    parser.add_argument(
        "--loader-jets", type=int, default=200_000, help="jets in the loader file (0: skip)"
    )
    parser.add_argument("--chunk-size", type=int, default=10_000, help="loader rows per read")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write the file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    jets = synthetic_jets(args.n_jets, rng)
    n = args.n_jets
    print(f"{n} synthetic jets, mean multiplicity {obs.multiplicity(jets).mean():.1f}")
    four = {"pTD2": (2, 0), "LHA": (1, 0.5), "width": (1, 1), "mass": (1, 2)}
    steps = {
        "compute_observables": (obs.compute_observables, jets),
        "  nsubjettiness (tau1-3)": (obs.nsubjettiness, jets),
        "  angularities (4)": (obs.angularities, jets, four),
        "lund_declusterings (own C/A)": (obs.lund_declusterings, jets),
        "lund_declusterings_fastjet": (obs.lund_declusterings_fastjet, jets),
        "build_trees": (build_trees, jets),
    }
    print(f"\n{'step':32s} {'jets':>9s} {'seconds':>9s} {'jets/s':>10s}")
    for name, (func, *func_args) in steps.items():
        seconds = timed(func, *func_args)
        print(f"{name:32s} {n:9d} {seconds:9.2f} {n / seconds:10.0f}")

    if args.loader_jets > 0:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            path = Path(tmp) / "bench.h5"
            write_s = timed(write_benchmark_file, path, args.loader_jets, rng)
            size_mb = path.stat().st_size / 2**20
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                job = pool.submit(load_in_child, str(path), args.chunk_size)
                seconds, count, peak, rss = job.result()
        output_mb = count * (SLOTS * 4 * 4 + 4 * 4 + 1) / 2**20
        print(f"\nloader: wrote {args.loader_jets} jets ({size_mb:.0f} MB) in {write_s:.1f} s")
        rate = f"{count / seconds:.0f} jets/s ({size_mb / seconds:.0f} MB/s)"
        print(f"loader: read {count} jets in {seconds:.2f} s = {rate}")
        print(f"loader: output arrays {output_mb:.0f} MB; tracemalloc peak {peak / 2**20:.0f} MB; "
              f"peak RSS growth {rss / 2**20:.0f} MB (chunk {args.chunk_size} rows)")


if __name__ == "__main__":
    main()
