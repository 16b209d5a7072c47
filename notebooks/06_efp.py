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
# # 6. What the taggers learned, in the language of physics
#
# The chapters so far asked *which inputs or latents matter*: attributions rank the
# TopoDNN's inputs (chapters 1–2), activation patterns and latent rankings show which units
# carry the decision (chapters 3–4), probes and saliency show what the RecNN's embedding
# holds and where its output looks (chapter 5). The question a physicist asks next is
# *which observable the network computes*. This chapter answers it in two ways.
#
# 1. **Translation into energy flow polynomials.** The energy flow polynomials (EFPs)
#    {cite}`Komiske:2017aww` form a linear basis of the infrared- and collinear-safe (IRC-safe)
#    jet observables. Faucett, Thaler and Whiteson {cite}`Faucett:2020giy` search, guided by
#    the network's own decisions, for the few EFPs whose simple model orders jets the way the
#    network does. We run their search for every top/QCD tagger of the book: the TopoDNN,
#    the PFN, the RecNN, and chapter 5's LSTM and CNN.
# 2. **Filters of an Energy Flow Network.** The EFN {cite}`Komiske:2018cqr` is the PFN's
#    IRC-safe cousin. Its per-particle map sees only the particle's angles, so every latent
#    filter can be drawn on the $(\Delta\eta, \Delta\phi)$ plane.
#
# Everything runs on chapter 5's top/QCD test jets, matched in $(p_T, |\eta|)$ (chapter 0),
# with the same trained networks: the cached models of chapters 1, 4 and 5 are reused, not
# retrained.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import time

from helpers.notebook import start_chapter
from helpers.plots import efn as nplots
from helpers.plots import efp as eplots
from helpers.results import ChapterRecord
from helpers.studies import architectures, efp

prof, settings, device, seeds = start_chapter("efp", profile, device, seed, data_source)
results = ChapterRecord("06_efp", prof, seeds, data_source)
cfg = efp.settings(prof)

# %% [markdown]
# ## The jets and the networks
#
# The five networks are chapter 5's: each is scored on the same matched top/QCD test jets.
# The TopoDNN and the PFN were trained in chapters 1 and 4, the RecNN, the LSTM and the
# CNN in chapter 5. Where an earlier chapter of this build ran, they come from the cache.

# %%
start = time.perf_counter()
splits, task, reps = efp.networks(prof, seed, data_dir, data_source, seeds, device)
test, y = task.jets["test"], task.labels("test")
print(f"networks on {len(test)} matched test jets: {time.perf_counter() - start:.0f} s")
results.used_jets(test=len(test))

# %% [markdown]
# ## Energy flow polynomials
#
# An EFP is a multigraph $G$ turned into an observable. With $z_i = p_{T,i} / \sum_j p_{T,j}$
# the momentum fraction of particle $i$ and $\theta_{ij}$ the distance of particles $i$ and
# $j$ in $(\eta, \phi)$,
#
# $$
# \mathrm{EFP}_G = \sum_{i_1 \ldots i_N} z_{i_1}^{\kappa} \cdots z_{i_N}^{\kappa}
#   \prod_{(k, l) \in G} \theta_{i_k i_l}^{\beta} .
# $$
#
# Every vertex of the graph is a sum over the jet's particles, weighted by its energy;
# every edge an angle between two of them. The degree $d$ is the number of edges. The
# single edge is (for $\beta = 2$, small angles) twice the squared jet mass over $p_T^2$;
# the triangle measures three-prong structure. For $\kappa = \beta = 1$ the EFPs are IRC
# safe. The *generalised* EFPs with other energy and angular exponents are offered too:
# $\kappa \ne 1$ makes an observable IRC *unsafe* ($\kappa = 0$ on the single vertex is
# the particle multiplicity), and in Faucett et al.'s study an IRC-unsafe observable was
# what closed the gap to the network. The classic observables — jet mass, $\tau_{21}$,
# $\tau_{32}$ and the multiplicity — are offered alongside. {glue:md}`efp_offered:myst` The book computes the EFPs with its own vectorised code
# (`helpers.physics.efp`); the tests check it against the `energyflow` package.

# %%
start = time.perf_counter()
obs = efp.recnn.task_observables({"top_qcd": task})["top_qcd"]
cands = efp.compute_candidates(test, obs["test"], efp.offered_specs(prof))
print(f"{cands.values.shape[1]} observables offered ({sum(cands.irc_safe)} IRC safe) on "
      f"{len(test)} jets: {time.perf_counter() - start:.0f} s (cached on later runs)")
