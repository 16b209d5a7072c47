"""Profiles and device selection."""

from __future__ import annotations

import os

import pytest
import torch

from helpers.config import PROFILES, get_profile, resolve_device, setup_device


@pytest.mark.parametrize("name", PROFILES)
def test_profiles_are_consistent(name):
    prof = get_profile(name)
    assert prof.name == name
    for split, n in prof.jets_per_class_extra.items():
        # the W/QCD task reads its QCD jets from the main QCD sample
        assert 0 < n <= prof.jets_per_class[split]
    assert prof.shard_size > 0 and prof.n_seeds > 0 and prof.cell_timeout > 0


def test_profiles_grow():
    ci, std, full = (get_profile(n) for n in ("ci", "standard", "full"))
    assert ci.total_jets() < std.total_jets() < full.total_jets()
    assert std.n_seeds >= 3, "standard shows spreads over at least 3 training seeds"


def test_profile_overrides_and_errors():
    assert get_profile("ci", n_seeds=7).n_seeds == 7
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("huge")


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            resolve_device("cuda")


def test_setup_device_sets_cpu_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("JETBOOK_TORCH_THREADS", "1")
        assert setup_device("cpu") == "cpu" and torch.get_num_threads() == 1
        monkeypatch.setenv("JETBOOK_TORCH_THREADS", "2")
        setup_device("cpu", threads=1)
        assert torch.get_num_threads() == 2  # the environment wins
        monkeypatch.delenv("JETBOOK_TORCH_THREADS")
        setup_device("cpu")
        assert torch.get_num_threads() == 1  # default: one thread
        setup_device("cpu", threads=0)
        assert torch.get_num_threads() == (os.cpu_count() or 1)  # 0: one per core
    finally:
        torch.set_num_threads(before)


def test_training_seeds_shared_rule():
    assert get_profile("standard").training_seeds(5) == [5, 6, 7]
    assert get_profile("ci").training_seeds(0) == [0]


def test_model_configs_layer_defaults_profile_and_overrides():
    from helpers.training.recipes import (
        PFN_DEFAULTS,
        RECNN_DEFAULTS,
        TOPODNN_DEFAULTS,
        pfn_config,
        recnn_config,
        topodnn_config,
    )

    for fn, defaults, block in ((topodnn_config, TOPODNN_DEFAULTS, "topodnn"),
                                (pfn_config, PFN_DEFAULTS, "pfn"),
                                (recnn_config, RECNN_DEFAULTS, "recnn")):
        prof = get_profile("standard")
        cfg = fn(prof, seed=4)
        assert cfg["seed"] == 4 and set(defaults) <= set(cfg)
        for key, default in defaults.items():
            expected = prof.chapter(block).get(key, default)
            assert cfg[key] == (list(expected) if isinstance(expected, tuple) else expected)
            assert not isinstance(cfg[key], tuple)  # hashes like its JSON form
        assert fn(prof, seed=4, lr=0.5)["lr"] == 0.5  # call overrides win


def test_running_page_profile_table_matches_config():
    """book/running.md quotes the profiles; it must say what helpers/config.py does."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "book" / "running.md").read_text()
    for name in PROFILES:
        prof = get_profile(name)
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        sizes = [int(v.replace(" ", "")) for v in cells[2].split("/")]
        assert sizes == [prof.jets_per_class[s] for s in ("train", "val", "test")], name
        assert int(cells[3]) == prof.n_seeds, name
        epochs = [int(v) for v in cells[4].split("/")]
        assert epochs == [prof.chapter(c)["max_epochs"] for c in ("topodnn", "pfn", "recnn")], name
        assert int(cells[5].replace(" ", "")) == prof.background_jets("test"), name
        minutes = prof.cell_timeout // 60
        quoted = f"{minutes} min for `{name}`" if minutes < 60 else f"{minutes // 60} h for `{name}`"
        assert quoted in text, f"cell timeout of {name}: expected '{quoted}' in running.md"
