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
# # 1. TopoDNN and feature attribution
#
# The simplest deep top tagger is a fully connected network on the constituents' momenta:
# the **TopoDNN** of Pearkes et al. {cite}`Pearkes:2017hku`, which Khot, Neubauer and Roy
# {cite}`Khot:2023` use as their first object of study. This chapter trains it on our
# generated top and QCD jets, measures its performance against the paper and against a
# physics baseline, and then asks three attribution methods *which of the 90 inputs
# matter*:
#
# - **ΔAUC occlusion** — replace one input by its mean in every jet and see how much the
#   area under the ROC curve drops;
# - **KernelSHAP** {cite}`Lundberg:2017` — Shapley values of each input for each jet,
#   estimated with a weighted linear regression over random coalitions of inputs;
# - **layer-wise relevance propagation** (LRP) {cite}`Bach:2015` — the output is passed
#   backwards through the layers and shared among the neurons in proportion to their
#   contributions, down to the inputs.
#
# The paper compares their rankings by eye; here we also **measure** how much they agree.
# Chapter 2 explains why LRP can disagree with the other two.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import matplotlib.pyplot as plt

from helpers import published
from helpers.data import TASKS, load_task
from helpers.metrics import format_mean_std
from helpers.models import count_parameters, predict_proba
from helpers.notebook import start_chapter
from helpers.physics.observables import compute_observables
from helpers.plots import attribution as xplots
from helpers.plots import jets as jplots
from helpers.plots import performance as pplots
from helpers.preprocessing import topodnn_feature_names, topodnn_features
from helpers.results import ChapterRecord, Measurement
from helpers.studies import attribution as attr
from helpers.studies import learning_curve as lc
from helpers.studies import performance as perf
from helpers.studies.baselines import BASELINE_FEATURES, baseline_probabilities
from helpers.studies.performance import history_table, passing_background, performance_table, seed_metrics
from helpers.training.recipes import topodnn_config, train_topodnn

prof, settings, device, seeds = start_chapter("topodnn", profile, device, seed, data_source)
classes = TASKS["top_qcd"].class_names
results = ChapterRecord("01_topodnn", prof, seeds, data_source, explains="why-our-numbers-differ")

# %% [markdown]
# ## Inputs: 30 constituents, aligned
#
# Each jet becomes 90 numbers: $(p_T, \eta, \phi)$ of its 30 hardest constituents, zero
# where a jet has fewer. The preprocessing of {cite}`Pearkes:2017hku` removes the
# symmetries a network would otherwise have to learn: the hardest constituent is moved to
# $(\eta, \phi) = (0, 0)$, the jet is rotated so that the second lies on the negative
# $\phi$ axis, $\eta$ is flipped so that the $p_T$-weighted $\eta$ is non-negative, and
# $p_T$ is divided by 1700 GeV. (Every step is unit-tested on hand-built jets, including
# jets with one or two constituents and azimuths across $\pm\pi$; a separate test checks
# that the truth parton stored with each jet cannot reach these features.)
#
# The maps of {numref}`fig-topodnn-inputs` show where the momentum sits after alignment,
# averaged over jets: the leading constituent at the origin, the second on the negative
# $\phi'$ axis, and the rest mostly in the half plane $\eta' \ge 0$ selected by the flip. A
# QCD jet, with one hard prong, should concentrate its momentum near the origin, a top jet
# spread it over its other prongs. Measured by the $p_T$-weighted mean distance of the
# constituents from the origin in $(\eta', \phi')$ (± its standard error over the test jets),
# {glue:md}`alignment:myst`.

# %%
splits = load_task("top_qcd", prof, seed=seed, data_source=data_source, data_dir=data_dir)
train, val, test = splits["train"], splits["val"], splits["test"]
X_train, X_val, X_test = (topodnn_features(s) for s in (train, val, test))
y_train, y_test = train.labels, test.labels
names = topodnn_feature_names()
results.record("n_train", len(train), fmt="{:,.0f}")
results.claim("alignment", attr.alignment_claim(X_test, y_test)[0])
print({k: f"{len(s):,} jets" for k, s in splits.items()}, "| features:", X_train.shape[1])

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Mean TopoDNN input map after preprocessing: the scaled constituent $p_T$ ($p_T$ / 1700 GeV) per pixel in the aligned coordinates $(\\phi', \\eta')$, averaged over the top (left) and QCD (right) test jets, on a common logarithmic colour scale.", "name": "fig-topodnn-inputs"}}
fig = jplots.preprocessed_images({name: X_test[y_test == label] for label, name in classes.items()})