results.claim("efp_offered", efp.offered_claim(cands, prof))

# %% [markdown]
# ## Decision ordering and the guided search
#
# Two taggers $f$ and $g$ order a pair of a top jet $s$ and a QCD jet $b$ the same way when
# $f(s) - f(b)$ and $g(s) - g(b)$ have the same sign. The **average decision ordering**
# $\mathrm{ADO}(f, g)$ is the fraction of all top–QCD pairs they order alike (a tie counts
# half): 1 for two taggers that are monotone functions of each other, 0.5 for unrelated ones,
# and the AUC when $g$ is the truth label. The book counts it by ranks, without a loop over
# the pairs (`helpers.xai.ado`).
#
# The **guided search** (`helpers.xai.ado.guided_search`) builds a simple model step by
# step. The test jets are split in two halves: one chooses, the other reports. The first
# step takes the observable of highest ADO with the network. Every later step fits the
# simple model on the observables chosen so far (each mapped monotonically onto a normal
# distribution, then a linear least-squares fit of the network's logit), finds the pairs it
# orders *differently* from the network, and adds the observable that best orders *those*
# pairs the network's way. The simple model is fitted to the network, not to the truth
# labels: a translation should follow the network, its mistakes included (the search also
# runs with a logistic regression on the labels, `target="labels"`, which asks instead how
# good a tagger the chosen observables make). A step counts as useful while it raises the ADO on the reporting half
# by at least the profile's `min_gain`; the search stops there. It runs for every network
# and training seed.

# %%
searches = efp.search_all(reps, cands, y, prof, seed)
for key, sentence in efp.translation_claims(searches, cands).items():
    results.claim(key, sentence)
for name, runs in searches.items():
    results.record(f"efp_final_ado_{name}", efp.final_ado(runs))
    results.record(f"efp_model_auc_{name}", efp.final_auc(runs))
efp.search_table(searches)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "ADO between each network and the simple model of the observables chosen so far, after each step of the guided search, on the reporting half of the test jets (mean over training seeds, error bars: their spread).", "name": "fig-efp-ado"}}
fig = eplots.ado_steps({n: efp.step_ado(r) for n, r in searches.items()})

# %% [markdown]
# The table gives, per network, the observables of the useful steps (first training seed),
# the final ADO, and the AUCs of the simple model and of the network, all on the reporting
# half of the test jets. {glue:md}`efp_translation:myst` {glue:md}`efp_gap:myst`
# {glue:md}`efp_irc:myst`
# {numref}`fig-efp-graphs` draws the EFPs each network's search chose (first training
# seed): read every vertex as an energy-weighted sum over particles and every edge as an
# angle between them.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The EFPs chosen by the guided search for each network (first training seed, in the order chosen; classic observables are listed by name). Each panel gives the step, the graph's shape, and κ and β where they differ from 1; a minus sign marks an observable whose lower values are the top-like direction.", "name": "fig-efp-graphs"}}
fig = eplots.chosen_graphs(searches, cands)

# %% [markdown]
# ## Energy Flow Network filters
#
# The EFN computes $F\big(\sum_i z_i\, \Phi(\Delta\eta_i, \Delta\phi_i)\big)$: the momentum
# fractions enter linearly and the per-particle map sees only the angles relative to the
# jet axis, which makes every latent $\sum_i z_i \Phi_a$ IRC safe. It is trained with the
# PFN's architecture and recipe on the PFN's training jets, so the difference of the two
# AUCs is what IRC safety costs here. The *filter* $\Phi_a(\Delta\eta, \Delta\phi)$ of
# a latent is a picture: where in the jet a particle's energy counts for that latent. The
# filters drawn are those whose latent varies most from jet to jet; each is described by
# its radius (the distance from its weighted centre within which it holds half of its
# weight above its lowest value in the jet), its number of lobes (connected regions above
# half of its maximum), and whether it rises or falls with the angle to the jet axis (its
# rank correlation with that angle over the jet).

# %%
efn = efp.efn_study(splits, test, reps["PFN"], prof, seeds, device, cfg["n_filters"])
for key, sentence in efp.efn_claims(efn).items():
    results.claim(key, sentence)
for key, m in {"efn_auc": efn.efn_auc, "pfn_auc": efn.pfn_auc}.items():
    results.record(key, m)

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The leading EFN filters (first training seed) on the (Δη, Δφ) plane of the jet axis, ordered by the spread of their latent over the test jets; dashed circles: the radius around each filter's weighted centre (+) within which it holds half of its weight above its lowest value in the jet; ×: the jet axis; white: outside the jet (ΔR > R).", "name": "fig-efn-filters"}}
fig = nplots.filter_maps(efn.images, efn.axis, efn.properties,
                         [f"filter {a}" for a in efn.leading])

