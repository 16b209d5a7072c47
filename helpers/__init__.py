"""Helpers for the executable book *How deep jet taggers think*.

One folder a role; imports point down this list only (``tests/test_architecture.py``):

- base modules  -- :mod:`helpers.config` (profiles, paths, device), :mod:`helpers.cache`
  (config-hash cache, atomic files, fingerprints), :mod:`helpers.metrics` (ROC, AUC,
  rejection, mean ± std over seeds), :mod:`helpers.published` (every published value the book
  compares with, with its source), :mod:`helpers.progress`, :mod:`helpers.sysio`
- :mod:`helpers.results`       -- results as data: measurements with their spread, sentences that
  follow them, one JSON file of results per chapter
- :mod:`helpers.physics`       -- kinematics (the leaf), observables, C/A trees, jet images,
  energy flow polynomials
- :mod:`helpers.data`          -- generation (Pythia 8 + FastJet), HDF5 storage, splits, tasks,
  the benchmark files, the data CLI
- :mod:`helpers.preprocessing` -- constituents -> network inputs (TopoDNN, PFN, RecNN, LSTM,
  CNN), the truth-leak guard
- :mod:`helpers.models`        -- the architectures (TopoDNN, PFN, EFN, RecNN, LSTM, CNN)
- :mod:`helpers.training`      -- the training loop, the model cache and the papers' recipes
- :mod:`helpers.xai`           -- explanation methods, usable on any model
- :mod:`helpers.studies`       -- what the chapters run, one module per study, each naming its
  chapter
- :mod:`helpers.plots`         -- the one home of the figures
- :mod:`helpers.notebook`      -- :func:`~helpers.notebook.start_chapter`, every chapter's first call

Apart from all of these, :mod:`helpers.book` executes the chapters with papermill and renders
the book with Jupyter Book; it imports nothing of the package but :mod:`helpers.config`, and
no chapter imports it.
"""

__version__ = "0.1.0"
