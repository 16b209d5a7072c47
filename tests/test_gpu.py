"""The models and explanation methods on CUDA agree with the CPU (marked ``gpu``; skipped
where torch sees no CUDA device).  Run on a GPU machine with ``pytest -m gpu``."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from helpers.data.jets import JetSet
from helpers.models import PFN, ConstituentLSTM, JetCNN, RecNN, TopoDNN, predict_logits
from helpers.physics.trees import build_trees
from helpers.preprocessing import cnn_features, lstm_features, pfn_features, topodnn_features
from helpers.preprocessing.recnn import NodeScaler, TreeInputs, node_features
from helpers.studies.latent import latent_and_logits
from helpers.training.loop import train_classifier
from helpers.xai.lrp import lrp
from helpers.xai.saliency import node_saliency

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]
TOL = {"rtol": 1e-4, "atol": 1e-4}


@pytest.fixture(scope="module")
def jets() -> JetSet:
    rng = np.random.default_rng(0)
    n, m = 64, 40
    counts = rng.integers(2, m, n)
    pt = -np.sort(-(rng.exponential(30.0, (n, m)) + 1.0), axis=1)
    eta, phi = rng.normal(0.3, 0.3, (n, m)), rng.normal(3.0, 0.3, (n, m))
    c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    c[np.arange(m)[None, :] >= counts[:, None]] = 0
    return JetSet(c.astype(np.float32), (np.arange(n) % 2).astype(np.int8),
                  np.zeros((n, 4), np.float32))


def _pair(model: torch.nn.Module) -> tuple[torch.nn.Module, torch.nn.Module]:
    model.eval()
    return model, copy.deepcopy(model).to("cuda").eval()


@pytest.mark.parametrize("which", ["topodnn", "lstm", "cnn"])
def test_array_models_agree(jets, which):
    torch.manual_seed(0)
    X, model = {"topodnn": (topodnn_features(jets), TopoDNN()),
                "lstm": (lstm_features(jets, 20), ConstituentLSTM()),
                "cnn": (cnn_features(jets, 17), JetCNN(17))}[which]
    cpu, gpu = _pair(model)
    np.testing.assert_allclose(predict_logits(gpu, X), predict_logits(cpu, X), **TOL)


def test_packed_pfn_agrees(jets):
    torch.manual_seed(0)
    cpu, gpu = _pair(PFN())
    particles = pfn_features(jets)
    for a, b in zip(latent_and_logits(gpu, particles), latent_and_logits(cpu, particles)):
        np.testing.assert_allclose(a, b, **TOL)


def test_recnn_forward_gradients_and_saliency_agree(jets):
    trees = build_trees(jets.constituents)
    feats = node_features(trees)
    inputs = TreeInputs(trees, NodeScaler.fit(feats).transform(feats))
    torch.manual_seed(0)
    cpu, gpu = _pair(RecNN(embed_dim=16, hidden=12))
    idx = np.arange(len(inputs))
    for model in (cpu, gpu):  # the hand-written level backward, on each device
        model.zero_grad()
        model(inputs.to(next(model.parameters()).device.type).batch(idx)).sum().backward()
    for p, q in zip(cpu.parameters(), gpu.parameters()):
        np.testing.assert_allclose(q.grad.cpu().numpy(), p.grad.numpy(), **TOL)
    np.testing.assert_allclose(node_saliency(gpu, inputs), node_saliency(cpu, inputs),
                               equal_nan=True, **TOL)


def test_lrp_of_a_cuda_model_is_the_cpu_lrp(jets):
    torch.manual_seed(0)
    cpu, gpu = _pair(TopoDNN())
    X = topodnn_features(jets)
    np.testing.assert_allclose(lrp(gpu, X, "epsilon"), lrp(cpu, X, "epsilon"), **TOL)


def test_training_on_cuda_learns_and_returns_a_cuda_model(jets):
    X, y = topodnn_features(jets), jets.labels.astype(np.float32)
    torch.manual_seed(0)
    model, history = train_classifier(TopoDNN(), X, y, X, y, max_epochs=3, patience=3,
                                      device="cuda")
    assert next(model.parameters()).is_cuda and np.isfinite(history.val_loss).all()
