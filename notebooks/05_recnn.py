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
# # 5. Recursive networks on clustering trees
#
# The taggers of chapters 1–4 read a jet as a list of particles. A jet algorithm, however,
# builds a **tree**: Cambridge/Aachen (C/A) merges the two closest particles, then the two
# closest of what is left, and so on until one object remains. Read from the root down, this
# tree is the jet's history of splittings — a hard two-body decay near the top, a cascade of
# soft and collinear emissions further down. Louppe, Cho, Becot and Cranmer
# {cite}`Louppe:2017ipp` built a **recursive neural network (RecNN)** that follows that tree,
# and Cheng {cite}`Cheng:2019` opened it up on three tagging tasks: W bosons against QCD jets,
# top quarks against QCD jets, and quark against gluon jets. This chapter reproduces and
# extends the three questions of that study:
#
# 1. **Linear probing** — which classic jet observables can be read *linearly* from the
#    70-dimensional jet embedding the network learns?
# 2. **Transferability** — does an embedding learned on one task serve another?
# 3. **Saliency on the Lund plane** — which splittings does the network's output depend on?
#
# All three tasks use **the same jet definition**: anti-$k_t$ jets with $R = 0.8$,
# $p_T \in [550, 650]$ GeV and $|\eta| < 2$, generated at particle level (Pythia 8, no
# detector simulation; see {doc}`../book/data`). Cheng used Pythia 8 with a Delphes detector
# simulation and $p_T \in [500, 700]$ GeV. W jets come from a heavy W′ decaying to WZ, top
# jets from $t\bar t$, QCD jets from hard 2 → 2 scattering (the same QCD jets in both QCD
# tasks), and quark and gluon jets from Z + jet events.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import time

import matplotlib.pyplot as plt

from helpers.data import TASKS
from helpers.notebook import start_chapter
from helpers.plots import lund as lplots
from helpers.plots import recnn as rplots
from helpers.plots import transfer as tplots
from helpers.plots.performance import roc_curves
from helpers.results import ChapterRecord
from helpers.studies import architectures, lund, recnn, shortcut, transfer
from helpers.training.recipes import recnn_config

prof, settings, device, seeds = start_chapter("recnn", profile, device, seed, data_source)
results = ChapterRecord("05_recnn", prof, seeds, data_source, explains="recnn-differences")

# %% [markdown]
# ## Jets and their clustering trees
#
# Each task is balanced and split into training, validation and test jets. To compare tasks
# on an equal footing, every task uses the same number of jets per split (the profile's
# `max_jets`). With `data_source="benchmark"`, the top/QCD jets come from the original
# benchmark files {cite}`Kasieczka:2019dbj`; W and quark/gluon jets are always generated.
#
# **Matched spectra.** Chapter 0 measured a kinematic shortcut: the W′ puts the W jets'
# $p_T$ spectrum on a slope that the QCD spectrum does not share, so the jet $p_T$ alone
# separates W from QCD jets. The RecNN reads the absolute $p$, $E$, $p_T$ and $\eta$ of every
# node, so it could learn the spectrum instead of the substructure. This chapter therefore
# trains, evaluates, probes, transfers and explains on **matched** jets: in every split of
# every task, each bin of (jet $p_T$, $|\eta|$) keeps as many jets of each class as the rarer
# class has there (`helpers.data.matching`), and every task is then cut to the same number
# of jets per split. {glue:md}`matching_kept:myst` The section "What the spectrum was worth"
# repeats the key numbers on the unmatched jets.
#
# Every jet is reclustered with C/A (`helpers.physics.trees`). The tree has one **leaf** per
# constituent and one **inner node** per merging, whose four-momentum is the sum of its two
# children; the harder child (higher $p_T$) is stored first. The trees are cached on disk, so
# later runs skip the clustering.

# %%
start = time.perf_counter()
splits, tasks = recnn.load_tasks(prof, seed, data_dir, data_source, settings["max_jets"])
print(f"loading + trees for all tasks: {time.perf_counter() - start:.0f} s")
results.claim("matching_kept", shortcut.kept_claim(splits, tasks, settings["max_jets"]))
recnn.tree_table(tasks).style.format("{:.0f}").format({"nodes per jet": "{:.1f}"})

# %% [markdown]
# **Level batching.** Evaluating a tree node by node in Python is slow: a jet has over a
# hundred nodes. Instead, the nodes of a whole mini-batch are sorted by their *height* above
# the leaves (a leaf has height 0, a node whose children are leaves height 1, ...). All nodes
# of one height can be computed together, because their children are all lower: one matrix
# multiply per level, from the leaves up to the roots. The left panel of
# {numref}`fig-recnn-trees` shows how tall the trees are; the right panel shows how many
# nodes each level of one mini-batch of 64 jets holds: a wide base and a long thin tail up to
# the tallest tree.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Left: height of the C/A clustering tree of the training jets per class, normalised to unit area. Right: number of nodes per level (height above the leaves, log scale) in a mini-batch of the first 64 training jets of each task.", "name": "fig-recnn-trees"}}
fig = rplots.tree_shapes(recnn.root_heights(tasks), recnn.level_sizes(tasks, n_jets=64))

