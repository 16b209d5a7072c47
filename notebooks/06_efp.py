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

# %%
for key, (verdict, evidence) in efp.findings(searches, cands, efn).items():
    results.finding(key, verdict, evidence)
saved = results.save()  # the chapter's result file, read by the scorecard

# %% [markdown]
# ## Exercises
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
