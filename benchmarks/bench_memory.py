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
  ``m`` jets (chapter 6 evaluates them on chapter 5's test jets only).

Each process reports ``ru_maxrss`` (getrusage), ``VmHWM`` / ``VmRSS`` from ``/proc``, the
resident memory after loading, and the step's own peak above it (the high-water mark is reset
through ``/proc/self/clear_refs`` between the two phases).  The parent fits
``peak = a + b * n`` over the ``n`` measured, and extrapolates to the ``full`` profile's splits
(``2 * jets_per_class``: 1.2 M training jets) next to this machine's RAM.  The synthetic file
is deleted at the end (``--keep-file`` keeps it).

    nice -n 19 python benchmarks/bench_memory.py [--n-jets 200000] [--work-dir DIR]
        [--obs-jets 10000] [--efp-jets 2000] [--steps load,topodnn,...] [--json out.json]
"""

from __future__ import annotations

import argparse
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
           "pt/eta/phi/z are float64 (n, 200) each, np.stack(...)[mask] builds a float64 "
           "(n, 200, 3) array and a float64 packed copy before .astype(float32): about 1 GB "
           "per chunk, independent of N; pfn_features then keeps the chunk list and its "
           "concatenation (2x the packed output) at the end",
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
                   "to_awkward / fastjet.ClusterSequence keep every jet's clustering at once",
    "efp": "helpers/physics/efp.py::compute_efps: np.asarray(features, float64) doubles the "
           "packed float32 particles; the (m, n_specs) float64 output; the batches themselves "
           "are bounded by MAX_PAIR_ELEMENTS",
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
    import helpers  # noqa: F401
    import torch

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
        return res
    t0 = time.perf_counter()
    jets = load_benchmark(path, max_jets=n)
    res["seconds_load"] = time.perf_counter() - t0
    res["jets"] = len(jets)
    res["jetset_bytes"] = jets.constituents.nbytes + jets.labels.nbytes + jets.truth.nbytes
    res["after_load"] = snapshot()
    if step == "load":
        return res
    res["reset"] = reset_peak()
    res["after_reset"] = snapshot()
    sub = jets.subset(slice(0, m))  # a view: no copy
    run = {
        "topodnn": lambda: topodnn_features(jets),
        "pfn": lambda: pfn_features(jets),
        "lstm": lambda: lstm_features(jets),
        "cnn": lambda: cnn_features(jets),
        "observables": lambda: compute_observables(sub),
        "efp": lambda: efps_of(pfn_features(sub), efp_specs(5)),
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
    snaps = [res[k] for k in ("after_imports", "after_load", "after_step", "final") if k in res]
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
    p.add_argument("--obs-jets", type=int, default=10_000,
                   help="m of compute_observables (also run at m/2)")
    p.add_argument("--efp-jets", type=int, default=2_000, help="m of the EFPs (also at m/2)")
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
    full = imports["full"]
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
                plan += [(step, sizes[-1], mm) for mm in dict.fromkeys((max(1, m // 2), m))]
        for step, n, m in plan:
            res = in_child(step=step, path=str(path), n=n, m=m)
            res.update(step=step, n=n, m=m)
            runs.append(res)
            ru, hwm = peak(res)
            secs = res.get("seconds_load", 0) + res.get("seconds_step", 0)
            log(f"{step:12s} n={n:>8,} m={m:>7,}: peak {mb(ru)} MB (VmHWM {mb(hwm)}), "
                f"{secs:.0f} s")
    finally:
        if args.keep_file:
            print(f"kept {path}")
        else:
            tmp.cleanup()
    report(runs, base_bare, base, w, full, ram, N)
    if args.json:
        args.json.write_text(json.dumps({
            "n_jets": N, "ram_bytes": ram, "baseline_bare": bare, "baseline_imports": imports,
            "write": w, "runs": runs, "nice": os.nice(0)}, indent=1))


def report(runs: list[dict], base_bare: int, base: int, w: dict, full: dict, ram: int,
           N: int) -> None:
    raw_jet = (SLOTS * 4 * 4 + 1 + 16)  # JetSet bytes per jet: float32 constituents + label + truth
    print(f"\nraw data: {raw_jet} B/jet in the JetSet (float32 (200, 4) + int8 label + float32 "
          f"truth), {w['bytes'] / N:.0f} B/jet in the file; machine RAM {gb(ram)} GiB")
    print(f"baseline: import helpers + torch {mb(base_bare)} MB; all step imports {mb(base)} MB")
    print("\npeak resident memory per step (MB = 2^20 bytes; 'above load' = the step's own "
          "peak above the RSS after loading)")
    head = (f"{'step':12s} {'n loaded':>9s} {'m':>7s} {'ru_maxrss':>9s} {'VmHWM':>7s} "
            f"{'-imports':>8s} {'x raw':>6s} {'RSS load':>8s} {'above load':>10s} "
            f"{'output':>7s} {'s':>5s}")
    print(head)
    print("-" * len(head))
    for r in runs:
        ru, hwm = peak(r)
        above = (r["after_step"]["hwm"] - r["after_reset"]["rss"]) if "after_step" in r else 0
        r["peak_ru"], r["peak_hwm"], r["above_load"] = ru, hwm, above
        secs = r.get("seconds_load", 0) + r.get("seconds_step", 0)
        print(f"{r['step']:12s} {r['n']:9,} {r['m'] or '':>7} {mb(ru):>9s} {mb(hwm):>7s} "
              f"{mb(ru - base):>8s} {(ru - base) / r['jetset_bytes']:6.2f} "
              f"{mb(r['after_load']['rss']):>8s} {mb(above):>10s} "
              f"{mb(r.get('output_bytes', 0)):>7s} {secs:5.0f}")

    splits = {s: 2 * n for s, n in full["jets_per_class"].items()}
    all_jets = sum(splits.values())
    print(f"\nfull profile: jets_per_class {full['jets_per_class']} -> splits of "
          + ", ".join(f"{s} {n:,}" for s, n in splits.items())
          + f"; load_task holds all three ({all_jets:,} jets) at once")
    models = {}
    print("\ngrowth per jet (least squares over n) and extrapolation; 'with all splits' = the "
          "step on that split while the other two splits are loaded too")
    head = (f"{'step':12s} {'B/jet':>7s} {'x raw':>6s} {'const MB':>8s} "
            + " ".join(f"{s + ' ' + format(n, ',') :>17s}" for s, n in splits.items())
            + f" {'train, all splits':>17s}")
    print(head)
    print("-" * len(head))
    by_step: dict[str, list[dict]] = {}
    for r in runs:
        by_step.setdefault(r["step"], []).append(r)
    load_b = None
    for step, rs in by_step.items():
        if STEPS[step] == "m":
            continue
        xs, ys = [r["n"] for r in rs], [r["peak_ru"] for r in rs]
        if len(set(xs)) < 2:
            print(f"{step:12s} measured at one size only: no slope")
            continue
        a, b = fit(xs, ys)
        models[step] = (a, b)
        if step == "load":
            load_b = b
        others = load_b if load_b is not None else raw_jet
        cells = " ".join(f"{gb(a + b * n) + ' GiB':>17s}" for n in splits.values())
        train_all = a + b * splits["train"] + others * (all_jets - splits["train"])
        print(f"{step:12s} {b:7.0f} {b / raw_jet:6.2f} {mb(a):>8s} {cells} "
              f"{gb(train_all) + ' GiB':>17s}")
    for step, rs in by_step.items():
        if STEPS[step] != "m":
            continue
        xs, ys = [r["m"] for r in rs], [r["above_load"] for r in rs]
        if len(set(xs)) < 2:
            print(f"{step:12s} measured at one m only: no slope")
            continue
        c, d = fit(xs, ys)
        models[step] = (c, d)
        loaded = load_b if load_b is not None else raw_jet
        a_load = models.get("load", (base, 0))[0]
        if step == "efp":
            n_ref = full["recnn_max_jets"].get("test", splits["test"])
            what = f"chapter 6's test jets ({n_ref:,}, full recnn max_jets)"
        else:
            n_ref = splits["train"]
            what = f"the training split ({n_ref:,}), as chapters 1 and 4 do"
        one = a_load + loaded * n_ref + c + d * n_ref
        everything = a_load + loaded * all_jets + c + d * n_ref
        print(f"{step:12s} {d:7.0f} {d / raw_jet:6.2f} {mb(c):>8s}  B/jet above the loaded "
              f"set; on {what}: {gb(one)} GiB with that split loaded, {gb(everything)} GiB "
              f"with all splits loaded")
    print(f"\nmachine RAM: {gb(ram)} GiB")

    print("\nsteps whose memory is a multiple of the raw data they process:")
    for step, (_, b) in models.items():
        if STEPS[step] == "m" or step == "load":
            slope = b
        else:
            slope = b - (load_b or 0)
        ratio = slope / raw_jet
        label = "above the loaded set" if step != "load" else "loaded set"
        flag = "  <-- " if ratio >= 1.0 or (step == "load" and ratio >= 1.2) else "      "
        print(f"{flag}{step:12s} {slope:7.0f} B/jet {label} = {ratio:.2f} x raw")
        if flag.strip():
            print(f"        cause: {CAUSES[step]}")


if __name__ == "__main__":
    main()
