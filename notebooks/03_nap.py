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
import pandas as pd

from helpers import published
from helpers.data import load_task
from helpers.notebook import start_chapter
from helpers.plots.nap import (
    plot_activation_frequency,
    plot_layer_separability,
    plot_nap,
    plot_sparsity_curve,
    plot_width_scan,
)
from helpers.preprocessing import topodnn_features
from helpers.results import ChapterRecord, finding_verdict
from helpers.results.claims import spread_note
from helpers.studies.nap import (
    BASELINE,
    SPARSITY_KEYS,
    Trainer,
    active_widths,
    architecture_measurements,
    architecture_table,
    architectures_to_train,
    auc_vs_paper_claim,
    curve_frame,
    paper_networks,
    paper_scan_points,
    pathway_claim,
    probe_claims,
    probe_study,
    pruning_claims,
    pruning_measurements,
    pruning_over_seeds,
    pruning_table,
    reoptimisation_finding,
    run_measurements,
    scan_claim,
    scan_report,
    sparsity_claims,
    sparsity_curve_report,
    sparsity_curve_runs,
    sparsity_table,
    sparsity_trend_claim,
    train_architectures,
    validation_naps,
)

prof, settings, device, seeds = start_chapter("nap", profile, device, seed, data_source)
results = ChapterRecord("03_nap", prof, seeds, data_source, explains="sparsity-of-the-baseline")
results.claim("nap_spread", spread_note(len(seeds)))
N_SEEDS = f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''}"

# %% [markdown]
# ## The baseline TopoDNN
#
# The tagger is chapter 1's TopoDNN: the $(p_T, \eta, \phi)$ of the 30 leading constituents
# after the preprocessing of Pearkes et al. {cite}`Pearkes:2017hku`, four ReLU layers of
# (300, 102, 12, 6) nodes and one output logit. `train_topodnn` loads the networks chapter 1
# trained (same configuration, same cache entry) or trains them if this chapter runs alone.
# Activation patterns are measured on the test jets, as in the paper. Tables give means
# (± standard deviation) over the training seeds; every comparison the text states is decided
# with a spread, here {glue:md}`nap_spread:myst`, and is stated only where the difference
# exceeds it.

# %%
splits = load_task("top_qcd", prof, seed=seed, data_source=data_source, data_dir=data_dir)
train, val, test = splits["train"], splits["val"], splits["test"]
X_train, y_train = topodnn_features(train), train.labels
X_val, y_val = topodnn_features(val), val.labels
X_test, y_test = topodnn_features(test), test.labels
trainer = Trainer(train, val, X_test, y_test, prof, device)
baseline = trainer.train_and_measure(seeds)
base_m = run_measurements(baseline, X_test, y_test, seed=seed)  # with their spreads
print(f"baseline AUC on {len(y_test):,} test jets: {base_m['auc'].text('{:.4f}')}")

# %% [markdown]
# ## Sparsity of the baseline
#
# A node is sparse for a class when its RNA on that class is below 0.2. It counts as sparse
# *overall* when it is sparse for both classes — a node busy on either class is doing
# something — so the overall sparsity is never larger than the per-class values (this is
# also how the paper's code counts).

# %%
PAPER = paper_networks()  # Khot et al.'s baseline and re-optimised TopoDNN (helpers.published)
PAPER_N_TRAIN = published.value("khot.topodnn.n_train")

# %%
for key in SPARSITY_KEYS:
    results.record(f"nap_sparsity_{key}", base_m[f"sparsity ({key})"],
                   published=f"khot.topodnn.sparsity.{key}")
for key, sentence in sparsity_claims(base_m, PAPER["baseline"]).items():
    results.claim(key, sentence)
sparsity_table(baseline, PAPER["baseline"], N_SEEDS).style.hide(axis="index")

