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
# # 0. The jets
#
# Every chapter of this book studies networks trained on the same kind of object: a
# **large-radius jet** of about 600 GeV, reconstructed from the stable particles of a
# proton-proton collision at 14 TeV. This chapter generates those jets — with Pythia 8
# and FastJet, on this machine — and checks that they are what the later chapters need:
# boosted hadronic top quarks against QCD jets (chapters 1–4), and W bosons, quark and
# gluon jets for the recursive networks of chapter 5.
#
# The selection follows the top-tagging benchmark {cite}`Kasieczka:2019dbj`: anti-$k_t$
# jets with $R = 0.8$, $p_T \in [550, 650]$ GeV, $|\eta| < 2$; a top jet must contain the
# top quark and its three decay quarks within $\Delta R < 0.8$. The jets generated here
# are *particle level*: no detector simulation, which makes substructure sharper than in
# the benchmark's Delphes jets (with `data_source="benchmark"` the chapter reads those
# instead). The [data page](../book/data.md) lists every setting.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""
workers = None  # generation processes (None: all cores)

# %%
from IPython.display import Markdown
from myst_nb import glue

from helpers.data import TASKS, book_samples, load_task, sample_files, task_files
from helpers.notebook import start_chapter
from helpers.physics.images import average_image
from helpers.physics.observables import compute_observables
from helpers.plots import jets as jplots
from helpers.results import ChapterRecord
from helpers.studies import jets as study

prof = start_chapter(None, profile, "cpu", seed, data_source).profile
generated = data_source == "generated"
names = TASKS["top_qcd"].class_names
results = ChapterRecord("00_jets", prof, [seed], data_source)

# %% [markdown]
# ## Generating (or loading) the top/QCD sample
#
# `sample_files` generates every process and split the book reads, in shards that share
# one pool of processes (the cores stay busy across the samples), and reuses the cached HDF5
# files afterwards (the file names carry a hash of the full generation configuration);
# `load_task` assembles a task's balanced splits from them. With `data_source="benchmark"`
# it reads the original files instead. This
# profile uses {glue:md}`jets_top.text:myst` top and {glue:md}`jets_QCD.text:myst` QCD jets, over all
# splits.

# %%
if generated:
    sample_files(book_samples(), prof, seed, workers=workers)
splits = load_task("top_qcd", prof, seed=seed, data_source=data_source, data_dir=data_dir)
by_class = study.by_class(splits["train"], names)
counts = study.class_counts(splits, names)
for name in names.values():
    results.record(f"jets_{name}", counts.loc[name].sum(), fmt="{:,.0f}")
counts

# %% [markdown]
# How fast was that? Each file records its events, jets and worker time. The rate below
# is *kept jets per second of one core*: everything from the Pythia event to the stored,
# matched jet. Parton-level vetoes drop an event as soon as it is clear that it cannot give
# a jet in the window — no top fast enough, or no jet of partons hard enough, during or
# after the shower — before it is hadronised (see the data page); such events count as
# events. Here {glue:md}`veto:myst`.

# %%
gen_summary = None
if generated:
    gen_table = study.generation_table(task_files("top_qcd", prof, seed=seed))
    gen_summary = study.generation_summary(gen_table)
    for process, row in gen_summary.items():
        results.record(f"rate_{process}", row["jets_per_s"], fmt="{:.1f}")
        results.record(f"vetoed_{process}", row["vetoed_share"], fmt="{:.1%}")
    display(gen_table.style.format(study.GENERATION_FORMAT))
results.claim("veto", study.veto_claim(gen_summary))

# %% [markdown]
# ## Jet kinematics per class
#
# The jet four-momentum is the sum of its constituents. {numref}`fig-jets-kinematics` shows
# the jet mass, $p_T$, $\eta$ and constituent multiplicity of both classes. By construction
# both classes fill the same $p_T$ window and $|\eta| < 2$; the **mass** is where they should
# differ.
# A top jet contains the three decay quarks, so its mass should lie near the top-quark
# mass — whatever momentum share the b quark has, since the mass of all decay products is
# the top mass — or near the W mass when much of the b quark's shower and hadrons falls
# outside $R = 0.8$ (the matching puts the quarks inside, not everything they radiate),
# while a QCD jet's mass comes from gluon radiation and falls from low values.
# {glue:md}`mass:myst` (A peak is the mode of a histogram with 5 GeV bins; its uncertainty is the
# bootstrap spread over the jets combined with the resolution of the binning, that of a
# median its bootstrap spread.)

