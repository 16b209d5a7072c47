"""Chapter 5 on matched jets (helpers.studies.shortcut, helpers.studies.recnn.prepare_tasks,
helpers.data.load_task(matched=True)): the matched tasks have no pT shortcut and a common
size, and the before/after sentences follow the numbers."""

from __future__ import annotations

import numpy as np
import pytest

import helpers.data.samples as samples
from helpers.data.jets import JetSet
from helpers.physics import kinematics
from helpers.results import Measurement
from helpers.studies.jets import auc_measurement as one_variable_auc
from helpers.studies.recnn import prepare_tasks
from helpers.studies.shortcut import (
    comparison_table,
    kept_claim,
    matching_records,
    quantity_label,
    shortcut_claims,
)

RNG = np.random.default_rng(11)


def _jets(pt: np.ndarray, labels: np.ndarray) -> JetSet:
    """Two massless constituents per jet (3:1 in pT, slightly apart) carrying the jet's pT."""
    n = len(pt)
    eta, phi = RNG.uniform(-1.5, 1.5, n), RNG.uniform(-np.pi, np.pi, n)
    c = np.zeros((n, 3, 4), np.float32)
    for k, (share, d) in enumerate(((0.75, 0.0), (0.25, 0.2))):
        p, e = share * pt, eta + d
        px, py, pz = p * np.cos(phi), p * np.sin(phi), p * np.sinh(e)
        c[:, k] = np.stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz], axis=1)
    return JetSet(c, labels.astype(np.int8), np.zeros((n, 4), np.float32))


def _task(n: int, shortcut: bool) -> JetSet:
    u = RNG.random((2, n))
    sig = 550 + 100 * np.sqrt(u[0]) if shortcut else RNG.uniform(550, 650, n)
    bkg = 650 - 100 * np.sqrt(u[1]) if shortcut else RNG.uniform(550, 650, n)
    jets = _jets(np.r_[sig, bkg], np.r_[np.ones(n), np.zeros(n)])
    return jets.subset(RNG.permutation(2 * n))


def _pt_auc(jets: JetSet) -> float:
    pt = kinematics.jet_kinematics(jets)["pt"]
    return one_variable_auc(pt[jets.labels == 1], pt[jets.labels == 0]).value


def test_matched_tasks_lose_the_shortcut_and_share_one_size(tmp_path, monkeypatch):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    splits = {"w_qcd": {s: _task(n, True) for s, n in (("train", 800), ("val", 200),
                                                         ("test", 400))},
              "top_qcd": {s: _task(n, False) for s, n in (("train", 800), ("val", 200),
                                                            ("test", 400))}}
    assert _pt_auc(splits["w_qcd"]["test"]) > 0.6
    tasks = prepare_tasks(splits, {"train": 1500, "val": None, "test": None}, seed=0)
    for split in ("train", "val", "test"):
        sizes = {t: len(task.jets[split]) for t, task in tasks.items()}
        assert len(set(sizes.values())) == 1  # one size for every task
    assert len(tasks["w_qcd"].jets["train"]) < 1000  # W/QCD: about half is kept
    assert _pt_auc(tasks["w_qcd"].jets["test"]) < 0.56
    alone = prepare_tasks(splits, {"train": 1500, "val": None, "test": None}, seed=0,
                          build=["top_qcd"])  # sized by every task, built for one
    assert list(alone) == ["top_qcd"]
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(alone["top_qcd"].jets[split].constituents,
                                      tasks["top_qcd"].jets[split].constituents)
    plain = prepare_tasks(splits, {"train": 1500}, seed=0, matched=False)
    assert len(plain["w_qcd"].jets["train"]) == 1500 and len(plain["w_qcd"].jets["test"]) == 800
    sentence = kept_claim(splits, tasks, {"train": 1500})
    assert f"every task keeps {len(tasks['w_qcd'].jets['train']):,} training" in sentence
    share = len(tasks["w_qcd"].jets["train"]) / 1500  # both tasks are cut to one size
    assert sentence.endswith(f"test jets: {share:.0%} of the training jets each would use "
                             "unmatched.")


