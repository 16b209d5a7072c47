"""The one home of the book's figures: the style, then one module per subject.

Every function draws on axes it is given (or returns a new ``Figure``) and takes the class
names it labels (``{1: signal, 0: background}``) instead of assuming a task.

- :mod:`.style`       -- :func:`~.style.use_style`, the colours of classes and methods
- :mod:`.jets`        -- class histograms, jet images, Lund-plane densities (chapters 0, 1)
- :mod:`.performance` -- ROC curves, learning curves, training histories (chapters 1, 4, 5)
- :mod:`.attribution` -- feature bars, rank-agreement heatmaps, correlations (chapters 1, 2)
- :mod:`.nap`         -- NAP diagrams, activation frequencies, width scans (chapter 3)
- :mod:`.pfn`         -- the particle inputs of the PFN (chapter 4)
- :mod:`.latent`      -- PFN latent rankings, correlations, principal components (chapter 4)
- :mod:`.leak`        -- the label-leak demonstration (chapter 4)
- :mod:`.recnn`       -- clustering trees and linear probes of the RecNN (chapter 5)
- :mod:`.lund`        -- saliency maps on the Lund plane (chapter 5)
- :mod:`.transfer`    -- frozen-embedding transfer between tasks (chapter 5)
- :mod:`.efp`         -- EFP graphs and the guided search (chapter 6)
- :mod:`.efn`         -- Energy Flow Network filter maps (chapter 6)
- :mod:`.scorecard`   -- this build against the papers (the scorecard page)
"""
