"""Small measurement studies of the generator (used by benchmarks/ and the data page)."""

from __future__ import annotations

import time

import numpy as np

from .generator import Generator
from .processes import JetDefinition, get_process
from .shards import ShardSpec, run_shards


def pthat_bias(process: str, pthat_low: float, thresholds: list[float], n_jets: int = 2000,
               workers: int | None = None, shard_size: int = 500, seed: int = 777) -> dict:
    """Share of in-window jets whose event has pTHat below each threshold.

    Jets are generated with a deliberately low ``PhaseSpace:pTHatMin = pthat_low``; the
    share below a threshold ``t`` is the part of the jet sample that a generation cut at
    ``t`` would have lost.  Returns ``{threshold: (share, binomial error)}``.
    """
    n_shards = -(-n_jets // shard_size)
    specs = [ShardSpec(process, seed + i, min(shard_size, n_jets - i * shard_size),
                       JetDefinition(), pthat_low) for i in range(n_shards)]
    pthat = np.concatenate([r.jets.pthat for _, r in run_shards(specs, workers=workers,
                                                                  desc=f"{process} bias")])
    out = {}
    for t in thresholds:
        share = float((pthat < t).mean())
        out[t] = (share, float(np.sqrt(share * (1 - share) / len(pthat))))
    return out


def generation_rates(process: str, n_jets: int = 500, seed: int = 4242) -> dict:
    """Kept jets/s and events/s on one core with the same Pythia settings, side by side.

    First the full chain (events -> clustering -> selection -> matching) for ``n_jets``
    jets, then the same number of events with a fresh Pythia instance, events only.
    """
    jet_def = JetDefinition()
    gen = Generator(get_process(process), jet_def, seed)
    t0 = time.perf_counter()
    gen.jets(n_jets)
    t_jets = time.perf_counter() - t0
    n_events = gen.n_events

    bare = Generator(get_process(process), jet_def, seed + 1)
    t0 = time.perf_counter()
    done = 0
    while done < n_events:
        done += len(bare.events(min(bare.batch_events, n_events - done)))
    t_events = time.perf_counter() - t0
    return {"jets_per_s": n_jets / t_jets, "events_per_s_full_chain": n_events / t_jets,
            "events_per_s_bare": n_events / t_events, "events_per_jet": n_events / n_jets,
            "overhead_ratio": t_jets / t_events}