# %%
kin = study.kinematics_by_sample(by_class)
results.claim("mass", study.mass_claim(kin, seed=seed))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Jet mass (GeV), transverse momentum $p_T$ (GeV), pseudorapidity $\\eta$ and constituent multiplicity of the top (red) and QCD (blue) training jets; each histogram is normalised to unit area, and the legend gives the number of jets.", "name": "fig-jets-kinematics"}}
fig = jplots.kinematics_panels(kin)

# %% [markdown]
# ## How the momentum is shared among the constituents
#
# How much of the jet momentum do the leading constituents carry? In a QCD jet, whose
# energy sits in one hard prong, they should carry more of it than in a top jet, which
# shares it among three. {glue:md}`leading_share:myst` {numref}`fig-jets-momentum-fractions`
# shows the momentum fraction $p_{T,i}/p_{T,J}$ of the three hardest constituents, and the
# mean fraction per constituent rank (the TopoDNN of chapter 1 sees the first 30 of them).

# %%
fractions = study.momentum_fractions(by_class)
results.claim("leading_share", study.leading_share_claim(fractions))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Momentum fraction $p_{T,i}/p_{T,J}$ of the three hardest constituents ($i = 0, 1, 2$; histograms normalised to unit area) and, right, the mean fraction against the constituent rank by $p_T$ (log–log; the dashed line marks the 30 constituents the TopoDNN sees), for top (red) and QCD (blue) training jets.", "name": "fig-jets-momentum-fractions"}}
fig = jplots.momentum_fraction_panels(fractions)

# %% [markdown]
# ## Average jet images
#
# Each jet is centred on its axis and its constituents' momentum fractions are binned
# in $(\Delta\eta, \Delta\phi)$; the images are averaged per class ({numref}`fig-jets-images`).
# A QCD jet should look like a single hard core with a soft halo, a top jet spread its
# momentum over a wider area — the three prongs, smeared out by averaging over their
# orientations (chapter 1's preprocessing rotates jets to align them). The width
# $\lambda^1_1$ below, the $p_T$-weighted mean distance of the constituents from the jet
# axis, puts a number on it: measured as class means ± their standard errors,
# {glue:md}`width:myst`.

# %%
half_width = 0.8
images = {n: average_image(s, npix=33, half_width=half_width) for n, s in by_class.items()}

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Mean jet images of the top (left) and QCD (right) training jets: the constituents' momentum fraction $p_T/p_{T,J}$ per pixel in $(\\Delta\\phi, \\Delta\\eta)$ around the jet axis, within $\\pm 0.8$ of it and without rotation, on a common logarithmic colour scale.", "name": "fig-jets-images"}}
fig = jplots.average_images(images, half_width)

# %% [markdown]
# ## The other samples: W, quark and gluon jets
#
# Chapter 5 trains recursive networks on three tasks with the same jet definition:
# W/QCD (W′ → WZ with W → qq̄, Z → νν̄), top/QCD, and quark/gluon (Z → νν̄ plus one jet,
# generated as two separate processes so that the classes are balanced; a jet is
# labelled by the hard parton it is matched to). {glue:md}`other_samples_figure:myst`

# %%
other_jets = study.other_samples(prof, seed, workers) if generated else {}
kin.update(study.kinematics_by_sample(other_jets))
results.claim("w_peak", study.w_peak_claim(kin, seed=seed))
for key, sentence in study.other_samples_sentences(generated).items():
    glue(key, Markdown(sentence), display=False)
if not generated:
    print("The benchmark files contain top and QCD jets only.")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Jet mass (left, GeV) and constituent multiplicity (right) of the generated W (orange), quark (green) and gluon (purple) training jets of chapter 5, with the QCD training jets (blue) for comparison; each histogram is normalised to unit area.", "name": "fig-jets-other-samples"}}