# %% [markdown]
# On our test jets, {glue:md}`nap_sparsity_vs_paper:myst`. {glue:md}`nap_class_sparsity:myst`.
#
# RNA is normalised to the *busiest* node of each layer, so sparsity measures how unevenly a
# layer's activity is shared among its nodes — a property of the trained network, not of
# the task alone. Our networks differ from the paper's in what they were trained on:
# particle-level jets without detector smearing (see {doc}`00_jets`), and far fewer of them
# than the benchmark's 1.2 million. The second difference can be checked directly: the
# sparsity of the baseline architecture trained on more and more jets
# ({numref}`fig-nap-sparsity-curve`) — the networks of chapter 1's learning curve (first
# seed), each trained for the same number of optimisation steps, so that only the amount of
# data changes.

# %%
curve_runs = sparsity_curve_runs(trainer, prof.chapter("topodnn")["learning_curve"], seeds[0])
curve = curve_frame(curve_runs)
results.claim("nap_sparsity_trend", sparsity_trend_claim(curve_runs, X_test, y_test, seed=seed))
print(sparsity_curve_report(curve))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Sparsity (share of hidden nodes with RNA < 0.2) of the baseline TopoDNN against the number of training jets (log scale), overall (black) and on top (red) and QCD (blue) test jets, for the first seed's networks of chapter 1's learning curve; hollow squares: Khot et al.'s values at the size of their training set.", "name": "fig-nap-sparsity-curve"}}
fig = plot_sparsity_curve(curve, PAPER["baseline"], PAPER_N_TRAIN)

# %% [markdown]
# Solid lines: our networks; hollow squares: the paper's values, at the size of its
# training set. If the lines climb towards the squares, much of the gap in sparsity is a
# matter of how much data the network was trained on; the order of the classes (QCD jets
# leave more nodes idle than top jets in the paper) can be compared at any size. On this
# profile, {glue:md}`nap_sparsity_trend:myst`.
#
# ## The NAP diagram
#
# The NAP diagram of {numref}`fig-nap-baseline` has one panel per hidden layer; each bar is
# one node, its RNA on top jets drawn upwards (red) and on QCD jets downwards (blue). Within
# a layer the active nodes come first, ordered from QCD-only through shared to top-only,
# followed by the sparse nodes (shaded).

# %% tags=["hide-input"] mystnb={"figure": {"caption": "NAP diagram of the baseline (300, 102, 12, 6) TopoDNN (first training seed, test jets): one panel per hidden layer, one bar per node, its RNA on top jets upwards (red) and on QCD jets downwards (blue); active nodes first (QCD-only, shared, top-only), then the sparse nodes (shaded, RNA < 0.2 for both classes; dotted lines at RNA = 0.2).", "name": "fig-nap-baseline"}}
fig = plot_nap(baseline[0].nap, f"NAP of the baseline TopoDNN {BASELINE} (seed {seeds[0]})")

# %%
layers = pd.DataFrame(baseline[0].nap.layer_table(),
                      index=[f"layer {k + 1}" for k in range(len(BASELINE))])
results.claim("nap_pathways", pathway_claim(base_m, len(BASELINE)))
layers.style.format({c: "{:.2f}" for c in layers.columns if c.startswith("sparse")})

# %% [markdown]
# The table counts what the diagram shows (same seed): per layer, the share of sparse nodes
# per class and overall, the nodes that never fire on any test jet (*dead*), and how the
# active nodes split into nodes shared by both classes and nodes used by one class only.
# Where most active nodes of a layer are class-exclusive, the two classes travel along
# separate pathways; where most are shared, the layer still computes features common to both
# classes. Reading down the "active in both" and "only" columns shows at which depth the
# pathways part — in the paper, by the third layer. Measured on the baseline's networks:
# {glue:md}`nap_pathways:myst`
#
# ## Where do the classes separate?
#
# The diagram shows pathways, not separation. A direct measure is a **linear probe**: a
# logistic regression trained on the activations of one layer (training jets) and scored by
# its AUC on the test jets. On the inputs it is a linear tagger on the constituents; on the
# last hidden layer it can do what the output node does, so it should come close to the
# network's AUC. A layer after which the probe no longer improves needs nothing but a
# linear read-out: the layers that follow are redundant.

# %%
probes = probe_study(baseline, X_train, y_train, X_test, y_test,
                     probe_jets=settings["probe_jets"], seed=seed)
