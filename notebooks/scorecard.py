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
# # Reproduction scorecard
#
# This page is executed last. It reads what every chapter of *this build* measured — each
# chapter writes its numbers, their spreads and its verdicts into a result file — and sets
# them next to the one table of published values in `helpers.published`. Nothing here is
# typed by hand: another profile, seed or data source gives other numbers, and the verdicts
# follow them.
#
# **How a number is judged.** A quantity fixed by the architecture (a parameter count) must
# agree exactly. A measured quantity is compared only where the two were measured alike: the
# book's default jets are generated at particle level (Pythia 8, no detector simulation),
# while both papers used Delphes jets, so most values are *not comparable* as numbers and
# the reason is given; with the benchmark files (`data_source="benchmark"`) the top-tagging
# values become comparable. Where they are comparable, a value *agrees within uncertainty*
# when it lies within two spreads of the paper's (spread: over training seeds, or a
# bootstrap over test jets where a profile trains one seed), and *differs* otherwise, with
# a link to the section that discusses why. The pull is (this book − paper) / spread.
#
# **How a finding is judged.** Each qualitative finding of the papers is tested where its
# chapter measures it, from comparisons that count only when a difference exceeds the
# combined spread: *reproduced* when every part of it is clearly supported, *not
# reproduced* when a part is clearly contradicted, *inconclusive* when this build's
# statistics cannot tell.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %% tags=["hide-input"]
from IPython.display import HTML

from helpers.notebook import start_chapter
from helpers.plots.scorecard import ratio_figure
from helpers.results import results_dir
from helpers.studies import scorecard

prof, _, _, _ = start_chapter(None, profile, device, seed, data_source)
runs = scorecard.load_runs(results_dir(prof.name), prof.name, seed, data_source)
scorecard.runs_table(runs)

# %% [markdown]
# The chapters whose results enter the scorecard, with the settings they ran with (a
# chapter's result file made with other settings, e.g. by an earlier build, is listed as
# not used rather than mixed in).

# %% tags=["hide-input"]
quantities, findings = scorecard.quantity_frame(runs), scorecard.findings_frame(runs)
scorecard.save_scorecard(quantities, findings, results_dir(prof.name))
counts = scorecard.verdict_counts(quantities, findings)
HTML(scorecard.counts_html(counts))

# %% [markdown]
# ## The published numbers
#
# Every number of the two papers (and of the benchmark's TopoDNN and PFN) that a chapter
# measures. {numref}`fig-scorecard-ratios` shows this build's value relative to the paper's,
# coloured by verdict.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "This build's value of every published quantity with a nonzero published value, divided by the paper's (dashed line: ratio 1), with its spread as error bar, coloured by verdict: agrees within uncertainty (green), differs (red), not comparable (grey).", "name": "fig-scorecard-ratios"}}
fig = ratio_figure(quantities)

# %% [markdown]
# ### Khot, Neubauer & Roy: TopoDNN, NAPs, PFN

# %% tags=["hide-input"]
HTML(scorecard.quantity_html(quantities, "khot", data_source))

# %% [markdown]
# ### The top-tagging benchmark

# %% tags=["hide-input"]
HTML(scorecard.quantity_html(quantities, "benchmark", data_source))

# %% [markdown]
# ### Cheng: recursive networks on three tasks

# %% tags=["hide-input"]
HTML(scorecard.quantity_html(quantities, "cheng", data_source))

# %% [markdown]
# ## The papers' findings
#
# One row per qualitative finding, with this build's evidence.

# %% tags=["hide-input"]
HTML(scorecard.findings_html(findings))
