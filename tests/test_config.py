"""Profiles and device selection."""

from __future__ import annotations

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
        setup_device("cpu")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_training_seeds_shared_rule():
    assert get_profile("standard").training_seeds(5) == [5, 6, 7]
    assert get_profile("ci").training_seeds(0) == [0]
