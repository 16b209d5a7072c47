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