def test_load_task_matched_matches_every_split(monkeypatch):
    pools = {"w": _jets(550 + 100 * np.sqrt(RNG.random(3000)), np.ones(3000)),
             "qcd": _jets(650 - 100 * np.sqrt(RNG.random(3000)), np.zeros(3000))}
    monkeypatch.setattr(samples, "load_sample",
                        lambda p, split, prof, seed, n_jets=None, **kw: pools[p].subset(
                            slice(0, n_jets)))
    plain = samples.load_task("w_qcd", "ci", seed=0)
    matched = samples.load_task("w_qcd", "ci", seed=0, matched=True)
    for split in ("train", "val", "test"):
        m = matched[split]
        assert (m.labels == 1).sum() == (m.labels == 0).sum() < len(plain[split].labels) / 2
    assert _pt_auc(plain["train"]) > 0.6 and _pt_auc(matched["train"]) < 0.56


def _numbers(auc_after: float, spread: float = 0.01) -> dict[str, dict[str, Measurement]]:
    def version(pt_auc, auc, transfer):
        return {"w_qcd__test_jets": Measurement(400.0), "w_qcd__pt_auc": Measurement(pt_auc, 0.01),
                "w_qcd__auc": Measurement(auc, spread), "w_qcd__fade": Measurement(2.0, 0.3),
                "transfer_w_qcd_to_top_qcd": Measurement(transfer, spread)}
    return {"unmatched": version(0.66, 0.95, 0.90), "matched": version(0.51, auc_after, 0.899)}


def test_shortcut_claims_name_what_moved_and_what_did_not():
    c = shortcut_claims(_numbers(0.90))
    assert c["matching_moved"].startswith("Matching moves, beyond one combined spread: "
                                          "W/QCD: RecNN AUC 0.950 ± 0.010 → 0.900 ± 0.010.")
    assert "It leaves indistinguishable: W/QCD: saliency near / far" in c["matching_moved"]
    assert "transfer W/QCD → top/QCD: AUC" in c["matching_moved"].split("indistinguishable")[1]
    assert "AUC of 0.660 ± 0.010; after it, the largest one-variable $p_T$ AUC of the three " \
           "tasks is 0.510" in c["matching_pt"]
    calm = shortcut_claims(_numbers(0.945))["matching_moved"]
    assert calm.startswith("No number of the comparison moves beyond one combined spread")
    single = shortcut_claims(_numbers(0.945, spread=float("nan")))["matching_moved"]
    assert single.startswith("No number of the comparison moves beyond one combined spread: "
                             "W/QCD: saliency near / far")  # the fade has a spread
    assert single.endswith("Without a spread, not judged: W/QCD: RecNN AUC 0.950 → 0.945; "
                           "transfer W/QCD → top/QCD: AUC 0.900 → 0.899.")
    table = comparison_table(_numbers(0.90))
    assert table.loc["W/QCD: RecNN AUC", "matching"] == "lowers it"
    assert table.loc["W/QCD: saliency near / far from the root (W jets)", "matching"] == \
        "no clear change"
    assert table.loc["W/QCD: test jets", "unmatched"] == "400"
    assert set(matching_records(_numbers(0.9))) >= {"shortcut_w_qcd__auc_unmatched",
                                                     "shortcut_transfer_w_qcd_to_top_qcd_matched"}
    assert quantity_label("transfer_quark_gluon_to_top_qcd") == \
        "transfer quark/gluon → top/QCD: AUC"
    with pytest.raises(KeyError):
        quantity_label("w_qcd__nonsense")


def test_unmatched_version_takes_as_many_jets_as_the_matched_one(tmp_path, monkeypatch):
    import helpers.studies.shortcut as shortcut

    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    splits = {"w_qcd": {s: _task(n, True) for s, n in (("train", 600), ("val", 200),
                                                         ("test", 300))}}
    matched = prepare_tasks(splits, None, seed=0)
    seen = []
    monkeypatch.setattr(shortcut, "chapter_numbers", lambda tasks, *a, **k: seen.append(tasks)
                        or {})
    assert set(shortcut.compare_versions(splits, matched, "ci", [0], 0, "cpu")) == {
        "unmatched", "matched"}
    unmatched, again = seen
    assert again is matched
    for split in ("train", "val", "test"):
        n = len(matched["w_qcd"].jets[split])
        assert len(unmatched["w_qcd"].jets[split]) == n < len(splits["w_qcd"][split])
        np.testing.assert_array_equal(unmatched["w_qcd"].jets[split].labels,
                                      splits["w_qcd"][split].labels[:n])
