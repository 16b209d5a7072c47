"""Cached, sharded generation of jet samples and their assembly into tasks and splits.

``generate_sample(process, split, n_jets, seed)`` returns the path of an HDF5 file whose
name carries a hash of the full generation config (process settings, jet definition,
seeds, shard layout, package versions): the same config is reused, a changed config
regenerates, and a killed run leaves no complete-looking file.

Splits are disjoint by construction: every shard of every split has its own Pythia seed,
``1 + 1e6 * (seed mod 900) + 3e5 * split_index + shard_index``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import shutil
import time
import warnings
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import Iterator, Sequence

import h5py
import numpy as np

from ..cache import atomic_path, cached_path, ensure_writable_dir
from ..config import Profile, fetched_benchmark_dir, get_profile
from .errors import DataError
from .generator import JetBatch
from .jets import JetSet
from .matching import match_kinematics
from .processes import TASKS, JetDefinition, get_process, get_task
from .shards import ShardResult, ShardSpec, run_shards, shard_executor
from .store import JetWriter, read_jets, validate, write_attrs

#: bump when the generation code changes what a given config produces
GENERATOR_VERSION = 1
#: per matching mode, bump when the stored truth changes (2: resonances stored as they
#: leave the hard process); files of other processes stay valid
TRUTH_VERSION = {"top": 2, "w": 2}
SPLITS = ("train", "val", "test")
_SHARDS_PER_SPLIT = 300_000


def shard_seed(seed: int, split: str, index: int) -> int:
    """Pythia seed of shard ``index`` of ``split`` (disjoint across splits)."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    if not 0 <= index < _SHARDS_PER_SPLIT:
        raise DataError(f"too many shards ({index + 1}) for one split")
    return 1 + 1_000_000 * (seed % 900) + _SHARDS_PER_SPLIT * SPLITS.index(split) + index


