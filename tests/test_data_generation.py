"""Physics and engineering checks of the jet generator on small samples."""

from __future__ import annotations

import concurrent.futures as cf

import h5py
import numpy as np
import pytest

from helpers.data import (
    DataError,
    JetDefinition,
    generate_sample,
    read_attrs,
    read_jets,
)
from helpers.data import samples as samples_mod
from helpers.data.generator import Generator
from helpers.data.processes import get_process
from helpers.data.samples import load_task, shard_seed
from helpers.data.store import JetWriter, validate, write_attrs


def _kin(c):
    p = c.sum(axis=1, dtype=np.float64)
    pt = np.hypot(p[:, 1], p[:, 2])
    eta = np.arcsinh(p[:, 3] / pt)
    return pt, eta, np.arctan2(p[:, 2], p[:, 1])


def _dr(eta1, phi1, eta2, phi2):
    return np.hypot(eta1 - eta2, np.mod(phi1 - phi2 + np.pi, 2 * np.pi) - np.pi)


@pytest.fixture(scope="module")
def top_jets():
    return Generator(get_process("top"), JetDefinition(), seed=11).jets(60)


@pytest.fixture(scope="module")
def qcd_jets():
    return Generator(get_process("qcd"), JetDefinition(), seed=12).jets(60)


@pytest.mark.parametrize("fixture", ["top_jets", "qcd_jets"])
def test_window_eta_ordering_padding(fixture, request):
    jets = request.getfixturevalue(fixture)
    c = jets.constituents
    assert c.shape == (60, 200, 4) and c.dtype == np.float32
    pt, eta, _ = _kin(c)
    assert ((pt >= 550 - 1e-3) & (pt <= 650 + 1e-3)).all()
    assert (np.abs(eta) < 2).all()
    cpt = np.hypot(c[..., 1], c[..., 2])
    assert (np.diff(cpt, axis=1) <= 1e-4).all(), "constituents must be pT-ordered"
    n = (c[..., 0] > 0).sum(axis=1)
    slots = np.arange(200)[None, :]
    assert (c[slots >= n[:, None]] == 0).all(), "padding must be exact zeros after the last particle"
    assert (n >= 2).all()


def test_top_matching(top_jets):
    _, eta, phi = _kin(top_jets.constituents)
    t = top_jets.truth.astype(np.float64)
    t_pt = np.hypot(t[:, 1], t[:, 2])
    assert (top_jets.labels == 1).all()
    # the stored truth is the top as it leaves the hard process; recoil moves it away from the
    # jet (matching uses the decaying copy: tests/test_truth_record.py), but not far
    dr = _dr(eta, phi, np.arcsinh(t[:, 3] / t_pt), np.arctan2(t[:, 2], t[:, 1]))
    assert np.median(dr) < 0.3
    t_mass = np.sqrt(np.maximum(t[:, 0] ** 2 - (t[:, 1:] ** 2).sum(1), 0))
    assert abs(np.median(t_mass) - 172.5) < 2, "truth four-vector must be the top quark"
    assert ((t_mass > 120) & (t_mass < 230)).all()  # Breit-Wigner tails


def test_qcd_has_no_truth(qcd_jets):
    assert (qcd_jets.labels == 0).all()
    assert (qcd_jets.truth == 0).all()


def test_parton_labels():
    q = Generator(get_process("quark"), JetDefinition(), seed=3).jets(15)
    g = Generator(get_process("gluon"), JetDefinition(), seed=3).jets(15)
    assert (q.labels == 1).all() and (g.labels == 0).all()
    assert (q.truth[:, 0] > 0).all() and (g.truth[:, 0] > 0).all()


def test_determinism_for_fixed_seed():
    a = Generator(get_process("qcd"), JetDefinition(), seed=99).jets(10)
    b = Generator(get_process("qcd"), JetDefinition(), seed=99).jets(10)
    c = Generator(get_process("qcd"), JetDefinition(), seed=100).jets(10)
    assert np.array_equal(a.constituents, b.constituents)
    assert not np.array_equal(a.constituents, c.constituents)


def test_split_seeds_disjoint():
    seeds = {s: {shard_seed(0, s, i) for i in range(1000)} for s in ("train", "val", "test")}
    assert not seeds["train"] & seeds["val"] and not seeds["train"] & seeds["test"]
    assert not seeds["val"] & seeds["test"]
    assert max(shard_seed(899, "test", 299_999), 1) <= 900_000_000