# %% [markdown]
# {glue:md}`efn_vs_pfn:myst` {glue:md}`efn_filters:myst`

# %% [markdown]
# ## Does the translation agree with the rest of the book?
#
# Two chapters answered parts of the question differently. Chapter 5's linear probes
# measure which observables a representation *holds*; chapter 4 asks whether the PFN
# latent's first principal component follows the jet mass, as Khot et al. found. Here the
# first observable of each network's translation is compared with the classic observables
# by rank correlation, and the ones it follows most closely are set beside those a linear
# probe reads best from the same network's representation (a group, where the measurements
# cannot tell its members apart). The network's output itself is compared with the classic
# observables in the second table.

# %%
probes = architectures.architecture_probes(reps, task, obs, list(efp.CLASSIC))
rho = efp.translation_follows(searches, cands, y, seed)
table, claims = efp.agreement_table(rho, probes.r2, probes.n_seeds)
claims["efp_vs_pca"] = efp.pfn_pc1_claim(reps["PFN"], cands, y, rho["PFN"])
for key, sentence in claims.items():
    results.claim(key, sentence)
table

# %% tags=["hide-input"]
efp.follows_table(efp.closest_classic(reps, cands, y, seed))

# %% [markdown]
# {glue:md}`efp_vs_probes:myst` {glue:md}`efp_vs_pca:myst`
#
# Chapter 1 ranked the TopoDNN's *inputs*; a translation has no inputs of that kind, but
# both can be asked which *constituents* they need. Remove the $i$-th hardest constituent
# from every jet (the softer ones move up), recompute the TopoDNN's inputs and the
# translation's observables on the same jets, and measure the AUC each loses, on the
# reporting half. The translation is the simple model the search fitted at its last
# useful step (`SearchResult.translation`), fed the recomputed observables.
# Beside the two stands chapter 1's ΔAUC occlusion of the same constituents' three
# inputs. Rank correlations over the constituents compare the profiles.

# %%
importance = efp.constituent_importance(splits, test, searches["TopoDNN"], cands, prof,
                                        seeds, device, seed)
results.claim("efp_vs_attribution", efp.constituent_claim(importance))

# %% tags=["hide-input"] mystnb={"figure": {"caption": "AUC lost when one of the hardest constituents is removed from every jet, for the TopoDNN (left) and its EFP translation (middle), and the TopoDNN's ΔAUC occlusion of that constituent's three inputs, summed (right, chapter 1's method), on the reporting half of the test jets; bars: mean over training seeds, error bars: their spread.", "name": "fig-efp-constituents"}}
fig = eplots.constituent_importance(importance.removal_network, importance.removal_translation,
                                    importance.occlusion)

# %% [markdown]
# {glue:md}`efp_vs_attribution:myst` A translation that depends on the constituents as its
# network does has captured *where* in the jet the network looks, not only how it ranks
# jets; the hardest constituents carry most of the energy-weighted sums of the EFPs, so
# a translation whose profile falls faster than the network's has left the softer
# constituents' part of the decision untranslated.

# %%
for key, (verdict, evidence) in efp.findings(searches, cands, efn).items():
    results.finding(key, verdict, evidence)
saved = results.save()  # the chapter's result file, read by the scorecard