# %% [markdown]
# ## The network
#
# Following Louppe et al. and Cheng, each node $k$ carries seven features computed from its
# four-momentum: $(p, \eta, \phi, E, E/E_\mathrm{jet}, p_T, \theta = 2\arctan e^{-\eta})$,
# standardised with the mean and spread of all *training* nodes of the task. The RecNN maps
# them to $u_k = \mathrm{ReLU}(W_u x_k + b_u)$; a leaf's embedding is $h_k = u_k$, an inner
# node's
#
# $$ h_k = \mathrm{ReLU}\left(W_h\,[h_\mathrm{L};\, h_\mathrm{R};\, u_k] + b_h\right), $$
#
# with L the harder child. The root embedding $h_J$ (70 numbers) is the **jet embedding**;
# a head Dense(70) → Dense(70) → sigmoid turns it into a probability. The same two weight
# matrices are used at every node of every tree. One network is trained per task and
# training seed (Adam, binary cross-entropy, early stopping on the validation loss); trained
# models are cached under a hash of their configuration and data.

# %%
cfg = recnn_config(prof, seed)
print({k: cfg[k] for k in ("embed_dim", "hidden", "lr", "batch_size", "max_epochs", "patience")})
models, preds, histories = recnn.train_all(tasks, prof, seeds, device)

# %% [markdown]
# How does it compare? The reference is a gradient-boosted decision tree on the jet mass,
# the N-subjettiness $\tau_{1,2,3}$ {cite}`Thaler:2010tr` and their ratios, and the
# constituent multiplicity (`helpers.studies.baselines`): on particle-level jets these observables
# are sharp, and the baseline is strong. The paper's column is the RecNN AUC of Cheng's
# Table 2 (their Delphes jets, $p_T \in [500, 700]$ GeV).

# %%
CHENG_AUC = recnn.cheng_auc()  # Cheng's RecNN AUC per task (helpers.published)
obs = recnn.task_observables(tasks)
perf = recnn.tagging_performance(tasks, preds, obs, seeds, seed)
recnn_auc, bdt_auc = recnn.recnn_aucs(tasks, preds, seeds), recnn.bdt_aucs(tasks, perf)
for t in tasks:
    results.record(f"recnn_auc_{t}", recnn_auc[t], published=f"cheng.auc.{t}")
for key, sentence in recnn.performance_claims(recnn_auc, bdt_auc).items():
    results.claim(key, sentence)
recnn.auc_table(perf, CHENG_AUC, histories, seeds)

# %% [markdown]
# The ROC curves of one RecNN per task against the baseline, as background rejection
# $1/\varepsilon_B$ versus signal efficiency $\varepsilon_S$ ({numref}`fig-recnn-roc`):

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Background rejection $1/\\varepsilon_B$ (log scale) against the signal efficiency $\\varepsilon_S$ on the test jets of each task, for the first training seed's RecNN (black) and the boosted decision trees on jet observables (orange).", "name": "fig-recnn-roc"}}
fig, axes = plt.subplots(1, 3, figsize=(20, 5.5))
for ax, (t, task) in zip(axes, tasks.items()):
    y, recnn_label = task.labels("test"), f"RecNN (seed {seeds[0]})"
    roc_curves(ax, {recnn_label: [(y, preds[t, seeds[0]]["test"]["logit"])],
                    "BDT on observables": [(y, perf.bdt_scores[t])]}, TASKS[t].class_names,
               min_eps_s=0.0, colors={recnn_label: "black", "BDT on observables": "tab:orange"})
    ax.set_title(TASKS[t].title)
fig.tight_layout()

# %% [markdown]
# (recnn-differences)=
# **Reading the table.** {glue:md}`recnn_vs_bdt:myst` (Spreads are over the training seeds, or
# from a bootstrap over the test jets where a profile trains one seed.) Three differences
# from Cheng's set-up move the AUCs. Our jets have no detector simulation, so their
# substructure is sharper, which should help a BDT on substructure observables most. Our $p_T$
# window is narrower. And the `ci` and `standard` profiles train on far fewer jets, for fewer
# epochs, than the papers (sizes and epochs are printed above; the `full` profile is
# paper-scale). Quark/gluon is the hardest task in Cheng's study — the two classes differ in
# how much they radiate (their colour charge), not by a resonance, and no single splitting
# gives them away — and here {glue:md}`hardest_task:myst`.