separability = probes.separability
for key, sentence in probe_claims(probes.measurements, len(BASELINE)).items():
    results.claim(key, sentence)
print(separability.report())

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Left: test AUC of a linear probe (logistic regression) on the inputs and on each hidden layer's activations of the baseline TopoDNN, with the network's own AUC (dashed). Right: share of sparse nodes (RNA < 0.2) per hidden layer, overall (grey) and on top (red) and QCD (blue) jets. Both are means over training seeds.", "name": "fig-nap-separability"}}
fig = plot_layer_separability(separability.probe_auc, separability.labels,
                              separability.network_auc, separability.layer_sparsity)

# %% [markdown]
# {numref}`fig-nap-separability`, left: the linear separability of top and QCD jets at each
# depth (mean over seeds; the probe is trained on up to `probe_jets` training jets of the
# profile). Right: the share of sparse nodes per layer and class (mean over seeds).
#
# {glue:md}`nap_probe_ends:myst` {glue:md}`nap_probe_gains:myst` A layer whose gain is within the
# spread of zero, or negative, is redundant in exactly the paper's sense.
# {glue:md}`nap_redundant_layers:myst`
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
# first three cases apart ({numref}`fig-nap-frequency`):

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Activation frequency of the baseline TopoDNN's hidden nodes (first training seed, test jets). Left: number of nodes against the share of jets on which the node fires, stacked by layer. Right: each node's share of firing jets against its largest RNA over the two classes, coloured by layer (dotted line: RNA = 0.2).", "name": "fig-nap-frequency"}}
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
val_naps = validation_naps(baseline, X_val, y_val)  # chooses the nodes to remove
pruned = pruning_over_seeds(baseline, val_naps, seeds, X_test, y_test,
                            n_random=settings["random_prunings"])
pruning_table(pruned)

# %%
pruning = pruning_measurements(baseline, val_naps, seeds, X_test, y_test,
                               n_random=settings["random_prunings"], seed=seed)
for key, sentence in pruning_claims(pruning).items():
    results.claim(key, sentence)
for variant, change in pruning.items():
    print(f"test AUC change after removing the {variant}: {change.text('{:+.4f}')}")

# %% [markdown]
# {glue:md}`nap_pruning_dead:myst` Only nodes that were silent on the validation jets but fire on
# some test jets can make a difference there. The other two lines are the real test:
# {glue:md}`nap_pruning_sparse:myst` If a small RNA meant "unimportant", removing the sparse nodes
# would always cost less than removing as many nodes at random. Where it does not, the
# frequency plot above shows why it can fail: a sparse node that fires on a fair share of the
# jets, if weakly, passes on information its mean cannot replace, while the busy nodes of a
# wide layer can be near-copies of one another, so that losing some of them is cheap. RNA
# measures activity, not importance, and a pruning decision based on it must be checked. How
# small a network the task actually needs is a different question, answered by training
# smaller networks from scratch.
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
nap_guided = active_widths(val_naps)
architectures = architectures_to_train(BASELINE, settings["retrained"], nap_guided,
                                       settings["scan"], PAPER["re-optimised"]["hidden"])
runs = train_architectures(trainer, architectures, seeds, baseline)  # {widths: runs per seed}
print(f"NAP-guided widths: {nap_guided}")

# %%
arch_table = architecture_table(runs, architectures, PAPER, N_SEEDS)
(arch_table.drop(columns=["auc", "auc_std", "sparsity", "sparsity_std"]).set_index("hidden")
 .rename(columns={"label": "network"})
 .style.format({"parameters": "{:,}"}))

# %%
arch_m = architecture_measurements(runs, X_test, y_test, seed=seed)  # with their spreads
REOPT = tuple(PAPER["re-optimised"]["hidden"])  # Khot et al.'s re-optimised widths
for key, measured, fmt in (("parameters", "parameters", "{:,.0f}"), ("auc", "auc", "{:.4f}"),
                           ("sparsity", "sparsity (overall)", "{:.3f}")):
    results.record(f"nap_reoptimised_{key}", arch_m[REOPT][measured], fmt=fmt,
                   published=f"khot.topodnn_reoptimised.{key}" + (".overall" if key == "sparsity" else ""),
                   section="re-optimising-the-architecture")

