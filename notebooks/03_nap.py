# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Neural activation patterns
#
# The attribution methods of chapters 1 and 2 answer *which inputs* drive the tagger's
# decision. They say nothing about what happens in between: how the four hidden layers of
# the TopoDNN pass the information on, whether every node takes part, and whether a network
# that size is needed at all. Khot, Neubauer and Roy {cite}`Khot:2023` look inside with a
# simple statistic. For node $j$ of hidden layer $k$ and the jets $s_i$ of one class
# $\mathcal{S}$ (top or QCD), the **relative neural activity** is
#
# $$
# \mathrm{RNA}(j, k; \mathcal{S}) = \frac{\sum_i a_{jk}(s_i)}{\max_{j'} \sum_i a_{j'k}(s_i)},
# $$
#
# where $a_{jk} \geq 0$ is the node's output after the ReLU. The busiest node of a layer has
# RNA 1, a node that never fires on that class has RNA 0. Drawing the RNA of every node for
# both classes — top upwards, QCD downwards — gives the **neural activation pattern (NAP)
# diagram**. A node is called *sparse* when its RNA is below 0.2, and the **sparsity** of the
# network is the fraction of its hidden nodes that are sparse.
#
# On the top-tagging benchmark the study found the (300, 102, 12, 6) TopoDNN very sparse
# (70 % of its nodes), its two classes travelling along separate pathways by the third
# hidden layer, and the fourth layer redundant; a network retrained with (120, 40, 6) hidden
# nodes — a quarter of the parameters — tagged as well. This chapter measures the same
# things on our jets, asks what RNA can and cannot tell, and retrains smaller networks to
# test the claim.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import numpy as np
import pandas as pd

from helpers.data import load_task
from helpers.metrics import aggregate, format_mean_std
from helpers.notebook import start_chapter
from helpers.plots.nap import (
    plot_activation_frequency,
    plot_layer_separability,
    plot_nap,
    plot_sparsity_vs_training,
    plot_width_scan,
)
from helpers.preprocessing import topodnn_features
from helpers.studies.learning_curve import epochs_for_size, usable_sizes
from helpers.studies.nap import CLASS_NAMES, active_widths, measure, pruning_study, within_spread
from helpers.training.recipes import TOPODNN_DEFAULTS, topodnn_config, train_topodnn
from helpers.xai.nap import hidden_activations, neural_activation_pattern
from helpers.xai.probing import layer_probe_auc

prof, cfg, device, seeds = start_chapter("nap", profile, device, seed, data_source)
BASELINE = tuple(TOPODNN_DEFAULTS["hidden"])
CLASSES = ("overall", "top", "QCD")
N_SEEDS = f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''}"

# %% [markdown]
# ## The baseline TopoDNN
#
# The tagger is chapter 1's TopoDNN: the $(p_T, \eta, \phi)$ of the 30 leading constituents
# after the preprocessing of Pearkes et al. {cite}`Pearkes:2017hku`, four ReLU layers of
# (300, 102, 12, 6) nodes and one output logit. `train_topodnn` loads the networks chapter 1
# trained (same configuration, same cache entry) or trains them if this chapter runs alone.
# Numbers are means (± standard deviation) over the training seeds; activation patterns are
# measured on the test jets, as in the paper.

# %%
splits = load_task("top_qcd", prof, seed=seed, data_source=data_source, data_dir=data_dir)
train, val, test = splits["train"], splits["val"], splits["test"]
X_train, y_train = topodnn_features(train), train.labels
X_val, y_val = topodnn_features(val), val.labels
X_test, y_test = topodnn_features(test), test.labels


def train_and_measure(hidden: tuple[int, ...], seeds: list[int] = seeds,
                      n_train: int | None = None, **overrides) -> list:
    """One trained (or cached) TopoDNN per seed, measured on the test jets."""
    extra = overrides if hidden == BASELINE else {"hidden": hidden, **overrides}
    return [measure(train_topodnn(train, val, prof, s, device, n_train=n_train, **extra)[0],
                    X_test, y_test) for s in seeds]