# %% [markdown]
# ## What the embedding knows: linear probes
#
# A **linear probe** asks how much of a quantity can be read from a representation with a
# straight line: fit a linear regression from the 70-dimensional jet embedding $h_J$ to
# one observable on training jets, and report its $R^2$ on test jets (1: the observable is a
# linear function of the embedding; 0: no better than its mean). The observables are
# Cheng's: generalised angularities
# $\lambda^\kappa_\beta = \sum_i z_i^\kappa (\Delta R_i / R)^\beta$ {cite}`Larkoski:2014pca`
# — the constituent multiplicity $\lambda^0_0$, the width $\lambda^1_1$, the mass-like
# $\lambda^1_2$ and $\lambda^2_0 = \sum_i z_i^2$ (the row Cheng calls $p_T^D$: the square of
# the usual $p_T^D = \sqrt{\lambda^2_0}$ of chapter 0, probed as the paper did, since a
# linear probe reads $x$ and $x^2$ differently) — and the N-subjettiness $\tau_N$ with their
# ratios. The jet mass $m_J$ itself is added as a last row (Cheng's table lists "$M_j$" as
# $\lambda^1_2 \approx m_J^2 / (p_T R)^2$, which a linear probe does not see the same way as
# $m_J$). Each probe is a standardised, lightly ridge-regularised regression
# (`helpers.xai.probing`); the numbers are means ± standard deviations over the training seeds.
# {numref}`fig-recnn-probes` shows them next to Cheng's values.

# %%
CHENG_R2 = recnn.cheng_r2()  # Table 1; no jet-mass row: Cheng's "mass" row is lambda^1_2
r2 = recnn.embedding_probes(tasks, preds, obs, seeds, settings["probe_jets"])
for key, (m, paper_key) in recnn.probe_records(r2, len(seeds)).items():
    results.record(key, m, fmt="{:.2f}", published=paper_key)
probe_text, probe_verdict, probe_evidence = recnn.probe_claims(r2, CHENG_R2, len(seeds))
for key, sentence in probe_text.items():
    results.claim(key, sentence)
results.finding("finding_probe_pattern", probe_verdict, probe_evidence)
recnn.r2_table(r2, CHENG_R2)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Test $R^2$ of linear probes from the 70-dimensional RecNN jet embedding to each observable, one panel per task: bars are the mean over training seeds, error bars their standard deviation; diamonds: Cheng's values (Delphes jets).", "name": "fig-recnn-probes"}}
fig = rplots.probe_bars(r2, CHENG_R2)

# %% [markdown]
# **What the probes say.** Cheng found the width, the mass and $\tau_1$ most readable for the
# two resonance tasks, and the multiplicity and $\lambda^2_0$ — two IRC-unsafe angularities that
# count the constituents and measure how hard they are — for quark/gluon; the
# N-subjettiness *ratios*, the classic prong taggers, were hardly readable. The embedding
# is trained only to separate the classes, so it keeps what separates them: a probe with a
# high $R^2$ points to an observable the network has (linearly) rediscovered. In this run,
# {glue:md}`probe_leaders:myst` {glue:md}`probe_ratios:myst` (At particle level the prong structure
# the ratios measure is sharper than behind a detector simulation.) Two cautions: $R^2$ depends on how an
# observable is distributed (a bounded ratio with a long tail is harder for a straight line
# than a quantity that grows with the energy flow), and a probe fitted on a few thousand
# jets has a spread of its own, visible in the error bars.

# %% [markdown]
# ### Other layers and another architecture
#
# Cheng's appendix probes the last three layers of several networks on top/QCD. Here: the
# RecNN's embedding and its two head layers, and the three last hidden layers (102, 12 and
# 6 nodes) of chapter 1's TopoDNN {cite}`Pearkes:2017hku`, which sees the $(p_T, \eta, \phi)$
# of the 30 leading constituents. The TopoDNN models are chapter 1's (same cache entries),
# probed on the same jets ({numref}`fig-recnn-layer-probes`).

# %% mystnb={"figure": {"caption": "Test $R^2$ of linear probes per observable (rows) and layer (columns) on top/QCD jets: the RecNN embedding and its two head layers, and the last three hidden layers of chapter 1's TopoDNN; means over training seeds, the colour clipped to $[0, 1]$.", "name": "fig-recnn-layer-probes"}}
topo_r2 = recnn.topodnn_probes(splits["top_qcd"], tasks["top_qcd"], obs["top_qcd"], prof, seeds,
                               device, settings["probe_jets"])
layer_r2 = recnn.layer_probe_table(r2, topo_r2)
results.claim("probe_layers", recnn.probe_layer_claim(layer_r2, r2, topo_r2, len(seeds)))
fig = rplots.layer_probe_heatmap(layer_r2)