def shard_specs(process: str, split: str, n_jets: int, seed: int, shard_size: int,
                jet_def: JetDefinition, pthat_min: float | None = None) -> list[ShardSpec]:
    """Split ``n_jets`` into shards of at most ``shard_size`` jets."""
    if n_jets <= 0:
        raise DataError(f"number of jets must be positive, got {n_jets}")
    if shard_size <= 0:
        raise DataError(f"shard size must be positive, got {shard_size}")
    sizes = [shard_size] * (n_jets // shard_size)
    if n_jets % shard_size:
        sizes.append(n_jets % shard_size)
    return [ShardSpec(process, shard_seed(seed, split, i), n, jet_def, pthat_min)
            for i, n in enumerate(sizes)]


def generation_config(process: str, split: str, n_jets: int, seed: int, shard_size: int,
                      jet_def: JetDefinition, pthat_min: float | None = None) -> dict:
    """Everything that determines a generated file (hashed for the cache key)."""
    proc = get_process(process)
    return {
        "process": proc.to_dict(),
        "split": split,
        "n_jets": n_jets,
        "seed": seed,
        "shard_size": shard_size,
        "jet_def": asdict(jet_def),
        "pthat_min": proc.pthat_min if pthat_min is None else pthat_min,
        "generator_version": GENERATOR_VERSION,
        **({"truth_version": TRUTH_VERSION[proc.matching]}
           if proc.matching in TRUTH_VERSION else {}),
        "versions": {pkg: version(pkg) for pkg in ("pythia8mc", "fastjet", "awkward")},
    }


def sample_path(config: dict, root: Path | None = None) -> Path:
    name = f"{config['process']['name']}_{config['split']}"
    return cached_path("jets", name, config, ".h5", root)


def generate_sample(process: str, n_jets: int, split: str = "train", seed: int = 0,
                    shard_size: int = 1000, jet_def: JetDefinition | None = None,
                    pthat_min: float | None = None, workers: int | None = None,
                    executor: cf.Executor | None = None, root: Path | None = None,
                    force: bool = False) -> Path:
    """Generate (or reuse from the cache) ``n_jets`` jets of ``process``; return the file."""
    jet_def = jet_def or JetDefinition()
    config = generation_config(process, split, n_jets, seed, shard_size, jet_def, pthat_min)
    path = sample_path(config, root)
    ensure_writable_dir(path.parent)
    if path.exists() and not force:
        try:
            validate(path)
            return path
        except DataError as err:  # stale or corrupt: regenerate, never reuse
            print(f"regenerating: {err}")
            path.unlink()
    specs = shard_specs(process, split, n_jets, seed, shard_size, jet_def, pthat_min)
    offsets = np.concatenate([[0], np.cumsum([s.n_jets for s in specs])])
    t0 = time.perf_counter()
    stats = {"n_events": 0, "n_vetoed": 0, "seconds_shards": 0.0, "seconds_events": 0.0,
             "n_truncated": 0}
    folder = shard_folder(path)
    if force:
        shutil.rmtree(folder, ignore_errors=True)
    done = {i: r for i, spec in enumerate(specs) if (r := load_shard(folder, i, spec))}
    todo = [i for i in range(len(specs)) if i not in done]
    if done:
        print(f"resuming {process} {split}: {len(done)} of {len(specs)} shards were generated "
              f"by an earlier run ({folder})")

    def finished() -> Iterator[tuple[int, ShardResult]]:
        yield from done.items()
        for j, res in run_shards([specs[i] for i in todo], executor, workers,
                                 desc=f"{process} {split}"):
            save_shard(folder, todo[j], res)  # a killed run resumes from here
            yield todo[j], res

    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        writer = JetWriter(h5, n_jets, jet_def.max_constituents)
        for i, res in finished():
            if len(res.jets) != specs[i].n_jets:
                raise DataError(f"shard {i} of {process} returned {len(res.jets)} jets, "
                                f"expected {specs[i].n_jets}")
            j = res.jets
            writer.write(int(offsets[i]), constituents=j.constituents, truth=j.truth,
                         labels=j.labels, pthat=j.pthat)
            stats["n_events"] += res.n_events
            stats["n_vetoed"] += res.n_vetoed
            stats["seconds_shards"] += res.seconds
            stats["seconds_events"] += res.seconds_events
            stats["n_truncated"] += j.n_truncated
        stats["seconds_wall"] = time.perf_counter() - t0
        write_attrs(h5, config=config, stats=stats, seeds=[s.seed for s in specs],
                    n_jets=n_jets, complete=True)
    shutil.rmtree(folder, ignore_errors=True)
    return path


def shard_folder(path: Path) -> Path:
    """Where the finished shards of the file ``path`` wait until the file is complete."""
    return path.with_name(path.name + ".shards")


def save_shard(folder: Path, index: int, res: ShardResult) -> Path:
    """Write one finished shard (atomically) with the spec it was generated from."""
    j = res.jets
    with atomic_path(folder / f"{index:05d}.npz") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, constituents=j.constituents, truth=j.truth, labels=j.labels,
                 pthat=j.pthat, n_truncated=j.n_truncated, spec=json.dumps(res.spec.to_dict()),
                 counts=np.array([res.n_events, res.n_vetoed]),
                 seconds=np.array([res.seconds, res.seconds_events]))
    return folder / f"{index:05d}.npz"


def load_shard(folder: Path, index: int, spec: ShardSpec) -> ShardResult | None:
    """The shard ``index`` of an interrupted run if it is there, whole, and was generated
    from ``spec``; ``None`` otherwise (it is then generated again)."""
    path = folder / f"{index:05d}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path) as z:
            if json.loads(str(z["spec"])) != json.loads(json.dumps(spec.to_dict())):
                return None
            jets = JetBatch(z["constituents"], z["truth"], z["labels"], z["pthat"],
                            int(z["n_truncated"]))
            (n_events, n_vetoed), (sec, sec_events) = z["counts"], z["seconds"]
    except (OSError, ValueError, KeyError):
        return None
    if len(jets) != spec.n_jets:
        return None
    return ShardResult(spec, jets, int(n_events), float(sec), float(sec_events), int(n_vetoed))


#: processes generated at the main (top/QCD) sizes; the chapter-5 tasks reuse their files
MAIN_PROCESSES = ("top", "qcd")


