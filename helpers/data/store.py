"""HDF5 storage of generated jets: chunked, compressed, streamed, validated on read.

Layout of one file (one process, one split)::

    /constituents  (N, M, 4) float32  E, px, py, pz; pT-ordered, zero-padded
    /truth         (N, 4)    float32  matched truth parton (zeros if none) -- never a feature
    /labels        (N,)      int8
    /pthat         (N,)      float32  event pTHat in GeV (0 for 2 -> 1 processes)
    attrs: config (JSON), versions, counts, timings, complete = True (written last)
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from .errors import DataError
from .jets import JetSet

DATASETS = {"constituents": np.float32, "truth": np.float32, "labels": np.int8,
            "pthat": np.float32}
CHUNK_JETS = 1000


class JetWriter:
    """Pre-allocated datasets of ``n`` jets, filled shard by shard at known offsets."""

    def __init__(self, h5: h5py.File, n: int, max_constituents: int) -> None:
        chunk = max(1, min(CHUNK_JETS, n))
        shapes = {"constituents": (n, max_constituents, 4), "truth": (n, 4),
                  "labels": (n,), "pthat": (n,)}
        self.datasets = {
            name: h5.create_dataset(name, shape=shape, dtype=DATASETS[name],
                                    chunks=(chunk, *shape[1:]), compression="gzip",
                                    compression_opts=4, shuffle=True)
            for name, shape in shapes.items()
        }

    def write(self, offset: int, **arrays: np.ndarray) -> None:
        n = len(arrays["labels"])
        for name, ds in self.datasets.items():
            ds[offset:offset + n] = arrays[name]


def write_attrs(h5: h5py.File, **attrs) -> None:
    """Store attributes; dicts and lists are stored as JSON strings."""
    for key, value in attrs.items():
        h5.attrs[key] = json.dumps(value) if isinstance(value, (dict, list, tuple)) else value


def read_attrs(path: Path) -> dict:
    """All attributes of a jet file (JSON strings decoded)."""
    with _open(path) as h5:
        out = {}
        for key, value in h5.attrs.items():
            if isinstance(value, str) and value[:1] in "[{":
                value = json.loads(value)
            out[key] = value.item() if isinstance(value, np.generic) else value
        return out


def _open(path: Path) -> h5py.File:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise DataError(f"{path}: not a readable HDF5 file (corrupt or truncated?): {err}") from err


def validate(path: Path) -> int:
    """Check layout and completeness of a jet file; return the number of jets."""
    with _open(path) as h5:
        if not h5.attrs.get("complete", False):
            raise DataError(f"{path}: incomplete file (no 'complete' mark; killed write?)")
        missing = [name for name in DATASETS if name not in h5]
        if missing:
            raise DataError(f"{path}: wrong layout, missing datasets {missing}")
        n = h5["labels"].shape[0]
        c = h5["constituents"]
        if c.ndim != 3 or c.shape[0] != n or c.shape[2] != 4:
            raise DataError(f"{path}: constituents have shape {c.shape}, expected ({n}, M, 4)")
        if h5["truth"].shape != (n, 4):
            raise DataError(f"{path}: truth has shape {h5['truth'].shape}, expected ({n}, 4)")
        return n


def read_jets(path: Path, start: int = 0, stop: int | None = None) -> JetSet:
    """Jets ``[start, stop)`` of a validated file, checked for NaN/inf and empty jets."""
    validate(path)
    try:
        with _open(path) as h5:
            sl = slice(start, stop)
            jets = JetSet(h5["constituents"][sl], h5["labels"][sl], h5["truth"][sl])
    except OSError as err:  # a chunk that fails to decompress
        raise DataError(f"{path}: corrupt data ({err})") from err
    check_jets(jets, str(path))
    return jets


def check_jets(jets: JetSet, where: str) -> None:
    """Raise :class:`DataError` for NaN/inf constituents or jets without constituents."""
    bad = ~np.isfinite(jets.constituents).all(axis=(1, 2))
    if bad.any():
        raise DataError(f"{where}: {bad.sum()} jets contain NaN or inf (first at row "
                        f"{np.flatnonzero(bad)[0]})")
    empty = jets.n_constituents == 0
    if empty.any():
        raise DataError(f"{where}: {empty.sum()} jets have no constituents (first at row "
                        f"{np.flatnonzero(empty)[0]})")