def mean_std(runs: list, key: str, decimals: int = 3) -> str:
    return format_mean_std(*aggregate([r.metrics for r in runs])[key], decimals=decimals)


baseline = train_and_measure(BASELINE)
print(f"baseline AUC on {len(y_test):,} test jets: {mean_std(baseline, 'auc', 4)}")

# %% [markdown]
# ## Sparsity of the baseline
#
# A node is sparse for a class when its RNA on that class is below 0.2. It counts as sparse
# *overall* when it is sparse for both classes — a node busy on either class is doing
# something — so the overall sparsity is never larger than the per-class values (this is
# also how the paper's code counts).

# %%
PAPER = {  # Khot, Neubauer & Roy, arXiv:2210.04371 (TopoDNN on the top-tagging benchmark)
    "baseline": {"hidden": (300, 102, 12, 6), "parameters": 59323, "auc": 0.9712,
                 "sparsity (overall)": 0.705, "sparsity (top)": 0.757, "sparsity (QCD)": 0.857},
    "re-optimised": {"hidden": (120, 40, 6), "parameters": 16013, "auc": 0.9720,
                     "sparsity (overall)": 0.584},
}
PAPER_N_TRAIN = 1_200_000  # training jets of the benchmark
pd.DataFrame({
    "sparsity": [f"{k}" if k == "overall" else f"{k} jets" for k in CLASSES],
    f"this book ({N_SEEDS})": [mean_std(baseline, f"sparsity ({k})") for k in CLASSES],
    "Khot et al.": [f"{PAPER['baseline'][f'sparsity ({k})']:.3f}" for k in CLASSES],
}).style.hide(axis="index")

# %% [markdown]
# RNA is normalised to the *busiest* node of each layer, so sparsity measures how unevenly a
# layer's activity is shared among its nodes — a property of the trained network, not of
# the task alone. Our networks differ from the paper's in what they were trained on:
# particle-level jets without detector smearing (see {doc}`00_jets`), and far fewer of them
# than the benchmark's 1.2 million. The second difference can be checked directly: the
# sparsity of the baseline architecture trained on more and more jets — the networks of
# chapter 1's learning curve (first seed), each trained for the same number of optimisation
# steps, so that only the amount of data changes.

# %%
n_curve = usable_sizes(prof.chapter("topodnn")["learning_curve"], len(y_train))
max_epochs = topodnn_config(prof, seeds[0])["max_epochs"]
curve = [train_and_measure(BASELINE, seeds[:1], n,
                           max_epochs=epochs_for_size(n, len(y_train), max_epochs))[0]
         for n in n_curve]
fig = plot_sparsity_vs_training(
    n_curve, {k: [r.metrics[f"sparsity ({k})"] for r in curve] for k in CLASSES},
    {k: PAPER["baseline"][f"sparsity ({k})"] for k in CLASSES}, PAPER_N_TRAIN)
for n, r in zip(n_curve, curve):
    print(f"{n:>8,} training jets: AUC {r.metrics['auc']:.4f}, "
          + ", ".join(f"sparsity ({k}) {r.metrics[f'sparsity ({k})']:.3f}" for k in CLASSES))

# %% [markdown]
# Solid lines: our networks; hollow squares: the paper's values, at the size of its
# training set. If the lines climb towards the squares, much of the gap in sparsity is a
# matter of how much data the network was trained on; the order of the classes (QCD jets
# leave more nodes idle than top jets in the paper) can be compared at any size.
#
# ## The NAP diagram
#
# One panel per hidden layer; each bar is one node, its RNA on top jets drawn upwards (red)
# and on QCD jets downwards (blue). Within a layer the active nodes come first, ordered from
# QCD-only through shared to top-only, followed by the sparse nodes (shaded).

# %%
fig = plot_nap(baseline[0].nap, f"NAP of the baseline TopoDNN {BASELINE} (seed {seeds[0]})")

# %%
layers = pd.DataFrame(baseline[0].nap.layer_table(),
                      index=[f"layer {k + 1}" for k in range(len(BASELINE))])
