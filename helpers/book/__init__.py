"""Execute the chapters with papermill and render the book with Jupyter Book.

Command line (run from anywhere; paths are relative to the repository)::

    python -m helpers.book build   --profile standard [--device auto] [--seed 0]
                                   [--chapters 00_jets,01_topodnn] [--timeout SECONDS]
                                   [--data-source generated|benchmark] [--data-dir DIR]
                                   [--build-dir _build] [--jobs N] [--keep-going] [--strict]
    python -m helpers.book execute ...   # execute only
    python -m helpers.book render  ...   # render only, from already executed notebooks
    python -m helpers.book list          # chapters found in _toc.yml

The chapters are the ``notebooks/*`` entries of ``_toc.yml``, in toc order; adding a
chapter needs only its ``notebooks/NN_name.py`` file and a toc entry.

Pipeline, one folder per profile (``<build-dir>/<profile>/``, default ``_build/<profile>``):

1. each chapter's jupytext source ``notebooks/NN_name.py`` is converted to
   ``<build>/<profile>/inputs/NN_name.ipynb`` (the source tree is never written to);
2. papermill executes it into ``<build>/<profile>/notebooks/NN_name.ipynb`` with the
   parameters ``profile``, ``device``, ``seed``, ``data_source``, ``data_dir``, kernel
   ``python3``, working directory = the **repository root**, a per-cell timeout and
   ``JETBOOK_PROGRESS=0`` in the kernel's environment (no progress bars in the book);
3. ``_config.yml``, ``_toc.yml``, ``book/`` and the executed notebooks are staged into
   ``<build>/<profile>/src`` and rendered there by ``jupyter-book build`` with
   ``execute_notebooks: "off"`` (nothing is executed twice) into
   ``<build>/<profile>/html`` (open ``html/index.html``).  The staged copies only differ
   from the executed notebooks in that the cell with the *default* parameters is collapsed
   (``hide-cell``), so the page leads with the injected, effective parameters.

Any failing cell stops the run with a message that names the notebook, the cell (index,
execution count, line in the ``.py`` source) and the exception, and a non-zero exit
status; a failing ``jupyter-book build`` also exits non-zero.  Timings per chapter are
printed and written to ``<build>/<profile>/timings.json``, with what each chapter found in
the cache (its own access record is ``logs/cache-NN_name.log``): *cold* when it generated or
trained something, *cached* when every lookup hit.

Modules: :mod:`~helpers.book.chapters` (toc parsing, chapter discovery and selection, toc
filtering), :mod:`~helpers.book.paths` (the build folders), :mod:`~helpers.book.execute`
(conversion, kernel environment, papermill execution, error reports, run options),
:mod:`~helpers.book.render` (staging and ``jupyter-book build``),
:mod:`~helpers.book.cli` (the command line and the timings summary) and
:mod:`~helpers.book.errors` (exceptions and log lines).
"""

from .chapters import (
    NOTEBOOK_DIR,
    Chapter,
    discover_chapters,
    filter_toc,
    load_toc,
    select_chapters,
    toc_entries,
    toc_entry_name,
)
from .cli import main
from .errors import BookError, ChapterExecutionError, log
from .execute import (
    DATA_SOURCES,
    KERNEL_ENV,
    KERNEL_NAME,
    REQUIRED_PARAMETERS,
    ChapterRun,
    RunOptions,
    cache_summary,
    cell_timeout,
    convert_to_ipynb,
    execute_chapters,
    execute_notebook,
    kernel_environment,
    notebook_errors,
)
from .paths import EDITIONS, BuildPaths, build_paths
from .render import render_book, stage_sources, unresolved_glue

__all__ = [
    "NOTEBOOK_DIR", "REQUIRED_PARAMETERS", "DATA_SOURCES", "KERNEL_NAME", "KERNEL_ENV",
    "BookError", "ChapterExecutionError", "log",
    "Chapter", "toc_entries", "toc_entry_name", "filter_toc", "load_toc", "discover_chapters",
    "select_chapters",
    "BuildPaths", "build_paths", "cell_timeout",
    "convert_to_ipynb", "kernel_environment", "execute_notebook", "notebook_errors",
    "RunOptions", "ChapterRun", "cache_summary", "execute_chapters", "EDITIONS",
    "stage_sources", "render_book", "unresolved_glue", "main",
]