# %% [markdown]
# ## Exercises
#
# ```{exercise-start}
# :label: ex-efp-irc-kappa
# ```
# **Check your understanding.** Take the single vertex with energy exponent $\kappa$,
# $\mathrm{EFP} = \sum_i z_i^{\kappa}$. Show that it is unchanged when a particle splits
# collinearly into two, $z_j \to \lambda z_j, (1 - \lambda) z_j$ with $0 < \lambda < 1$, or
# when a particle of vanishing $z$ is added, only for $\kappa = 1$. Which way does it move
# under a collinear split for $\kappa = 2$ and for $\kappa = \tfrac12$, and what is it for
# $\kappa = 0$? Why do the edges' angular exponent $\beta > 0$ never spoil IRC safety? And
# why does the search compare *orderings* (the ADO) instead of fitting the network's output
# directly?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-efp-irc-kappa
# :class: dropdown
# ```
# A collinear split replaces $z_j^{\kappa}$ by
# $z_j^{\kappa}\,[\lambda^{\kappa} + (1 - \lambda)^{\kappa}]$. The bracket is $1$ for every
# $\lambda$ only when $\kappa = 1$: for $\kappa > 1$ it is below one (the function
# $x^{\kappa}$ is convex, so a split lowers the sum: $\kappa = 2$ weights hard particles and
# falls as the energy spreads), for $0 < \kappa < 1$ above one (a split raises it:
# $\kappa = \tfrac12$ grows with the number of particles sharing the energy). A soft
# particle adds $z^{\kappa} \to 0$ for every $\kappa > 0$, but exactly one for
# $\kappa = 0$, where the observable is the multiplicity: it changes by one with every
# emission, however soft or collinear — the least IRC-safe observable there is. For a graph
# with edges, a collinear pair has $\theta_{ij} \to 0$, so with $\beta > 0$ every term in
# which the two split particles sit on the two ends of an edge vanishes; the terms where
# they sit on different vertices not joined by that edge sum, for $\kappa = 1$, to the
# unsplit particle's term, because each vertex is linear in the energy. The angular
# exponent therefore only changes *how* angles are weighted, never the safety.
#
# The ADO is unchanged by any strictly increasing transformation of either tagger (it sees
# only the order of the scores), so it compares the decisions — which jets a tagger ranks
# as more top-like, at every working point at once — and not the scale of an output that
# a sigmoid, a calibration or a different logit offset would change without changing a
# single selection. A least-squares fit to the raw output would reward reproducing that
# scale; the search uses a fit only to propose the simple model and judges it by ordering.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-efp-safe-only
# ```
# **IRC safety as a constraint.** Offer the search only the IRC-safe observables and run
# it again for the network whose useful choices held an IRC-unsafe one (if none did, for
# the LSTM). How much ADO and AUC does the network lose, and is the loss beyond the spread
# over seeds?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-efp-safe-only
# :class: dropdown
# ```
# Keep the columns of `cands` whose `cands.irc_safe` is true — a new
# `efp.Candidates(cands.values[:, keep], names, specs)` with the kept names and specs —
# and pass it to `efp.search_all` together with `{name: reps[name]}`. Compare
# `efp.final_ado` and `efp.final_auc` of the two searches with
# `helpers.results.compare`, which says "indistinguishable" when the difference is within
# the combined spread. A clear drop means that the network uses information no IRC-safe
# observable of this basis carries — for a network that sees every soft particle, the
# multiplicity is the usual suspect, and the $\kappa = 0$ single vertex is exactly that.
# ```{solution-end}
# ```
#
# ```{exercise-start}
# :label: ex-efp-networks-agree
# ```
# **Compute.** The translation of each network reaches an ADO with it below one. Is that
# far from one, or as close as two of the book's taggers come to each other? Compute the
# ADO between every pair of the five networks (first training seed, all test jets), and,
# as the scale of what training alone changes, between two training seeds of the same
# network. Which networks order the jets most alike?
# ```{exercise-end}
# ```
#
# ```{solution-start} ex-efp-networks-agree
# :class: dropdown
# ```
# `reps[name]` holds one entry per training seed; its last element is the network's
# logit on the test jets, and `helpers.xai.ado.ado` counts the ordered pairs by ranks.

# %%
import pandas as pd

from helpers.xai.ado import ado

first = {name: runs[0][2] for name, runs in reps.items()}
agree = pd.DataFrame({a: {b: ado(fa, fb, y) for b, fb in first.items()} for a, fa in first.items()})
retrained = {name: ado(runs[0][2], runs[1][2], y) for name, runs in reps.items() if len(runs) > 1}
print("two training seeds of the same network:", {n: round(v, 3) for n, v in retrained.items()})
agree.style.format("{:.3f}")

# %% [markdown]
# The diagonal is one except for ties: a pair that a tagger scores equally counts half,
# so a network whose output saturates for many jets falls short of one even against
# itself. Set each off-diagonal entry beside the final ADO
# of the search table (measured on the reporting half only, so compare differences larger
# than their seed spread): a translation of a few observables that orders the jets as
# closely to its network as a retrained copy of the same network does is as good a
# description as training itself allows. The AUCs bound every entry: the ADO of a tagger
# with the truth labels is its AUC, and a pair that one tagger orders correctly and the
# other wrongly is ordered differently, so (ties aside)
# $\mathrm{AUC}_a + \mathrm{AUC}_b - 1 \le \mathrm{ADO}(a, b) \le 1 - |\mathrm{AUC}_a - \mathrm{AUC}_b|$.
# Two strong taggers must therefore agree on most pairs; what the table adds is *how much*
# of the room between those bounds they use. With one training seed (the `ci` profile) the
# dictionary of retrained copies is empty.
# ```{solution-end}
# ```