if generated:
    fig = jplots.mass_and_multiplicity({n: kin[n] for n in (*other_jets, "QCD")})

# %% [markdown]
# {glue:md}`w_peak:myst`

# %% [markdown]
# ## A control: do the kinematics alone tell the classes apart?
#
# Every sample fills the same jet $p_T$ window and $|\eta| < 2$, but signal and background
# come from different processes, so their spectra *inside* the window need not agree. A
# 1.3 TeV W′ → WZ puts the W's Jacobian edge near 650 GeV: the W spectrum should rise across
# the window while the QCD spectrum falls. A network fed absolute momenta — the RecNN of
# chapter 5 sees $p$, $E$ and $p_T$ at every node — could then separate W from QCD jets by
# the spectrum alone, and part of what it "learned" would be a property of the generation,
# not of the jets. {numref}`fig-jets-kinematic-control` shows the spectra of every task's
# test jets; the table gives the AUC of each variable alone (in the better direction, ± its
# standard error) before and after *matching*: in every bin of ($p_T$, $|\eta|$), as many
# jets of each class as the rarer class has there, in bins as fine as the sample allows
# (`helpers.data.matching`). {glue:md}`shortcut:myst` {glue:md}`shortcut_matched:myst`
#
# {glue:md}`shortcut_inputs:myst`

# %%
test_sets = study.task_test_sets(prof, seed, data_source, data_dir, workers)
controls = {task: study.shortcut_control(task, jets, seed) for task, jets in test_sets.items()}
for key, m in study.shortcut_records(controls).items():
    results.record(key, m, fmt="{:.3f}")
for key, sentence in study.shortcut_claims(controls).items():
    results.claim(key, sentence)
results.claim("shortcut_inputs", study.inputs_claim(controls))
study.shortcut_table(controls)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Jet $p_T$ (left, GeV) and $|\\eta|$ (right) of the signal and background test jets of every task (one row a task), each histogram normalised to unit area: a difference between the two classes is a kinematic shortcut a network can use.", "name": "fig-jets-kinematic-control"}}
fig = jplots.kinematic_spectra(test_sets)

# %% [markdown]
# ## Substructure observables
#
# The later chapters phrase what networks learn in terms of a few classic jet
# observables ({cite}`Thaler:2010tr`, {cite}`Larkoski:2014pca`), computed here from the
# constituents (angles in rapidity–azimuth, $R = 0.8$):
#
# - **N-subjettiness** $\tau_N$ ($\beta = 1$, one-pass $k_t$ axes) and the ratios
#   $\tau_{21} = \tau_2/\tau_1$ (two-prong-ness, small for W jets) and
#   $\tau_{32} = \tau_3/\tau_2$ (three-prong-ness, small for top jets);
# - the **generalised angularities** $\lambda^\kappa_\beta = \sum_i z_i^\kappa
#   (\Delta R_i/R)^\beta$: width $\lambda^1_1$, $p_T^D = \sqrt{\lambda^2_0}$, and the
#   constituent multiplicity $\lambda^0_0$.
#
# Gluons radiate more than quarks (colour factor $C_A/C_F = 9/4$), so gluon jets should
# be wider, with more constituents and a smaller $p_T^D$. In these samples (class means ±
# their standard errors): {glue:md}`prongs:myst`. {glue:md}`quark_gluon:myst`
#
# The distributions of the six observables are shown for top and QCD jets in
# {numref}`fig-jets-substructure-top`. {glue:md}`other_substructure_figures:myst`

# %%
samples = {**by_class, **other_jets}
observables = {n: compute_observables(s) for n, s in samples.items()}
for key, sentence in study.substructure_claims(observables).items():
    results.claim(key, sentence)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Substructure observables of the top (red) and QCD (blue) training jets: jet mass (GeV), $\\tau_{21}$, $\\tau_{32}$, width $\\lambda^1_1$, constituent multiplicity and $p_T^D$; each histogram is normalised to unit area.", "name": "fig-jets-substructure-top"}}