layers.style.format({c: "{:.2f}" for c in layers.columns if c.startswith("sparse")})

# %% [markdown]
# The table counts what the diagram shows (same seed): per layer, the share of sparse nodes
# per class and overall, the nodes that never fire on any test jet (*dead*), and how the
# active nodes split into nodes shared by both classes and nodes used by one class only.
# Where most active nodes of a layer are class-exclusive, the two classes travel along
# separate pathways; where most are shared, the layer still computes features common to both
# classes. Reading down the "active in both" and "only" columns shows at which depth the
# pathways part — in the paper, by the third layer.
#
# ## Where do the classes separate?
#
# The diagram shows pathways, not separation. A direct measure is a **linear probe**: a
# logistic regression trained on the activations of one layer (training jets) and scored by
# its AUC on the test jets. On the inputs it is a linear tagger on the constituents; on the
# last hidden layer it can do what the output node does, so it should reproduce the
# network's AUC. A layer after which the probe no longer improves needs nothing but a
# linear read-out: the layers that follow are redundant.

# %%
n_probe = min(cfg["probe_jets"], len(y_train))
probe = np.array([
    layer_probe_auc([X_train[:n_probe], *hidden_activations(r.model, X_train[:n_probe])],
                    y_train[:n_probe], [X_test, *hidden_activations(r.model, X_test)], y_test)
    for r in baseline]).mean(axis=0)
labels = ["inputs", *[f"layer {k + 1}" for k in range(len(BASELINE))]]
network_auc = aggregate([r.metrics for r in baseline])["auc"][0]
layer_sparsity = {k: np.mean([r.nap.layer_table()[f"sparse ({k})"] for r in baseline], axis=0)
                  for k in CLASSES}
fig = plot_layer_separability(probe, labels, network_auc, layer_sparsity)
print(f"network output: AUC {network_auc:.4f}")
for k in range(1, len(probe)):
    print(f"linear probe on {labels[k]}: AUC {probe[k]:.4f} "
          f"({probe[k] - probe[k - 1]:+.4f} over {labels[k - 1]})")

# %% [markdown]
# Left: the linear separability of top and QCD jets at each depth (mean over seeds; the
# probe is trained on up to `probe_jets` training jets of the profile). The constituents
# themselves are far from linearly separable, and the first hidden layer does most of the
# untangling. The printed increments say how much each further layer adds; where they are
# at the level of the seed-to-seed spread of the AUC, or negative, the layer is redundant in
# exactly the paper's sense. Right: the share of sparse nodes per layer and class (mean over
# seeds).
#
# ## What RNA does not tell you
#
# RNA is a **sum** of activations, normalised to the loudest node of the layer. Several
# different things hide behind the same small RNA:
#
# - a **dead** node, whose pre-activation is negative for every jet: it never fires, gets no
#   gradient and never recovers (a "dying ReLU");
# - a node that fires on **few jets but strongly** — possibly a specialist for a rare but
#   distinctive configuration;
# - a node that fires on **many jets but weakly**.
#
# Nor does RNA say what a node *does* to the output: that is its activation times its
# outgoing weights, which RNA ignores (relevance methods such as LRP, chapter 2, follow
# exactly that). And because every layer is normalised to its own loudest node, one very loud
# node makes all its neighbours look sparse. The share of jets on which a node fires — one
# minus the "average percentage of zeros" used to prune networks {cite}`Hu:2016` — tells the
# first three cases apart:

# %%
fig = plot_activation_frequency(baseline[0].nap)

# %% [markdown]
# Left: how many nodes fire on which share of the test jets; right: each node's share of
# firing jets against its largest RNA over the two classes. Dead nodes sit at zero on both
# axes. Below the dotted line are the sparse nodes: their position along the horizontal axis
# says whether they are dead, rare or weak-but-common — the diagram above cannot.
#
# ### Does a sparse node matter? Remove it and see
#
# The direct test of what the sparse nodes carry: remove them from the trained network,
# without retraining, replacing each by its mean activation (folded into the next layer's
# bias, as occlusion replaces an input by its mean). To avoid choosing and scoring on the same
# jets, the nodes to remove are chosen from the NAP on the *validation* jets and the AUC is
# measured on the test jets. As a reference, the same number of nodes per layer is removed
# at random (`random_prunings` draws per seed, from all nodes of the layer).