# -- cache ----------------------------------------------------------------------------
def test_cache_reuse_and_invalidation(tmp_path):
    p1 = generate_sample("w", 20, "train", seed=1, shard_size=10, workers=0, root=tmp_path)
    mtime = p1.stat().st_mtime_ns
    assert generate_sample("w", 20, "train", seed=1, shard_size=10, workers=0,
                           root=tmp_path) == p1
    assert p1.stat().st_mtime_ns == mtime, "an identical config must reuse the file"
    p2 = generate_sample("w", 20, "train", seed=2, shard_size=10, workers=0, root=tmp_path)
    assert p2 != p1 and p2.exists()
    attrs = read_attrs(p1)
    assert attrs["n_jets"] == 20 and attrs["config"]["seed"] == 1
    assert attrs["config"]["versions"]["pythia8mc"]
    assert attrs["stats"]["n_events"] >= 20 and attrs["seeds"] == [shard_seed(1, "train", i) for i in (0, 1)]
    jets = read_jets(p1)
    assert len(jets) == 20 and (jets.labels == 1).all()


def test_killed_write_leaves_nothing(tmp_path, monkeypatch):
    real = samples_mod.run_shards

    def dying(specs, *a, **k):
        for n, item in enumerate(real(specs, *a, **k)):
            if n == 1:
                raise KeyboardInterrupt("killed")
            yield item

    monkeypatch.setattr(samples_mod, "run_shards", dying)
    with pytest.raises(KeyboardInterrupt):
        generate_sample("w", 20, "train", seed=5, shard_size=10, workers=0, root=tmp_path)
    # no sample file, half-written or not: only the finished shard, for a later run to resume
    leftovers = sorted(p.relative_to(tmp_path / "jets") for p in (tmp_path / "jets").rglob("*"))
    assert [p.suffix for p in leftovers] == [".shards", ".npz"], f"a killed run left {leftovers}"
    monkeypatch.setattr(samples_mod, "run_shards", real)
    path = generate_sample("w", 20, "train", seed=5, shard_size=10, workers=0, root=tmp_path)
    assert list((tmp_path / "jets").iterdir()) == [path] and len(read_jets(path)) == 20


def test_corrupt_cached_file_is_regenerated(tmp_path):
    path = generate_sample("w", 10, "val", seed=3, shard_size=10, workers=0, root=tmp_path)
    good = read_jets(path).constituents
    path.write_bytes(path.read_bytes()[:2000])  # truncate
    with pytest.raises(DataError, match=str(path.name)):
        read_jets(path)
    again = generate_sample("w", 10, "val", seed=3, shard_size=10, workers=0, root=tmp_path)
    assert np.array_equal(read_jets(again).constituents, good)


def test_incomplete_and_bad_files_are_refused(tmp_path):
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as h5:
        JetWriter(h5, 2, 5).write(0, constituents=np.full((2, 5, 4), np.nan, np.float32),
                                  truth=np.zeros((2, 4)), labels=np.zeros(2), pthat=np.zeros(2))
    with pytest.raises(DataError, match="incomplete"):
        validate(path)
    with h5py.File(path, "a") as h5:
        write_attrs(h5, complete=True)
    with pytest.raises(DataError, match="NaN"):
        read_jets(path)
    with pytest.raises(DataError, match="not found"):
        read_jets(tmp_path / "missing.h5")


# -- bad requests -----------------------------------------------------------------------
def test_bad_requests(tmp_path):
    with pytest.raises(DataError, match="unknown process"):
        generate_sample("higgs", 10, root=tmp_path)
    with pytest.raises(DataError, match="window"):
        JetDefinition(pt_min=700, pt_max=600)
    with pytest.raises(DataError, match="positive"):
        generate_sample("qcd", 0, root=tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(PermissionError, match="not writable"):
        generate_sample("qcd", 10, root=blocker / "cache")
    with pytest.raises(DataError, match="data_source"):
        load_task("top_qcd", "ci", data_source="zenodo")
    with pytest.raises(DataError, match="unknown task"):
        load_task("higgs_qcd", "ci")


# -- executors --------------------------------------------------------------------------
def _arrays(path):
    j = read_jets(path)
    return j.constituents, j.truth


def test_thread_pool_and_dask_executors_agree(tmp_path):
    """Any concurrent.futures executor works, and the result does not depend on it."""
    distributed = pytest.importorskip("distributed")
    inline = generate_sample("w", 16, seed=7, shard_size=8, workers=0, root=tmp_path / "a")
    with cf.ThreadPoolExecutor(2) as ex:
        threaded = generate_sample("w", 16, seed=7, shard_size=8, executor=ex,
                                   root=tmp_path / "b")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dasked = generate_sample("w", 16, seed=7, shard_size=8, executor=client.get_executor(),
                                 root=tmp_path / "c")
    for other in (threaded, dasked):
        for x, y in zip(_arrays(inline), _arrays(other)):
            assert np.array_equal(x, y)


def test_process_pool_default(tmp_path):
    path = generate_sample("w", 12, seed=8, shard_size=6, workers=2, root=tmp_path)
    assert len(read_jets(path)) == 12


def test_samples_sharing_one_pool_are_the_samples_made_one_by_one(tmp_path, monkeypatch):
    """``sample_files`` runs the shards of several samples in one pool: the files are those
    of one sample after the other, each pair once, and a second call only reads them."""
    from helpers.config import get_profile
    from helpers.data.samples import sample_files

    prof = get_profile("ci", jets_per_class={"train": 8, "val": 4, "test": 4},
                       jets_per_class_extra={"train": 8, "val": 4, "test": 4}, shard_size=4,
                       background_test_jets=4)
    pairs = [("w", "train"), ("qcd", "val"), ("w", "train"), ("w", "test")]
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "one"))
    alone = {pair: samples_mod.sample_file(*pair, prof, 3, workers=0) for pair in pairs}
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "shared"))
    with cf.ThreadPoolExecutor(2) as pool:
        shared = sample_files(pairs, prof, 3, executor=pool)
    assert list(shared) == list(dict.fromkeys(pairs))
    for pair, path in shared.items():
        assert path.name == alone[pair].name
        for x, y in zip(_arrays(alone[pair]), _arrays(path)):
            assert np.array_equal(x, y)
    monkeypatch.setattr(samples_mod, "run_shards", None)  # generating again would fail
    assert sample_files(pairs, prof, 3, executor=pool) == shared


