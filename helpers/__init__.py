"""Helpers for the executable book *How deep jet taggers think*.

The package holds every reusable piece the chapters need, one job per module:

- :mod:`helpers.config`      -- run profiles (``ci``, ``standard``, ``full``), paths, device choice
- :mod:`helpers.cache`       -- config hashing and atomic, cache-keyed files
- :mod:`helpers.data`        -- jet generation (Pythia 8 + FastJet), HDF5 storage, splits, CLI
- :mod:`helpers.observables` -- jet observables (mass, angularities, N-subjettiness, Lund)
- :mod:`helpers.trees`       -- Cambridge/Aachen clustering trees for the RecNN
- :mod:`helpers.plotting`    -- HEP-style figures
- :mod:`helpers.book`        -- papermill execution of the chapters and the Jupyter Book build
"""

__version__ = "0.1.0"
