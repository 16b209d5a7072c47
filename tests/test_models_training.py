"""TopoDNN architecture, the trainer (loss decrease, early stopping) and the model cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.cache import cached_path
from helpers.models import (
    TopoDNN,
    as_scorer,
    count_parameters,
    predict_logits,
    predict_proba,
)
from helpers.training import loop as training
from helpers.training import train_cached, train_classifier

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "cache"))


def separable(n: int = 400, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs separated along feature 0."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.float32)
    X = rng.normal(size=(n, d)).astype(np.float32)
    X[:, 0] += 3.0 * (2 * y - 1)
    return X, y


def small_model() -> nn.Module:
    return TopoDNN(n_inputs=6, hidden=(16, 8))


def test_topodnn_default_parameter_count_and_outputs():
    model = TopoDNN()
    assert count_parameters(model) == 59_323
    assert [m.out_features for m in model.linears] == [300, 102, 12, 6, 1]
    x = torch.randn(5, 90)
    logit, acts = model(x, return_activations=True)
    assert logit.shape == (5,)
    assert [a.shape for a in acts] == [(5, 300), (5, 102), (5, 12), (5, 6)]
    assert all(torch.all(a >= 0) for a in acts)
    torch.testing.assert_close(model(x), logit)
    assert model.config() == {"arch": "TopoDNN", "n_inputs": 90, "hidden": [300, 102, 12, 6]}


def test_numpy_prediction_helpers_agree_with_forward():
    torch.manual_seed(0)
    model = small_model().eval()
    X = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    expected = model(torch.from_numpy(X)).detach().double().numpy()
    tol = {"rtol": 1e-5, "atol": 1e-6}  # float32, batch-size dependent rounding
    np.testing.assert_allclose(predict_logits(model, X, batch_size=7), expected, **tol)
    np.testing.assert_allclose(predict_proba(model, X), 1 / (1 + np.exp(-expected)), **tol)
    np.testing.assert_allclose(as_scorer(model)(X), expected, **tol)
    np.testing.assert_allclose(as_scorer(model, "proba")(X), 1 / (1 + np.exp(-expected)), **tol)
    with pytest.raises(ValueError):
        as_scorer(model, "probability")


def test_training_reduces_loss_and_separates():
    X, y = separable()
    torch.manual_seed(0)
    model, hist = train_classifier(
        small_model(), X[:300], y[:300], X[300:], y[300:], lr=1e-2, batch_size=32, max_epochs=8,
        patience=8, device="cpu",
    )
    assert hist.epochs_run == 8 and not hist.stopped_early
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    assert min(hist.val_loss) < 0.2
    assert hist.val_loss[hist.best_epoch] == min(hist.val_loss)
    assert hist.jets_per_s > 0 and hist.device == "cpu"
    acc = np.mean((predict_proba(model, X[300:]) > 0.5) == y[300:])
    assert acc > 0.95


def test_early_stopping_restores_best_weights():
    # labels independent of inputs: the validation loss cannot keep improving
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 6)).astype(np.float32)
    y = rng.integers(0, 2, 200).astype(np.float32)
    torch.manual_seed(0)
    model, hist = train_classifier(
        small_model(), X[:100], y[:100], X[100:], y[100:], lr=5e-2, batch_size=16, max_epochs=60,
        patience=3, device="cpu",
    )
    assert hist.stopped_early and hist.epochs_run == hist.best_epoch + 4
    logits = torch.from_numpy(predict_logits(model, X[100:])).float()
    val = nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y[100:])).item()
    assert val == pytest.approx(hist.val_loss[hist.best_epoch], rel=1e-4)


def test_training_is_seeded():
    X, y = separable()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        runs.append(train_classifier(small_model(), X[:300], y[:300], X[300:], y[300:], max_epochs=2, seed=7,
                                     device="cpu")[1].train_loss)
    assert runs[0] == runs[1]


CONFIG = {"model": {"hidden": [16, 8]}, "lr": 1e-2, "batch_size": 64, "max_epochs": 2, "patience": 2,
          "seed": 0}


def counting_trainer(monkeypatch) -> list[int]:
    """Wrap the trainer so the tests can count real trainings."""
    calls: list[int] = []
    real = training.train_classifier

    def wrapped(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_classifier", wrapped)
    return calls


def test_cache_reuses_same_config(monkeypatch):
    calls = counting_trainer(monkeypatch)
    X, y = separable()
    m1, h1 = train_cached(small_model, CONFIG, X[:300], y[:300], X[300:], y[300:], name="t", device="cpu")
    m2, h2 = train_cached(small_model, CONFIG, X[:300], y[:300], X[300:], y[300:], name="t", device="cpu")
    assert len(calls) == 1
    assert not h1.from_cache and h2.from_cache
    assert h2.train_loss == h1.train_loss
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_cache_retrains_on_changed_config_or_data(monkeypatch):
    calls = counting_trainer(monkeypatch)
    X, y = separable()
    args = (X[:300], y[:300], X[300:], y[300:])
    train_cached(small_model, CONFIG, *args, name="t", device="cpu")
    train_cached(small_model, {**CONFIG, "seed": 1}, *args, name="t", device="cpu")
    assert len(calls) == 2
    X2 = X.copy()
    X2[0, 0] += 1.0
    train_cached(small_model, CONFIG, X2[:300], y[:300], X2[300:], y[300:], name="t", device="cpu")
    assert len(calls) == 3
    # an architecture change is caught even if the config forgets to describe it
    train_cached(lambda: TopoDNN(6, (16, 4)), CONFIG, *args, name="t", device="cpu")
    assert len(calls) == 4
    train_cached(small_model, CONFIG, *args, name="t", device="cpu")
    assert len(calls) == 4
    with pytest.raises(KeyError):
        train_cached(small_model, {"lr": 1e-3}, *args, name="t", device="cpu")


def test_corrupt_cache_file_is_not_reused(monkeypatch):
    calls = counting_trainer(monkeypatch)
    X, y = separable()
    args = (X[:300], y[:300], X[300:], y[300:])
    _, h1 = train_cached(small_model, CONFIG, *args, name="t", data_key="k1", device="cpu")
    files = list((cached_path("models", "t", {}, ".pt").parent).glob("t-*.pt"))
    assert len(files) == 1
    files[0].write_bytes(files[0].read_bytes()[:100])  # truncated, as after a crash
    with pytest.warns(UserWarning, match="unreadable model cache"):
        _, h2 = train_cached(small_model, CONFIG, *args, name="t", data_key="k1", device="cpu")
    assert len(calls) == 2 and not h2.from_cache
    assert h2.train_loss == h1.train_loss  # same seed: the retrained model is the same
    _, h3 = train_cached(small_model, CONFIG, *args, name="t", data_key="k1", device="cpu")
    assert h3.from_cache and len(calls) == 2


class _DictInputs:
    """Non-array model inputs (as packed particles or trees are): a dict of tensors."""

    def __init__(self, X):
        self.X = torch.as_tensor(X, dtype=torch.float32)

    def __len__(self):
        return len(self.X)

    def batch(self, idx):
        return {"x": self.X[idx]}

    def to(self, device):
        return self

    def fingerprint(self):
        return "dict-inputs"


class _DictModel(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, batch):
        return self.inner(batch["x"])


def test_training_on_custom_inputs_matches_arrays():
    """Inputs objects train exactly like the arrays they wrap; step decay is applied."""
    X, y = separable(400)
    runs = []
    for wrap in (lambda a: a, _DictInputs):
        torch.manual_seed(3)
        inner = small_model()
        model = inner if wrap is not _DictInputs else _DictModel(inner)
        _, hist = train_classifier(model, wrap(X[:300]), y[:300], wrap(X[300:]), y[300:],
                                   max_epochs=3, seed=3, lr_milestones=(1,), device="cpu")
        runs.append(hist.train_loss)
    assert np.allclose(runs[0], runs[1])