# %% [markdown]
# ## Training
#
# The network has four hidden ReLU layers of (300, 102, 12, 6) neurons and one output
# (a logit; the sigmoid sits in the binary cross-entropy loss). It is trained with Adam
# at a learning rate of $10^{-3}$ and mini-batches of 96 jets, as in the paper, with early
# stopping when the validation loss has not improved for a few epochs; the weights of the
# best epoch are kept. Trained models are cached under a hash of their configuration and
# training data, so chapters 2 and 3 reuse these exact networks.
#
# **Batch size.** Larger batches train faster per jet on a CPU, but change the optimisation
# (fewer, less noisy updates per epoch). The table shows the measured throughput (jets per
# second including validation, on one CPU thread or the GPU; a cached model shows the
# numbers of the run that trained it): with the paper's batch of 96, one network trains in
# {glue:md}`training_time.text:myst` s at {glue:md}`training_speed.text:myst` jets per second on this
# profile's {glue:md}`n_train.text:myst` training jets, so we keep it.
#
# We train one network per seed ({numref}`fig-topodnn-training` shows the losses per epoch);
# every number in the tables below is the mean ± standard deviation over these seeds (with a
# single seed, as in the `ci` profile, they show no spread, and the comparisons in the text
# use a bootstrap over the test jets instead).

# %%
runs = [train_topodnn(train, val, prof, s, device) for s in seeds]
models = [m for m, _ in runs]
histories = {f"seed {s}": h for s, (_, h) in zip(seeds, runs)}
cfg = topodnn_config(prof, seed)

# %%
results.record("topodnn_parameters", count_parameters(models[0]), fmt="{:,.0f}",
               published="khot.topodnn.parameters")
results.record("training_time", Measurement.of([h.time_s for h in histories.values()]), fmt="{:.1f}")
results.record("training_speed", Measurement.of([h.jets_per_s for h in histories.values()]),
               fmt="{:,.0f}")
print(f"architecture {cfg['hidden']}, {count_parameters(models[0]):,} trainable parameters "
      f"(paper: {published.value('khot.topodnn.parameters'):,}); batch {cfg['batch_size']}, "
      f"at most {cfg['max_epochs']} epochs, "
      f"patience {cfg['patience']}")
history_table(histories)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Binary cross-entropy per jet against the training epoch of the TopoDNN, one colour per training seed: validation loss solid, training loss dashed; the dot marks the epoch whose weights are kept.", "name": "fig-topodnn-training"}}
fig, ax = plt.subplots(figsize=(9, 5.5))
pplots.training_curves(ax, histories)
ax.set_title("TopoDNN training: loss per epoch (dot: kept epoch)", fontsize=14)
fig.tight_layout()

# %% [markdown]
# ## A physics baseline on the same jets
#
# Before reading the network's numbers, a reference that needs no deep learning: boosted
# decision trees on the jet mass and the N-subjettiness ratios {cite}`Thaler:2010tr`
# ($\tau_1, \tau_2, \tau_3, \tau_{21}, \tau_{32}$), and the same with the constituent
# multiplicity added. These observables are computed from the same constituents (all of
# them, not only the leading 30). On particle-level jets without detector smearing they
# are very sharp, which should make the baseline strong; the next section measures how
# strong.
#
# Every model is scored on the test jets and on the profile's further QCD test jets, which
# serve the background rejection only: it is measured on the few QCD jets that pass a tight
# cut, so its precision grows with the QCD jets available, and they are cheap to generate.

# %%
scored = perf.scored_test(test, "top_qcd", prof, seed=seed, data_source=data_source,
                          data_dir=data_dir)
X_scored, y_scored = topodnn_features(scored.jets), scored.labels
train_obs, test_obs = compute_observables(train), scored.test_observables
all_probs = {"TopoDNN": [predict_proba(m, X_scored) for m in models],
             **baseline_probabilities(train_obs, y_train, scored.observables, BASELINE_FEATURES, seeds)}
print(f"scored: {scored.n_test:,} test jets and {scored.n_extra:,} further QCD test jets")