# %%
studies = [pruning_study(r.model, neural_activation_pattern(r.model, X_val, y_val, CLASS_NAMES), X_test,
                         y_test, n_random=cfg["random_prunings"], seed=s)
           for r, s in zip(baseline, seeds)]
pruned = {name: aggregate([s[name] for s in studies]) for name in studies[0]}
pd.DataFrame({name: {"parameters left": format_mean_std(*a["parameters"], decimals=0),
                     "test AUC": format_mean_std(*a["auc"], decimals=4)}
              for name, a in pruned.items()}).T.rename_axis("nodes removed (no retraining)")

# %%
cost = {name: pruned["none"]["auc"][0] - a["auc"][0] for name, a in pruned.items()}
sparse_key, random_key = list(pruned)[2:]
print(f"AUC lost by removing the dead nodes:   {cost['dead nodes']:+.4f}")
print(f"AUC lost by removing the sparse nodes: {cost[sparse_key]:+.4f}")
print(f"AUC lost by removing as many at random: {cost[random_key]:+.4f}")
print("-> the sparse nodes matter", "less" if cost[sparse_key] < cost[random_key] else "more",
      "than randomly chosen ones")

# %% [markdown]
# Removing the dead nodes costs nothing, up to nodes that were silent on the validation jets
# but fire on a few test jets. The other two lines are the real test. If a small RNA meant
# "unimportant", removing the sparse nodes would cost less than removing as many nodes at
# random. Where it costs more, the frequency plot above shows why it can: a sparse node that
# fires on a fair share of the jets, if weakly, passes on information its mean cannot
# replace, while the busy nodes of a wide layer can be near-copies of one another, so that
# losing some of them is cheap. Either way, **RNA measures activity, not importance**, and a
# pruning decision based on it must be checked. How small a network the task actually needs
# is a different question, answered by training smaller networks from scratch.
#
# ## Re-optimising the architecture
#
# Khot et al. read the diagram as a design hint: keep fewer nodes, drop the redundant fourth
# layer, and retrain. Their (120, 40, 6) network has 16,013 parameters instead of 59,323
# and the same AUC. We retrain that architecture, and one read off our own NAPs
# mechanically: as many nodes per layer as were active (not sparse) in the baseline on the
# validation jets, averaged over seeds and rounded up. A small scan of widths and depths from
# the profile completes the picture. Every network is trained with the baseline's recipe,
# once per seed.

# %%
nap_guided = active_widths([neural_activation_pattern(r.model, X_val, y_val, CLASS_NAMES)
                            for r in baseline])
architectures = {BASELINE: "baseline"}  # hidden widths -> kind; the first kind listed wins
for kind, widths in [*[("retrained (Khot et al.)" if tuple(h) == PAPER["re-optimised"]["hidden"]
                       else "retrained", h) for h in cfg["retrained"]],
                     ("NAP-guided", nap_guided), *[("width scan", h) for h in cfg["scan"]]]:
    architectures.setdefault(tuple(widths), kind)
runs = {h: baseline if h == BASELINE else train_and_measure(h) for h in architectures}
print(f"NAP-guided widths: {nap_guided}")


# %%
def summary_row(hidden: tuple[int, ...], kind: str) -> dict:
    agg = aggregate([r.metrics for r in runs[hidden]])
    paper = next((p for p in PAPER.values() if p["hidden"] == hidden), {})
    return {"label": kind, "hidden": str(hidden), "parameters": int(agg["parameters"][0]),
            "auc": agg["auc"][0], "auc_std": agg["auc"][1],
            "sparsity": agg["sparsity (overall)"][0], "sparsity_std": agg["sparsity (overall)"][1],
            "parameters (paper)": f"{paper['parameters']:,}" if paper else "—",
            f"AUC ({N_SEEDS})": mean_std(runs[hidden], "auc", 4),
            "AUC (paper)": f"{paper['auc']:.4f}" if paper else "—",
            f"sparsity ({N_SEEDS})": mean_std(runs[hidden], "sparsity (overall)"),
            "sparsity (paper)": f"{paper['sparsity (overall)']:.3f}" if paper else "—"}


