"""Throughput of the observables, the C/A trees and the benchmark loader.

    python benchmarks/bench_observables.py [--n-jets 10000] [--loader-jets 200000]
                                           [--skip-observables] [--loader-profile ci]

Observables and trees run on synthetic jets (massless constituents, 1- or 3-prong,
pT ~ 600 GeV, ~65 constituents).  The loader reads a file in the benchmark's pandas
"table" layout written by :func:`helpers.data.benchmark.write_benchmark_layout` (in
appended chunks) from real generated jets: the cached top/QCD jets of a profile
(``load_task("top_qcd", profile)``, all splits), tiled up to ``--loader-jets``.  The
loader runs in a fresh process so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.data import SPLITS, JetSet, load_task  # noqa: E402
from helpers.data.benchmark import load_benchmark, write_benchmark_layout  # noqa: E402
from helpers.physics import kinematics as kin
from helpers.physics import observables as obs  # noqa: E402
from helpers.physics.trees import build_trees  # noqa: E402

SLOTS = 200
#: the loader's own default rows per read
DEFAULT_CHUNK = inspect.signature(load_benchmark).parameters["chunk_size"].default


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


def generated_jets(n_jets: int, profile: str = "ci", seed: int = 0) -> tuple[JetSet, int]:
    """``n_jets`` generated top/QCD jets: every split of the cached task, tiled; and how
    many distinct jets that pool has."""
    splits = load_task("top_qcd", profile, seed)
    pool = JetSet.concatenate([splits[s] for s in SPLITS])
    return pool.subset(np.resize(np.arange(len(pool)), n_jets)), len(pool)


def checksum(jets: JetSet) -> tuple[float, float, int]:
    """Cheap fingerprint of a JetSet, to check that the loader read what was written."""
    return (float(jets.constituents.sum(dtype=np.float64)),
            float(jets.truth.sum(dtype=np.float64)), int(jets.labels.sum()))


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


def load_in_child(path: str, chunk_size: int) -> dict:
    """Runs in a fresh process: seconds, jets, output bytes, tracemalloc peak, RSS growth."""
    rss_before = memory_kb("VmRSS") * 1024
    tracemalloc.start()
    start = time.perf_counter()
    jets = load_benchmark(path, chunk_size=chunk_size)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    rss = memory_kb("VmHWM") * 1024 - rss_before
    output = jets.constituents.nbytes + jets.labels.nbytes + jets.truth.nbytes
    return dict(seconds=seconds, count=len(jets), slots=jets.constituents.shape[1],
                output=output, peak=peak, rss=rss, checksum=checksum(jets))


def bench_observables(n: int, rng: np.random.Generator) -> None:
    """Jets/s of the observables and the C/A trees on ``n`` synthetic jets."""
    jets = synthetic_jets(n, rng)
    print(f"{n} synthetic jets, mean multiplicity {kin.multiplicity(jets).mean():.1f}")
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


def bench_loader(n_jets: int, chunk_size: int, profile: str, seed: int,
                 workdir: Path | None) -> None:
    """Write ``n_jets`` tiled generated jets in the benchmark layout, time reading them."""
    jets, distinct = generated_jets(n_jets, profile, seed)
    expected = checksum(jets)
    print(f"\nloader: {n_jets} jets = {distinct} generated top/QCD jets "
          f"(profile {profile}, all splits) tiled, {jets.constituents.shape[1]} slots")
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "bench.h5"
        write_s = timed(write_benchmark_layout, jets, path)
        del jets  # the reader's process is fresh anyway; keep this one small
        size_mb = path.stat().st_size / 2**20
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            res = pool.submit(load_in_child, str(path), chunk_size).result()
    if res["checksum"] != expected or res["count"] != n_jets:
        raise SystemExit(f"loader read something else than was written: {res} vs {expected}")
    seconds, count, output_mb = res["seconds"], res["count"], res["output"] / 2**20
    print(f"loader: wrote {n_jets} jets (table layout, {size_mb:.0f} MB) in {write_s:.1f} s "
          f"= {n_jets / write_s:.0f} jets/s")
    rate = f"{count / seconds:.0f} jets/s ({size_mb / seconds:.0f} MB/s of file)"
    print(f"loader: read {count} jets in {seconds:.2f} s = {rate}; checksum matches")
    peak, rss = res["peak"], res["rss"]
    print(f"loader: output arrays {output_mb:.0f} MB; tracemalloc peak {peak / 2**20:.0f} MB "
          f"({peak / res['output']:.2f}x output); peak RSS growth {rss / 2**20:.0f} MB "
          f"({rss / res['output']:.2f}x output) (chunk {chunk_size} rows)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-jets", type=int, default=10_000, help="jets for observables/trees")
    parser.add_argument("--skip-observables", action="store_true",
                        help="only the loader part")
    parser.add_argument(
        "--loader-jets", type=int, default=200_000, help="jets in the loader file (0: skip)"
    )
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK,
                        help=f"loader rows per read (default: the loader's, {DEFAULT_CHUNK})")
    parser.add_argument("--loader-profile", default="ci",
                        help="profile of the cached generated top/QCD jets (default: ci)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write the file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if not args.skip_observables:
        bench_observables(args.n_jets, np.random.default_rng(args.seed))
    if args.loader_jets > 0:
        bench_loader(args.loader_jets, args.chunk_size, args.loader_profile, args.seed,
                     args.workdir)


if __name__ == "__main__":
    main()
