"""Peak memory of the benchmark loader and of each chapter's preprocessing, per jet.

Writes a synthetic file in the layout of the top-tagging benchmark files (pandas
``format="table"``, key ``table``: ``E_0, PX_0, PY_0, PZ_0, ... PZ_199``, ``truthE ..
truthPZ``, ``ttv``, ``is_signal_new``; 20-120 real constituents per jet, the rest zero, half
signal), in chunks, so that writing never holds the whole array.  Then every measurement
runs in a **fresh** Python process started by this small (stdlib-only) one, so that peaks
do not mix:

- ``bare``: ``import helpers, torch`` only; ``imports``: every module the steps use;
- ``load``: :func:`helpers.data.benchmark.load_benchmark` of the first ``n`` jets (the
  reader that ``load_task(data_source="benchmark")`` uses for each split);
- ``topodnn`` / ``pfn`` / ``lstm`` / ``cnn``: ``load`` + that preprocessing of all ``n`` jets;
- ``observables``: ``load`` + :func:`~helpers.physics.observables.compute_observables` of the
  first ``m`` jets (chapters 1 and 4 run it on whole splits; too slow here on many jets, so
  its growth per jet comes from two ``m``);
- ``efp``: ``load`` + ``pfn_features`` + EFPs of degree <= 5 (kappa = beta = 1) of the first
  ``m`` jets (chapter 6 evaluates them on chapter 5's test jets only); the EFPs' own peak is
  measured apart from that of their ``pfn_features`` input.

Each process reports ``ru_maxrss`` (getrusage), ``VmHWM`` / ``VmRSS`` from ``/proc``, the
resident memory after loading, and the step's own peak above it: the high-water mark is reset
through ``/proc/self/clear_refs`` between the phases, so a run's peak is the largest of its
phases.  (``ru_maxrss`` also counts the parent's RSS at the fork; the parent imports only the
standard library, so it equals ``VmHWM`` here.)  The parent fits ``peak = a + b * n`` over the
sizes ``n`` at which the preprocessing fills its chunks (below the chunk size its transient
still grows with ``n``), and extrapolates to the ``full`` profile's splits
(``2 * jets_per_class``: 1.2 M training jets) next to this machine's RAM.  The synthetic file
is deleted at the end (``--keep-file`` keeps it).  The default run took 4 minutes on the
2-core build machine at ``nice -n 19`` beside another job (peaks about 2.5 GB).

    nice -n 19 python benchmarks/bench_memory.py [--n-jets 200000] [--work-dir DIR]
        [--obs-jets 20000] [--efp-jets 20000] [--steps load,topodnn,...] [--json out.json]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20
SLOTS = 200
#: (step, which sizes it runs at): "all" = every fraction of --n-jets, "ends" = smallest and
#: largest, "m" = the full file loaded and the step on --obs-jets / --efp-jets (two m)
STEPS = {"load": "all", "topodnn": "all", "pfn": "all", "lstm": "ends", "cnn": "ends",
         "observables": "m", "efp": "m"}
#: what the code does that costs memory beyond the raw data (read from the sources)
CAUSES = {
    "load": "helpers/data/benchmark.py::_read: the output arrays (float32 (N, 200, 4), as the "
            "file) plus one chunk of rows (chunk_size=10 000: the compound rows, the gathered "
            "float32 copy and the clean-chunk slice), nothing per jet beyond the output",
    "topodnn": "helpers/preprocessing/topodnn.py::topodnn_features: float64 kinematics of only "
               "the 30 leading slots per 100 000-jet chunk (bounded); the chunk list and its "
               "np.concatenate hold the 360 B/jet output twice at the end",
    "pfn": "helpers/preprocessing/pfn.py::pfn_features_from_axis: per 50 000-jet chunk "
           "constituent_kinematics casts (n, 200, 4) to float64 (2x the chunk's raw data), "
           "pt/eta/phi/z are float64 (n, 200) each (padding included), np.stack(...)[mask] "
           "builds a float64 (n, 200, 3) array and a float64 packed copy before "
           ".astype(float32): 0.7-0.9 GB per chunk, independent of N; pfn_features then "
           "keeps the chunk list and its concatenation (2x the packed output) at the end",
    "lstm": "helpers/preprocessing/sequence.py::lstm_features: not chunked -- the packed PFN "
            "inputs, PackedParticles.jet_index / .slot (int64 per particle, each built from "
            "further int64 temporaries: np.repeat, np.arange, offsets), the (P, 5) rows and "
            "the float32 (N, 50, 5) output all live at once",
    "cnn": "helpers/preprocessing/sequence.py::cnn_features: the output itself is 33*33 "
           "float32 = 4356 B/jet (1.35x the raw constituents); the list of per-chunk images "
           "and np.concatenate(parts) hold it twice; per 20 000-jet chunk jet_images "
           "(helpers/physics/images.py) makes float64 copies (to_pt_eta_phi, "
           "jet_four_momentum cast and np.where the (n, 200, 4) constituents again) and a "
           "float64 image stack before .astype(float32)",
    "observables": "helpers/physics/observables.py::compute_observables: not chunked -- "
                   "constituents_of casts all m jets to float64 (2x raw), jet_four_momentum's "
                   "np.where makes a second float64 (m, 200, 4) array (twice: jet_kinematics "
                   "and delta_r_to_axis), angularities hold several float64 (m, 200) arrays, "
                   "nsubjettiness copies c[nonempty] (another full float64 copy) and "
                   "to_awkward / fastjet.ClusterSequence keep every jet's clustering at once "
                   "(that part stays resident after the call, in glibc's heap, until reused)",
    "efp": "helpers/physics/efp.py::compute_efps: the live arrays per jet are the float64 "
           "output (n_specs * 8 B) and np.asarray(features, float64), a float64 copy of the "
           "packed float32 particles (24 B per particle); the batches are bounded by "
           "MAX_PAIR_ELEMENTS, but their freed tensors stay in glibc's heap (RSS, not live "
           "data: malloc_trim(0) returns it), which is most of the measured growth",
}


# ------------------------------------------------------------------ memory of a process
def proc_kb(field: str) -> int:
    """``VmRSS`` / ``VmHWM`` of this process in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def snapshot() -> dict:
    """Resident memory now and its peaks so far, in bytes."""
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    return {"ru_maxrss": ru, "hwm": proc_kb("VmHWM") * 1024, "rss": proc_kb("VmRSS") * 1024}