results = pd.DataFrame([summary_row(h, kind) for h, kind in architectures.items()])
(results.drop(columns=["auc", "auc_std", "sparsity", "sparsity_std"]).set_index("hidden")
 .rename(columns={"label": "network"})
 .style.format({"parameters": "{:,}"}))

# %% [markdown]
# The paper's numbers come from the Delphes benchmark with 1.2 million training jets; ours
# from particle-level jets and a much smaller training set, on which the TopoDNN is
# data-hungry (chapter 1's learning curve), so our AUCs sit below the paper's. What carries
# over is the *comparison*: whether the smaller networks tag as well as the baseline, with the
# spread over seeds as the yardstick.

# %%
fig = plot_width_scan(results, {name: {"parameters": p["parameters"], "auc": p["auc"],
                                       "sparsity": p["sparsity (overall)"]}
                                for name, p in PAPER.items()})

# %%
base, best = results.iloc[0], results.loc[results["auc"].idxmax()]  # baseline comes first
for _, row in results.iloc[1:].iterrows():
    print(f"{row['hidden']:>18} ({row['label']}): {row['parameters'] / base['parameters']:6.1%} "
          f"of the parameters, AUC {row['auc'] - base['auc']:+.4f} vs the baseline, "
          f"sparsity {row['sparsity']:.3f} (baseline {base['sparsity']:.3f})")
good = results[within_spread(results["auc"], results["auc_std"], best["auc"], best["auc_std"])]
smallest = good.loc[good["parameters"].idxmin()]
print(f"best AUC: {best['hidden']} ({best['auc']:.4f}); smallest network within one seed spread "
      f"of it: {smallest['hidden']}, {smallest['parameters']:,} parameters "
      f"({smallest['parameters'] / base['parameters']:.1%} of the baseline)")

# %% [markdown]
# Left: test AUC against the number of trainable parameters (error bars: spread over seeds);
# right: the overall sparsity of the same networks. "Within one seed spread" above means an
# AUC no lower than the best network's by more than their combined seed-to-seed spread —
# with a few seeds a rough yardstick, but the one that matters to someone choosing a
# network. A large spread of the baseline itself is a finding too: narrow layers late in the
# network are where a dead node costs most (one of six is a sixth of the layer). The
# paper found its smaller network less sparse (0.584 against 0.705): with fewer nodes to
# spare, a larger share of them has to work. The right panel tests that across the scan;
# note how much the sparsity of one architecture varies from seed to seed. The NAP of the
# paper's re-optimised architecture, retrained on our jets:

# %%
retrained = tuple(cfg["retrained"][0])
fig = plot_nap(runs[retrained][0].nap,
               f"NAP of the retrained TopoDNN {retrained} (seed {seeds[0]})")

# %% [markdown]
# ## Summary
#
# - **RNA and the NAP diagram** are cheap — one forward pass over labelled jets — and show at a
#   glance how busy each layer is and whether the classes share nodes or use their own.
#   Sparsity is a property of a *trained* network: it depends on the training data and
#   length, which is one reason ours differs from the paper's.
# - **Where the classes separate** is better measured than eyeballed: a linear probe per
#   layer shows how much each layer adds, and which layers are redundant.
# - **What RNA does not tell you**: a small RNA lumps dead nodes together with rare
#   specialists and with weak but common nodes; it is relative to the loudest node of the
#   layer and ignores the outgoing weights. The activation frequency separates the first
#   cases; removing nodes and re-measuring the AUC tests what they carried.
# - **Re-optimisation**: the scan shows how far the TopoDNN can shrink before it tags worse —
#   the NAP diagram is a qualitative guide to sizing a network, and retraining is the test.