def sample_file(process: str, split: str, profile: Profile | str = "standard", seed: int = 0,
                **kwargs) -> Path:
    """File of one process and split at the sizes of ``profile`` (generated if needed).

    Top and QCD jets are generated at the main sizes (``jets_per_class``), W, quark and
    gluon jets at ``jets_per_class_extra``; the W/QCD task reads the first jets of the
    QCD files instead of generating QCD jets again.
    """
    prof = get_profile(profile)
    if process == MAIN_PROCESSES[1]:
        n = prof.background_jets(split)
    else:
        n = (prof.jets_per_class if process in MAIN_PROCESSES else prof.jets_per_class_extra)[split]
    return generate_sample(process, n, split, seed, prof.shard_size, **kwargs)


def load_sample(process: str, split: str, profile: Profile | str = "standard", seed: int = 0,
                n_jets: int | None = None, **kwargs) -> JetSet:
    """The first ``n_jets`` (default: all) jets of one process and split."""
    return read_jets(sample_file(process, split, profile, seed, **kwargs), 0, n_jets)


def get_task_names(task: str) -> tuple[str, str]:
    """(signal, background) process names of a task."""
    return tuple(p.name for p in get_task(task))


def sample_files(pairs: Sequence[tuple[str, str]], profile: Profile | str = "standard",
                 seed: int = 0, workers: int | None = None, executor: cf.Executor | None = None,
                 **kwargs) -> dict[tuple[str, str], Path]:
    """``{(process, split): file}`` at the sizes of ``profile``, generating what is missing.

    The missing samples are generated at once, their shards sharing one executor
    (:func:`~helpers.data.shards.shard_executor`, or ``executor``): the cores stay busy to
    the end instead of idling at the tail of each sample.  ``workers=0`` generates them one
    after the other in this process.
    """
    pairs = list(dict.fromkeys(pairs))
    if workers == 0 or len(pairs) < 2:
        return {(p, split): sample_file(p, split, profile, seed, workers=workers,
                                        executor=executor, **kwargs) for p, split in pairs}
    with contextlib.ExitStack() as stack:
        if executor is None:
            executor = stack.enter_context(shard_executor(workers))
        with cf.ThreadPoolExecutor(len(pairs), thread_name_prefix="sample") as threads:
            futures = {pair: threads.submit(sample_file, *pair, profile, seed,
                                            executor=executor, **kwargs) for pair in pairs}
            return {pair: future.result() for pair, future in futures.items()}


def book_samples() -> list[tuple[str, str]]:
    """Every ``(process, split)`` the book's tasks read."""
    return list(dict.fromkeys((p, split) for task in TASKS for p in get_task_names(task)
                              for split in SPLITS))


def task_files(task: str, profile: Profile | str = "standard", seed: int = 0,
               **kwargs) -> dict[tuple[str, str], Path]:
    """``{(process, split): file}`` of a generated task (generating what is missing)."""
    return sample_files([(p, split) for p in get_task_names(task) for split in SPLITS],
                        profile, seed, **kwargs)


def load_task(task: str = "top_qcd", profile: Profile | str = "standard", seed: int = 0,
              data_source: str = "generated", data_dir: str | Path | None = None,
              matched: bool = False, **kwargs) -> dict[str, JetSet]:
    """Train/val/test :class:`JetSet` of a task, classes balanced and shuffled (fixed seed).

    ``data_source="benchmark"`` reads the original top-tagging files ``train.h5``,
    ``val.h5``, ``test.h5`` from ``data_dir`` instead (task ``top_qcd`` only).
    ``matched=True`` keeps, in every split, the subset whose two classes have the same
    binned (pT, |eta|) spectra (:func:`~helpers.data.matching.match_kinematics`).
    """
    if matched:
        return {split: match_kinematics(jets, seed=seed) for split, jets in
                load_task(task, profile, seed, data_source, data_dir, **kwargs).items()}
    prof = get_profile(profile)
    if data_source == "benchmark":
        return _load_benchmark(task, prof, data_dir)
    if data_source != "generated":
        raise DataError(f"data_source must be 'generated' or 'benchmark', got {data_source!r}")
    names = get_task_names(task)
    out = {}
    for i, split in enumerate(SPLITS):
        n = (prof.jets_per_class if task == "top_qcd" else prof.jets_per_class_extra)[split]
        parts = [load_sample(p, split, prof, seed, n_jets=n, **kwargs) for p in names]
        if any(len(part) < n for part in parts):
            raise DataError(f"task {task!r} needs {n} jets per class in split {split!r}; "
                            f"the QCD sample of profile {prof.name!r} is smaller")
        jets = JetSet.concatenate(parts)
        order = np.random.default_rng([seed, i]).permutation(len(jets))
        out[split] = jets.subset(order)
    return out