def reset_peak() -> bool:
    """Reset the high-water mark to the current RSS (``/proc/self/clear_refs``, Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def total_ram() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


# ------------------------------------------------------------------ the synthetic file
def synthetic_chunk(start: int, n: int, seed: int, slots: int = SLOTS):
    """Jets ``start .. start + n``: even rows signal (3-prong, ~80 constituents), odd rows
    background (1-prong, ~50), 20-120 massless constituents, pT-ordered, zero-padded;
    truth four-vector for signal, zeros for background (as in the benchmark files)."""
    import numpy as np

    rng = np.random.default_rng([seed, start])
    labels = ((np.arange(start, start + n) % 2) == 0).astype(np.int8)
    mult = np.where(labels == 1, rng.normal(80, 18, n), rng.normal(50, 15, n))
    mult = np.clip(mult.round(), 20, 120).astype(np.int64)
    prongs = rng.normal(0, 0.25, (n, 3, 2))
    prongs[labels == 0] = prongs[labels == 0, :1]
    which = rng.integers(0, 3, (n, slots))
    ang = prongs[np.arange(n)[:, None], which] + rng.normal(0, 0.06, (n, slots, 2))
    real = np.arange(slots)[None, :] < mult[:, None]
    share = np.where(real, rng.exponential(1.0, (n, slots)) ** 2, 0.0)
    jet_pt = rng.uniform(550, 650, (n, 1))
    pt = -np.sort(-jet_pt * share / share.sum(axis=1, keepdims=True), axis=1)
    eta = rng.uniform(-2, 2, (n, 1)) + ang[..., 0]
    phi = rng.uniform(-np.pi, np.pi, (n, 1)) + ang[..., 1]
    p4 = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    cons = np.where(real[..., None], p4, 0.0).astype(np.float32)
    tpt, teta, tphi = jet_pt[:, 0] * rng.normal(1, 0.05, n), eta[:, 0], phi[:, 0]
    p = np.stack([tpt * np.cos(tphi), tpt * np.sin(tphi), tpt * np.sinh(teta)], 1)
    truth = np.concatenate([np.sqrt((p**2).sum(1, keepdims=True) + 173.0**2), p], 1)
    truth = (truth * labels[:, None]).astype(np.float32)
    return cons, labels, truth


def benchmark_frame(cons, labels, truth, start: int):
    """The benchmark's columns, as :func:`helpers.data.benchmark.write_benchmark_layout`
    writes them (that function needs the whole JetSet in memory; this is one chunk)."""
    import numpy as np
    import pandas as pd

    from helpers.data.benchmark import COMPONENTS, LABEL_COLUMN, TRUTH_COLUMNS

    n, slots = cons.shape[:2]
    columns = [f"{c}_{i}" for i in range(slots) for c in COMPONENTS] + list(TRUTH_COLUMNS)
    values = np.concatenate([cons.reshape(n, 4 * slots), truth], axis=1, dtype=np.float32)
    df = pd.DataFrame(values, columns=columns, index=pd.RangeIndex(start, start + n))
    df["ttv"] = np.zeros(n, np.int64)
    df[LABEL_COLUMN] = labels.astype(np.int64)
    return df


def write_file(path: str, n_jets: int, seed: int, chunk: int) -> dict:
    """Write the synthetic file chunk by chunk; check its layout against the package's writer."""
    import h5py
    import numpy as np
    import pandas as pd

    from helpers.data.benchmark import write_benchmark_layout
    from helpers.data.jets import JetSet

    start_time = time.perf_counter()
    reals = 0
    with pd.HDFStore(path, mode="w") as store:
        for start in range(0, n_jets, chunk):
            cons, labels, truth = synthetic_chunk(start, min(chunk, n_jets - start), seed)
            reals += int((cons[..., 0] > 0).sum())
            benchmark_frame(cons, labels, truth, start).to_hdf(store, key="table", format="table",
                                                               append=True)
    reference = Path(path).with_name("layout-check.h5")
    cons, labels, truth = synthetic_chunk(0, 4, seed)
    write_benchmark_layout(JetSet(cons, labels, truth), reference)
    with h5py.File(path) as a, h5py.File(reference) as b:
        same = (a["table/table"].dtype == b["table/table"].dtype and all(
            np.array_equal(a["table/table"].attrs[k], b["table/table"].attrs[k])
            for k in ("values_block_0_kind", "values_block_1_kind")))
    reference.unlink()
    if not same:
        raise SystemExit("the synthetic file's layout differs from write_benchmark_layout's")
    return {"seconds": time.perf_counter() - start_time, "bytes": Path(path).stat().st_size,
            "mean_constituents": reals / n_jets}


