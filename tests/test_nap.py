"""Neural activation patterns: RNA, sparsity, diagram data and pruning against hand-made answers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import helpers.studies.nap as nap_study  # noqa: E402
from helpers.config import get_profile  # noqa: E402
from helpers.models import TopoDNN, count_parameters, predict_logits  # noqa: E402
from helpers.plots.nap import (  # noqa: E402
    plot_activation_frequency,
    plot_layer_separability,
    plot_nap,
    plot_sparsity_curve,
    plot_sparsity_vs_training,
    plot_width_scan,
)
from helpers.studies.nap import (  # noqa: E402
    BASELINE,
    SPARSITY_KEYS,
    MeasuredModel,
    Separability,
    Trainer,
    active_widths,
    aggregate_runs,
    architecture_table,
    architectures_to_train,
    best_and_smallest,
    layer_separability,
    measure,
    paper_scan_points,
    pruning_costs,
    pruning_over_seeds,
    pruning_study,
    pruning_table,
    random_keep,
    scan_report,
    sparsity_curve,
    sparsity_curve_report,
    sparsity_table,
    train_architectures,
    validation_naps,
    within_spread,
)
from helpers.xai.nap import (  # noqa: E402
    NAP,
    ActivationStats,
    hidden_activations,
    layer_sparsity,
    max_over_classes,
    nap_diagram_data,
    neural_activation_pattern,
    node_order,
    prune,
    rna,
    sparsity,
)
from helpers.xai.probing import layer_probe_auc  # noqa: E402

torch.set_num_threads(1)
TOP_QCD = {1: "top", 0: "QCD"}


def set_weights(model: TopoDNN, params: list[tuple[list, list]]) -> TopoDNN:
    with torch.no_grad():
        for lin, (w, b) in zip(model.linears, params):
            lin.weight.copy_(torch.tensor(w, dtype=torch.float32))
            lin.bias.copy_(torch.tensor(b, dtype=torch.float32))
    return model.eval()


@pytest.fixture
def toy():
    """2 inputs -> (3, 2) -> 1.  Layer 1 = (relu(x1), relu(x2), relu(-x1-x2)); layer 2 node 0
    copies layer-1 node 0, node 1 never fires."""
    model = set_weights(TopoDNN(2, (3, 2)), [
        ([[1, 0], [0, 1], [-1, -1]], [0, 0, 0]),
        ([[1, 0, 0], [0, 0, 0]], [0, 0]),
        ([[1, 1]], [0]),
    ])
    X = np.array([[1, 0], [3, 0], [0, 2], [-1, -1]], np.float32)
    y = np.array([1, 1, 0, 0])
    return model, X, y


def test_rna_of_hand_made_sums():
    out = rna([np.array([2.0, 4.0, 1.0]), np.array([0.0, 0.0]), np.array([3.0])])
    np.testing.assert_allclose(out[0], [0.5, 1.0, 0.25])
    np.testing.assert_array_equal(out[1], [0.0, 0.0])  # a silent layer: no division by zero
    np.testing.assert_array_equal(out[2], [1.0])


def test_activation_stats_from_activations():
    acts = [np.array([[0.0, 2.0], [1.0, 0.0], [3.0, 0.0]]), np.array([[0.0], [0.0], [5.0]])]
    st = ActivationStats.from_activations(acts)
    np.testing.assert_array_equal(st.sums[0], [4.0, 2.0])
    np.testing.assert_array_equal(st.active[0], [2, 1])
    np.testing.assert_allclose(st.frequency[0], [2 / 3, 1 / 3])
    np.testing.assert_allclose(st.mean[1], [5 / 3])
    both = st + st
    assert both.n_jets == 6
    np.testing.assert_array_equal(both.sums[1], [10.0])
    # RNA follows the definition sum_i a_jk / max_j sum_i a_jk
    np.testing.assert_allclose(rna(st.sums)[0], [1.0, 0.5])


def test_sparsity_pools_layers_and_is_strict():
    layers = [np.array([1.0, 0.1, 0.19, 0.2]), np.array([1.0, 0.05])]
    assert sparsity(layers) == pytest.approx(3 / 6)  # RNA = 0.2 is not sparse
    np.testing.assert_allclose(layer_sparsity(layers), [0.5, 0.5])
    assert sparsity(layers, threshold=0.5) == pytest.approx(4 / 6)


def test_overall_sparsity_counts_nodes_sparse_for_every_class():
    by_class = {"top": [np.array([1.0, 0.1, 0.1])], "QCD": [np.array([0.1, 1.0, 0.1])]}
    np.testing.assert_array_equal(max_over_classes(by_class)[0], [1.0, 1.0, 0.1])
    nap = NAP({name: ActivationStats([r], [np.ones(3)], 1) for name, r in by_class.items()})
    s = nap.sparsity()
    assert s["top"] == pytest.approx(2 / 3) and s["QCD"] == pytest.approx(2 / 3)
    assert s["overall"] == pytest.approx(1 / 3)
    assert s["overall"] <= min(s["top"], s["QCD"])


def test_activations_and_nap_of_a_hand_built_network(toy):
    model, X, y = toy
    acts = hidden_activations(model, X, batch_size=3)  # two batches
    np.testing.assert_array_equal(acts[0], [[1, 0, 0], [3, 0, 0], [0, 2, 0], [0, 0, 2]])
    np.testing.assert_array_equal(acts[1], [[1, 0], [3, 0], [0, 0], [0, 0]])
    nap = neural_activation_pattern(model, X, y, TOP_QCD, batch_size=3)
    assert nap.widths == (3, 2)
    np.testing.assert_allclose(nap.rna["top"][0], [1, 0, 0])
    np.testing.assert_allclose(nap.rna["QCD"][0], [0, 1, 1])
    np.testing.assert_allclose(nap.rna["top"][1], [1, 0])
    np.testing.assert_allclose(nap.rna["QCD"][1], [0, 0])
    s = nap.sparsity()
    assert s == pytest.approx({"overall": 1 / 5, "top": 3 / 5, "QCD": 3 / 5})
    table = nap.layer_table()
    np.testing.assert_array_equal(table["dead nodes"], [0, 1])
    np.testing.assert_array_equal(table["active in top only"], [1, 1])
    np.testing.assert_array_equal(table["active in QCD only"], [2, 0])
    np.testing.assert_array_equal(table["active in both"], [0, 0])
    np.testing.assert_allclose(nap.all_jets.frequency[0], [0.5, 0.25, 0.25])
    assert [m.tolist() for m in nap.active_mask()] == [[True, True, True], [True, False]]


def test_diagram_data_sign_convention_and_order():
    sig = np.array([0.0, 1.0, 0.9, 0.1, 0.05])
    bkg = np.array([1.0, 0.0, 0.8, 0.0, 0.15])
    (layer,) = nap_diagram_data([sig], [bkg])
    assert np.all(layer["signal"] >= 0) and np.all(layer["background"] <= 0)
    np.testing.assert_array_equal(layer["signal"], sig[layer["node"]])
    np.testing.assert_array_equal(layer["background"], -bkg[layer["node"]])
    # active nodes: background-only, shared, signal-only; then the sparse ones
    assert layer["node"].tolist() == [0, 2, 1, 4, 3]
    assert layer["n_active"] == 3
    np.testing.assert_array_equal(node_order(sig, bkg), layer["node"])


def test_plot_nap_draws_signal_up_and_background_down(toy):
    model, X, y = toy
    nap = neural_activation_pattern(model, X, y, TOP_QCD)
    fig = plot_nap(nap, "toy")
    axes = fig.axes
    assert len(axes) == 2
    data = nap_diagram_data(nap.rna["top"], nap.rna["QCD"])
    for ax, layer in zip(axes, data):
        bars = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
        heights = np.array([b.get_height() for b in bars])
        n = len(layer["signal"])
        np.testing.assert_allclose(heights[:n], layer["signal"])
        np.testing.assert_allclose(heights[n : 2 * n], layer["background"])
    plt.close(fig)


def test_prune_dead_and_constant_nodes_is_exact():
    torch.manual_seed(0)
    model = TopoDNN(4, (5, 3)).double()
    with torch.no_grad():  # node 1 of layer 1: constant activation 0.7; node 2 of layer 2: dead
        model.linears[0].weight[1] = 0.0
        model.linears[0].bias[1] = 0.7
        model.linears[1].weight[2] = 0.0
        model.linears[1].bias[2] = -1.0
    X = np.random.default_rng(0).normal(size=(50, 4))
    keep = [np.array([1, 0, 1, 1, 1], bool), np.array([1, 1, 0], bool)]
    fill = [np.array([0, 0.7, 0, 0, 0]), np.zeros(3)]
    small = prune(model, keep, fill)
    assert small.hidden == (4, 2)
    assert count_parameters(small) == (4 * 4 + 4) + (4 * 2 + 2) + (2 + 1)
    np.testing.assert_allclose(predict_logits(small, X), predict_logits(model, X), atol=1e-12)


def test_prune_with_zero_fill_equals_silencing_the_nodes():
    torch.manual_seed(1)
    model = TopoDNN(3, (4, 2)).double()
    keep = [np.array([1, 0, 1, 0], bool), np.array([1, 1], bool)]
    silenced = TopoDNN(3, (4, 2)).double()
    silenced.load_state_dict(model.state_dict())
    with torch.no_grad():
        silenced.linears[1].weight[:, [1, 3]] = 0.0
    X = np.random.default_rng(1).normal(size=(20, 3))
    np.testing.assert_allclose(predict_logits(prune(model, keep), X),
                               predict_logits(silenced, X), atol=1e-12)
    with pytest.raises(ValueError, match="do not match"):
        prune(model, [np.ones(4, bool)])
    with pytest.raises(ValueError, match="at least one"):
        prune(model, [np.ones(4, bool), np.zeros(2, bool)])


def test_active_widths_and_random_keep():
    def nap_with(rna_top: list[np.ndarray]) -> NAP:
        zeros = [np.zeros_like(r) for r in rna_top]
        return NAP({"top": ActivationStats(rna_top, zeros, 1),
                    "QCD": ActivationStats(zeros, zeros, 1)})

    a = nap_with([np.array([1.0, 0.5, 0.1, 0.0]), np.array([1.0, 0.1])])
    b = nap_with([np.array([1.0, 0.1, 0.1, 0.0]), np.array([1.0, 0.3])])
    assert active_widths([a, b]) == (2, 2)  # layer 1: (2 + 1) / 2 rounded up
    keep = [np.array([1, 0, 1, 0, 0], bool), np.array([0, 1], bool)]
    rnd = random_keep(keep, np.random.default_rng(0))
    assert [int(k.sum()) for k in rnd] == [2, 1]


def test_layer_probe_auc_separable_and_uninformative():
    y = np.array([0, 0, 1, 1] * 10)
    separable = (y + np.random.default_rng(0).uniform(0, 0.5, len(y)))[:, None]
    constant = np.ones((len(y), 2))
    aucs = layer_probe_auc([separable, constant], y, [separable, constant], y)
    assert aucs == [pytest.approx(1.0), pytest.approx(0.5)]


def test_measure_and_pruning_study(toy):
    model, X, y = toy
    m = measure(model, X, y)
    assert m.metrics["parameters"] == count_parameters(model) == (6 + 3) + (6 + 2) + (2 + 1)
    assert m.metrics["sparsity (overall)"] == pytest.approx(1 / 5)
    assert m.metrics["auc"] == pytest.approx(1.0)
    study = pruning_study(model, m.nap, X, y, n_random=2)
    assert study["dead nodes"]["auc"] == study["none"]["auc"]
    # the dead node of layer 2 takes its 3 incoming weights, its bias and 1 outgoing weight
    assert study["dead nodes"]["parameters"] == count_parameters(model) - 5
    assert study["random nodes (same number)"]["parameters"] == \
        study["sparse nodes (RNA < 0.2)"]["parameters"]


def test_other_figures_have_the_expected_content(toy):
    model, X, y = toy
    nap = neural_activation_pattern(model, X, y, TOP_QCD)
    fig = plot_activation_frequency(nap)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel().startswith("RNA")
    plt.close(fig)
    fig = plot_layer_separability([0.6, 0.8, 0.9], ["inputs", "layer 1", "layer 2"], 0.95,
                                  {"top": [0.4, 0.5], "QCD": [0.6, 0.7]})
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.6, 0.8, 0.9])
    heights = [b.get_height() for b in fig.axes[1].patches]
    np.testing.assert_allclose(heights, [0.4, 0.5, 0.6, 0.7])
    plt.close(fig)
    results = pd.DataFrame({"label": ["a", "b", "b"], "hidden": ["(4,)", "(8,)", "(2,)"],
                            "parameters": [100, 1000, 50], "auc": [0.9, 0.95, 0.8],
                            "auc_std": [0.01, np.nan, 0.02], "sparsity": [0.3, 0.6, 0.2],
                            "sparsity_std": [0.1, 0.1, 0.1]})
    fig = plot_width_scan(results, {"baseline": {"parameters": 500, "auc": 0.97, "sparsity": 0.5}})
    left, right = fig.axes
    assert left.get_xscale() == "log"
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    # one entry per kind of network; a kind with one network names its widths
    assert legend == ["a (4,)", "b", "Khot et al. (Delphes benchmark)"]
    assert sorted(t.get_text() for t in right.texts) == ["(2,)", "(8,)", "baseline"]
    plt.close(fig)


def test_within_spread():
    auc = np.array([0.90, 0.95, 0.93, 0.94])
    std = np.array([0.01, np.nan, 0.0, 0.01])
    # reference 0.95 +- 0.02: thresholds 0.95 - sqrt(std^2 + 0.02^2)
    np.testing.assert_array_equal(within_spread(auc, std, 0.95, 0.02), [False, True, True, True])
    # one seed everywhere: no spread, a plain comparison
    np.testing.assert_array_equal(within_spread(auc, [np.nan] * 4, 0.94, np.nan),
                                  [False, True, False, True])


def test_plot_sparsity_vs_training():
    fig = plot_sparsity_vs_training([100, 1000], {"overall": [0.2, 0.4], "top": [0.3, 0.5]},
                                    {"overall": 0.7}, 10000)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.2, 0.4])
    assert ax.lines[1].get_xdata()[0] == 10000 and ax.lines[1].get_ydata()[0] == 0.7
    plt.close(fig)


# --- the chapter's studies: training per seed, tables and reports ----------------------------


def fake_run(**metrics: float) -> MeasuredModel:
    """A measured model with only metrics (no network, no NAP)."""
    return MeasuredModel(None, None, dict(metrics))


@pytest.fixture
def fake_training(monkeypatch, toy):
    """Replace the recipe by one that records its arguments and returns the toy network."""
    model, X, y = toy
    calls = []

    def train_topodnn(train, val, profile, seed, device="auto", n_train=None, **overrides):
        calls.append({"seed": seed, "device": device, "n_train": n_train, **overrides})
        return model, None

    monkeypatch.setattr(nap_study, "train_topodnn", train_topodnn)
    trainer = Trainer(SimpleNamespace(labels=np.zeros(8)), SimpleNamespace(labels=np.zeros(2)),
                      X, y, get_profile("ci", chapters={"topodnn": {"max_epochs": 10}}), "cpu")
    return trainer, calls


def test_sparsity_keys_and_baseline():
    assert SPARSITY_KEYS == ("overall", "top", "QCD")
    assert BASELINE == (300, 102, 12, 6)


def test_aggregate_runs_is_mean_and_sample_std():
    agg = aggregate_runs([fake_run(auc=0.8, parameters=10), fake_run(auc=0.9, parameters=10)])
    assert agg["auc"] == pytest.approx((0.85, np.sqrt(0.005)))
    assert agg["parameters"] == (10.0, 0.0)


def test_trainer_passes_hidden_only_for_other_architectures(fake_training):
    trainer, calls = fake_training
    runs = trainer.train_and_measure([0, 1])
    assert [c["seed"] for c in calls] == [0, 1]
    assert calls[0] == {"seed": 0, "device": "cpu", "n_train": None}  # no hidden: chapter 1's model
    assert runs[0].metrics["auc"] == pytest.approx(1.0)
    assert runs[0].metrics["sparsity (overall)"] == pytest.approx(1 / 5)
    trainer.train_and_measure([2], BASELINE, 4, max_epochs=7)
    assert calls[-1] == {"seed": 2, "device": "cpu", "n_train": 4, "max_epochs": 7}
    trainer.train_and_measure([3], (4, 2), lr=0.1)
    assert calls[-1] == {"seed": 3, "device": "cpu", "n_train": None, "hidden": (4, 2), "lr": 0.1}


def test_sparsity_curve_gives_every_size_the_same_steps(fake_training):
    trainer, calls = fake_training
    curve = sparsity_curve(trainer, [4, 2, 100, 4], seed=5)  # 8 training jets, 10 epochs
    assert curve["n_train"].tolist() == [2, 4]  # sorted, unique, at most the 8 jets
    # 10 epochs on 8 jets: 10 * 8 / 2 = 40 on 2 jets, 20 on 4
    assert [(c["seed"], c["n_train"], c["max_epochs"]) for c in calls] == [(5, 2, 40), (5, 4, 20)]
    assert "hidden" not in calls[0]
    np.testing.assert_allclose(curve["sparsity (top)"], [0.6, 0.6])
    assert sparsity_curve_report(curve).splitlines()[1] == (
        "       4 training jets: AUC 1.0000, sparsity (overall) 0.200, sparsity (top) 0.600, "
        "sparsity (QCD) 0.600")


def test_sparsity_table_against_the_paper():
    runs = [fake_run(**{"sparsity (overall)": 0.3, "sparsity (top)": 0.4, "sparsity (QCD)": 0.5}),
            fake_run(**{"sparsity (overall)": 0.5, "sparsity (top)": 0.4, "sparsity (QCD)": 0.7})]
    paper = {"sparsity (overall)": 0.705, "sparsity (top)": 0.757, "sparsity (QCD)": 0.857}
    table = sparsity_table(runs, paper, "2 seeds")
    assert table["sparsity"].tolist() == ["overall", "top jets", "QCD jets"]
    # std of (0.3, 0.5) and of (0.5, 0.7): sqrt(0.02) = 0.141
    assert table["this book (2 seeds)"].tolist() == ["0.400 ± 0.141", "0.400 ± 0.000",
                                                     "0.600 ± 0.141"]
    assert table["Khot et al."].tolist() == ["0.705", "0.757", "0.857"]


def test_separability_report():
    sep = Separability(np.array([0.8, 0.85, 0.84]), ["inputs", "layer 1", "layer 2"], 0.9, {})
    assert sep.report().splitlines() == ["network output: AUC 0.9000",
                                         "linear probe on layer 1: AUC 0.8500 (+0.0500 over inputs)",
                                         "linear probe on layer 2: AUC 0.8400 (-0.0100 over layer 1)"]


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # inf - inf in the std of 1/εB
def test_layer_separability_of_the_toy(toy):
    model, X, y = toy
    run = measure(model, X, y)
    sep = layer_separability([run, run], X, y, X, y, probe_jets=100)
    # x1 separates the classes, and so do layer-1 node 0 and layer-2 node 0
    np.testing.assert_allclose(sep.probe_auc, [1.0, 1.0, 1.0])
    assert sep.labels == ["inputs", "layer 1", "layer 2"]
    assert sep.network_auc == pytest.approx(1.0)
    assert list(sep.layer_sparsity) == ["overall", "top", "QCD"]
    np.testing.assert_allclose(sep.layer_sparsity["top"], [2 / 3, 1 / 2])
    np.testing.assert_allclose(sep.layer_sparsity["QCD"], [1 / 3, 1])
    np.testing.assert_allclose(sep.layer_sparsity["overall"], [0, 1 / 2])


def test_validation_naps_and_pruning_over_seeds(toy):
    model, X, y = toy
    run = measure(model, X, y)
    naps = validation_naps([run, run], X, y)
    assert len(naps) == 2 and naps[0].sparsity() == pytest.approx(run.nap.sparsity())
    pruned = pruning_over_seeds([run, run], naps, [0, 1], X, y, n_random=2)
    assert list(pruned) == ["none", "dead nodes", "sparse nodes (RNA < 0.2)",
                            "random nodes (same number)"]
    assert pruned["none"]["parameters"] == (20.0, 0.0)  # (6 + 3) + (6 + 2) + (2 + 1)
    assert pruned["dead nodes"]["parameters"] == (15.0, 0.0)  # the dead node takes 5 parameters
    assert pruned["dead nodes"]["auc"] == pytest.approx((1.0, 0.0))
    assert pruned["random nodes (same number)"]["parameters"] == (15.0, 0.0)


def test_pruning_table_and_costs():
    pruned = {"none": {"parameters": (100.0, 0.0), "auc": (0.9, 0.01)},
              "dead nodes": {"parameters": (80.0, 2.0), "auc": (0.9, 0.01)},
              "sparse": {"parameters": (50.4, np.nan), "auc": (0.85, np.nan)}}
    table = pruning_table(pruned)
    assert table.index.name == "nodes removed (no retraining)"
    assert table["parameters left"].tolist() == ["100 ± 0", "80 ± 2", "50"]
    assert table["test AUC"].tolist() == ["0.9000 ± 0.0100", "0.9000 ± 0.0100", "0.8500"]
    assert pruning_costs(pruned) == pytest.approx({"none": 0.0, "dead nodes": 0.0, "sparse": 0.05})


def test_architectures_to_train_keep_the_first_kind():
    archs = architectures_to_train((4, 2), [[3, 2], [2]], (2,), [[4, 2], [5]], (3, 2))
    assert archs == {(4, 2): "baseline", (3, 2): "retrained (Khot et al.)", (2,): "retrained",
                     (5,): "width scan"}
    assert list(archs) == [(4, 2), (3, 2), (2,), (5,)]
    assert architectures_to_train((4,), [], [3], [], (9,)) == {(4,): "baseline", (3,): "NAP-guided"}


def test_train_architectures_reuses_the_baseline(fake_training):
    trainer, calls = fake_training
    baseline = [fake_run(auc=0.5)]
    runs = train_architectures(trainer, {BASELINE: "baseline", (3, 2): "width scan"}, [0, 1], baseline)
    assert runs[BASELINE] == baseline
    assert len(runs[(3, 2)]) == 2
    assert [(c["seed"], c["hidden"]) for c in calls] == [(0, (3, 2)), (1, (3, 2))]


def results_of(aucs: dict[tuple, list[float]], params: dict[tuple, int]) -> pd.DataFrame:
    """:func:`architecture_table` of fake runs: the given AUCs per seed, sparsity 0.5."""
    runs = {h: [fake_run(auc=a, parameters=params[h], **{"sparsity (overall)": 0.5}) for a in v]
            for h, v in aucs.items()}
    paper = {"baseline": {"hidden": (8, 4), "parameters": 1234, "auc": 0.97, "sparsity (overall)": 0.7}}
    kinds = dict(zip(aucs, ["baseline", "width scan", "width scan"]))
    return architecture_table(runs, kinds, paper, "2 seeds")


def test_architecture_table_with_and_without_paper_values():
    results = results_of({(8, 4): [0.80, 0.90], (4,): [0.88, 0.88]}, {(8, 4): 200, (4,): 50})
    assert results["label"].tolist() == ["baseline", "width scan"]
    assert results["hidden"].tolist() == ["(8, 4)", "(4,)"]
    assert results["parameters"].tolist() == [200, 50]
    np.testing.assert_allclose(results["auc"], [0.85, 0.88])
    np.testing.assert_allclose(results["auc_std"], [np.sqrt(0.005), 0.0], atol=1e-12)
    assert results["AUC (2 seeds)"].tolist() == ["0.8500 ± 0.0707", "0.8800 ± 0.0000"]
    assert results["parameters (paper)"].tolist() == ["1,234", "—"]
    assert results["AUC (paper)"].tolist() == ["0.9700", "—"]
    assert results["sparsity (2 seeds)"].tolist() == ["0.500 ± 0.000"] * 2
    assert results["sparsity (paper)"].tolist() == ["0.700", "—"]


def test_best_and_smallest_and_scan_report():
    # baseline 0.85 +- 0.0707; (4,) 0.88 +- 0 is the best; (2,) 0.80 +- 0.1 is within
    # sqrt(0.1^2 + 0) = 0.1 of it and the smallest
    results = results_of({(8, 4): [0.80, 0.90], (4,): [0.88, 0.88], (2,): [0.70, 0.90]},
                         {(8, 4): 200, (4,): 50, (2,): 20})
    best, smallest = best_and_smallest(results)
    assert best["hidden"] == "(4,)" and smallest["hidden"] == "(2,)"
    assert scan_report(results).splitlines() == [
        "              (4,) (width scan):  25.0% of the parameters, AUC +0.0300 vs the baseline, "
        "sparsity 0.500 (baseline 0.500)",
        "              (2,) (width scan):  10.0% of the parameters, AUC -0.0500 vs the baseline, "
        "sparsity 0.500 (baseline 0.500)",
        "best AUC: (4,) (0.8800); smallest network within one seed spread of it: (2,), "
        "20 parameters (10.0% of the baseline)"]


def test_paper_scan_points():
    paper = {"baseline": {"hidden": (3,), "parameters": 10, "auc": 0.9, "sparsity (overall)": 0.7,
                          "sparsity (top)": 0.1}}
    assert paper_scan_points(paper) == {"baseline": {"parameters": 10, "auc": 0.9, "sparsity": 0.7}}


def test_plot_sparsity_curve_draws_the_table():
    curve = pd.DataFrame({"n_train": [100, 1000], "sparsity (overall)": [0.2, 0.4],
                          "sparsity (top)": [0.3, 0.5], "sparsity (QCD)": [0.1, 0.6]})
    fig = plot_sparsity_curve(curve, {"sparsity (overall)": 0.7, "sparsity (top)": 0.75}, 10000)
    lines = fig.axes[0].lines
    # overall: curve and paper point; top: curve and paper point; QCD: curve only; legend proxy
    np.testing.assert_allclose(lines[0].get_ydata(), [0.2, 0.4])
    assert lines[1].get_xdata()[0] == 10000 and lines[1].get_ydata()[0] == 0.7
    np.testing.assert_allclose(lines[2].get_ydata(), [0.3, 0.5])
    np.testing.assert_allclose(lines[4].get_ydata(), [0.1, 0.6])
    assert len(lines) == 6
    plt.close(fig)


def test_sequential_nap_sums_relu_outputs_exactly():
    from torch import nn

    from helpers.xai.nap import sequential_activation_stats, sequential_nap

    lin1, lin2 = nn.Linear(2, 2), nn.Linear(2, 1)
    with torch.no_grad():
        lin1.weight[:] = torch.tensor([[1.0, 0.0], [0.0, -1.0]])
        lin1.bias.zero_()
    net = nn.Sequential(lin1, nn.ReLU(), lin2)  # one hidden ReLU layer: relu(x0), relu(-x1)
    X = np.array([[1.0, 2.0], [3.0, -1.0], [-2.0, -4.0]], np.float32)
    stats = sequential_activation_stats(net, X, batch_size=2)  # two batches
    np.testing.assert_allclose(stats.sums[0], [4.0, 5.0])
    np.testing.assert_array_equal(stats.active[0], [2, 2])
    assert stats.n_jets == 3 and len(stats.sums) == 1
    nap = sequential_nap(net, X, np.array([1, 0, 0]), {1: "top", 0: "QCD"})
    np.testing.assert_allclose(nap.rna["top"][0], [1.0, 0.0])  # relu(-2) = 0
    np.testing.assert_allclose(nap.rna["QCD"][0], [3 / 5, 1.0])
    assert nap.sparsity()["top"] == 0.5 and nap.sparsity()["overall"] == 0.0