# %% [markdown]
# {glue:md}`probe_layers:myst` (The spread of a mean over observables is bounded by the mean of
# their seed spreads, which is used here.) A narrow last layer can keep little more than
# what separates top from QCD.
#
# ### Every architecture of the book, probed alike
#
# Cheng found the RecNN embedding more readable than the last layers of a fully connected
# network, an LSTM and a CNN. Here every tagger of the book is probed on the same top/QCD
# test jets with the same observables and probes, each at the layer that plays the role of
# the jet's representation: the TopoDNN's 102-node layer, the PFN's latent sum
# $\sum_i \Phi(p_i)$ of chapter 4, the RecNN embedding, and two new networks trained here on
# the chapter's jets (`helpers.models.lstm`, `helpers.models.cnn`; their recipes are printed
# below): an **LSTM** that reads the leading constituents as
# $(z, \ln z, \Delta\eta, \Delta\phi)$ relative to the jet axis, $\ln z$ and the angles
# standardised, softest first so that the recurrence ends on the hardest, and whose final
# state is the representation (on the raw inputs, hardest first, it hardly learned: the
# comparison is `benchmarks/bench_lstm_inputs.py`); and a small **CNN** on jet images of the $p_T$ fraction per pixel (two
# convolution and pooling blocks, then a dense layer, the representation). The TopoDNN and the PFN are
# chapters 1 and 4's models, trained on the unmatched top/QCD jets (their inputs are relative
# to the jet axis, so $|\eta|$ never reaches them; chapter 0 gives the top/QCD $p_T$ control).
# The last rows give each network's test AUC on the same jets and how many numbers its
# representation holds: a wider one gives a linear probe more directions to fit.

# %%
print(architectures.recipes(prof, seed))
reps = architectures.representations(tasks["top_qcd"], splits["top_qcd"],
                                     {s: preds["top_qcd", s] for s in seeds}, prof, seeds,
                                     device, settings["probe_jets"])
arch = architectures.architecture_probes(reps, tasks["top_qcd"], obs["top_qcd"], list(recnn.PROBES))
for key, sentence in architectures.architecture_claims(arch, recnn.PROBES).items():
    results.claim(key, sentence)
for a, m in arch.auc.items():
    results.record(f"architecture_auc_{a}", m)
architectures.r2_table(arch, recnn.PROBE_TABLE_LABELS)

# %% [markdown]
# {glue:md}`architectures_mean:myst` {glue:md}`architectures_best:myst`
# {glue:md}`architectures_pixels:myst` Two cautions in reading the table. The PFN's latent is
# a sum over particles, $\sum_i \Phi(p_i)$: an observable that is itself a sum of
# per-particle terms — the multiplicity and every angularity $\lambda^\kappa_\beta$ — is a
# linear function of such a latent whenever $\Phi$ spans its per-particle term, whatever the
# network was trained for, so a high $R^2$ in those rows says less about what the PFN learned
# than elsewhere. And what is readable is not what is used: a probe says what a representation
# holds, not what the output depends on.

# %% [markdown]
# ## Transferability
#
# Freeze the embedding learned on task A — the two RecNN weight matrices and A's feature
# scaling — and train only a fresh head (Dense(70) → Dense(70) → sigmoid) on task B. The
# *base* AUC is that of the network trained on B itself. As a floor, the same head is also
# trained on a frozen, **randomly initialised** RecNN: whatever that reaches comes from the
# tree structure and the input features alone, not from learning on another task.
# The head trains on precomputed embeddings, which is cheap, so every pair uses
# the profile's `transfer_seeds` training seeds (model A of seed $s$, head of seed $s$).
# {numref}`fig-recnn-transfer` shows the three AUCs for every pair.

# %%
PAIRS = transfer.cheng_pairs()  # Cheng's Table 2: {(A, B): (base AUC on B, transfer AUC)}
transfer_seeds = seeds[:settings["transfer_seeds"]]
transferred = transfer.transfer_study(models, tasks, PAIRS, transfer_seeds, cfg, device)
base_auc = {t: perf.metrics[t]["auc"] for t in tasks}
transfer.transfer_table(transferred, base_auc, PAIRS)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Test AUC on task B for every pair A → B: the network trained on B (base, black circles), a new head on A's frozen embedding (transfer, red squares) and a head on a frozen random embedding (grey crosses), with their spread over seeds as error bars; open markers: Cheng's base and transfer AUCs.", "name": "fig-recnn-transfer"}}
fig = tplots.transfer_figure(transferred, base_auc, PAIRS, paper_name="Cheng")

# %%
multiplicity_r2 = {t: r2[t, "embedding"]["multiplicity"][0] for t in tasks}
shares = transfer.retained_shares(transferred, base_auc, multiplicity_r2, list(tasks))
print("\n".join(transfer.retained_lines(shares)))
for key, (m, paper_key) in transfer.transfer_records(transferred).items():
    results.record(key, m, published=paper_key)
mult_r2 = {t: m["multiplicity"] for t, m in recnn.probe_measurements(r2, len(seeds)).items()}
text, transfer_verdict, evidence = transfer.transfer_claims(transferred, recnn_auc, PAIRS, mult_r2)
for key, sentence in text.items():
    results.claim(key, sentence)
results.finding("finding_transfer_pattern", transfer_verdict, evidence)