# %% [markdown]
# ## Performance
#
# The metrics of the top-tagging literature {cite}`Kasieczka:2019dbj`: the ROC AUC, the
# accuracy at a probability threshold of 0.5, and the background rejection $1/\varepsilon_B$
# at signal efficiencies $\varepsilon_S = 0.3$ and 0.5. The paper's values are from
# {cite}`Khot:2023` (1.2 M training jets of the public benchmark); the benchmark's own
# TopoDNN entry is from {cite}`Kasieczka:2019dbj`. The accuracy weights both classes
# equally, as on a balanced test set. The table gives the mean ± standard deviation over the
# training seeds and, for the rejections, their statistical error from the finite test set
# (a bootstrap over the jets, class by class): the seeds share one test set, so their spread
# does not contain it. The uncertainties in the text are {glue:md}`claim_spread:myst`, a
# rejection's with its statistical error added in quadrature. {numref}`fig-topodnn-roc` shows the ROC curves of every model
# and training seed.
#
# On these test jets, {glue:md}`topodnn_vs_baselines:myst`.

# %%
PAPER, BENCHMARK = published.metrics("khot.topodnn"), published.metrics("benchmark.topodnn")
metrics = seed_metrics(y_scored, all_probs, seed=seed)
topodnn = perf.seed_measurements(y_scored, all_probs["TopoDNN"],
                                 stat=perf.stat_errors(metrics["TopoDNN"]))
for metric, fmt in perf.HEADLINE.items():
    name = f"topodnn_{perf.glue_name(metric)}"
    results.record(name, topodnn[metric], fmt=fmt, published=f"khot.topodnn.{metric}")
    if metric in BENCHMARK:
        results.record(f"{name}_benchmark", topodnn[metric], fmt=fmt,
                       published=f"benchmark.topodnn.{metric}")
performance_table(metrics, {"TopoDNN, paper (Khot et al.)": PAPER,
                            "TopoDNN, benchmark paper": BENCHMARK})

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Background rejection $1/\\varepsilon_B$ of QCD jets (log scale) against the signal efficiency $\\varepsilon_S$ of top jets on the test jets, for the TopoDNN and the boosted-decision-tree baselines on mass and N-subjettiness (without and with the multiplicity); one line per training seed, the legend gives each model's AUC (mean ± standard deviation over the seeds).", "name": "fig-topodnn-roc"}}
fig, ax = plt.subplots(figsize=(9, 6.5))
pplots.roc_curves(ax, {name: [(y_scored, p) for p in probs] for name, probs in all_probs.items()},
                  classes, aucs={name: "AUC " + format_mean_std(*res["auc"], 3)
                                 for name, res in metrics.items()})
ax.set_title(f"{len(y_scored):,} test jets, one line per training seed", fontsize=14)
fig.tight_layout()

# %%
claims = perf.performance_claims(y_scored, all_probs, PAPER["auc"], seed=seed)
for key, sentence in claims.items():
    results.claim(f"topodnn_{key}", sentence)
results.claim("claim_spread", perf.spread_words(len(seeds)))
passing = passing_background(y_scored, metrics)
results.record("topodnn_passing_03", passing.loc["TopoDNN", "background jets passing"], fmt="{:.0f}")
results.record("n_test_qcd", passing.loc["TopoDNN", "of"], fmt="{:,.0f}")
passing.style.format(
    {"background jets passing": "{:.0f}", "of": "{:.0f}", "relative uncertainty of 1/εB": "{:.0%}"})

# %% [markdown]
# ## Why our numbers differ
#
# To start with the headline number: {glue:md}`topodnn_vs_paper:myst`. Where a profile's
# numbers differ from the paper's, three effects are at work:
#
# 1. *Training statistics.* The paper trains on 1.2 M jets; this profile trains on
#    {glue:md}`n_train.text:myst`. A network that sees raw constituents must learn the
#    substructure that the baseline is handed, and that should take data; the learning
#    curve below measures how much.
# 2. *Particle level vs detector level.* Our jets are Pythia 8 particles without a detector
#    simulation; the benchmark's are Delphes energy-flow objects. Without detector
#    smearing the jet mass and N-subjettiness are sharper, which should help the baseline
#    more than a network that sees only 30 constituents. Absolute values therefore need not
#    agree even at equal statistics.
# 3. *Statistical precision.* The rejection at $\varepsilon_S = 0.3$ is estimated from the
#    QCD jets that pass such a tight cut — for the TopoDNN {glue:md}`topodnn_passing_03.text:myst`
#    of {glue:md}`n_test_qcd.text:myst` here (table above) — so it carries a Poisson
#    uncertainty of roughly $1/\sqrt{N_\text{pass}}$ on top of the spread over seeds.
#
# ## How hungry is the network? A learning curve
#
# {numref}`fig-topodnn-learning-curve` shows the test AUC against the number of training jets,
# for the TopoDNN and the baseline, with the spread over training seeds. Each network trains
# on the first $n$ jets of the same training split; smaller sets may run proportionally more
# epochs (the same maximal number of optimiser steps), and early stopping decides. The star
# is the paper's TopoDNN at 1.2 M jets (Delphes jets, so only a guide for the eye).