def test_load_task_balanced_and_shuffled(tmp_path, monkeypatch):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    from helpers.config import get_profile

    prof = get_profile("ci", jets_per_class={"train": 12, "val": 6, "test": 6},
                       jets_per_class_extra={"train": 12, "val": 6, "test": 6}, shard_size=6)
    splits = load_task("w_qcd", prof, seed=0, workers=0)
    assert {k: len(v) for k, v in splits.items()} == {"train": 24, "val": 12, "test": 12}
    for jets in splits.values():
        assert jets.labels.sum() * 2 == len(jets)
    assert not (np.diff(splits["train"].labels) == 0).all()
    a = splits["train"].constituents.reshape(24, -1)
    b = splits["test"].constituents.reshape(12, -1)
    assert not (a[:, None, :] == b[None, :, :]).all(-1).any(), "train and test share a jet"


def test_killed_parent_leaves_no_workers(tmp_path):
    """SIGKILL the generating process: its pool workers must not run on as orphans."""
    import os
    import signal
    import subprocess
    import sys
    import time

    code = ("from helpers.data import generate_sample; "
            f"generate_sample('top', 400, seed=3, shard_size=100, workers=2, root={str(tmp_path)!r})")
    proc = subprocess.Popen([sys.executable, "-c", code])
    children: list[int] = []
    deadline = time.time() + 60
    while time.time() < deadline and len(children) < 2:
        time.sleep(0.5)
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True,
                             text=True).stdout.split()
        children = [int(p) for p in out]
    assert children, "the pool never started"
    time.sleep(3)  # let the workers run their initializer and start generating
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    alive = children
    while alive and time.time() < deadline:
        time.sleep(0.5)
        alive = [p for p in alive if os.path.exists(f"/proc/{p}")
                 and open(f"/proc/{p}/stat").read().split()[2] != "Z"]
    assert not alive, f"orphaned workers still running: {alive}"
    leftovers = [p for p in (tmp_path / "jets").iterdir() if not p.name.endswith(".part")]
    assert leftovers == [], "a killed run must not leave a complete-looking file"


def test_test_background_follows_the_balanced_test_split(tmp_path, monkeypatch):
    """The QCD test sample holds background_test_jets; the test split takes the first
    jets_per_class of them, load_test_background the rest (no jet in both)."""
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    from helpers.config import get_profile
    from helpers.data import load_sample, load_test_background, sample_file

    sizes = {"train": 6, "val": 6, "test": 6}
    prof = get_profile("ci", jets_per_class=sizes, jets_per_class_extra=sizes,
                       background_test_jets=10, shard_size=5)
    extra = load_test_background("top_qcd", prof, seed=0, workers=0)
    assert len(extra) == 4 and (extra.labels == 0).all()
    assert len(read_jets(sample_file("qcd", "test", prof, seed=0, workers=0))) == 10
    balanced = load_sample("qcd", "test", prof, seed=0, n_jets=6, workers=0)
    a, b = balanced.constituents.reshape(6, -1), extra.constituents.reshape(4, -1)
    assert not (a[:, None, :] == b[None, :, :]).all(-1).any(), "a jet in both"
    assert len(load_test_background("w_qcd", prof, seed=0, workers=0)) == 0
    same = get_profile("ci", jets_per_class=sizes, jets_per_class_extra=sizes,
                       background_test_jets=0, shard_size=5)
    assert len(load_test_background("top_qcd", same, seed=0, workers=0)) == 0
    with pytest.raises(DataError, match="data_source"):
        load_test_background("top_qcd", prof, data_source="elsewhere")
