"""Download the original top-tagging benchmark files (Kasieczka et al., Zenodo record
2603256) into the cache: ``python -m helpers.data fetch-benchmark``.

The record's description (``<api>/<record>``, Zenodo's JSON) lists every file with its size,
checksum (``md5:<hex>``) and download link.  Each of ``train.h5``, ``val.h5`` and
``test.h5`` is streamed into ``<name>.part`` with a progress bar; an interrupted transfer
resumes from the bytes already there (HTTP ``Range``), a finished one is checked against the
record's size and checksum and only then renamed to ``<name>`` -- on a mismatch the part is
deleted and the command fails, naming the file and both checksums.  A file already in place
is reused only when a stamp next to it records the checksum it was verified against.  The
book's ``--data-source benchmark`` then finds the files there without ``--data-dir``
(:func:`helpers.config.benchmark_dir`).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import BENCHMARK_SPLIT_FILES, benchmark_dir
from ..progress import progress
from .errors import DataError

#: Zenodo's record API and the benchmark's record
ZENODO_API = "https://zenodo.org/api/records"
BENCHMARK_RECORD = "2603256"
#: the files the book reads
BENCHMARK_FILES = BENCHMARK_SPLIT_FILES
#: bytes per read of a transfer
CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """One file of a record: where to get it and what it must be."""

    name: str
    url: str
    size: int
    algorithm: str  #: hashlib name, e.g. ``md5``
    digest: str


def record_files(record_url: str, timeout: float = 60) -> dict[str, RemoteFile]:
    """The files of a Zenodo record description, by name."""
    try:
        with urllib.request.urlopen(record_url, timeout=timeout) as resp:
            record = json.load(resp)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise DataError(f"cannot read the record description {record_url}: {err}") from None
    files = {}
    for entry in record.get("files", []):
        try:
            algorithm, digest = entry["checksum"].split(":", 1)
            files[entry["key"]] = RemoteFile(entry["key"], entry["links"]["self"],
                                             int(entry["size"]), algorithm, digest.lower())
        except (KeyError, ValueError, AttributeError):
            raise DataError(f"{record_url}: a file entry lacks key, size, checksum or link: "
                            f"{entry!r}") from None
    return files


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def is_verified(path: Path, remote: RemoteFile) -> bool:
    """Whether ``path`` is in place with the stamp of the checksum ``remote`` publishes."""
    stamp = _stamp(path)
    return (path.is_file() and stamp.is_file() and path.stat().st_size == remote.size
            and stamp.read_text().strip() == f"{remote.algorithm}:{remote.digest}")


def download(remote: RemoteFile, dest: Path, timeout: float = 60,
             bar: Callable = progress) -> Path:
    """Fetch ``remote`` into ``dest`` (resuming ``dest.part``), verify, rename, stamp."""
    part = dest.with_name(dest.name + ".part")
    start = part.stat().st_size if part.is_file() else 0
    if start > remote.size:  # not a prefix of this file: start over
        part.unlink()
        start = 0
    if start < remote.size:
        headers = {"Range": f"bytes={start}-"} if start else {}
        request = urllib.request.Request(remote.url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                if start and resp.status != 206:  # the server ignored the range
                    start = 0
                with open(part, "ab" if start else "wb") as fh, bar(
                        total=remote.size, initial=start, unit="B", unit_scale=True,
                        desc=remote.name) as pbar:
                    for block in iter(lambda: resp.read(CHUNK), b""):
                        fh.write(block)
                        pbar.update(len(block))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            have = part.stat().st_size if part.is_file() else 0
            raise DataError(f"{remote.name}: the transfer from {remote.url} stopped after "
                            f"{have:,} of {remote.size:,} bytes ({err}); run the command "
                            f"again to resume") from None
    have = part.stat().st_size
    if have != remote.size:
        raise DataError(f"{remote.name}: the transfer from {remote.url} stopped after "
                        f"{have:,} of {remote.size:,} bytes; run the command again to resume")
    got = file_digest(part, remote.algorithm)
    if got != remote.digest:
        part.unlink()
        raise DataError(f"{remote.name}: {remote.algorithm} checksum {got} does not match "
                        f"the record's {remote.digest}; the download was deleted")
    part.replace(dest)
    _stamp(dest).write_text(f"{remote.algorithm}:{remote.digest}\n")
    return dest


def fetch_benchmark(record: str = BENCHMARK_RECORD, api: str = ZENODO_API,
                    dest: Path | None = None, names: tuple[str, ...] = BENCHMARK_FILES,
                    timeout: float = 60) -> Path:
    """Download (or reuse, when verified) the benchmark files of ``record`` into ``dest``
    (default :func:`helpers.config.benchmark_dir`); returns that folder."""
    dest = Path(dest) if dest is not None else benchmark_dir()
    dest.mkdir(parents=True, exist_ok=True)
    url = f"{api.rstrip('/')}/{record}"
    files = record_files(url, timeout)
    missing = [n for n in names if n not in files]
    if missing:
        raise DataError(f"record {url} lists no {', '.join(missing)} (it has: "
                        f"{', '.join(sorted(files)) or 'no files'})")
    for name in names:
        if not is_verified(dest / name, files[name]):
            download(files[name], dest / name, timeout)
    return dest