# %% [markdown]
# **What transfers.** In Cheng's Table 2, embeddings transfer best between the two
# resonance tasks — same QCD background, multi-prong signals, the information sits in the
# hard splittings near the root — and less well from or to quark/gluon, whose embedding is
# about counting and weighing the many soft emissions. The "retained" column compares tasks
# whose base AUCs differ: it is the share of the base separation $\mathrm{AUC} - 0.5$ that
# survives (spreads over the transfer seeds and of the base AUC). In this run,
# {glue:md}`transfer_resonance:myst`. The lines above give, for each target, the share each source
# retains next to how well the source's embedding encodes the constituent multiplicity (the
# probe section), the classic quark/gluon observable. {glue:md}`transfer_multiplicity:myst`.
# {glue:md}`transfer_paper:myst`.
#
# The random-embedding floor is the extension. {glue:md}`transfer_floor:myst`. Whatever the floor
# reaches comes from the tree and the node features alone, so a transferred embedding is
# judged by how far it lies above the floor, not above 0.5.

# %% [markdown]
# ## Saliency on the Lund plane
#
# Which splittings does the output depend on? For every node $i$ of a test jet's tree,
# Cheng's saliency is the size of the gradient of the output with respect to the node's
# embedding, relative to that of the root:
#
# $$ s_i = \frac{\lVert \partial L / \partial h_i \rVert_2}{\lVert \partial L / \partial h_J \rVert_2}. $$
#
# For the loss, the probability or the logit, $\partial L/\partial h_i$ differs only by one
# factor common to all nodes of a jet, so $s_i$ does not depend on which is meant; the
# gradients come from one backward pass through the level-batched network. Each inner node
# is then placed on the **Lund plane** {cite}`Dreyer:2018nbf` at the coordinates of its
# splitting into two children: $\ln 1/\Delta$ (their angular distance) and $\ln k_t$
# ($k_t = p_{T,\mathrm{softer}}\,\Delta$), using all inner nodes, not only the primary
# branch. Collinear splittings lie to the right, soft ones at the bottom; the upper edge is
# the kinematic limit of the hardest splittings (dashed line: $z = 1/2$ for a 600 GeV
# parent). Along the dotted (dash-dotted) line a splitting of a 600 GeV parent has the W
# (top) mass: $m^2 = z(1-z)\,p_T^2 \Delta^2$, which is $m^2 \approx k_t\, p_T\, \Delta$ for a
# soft emission; each line ends where it meets the edge $z = 1/2$, at the smallest opening
# angle such a splitting can have, $\Delta = 2m/p_T$. Resonance decays populate these
# lines, QCD splittings the whole triangle.
# The maps show the mean saliency per bin for each class; bins with fewer than
# `min_bin_nodes` nodes are left blank. {numref}`fig-recnn-saliency` uses one colour scale per
# task (up to the 98th percentile of its bins, larger values shown at the top colour),
# {numref}`fig-recnn-saliency-common` one scale for all tasks; {numref}`fig-recnn-node-density`
# shows how many nodes per jet fall in each bin.

# %% mystnb={"figure": {"caption": "Mean saliency $s_i$ of the inner nodes of the test jets' C/A trees on the Lund plane $(\\ln 1/\\Delta, \\ln k_t/\\mathrm{GeV})$, one row per task and one column per class, first training seed, on one colour scale per task; blank bins hold too few nodes. Lines: $z = 1/2$ (dashed) and the W (dotted) and top (dash-dotted) masses for a 600 GeV parent.", "name": "fig-recnn-saliency"}}
saliency = lund.saliency_study(models, tasks, seeds, settings["min_bin_nodes"])
fig = lplots.plot_map_grid(saliency.maps, lplots.task_vmax(saliency.maps))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The saliency maps of {numref}`fig-recnn-saliency` on one colour scale for all tasks: mean saliency $s_i$ of the inner nodes per bin of $(\\ln 1/\\Delta, \\ln k_t/\\mathrm{GeV})$, one row per task and one column per class, first training seed.", "name": "fig-recnn-saliency-common"}}
fig = lplots.plot_map_grid(saliency.maps, lplots.common_vmax(saliency.maps))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Inner nodes per jet in each bin of the Lund plane $(\\ln 1/\\Delta, \\ln k_t/\\mathrm{GeV})$ (logarithmic colour scale), for the test jets of each task (rows) and class (columns), with the lines of {numref}`fig-recnn-saliency`.", "name": "fig-recnn-node-density"}}
fig = lplots.plot_map_grid(saliency.maps, kind="density")

# %% [markdown]
# **Depth matters.** The gradient reaches a node through every node between it and the root,
# and each step can shrink it (ReLUs that are off block it entirely). Since C/A merges the
# closest pairs first, a tree is ordered in angle: wide-angle splittings sit near the root
# and collinear ones deep down, so the left-to-right trend of the maps is partly a trend in
# depth. The mean saliency of the inner nodes against their distance from the root
# ({numref}`fig-recnn-depth`):

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Mean saliency $s_i$ of the inner nodes (log scale) against their depth in the C/A tree (0 = root), one line per class and one panel per task; test jets, first training seed.", "name": "fig-recnn-depth"}}
fig = rplots.depth_profiles(lund.depth_profiles(tasks, saliency.node_saliency,
                                                settings["min_bin_nodes"]))

