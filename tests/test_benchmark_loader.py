"""The benchmark loader on small files written by pandas in both layouts."""

from __future__ import annotations

import pickle

import h5py
import numpy as np
import pandas as pd
import pytest

from helpers.data.benchmark import (
    _decode_names,
    load_benchmark,
    load_benchmark_split,
    write_benchmark_layout,
)
from helpers.data.errors import DataError
from helpers.data.jets import JetSet


def make_jets(n_jets: int = 50, slots: int = 200, seed: int = 0):
    """Random physical jets (massless constituents, pT-ordered, zero-padded)."""
    rng = np.random.default_rng(seed)
    cons = np.zeros((n_jets, slots, 4), np.float32)
    n = rng.integers(1, slots + 1, n_jets)
    n[:5] = [1, 2, 3, slots, slots // 2]
    for k in range(n_jets):
        pt = np.sort(rng.exponential(20.0, n[k]))[::-1] + 0.5
        eta, phi = rng.normal(0, 0.3, n[k]), rng.uniform(-np.pi, np.pi, n[k])
        cons[k, : n[k]] = np.stack(
            [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], 1
        )
    labels = rng.integers(0, 2, n_jets).astype(np.int8)
    truth = rng.normal(0, 300, (n_jets, 4)).astype(np.float32) * labels[:, None]
    truth[labels == 1, 0] = 1e4 + np.arange((labels == 1).sum())  # values no constituent has
    return cons, labels, truth


def to_frame(cons, labels, truth) -> pd.DataFrame:
    """The benchmark's column layout."""
    slots = cons.shape[1]
    names = [f"{c}_{i}" for i in range(slots) for c in ("E", "PX", "PY", "PZ")]
    df = pd.DataFrame(cons.reshape(len(cons), -1), columns=names)
    df[["truthE", "truthPX", "truthPY", "truthPZ"]] = truth
    df["ttv"] = np.zeros(len(cons), np.int64)
    df["is_signal_new"] = labels.astype(np.int64)
    return df


def write(path, df: pd.DataFrame, fmt: str = "table"):
    df.to_hdf(path, key="table", format=fmt, mode="w")
    return path


@pytest.fixture(scope="module")
def jets():
    return make_jets()


@pytest.fixture(scope="module")
def table_file(tmp_path_factory, jets):
    return write(tmp_path_factory.mktemp("bench") / "train.h5", to_frame(*jets))


def assert_same(jetset, cons, labels, truth):
    np.testing.assert_array_equal(jetset.constituents, cons)
    np.testing.assert_array_equal(jetset.labels, labels)
    np.testing.assert_array_equal(jetset.truth, truth)
    assert jetset.constituents.dtype == np.float32 and jetset.labels.dtype == np.int8


def test_table_layout_matches_benchmark(table_file):
    with h5py.File(table_file) as f:
        ds = f["table/table"]
        assert ds.dtype.names == ("index", "values_block_0", "values_block_1")
        assert ds.dtype["values_block_0"].shape == (804,)
        assert ds.attrs["NROWS"] == 50


def test_table_round_trip(table_file, jets):
    js = load_benchmark(table_file)
    assert js.constituents.shape == (50, 200, 4)
    assert_same(js, *jets)
    assert not np.isin(jets[2][jets[1] == 1, 0], js.constituents).any()  # truth never leaks


def test_fixed_round_trip(tmp_path, jets):
    assert_same(load_benchmark(write(tmp_path / "f.h5", to_frame(*jets), "fixed")), *jets)


def test_columns_mapped_by_name(tmp_path, jets):
    df = to_frame(*jets)
    shuffled = df[list(np.random.default_rng(1).permutation(df.columns))]
    for fmt in ("table", "fixed"):
        assert_same(load_benchmark(write(tmp_path / f"{fmt}.h5", shuffled, fmt)), *jets)


def test_chunked_equals_one_shot_and_max_jets(table_file, jets):
    one = load_benchmark(table_file, chunk_size=1000)
    chunked = load_benchmark(table_file, chunk_size=7)
    assert_same(chunked, one.constituents, one.labels, one.truth)
    first = load_benchmark(table_file, max_jets=13, chunk_size=5)
    assert_same(first, *(a[:13] for a in jets))
    assert len(load_benchmark(table_file, max_jets=10_000)) == 50


def test_fewer_slots(tmp_path):
    cons, labels, truth = make_jets(20, slots=100, seed=3)
    for fmt in ("table", "fixed"):
        js = load_benchmark(write(tmp_path / f"{fmt}.h5", to_frame(cons, labels, truth), fmt))
        assert js.constituents.shape == (20, 100, 4)
        assert_same(js, cons, labels, truth)


def test_split_loader(tmp_path, jets):
    write(tmp_path / "val.h5", to_frame(*jets))
    assert_same(load_benchmark_split(tmp_path, "val"), *jets)
    with pytest.raises(ValueError, match="split"):
        load_benchmark_split(tmp_path, "validation")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.h5"):
        load_benchmark(tmp_path / "nothere.h5")


def test_truncated_file(tmp_path, table_file):
    data = table_file.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.h5.*not a readable HDF5"):
        load_benchmark(cut)


@pytest.mark.parametrize(
    "drop, message", [("is_signal_new", "is_signal_new"), ("PX_3", "PX_3"), ("truthPY", "truth")]
)
def test_missing_columns(tmp_path, jets, drop, message):
    path = write(tmp_path / "bad.h5", to_frame(*jets).drop(columns=[drop]))
    with pytest.raises(DataError, match=f"bad.h5.*{message}"):
        load_benchmark(path)


def test_no_truth_columns_gives_zero_truth(tmp_path, jets):
    df = to_frame(*jets).drop(columns=["truthE", "truthPX", "truthPY", "truthPZ"])
    js = load_benchmark(write(tmp_path / "notruth.h5", df))
    assert_same(js, jets[0], jets[1], np.zeros_like(jets[2]))


def test_not_a_pandas_store(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["table/x"] = np.zeros(3)
        f["jets"] = np.zeros(3)
    with pytest.raises(DataError, match="other.h5.*neither"):
        load_benchmark(tmp_path / "other.h5")
    with pytest.raises(DataError, match="no group 'features'"):
        load_benchmark(tmp_path / "other.h5", key="features")


def test_bad_labels(tmp_path, jets):
    df = to_frame(*jets)
    df.loc[4, "is_signal_new"] = 2
    with pytest.raises(DataError, match="row 4"):
        load_benchmark(write(tmp_path / "labels.h5", df))


@pytest.mark.parametrize("bad_value", [np.nan, np.inf])
def test_non_finite_constituents(tmp_path, jets, bad_value):
    cons, labels, truth = (a.copy() for a in jets)
    cons[[3, 17, 40], 0, 1] = bad_value
    path = write(tmp_path / "nan.h5", to_frame(cons, labels, truth))
    with pytest.raises(DataError, match="nan.h5: jet at row 3 has non-finite"):
        load_benchmark(path, chunk_size=8)
    with pytest.warns(UserWarning, match="skipped 3 bad jets of 50"):
        js = load_benchmark(path, on_bad_jets="skip", chunk_size=8)
    keep = np.setdiff1d(np.arange(50), [3, 17, 40])
    assert_same(js, cons[keep], labels[keep], truth[keep])


def test_empty_jets(tmp_path, jets):
    cons, labels, truth = (a.copy() for a in jets)
    cons[[0, 25]] = 0.0
    path = write(tmp_path / "empty.h5", to_frame(cons, labels, truth), "fixed")
    with pytest.raises(DataError, match="row 0 has no constituents"):
        load_benchmark(path)
    with pytest.warns(UserWarning, match="skipped 2 bad jets"):
        assert len(load_benchmark(path, on_bad_jets="skip")) == 48


def test_column_name_decoding():
    names = ["E_0", "PX_0"]
    assert _decode_names(np.bytes_(pickle.dumps(names, protocol=0)), "x") == names
    assert _decode_names(b"(lp0\nS'E_0'\np1\naS'PX_0'\np2\na.", "x") == names  # Python 2 pickle
    assert _decode_names(np.array([b"E_0", b"PX_0"]), "x") == names
    with pytest.raises(DataError, match="cannot decode"):
        _decode_names(pickle.dumps(np.zeros(2), protocol=0), "x")  # needs a global: refused


@pytest.mark.parametrize("fmt", ["table", "fixed"])
def test_write_benchmark_layout_round_trip(tmp_path, fmt):
    """A JetSet written in the benchmark layout (table: in appended chunks) reads back."""
    cons, labels, truth = make_jets(23, seed=5)
    path = write_benchmark_layout(JetSet(cons, labels, truth), tmp_path / f"{fmt}.h5",
                                  format=fmt, chunk_size=5)
    assert_same(load_benchmark(path, chunk_size=7), cons, labels, truth)
    df = pd.read_hdf(path, "table")  # the same columns, in the same order, as the benchmark
    expected = to_frame(cons, labels, truth)
    assert list(df.columns) == list(expected.columns)
    assert list(df.index) == list(range(23))
    np.testing.assert_array_equal(df.to_numpy(np.float64), expected.to_numpy(np.float64))
    assert (df.dtypes.iloc[:-2] == np.float32).all() and (df.dtypes.iloc[-2:] == np.int64).all()
    if fmt == "table":
        with h5py.File(path) as f:
            ds = f["table/table"]
            assert ds.dtype.names == ("index", "values_block_0", "values_block_1")
            assert ds.dtype["values_block_0"].shape == (804,)
            assert ds.attrs["NROWS"] == 23


def test_write_benchmark_layout_rejects(tmp_path):
    cons, labels, truth = make_jets(5, slots=10)
    jets = JetSet(cons, labels, truth)
    with pytest.raises(ValueError, match="format"):
        write_benchmark_layout(jets, tmp_path / "x.h5", format="parquet")
    with pytest.raises(ValueError, match="chunk_size"):
        write_benchmark_layout(jets, tmp_path / "x.h5", chunk_size=0)
    with pytest.raises(ValueError, match="no jets"):
        write_benchmark_layout(jets.subset(slice(0, 0)), tmp_path / "x.h5")


def test_a_benchmark_file_smaller_than_the_profile_says_so(tmp_path):
    from helpers.data import load_task
    from helpers.data.samples import BenchmarkSizeWarning

    cons, labels, truth = make_jets(60, slots=20)
    for split in ("train", "val", "test"):
        write_benchmark_layout(JetSet(cons, labels, truth), tmp_path / f"{split}.h5")
    with pytest.warns(BenchmarkSizeWarning) as caught:
        splits = load_task("top_qcd", "ci", data_source="benchmark", data_dir=tmp_path)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 3 and all("holds 60 usable jets, fewer than the" in m
                                      for m in messages)
    assert "800 that profile 'ci' asks for (400 per class): the train split" in messages[0]
    assert len(splits["train"]) == 60


def test_benchmark_test_background_reads_qcd_jets_after_the_test_split(tmp_path):
    from helpers.config import get_profile
    from helpers.data import load_test_background
    from helpers.data.samples import BenchmarkSizeWarning

    cons, labels, truth = make_jets(60, slots=20)
    write_benchmark_layout(JetSet(cons, labels, truth), tmp_path / "test.h5")
    sizes = {"train": 10, "val": 10, "test": 10}
    prof = get_profile("ci", jets_per_class=sizes, background_test_jets=14)
    extra = load_test_background("top_qcd", prof, data_source="benchmark", data_dir=tmp_path)
    rows = np.flatnonzero(labels[20:] == 0)[:4] + 20  # the test split reads rows 0-19
    assert (extra.labels == 0).all() and len(extra) == 4
    np.testing.assert_allclose(extra.constituents[..., 1:], cons[rows][..., 1:], rtol=1e-6)
    greedy = get_profile("ci", jets_per_class=sizes, background_test_jets=1000)
    with pytest.warns(BenchmarkSizeWarning, match="QCD jets beyond the test split"):
        rest = load_test_background("top_qcd", greedy, data_source="benchmark", data_dir=tmp_path)
    assert len(rest) == (labels[20:] == 0).sum()