# %%
points = lc.curve_points(train, val, test, train_obs, test_obs, settings["learning_curve"], prof,
                         seeds, device)
summary = lc.curve_summary(lc.points_table(points, y_test))
gains = lc.gain_measurements(points, y_test, seed=seed)
results.claim("learning_gain", lc.gain_claims(gains)["more_jets"])
for model, gain in gains.items():
    results.record(f"gain_{'topodnn' if model == 'TopoDNN' else 'baseline'}", gain, fmt="{:+.4f}")
lc.gain_table(summary).to_frame().style.format("{:+.4f}")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Test AUC against the number of training jets (both classes, log scale) for the TopoDNN and the boosted-tree baseline on mass and N-subjettiness: mean over training seeds, error bars their standard deviation. The star is Khot et al.'s TopoDNN on the Delphes benchmark.", "name": "fig-topodnn-learning-curve"}}
fig, ax = plt.subplots(figsize=(9, 6))
pplots.learning_curve(ax, summary, reference={"TopoDNN, Khot et al. (Delphes)": (
    published.value("khot.topodnn.n_train"), PAPER["auc"])})
fig.tight_layout()

# %%
summary.pivot(index="n_train", columns="model", values="mean").style.format("{:.4f}")

# %% [markdown]
# Two things to read off the curve: how quickly the baseline saturates — a handful of
# observables per jet, which trees can learn from few examples — and how much the TopoDNN
# still gains per doubling of its training set. Fitting the AUC against $\log_2 n$, with
# the uncertainties of the performance section: {glue:md}`learning_gain:myst` The slope, more
# than the value at our sample size, tells how far more jets could take the network; the
# paper trained on 1.2 M.

# %% [markdown]
# ## Does the network see the whole jet? More constituents
#
# One more effect is the input itself. The benchmark's jets are built from Delphes
# energy-flow objects, which merge what the detector cannot resolve; a particle-level jet
# keeps every hadron and photon, so the same 30 slots may cover less of it. We measure what
# the leading constituents carry, and train the same network (same recipe, same jets, the
# input layer grown to $3n$) on the $n$ leading constituents, for the counts of this
# profile.
# {glue:md}`constituent_scan:myst`

# %%
scan_counts = settings["constituent_scan"]
coverage = lc.constituent_coverage(test, scan_counts)
scan = lc.constituent_scan(train, val, test, scan_counts, prof, seeds, device)
for n, m in scan.items():
    results.record(f"auc_{n}_constituents", m, fmt="{:.4f}")
    results.record(f"pt_share_{n}_constituents", coverage[n]["pt_share"], fmt="{:.3f}")
results.claim("constituent_scan", lc.constituent_claim(coverage, scan))
lc.constituent_table(coverage, scan)