# %% [markdown]
# To see which splittings matter *beyond* their position in the tree, divide each node's
# saliency by the mean saliency of the nodes of its class at the same depth, and average
# that ratio on the Lund plane ({numref}`fig-recnn-saliency-relative`): red bins hold
# splittings that the output depends on more than on a typical node equally deep in the
# tree, blue bins less.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Depth-relative saliency on the Lund plane $(\\ln 1/\\Delta, \\ln k_t/\\mathrm{GeV})$: each inner node's saliency divided by the mean saliency of the nodes of its class at the same depth, averaged per bin, one row per task and one column per class; logarithmic colour scale centred on 1 (red above, blue below).", "name": "fig-recnn-saliency-relative"}}
fig = lplots.plot_map_grid(lund.relative_maps(tasks, saliency.node_saliency,
                                              settings["min_bin_nodes"]), kind="relative")

# %% [markdown]
# The maps above are those of the first training seed. How stable are they? The correlation
# of their bin means with the maps of the other seeds (1: the same pattern):

# %%
saliency.agreement.style.format("{:.2f}", na_rep="(one seed)")

# %% [markdown]
# And the mean saliency in a few physically distinct regions: hard splittings ($z > 0.1$)
# whose node mass is near the W or the top mass, collinear splittings ($\Delta < 0.05$), soft
# wide-angle emissions ($\Delta > 0.3$, $z < 0.05$), and all inner nodes — with how many such
# nodes a jet has, and how deep in the tree they sit on average.

# %%
regions = lund.task_regions(tasks, saliency.node_saliency)
sal_text, sal_verdict, sal_evidence = lund.saliency_claims(tasks, saliency.node_saliency,
                                                           settings["min_bin_nodes"])
for key, sentence in sal_text.items():
    results.claim(key, sentence)
results.finding("finding_saliency_by_task", sal_verdict, sal_evidence)
lund.region_summary(regions).style.format("{:.2f}", na_rep="–")

# %% [markdown]
# How firm are these numbers? The saliency relative to the same depth per region, as the
# mean over the training seeds, with two uncertainties: a Poisson bootstrap over the test
# jets of the first seed (`± jets`: the nodes of one jet move together) and the standard
# deviation over the seeds (`± seeds`: how much another training would change it). A
# difference between two regions or classes means something only where it exceeds both.

# %%
lund.region_uncertainties(tasks, saliency.node_saliency_seeds).unstack("class").style.format(
    "{:.2f}", na_rep="–")

# %% [markdown]
# **What the maps show**, side by side with Cheng's Fig. 1 (spreads from a bootstrap over
# the test jets of the first training seed):
#
# - *How fast the saliency fades with depth.* In the angle-ordered C/A tree, wide angles sit
#   near the root, so the depth profile separates the fall from wide to narrow angles from
#   the fall with depth. {glue:md}`saliency_fade:myst` Cheng suggested that the gradient fades along the longer
#   decay cascades of top jets, and observed that the quark/gluon network keeps listening to
#   the whole tree.
# - *Hard and soft splittings, relative to their depth.* {glue:md}`saliency_hard_soft:myst`
#   Cheng remarked that hard-collinear splittings are important for quark/gluon, especially
#   in gluon jets.
# - *Background jets that look like signal.* Cheng saw a high-sensitivity spot in QCD jets
#   near $(2, 3.5)$, a hard splitting between the QCD mass peak and the W mass, which he read
#   as the W/QCD network checking background jets for a two-prong structure.
#   {glue:md}`saliency_qcd_w:myst` The region table gives how many such nodes a jet has: the
#   rarer a region, the noisier its bins.
# - *Do the tasks look at different splittings?* Cheng found very different patterns for the
#   three tasks. {glue:md}`saliency_contrast:myst`
# - *A small gradient per node is not the same as no importance*: many soft nodes with small
#   gradients can add up, and the multiplicity — a count of exactly such nodes — is the
#   classic quark/gluon observable.

# %% [markdown]
# ## What the spectrum was worth
#
# The same RecNNs (same recipe and seeds, the profile's `transfer_seeds`), trained once on
# the matched jets of this chapter and once on the unmatched jets — as many per split as the
# matched version has, so that only the choice of jets differs, not their number — and
# compared on the numbers the spectrum could move: the AUC
# of the jet $p_T$ alone on the test jets, the RecNN's AUC, the W ↔ top transfer, and how
# fast the saliency fades away from the root (the mean saliency of inner nodes at depths 1–2
# over that at depths 6–8, signal jets). Each version is evaluated on its own test jets.
# {glue:md}`matching_pt:myst` {glue:md}`matching_moved:myst`