fig = jplots.observable_grid(observables, ("top", "QCD"))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The substructure observables of {numref}`fig-jets-substructure-top` for the W (orange) and QCD (blue) training jets: jet mass (GeV), $\\tau_{21}$, $\\tau_{32}$, width $\\lambda^1_1$, constituent multiplicity and $p_T^D$, each histogram normalised to unit area.", "name": "fig-jets-substructure-w"}}
if generated:
    fig = jplots.observable_grid(observables, ("W", "QCD"))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The substructure observables of {numref}`fig-jets-substructure-top` for the quark (green) and gluon (purple) training jets: jet mass (GeV), $\\tau_{21}$, $\\tau_{32}$, width $\\lambda^1_1$, constituent multiplicity and $p_T^D$, each histogram normalised to unit area.", "name": "fig-jets-substructure-qg"}}
if generated:
    fig = jplots.observable_grid(observables, ("quark", "gluon"))

# %% [markdown]
# Medians per sample, measured on the training jets:

# %%
study.median_table(observables, [key for key, *_ in jplots.SUBSTRUCTURE_PANELS]).style.format("{:.3g}")

# %% [markdown]
# Which single observable separates the classes of each task best? The table gives the
# ROC AUC of a cut on each one alone (in whichever direction separates better), with the
# Hanley–McNeil standard error. {glue:md}`best_observables:myst`

# %%
aucs = study.separation(observables)
results.claim("best_observables", study.best_observable_claim(aucs))
study.separation_table(aucs)

# %% [markdown]
# ## The primary Lund plane
#
# Recluster each jet's constituents with Cambridge/Aachen and follow the harder branch
# from the root: each splitting into a harder branch $a$ and a softer branch $b$ is one
# point $(\ln 1/\Delta, \ln k_t)$ with $\Delta = \Delta R_{ab}$ and
# $k_t = p_{T,b}\,\Delta$ {cite}`Dreyer:2018nbf`. Soft-collinear QCD radiation fills
# the plane uniformly (at fixed coupling), so the density maps *where* a jet differs:
# the decay of a heavy particle shows up as an excess of hard ($k_t$ of tens of GeV),
# wide-angle splittings; non-perturbative effects populate the bottom ($k_t \lesssim
# 1$ GeV). The density, normalised per jet, is shown per sample in {numref}`fig-jets-lund`.
# {glue:md}`lund_hard:myst` {glue:md}`lund_gluon:myst`

# %%
lund = study.primary_lund(samples)
densities = study.lund_densities(lund)
for key, sentence in study.lund_claims(lund).items():
    results.claim(f"lund_{key}", sentence)
study.declusterings_per_jet(lund).to_frame().style.format("{:.1f}")

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Primary Lund-plane density $\\rho$ (emissions per jet and unit area) in $(\\ln 1/\\Delta, \\ln k_t/\\mathrm{GeV})$, one panel per sample of training jets (top and QCD; with generated jets also W, quark and gluon), each on its own colour scale.", "name": "fig-jets-lund"}}
fig = jplots.lund_map_grid(densities)

# %% [markdown]
# The difference of densities, {numref}`fig-jets-lund-differences`, makes the class
# differences explicit (top − QCD, and, for the chapter-5 tasks, W − QCD and quark − gluon):

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Differences $\\Delta\\rho$ of the primary Lund-plane densities of {numref}`fig-jets-lund` in $(\\ln 1/\\Delta, \\ln k_t/\\mathrm{GeV})$: top − QCD and, with generated jets, W − QCD and quark − gluon; red where the first sample has more emissions per jet, blue where the second has, on a symmetric colour scale per panel.", "name": "fig-jets-lund-differences"}}
fig = jplots.lund_differences(densities, study.LUND_PAIRS)

# %% [markdown]
# ## Cross-checks
#
# The numbers below are measured on the sample above, not typed in. The peak position
# is the mode of a histogram with 5 GeV bins inside a window around the expected mass.

# %%
check_table = study.cross_checks(kin)
check_table.style.format({"measured": "{:.3g}"}).hide(axis="index")

# %%
# The book build fails if the physics is off: the windows are loose, deliberately.
print(study.check_physics(check_table))
results.record("top_mass_peak", study.peak_measurement(kin["top"]["mass"], 120, 230, seed=seed),
               fmt="{:.1f}")