# %% [markdown]
# ## Attribution: which inputs matter?
#
# All methods explain the network's **logit** (the pre-sigmoid output). Each is computed for
# every training seed's network and averaged; the error bars are the spread over seeds.
# That spread matters: two networks trained on the same jets can disagree about the
# less important inputs, and a single network's ranking would mix that training noise
# into the comparison of methods. The mean values each input is compared against are
# those of the training set.
#
# - **ΔAUC**: every input $k$ is replaced by its mean in all test jets, and the drop of the
#   AUC is recorded. It is a property of the whole labelled sample, so there is one number
#   per input and no per-class version ({numref}`fig-topodnn-dauc`).
# - **SHAP**: KernelSHAP with a background of training jets; per class we show the mean
#   $|\phi_k|$ over the explained jets. KernelSHAP is expensive, so it explains a random
#   subset of test jets of each class (the same jets for every seed;
#   {numref}`fig-topodnn-shap`).
# - **LRP** with three rules {cite}`Montavon:2019`: ε (the plain redistribution with a small stabiliser), γ
#   (favours positive contributions, $w \to w + \gamma w^+$ with $\gamma = 0.25$) and $z^+$
#   (positive weights only). The same rule is used in every layer. γ and $z^+$ are designed
#   for non-negative inputs — true for the hidden ReLU layers, not for $\eta$ and $\phi$ at
#   the input (chapter 2 compares the composite practitioners use for such inputs). Per
#   class we show the mean $|R_k|$ over all test jets
#   ({numref}`fig-topodnn-lrp-epsilon`, {numref}`fig-topodnn-lrp-gamma` and
#   {numref}`fig-topodnn-lrp-zplus`).

# %%
shap_settings = attr.shap_settings(prof, settings, seed)
methods = ("ΔAUC", "SHAP", *attr.LRP_RULES)
study = attr.attribution_study(models, X_test, y_test, X_train, methods, shap_settings)
stats, importances = study.stats, study.importances
# the spread of the comparisons below: over the seeds, or a bootstrap over the test jets
replicas = attr.importance_replicas(study, models, X_test, y_test, X_train, shap_settings, seed=seed)
print(f"KernelSHAP: {2 * settings['shap_jets_per_class']} test jets per network "
      f"({settings['shap_jets_per_class']} per class), {prof.n_background} background jets, "
      f"nsamples = {settings['shap_nsamples']}")

# %% [markdown]
# ### ΔAUC occlusion

# %% tags=["hide-input"] mystnb={"figure": {"caption": "ΔAUC occlusion: the drop of the test AUC when one input is replaced by its training-set mean, for the $p_T$, $\\eta$ and $\\phi$ inputs (panels) against the constituent index (0 = hardest); bars are the mean over training seeds, error bars their standard deviation.", "name": "fig-topodnn-dauc"}}
fig = xplots.feature_bars({"ΔAUC": stats["ΔAUC"]["top"]}, "ΔAUC",
                          title=f"ΔAUC occlusion (mean ± std over {len(models)} seed(s))")

# %% [markdown]
# ### SHAP, per class

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Mean absolute KernelSHAP value $|\\phi_k|$ of the TopoDNN logit per input, over the explained test jets of each class (top red, QCD blue), for the $p_T$, $\\eta$ and $\\phi$ inputs (panels) against the constituent index (0 = hardest); error bars: standard deviation over training seeds.", "name": "fig-topodnn-shap"}}
fig = xplots.feature_bars(stats["SHAP"], r"mean $|\phi_k|$",
                          title="KernelSHAP: mean |SHAP value| per class (± std over seeds)")

# %% [markdown]
# ### LRP, per class and rule

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Mean absolute LRP-ε relevance $|R_k|$ of the TopoDNN logit per input, over the top (red) and QCD (blue) test jets, for the $p_T$, $\\eta$ and $\\phi$ inputs (panels) against the constituent index (0 = hardest); error bars: standard deviation over training seeds.", "name": "fig-topodnn-lrp-epsilon"}}
name = "LRP-ε"
fig = xplots.feature_bars(stats[name], r"mean $|R_k|$",
                          title=f"{name}: mean |relevance| per class (± std over seeds)")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "As {numref}`fig-topodnn-lrp-epsilon`, with the LRP-γ rule ($\\gamma = 0.25$) in every layer: mean $|R_k|$ per input over the top (red) and QCD (blue) test jets, against the constituent index (0 = hardest); error bars: standard deviation over training seeds.", "name": "fig-topodnn-lrp-gamma"}}
name = "LRP-γ"
fig = xplots.feature_bars(stats[name], r"mean $|R_k|$",
                          title=f"{name}: mean |relevance| per class (± std over seeds)")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "As {numref}`fig-topodnn-lrp-epsilon`, with the LRP-$z^+$ rule (positive weights only) in every layer: mean $|R_k|$ per input over the top (red) and QCD (blue) test jets, against the constituent index (0 = hardest); error bars: standard deviation over training seeds.", "name": "fig-topodnn-lrp-zplus"}}
