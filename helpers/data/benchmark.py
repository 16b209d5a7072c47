"""Reader for the original top-tagging benchmark files (Kasieczka et al. 2019).

The files (``train.h5``, ``val.h5``, ``test.h5``) are pandas HDF5 stores under the key
``table``.  Two pandas layouts are understood:

- ``format="table"`` (the published files): a compound dataset ``/table/table`` with
  fields ``index`` and ``values_block_<k>``; the column names of block ``k`` are in
  the attribute ``values_block_<k>_kind`` (a protocol-0 pickle of a list of strings,
  decoded here without allowing any Python object to be constructed).  Columns
  stored as their own fields (pandas ``data_columns``) are accepted too.
- ``format="fixed"``: datasets ``block<k>_items`` (names) and ``block<k>_values``
  (``(rows, columns)``) in the group ``/table``.

Columns are mapped by name: ``E_i, PX_i, PY_i, PZ_i`` for ``i = 0 .. M-1`` (M, the number
of constituent slots, is inferred from the names: 200 in the benchmark, any other
complete range works), ``is_signal_new`` (label) and ``truthE, truthPX, truthPY,
truthPZ``.  The truth columns go **only** to :attr:`JetSet.truth` (zeros if a file has
none).  Files are read with h5py in chunks of rows, so memory stays at the output
arrays plus one chunk.

:func:`write_benchmark_layout` goes the other way: it writes a :class:`JetSet` (e.g.
generated jets) as such a pandas store, so that anything written for the benchmark files
can be run on it.
"""

from __future__ import annotations

import errno
import io
import pickle
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from helpers.data.errors import DataError
from helpers.data.jets import JetSet

SPLITS = ("train", "val", "test")
LABEL_COLUMN = "is_signal_new"
TRUTH_COLUMNS = ("truthE", "truthPX", "truthPY", "truthPZ")
COMPONENTS = ("E", "PX", "PY", "PZ")
_CONSTITUENT = re.compile(r"^(E|PX|PY|PZ)_(\d+)$")
_TABLE_BLOCK = re.compile(r"^values_block_\d+$")
_FIXED_BLOCK = re.compile(r"^block(\d+)_items$")


@dataclass
class _Store:
    """Column names of an open pandas store and a reader of row ranges.

    ``columns`` maps a column name to ``(block, position)``; ``read(start, stop)``
    returns every block's ``(rows, columns)`` array for those rows.
    """

    n_rows: int
    columns: dict[str, tuple[str, int]]
    read: Callable[[int, int], dict[str, np.ndarray]]