# %%
signs, evidence = reoptimisation_finding(arch_m[BASELINE], arch_m[REOPT], REOPT)
results.finding("finding_sparsity_reoptimised", finding_verdict(signs), evidence)
results.claim("nap_auc_vs_paper", auc_vs_paper_claim(arch_m[BASELINE]["auc"], PAPER["baseline"]["auc"]))
results.claim("nap_scan", scan_claim(arch_m))
print(evidence)

# %% [markdown]
# The paper's numbers come from the Delphes benchmark with 1.2 million training jets; ours
# from particle-level jets and a much smaller training set, on which the TopoDNN is
# data-hungry (chapter 1's learning curve): {glue:md}`nap_auc_vs_paper:myst`. What carries over
# is the *comparison*: whether the smaller networks tag as well as the baseline, with the
# spread as the yardstick.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Test AUC (left) and overall sparsity (right, RNA < 0.2) against the number of trainable parameters (log scale) of every trained architecture, one marker per kind of network; error bars: spread over training seeds; hollow red squares: Khot et al.'s networks on the Delphes benchmark.", "name": "fig-nap-width-scan"}}
fig = plot_width_scan(arch_table, paper_scan_points(PAPER))

# %%
print(scan_report(arch_table))

# %% [markdown]
# {numref}`fig-nap-width-scan`, left: test AUC against the number of trainable parameters
# (error bars: spread over seeds, where there are several); right: the overall sparsity of
# the same networks. "Within one seed spread" above means an AUC no lower than the best
# network's by more than their combined seed-to-seed spread — with a few seeds a rough
# yardstick, but the one that matters to someone choosing a network. With the spread of this
# chapter instead,
# {glue:md}`nap_scan:myst`. The spread of a single architecture over seeds is informative in
# itself: narrow layers late in the network are where a dead node costs most (one of six is a
# sixth of the layer).
#
# The paper found its smaller network less sparse (0.584 against 0.705) at the same AUC: with
# fewer nodes to spare, a larger share of them has to work. On our jets,
# {glue:md}`finding_sparsity_reoptimised:myst`. The right panel shows the same across the scan. The
# NAP of the paper's re-optimised architecture, retrained on our jets
# ({numref}`fig-nap-retrained`):

# %% tags=["hide-input"] mystnb={"figure": {"caption": "NAP diagram of the paper's re-optimised TopoDNN architecture retrained on our jets (first training seed, test jets), drawn as in {numref}`fig-nap-baseline`: RNA on top jets upwards (red), on QCD jets downwards (blue), sparse nodes shaded.", "name": "fig-nap-retrained"}}
retrained = tuple(settings["retrained"][0])
fig = plot_nap(runs[retrained][0].nap,
               f"NAP of the retrained TopoDNN {retrained} (seed {seeds[0]})")

# %% [markdown]
# ## Summary
#
# - **RNA and the NAP diagram** are cheap — one forward pass over labelled jets — and show at a
#   glance how busy each layer is and whether the classes share nodes or use their own.
#   Sparsity is a property of a *trained* network: it depends on the training data and
#   length, which is one reason ours can differ from the paper's.
# - **Where the classes separate** is better measured than eyeballed: a linear probe per
#   layer shows how much each layer adds, and which layers are redundant.
# - **What RNA does not tell you**: a small RNA lumps dead nodes together with rare
#   specialists and with weak but common nodes; it is relative to the loudest node of the
#   layer and ignores the outgoing weights. The activation frequency separates the first
#   cases; removing nodes and re-measuring the AUC tests what they carried.
# - **Re-optimisation**: the scan shows how far the TopoDNN can shrink before it tags worse —
#   the NAP diagram is a qualitative guide to sizing a network, and retraining is the test.
#   In this run {glue:md}`nap_scan:myst`. For the paper's re-optimised architecture,
#   {glue:md}`finding_sparsity_reoptimised:myst`.