results.used_jets(train=sum(len(s) for s in samples.values()))
saved = results.save()  # the chapter's result file, read by the scorecard

# %% [markdown]
# **What the later chapters use.** The constituent four-momenta $(E, p_x, p_y, p_z)$ —
# nothing else — are the network inputs. Each generated jet also carries the
# four-momentum of its matched truth parton as it leaves the hard process (the top, the
# W, or the hard quark/gluon);
# it is stored *only* so that chapter 4 can demonstrate how a label leaks when truth
# information reaches the inputs, and a test guarantees that no preprocessing reads it.

# %% [markdown]
# ## Exercises
#
# ```{exercise-start}
# :label: ex-jets-w-peak
# ```
# **Check your understanding.** Besides the peak near the top-quark mass, the mass of top
# jets has a second, lower population. Where do you expect it, which decay products does
# it contain, and which setting of the jet definition would shrink it?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-jets-w-peak
# :class: dropdown
# ```
# Near the W mass. In $t \to bW \to b q\bar q'$ the invariant mass of all decay products
# is the top mass however the momentum is shared, so a soft b alone does not move the jet
# mass; when the b quark's shower and hadrons fall outside the jet, the jet holds only the
# W's decay products and its mass is the W mass (partial losses fill the region between
# the two peaks).
# A larger jet radius $R$ (or a higher $p_T$ window, which collimates the decay) keeps more
# b quarks inside and shrinks the W population; the matching requirement of this book
# (all three decay quarks within $\Delta R < 0.8$ of the jet axis) already removes most of
# it at the parton level, so the W population should be small in these samples.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-jets-mass-window
# ```
# **Compute.** A cut-based top tagger keeps jets in a mass window. Using the `observables`
# of this chapter, find the window (in 5 GeV steps) that maximises $S/\sqrt{B}$ for top
# against QCD jets, and the fractions of top and QCD jets it keeps.
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-jets-mass-window
# :class: dropdown
# ```
# Cumulative histograms give every window's counts at once: the window $[e_i, e_j)$ holds
# $C(j) - C(i)$ jets.

# %%
import numpy as np

edges = np.arange(50.0, 305.0, 5.0)
cum = {c: np.concatenate([[0], np.cumsum(np.histogram(observables[c]["mass"], edges)[0])])
       for c in ("top", "QCD")}
S, B = (cum[c][None, :] - cum[c][:, None] for c in ("top", "QCD"))
significance = np.where(B > 0, S / np.sqrt(np.maximum(B, 1)), 0.0)
i, j = np.unravel_index(np.argmax(significance), significance.shape)
print(f"best window {edges[i]:.0f}-{edges[j]:.0f} GeV: keeps {S[i, j] / cum['top'][-1]:.0%} of "
      f"the top jets and {B[i, j] / cum['QCD'][-1]:.1%} of the QCD jets")

# %% [markdown]
# The window sits around the top mass; its edges move from sample to sample by a few bins,
# because $S/\sqrt{B}$ is flat near its maximum and the QCD counts in a narrow window are
# small.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-jets-irc
# ```
# **Extension.** The momentum share of the hardest constituent separates top from QCD jets.
# Is it infrared and collinear (IRC) safe? Split the hardest constituent of a jet into two
# collinear halves and compare the share, the jet mass and $\tau_{32}$ before and after.
# Which of the later chapters' networks could be fooled by such a split?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-jets-irc
# :class: dropdown
# ```
# A collinear split leaves the jet's four-momentum, and so its mass, unchanged, and
# N-subjettiness with its $p_T$-weighted distances is unchanged too; the hardest
# constituent's share halves: it is not collinear safe. With `helpers.physics.kinematics`
# build the split jet by halving the leading constituent's four-momentum and appending the
# copy, then recompute with `compute_observables` on a one-jet `JetSet`. The TopoDNN of
# chapter 1 and the PFN of chapter 4 read individual constituents and can change their
# output under such a split; an energy flow network, which weights every particle by its
# momentum share $z_i$ and sees only its angles otherwise, is IRC safe by construction.
# ```{solution-end}
# ```