def load_benchmark(
    path: str | Path,
    max_jets: int | None = None,
    chunk_size: int = 10_000,
    on_bad_jets: str = "raise",
    key: str = "table",
) -> JetSet:
    """Read a benchmark file into a :class:`JetSet`.

    ``max_jets`` reads only the first rows of the file.  Bad jets (non-finite values,
    or no constituent with ``E > 0``) raise :class:`DataError` with
    ``on_bad_jets="raise"``; with ``"skip"`` they are dropped and a ``UserWarning``
    reports how many.  Every error names the file.
    """
    if max_jets is not None and max_jets < 0:
        raise ValueError(f"max_jets must be >= 0 or None, got {max_jets}")
    if on_bad_jets not in ("raise", "skip"):
        raise ValueError(f"on_bad_jets must be 'raise' or 'skip', got {on_bad_jets!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "benchmark file not found", str(path))
    try:
        with h5py.File(path, "r") as f:
            return _read(f, path, max_jets, chunk_size, on_bad_jets, key)
    except OSError as err:  # truncated or corrupt HDF5
        raise DataError(f"{path}: not a readable HDF5 file ({err})") from err


def write_benchmark_layout(
    jets: JetSet,
    path: str | Path,
    format: str = "table",
    chunk_size: int = 10_000,
    key: str = "table",
    ttv: int = 0,
) -> Path:
    """Write ``jets`` as a pandas store in the layout of the benchmark files.

    Columns ``E_0, PX_0, PY_0, PZ_0, ..., PZ_{M-1}`` and ``truthE, truthPX, truthPY,
    truthPZ`` (float32, as in the :class:`JetSet`), then ``ttv`` (``ttv`` for every row)
    and ``is_signal_new`` (the labels), both int64, under ``key``; the file is replaced.
    ``format="table"`` (the published files' layout) is written ``chunk_size`` rows at a
    time with ``append=True``, so memory stays at one chunk beyond ``jets``;
    ``format="fixed"`` cannot be appended to and is written in one piece (a full copy of
    the data).  :func:`load_benchmark` reads either back to the same arrays.  An empty
    ``jets`` raises ``ValueError`` (pandas would write no readable store).
    """
    import pandas as pd

    if format not in ("table", "fixed"):
        raise ValueError(f"format must be 'table' or 'fixed', got {format!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    path = Path(path)
    n, n_slots = jets.constituents.shape[:2]
    if n == 0:  # pandas writes no readable store for an empty frame
        raise ValueError(f"{path}: no jets to write")
    columns = [f"{c}_{i}" for i in range(n_slots) for c in COMPONENTS] + list(TRUTH_COLUMNS)

    def frame(start: int, stop: int) -> pd.DataFrame:
        cons = jets.constituents[start:stop].reshape(stop - start, 4 * n_slots)
        values = np.concatenate([cons, jets.truth[start:stop]], axis=1, dtype=np.float32)
        df = pd.DataFrame(values, columns=columns, index=pd.RangeIndex(start, stop))
        df["ttv"] = np.full(stop - start, ttv, np.int64)
        df[LABEL_COLUMN] = jets.labels[start:stop].astype(np.int64)
        return df

    with pd.HDFStore(path, mode="w") as store:
        if format == "fixed":
            frame(0, n).to_hdf(store, key=key, format="fixed")
        else:
            for start in range(0, n, chunk_size):
                frame(start, min(start + chunk_size, n)).to_hdf(
                    store, key=key, format="table", append=True
                )
    return path


def load_benchmark_split(
    directory: str | Path, split: str, max_jets: int | None = None, **kwargs
) -> JetSet:
    """Read ``<directory>/<split>.h5`` for ``split`` in :data:`SPLITS`."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return load_benchmark(Path(directory) / f"{split}.h5", max_jets=max_jets, **kwargs)


def _read(
    f: h5py.File, path: Path, max_jets: int | None, chunk_size: int, on_bad_jets: str, key: str
) -> JetSet:
    """Chunked read of an open file (see :func:`load_benchmark`)."""
    store = _open_store(f, path, key)
    n_slots = _constituent_slots(store.columns, path)
    cons_plan = _plan(store.columns, [f"{c}_{i}" for i in range(n_slots) for c in COMPONENTS])
    label_plan = _plan(store.columns, [LABEL_COLUMN])
    truth_plan = _plan(store.columns, _truth_columns(store.columns, path))
    n = store.n_rows if max_jets is None else min(max_jets, store.n_rows)
    constituents = np.empty((n, n_slots, 4), np.float32)
    labels = np.empty(n, np.int8)
    truth = np.zeros((n, 4), np.float32)
    kept = 0
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        blocks = store.read(start, stop)
        cons = _gather(blocks, cons_plan, 4 * n_slots).reshape(-1, n_slots, 4)
        lab = _labels(_gather(blocks, label_plan, 1)[:, 0], path, start)
        tru = _gather(blocks, truth_plan, 4) if truth_plan else None
        good = _good_jets(cons, tru, path, start, on_bad_jets)
        rows = slice(None) if good.all() else good  # avoid copying a clean chunk
        k = int(good.sum())
        constituents[kept : kept + k] = cons[rows]
        labels[kept : kept + k] = lab[rows]
        if tru is not None:
            truth[kept : kept + k] = tru[rows]
        kept += k
    if kept < n:
        warnings.warn(f"{path}: skipped {n - kept} bad jets of {n}", UserWarning, stacklevel=3)
    return JetSet(constituents[:kept], labels[:kept], truth[:kept])


# ----------------------------------------------------------------------- layouts
def _open_store(f: h5py.File, path: Path, key: str) -> _Store:
    """Recognise the pandas layout of group ``key``."""
    if key not in f:
        raise DataError(f"{path}: no group {key!r} (found {sorted(f.keys())})")
    group = f[key]
    if isinstance(group, h5py.Group) and isinstance(group.get("table"), h5py.Dataset):
        return _table_store(group["table"], path)
    if isinstance(group, h5py.Group) and any(_FIXED_BLOCK.match(k) for k in group):
        return _fixed_store(group, path)
    raise DataError(f"{path}: {key!r} is neither a pandas 'table' nor a 'fixed' layout")


def _table_store(ds: h5py.Dataset, path: Path) -> _Store:
    """pandas ``format="table"``: one compound dataset, names in attributes."""
    if ds.dtype.names is None:
        raise DataError(f"{path}: {ds.name} is not a compound (table) dataset")
    columns: dict[str, tuple[str, int]] = {}
    for field in ds.dtype.names:
        if field == "index":
            continue
        if _TABLE_BLOCK.match(field):
            attr = f"{field}_kind"
            if attr not in ds.attrs:
                raise DataError(f"{path}: attribute {attr} with the column names is missing")
            names = _decode_names(ds.attrs[attr], f"{path}:{ds.name}.{attr}")
        else:
            names = [field]  # a pandas data column stored as its own field
        _add_columns(columns, names, field, path)

    def read(start: int, stop: int) -> dict[str, np.ndarray]:
        rows = ds[start:stop]
        return {fld: rows[fld].reshape(len(rows), -1) for fld in ds.dtype.names}

    return _Store(len(ds), columns, read)


def _fixed_store(group: h5py.Group, path: Path) -> _Store:
    """pandas ``format="fixed"``: ``block<k>_items`` / ``block<k>_values`` datasets."""
    columns: dict[str, tuple[str, int]] = {}
    values: dict[str, h5py.Dataset] = {}
    for name in group:
        match = _FIXED_BLOCK.match(name)
        if not match:
            continue
        block = f"block{match.group(1)}_values"
        if block not in group:
            raise DataError(f"{path}: {group.name}/{block} is missing")
        names = _decode_names(group[name][()], f"{path}:{group.name}/{name}")
        values[block] = group[block]
        if values[block].ndim != 2 or values[block].shape[1] != len(names):
            shape = values[block].shape
            raise DataError(f"{path}: {block} has shape {shape}, expected (rows, {len(names)})")
        _add_columns(columns, names, block, path)
    n_rows = {ds.shape[0] for ds in values.values()}
    if len(n_rows) != 1:
        raise DataError(f"{path}: blocks have different row counts {sorted(n_rows)}")

    def read(start: int, stop: int) -> dict[str, np.ndarray]:
        return {block: ds[start:stop] for block, ds in values.items()}

    return _Store(n_rows.pop(), columns, read)


def _add_columns(columns: dict, names: list[str], block: str, path: Path) -> None:
    """Register ``names`` as the columns of ``block``; names must be unique."""
    for pos, name in enumerate(names):
        if name in columns:
            raise DataError(f"{path}: column {name!r} appears twice")
        columns[name] = (block, pos)


class _NoObjectsUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global, so only plain lists/strings load."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _decode_names(value, where: str) -> list[str]:
    """Column names from a pickled list (PyTables attribute) or a string array."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "SUO":
        items = value.tolist()
    else:
        raw = value.encode() if isinstance(value, str) else bytes(value)
        try:
            items = _NoObjectsUnpickler(io.BytesIO(raw)).load()
        except Exception as err:  # any malformed pickle
            raise DataError(f"{where}: cannot decode column names ({err})") from err
    if not isinstance(items, list) or not all(isinstance(x, (str, bytes)) for x in items):
        raise DataError(f"{where}: column names are not a list of strings")
    return [x.decode() if isinstance(x, bytes) else x for x in items]


# ----------------------------------------------------------------------- columns
def _constituent_slots(columns: dict[str, tuple[str, int]], path: Path) -> int:
    """Number of constituent slots M; all of E/PX/PY/PZ_0..M-1 must be present."""
    found = {m.groups() for m in map(_CONSTITUENT.match, columns) if m}
    if not found:
        raise DataError(f"{path}: no constituent columns (E_0, PX_0, ...)")
    n_slots = max(int(i) for _, i in found) + 1
    missing = [f"{c}_{i}" for i in range(n_slots) for c in COMPONENTS if (c, str(i)) not in found]
    if missing:
        raise DataError(f"{path}: constituent columns missing: {missing[:8]}")
    if LABEL_COLUMN not in columns:
        raise DataError(f"{path}: label column {LABEL_COLUMN!r} is missing")
    return n_slots


def _truth_columns(columns: dict[str, tuple[str, int]], path: Path) -> list[str]:
    """The four truth columns, or none (then truth is zero)."""
    present = [c for c in TRUTH_COLUMNS if c in columns]
    if present and len(present) < 4:
        raise DataError(f"{path}: only some truth columns present: {present}")
    return present


def _plan(columns: dict[str, tuple[str, int]], names: list[str]) -> list[tuple]:
    """How to gather ``names``: ``(block, source positions, output positions)`` per block."""
    blocks = [columns[n][0] for n in names]
    plan = []
    for block in dict.fromkeys(blocks):
        dst = np.array([k for k, b in enumerate(blocks) if b == block])
        src = np.array([columns[names[k]][1] for k in dst])
        plan.append((block, src, dst))
    return plan


def _gather(blocks: dict[str, np.ndarray], plan: list[tuple], width: int) -> np.ndarray:
    """``(rows, width)`` float32 array of the planned columns of a chunk."""
    rows = len(next(iter(blocks.values())))
    out = np.empty((rows, width), np.float32)
    for block, src, dst in plan:
        out[:, dst] = blocks[block][:, src]
    return out


def _labels(values: np.ndarray, path: Path, start: int) -> np.ndarray:
    """``is_signal_new`` as int8; anything but 0/1 is an error."""
    bad = ~np.isin(values, (0, 1))
    if bad.any():
        row = start + int(np.flatnonzero(bad)[0])
        raise DataError(f"{path}: {LABEL_COLUMN} must be 0 or 1, got {values[bad][0]} at row {row}")
    return values.astype(np.int8)


def _good_jets(
    cons: np.ndarray, truth: np.ndarray | None, path: Path, start: int, on_bad_jets: str
) -> np.ndarray:
    """Mask of valid jets of a chunk; raises on the first bad one if asked to."""
    finite = np.isfinite(cons).all(axis=(1, 2))
    if truth is not None:
        finite &= np.isfinite(truth).all(axis=1)
    nonempty = (np.nan_to_num(cons[..., 0]) > 0).any(axis=1)
    good = finite & nonempty
    if on_bad_jets == "raise" and not good.all():
        row = int(np.flatnonzero(~good)[0])
        problem = "non-finite values" if not finite[row] else "no constituents"
        raise DataError(
            f"{path}: jet at row {start + row} has {problem} ({int((~good).sum())} bad jets "
            f"in rows {start}..{start + len(cons) - 1}); use on_bad_jets='skip' to drop them"
        )
    return good
