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
# # Teaching with this book
#
# Every chapter can be taught as a hands-on session: participants run the cells, change a
# parameter, and solve the exercises at the end (the reader edition of the book shows the
# solutions collapsed, the student edition has none; see {doc}`../book/running`). What stands
# in the way is time: generating the jets and training the networks takes far longer than
# reading a chapter. The answer is the **classroom cache**: the teacher builds the book once,
# packs the generated jets and trained models into one verified archive, and every
# participant unpacks it, so that the chapters only *read* the cache.
#
# This page gives the measured execution time of every chapter, cold and from the classroom
# cache, and the sessions they fit.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %% tags=["hide-input"]
from IPython.display import Markdown
from myst_nb import glue

from helpers.notebook import start_chapter
from helpers.plots.tutorial import chapter_times_figure
from helpers.studies import tutorial

prof, _, _, _ = start_chapter(None, profile, device, seed, data_source)
records = tutorial.load_times()
if not records:
    raise SystemExit(f"no timing record at {tutorial.TIMES_FILE}: "
                     "run `python benchmarks/bench_chapters.py --profile standard` first")
standard = records.get("standard") or next(iter(records.values()))
for key, text in tutorial.page_text(records).items():
    glue(key, Markdown(text), display=False)

# %% [markdown]
# ## Preparing a session
#
# **The teacher**, once, on any machine with the participants' package versions:
#
# ```bash
# make book                               # or PROFILE=ci, for a rehearsal
# .venv/bin/python -m helpers.data export \
#     --profile standard --output classroom-standard.tar.gz
# ```
#
# then hands out the archive (a USB stick works: nothing needs the internet) and, if the
# exercises are to be solved first, the student edition
# (`python -m helpers.book render --profile standard --edition student`).
#
# **Each participant**, on a laptop, in a clone of the same commit:
#
# ```bash
# make venv                               # the package, PyTorch, Jupyter Book
# .venv/bin/python -m helpers.data import classroom-standard.tar.gz
# .venv/bin/pip install -e ".[lab]"       # JupyterLab
# .venv/bin/jupyter lab notebooks/        # open 01_topodnn.py as a notebook
# ```
#
# `import` refuses an archive made with other package versions or other profile settings,
# and a damaged one, with a message saying why, and leaves the cache as it was. The
# chapters then find every jet file and every model in the cache: they generate and train
# nothing. (Without JupyterLab, `python -m helpers.book build --chapters 01_topodnn`
# executes and renders one chapter.)
#
# ## Measured execution times
#
# Every chapter was executed twice per profile by `benchmarks/bench_chapters.py`: into an
# empty cache (*cold*: the jets are generated and the models trained as the chapters need
# them, in book order) and from a cache imported from the classroom archive made by that
# cold run (*classroom*). The times are the book builder's own timing records, measured on
# {glue:md}`measured_on:myst`. In short, {glue:md}`speedup:myst`. {glue:md}`unmeasured:myst`

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Execution time of each chapter, per profile, on the machine named in the text: into an empty cache (cold, plain bars) and from an imported classroom cache (hatched bars). Logarithmic scale.", "name": "fig-tutorial-times"}}
table = tutorial.times_table(records)
fig = chapter_times_figure(table)

# %% [markdown]
# {numref}`fig-tutorial-times` shows where the time goes: cold, chapter 0 generates every
# sample of the book and the later chapters train their networks; from the classroom cache
# a chapter spends its time on evaluation and explanation only. The minutes per chapter:

# %% tags=["hide-input"]
table

# %% [markdown]
# ## Which chapters fit a session
#
# A plan counts, per chapter, its execution time from the classroom cache plus
# {glue:md}`teaching_min:myst` minutes for reading, discussion and the exercises (an
# assumption to adapt, not a measurement), and fills {glue:md}`sessions:myst` with the
# chapters in book order (each chapter builds on the previous ones). The last column lists
# the chapters that fit the session on their own, for a session on one topic. Times of the
# {glue:md}`plan_profile:myst` profile:

# %% tags=["hide-input"]
tutorial.plans_table(tutorial.plan_sessions(standard))

# %% [markdown]
# The `ci` profile is faster still, but its numbers are not meaningful (a few hundred jets
# per class): use it to rehearse a session, not to teach the results.
