"""Chapter 5: what the kinematic shortcut gave the RecNN -- the chapter's numbers on the
unmatched and on the (pT, |eta|)-matched jets.

Chapter 0 measures the shortcut (the AUC of the jet pT or |eta| alone, :mod:`.jets`);
:mod:`helpers.data.matching` removes it.  The RecNN sees absolute momenta and angles at every
node, so chapter 5 trains on matched jets; this module retrains it on the unmatched jets
with the same seeds and compares the numbers the shortcut could move: the one-variable AUC,
the RecNN AUC, the W <-> top transfer and how fast the saliency fades away from the root.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data import TASKS, JetSet
from ..physics import kinematics
from ..preprocessing.recnn import TaskTrees
from ..results.claims import Measurement, clear_difference, combined_spread, pick
from ..training.recipes import recnn_config
from ..xai.saliency import node_saliency
from .jets import auc_measurement as one_variable_auc
from .lund import depth_fade
from .recnn import prepare_tasks, recnn_aucs, train_all
from .transfer import transfer_study

#: the transfer pairs whose shortcut is at stake (the W spectrum is the one that differs)
SHORTCUT_PAIRS = (("w_qcd", "top_qcd"), ("top_qcd", "w_qcd"))
#: the two versions of the jets, in the order of the table
VERSIONS = ("unmatched", "matched")


def quantity_label(key: str) -> str:
    """How the table names a quantity key of :func:`chapter_numbers`."""
    if key.startswith("transfer_"):
        a, b = key.removeprefix("transfer_").split("_to_")
        return f"transfer {TASKS[a].title} → {TASKS[b].title}: AUC"
    task, what = key.rsplit("__", 1)
    return {"pt_auc": f"{TASKS[task].title}: AUC of the jet pT alone",
            "auc": f"{TASKS[task].title}: RecNN AUC",
            "fade": f"{TASKS[task].title}: saliency near / far from the root "
                    f"({TASKS[task].class_names[1]} jets)",
            "test_jets": f"{TASKS[task].title}: test jets"}[what]


def chapter_numbers(tasks: Mapping[str, TaskTrees], profile: Profile | str, seeds: Sequence[int],
                    device: str, pairs: Sequence[tuple[str, str]] = SHORTCUT_PAIRS
                    ) -> dict[str, Measurement]:
    """The shortcut-sensitive numbers of chapter 5 on one version of the tasks, by key
    (``w_qcd__auc``, ``transfer_w_qcd_to_top_qcd``, ...): RecNNs (cached) of every task and
    seed, spreads over the seeds or, with one seed, a bootstrap over the test jets."""
    models, preds, _ = train_all(tasks, profile, seeds, device)
    aucs = recnn_aucs(tasks, preds, seeds)
    out: dict[str, Measurement] = {}
    for t, task in tasks.items():
        y, inputs = task.labels("test"), task.inputs("test")
        pt = kinematics.jet_kinematics(task.jets["test"])["pt"]
        out[f"{t}__test_jets"] = Measurement(float(len(y)))
        out[f"{t}__pt_auc"] = one_variable_auc(pt[y == 1], pt[y == 0])
        out[f"{t}__auc"] = aucs[t]
        fades = [depth_fade(task.trees["test"], node_saliency(models[t, s], inputs), y,
                            TASKS[t].class_names)[TASKS[t].class_names[1]] for s in seeds]
        out[f"{t}__fade"] = (fades[0] if len(fades) == 1
                             else Measurement.of([f.value for f in fades]))
    involved = {t: tasks[t] for t in dict.fromkeys(x for p in pairs for x in p)}
    result = transfer_study(models, involved, pairs, seeds, recnn_config(profile, seeds[0]), device)
    for a, b in pairs:
        out[f"transfer_{a}_to_{b}"] = result.transfer_measurement((a, b))
    return out


def compare_versions(splits: Mapping[str, Mapping[str, JetSet]], matched: Mapping[str, TaskTrees],
                     profile: Profile | str, seeds: Sequence[int], seed: int, device: str
                     ) -> dict[str, dict[str, Measurement]]:
    """:func:`chapter_numbers` of the unmatched tasks and of the chapter's ``matched`` tasks,
    by version (:data:`VERSIONS`).  The unmatched tasks (prepared here from the full
    ``splits``, :func:`~helpers.studies.recnn.prepare_tasks`) take as many jets per split as
    the matched ones, so that only the choice of jets differs, not their number."""
    sizes = {s: len(next(iter(matched.values())).jets[s]) for s in ("train", "val", "test")}
    unmatched = prepare_tasks(splits, sizes, seed, matched=False)
    return {"unmatched": chapter_numbers(unmatched, profile, seeds, device),
            "matched": chapter_numbers(matched, profile, seeds, device)}


def kept_claim(splits: Mapping[str, Mapping[str, JetSet]], matched: Mapping[str, TaskTrees],
               max_jets: Mapping[str, int | None] | None) -> str:
    """How many jets matching keeps: the share of each task's training jets (of those the
    profile would use unmatched) and the jets per split every task is left with."""
    caps = dict(max_jets or {})
    share = {t: len(task.jets["train"]) / min(len(splits[t]["train"]),
                                              caps.get("train") or len(splits[t]["train"]))
             for t, task in matched.items()}
    fewest = min(share, key=share.get)
    sizes = {s: len(next(iter(matched.values())).jets[s]) for s in ("train", "val", "test")}
    lo, hi = f"{min(share.values()):.0%}", f"{max(share.values()):.0%}"
    kept = (f"{lo} of the training jets each would use unmatched" if lo == hi else
            f"between {lo} and {hi} of the training jets it would use unmatched, the fewest "
            f"for {TASKS[fewest].title}")
    return (f"Matched and cut to a common size, every task keeps {sizes['train']:,} training, "
            f"{sizes['val']:,} validation and {sizes['test']:,} test jets: {kept}.")


def comparison_table(numbers: Mapping[str, Mapping[str, Measurement]]) -> pd.DataFrame:
    """One row a quantity, one column a version of the jets (:data:`VERSIONS`), and whether
    matching moved it clearly (beyond one combined spread)."""
    before, after = (numbers[v] for v in VERSIONS)
    rows = {}
    for key in before:
        b, a = before[key], after[key]
        jets = key.endswith("__test_jets")
        rows[quantity_label(key)] = {
            **{v: (f"{m.value:.0f}" if jets else m.text()) for v, m in zip(VERSIONS, (b, a))},
            "matching": "" if jets else pick(a, b, "raises it", "lowers it", "no clear change",
                                             "no spread to judge by")}
    return pd.DataFrame(rows).T.rename_axis("quantity")


def shortcut_claims(numbers: Mapping[str, Mapping[str, Measurement]]) -> dict[str, str]:
    """``matching_moved``: which numbers matching moved clearly and which it did not;
    ``matching_pt``: the one-variable pT AUCs before and after."""
    before, after = (numbers[v] for v in VERSIONS)
    keys = [k for k in before if not k.endswith(("__test_jets", "__pt_auc"))]
    unknown = [k for k in keys if np.isnan(combined_spread(before[k], after[k]))]
    changed = [k for k in keys if k not in unknown and clear_difference(after[k], before[k])]
    same = [k for k in keys if k not in unknown and k not in changed]

    def listed(ks: list[str]) -> str:
        return "; ".join(f"{quantity_label(k)} {before[k].text()} → {after[k].text()}" for k in ks)

    if changed:
        text = f"Matching moves, beyond one combined spread: {listed(changed)}."
        if same:
            text += f" It leaves indistinguishable: {listed(same)}."
    elif same:
        text = (f"No number of the comparison moves beyond one combined spread: {listed(same)}"
                f" — at this statistics the RecNN's results do not rest on the spectrum.")
    else:
        text = "No number of the comparison has a spread, so none can be judged."
    if unknown and (changed or same):
        text += f" Without a spread, not judged: {listed(unknown)}."
    pts = [k for k in before if k.endswith("__pt_auc")]
    worst = max(pts, key=lambda k: before[k].value)
    pt_text = (f"Before matching the jet $p_T$ alone separates {TASKS[worst.split('__')[0]].title} "
               f"test jets with an AUC of {before[worst].text()}; after it, the largest "
               f"one-variable $p_T$ AUC of the three tasks is "
               f"{max(after[k].value for k in pts):.3f}.")
    return {"matching_moved": text, "matching_pt": pt_text}


def matching_records(numbers: Mapping[str, Mapping[str, Measurement]]
                     ) -> dict[str, Measurement]:
    """Every compared number by result key, e.g. ``shortcut_w_qcd__auc_unmatched``."""
    return {f"shortcut_{k}_{v}": m for v in VERSIONS for k, m in numbers[v].items()
            if not k.endswith("__test_jets")}