def load_test_background(task: str = "top_qcd", profile: Profile | str = "standard",
                         seed: int = 0, data_source: str = "generated",
                         data_dir: str | Path | None = None, **kwargs) -> JetSet:
    """The background test jets beyond the balanced test split of :func:`load_task`, for the
    background rejection (:attr:`Profile.background_test_jets`; none for other tasks).

    Generated: the QCD test sample's jets after those of the test split.  Benchmark: the QCD
    jets of ``test.h5`` after the rows the test split reads (with a
    :class:`BenchmarkSizeWarning` when the file holds fewer).
    """
    prof = get_profile(profile)
    extra = prof.background_jets("test") - prof.jets_per_class["test"]
    if data_source not in ("generated", "benchmark"):
        raise DataError(f"data_source must be 'generated' or 'benchmark', got {data_source!r}")
    if task != "top_qcd" or extra <= 0:
        return JetSet.empty()
    if data_source == "benchmark":
        return _benchmark_background(prof, data_dir, extra)
    path = sample_file(MAIN_PROCESSES[1], "test", prof, seed, **kwargs)
    return read_jets(path, prof.jets_per_class["test"], None)


def _benchmark_background(prof: Profile, data_dir, extra: int) -> JetSet:
    from .benchmark import load_benchmark_split

    data_dir = data_dir or fetched_benchmark_dir()
    if not data_dir:
        raise DataError("data_source='benchmark' needs data_dir (folder with test.h5), or the "
                        "files in the cache: run `python -m helpers.data fetch-benchmark` first")
    skip = 2 * prof.jets_per_class["test"]
    # about half of the benchmark's jets are QCD: read twice the QCD jets wanted, and more
    rows = load_benchmark_split(data_dir, "test", max_jets=skip + 2 * extra + 2000)
    qcd = np.flatnonzero(rows.labels[skip:] == 0)[:extra] + skip
    if len(qcd) < extra:
        warnings.warn(f"{Path(data_dir) / 'test.h5'} holds {len(qcd):,} QCD jets beyond the "
                      f"test split, fewer than the {extra:,} that profile {prof.name!r} adds for "
                      "the background rejection", BenchmarkSizeWarning, stacklevel=3)
    return rows.subset(qcd)


def _load_benchmark(task: str, prof: Profile, data_dir) -> dict[str, JetSet]:
    from .benchmark import load_benchmark_split

    if task != "top_qcd":
        raise DataError(f"the benchmark files only contain top/QCD jets, not task {task!r}")
    data_dir = data_dir or fetched_benchmark_dir()
    if not data_dir:
        raise DataError("data_source='benchmark' needs data_dir (folder with train.h5, "
                        "val.h5, test.h5), or the files in the cache: run "
                        "`python -m helpers.data fetch-benchmark` first")
    full = prof.name == "full"
    out = {}
    for split in SPLITS:
        want = 2 * prof.jets_per_class[split]
        out[split] = load_benchmark_split(data_dir, split, max_jets=None if full else want)
        if len(out[split]) < want:
            warnings.warn(f"{Path(data_dir) / f'{split}.h5'} holds {len(out[split]):,} usable "
                          f"jets, fewer than the {want:,} that profile {prof.name!r} asks for "
                          f"({prof.jets_per_class[split]:,} per class): the {split} split runs "
                          f"on what is there", BenchmarkSizeWarning, stacklevel=3)
    return out


class BenchmarkSizeWarning(UserWarning):
    """A benchmark file holds fewer jets than the profile asks for."""