name = "LRP-z+"
fig = xplots.feature_bars(stats[name], r"mean $|R_k|$",
                          title=f"{name}: mean |relevance| per class (± std over seeds)")

# %% [markdown]
# ## Do the methods agree?
#
# A compact summary first, {numref}`fig-topodnn-kind-shares`: how each method splits its
# total importance between the momenta ($p_T$) and the angular positions ($\eta$, $\phi$) of
# the constituents.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Share of each method's total absolute importance carried by the $p_T$ (red), $\\eta$ (blue) and $\\phi$ (green) inputs, for top jets (left) and QCD jets (right); importances averaged over training seeds.", "name": "fig-topodnn-kind-shares"}}
fig = xplots.kind_share_panels(importances)

# %%
share_sentence, shares = attr.momentum_share_claim(replicas)
results.claim("momentum_shares", share_sentence)

# %% [markdown]
# In numbers: {glue:md}`momentum_shares:myst`

# %% [markdown]
# Now the rankings themselves ({numref}`fig-topodnn-rank-agreement`), between the
# seed-averaged 90-feature importance vectors of every pair of methods, per class (1:
# identical ranking, 0: unrelated, −1: reversed). Spearman's ρ weighs all 90 ranks equally,
# although most inputs matter little and their order is easily changed by noise. The
# **weighted Kendall τ** {cite}`Vigna:2015` (hyperbolic weights on the ranks) counts
# agreement among the most important inputs most, which is what a reader of a
# feature-importance plot looks at.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Rank agreement between the seed-averaged importance vectors of every pair of methods, for top jets (left) and QCD jets (right): Spearman's $\\rho$ (upper row) and the weighted Kendall $\\tau$ (lower row), on a colour scale from −1 (reversed ranking) to 1 (identical).", "name": "fig-topodnn-rank-agreement"}}
fig = xplots.rank_heatmaps(importances)

# %% [markdown]
# The same comparison with ΔAUC as the reference, adding Kendall's τ and the fraction of
# shared inputs among the ten highest-ranked. For scale, the last two columns give the
# agreement of each method *with itself* between networks that differ only in their
# training seed (mean over pairs of seeds; empty with one seed). Seed averages are less
# noisy than single networks, so this is a cautious yardstick: where two methods agree
# much less than each agrees with itself, training noise does not explain the difference.

# %%
verdict, evidence, taus = attr.shap_dauc_lrp_finding(replicas)
results.finding("finding_shap_dauc_lrp", verdict, evidence)
for key, tau in taus.items():
    results.record(f"tau_{key}", tau, fmt="{:+.2f}")
attr.agreement_table(study, references=("ΔAUC",)).style.format("{:.2f}", na_rep="—")

# %% [markdown]
# Khot et al. found that SHAP and ΔAUC rank the inputs alike while LRP ranks them
# differently. The test here compares, per class, the agreement of SHAP with ΔAUC with
# that of LRP-ε with each of them, every agreement measured on the same network; a
# difference counts only where it exceeds the combined spread.
# {glue:md}`finding_shap_dauc_lrp:myst`

# %% [markdown]
# ## The top features of each method
#
# The five highest-ranked inputs per method and class ($p_{T,i}$, $\eta_i$, $\phi_i$ of
# constituent $i$, counted from 0 = hardest).

# %%
attr.top_feature_table(importances, names, 5)

# %% [markdown]
# ## Summary
#
# The paper finds that ΔAUC and SHAP both rank the angular positions of the second and
# third constituents and the leading constituent's $p_T$ highest, while LRP puts much of
# its relevance on momenta and ranks the inputs differently. In this run:
#
# - **Performance.** On these test jets, {glue:md}`topodnn_vs_baselines:myst`; and
#   {glue:md}`topodnn_vs_paper:myst`.
# - **Momenta.** {glue:md}`momentum_shares:myst`
# - **Rankings.** {glue:md}`finding_shap_dauc_lrp:myst`
#
# The tables below collect the numbers. Chapter 2 shows where a preference of LRP for the
# momenta comes from and how to remove it.

# %%
print(f"TopoDNN on {len(train):,} training jets, {len(models)} seed(s):")
performance_table({"TopoDNN": metrics["TopoDNN"], "BDT (mass + τ)": metrics["BDT: mass+tau"]},
                  {"TopoDNN, paper": PAPER}).drop(index="1/εB at εS = 0.5")

