"""Physics primitives: kinematics, jet observables, clustering trees, jet images and energy
flow polynomials.

Imports point one way: :mod:`.kinematics` is a leaf (numpy only); :mod:`.trees` builds on
it; :mod:`.observables` on both; :mod:`.images` on the kinematics.  Nothing here imports
the data layer or anything above it: the functions take a
:class:`~helpers.data.jets.JetSet` or its ``(N, M, 4)`` constituent array.

- :mod:`.kinematics`  -- pT, eta, phi, rapidity, mass, the azimuth wrap, Delta R
- :mod:`.observables` -- angularities, N-subjettiness, Lund declusterings, the standard set
- :mod:`.trees`       -- Cambridge/Aachen clustering trees (the RecNN's input)
- :mod:`.images`      -- jet images in (Delta eta, Delta phi)
- :mod:`.efp`         -- energy flow polynomials: multigraphs, batched evaluation (numpy/torch)
"""
