"""Chapter 5's LSTM and CNN (helpers.models.lstm / cnn), their inputs
(helpers.preprocessing.sequence) and the cross-architecture claims
(helpers.studies.architectures): padding never matters, the layouts are what the docs say,
and the sentences follow the numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data.jets import JetSet
from helpers.models import ConstituentLSTM, JetCNN
from helpers.physics.images import jet_images
from helpers.preprocessing import cnn_features, lstm_features, pfn_features
from helpers.studies.architectures import ArchitectureProbes, architecture_claims, pixel_claim, r2_table
from helpers.training.loop import train_classifier


def _jets(rng: np.random.Generator, n: int = 30, m: int = 40) -> JetSet:
    counts = rng.integers(1, m, n)
    pt = -np.sort(-(rng.exponential(30.0, (n, m)) + 1.0), axis=1)
    eta, phi = rng.normal(0.5, 0.3, (n, m)), rng.normal(1.0, 0.3, (n, m))
    c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    c[np.arange(m)[None, :] >= counts[:, None]] = 0
    return JetSet(c.astype(np.float32), rng.integers(0, 2, n).astype(np.int8),
                  np.zeros((n, 4), np.float32))


def test_lstm_features_are_the_pfn_inputs_softest_first_standardised_with_a_mask():
    from helpers.preprocessing.sequence import ANGLE_SCALE, LN_Z_CENTER, LN_Z_SCALE

    jets = _jets(np.random.default_rng(0))
    raw = lstm_features(jets, n_constituents=12, standardised=False, softest_first=False)
    p = pfn_features(jets, max_particles=12)
    assert raw.shape == (len(jets), 12, 5) and raw.dtype == np.float32
    np.testing.assert_array_equal(raw[..., 4].sum(axis=1), p.counts)
    real = raw[..., 4] == 1
    assert (real[:, :-1] >= real[:, 1:]).all()  # real rows first, then padding
    np.testing.assert_allclose(raw[real][:, [0, 2, 3]], p.features, rtol=1e-6)
    np.testing.assert_allclose(raw[real][:, 1], np.log(p.features[:, 0]), rtol=1e-5)
    assert not raw[~real].any()  # padding rows are all zero
    assert (np.diff(raw[..., 0], axis=1)[real[:, 1:]] <= 1e-7).all()  # hardest first

    X = lstm_features(jets, n_constituents=12)  # the default: standardised, softest first
    np.testing.assert_array_equal(X[..., 4], raw[..., 4])
    assert not X[~real].any()
    for i, n in enumerate(p.counts):
        mirrored = raw[i, :n][::-1]
        np.testing.assert_allclose(X[i, :n, 0], mirrored[:, 0])
        np.testing.assert_allclose(X[i, :n, 1], (mirrored[:, 1] - LN_Z_CENTER) / LN_Z_SCALE,
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(X[i, :n, 2:4], mirrored[:, 2:4] / ANGLE_SCALE, rtol=1e-5,
                                   atol=1e-6)
    assert (np.diff(X[..., 0], axis=1)[real[:, 1:]] >= -1e-7).all()  # softest first


def test_lstm_ignores_padding_and_reads_the_order():
    torch.manual_seed(0)
    model = ConstituentLSTM(n_features=4, hidden=8, head=8).eval()
    X = lstm_features(_jets(np.random.default_rng(1)), n_constituents=10)
    longer = np.concatenate([X, np.zeros((len(X), 7, 5), np.float32)], axis=1)
    with torch.no_grad():
        a, b = model(torch.tensor(X)), model(torch.tensor(longer))
        torch.testing.assert_close(a, b)
        # the recurrence is not a set function: reversing the real constituents changes it
        rev = X.copy()
        for i, n in enumerate(X[..., 4].sum(axis=1).astype(int)):
            rev[i, :n] = X[i, :n][::-1]
        multi = X[..., 4].sum(axis=1) > 1
        assert not torch.allclose(model(torch.tensor(rev))[multi], a[multi])
        logit, (h, hidden) = model(torch.tensor(X), return_activations=True)
    assert h.shape == (len(X), 8) and hidden.shape == (len(X), 8) and (hidden >= 0).all()


def test_cnn_features_are_the_jet_images_and_the_cnn_shapes():
    jets = _jets(np.random.default_rng(2))
    X = cnn_features(jets, npix=17, chunk_size=7)  # chunks must not change the result
    np.testing.assert_allclose(X[:, 0], jet_images(jets.constituents, npix=17), rtol=1e-6)
    assert X.shape == (len(jets), 1, 17, 17) and X.dtype == np.float32
    model = JetCNN(npix=17, channels=(4, 6), dense=10)
    logit, (h,) = model(torch.tensor(X), return_activations=True)
    assert logit.shape == (len(jets),) and h.shape == (len(jets), 10) and (h >= 0).all()
    assert model.config() == {"arch": "JetCNN", "npix": 17, "channels": [4, 6], "dense": 10}


@pytest.mark.parametrize("which", ["lstm", "cnn"])
def test_lstm_and_cnn_learn_a_toy_with_many_versus_few_constituents(which):
    rng = np.random.default_rng(3)
    few, many = _jets(rng, 200, 40), _jets(rng, 200, 40)
    few.constituents[:, 4:] = 0  # at most 4 constituents: a 'quark-like' class
    jets = JetSet.concatenate([few, many])
    y = np.r_[np.ones(200), np.zeros(200)].astype(np.float32)
    if which == "lstm":
        X, model = lstm_features(jets, 20), ConstituentLSTM(4, 16, 16)
    else:
        X, model = cnn_features(jets, npix=9), JetCNN(9, (4,), 16)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    model, hist = train_classifier(model, X[:300], y[:300], X[300:], y[300:], lr=3e-3,
                                   batch_size=32, max_epochs=25, patience=25, device="cpu")
    from helpers.metrics import auc

    with torch.no_grad():
        assert auc(y[300:], model(torch.tensor(X[300:])).numpy()) > 0.9
    assert hist.val_loss[hist.best_epoch] < hist.val_loss[0]


def _probes(r2: dict[str, dict[str, tuple[float, float]]], n_seeds: int = 3):
    from helpers.results import Measurement

    return ArchitectureProbes({a: Measurement(0.9, 0.01) for a in r2}, r2, n_seeds)


def test_architecture_claims_follow_the_numbers():
    from helpers.results import Measurement

    labels = {"multiplicity": "multiplicity", "mass": "mass"}
    r2 = {"TopoDNN": {"multiplicity": (0.80, 0.02), "mass": (0.60, 0.02)},
          "PFN": {"multiplicity": (0.90, 0.02), "mass": (0.52, 0.02)},
          "LSTM": {"multiplicity": (0.70, 0.02), "mass": (0.40, 0.02)},
          "CNN": {"multiplicity": (0.40, 0.02), "mass": (0.80, 0.02)}}
    c = architecture_claims(_probes(r2), labels)
    assert "multiplicity: PFN (0.90)" in c["architectures_best"]
    assert "mass: CNN (0.80)" in c["architectures_best"]
    assert "reads it worse than the best network on particles, the PFN" in c["architectures_pixels"]
    # means: PFN 0.71, TopoDNN 0.70 -- not clearly apart with these spreads
    assert c["architectures_mean"].startswith("Averaged over the observables, no architecture")
    r2["PFN"]["mass"] = (0.95, 0.02)  # now PFN leads both, clearly
    c = architecture_claims(_probes(r2), labels)
    assert "PFN is clearly the most readable overall" in c["architectures_mean"]
    r2["CNN"]["multiplicity"] = (0.89, 0.02)  # within a spread of the PFN's
    c = architecture_claims(_probes(r2), labels)
    assert "is indistinguishable from the best network on particles" in c["architectures_pixels"]
    assert "multiplicity: PFN / CNN (0.90)" in c["architectures_best"]
    one = {a: {o: (v, float("nan")) for o, (v, _) in obs.items()} for a, obs in r2.items()}
    c = architecture_claims(_probes(one, n_seeds=1), labels)
    assert "cannot be told apart (one seed)" in pixel_claim(_probes(one, n_seeds=1))
    assert "One training seed" in c["architectures_best"]
    table = r2_table(_probes(r2), labels)
    assert list(table.columns) == list(r2) and table.loc["test AUC", "CNN"] == "0.900 ± 0.010"
    assert "representation width" not in table.index
    widths = ArchitectureProbes({}, {}, 3, {"PFN": 256}).widths
    wide = r2_table(ArchitectureProbes({"PFN": Measurement(0.9)}, {"PFN": r2["PFN"]}, 3, widths),
                    labels)
    assert wide.loc["representation width", "PFN"] == "256"