# %%
overview = attr.method_overview(importances, names, references=("ΔAUC",),
                                measures=("spearman", "weighted"))
results.used_jets(test=len(test), train=len(train))
results.save()
overview.style.format({"pT share": "{:.0%}", "ρ vs ΔAUC": "{:+.2f}", "weighted τ vs ΔAUC": "{:+.2f}"})

# %% [markdown]
# ## Exercises
#
# ```{exercise-start}
# :label: ex-topodnn-rejection-precision
# ```
# **Check your understanding.** The background rejection $1/\varepsilon_B$ at
# $\varepsilon_S = 0.3$ is quoted by every top-tagging paper, yet on a small test set it is
# far less precise than the AUC of the same network. Where does its statistical
# uncertainty come from, how does it scale with the number $N_\text{pass}$ of background
# jets that pass the cut, and how many background test jets does a relative precision
# $\delta$ at a rejection $R$ need? What can you quote when no background jet passes?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-topodnn-rejection-precision
# :class: dropdown
# ```
# The cut is placed where a fraction $\varepsilon_S$ of the signal jets passes; of the $N_B$
# background jets, $N_\text{pass}$ pass it, and $\varepsilon_B = N_\text{pass}/N_B$ is a
# binomial fraction with $\sigma(\varepsilon_B) = \sqrt{\varepsilon_B(1-\varepsilon_B)/N_B}$.
# The relative uncertainty is $\sqrt{(1-\varepsilon_B)/N_\text{pass}} \approx
# 1/\sqrt{N_\text{pass}}$, and to first order the same for $R = 1/\varepsilon_B$. A good
# tagger has a *large* rejection, so *few* background jets pass: its best number is its least
# precise. The threshold itself is a quantile of the signal scores and fluctuates too, which
# adds a little (a bootstrap over all test jets captures both effects; the formula only the
# first). The AUC, by contrast, compares every signal jet with every background jet and uses
# the whole sample.
#
# A relative precision $\delta$ needs $N_\text{pass} \approx 1/\delta^2$, i.e.
# $N_B \approx R/\delta^2$ background test jets: for the paper's rejection of 278 and a
# precision of 10 %, that is $278/0.1^2$ QCD jets — more than the QCD test jets of the
# small profiles. When no background jet passes, the estimate is infinite; quote a lower
# limit instead. A Poisson count of zero excludes a mean above about 3 at the customary
# confidence level ($e^{-3} \approx 0.05$), so $1/\varepsilon_B > N_B/3$.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-topodnn-rejection-bootstrap
# ```
# **Compute.** For the first seed's TopoDNN, estimate the statistical uncertainty of
# $1/\varepsilon_B$ at $\varepsilon_S = 0.3$ and 0.5 and of the AUC by a bootstrap over the
# test jets (`helpers.results.claims.bootstrap`), and compare the relative spread of the
# rejection with $1/\sqrt{N_\text{pass}}$.
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-topodnn-rejection-bootstrap
# :class: dropdown
# ```
# Bootstrapping $\varepsilon_B$ rather than its inverse avoids infinite values in resamples
# where no background jet passes; the relative spreads of the two agree to first order.

# %%
import numpy as np

from helpers.metrics import auc, background_efficiency
from helpers.results.claims import bootstrap

p, n_qcd = all_probs["TopoDNN"][0], int((y_scored == 0).sum())
for eps_s in (0.3, 0.5):
    m = bootstrap(lambda idx, e=eps_s: background_efficiency(y_scored[idx], p[idx], e),
                  len(y_scored), n_boot=300, seed=seed)
    n_pass = m.value * n_qcd
    print(f"εS = {eps_s}: 1/εB = {1 / m.value:.1f}, {n_pass:.1f} of {n_qcd} QCD jets pass; relative "
          f"spread: bootstrap {m.spread / m.value:.0%}, 1/sqrt(N_pass) {n_pass ** -0.5:.0%}")
m = bootstrap(lambda idx: auc(y_scored[idx], p[idx]), len(y_scored), n_boot=300, seed=seed)
print(f"AUC = {m.value:.4f} ± {m.spread:.4f} (relative spread {m.spread / m.value:.1%})")