# %%
results.used_jets(test=len(y_test), train=len(y_train), val=len(y_val))
saved = results.save()

# %% [markdown]
# ## Exercises
#
# ```{exercise-start}
# :label: ex-nap-normalisation
# ```
# **Check your understanding.** Take one hidden node of a trained TopoDNN, multiply its
# incoming weights and its bias by a constant $c > 0$ and divide its outgoing weights by
# $c$. Does the network's output change? What happens to the node's RNA, to the RNA of the
# other nodes of its layer, and to the sparsity at the threshold 0.2, for large and for
# small $c$? What does the answer say about reading the sparsity as a property of the task,
# and which per-node statistics would not change?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-nap-normalisation
# :class: dropdown
# ```
# The ReLU is positively homogeneous, $\mathrm{ReLU}(c\,x) = c\,\mathrm{ReLU}(x)$ for
# $c > 0$: the node's activation becomes $c\,a_{jk}$, the next layer receives
# $(w/c)\,(c\,a_{jk}) = w\,a_{jk}$, and the output is unchanged for every jet — the same
# function, the same AUC. The node's summed activation, however, grows by $c$. For large
# $c$ it becomes the busiest node of its layer, the denominator of every RNA in that layer
# grows with it, and all its neighbours drift below 0.2: the layer turns almost entirely
# "sparse". For small $c$ the node itself becomes sparse; if it was the busiest, the
# next-busiest node sets the scale and the RNAs of all others grow. The sparsity at a fixed threshold is therefore not a function of what the network
# computes but of how the weights happen to be scaled among equivalent networks — a scale
# that the initialisation and the optimiser choose, not the physics. The exact zeros are
# safe: a dead node stays dead. Statistics that survive the rescaling are the share of jets
# on which a node fires (the chapter's frequency plot) and any measure of what a node passes
# on, such as $a_{jk}$ times the norm of its outgoing weights, or the relevance of
# chapter 2. The next exercise checks the argument numerically.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-nap-threshold
# ```
# **Compute.** The threshold 0.2 is a convention. From the chapter's NAPs (`runs` holds
# every trained architecture, `baseline` the baseline), recompute the sparsity at the
# thresholds 0.1, 0.2 and 0.3, overall and per class, and the share of sparse nodes per
# layer of the baseline. Does the order of the networks by sparsity depend on the
# threshold? Then test the previous exercise: rescale by $c = 10$ the first-layer node of
# the baseline that is busiest on both classes (the largest smaller one of its two RNAs)
# and measure the AUC and the sparsity again (`helpers.studies.nap.measure`).
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-nap-threshold
# :class: dropdown
# ```
# `NAP.sparsity` and `NAP.layer_table` take the threshold as an argument; no forward pass
# is needed for the first two tables, the NAPs already hold the summed activations.

# %%
THRESHOLDS = (0.1, 0.2, 0.3)
by_threshold = pd.DataFrame({(str(widths), f"{t:.1f}"): pd.DataFrame([r.nap.sparsity(t) for r in net]).mean()
                             for widths, net in runs.items() for t in THRESHOLDS}).T
by_threshold.rename_axis(["hidden widths", "threshold"]).style.format("{:.3f}")

# %%
per_layer = pd.DataFrame({f"threshold {t}": baseline[0].nap.layer_table(t)["sparse (overall)"]
                          for t in THRESHOLDS}, index=[f"layer {k + 1}" for k in range(len(BASELINE))])
per_layer.style.format("{:.2f}")

# %%
import copy

import numpy as np
import torch

from helpers.studies.nap import measure

C = 10.0
scaled = copy.deepcopy(baseline[0].model)
busiest = int(np.argmax(np.minimum(*(r[0] for r in baseline[0].nap.rna.values()))))
with torch.no_grad():
    scaled.linears[0].weight[busiest] *= C
    scaled.linears[0].bias[busiest] *= C
    scaled.linears[1].weight[:, busiest] /= C
