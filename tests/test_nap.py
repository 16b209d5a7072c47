"""Neural activation patterns: RNA, sparsity, diagram data and pruning against hand-made answers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.models import TopoDNN, count_parameters, predict_logits  # noqa: E402
from helpers.plots.nap import (  # noqa: E402
    plot_activation_frequency,
    plot_layer_separability,
    plot_nap,
    plot_sparsity_vs_training,
    plot_width_scan,
)
from helpers.studies.nap import (  # noqa: E402
    active_widths,
    measure,
    pruning_study,
    random_keep,
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