# %% [markdown]
# The bootstrap and $1/\sqrt{N_\text{pass}}$ should roughly agree (the number of passing
# jets is fractional because the ROC curve is interpolated at $\varepsilon_S$); the relative
# spread of the rejection should be many times that of the AUC, and larger at the tighter working
# point. Compare the spread with the differences between the TopoDNN, the baselines and
# the paper in the performance table before reading anything into them.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-topodnn-constituent-occlusion
# ```
# **Compute.** ΔAUC occludes one input at a time. Occlude instead a whole constituent —
# its $p_T$, $\eta$ and $\phi$ together, set to their training means — and compare its
# ΔAUC with the sum of the three single-input ΔAUCs, for the first seed's network. What
# does a difference tell you?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-topodnn-constituent-occlusion
# :class: dropdown
# ```
# One forward pass per constituent; the single-input ΔAUCs come from `helpers.xai.delta_auc`
# with the same reference, reshaped to (constituent, input).

# %%
import pandas as pd

from helpers import xai
from helpers.models import predict_logits

model, x_mean = models[0], X_train.mean(axis=0)
base_auc, joint = auc(y_test, predict_logits(model, X_test)), []
for i in range(30):
    X_occ = X_test.copy()
    X_occ[:, 3 * i:3 * i + 3] = x_mean[3 * i:3 * i + 3]
    joint.append(base_auc - auc(y_test, predict_logits(model, X_occ)))
single = xai.delta_auc(model, X_test, y_test, reference=X_train).reshape(30, 3)
occlusion = pd.DataFrame({"whole constituent": joint, "sum of its three inputs": single.sum(1),
                          "largest single input": single.max(1)}).rename_axis("constituent")
occlusion.sort_values("whole constituent", ascending=False).head(8).style.format("{:+.4f}")

# %% [markdown]
# If the network treated the three inputs of a constituent independently and the AUC
# responded linearly, the two columns would agree. A joint loss *larger* than the sum
# points to inputs that stand in for each other: occluding one leaves the others to carry
# much of the same information, so each single ΔAUC understates it. A *smaller* one points
# to inputs that matter only together: a prong's position needs both $\eta$ and $\phi$, so
# occluding either already removes most of it, and the single ΔAUCs count the same loss
# twice. Constituents 0 and 1 have inputs fixed by the alignment
# ($\eta_0 = \phi_0 = \eta_1 = 0$ in every jet), which no occlusion can change. Before
# reading the differences, compare them with the AUC's bootstrap spread of the previous
# exercise: a paired difference on the same jets is less noisy than that, but on the test
# sets of the small profiles many of the small entries are noise.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-topodnn-constituent-removal
# ```
# **Extension.** Replacing a constituent by the *average* constituent creates a jet that
# does not exist. A physicist would rather ask what the tagger loses when a particle is
# *missing*. Define the importance of constituent $i$ by removing it from the jet
# (the softer ones move up, and the preprocessing runs again), and compare with the
# occlusion of the previous exercise. How would you turn this into a per-jet, per-class
# attribution, and how does it relate to the infrared and collinear safety of chapter 0?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-topodnn-constituent-removal
# :class: dropdown
# ```
# `topodnn_features` takes the raw constituent array, so removing constituent $i$ is
# `np.delete` on the constituent axis followed by the full preprocessing: for $i = 0, 1$
# the alignment itself changes, and the former 31st constituent enters the last slot. A
# start for the ten hardest constituents:

# %%
removed = {}
for i in range(10):
    X_removed = topodnn_features(np.delete(test.constituents, i, axis=1))
    removed[i] = base_auc - auc(y_test, predict_logits(model, X_removed))
occlusion.assign(removed=pd.Series(removed)).head(10)[["whole constituent", "removed"]].style.format(
    "{:+.4f}")

# %% [markdown]
# The per-jet version is the differential relevance of chapter 2 with removal as the
# reference, $f(\vec x) - f(\vec x \text{ without } i)$; its mean absolute value per class is
# a "removal MAD". Jets with fewer than $i + 1$ constituents are unchanged by the removal,
# so normalise per class by the jets that have a constituent $i$. A soft constituent whose
# removal changes the output is a sign of infrared sensitivity; to probe collinear safety,
# split a constituent into two halves instead of removing it (chapter 0's last exercise)
# and compare the output before and after. Beyond the TopoDNN, the same removal study on
# the PFN of chapter 4 asks whether a set-based network is more robust to missing particles.
# ```{solution-end}
# ```