for name, m in (("as trained", baseline[0]), (f"node {busiest} × {C:g}", measure(scaled, X_test, y_test))):
    print(f"{name:>16}: AUC {m.metrics['auc']:.4f}, sparsity {m.metrics['sparsity (overall)']:.3f}, "
          f"layer 1 {m.nap.layer_table()['sparse (overall)'][0]:.3f}")

# %% [markdown]
# Read the first table along each network: the sparsity grows with the threshold, and
# how fast tells how many nodes sit just above or below 0.2 — a crowded region makes the
# 0.2 value fragile. Where two networks swap places between thresholds, their difference
# in sparsity at 0.2 is not a robust statement. The rescaled network has the AUC of the
# original to rounding precision. Once the rescaled node dominates its layer on a class,
# every other node whose summed activity on that class was below twice the rescaled
# node's falls below 0.2: the first layer, and with it the overall sparsity, becomes
# sparser — the same function, a different NAP.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-nap-misclassified
# ```
# **Extension.** Do misclassified jets travel along the pathway of the other class? Build
# the activation patterns of the misclassified top jets and QCD jets of the baseline and
# compare them, layer by layer, with those of the correctly classified jets of both
# classes. Why is comparing their RNA the wrong way to do it, and what would you compare
# instead? Which physical property of the misclassified top jets would you look at next?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-nap-misclassified
# :class: dropdown
# ```
# `neural_activation_pattern` accepts any grouping of the jets: give it four groups
# (class × correct or not). RNA is normalised within each group to its own busiest node,
# and the groups differ in size, so two groups' RNAs are not on one scale; compare instead
# the mean activation vectors of a layer (`ActivationStats.mean`), for example by where a
# group's mean lies along the line from the mean of the correctly classified QCD jets (0)
# to that of the correctly classified top jets (1). "Misclassified" needs a cut on the output, and the output of a network
# trained on few jets need not be a calibrated probability, so the start below cuts at the
# median score of the test jets rather than at 0.5:

# %%
import numpy as np

from helpers.models import predict_proba
from helpers.xai.nap import neural_activation_pattern

model0 = baseline[0].model
score = predict_proba(model0, X_test)
cut = np.median(score)  # the test jets are balanced: half of them are called top
wrong = (score > cut) != (y_test == 1)
group = 2 * wrong.astype(int) + y_test.astype(int)
GROUPS = {0: "QCD, correct", 1: "top, correct", 2: "QCD, misclassified", 3: "top, misclassified"}
by_group = neural_activation_pattern(model0, X_test, group, GROUPS)
print(f"cut at score {cut:.3f}:", {name: int((group == g).sum()) for g, name in GROUPS.items()})

# %%
mean = {name: s.mean for name, s in by_group.stats.items()}
position = {}
for k in range(len(BASELINE)):
    qcd, axis = mean["QCD, correct"][k], mean["top, correct"][k] - mean["QCD, correct"][k]
    position[f"layer {k + 1}"] = {name: float((m[k] - qcd) @ axis / max(axis @ axis, 1e-12))
                                  for name, m in mean.items()}
pd.DataFrame(position).rename_axis("0: QCD pattern, 1: top pattern").style.format("{:.2f}")

# %% [markdown]
# The rows of the correctly classified jets are 0 and 1 by construction. If, in the last
# layers, the misclassified top jets sit nearer 0 than 1, the network routes them along the
# QCD pathway: to the network they *are* QCD-like; a value that moves towards 0 from layer
# to layer shows where the decision is taken. The position is a projection on one
# direction only, so a group can also differ from both classes in directions it ignores. The natural next look is at their jet mass and
# $\tau_{32}$ (`helpers.physics.observables.compute_observables` on
# `test.subset(group == 3)`): top jets whose b quark fell outside the cone sit at the W
# mass (chapter 0's exercise). Two cautions for a real study: the misclassified groups
# are small, so bootstrap the positions over the jets, and choose the jets on the
# validation split if the patterns are later used to modify the network. Look also at the
# lowest scores: jets for which every node of the last hidden layer is off all receive the
# same output, the output node's bias — a pathway that carries nothing at all.
# ```{solution-end}
# ```