# ------------------------------------------------------------------ one step, in a child
def output_bytes(out) -> int:
    from helpers.preprocessing.guard import output_arrays

    return int(sum(a.nbytes for _, a in output_arrays(out)))


def run_step(step: str, path: str, n: int, m: int) -> dict:
    """Runs in a fresh process: imports, then ``load`` (+ the step), with memory after each."""
    t0 = time.perf_counter()
    import torch

    import helpers  # noqa: F401

    torch.set_num_threads(1)
    if step == "bare":
        return {"after_imports": snapshot(), "seconds": time.perf_counter() - t0}
    from helpers.config import get_profile
    from helpers.data.benchmark import load_benchmark
    from helpers.physics.efp import efp_specs, efps_of
    from helpers.physics.observables import compute_observables
    from helpers.preprocessing import (
        cnn_features,
        lstm_features,
        pfn_features,
        topodnn_features,
    )

    res = {"after_imports": snapshot(), "seconds_imports": time.perf_counter() - t0}
    if step == "imports":
        full = get_profile("full")
        res["full"] = {"jets_per_class": full.jets_per_class,
                       "recnn_max_jets": full.chapter("recnn").get("max_jets", {})}

        def chunk(func) -> int:
            return inspect.signature(func).parameters["chunk_size"].default

        res["chunks"] = {"load": chunk(load_benchmark), "topodnn": chunk(topodnn_features),
                         "pfn": chunk(pfn_features), "lstm": chunk(pfn_features),
                         "cnn": chunk(cnn_features)}
        return res
    t0 = time.perf_counter()
    jets = load_benchmark(path, max_jets=n)
    res["seconds_load"] = time.perf_counter() - t0
    res["jets"] = len(jets)
    res["jetset_bytes"] = jets.constituents.nbytes + jets.labels.nbytes + jets.truth.nbytes
    res["after_load"] = snapshot()
    if step == "load":
        return res
    sub = jets.subset(slice(0, m))  # a view: no copy
    if step == "efp":  # its input, measured apart: pfn_features' chunk is not the EFPs' cost
        res["reset_prep"] = reset_peak()
        res["before_prep"] = snapshot()
        t0 = time.perf_counter()
        particles = pfn_features(sub)
        res["seconds_prep"] = time.perf_counter() - t0
        res["prep_bytes"] = output_bytes(particles)
        res["after_prep"] = snapshot()
        specs = efp_specs(5)
        res["n_specs"] = len(specs)
    res["reset"] = reset_peak()
    res["after_reset"] = snapshot()
    run = {
        "topodnn": lambda: topodnn_features(jets),
        "pfn": lambda: pfn_features(jets),
        "lstm": lambda: lstm_features(jets),
        "cnn": lambda: cnn_features(jets),
        "observables": lambda: compute_observables(sub),
        "efp": lambda: efps_of(particles, specs),
    }[step]
    t0 = time.perf_counter()
    out = run()
    res["seconds_step"] = time.perf_counter() - t0
    res["step_jets"] = m if step in ("observables", "efp") else len(jets)
    res["output_bytes"] = output_bytes(out)
    res["after_step"] = snapshot()
    return res