# %%
versions = shortcut.compare_versions(splits, tasks, prof, transfer_seeds, seed, device)
for key, m in shortcut.matching_records(versions).items():
    results.record(key, m)
for key, sentence in shortcut.shortcut_claims(versions).items():
    results.claim(key, sentence)
shortcut.comparison_table(versions)

# %% [markdown]
# ## How much level batching buys
#
# The same jets, the same weights: the level-batched network against a plain recursion
# that calls the two weight matrices once per node of one jet at a time
# (`helpers.models.recnn.recursive_logits`; the tests check that both give the same
# embeddings and gradients). Training needs forward and backward passes.

# %%
speed = recnn.speed_table(models["top_qcd", seeds[0]], tasks["top_qcd"].inputs("test"),
                          cfg["batch_size"])
speed.style.format({"level-batched (jets/s)": "{:,.0f}", "recursive (jets/s)": "{:,.0f}",
                    "speed-up": "{:.0f}×"})

# %% [markdown]
# ## Closing note
#
# The measured summary of this run (printed by the code, so it always matches the tables
# above):

# %%
print("\n".join(recnn.summary_lines(perf, CHENG_AUC, r2, CHENG_R2, transferred, PAIRS, speed,
                                    lund.most_salient_regions(regions))))

# %% [markdown]
# **In short.** A recursive network reads the C/A history of a jet. Against a small BDT on a
# handful of substructure observables: {glue:md}`recnn_vs_bdt:myst` Cheng's three findings, as
# this run tests them (the evidence is in the sections above, the comparison with both
# papers on the {doc}`scorecard`): his pattern of linear probes —
# {glue:md}`finding_probe_pattern_verdict:myst`; transfer good between the resonance tasks and
# poorer with quark/gluon — {glue:md}`finding_transfer_pattern_verdict:myst`; Lund-plane
# saliency that differs by task — {glue:md}`finding_saliency_by_task_verdict:myst`.
#
# **What the profiles reduce.** Everything in Cheng's protocol is run — three tasks, all six
# transfer pairs, probes and saliency — at the sizes and with the training seeds of the
# chosen profile (printed with the tables above). The `ci` and `standard` profiles fit a
# book build on a two-core CPU; networks this data-hungry gain from more jets and epochs,
# which the `full` profile gives on a GPU. With a single training seed (`ci`), spreads come
# from bootstraps over the test jets where they can, and comparisons that need a seed spread
# say so. The level-batched implementation is what makes the recursive network affordable
# at all; the last table measures by how much.

# %%
results.used_jets(**{f"{t}_test": len(task.labels("test")) for t, task in tasks.items()},
                  **{f"{t}_train": len(task.labels("train")) for t, task in tasks.items()})
saved = results.save()  # the chapter's result file, read by the scorecard

# %% [markdown]
# ## Exercises
#
# ```{exercise-start}
# :label: ex-recnn-deep-saliency
# ```
# **Check your understanding.** The saliency maps fade towards the collinear region and
# the depth profile falls with the distance from the root. Write
# $\partial L / \partial h_i$ for a node $i$ at depth $d$ as a product along the path from
# the root down to $i$ and explain why it tends to shrink with $d$. Why does the
# angular ordering of the C/A tree turn this into a pattern on the Lund plane, and why is a
# small $s_i$ not proof that the splitting at node $i$ does not matter?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-recnn-deep-saliency
# :class: dropdown
# ```
# A parent's embedding is $h_p = \mathrm{ReLU}(W_h [h_\mathrm{L}; h_\mathrm{R}; u_p] + b_h)$,
# so its Jacobian with respect to a child is $D_p W_\mathrm{L}$ or $D_p W_\mathrm{R}$, with
# $W_\mathrm{L,R}$ the blocks of $W_h$ that act on that child and $D_p$ the diagonal
# matrix of the parent's active ReLUs (1 where the unit is on, 0 where it is off). Along the
# path $J = p_0, p_1, \dots, p_d = i$,
#
# $$
# \frac{\partial L}{\partial h_i} = \frac{\partial L}{\partial h_J}\,
# D_{p_0} W_{p_1} \, D_{p_1} W_{p_2} \cdots D_{p_{d-1}} W_{p_d},
# $$
#
# with $W_{p_k}$ the block ($W_\mathrm{L}$ or $W_\mathrm{R}$) through which $p_k$ enters its
# parent, so $s_i \leq \prod_k \lVert D_{p_{k-1}} W_{p_k} \rVert$. Each factor switches off the
# inactive units and projects onto the directions the weights amplify; when the typical
# factor is below one the product falls geometrically with $d$ — the vanishing gradient
# of any recurrent network, here along the tree. Because C/A merges the closest pairs
# first, depth and angle go together: the deep nodes are the collinear splittings on the
# right of the Lund plane, which therefore look faint partly because they are deep (the
# depth-relative map of the chapter removes that part). And $s_i$ is a local, linear
# sensitivity to a change of one node's embedding: many soft or collinear nodes with small
# gradients can together shift the output a lot (the multiplicity is a count of just such
# nodes), and a ReLU that is off has zero gradient even where a finite change of the node
# would switch it on. Occluding a subtree and measuring the output change tests
# importance directly.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-recnn-probe-lund
# ```
# **Compute.** Probe three more observables from the embeddings of the first training seed
# of each task, with the probes of this chapter (`helpers.xai.probing`, on the profile's
# `probe_jets` training jets): the number of primary Lund splittings (following the harder
# branch from the root), the same number counting only splittings with $k_t > 1$ GeV,
# and the Les Houches angularity $\lambda^1_{1/2}$. Add the multiplicity as a reference.
# Which of them can the embedding of each task read linearly?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-recnn-probe-lund
# :class: dropdown
# ```
# The primary declusterings come from the trees the chapter already built
# (`JetTrees.primary_lund` returns their Lund coordinates $(\ln 1/\Delta, \ln k_t, z)$
# and their number per jet), $\lambda^1_{1/2}$ from the observables (`obs`, key `LHA`).

