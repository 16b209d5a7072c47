"""Config-hash cache with atomic writes, and the fingerprints that key it.

Every expensive artefact (generated jets, trained models) is stored under a name that
contains a hash of the *full* configuration that produced it.  A changed configuration
therefore gets a new file; the same configuration reuses the old one.  Files are written
to a temporary name in the same directory and renamed into place only when complete,
so a killed run never leaves a file that looks finished.  Two processes that would make
the same entry at once (chapters side by side) serialise on its lock (:func:`entry_lock`):
the second waits, then finds the entry made and reads it.

When ``$JETBOOK_CACHE_LOG`` names a file, every lookup of an entry (:func:`cached_path`) appends
``hit`` or ``miss`` to it, and every file written into the cache root (:func:`atomic_path`)
``write``: one line ``event<TAB>kind<TAB>file name`` each (:func:`read_access_log`), so a test can
tell a run that only read the cache from one that generated or trained.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from .config import cache_dir

#: environment variable naming the file that receives the cache access record
ACCESS_LOG_ENV = "JETBOOK_CACHE_LOG"


def config_hash(config: Any, length: int = 12) -> str:
    """Stable short hash of a JSON-serialisable configuration (key order ignored)."""
    blob = json.dumps(config, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


def array_fingerprint(*arrays: Any) -> str:
    """SHA-256 over dtype, shape and bytes of arrays (numpy or torch), a data cache key.

    An object with a ``fingerprint()`` method (a model's inputs, e.g. packed particles)
    contributes that string instead.
    """
    h = hashlib.sha256()
    for a in arrays:
        if hasattr(a, "fingerprint"):
            h.update(a.fingerprint().encode())
            continue
        if hasattr(a, "detach"):  # a torch tensor
            a = a.detach().cpu().numpy()
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.data)
    return h.hexdigest()[:16]


def model_fingerprint(model: Any) -> str:
    """Hash of a torch model's parameters and buffers (a cache key for what it computes)."""
    return array_fingerprint(*model.state_dict().values())


def cached_path(kind: str, name: str, config: Any, suffix: str, root: Path | None = None) -> Path:
    """Path ``<root>/<kind>/<name>-<hash><suffix>`` for an artefact of ``config``."""
    root = Path(root) if root is not None else cache_dir()
    path = root / kind / f"{name}-{config_hash(config)}{suffix}"
    if os.environ.get(ACCESS_LOG_ENV):
        record_access("hit" if path.is_file() else "miss", kind, path.name)
    return path


def record_access(event: str, kind: str, name: str) -> None:
    """Append ``event<TAB>kind<TAB>name`` to ``$JETBOOK_CACHE_LOG``; nothing when it is unset.

    ``hit`` means the entry existed when it was looked up, ``miss`` that it did not (it is
    then generated, trained or computed), ``write`` that a file was completed in the cache.
    """
    log = os.environ.get(ACCESS_LOG_ENV)
    if log:
        with open(log, "a") as fh:  # one short append a line: lines of several processes do not mix
            fh.write(f"{event}\t{kind}\t{name}\n")


def read_access_log(path: Path) -> list[tuple[str, str, str]]:
    """The ``(event, kind, name)`` lines of a cache access record."""
    lines = Path(path).read_text().splitlines()
    return [tuple(line.split("\t", 2)) for line in lines if line.count("\t") == 2]


def _record_write(final: Path) -> None:
    """Record ``write`` for ``final`` if it lies in the cache root (kind = its first folder)."""
    try:
        rel = final.resolve().relative_to(cache_dir().resolve())
    except ValueError:
        return
    if len(rel.parts) > 1:
        record_access("write", rel.parts[0], final.name)


def ensure_writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and check that files can be written there."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as err:
        raise PermissionError(f"cache directory {path} is not writable: {err}") from err
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_parts(final: Path) -> list[Path]:
    """Delete temporary files of ``final`` left by writers that no longer run (killed).

    Temporary names carry the writer's process id: ``.<name>.<pid>.<random>.part``.
    """
    final = Path(final)
    removed = []
    for part in final.parent.glob(f".{final.name}.*.part"):
        pid = part.name[len(final.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it to ``final`` on success.

    On any exception the temporary file is removed and ``final`` is left untouched; the
    leftovers of writers that were killed outright are removed first.
    """
    final = Path(final)
    ensure_writable_dir(final.parent)
    remove_stale_parts(final)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.{os.getpid()}.",
                               suffix=".part")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp_path, final)
        if os.environ.get(ACCESS_LOG_ENV):
            _record_write(final)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def entry_lock(final: Path) -> Iterator[None]:
    """Hold the exclusive lock of the cache entry ``final`` (``flock`` on the hidden file
    ``.<name>.lock`` beside it), waiting while another process holds it.

    Whoever makes an entry holds its lock and looks for the entry again once it has it: a
    process that waited then reads what the other made instead of making it a second time.
    The kernel drops the lock of a process that dies, so a killed run never blocks the next.
    """
    final = Path(final)
    ensure_writable_dir(final.parent)
    with open(final.parent / f".{final.name}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load_or_make(path: Path, load: Callable[[Path], Any], make: Callable[[], Any]) -> Any:
    """``load(path)`` when it gives a value (not ``None``), else, holding the entry's lock
    (:func:`entry_lock`), ``load(path)`` again -- another process may have made the entry
    meanwhile -- or ``make()``, which writes the entry and returns the value."""
    value = load(path)
    if value is not None:
        return value
    with entry_lock(path):
        value = load(path)
        return value if value is not None else make()


def cached_array(kind: str, name: str, key: Any, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()`` stored under ``<cache>/<kind>/<name>-<hash(key)>.npy`` (written
    atomically); a later call with the same key loads it instead of recomputing.  ``key``
    must fix the result (fingerprints of the inputs and the settings)."""
    path = cached_path(kind, name, key, ".npy")

    def make() -> np.ndarray:
        values = np.asarray(compute())
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, values)
        return values

    return load_or_make(path, lambda p: np.load(p) if p.exists() else None, make)