def child_main(spec: str) -> None:
    sys.path.insert(0, str(ROOT))
    args = json.loads(spec)
    if args["step"] == "write":
        res = write_file(args["path"], args["n"], args["seed"], args["chunk"])
    else:
        res = run_step(args["step"], args["path"], args["n"], args["m"])
    res["final"] = snapshot()
    print("@@RESULT " + json.dumps(res), flush=True)


def in_child(timeout: float | None = None, **spec) -> dict:
    """Run one measurement in a fresh interpreter (this process stays small: stdlib only)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT ")]
    if proc.returncode or not lines:
        raise SystemExit(f"child {spec} failed (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("@@RESULT "):])


# ------------------------------------------------------------------ the report
def peak(res: dict) -> tuple[int, int]:
    """(ru_maxrss, VmHWM) over the whole child: the larger of the load and the step phase
    (the reset between them lowers both counters)."""
    keys = ("after_imports", "after_load", "after_prep", "after_step", "final")
    snaps = [res[k] for k in keys if k in res]
    return max(s["ru_maxrss"] for s in snaps), max(s["hwm"] for s in snaps)


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares ``y = a + b x``."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def mb(x: float) -> str:
    return f"{x / MIB:,.0f}"


def gb(x: float) -> str:
    return f"{x / 2**30:,.1f}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n-jets", type=int, default=200_000, help="jets in the synthetic file (N)")
    p.add_argument("--fractions", default="0.25,0.5,1", help="sizes n = fraction * N to measure")
    p.add_argument("--obs-jets", type=int, default=20_000,
                   help="m of compute_observables (also run at m/2)")
    p.add_argument("--efp-jets", type=int, default=20_000, help="m of the EFPs (also at m/10)")
    p.add_argument("--steps", default=",".join(STEPS), help="comma-separated subset of steps")
    p.add_argument("--write-chunk", type=int, default=10_000, help="rows per appended chunk")
    p.add_argument("--work-dir", type=Path, default=None, help="where to write the file")
    p.add_argument("--keep-file", action="store_true", help="do not delete the synthetic file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child_main(args.child)
    steps = [s for s in args.steps.split(",") if s]
    unknown = set(steps) - set(STEPS)
    if unknown:
        p.error(f"unknown steps {sorted(unknown)}; choose from {list(STEPS)}")
    N = args.n_jets
    sizes = sorted({max(1, round(float(f) * N)) for f in args.fractions.split(",")})
    ram = total_ram()
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.0f} s] {msg}", flush=True)

    runs: list[dict] = []
    bare = in_child(step="bare", path="", n=0, m=0)
    imports = in_child(step="imports", path="", n=0, m=0)
    base_bare, base = peak(bare)[0], peak(imports)[0]
    log(f"baselines: import helpers + torch {mb(base_bare)} MB; every step's imports "
        f"{mb(base)} MB (ru_maxrss)")
    tmp = tempfile.TemporaryDirectory(dir=args.work_dir, prefix="bench_memory_")
    path = Path(tmp.name) / "train.h5"
    try:
        w = in_child(step="write", path=str(path), n=N, m=0, seed=args.seed,
                     chunk=args.write_chunk)
        log(f"wrote {N:,} jets in the benchmark table layout ({mb(w['bytes'])} MB, "
            f"{w['bytes'] / N:.0f} B/jet, {w['mean_constituents']:.1f} constituents/jet on "
            f"average) in {w['seconds']:.0f} s; writer peak {mb(peak(w)[0])} MB")
        plan = []
        for step in steps:
            kind = STEPS[step]
            if kind == "all":
                plan += [(step, n, 0) for n in sizes]
            elif kind == "ends":
                plan += [(step, n, 0) for n in dict.fromkeys((sizes[0], sizes[-1]))]
            else:
                m = args.obs_jets if step == "observables" else args.efp_jets
                low = max(1, m // (2 if step == "observables" else 10))
                plan += [(step, sizes[-1], mm) for mm in dict.fromkeys((low, m))]
        for step, n, m in plan:
            res = in_child(step=step, path=str(path), n=n, m=m)
            res.update(step=step, n=n, m=m)
            runs.append(res)
            ru, hwm = peak(res)
            secs = sum(res.get(k, 0) for k in ("seconds_load", "seconds_prep", "seconds_step"))
            log(f"{step:12s} n={n:>8,} m={m:>7,}: peak {mb(ru)} MB (VmHWM {mb(hwm)}), "
                f"{secs:.0f} s")
    finally:
        if args.keep_file:
            print(f"kept {path}")
        else:
            tmp.cleanup()
    models = report(runs, base_bare, base, w, imports, ram, N)
    log("done")
    if args.json:
        args.json.write_text(json.dumps({
            "n_jets": N, "ram_bytes": ram, "baseline_bare": bare, "baseline_imports": imports,
            "write": w, "runs": runs, "models": models, "nice": os.nice(0)}, indent=1))


def report(runs: list[dict], base_bare: int, base: int, w: dict, info: dict, ram: int,
           N: int) -> dict:
    """Print the tables; return the fitted models (for --json)."""
    raw = SLOTS * 4 * 4 + 1 + 16  # JetSet bytes per jet: float32 constituents + label + truth
    full, chunks = info["full"], info["chunks"]
    print(f"\nraw data: {raw} B/jet in the JetSet (float32 (200, 4) + int8 label + float32 "
          f"truth), {w['bytes'] / N:.0f} B/jet in the file; machine RAM {gb(ram)} GiB")
    print(f"baseline: import helpers + torch {mb(base_bare)} MB; all step imports {mb(base)} MB")
    print("\npeak resident memory per run, each a fresh process (MB = 2^20 bytes).  x raw: "
          "(peak - imports) / JetSet bytes; above: the step's own peak above the RSS just "
          "before it (after loading; for efp after its pfn_features input)")
    head = (f"{'step':12s} {'n loaded':>9s} {'m':>7s} {'ru_maxrss':>9s} {'VmHWM':>7s} "
            f"{'-imports':>8s} {'x raw':>6s} {'RSS load':>8s} {'above':>7s} "
            f"{'output':>7s} {'s':>5s}")
    print(head)
    print("-" * len(head))
    for r in runs:
        ru, hwm = peak(r)
        above = (r["after_step"]["hwm"] - r["after_reset"]["rss"]) if "after_step" in r else 0
        r["peak_ru"], r["peak_hwm"], r["above"] = ru, hwm, above
        if "after_prep" in r:
            r["above_prep"] = r["after_prep"]["hwm"] - r["before_prep"]["rss"]
        secs = sum(r.get(k, 0) for k in ("seconds_load", "seconds_prep", "seconds_step"))
        print(f"{r['step']:12s} {r['n']:9,} {r['m'] or '':>7} {mb(ru):>9s} {mb(hwm):>7s} "
              f"{mb(ru - base):>8s} {(ru - base) / r['jetset_bytes']:6.2f} "
              f"{mb(r['after_load']['rss']):>8s} {mb(above):>7s} "
              f"{mb(r.get('output_bytes', 0)):>7s} {secs:5.0f}")
    for r in runs:
        if "above_prep" in r:
            print(f"  efp input: pfn_features of {r['m']:,} jets peaks {mb(r['above_prep'])} MB "
                  f"above the loaded set (its chunk is {chunks['pfn']:,} jets), keeps "
                  f"{mb(r['prep_bytes'])} MB; {r['n_specs']} EFPs")

    splits = {s: 2 * n for s, n in full["jets_per_class"].items()}
    all_jets = sum(splits.values())
    print("\nfull profile: jets_per_class " + ", ".join(
        f"{s} {n:,}" for s, n in full["jets_per_class"].items()) + " -> splits of "
        + ", ".join(f"{s} {n:,}" for s, n in splits.items())
        + f"; load_task holds all three ({all_jets:,} jets) at once")

    by_step: dict[str, list[dict]] = {}
    for r in runs:
        by_step.setdefault(r["step"], []).append(r)
    models: dict[str, dict] = {}
    for step, rs in by_step.items():  # peak(n) = a + b n, on sizes with full chunks
        if STEPS[step] == "m":
            continue
        pts = sorted({r["n"]: r["peak_ru"] for r in rs}.items())
        full_chunks = [(n, y) for n, y in pts if n >= chunks.get(step, 0)]
        use = full_chunks if len(full_chunks) >= 2 else pts
        if len(use) < 2:
            continue
        a, b = fit([n for n, _ in use], [y for _, y in use])
        models[step] = {"a": a, "b": b, "sizes": [n for n, _ in use],
                        "partial_chunks": len(use) != len(full_chunks)}
    load = models.get("load")
    print("\ngrowth per jet: least squares of peak = a + b n over the sizes n whose "
          "preprocessing runs full chunks; 'above' = b - b(load), the step's own bytes per "
          "jet; 'chunk MB' = a - a(load), its per-chunk transient.  Extrapolated peaks "
          "(GiB = 2^30 bytes): the step on one split with only that split loaded, and on the "
          "training split with all three splits loaded (as load_task leaves them)")
    head = (f"{'step':12s} {'sizes':>12s} {'B/jet':>6s} {'above':>6s} {'x raw':>6s} "
            f"{'chunk MB':>8s} " + " ".join(f"{s + ' ' + format(n, ','):>15s}"
                                            for s, n in splits.items())
            + f" {'train + others':>15s}")
    print(head)
    print("-" * len(head))
    for step, mdl in models.items():
        a, b = mdl["a"], mdl["b"]
        above = b - load["b"] if load and step != "load" else b
        chunk_mb = a - load["a"] if load and step != "load" else a - base
        mdl.update(above=above, chunk_bytes=chunk_mb)
        b_load = load["b"] if load else raw
        ext = {s: a + b * n for s, n in splits.items()}
        ext["train_all_loaded"] = ext["train"] + b_load * (all_jets - splits["train"])
        mdl["extrapolated"] = ext
        sizes = "/".join(f"{n // 1000}k" for n in mdl["sizes"]) + ("*" if mdl["partial_chunks"]
                                                                  else "")
        print(f"{step:12s} {sizes:>12s} {b:6.0f} {above:6.0f} {above / raw:6.2f} "
              f"{mb(chunk_mb):>8s} " + " ".join(f"{gb(ext[s]):>15s}" for s in splits)
              + f" {gb(ext['train_all_loaded']):>15s}")
    if any(m["partial_chunks"] for m in models.values()):
        print("  * fitted over sizes below the step's chunk size: the slope includes the "
              "growing chunk transient and overestimates")

    a_load = load["a"] if load else base
    b_load = load["b"] if load else raw
    print("\nsteps on m jets of the loaded set (fit over m of the step's own peak above its "
          "input):")
    for step in ("observables", "efp"):
        rs = by_step.get(step, [])
        pts = sorted({r["m"]: r["above"] for r in rs}.items())
        if len(pts) < 2:
            continue
        c, d = fit([m for m, _ in pts], [y for _, y in pts])
        note = ""
        if d <= 0 and step == "efp":  # growth below the noise of a ~200 MB constant
            prep = [r for r in rs if "prep_bytes" in r][-1]
            particles = (prep["prep_bytes"] / prep["m"] - 8) / 12  # float32 (z, deta, dphi)
            d = prep["n_specs"] * 8 + 24 * particles  # float64 output + float64 features copy
            c = max(y for _, y in pts)
            note = (f" (no growth above the noise between m = {pts[0][0]:,} and {pts[-1][0]:,}; "
                    f"per jet from the code: {prep['n_specs']} float64 outputs + a float64 "
                    f"copy of {particles:.0f} particles, constant = the largest peak)")
        mdl = models[step] = {"c": c, "d": d, "m": [m for m, _ in pts], "note": note}
        if step == "observables":
            n_ref, n_loaded = splits["train"], splits["train"]
            what = (f"on the training split ({n_ref:,}; chapters 1 and 4 run it on whole "
                    f"splits)")
            extra = 0.0
        else:
            n_ref = full["recnn_max_jets"].get("test", splits["test"])
            n_loaded = splits["test"]
            what = f"on chapter 6's test jets (at most {n_ref:,}, full profile's recnn max_jets)"
            pfn = models.get("pfn")
            prep = [r for r in rs if "prep_bytes" in r][-1]
            kept = prep["prep_bytes"] / prep["m"] * n_ref
            # the packed particles stay while the EFPs run; pfn_features' own peak came first
            extra = kept
            if pfn:
                pfn_peak = pfn["chunk_bytes"] + pfn["above"] * n_ref
                extra = max(kept, pfn_peak - c - d * n_ref)
        own = c + d * n_ref
        one = a_load + b_load * n_loaded + extra + own
        everything = a_load + b_load * all_jets + extra + own
        mdl.update(own_at_ref=own, one_split=one, all_splits=everything, n_ref=n_ref)
        print(f"{step:12s} {d:7.0f} B/jet ({d / raw:.2f} x raw) + {mb(c)} MB; {what}: "
              f"{gb(own)} GiB itself, peak {gb(one)} GiB with that split loaded, "
              f"{gb(everything)} GiB with all three loaded{note}")
    print(f"\nmachine RAM: {gb(ram)} GiB")

    print("\nsteps whose memory is a multiple of the raw data they process (per jet >= 1 x raw, "
          "the loader >= 1.2 x, or a per-chunk transient >= 2 x the chunk's raw data):")
    for step, mdl in models.items():
        per_jet = mdl["d"] if "d" in mdl else mdl["above"]
        ratio = per_jet / raw
        size = chunks.get(step)
        chunk_ratio = (mdl.get("chunk_bytes", 0) / (size * raw)) if size and step != "load" else 0
        flagged = ratio >= (1.2 if step == "load" else 1.0) or chunk_ratio >= 2.0
        what = "per jet loaded" if step == "load" else "per jet above its input"
        line = f"{'  <-- ' if flagged else '      '}{step:12s} {per_jet:7.0f} B {what} = {ratio:.2f} x raw"
        if chunk_ratio:
            line += (f"; per-chunk transient {mb(mdl['chunk_bytes'])} MB for {size:,} jets "
                     f"= {chunk_ratio:.1f} x their raw data")
        print(line)
        if flagged:
            print(f"        cause: {CAUSES[step]}")
    return models


if __name__ == "__main__":
    main()