# %%
import numpy as np
import pandas as pd

from helpers.xai.probing import probe_table

extra, n_probe = {}, settings["probe_jets"]
for t, task in tasks.items():
    for split in ("train", "test"):
        lund_rows, counts = task.trees[split].primary_lund()
        jet = np.repeat(np.arange(len(counts)), counts)
        extra[t, split] = {"primary splittings": counts.astype(float),
                           "primary, kt > 1 GeV": np.bincount(jet[lund_rows[:, 1] > 0],
                                                              minlength=len(counts)).astype(float),
                           "LHA": obs[t][split]["LHA"], "multiplicity": obs[t][split]["multiplicity"]}

# %%
s0 = seeds[0]
extra_r2 = pd.DataFrame({TASKS[t].title: probe_table(
    preds[t, s0]["train"]["embedding"][:n_probe], {k: v[:n_probe] for k, v in extra[t, "train"].items()},
    preds[t, s0]["test"]["embedding"], extra[t, "test"], tuple(extra[t, "test"])) for t in tasks})
extra_r2.rename_axis(f"test R², seed {s0}").style.format("{:.2f}")

# %% [markdown]
# The total number of primary splittings grows with the number of particles, so compare
# its row with the multiplicity's: if both are read about equally well, the embedding
# may count particles rather than emissions. The $k_t$ cut removes the soft,
# non-perturbative end of the primary chain and leaves the perturbative emissions that
# distinguish quark from gluon jets (their number grows with the colour charge); a row
# that is read well for quark/gluon but poorly for the resonance tasks fits an embedding
# that keeps what separates its classes. $\lambda^1_{1/2}$ sits between the multiplicity
# ($\beta = 0$) and the width ($\beta = 1$) of the chapter's table: compare its $R^2$ with
# theirs. The table uses one training seed and shows no spread; the error bars of the
# chapter's probe figure give its typical size.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-recnn-finetune
# ```
# **Extension.** The chapter freezes the embedding learned on task A and trains only a
# head on task B. Fine-tune instead: start from A's whole network and train all of it on
# B. How would you set it up with the helpers, what would you compare it with, and at
# which amount of training data for B does the comparison become interesting?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-recnn-finetune
# :class: dropdown
# ```
# A route (no code here: every fine-tuned network is a full RecNN training, too slow to
# run inside the book build at the `standard` profile for all six pairs):
#
# 1. *Set-up.* `helpers.training.loop.train_cached` trains whatever its model factory
#    returns: pass a factory that returns a copy of `models[A, s]` (`copy.deepcopy`), the
#    config of `recnn_config(prof, s)` with a smaller learning rate (a tenth is a common
#    choice) and an entry naming the source model, so that the cache key differs from the
#    networks trained from scratch. Task B's trees enter scaled with A's scaler,
#    `tasks[B].inputs(split, scaler=tasks[A].scaler)`, as in the frozen transfer.
# 2. *Comparisons, on B's test jets.* The base network (trained on B from scratch), the
#    frozen transfer and the random floor of the chapter, and the fine-tuned network; the
#    retained share of the separation, `helpers.studies.transfer.retained_separation`,
#    puts the pairs on one scale.
# 3. *The interesting regime.* With the profile's full training set, fine-tuning the same
#    architecture on the same data should end near the base network: only the starting
#    point differs. Pre-training pays off, if at all, when B has few jets. Repeat the
#    comparison on growing fractions of B's training jets, from a few per cent up to all
#    of them (a learning curve, as in chapter 1), and ask at which size the fine-tuned
#    network stops beating the one trained from scratch.
# 4. *What is kept.* Re-probe the fine-tuned embedding (this chapter's probes) and measure
#    how far its weights moved from A's; a quark/gluon embedding fine-tuned on top/QCD
#    that loses its multiplicity read-out has forgotten its first task.
# ```{solution-end}
# ```
