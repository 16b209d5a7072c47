"""Measurement studies of the generator (the data page and `benchmarks/`): generation rates,
the pTHatMin bias and the margins of the parton-level veto."""

from __future__ import annotations

import time

import numpy as np

from ..data.generator import Generator
from ..data.processes import BIAS_REF_GEV, JetDefinition, get_process
from ..data.shards import ShardSpec, run_shards
from ..data.veto import ResonanceVeto


def pthat_bias(process: str, pthat_low: float, thresholds: list[float], n_jets: int = 2000,
               workers: int | None = None, shard_size: int = 500, seed: int = 777,
               bias_power: float | None = None) -> dict:
    """Share of in-window jets whose event has pTHat below each threshold.

    Jets are generated with a deliberately low ``PhaseSpace:pTHatMin = pthat_low``; the
    share below a threshold ``t`` is the part of the jet sample that a generation cut at
    ``t`` would have lost.  With ``bias_power`` the events are sampled biased towards high
    pTHat and every jet carries its event weight, so ``pthat_low`` can go far below the
    chosen cut at an affordable cost: the shares are then weighted.  Returns
    ``{threshold: (share, error)}`` (binomial error, or its weighted form).
    """
    n_shards = -(-n_jets // shard_size)
    specs = [ShardSpec(process, seed + i, min(shard_size, n_jets - i * shard_size),
                       JetDefinition(), pthat_low, bias_power) for i in range(n_shards)]
    pthat = np.concatenate([r.jets.pthat for _, r in run_shards(specs, workers=workers,
                                                                  desc=f"{process} bias")])
    return weighted_shares(pthat, bias_weight(pthat, bias_power), thresholds)


def bias_weight(pthat, bias_power: float | None) -> np.ndarray:
    """Event weight (relative to an event at 100 GeV) that undoes a pTHat-biased sampling."""
    pthat = np.asarray(pthat, dtype=np.float64)
    if not bias_power:
        return np.ones_like(pthat)
    return (pthat / BIAS_REF_GEV) ** (-bias_power)


def weighted_shares(values: np.ndarray, weights: np.ndarray,
                    thresholds: list[float]) -> dict:
    """Weighted share of ``values`` below each threshold with its (delta-method) error.

    For unit weights this is the plain fraction and its binomial error.
    """
    values = np.asarray(values)
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum()
    out = {}
    for t in thresholds:
        below = values < t
        share = float(w[below].sum() / total)
        err = float(np.sqrt(np.sum((w * (below - share)) ** 2)) / total)
        out[t] = (share, err)
    return out


def veto_margin(process: str, n_jets: int = 1000, pthat_low: float | None = None,
                seed: int = 555, loose: ResonanceVeto | None = None) -> np.ndarray:
    """What the parton-level veto judges, for every kept jet of a sample generated *without*
    vetoing, or with the ``loose`` thresholds: ``(n_jets, 2)`` pT in GeV of the event's
    fastest hard resonance when the shower passed the early scale (NaN if it never did) and
    as it decays.  The veto is safe when its thresholds lie well below these values (with
    ``loose``, only the jets that it kept are seen: check it first without).
    """
    proc = get_process(process)
    if proc.parton_veto is None and loose is None:
        raise ValueError(f"process {process!r} has no parton-level veto to check")
    gen = Generator(proc, JetDefinition(), seed, pthat_low, veto=loose,
                    parton_veto="record" if loose is None else "apply+record")
    seen: list[np.ndarray] = []
    have = 0
    while have < n_jets:
        first = len(gen.veto_records)
        kept = gen.select(gen.events(gen.batch_events))
        rec = np.array(gen.veto_records[first:], dtype=float)  # None -> nan
        seen.append(rec[gen.last_selected_events])
        have += len(kept)
    return np.concatenate(seen)[:n_jets]


def generation_rates(process: str, n_jets: int = 500, seed: int = 4242) -> dict:
    """Kept jets/s and events/s on one core with the same Pythia settings, side by side.

    First the full chain (events -> [parton-level veto] -> clustering -> selection ->
    matching) for ``n_jets`` jets, then the same number of events with a fresh Pythia
    instance that generates every event in full (no veto) and does nothing else.
    ``overhead_ratio`` is chain time over events-only time: above 1 the clustering and
    matching cost, below 1 the veto saves more hadronisation than they cost.
    """
    jet_def = JetDefinition()
    gen = Generator(get_process(process), jet_def, seed)
    t0 = time.perf_counter()
    gen.jets(n_jets)
    t_jets = time.perf_counter() - t0
    n_events = gen.n_events

    bare = Generator(get_process(process), jet_def, seed + 1, parton_veto="off")
    t0 = time.perf_counter()
    done = 0
    while done < n_events:
        done += len(bare.events(min(bare.batch_events, n_events - done)))
    t_events = time.perf_counter() - t0
    return {"jets_per_s": n_jets / t_jets, "events_per_s_full_chain": n_events / t_jets,
            "events_per_s_bare": n_events / t_events, "events_per_jet": n_events / n_jets,
            "vetoed_share": gen.n_vetoed / max(n_events, 1),
            "overhead_ratio": t_jets / t_events}
