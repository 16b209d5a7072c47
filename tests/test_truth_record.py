"""Truth matching on a hand-built Pythia event record: the matched copy and the stored copy."""

import awkward as ak
import numpy as np

from helpers.data.generator import truth_partons


def particle(pid, status, mother, p4):
    return {"id": pid, "status": status, "mother1": mother,
            "p": dict(zip(("e", "px", "py", "pz"), map(float, p4)))}


def top_event():
    """t t~ with the top recoiling once (ISR) before it decays to W(-> u d~) b."""
    zero = (0, 0, 0, 0)
    return [
        particle(90, -11, 0, zero), particle(2212, -12, 0, zero), particle(2212, -12, 0, zero),
        particle(21, -21, 1, zero), particle(21, -21, 2, zero),
        particle(6, -22, 3, (650, 600, 0, 0)),      # 5: top as it leaves the hard process
        particle(-6, -22, 3, (650, -600, 0, 0)),    # 6
        particle(6, -44, 5, (640, 580, 90, 10)),    # 7: recoil copy
        particle(6, -62, 7, (640, 580, 95, 12)),    # 8: the copy that decays
        particle(24, -22, 8, (400, 360, 60, 8)),    # 9: W
        particle(5, -23, 8, (240, 220, 35, 4)),     # 10: b
        particle(24, -52, 9, (400, 361, 60, 8)),    # 11: W after radiating
        particle(2, -23, 11, (200, 180, 30, 4)),    # 12
        particle(-1, -23, 11, (200, 181, 30, 4)),   # 13
    ]


def test_top_matching_uses_the_decaying_copy_and_stores_the_hard_one():
    prt = ak.Array([top_event()])
    res, prod, hard = truth_partons(prt, "top")
    np.testing.assert_allclose(res[0, 0], (640, 580, 95, 12))   # matched: decaying copy
    np.testing.assert_allclose(hard[0, 0], (650, 600, 0, 0))    # stored: hard-process copy
    decay = {tuple(p) for p in prod[0, 0]}
    assert decay == {(240, 220, 35, 4), (200, 180, 30, 4), (200, 181, 30, 4)}
    assert not hard[0, 1].any()  # the anti-top decays to nothing here: no second entry


def test_parton_mode_stores_the_hard_outgoing_partons():
    event = top_event()[:5] + [particle(21, -23, 3, (700, 650, 0, 100)),
                               particle(23, -22, 3, (700, -650, 0, -100))]
    res, prod, hard = truth_partons(ak.Array([event]), "parton")
    assert prod is None
    np.testing.assert_allclose(res[0, 0], (700, 650, 0, 100))
    np.testing.assert_array_equal(hard, res)
