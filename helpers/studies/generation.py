"""Measurement studies of the generator (the data page and `benchmarks/`): generation rates,
the pTHatMin bias and the margins of the parton-level veto."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..data.generator import Generator, JetBatch, concat_batches
from ..data.processes import BIAS_REF_GEV, JetDefinition, get_process
from ..data.shards import ShardSpec, run_shards
from ..data.veto import JetVeto, ResonanceVeto
from ..physics.observables import compute_observables


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


def judged_jets(process: str, n_jets: int, seed: int, pthat_low: float | None = None,
                loose: ResonanceVeto | None = None, loose_jet: JetVeto | None = None,
                ) -> tuple[np.ndarray, JetBatch, Generator]:
    """``n_jets`` kept jets with what the parton-level vetoes judged in their events.

    Without ``loose`` thresholds nothing is vetoed ("record"); with them, they replace the
    process's own and are applied ("apply+record": only the events they keep are seen).
    Returns the ``(n_jets, 2 * n_vetoes)`` records -- pT in GeV per veto (resonance first)
    when the shower passed the early scale (NaN if it never did, or that veto has none) and
    after the shower --, the jets, and the generator (its counts and timing).
    """
    proc = get_process(process)
    if not proc.vetoes and loose is None and loose_jet is None:
        raise ValueError(f"process {process!r} has no parton-level veto to check")
    mode = "record" if loose is None and loose_jet is None else "apply+record"
    gen = Generator(proc, JetDefinition(), seed, pthat_low, veto=loose, jet_veto=loose_jet,
                    parton_veto=mode)
    seen: list[np.ndarray] = []
    batches: list[JetBatch] = []
    have = 0
    while have < n_jets:
        first = len(gen.veto_records)
        kept = gen.select(gen.events(gen.batch_events))
        rec = np.array(gen.veto_records[first:], dtype=float)  # None -> nan
        seen.append(rec[gen.last_selected_events])
        batches.append(kept)
        have += len(kept)
    jets = concat_batches(batches, gen.jet_def.max_constituents)
    keep = slice(0, n_jets)
    return (np.concatenate(seen)[keep],
            JetBatch(jets.constituents[keep], jets.truth[keep], jets.labels[keep],
                     jets.pthat[keep], jets.n_truncated), gen)


def veto_margin(process: str, n_jets: int = 1000, pthat_low: float | None = None,
                seed: int = 555, loose: ResonanceVeto | None = None,
                loose_jet: JetVeto | None = None) -> np.ndarray:
    """What the parton-level vetoes judge, for every kept jet of a sample generated *without*
    vetoing, or with the ``loose`` thresholds: ``(n_jets, 2 * n_vetoes)`` pT in GeV, per veto
    (resonance first), when the shower passed the early scale (NaN if it never did) and after
    the shower.  A veto is safe when its thresholds lie well below these values (with
    ``loose``, only the jets that it kept are seen: check it first without).
    """
    return judged_jets(process, n_jets, seed, pthat_low, loose, loose_jet)[0]


#: what the jet-veto check compares between jets generated with and without the veto
VETO_CHECK_OBSERVABLES = ("pt", "mass", "tau32", "multiplicity")


def jet_veto_check(process: str, n_jets: int = 5000, seed: int = 777) -> dict:
    """The process's parton-jet veto measured: its loss, its speed-up, the kept distributions.

    Two samples of ``n_jets`` on one core, side by side: one with the jet veto *judging
    only* (zero thresholds at the same scales, every other veto as in the book), one with
    the process's own thresholds applied (another seed).  Returns the records of the first
    (``records``: the jet veto's early and late pT of every kept jet's event), the share of
    its jets the thresholds would have dropped (``lost``, with its binomial error), kept
    jets/s of both and their ratio, the share of events vetoed, and a two-sample
    Kolmogorov-Smirnov p-value per observable of :data:`VETO_CHECK_OBSERVABLES`.
    """
    from scipy.stats import ks_2samp

    proc = get_process(process)
    veto = proc.jet_veto
    if veto is None:
        raise ValueError(f"process {process!r} has no parton-jet veto to check")
    judging = dataclasses.replace(veto, late_pt=0.0,
                                  early_pt=None if veto.early_scale is None else 0.0)
    t0 = time.perf_counter()
    records, free, _ = judged_jets(process, n_jets, seed, loose_jet=judging)
    t_free = time.perf_counter() - t0
    early, late = records[:, -2], records[:, -1]
    dropped = (late < veto.late_pt) | (early < (veto.early_pt or 0.0))

    gen = Generator(proc, JetDefinition(), seed + 1)
    t0 = time.perf_counter()
    vetoed = gen.jets(n_jets)
    t_veto = time.perf_counter() - t0

    obs_free, obs_veto = compute_observables(free.constituents), compute_observables(
        vetoed.constituents)
    lost = dropped.mean()
    return {
        "process": process, "n_jets": n_jets, "veto": dataclasses.asdict(veto),
        "records": records[:, -2:], "lost": lost,
        "lost_error": np.sqrt(max(lost, 1 / n_jets) * (1 - lost) / n_jets),
        "n_lost": int(dropped.sum()),
        "jets_per_s_without": n_jets / t_free, "jets_per_s_with": n_jets / t_veto,
        "speedup": t_free / t_veto, "vetoed_share": gen.n_vetoed / max(gen.n_events, 1),
        "events_per_jet": gen.n_events / n_jets,
        "ks_pvalue": {k: float(ks_2samp(obs_free[k], obs_veto[k]).pvalue)
                      for k in VETO_CHECK_OBSERVABLES},
    }


#: Pythia stages switched on one after the other by :func:`stage_times`
_STAGES = {"hard process": ["PartonLevel:all = off", "HadronLevel:all = off"],
           "+ parton shower": ["HadronLevel:all = off"],
           "+ hadronisation": ["HadronLevel:Decay = off"],
           "+ hadron decays": []}


def stage_times(process: str, n_events: int = 1000, seed: int = 4243) -> dict[str, float]:
    """Milliseconds per event of one core, stage by stage, for ``process`` without vetoes.

    Pythia's ``next`` with the stages of :data:`_STAGES` switched on in turn (each a
    cumulative time), then the conversion of a batch of the same number of events to
    awkward arrays and the clustering, selection and matching of that batch.
    """
    import pythia8mc

    from ..sysio import silence_stdout_fd

    proc = get_process(process)
    out = {}
    for stage, extra in _STAGES.items():
        pythia = pythia8mc.Pythia("", False)
        for setting in proc.pythia_settings(seed) + extra:
            pythia.readString(setting)
        with silence_stdout_fd():
            pythia.init()
        t0 = time.perf_counter()
        for _ in range(n_events):
            pythia.next()
        out[stage] = 1e3 * (time.perf_counter() - t0) / n_events
    gen = Generator(proc, JetDefinition(), seed, parton_veto="off")
    t0 = time.perf_counter()
    events = gen.events(n_events)
    out["batch (nextBatch) - events"] = 1e3 * (time.perf_counter() - t0) / n_events \
        - out["+ hadron decays"]
    t0 = time.perf_counter()
    gen.select(events)
    out["clustering, selection, matching"] = 1e3 * (time.perf_counter() - t0) / n_events
    return out


def _chain(proc, jet_def: JetDefinition, seed: int, n_jets: int) -> tuple[float, Generator]:
    """Seconds for ``n_jets`` kept jets through the full chain, and the generator (its
    counts, among them the events the kept jets came from)."""
    gen = Generator(proc, jet_def, seed)
    t0 = time.perf_counter()
    gen.jets(n_jets)
    return time.perf_counter() - t0, gen


def generation_rates(process: str, n_jets: int = 500, seed: int = 4242,
                     bare_events: int = 2000) -> dict:
    """Kept jets/s and events/s on one core with the same Pythia settings, side by side.

    1. The chain *without* the parton-jet veto (every other veto kept: the chain before it
       existed) for ``n_jets`` jets;
    2. the full chain (events -> parton-level vetoes -> clustering -> selection -> matching)
       for ``n_jets`` jets (another seed);
    3. ``bare_events`` events with a fresh Pythia instance that generates every event in
       full (no veto) and does nothing else: the time of one event.

    ``jet_veto_speedup`` is the ratio of 2 to 1 in jets/s.  ``chain_over_limit`` is the
    chain's time over the time Pythia needs for the kept jets' own events alone (their
    number times the time of an average event in 3): the physical limit of generating
    events and keeping some.  ``overhead_ratio`` is the chain's time over that of all its
    events generated in full.
    """
    jet_def = JetDefinition()
    proc = get_process(process)
    t_before, gen_before = _chain(dataclasses.replace(proc, jet_veto=None), jet_def, seed,
                                     n_jets)
    t_jets, gen = _chain(proc, jet_def, seed + 1, n_jets)
    n_events = gen.n_events

    bare = Generator(proc, jet_def, seed + 2, parton_veto="off")
    t0 = time.perf_counter()
    done = 0
    while done < bare_events:
        done += len(bare.events(min(bare.batch_events, bare_events - done)))
    t_event = (time.perf_counter() - t0) / done
    return {"jets_per_s": n_jets / t_jets, "jets_per_s_without_jet_veto": n_jets / t_before,
            "jet_veto_speedup": t_before / t_jets,
            "events_per_s_full_chain": n_events / t_jets, "events_per_s_bare": 1 / t_event,
            "events_per_jet": n_events / n_jets,
            "events_per_jet_without_jet_veto": gen_before.n_events / n_jets,
            "vetoed_share": gen.n_vetoed / max(n_events, 1),
            "chain_over_limit": t_jets / (gen.n_kept_events * t_event),
            "overhead_ratio": t_jets / (n_events * t_event)}
