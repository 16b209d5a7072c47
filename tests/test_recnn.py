"""RecNN on clustering trees: level batching vs recursion, gradients, saliency, features,
transfer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from helpers.data.jets import JetSet
from helpers.metrics import auc
from helpers.models.recnn import (
    LAYERS,
    RecNN,
    level_backward,
    predict_tree,
    recursive_embedding,
    recursive_logits,
)
from helpers.physics.trees import build_trees
from helpers.preprocessing.recnn import (
    NodeScaler,
    TaskTrees,
    TreeInputs,
    cached_trees,
    level_order,
    node_features,
    prepare_task,
    recnn_preprocess,
    tree_inputs,
)
from helpers.studies.lund import (
    LUND_X_BINS,
    LUND_Y_BINS,
    LundMap,
    lund_saliency,
    most_salient_regions,
    region_summary,
    relative_to_depth,
    saliency_by_depth,
    saliency_study,
    seed_agreement,
    task_regions,
)
from helpers.studies.recnn import (
    best_probed,
    embedding_probes,
    layer_probe_table,
    level_sizes,
    probe_r2,
    r2_table,
    root_heights,
    speed_table,
    tree_summary,
    tree_table,
)
from helpers.studies.transfer import (
    HEAD_DEFAULTS,
    TransferResult,
    frozen_embeddings,
    random_recnn,
    retained_lines,
    retained_shares,
    train_head,
    transfer_table,
)
from helpers.training import train_classifier
from helpers.training.recipes import recnn_config
from helpers.xai.saliency import node_saliency

torch.set_num_threads(1)


def massless(pt, y, phi) -> np.ndarray:
    """``(..., 4)`` massless four-momenta ``(E, px, py, pz)``."""
    pt, y, phi = np.broadcast_arrays(*map(np.asarray, (pt, y, phi)))
    return np.stack([pt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y)], -1)


def padded(jets: list[np.ndarray], slots: int) -> np.ndarray:
    """Zero-padded ``(N, slots, 4)`` float32 array from per-jet particle arrays."""
    c = np.zeros((len(jets), slots, 4), np.float32)
    for k, parts in enumerate(jets):
        c[k, : len(parts)] = parts
    return c


def chain_jet(n: int) -> np.ndarray:
    """``n`` particles at distances 2^k from the first: C/A merges them one at a time,
    giving the most unbalanced tree (height ``n - 1``)."""
    offsets = np.concatenate([[0.0], 0.005 * 2.0 ** np.arange(n - 1)])
    return massless(np.linspace(100, 10, n), 0.2 + offsets, 1.0)


def random_jets(rng: np.random.Generator, n_jets: int, slots: int = 40) -> list[np.ndarray]:
    """Random jets with 1..slots particles around (y, phi) = (0.3, 3.0) (straddles +-pi)."""
    out = []
    for _ in range(n_jets):
        n = int(rng.integers(1, slots + 1))
        pt = np.sort(rng.exponential(20.0, n))[::-1] + 0.5
        out.append(massless(pt, 0.3 + rng.normal(0, 0.3, n), 3.0 + rng.normal(0, 0.3, n)))
    return out


@pytest.fixture(scope="module")
def inputs() -> TreeInputs:
    rng = np.random.default_rng(0)
    jets = random_jets(rng, 30) + [massless([50.0], [0.1], [0.2]), chain_jet(12), chain_jet(3)]
    trees = build_trees(padded(jets, 40))
    feats = node_features(trees)
    return TreeInputs(trees, NodeScaler.fit(feats).transform(feats))


@pytest.fixture(scope="module")
def model() -> RecNN:
    torch.manual_seed(1)
    m = RecNN(embed_dim=16, hidden=12)
    with torch.no_grad():  # positive biases keep most ReLUs open: gradients reach deep nodes
        m.u.bias.uniform_(0.1, 0.5)
        m.h.bias.uniform_(0.1, 0.5)
    return m


def test_chain_jet_is_maximally_unbalanced(inputs):
    trees = inputs.trees
    assert trees.height[trees.roots[-2]] == 11  # 12 particles
    assert trees.offsets[-3] - trees.offsets[-4] == 1  # the single-particle jet: one node


def test_batched_equals_recursive_embeddings(inputs, model):
    jets = np.arange(len(inputs))
    batched = model.embed(inputs.batch(jets))
    recursive = torch.stack([recursive_embedding(model, inputs.trees, inputs.features, j)
                             for j in jets])
    torch.testing.assert_close(batched, recursive, rtol=1e-5, atol=1e-5)
    # a permuted sub-batch gives the same embeddings, in its own order
    sub = np.array([32, 5, 30, 0, 31])
    torch.testing.assert_close(model.embed(inputs.batch(sub)), recursive[sub], rtol=1e-5,
                               atol=1e-5)


def test_single_particle_jet_embedding_is_its_u(inputs, model):
    single = 30
    node = inputs.trees.roots[single]
    expected = torch.relu(model.u(inputs.features[node]))
    torch.testing.assert_close(model.embed(inputs.batch([single]))[0], expected)


def test_parameter_gradients_match_recursion(inputs, model):
    jets = np.arange(len(inputs))
    grads = []
    for logits in (model(inputs.batch(jets)), recursive_logits(model, inputs, jets)):
        model.zero_grad()
        logits.sum().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for batched, recursive in zip(*grads):
        torch.testing.assert_close(batched, recursive, rtol=1e-4, atol=1e-5)


def test_hand_written_backward_passes_gradcheck(inputs):
    batch = inputs.batch(np.array([0, 31, 32]))
    torch.manual_seed(0)
    d = 3
    u = torch.rand(len(batch.features), d, dtype=torch.float64, requires_grad=True)
    weight = (torch.rand(d, 3 * d, dtype=torch.float64) * 0.6).requires_grad_(True)
    bias = torch.rand(d, dtype=torch.float64, requires_grad=True)
    from helpers.models.recnn import _LevelRecursion

    def f(u, weight, bias):
        return _LevelRecursion.apply(u, weight, bias, batch.left, batch.right,
                                     batch.level_sizes)[batch.roots]

    assert torch.autograd.gradcheck(f, (u, weight, bias))


def test_gradient_reaches_every_leaf(inputs, model):
    jets = np.arange(len(inputs))
    batch = inputs.batch(jets)
    _, grad = model.node_gradients(batch)
    leaves = torch.arange(batch.level_sizes[0])
    assert (grad[leaves].norm(dim=1) > 0).all()
    # and the same node gradients as autograd through the recursion
    expected = _recursive_node_gradients(model, inputs, jets)
    torch.testing.assert_close(grad, expected[batch.nodes], rtol=1e-4, atol=1e-6)


def _recursive_node_gradients(model: RecNN, inputs: TreeInputs, jets: np.ndarray) -> torch.Tensor:
    """d logit / d h_i of every node, with autograd through a per-jet recursion."""
    trees, features = inputs.trees, inputs.features
    nodes: dict[int, torch.Tensor] = {}

    def embed(node: int) -> torch.Tensor:
        u = torch.relu(model.u(features[node]))
        left, right = trees.children[node]
        h = u if left < 0 else torch.relu(model.h(torch.cat([embed(left), embed(right), u])))
        h.retain_grad()
        nodes[node] = h
        return h

    logits = model.head(torch.stack([embed(int(trees.roots[j])) for j in jets]))
    logits.sum().backward()
    return torch.stack([nodes[i].grad for i in range(trees.n_nodes)])


def test_saliency_of_hand_made_tree():
    """u = 1 everywhere, h = ReLU(a h_L + b h_R + u), linear head: s = a^depth_L b^depth_R."""
    p1, p2, p3 = massless(100.0, 0.0, 0.0), massless(50.0, 0.1, 0.0), massless(10.0, 0.5, 0.0)
    trees = build_trees(padded([np.stack([p1, p2, p3])], 3))
    inputs = TreeInputs(trees, np.zeros((trees.n_nodes, 7), np.float32))
    a, b, d = 0.5, 0.25, 2
    m = RecNN(embed_dim=d, hidden=d)
    eye = torch.eye(d)
    with torch.no_grad():
        m.u.weight.zero_()
        m.u.bias.fill_(1.0)
        m.h.weight.copy_(torch.cat([a * eye, b * eye, eye], dim=1))
        m.h.bias.zero_()
        for linear in m.head.linears[:-1]:
            linear.weight.copy_(eye)
            linear.bias.zero_()
        m.head.linears[-1].weight.fill_(1.0)
    s = node_saliency(m, inputs)
    # nodes: leaves p1, p2, p3; then (p1 p2) with harder child p1; root ((p1 p2), p3)
    assert trees.children.tolist() == [[-1, -1], [-1, -1], [-1, -1], [0, 1], [3, 2]]
    np.testing.assert_allclose(s, [a * a, a * b, b, a, 1.0], rtol=1e-6)


def test_saliency_relative_to_depth_and_depth_profile():
    p1, p2, p3 = massless(100.0, 0.0, 0.0), massless(50.0, 0.1, 0.0), massless(10.0, 0.5, 0.0)
    jet = np.stack([p1, p2, p3])
    trees = build_trees(padded([jet, jet, jet], 3))  # inner nodes 3 (depth 1), 4 (root)
    s = np.full(trees.n_nodes, 0.1)  # leaves: ignored by both
    s[[3, 8, 13]] = [0.2, 0.6, 0.9]
    s[[4, 9, 14]] = 1.0
    labels = np.array([1, 1, 0])
    rel = relative_to_depth(trees, s, labels)
    np.testing.assert_allclose(rel[[3, 8, 13]], [0.5, 1.5, 1.0])
    np.testing.assert_allclose(rel[[4, 9, 14]], 1.0)
    assert np.isnan(rel[trees.children[:, 0] < 0]).all()
    by_depth = saliency_by_depth(trees, s, labels, {1: "a", 0: "b"}, max_depth=2)
    np.testing.assert_allclose(by_depth["a"], [1.0, 0.4, np.nan])
    np.testing.assert_allclose(by_depth["b"], [1.0, 0.9, np.nan])


def test_lund_binning_averages_per_bin():
    lund = np.array([[0.1, 0.1, 0.3], [0.15, 0.2, 0.3], [3.0, 2.0, 0.1], [np.nan, np.nan, np.nan],
                     [3.05, 2.1, 0.1]])
    s = np.array([1.0, 3.0, 0.5, 7.0, np.nan])
    m = lund_saliency(lund, s, n_jets=2)
    i = np.searchsorted(LUND_X_BINS, [0.1, 3.0], side="right") - 1
    j = np.searchsorted(LUND_Y_BINS, [0.1, 2.0], side="right") - 1
    assert m.count.sum() == 3 and m.count[i[0], j[0]] == 2 and m.count[i[1], j[1]] == 1
    assert m.mean[i[0], j[0]] == 2.0 and m.mean[i[1], j[1]] == 0.5
    assert np.isnan(m.mean).sum() == m.mean.size - 2


def test_node_features_of_a_known_jet():
    pt, y, phi = np.array([30.0, 10.0]), np.array([0.5, 0.7]), np.array([1.0, 1.2])
    trees = build_trees(padded([massless(pt, y, phi)], 2), dtype=np.float64)
    f = node_features(trees)
    e = pt * np.cosh(y)
    # leaf 0 (massless: eta = y, p = E)
    np.testing.assert_allclose(f[0], [e[0], 0.5, 1.0, e[0], e[0] / e.sum(), 30.0,
                                      2 * np.arctan(np.exp(-0.5))], rtol=1e-5)
    assert f[2, 4] == 1.0  # the root's E / E_jet
    np.testing.assert_allclose(f[2, 3], e.sum(), rtol=1e-6)


def test_scaler_standardises_training_nodes_and_keeps_constant_columns():
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.normal(5, 3, 1000), np.full(1000, 2.0)])
    scaler = NodeScaler.fit(x)
    z = scaler.transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=0), [1, 0], atol=1e-5)
    assert z.dtype == np.float32


def test_level_order_puts_children_before_parents(inputs):
    o = level_order(inputs.trees, np.array([32, 3, 30]))
    sizes = o["level_sizes"]
    n_leaves = sizes[0]
    parent = n_leaves + np.arange(len(o["left"]))
    assert (o["left"] < parent).all() and (o["right"] < parent).all()
    assert sorted(np.concatenate([o["left"], o["right"], o["roots"]])) == list(range(sizes.sum()))
    assert o["jet"][o["roots"]].tolist() == [0, 1, 2]
    np.testing.assert_array_equal(o["nodes"][o["roots"]], inputs.trees.roots[[32, 3, 30]])


def test_training_learns_a_two_prong_vs_many_prong_toy():
    rng = np.random.default_rng(4)
    two = [massless([100.0, 100.0], [0.0, 0.3], [0.0, 0.1]) for _ in range(100)]
    many = [massless(rng.exponential(25.0, 8) + 1, rng.normal(0, 0.2, 8), rng.normal(0, 0.2, 8))
            for _ in range(100)]
    trees = build_trees(padded(two + many, 8))
    feats = node_features(trees)
    X = TreeInputs(trees, NodeScaler.fit(feats).transform(feats))
    y = np.r_[np.ones(100), np.zeros(100)].astype(np.float32)
    torch.manual_seed(0)
    model, hist = train_classifier(RecNN(embed_dim=8, hidden=8), X, y, X, y, lr=1e-2,
                                   batch_size=32, max_epochs=5, device="cpu")
    assert hist.val_loss[-1] < hist.val_loss[0]
    assert auc(y, predict_tree(model, X)["logit"]) > 0.95


def test_frozen_transfer_head_trains_and_leaves_the_embedding_untouched(inputs, model,
                                                                        tmp_path, monkeypatch):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    before = [p.detach().clone() for p in model.parameters()]
    Z = frozen_embeddings(model, inputs)
    torch.testing.assert_close(torch.from_numpy(Z),
                               model.embed(inputs.batch(np.arange(len(inputs)))).detach())
    y = (Z[:, 0] > np.median(Z[:, 0])).astype(np.float32)  # readable from the embedding
    config = {**HEAD_DEFAULTS, "seed": 0, "hidden": 8, "lr": 1e-2, "max_epochs": 100}
    head, _ = train_head(Z, y, Z, y, config, name="head", device="cpu")
    from helpers.models import predict_logits

    assert auc(y, predict_logits(head, Z)) > 0.95
    for p, q in zip(before, model.parameters()):
        assert torch.equal(p, q)


def test_tree_cache_roundtrip_and_task_preparation(tmp_path, monkeypatch):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    rng = np.random.default_rng(5)
    c = padded(random_jets(rng, 12, slots=20), 20)
    jets = JetSet(c, (np.arange(12) % 2).astype(np.int8), np.zeros((12, 4), np.float32))
    first = cached_trees(jets, "toy")
    assert len(list((tmp_path / "trees").glob("toy-*.npz"))) == 1
    again = cached_trees(jets, "toy")
    for k, v in vars(first).items():
        np.testing.assert_array_equal(v, getattr(again, k))
    task = prepare_task("toy", {"train": jets, "val": jets, "test": jets}, {"train": 8})
    assert len(task.jets["train"]) == 8 and len(task.jets["val"]) == 12
    assert task.labels("train").dtype == np.float32
    inp = task.inputs("val", scaler=NodeScaler(np.zeros(7), np.ones(7)))
    np.testing.assert_array_equal(inp.features.numpy(), task.features["val"])
    assert task.inputs("val").fingerprint() != inp.fingerprint()


def test_registered_preprocessing_and_profile_settings():
    rng = np.random.default_rng(6)
    jets = JetSet(padded(random_jets(rng, 5, slots=10), 10), np.zeros(5, np.int8),
                  np.zeros((5, 4), np.float32))
    trees, feats = recnn_preprocess(jets)
    assert feats.shape == (trees.n_nodes, 7)
    inp = tree_inputs(trees, NodeScaler.fit(feats))
    assert len(inp) == 5
    cfg = recnn_config("ci", seed=3)
    assert cfg["seed"] == 3 and cfg["embed_dim"] == 70 and "max_jets" not in cfg


def test_level_backward_of_a_leaf_only_batch_is_identity():
    u = torch.rand(4, 3)
    grad_h = torch.rand(4, 3)
    empty = torch.zeros(0, dtype=torch.long)
    grad, du, dw, db = level_backward(u, u, torch.rand(3, 9), empty, empty, (4,), grad_h)
    torch.testing.assert_close(grad, grad_h)
    torch.testing.assert_close(du, grad_h)
    assert not dw.any() and not db.any()


def test_retained_separation_is_the_share_of_auc_above_chance():
    from helpers.studies.transfer import retained_separation

    assert retained_separation(0.9, 0.9) == pytest.approx(1.0)
    assert retained_separation(0.5, 0.9) == pytest.approx(0.0)
    assert retained_separation(0.7, 0.9) == pytest.approx(0.5)


# ------------------------------------------------------------- chapter 5's study functions
def hand_task(name: str, jets_by_split: dict[str, tuple[list[np.ndarray], list[int]]],
              slots: int = 40) -> TaskTrees:
    """A :class:`TaskTrees` from hand-built jets and labels per split (no tree cache)."""
    sets, trees = {}, {}
    for split, (jets, labels) in jets_by_split.items():
        c = padded(jets, slots)
        sets[split] = JetSet(c, np.asarray(labels, np.int8), np.zeros((len(jets), 4), np.float32))
        trees[split] = build_trees(c)
    features = {s: node_features(t) for s, t in trees.items()}
    return TaskTrees(name, sets, trees, features, NodeScaler.fit(features["train"]))


@pytest.fixture(scope="module")
def chain_task() -> TaskTrees:
    """Training trees of heights 11, 2 and 4 (labels 1, 0, 1); one jet in val and test."""
    train = ([chain_jet(12), chain_jet(3), chain_jet(5)], [1, 0, 1])
    return hand_task("w_qcd", {"train": train, "val": ([chain_jet(4)], [0]),
                               "test": ([chain_jet(6)], [1])})


def test_tree_summary_heights_and_level_sizes_of_chain_jets(chain_task):
    row = tree_summary(chain_task)
    assert (row["train jets"], row["val jets"], row["test jets"]) == (3, 1, 1)
    assert row["nodes per jet"] == pytest.approx((23 + 5 + 9) / 3)  # 2n - 1 nodes
    assert (row["median tree height"], row["max tree height"]) == (4, 11)
    assert tree_table({"w_qcd": chain_task}).index.tolist() == ["W/QCD"]
    other = hand_task("top_qcd", {s: ([chain_jet(7)], [0]) for s in ("train", "val", "test")})
    heights = root_heights({"w_qcd": chain_task, "top_qcd": other})
    assert list(heights) == ["W", "QCD", "top"]
    assert heights["W"].tolist() == [11, 4] and heights["QCD"].tolist() == [6]  # the later task's
    assert heights["top"].size == 0
    sizes = level_sizes({"w_qcd": chain_task}, n_jets=1)["W/QCD"]
    assert sizes.tolist() == [12] + [1] * 11  # 12 leaves, then one merging per level


def test_probe_r2_uses_only_the_first_n_probe_training_jets():
    rng = np.random.default_rng(7)
    w = np.array([1.0, -2.0, 0.5])
    Z_train, Z_test = rng.normal(size=(100, 3)), rng.normal(size=(200, 3))
    linear = Z_train @ w
    linear[50:] = rng.normal(0, 10, 50)  # unrelated to Z beyond the first 50 jets
    obs = {"train": {"a": linear, "b": rng.normal(size=100)},
           "test": {"a": Z_test @ w, "b": rng.normal(size=200)}}
    r2 = probe_r2(Z_train, Z_test, obs, 50, names=("a", "b"))
    assert r2["a"] > 0.999 and r2["b"] < 0.1
    assert probe_r2(Z_train, Z_test, obs, 100, names=("a",))["a"] < 0.9


def test_embedding_probes_r2_table_and_best_probed():
    rng = np.random.default_rng(8)
    Z = {split: rng.normal(size=(80, 2)) for split in ("train", "test")}
    obs = {split: {"a": Z[split][:, 0], "b": Z[split][:, 0] + 0.5 * rng.normal(size=80)}
           for split in Z}
    preds = {(t, 0): {split: {layer: Z[split] for layer in LAYERS} for split in Z}
             for t in ("w_qcd", "top_qcd")}
    r2 = embedding_probes({"w_qcd": None, "top_qcd": None}, preds, {"w_qcd": obs, "top_qcd": obs},
                          [0], 80, names=("a", "b"))
    assert list(r2) == [("w_qcd", "embedding"), ("top_qcd", "embedding"), ("top_qcd", "dense1"),
                        ("top_qcd", "dense2")]
    mean_a, std_a = r2["w_qcd", "embedding"]["a"]
    assert mean_a > 0.999 and np.isnan(std_a)  # one seed: no spread
    assert r2["w_qcd", "embedding"]["b"][0] < 0.9
    table = r2_table(r2, {"w_qcd": [0.3], "top_qcd": [0.4, 0.6]}, labels={"a": "A", "b": "B"})
    assert table.columns.tolist() == [("W/QCD", "ours"), ("W/QCD", "Cheng"), ("top/QCD", "ours"),
                                      ("top/QCD", "Cheng")]
    assert table.loc["A", ("W/QCD", "ours")] == "1.00"
    assert table[("W/QCD", "Cheng")].tolist() == ["0.30", ""]
    assert best_probed(r2["w_qcd", "embedding"], [0.3, 0.6], names=("a", "b"), top=2) == (
        ["a", "b"], ["b", "a"])


def test_layer_probe_table_puts_recnn_layers_before_topodnn_layers():
    r2 = {("top_qcd", layer): {"a": (k / 10, 0.0), "b": (k / 5, 0.0)}
          for k, layer in enumerate(LAYERS)}
    table = layer_probe_table(r2, {"hidden 6": {"a": (0.7, 0.1), "b": (0.8, 0.1)}},
                              names=("a", "b"))
    assert table.columns.tolist() == [f"RecNN {layer}" for layer in LAYERS] + ["TopoDNN hidden 6"]
    np.testing.assert_allclose(table.loc["b"], [0.0, 0.2, 0.4, 0.8])


def test_auc_table_formats_the_seeds():
    from types import SimpleNamespace

    from helpers.studies.recnn import TaskPerformance, auc_table

    perf = TaskPerformance({"w_qcd": {"auc": (0.91234, 0.0021), "rejection_0.3": (12.34, 1.0),
                                      "rejection_0.5": (5.0, float("nan"))}}, {}, {"w_qcd": 0.95})
    histories = {("w_qcd", s): SimpleNamespace(epochs_run=3 + s, jets_per_s=1000.0 * (s + 1),
                                               from_cache=True) for s in (0, 1)}
    col = auc_table(perf, {"w_qcd": 0.957}, histories, [0, 1])["W/QCD"]
    assert col["RecNN AUC"] == "0.912 ± 0.002"
    assert col["RecNN 1/eps_B at eps_S = 0.3"] == "12.3 ± 1.0"
    assert col["RecNN 1/eps_B at eps_S = 0.5"] == "5.0"
    assert col["epochs run"] == "3 / 4" and col["training jets/s"] == "1,500 (cached)"


def test_random_recnn_is_the_seeded_initialisation():
    torch.manual_seed(3)
    expected = RecNN(embed_dim=8, hidden=6)
    for seed, same in ((3, True), (4, False)):
        model = random_recnn(seed, 8, 6)
        assert all(torch.equal(p, q) for p, q in zip(model.parameters(), expected.parameters())) \
            is same


def test_transfer_table_and_retained_shares_by_target():
    result = TransferResult(
        {("quark_gluon", "top_qcd"): [0.6, 0.6], ("w_qcd", "top_qcd"): [0.7, 0.8],
         ("top_qcd", "w_qcd"): [0.7]},
        {"top_qcd": [0.55, 0.65], "w_qcd": [0.6]})
    base = {"top_qcd": (1.0, 0.01), "w_qcd": (0.9, float("nan"))}
    table = transfer_table(result, base, {("w_qcd", "top_qcd"): (0.926, 0.891)})
    row = table.loc["W/QCD → top/QCD"]
    assert row["transfer AUC (ours)"] == "0.750 ± 0.071" and row["retained (ours)"] == "50%"
    assert row["random frozen embedding"] == "0.600 ± 0.071"
    assert row["retained (Cheng)"] == "92%"  # 0.391 / 0.426
    shares = retained_shares(result, base, {"w_qcd": 0.3, "top_qcd": 0.5, "quark_gluon": 0.9},
                             ["w_qcd", "top_qcd", "quark_gluon"])
    assert shares.index.tolist() == [("w_qcd", "top_qcd"), ("top_qcd", "w_qcd"),
                                     ("top_qcd", "quark_gluon")]  # sources in task order
    np.testing.assert_allclose(shares["retained"], [0.5, 0.5, 0.2])
    assert retained_lines(shares) == [
        "into W/QCD:",
        "  from top/QCD       50% retained; multiplicity R² of its embedding 0.50",
        "into top/QCD:",
        "  from W/QCD         50% retained; multiplicity R² of its embedding 0.30",
        "  from quark/gluon   20% retained; multiplicity R² of its embedding 0.90"]


def _map(mean: np.ndarray) -> LundMap:
    return LundMap(np.arange(mean.shape[0] + 1.0), np.arange(mean.shape[1] + 1.0), mean,
                   np.ones_like(mean), 1)


def test_seed_agreement_correlates_with_the_first_seed():
    a = np.array([[1.0, 2.0], [3.0, np.nan]])
    first = {"W": _map(a), "QCD": _map(a)}
    flipped = {"W": _map(a), "QCD": _map(-a)}
    agreement = seed_agreement([first, flipped], {1: "W", 0: "QCD"})
    assert agreement["signal"] == pytest.approx(1.0)
    assert agreement["background"] == pytest.approx(-1.0)
    assert np.isnan(seed_agreement([first], {1: "W", 0: "QCD"})["signal"])


def test_saliency_study_of_two_identical_seeds_agrees(model):
    rng = np.random.default_rng(9)
    jets = random_jets(rng, 24)
    task = hand_task("top_qcd", {s: (jets, [k % 2 for k in range(24)])
                                 for s in ("train", "val", "test")})
    study = saliency_study({("top_qcd", 0): model, ("top_qcd", 1): model}, {"top_qcd": task},
                           [0, 1])
    assert list(study.maps) == ["top/QCD"] and list(study.maps["top/QCD"]) == ["top", "QCD"]
    np.testing.assert_allclose(study.node_saliency["top_qcd"],
                               node_saliency(model, task.inputs("test")))
    assert study.agreement.index.tolist() == ["top/QCD"]
    np.testing.assert_allclose(study.agreement.loc["top/QCD"], [1.0, 1.0])
    regions = task_regions({"top_qcd": task}, study.node_saliency)
    assert regions.index.names == ["task", "region", "class"]
    assert regions.index.get_level_values("task")[0] == "top/QCD (top / QCD)"
    wide = region_summary(regions)
    assert wide.columns.get_level_values(0).unique().tolist() == ["signal", "background"]
    # identical seeds: no spread over seeds; the first seed's bootstrap over jets remains
    from helpers.studies.lund import region_uncertainties

    unc = region_uncertainties({"top_qcd": task}, study.node_saliency_seeds, n_boot=50)
    assert unc.index.names == ["task", "region", "class"]
    assert np.allclose(unc["± seeds"].dropna(), 0.0)
    assert (unc["± jets"].dropna() > 0).any()
    base = unc.xs(("top/QCD", "all inner nodes"), level=("task", "region"))["relative to same depth"]
    assert np.allclose(base, 1.0)  # all nodes against their own depth's mean


def test_most_salient_region_skips_all_inner_nodes():
    index = pd.MultiIndex.from_tuples(
        [("T", region, role) for region in ("soft", "hard", "all inner nodes")
         for role in ("signal", "background")], names=["task", "region", "class"])
    regions = pd.DataFrame({"mean saliency": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                            "relative to same depth": [0.8, 1.5, 1.2, np.nan, 9.0, 9.0]},
                           index=index)
    best = most_salient_regions(regions)
    assert best.index.tolist() == [("T", "signal"), ("T", "background")]
    assert best["region"].tolist() == ["hard", "soft"]
    assert best.loc[("T", "signal"), "mean saliency"] == 0.3
    assert best.loc[("T", "background"), "relative to same depth"] == 1.5


def test_speed_table_reports_the_ratio(inputs, model):
    speed = speed_table(model, inputs, batch_size=4, n_jets=8)
    assert speed.index.tolist() == ["forward", "forward + backward"]
    assert speed.columns.tolist() == ["level-batched (jets/s)", "recursive (jets/s)", "speed-up"]
    np.testing.assert_allclose(speed["speed-up"],
                               speed["level-batched (jets/s)"] / speed["recursive (jets/s)"])
