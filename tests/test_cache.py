"""Config-hash paths and atomic writes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers.cache import atomic_path, cached_path, config_hash, remove_stale_parts


def test_config_hash_ignores_key_order_and_sees_values():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    p = cached_path("models", "m", {"a": 1}, ".pt", root="/x")
    assert str(p).startswith("/x/models/m-") and p.suffix == ".pt"


def test_atomic_path_success_and_failure(tmp_path):
    final = tmp_path / "f.bin"
    with atomic_path(final) as tmp:
        tmp.write_bytes(b"done")
        assert not final.exists(), "the final name appears only once the write is complete"
    assert final.read_bytes() == b"done"
    with pytest.raises(RuntimeError):
        with atomic_path(final) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert final.read_bytes() == b"done"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_stale_parts_of_dead_writers_are_removed(tmp_path):
    final = tmp_path / "f.bin"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".f.bin.{dead}.abc.part"
    stale.write_bytes(b"partial")
    import os

    live = tmp_path / f".f.bin.{os.getpid()}.xyz.part"  # a writer that is still running
    live.write_bytes(b"in progress")
    assert remove_stale_parts(final) == [stale]
    assert not stale.exists() and live.exists()


_MAKE_ENTRY = """
import sys, numpy as np
from pathlib import Path
from helpers.cache import cached_array
marker = Path(sys.argv[1])
def compute():
    marker.write_text("computed")
    return np.arange(3.0)
print(cached_array("arrays", "shared", {"k": 1}, compute).tolist(), flush=True)
"""


def test_a_process_waits_for_an_entry_another_is_making_and_reads_it(tmp_path, monkeypatch):
    """Two makers of one entry (chapters side by side): the second blocks on the entry's
    lock while the first computes, then reads the first one's values without computing."""
    import time

    import numpy as np

    from helpers.cache import atomic_path, entry_lock

    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    path = cached_path("arrays", "shared", {"k": 1}, ".npy")
    marker = tmp_path / "computed-by-the-second"
    with entry_lock(path):
        child = subprocess.Popen([sys.executable, "-c", _MAKE_ENTRY, str(marker)],
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(3.0)  # the child starts, misses the entry and waits on the lock
        assert child.poll() is None, "the second maker did not wait for the lock"
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.array([7.0, 8.0]))
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert out.strip() == "[7.0, 8.0]" and not marker.exists()


def test_the_lock_of_a_killed_maker_is_released(tmp_path):
    import time

    from helpers.cache import entry_lock

    final = tmp_path / "m.pt"
    code = ("import sys, time; from pathlib import Path; from helpers.cache import entry_lock\n"
            f"with entry_lock(Path({str(final)!r})):\n"
            "    print('locked', flush=True); time.sleep(600)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    child.kill()
    child.wait(timeout=30)
    start = time.perf_counter()
    with entry_lock(final):
        pass
    assert time.perf_counter() - start < 5
