"""The studies the chapters run: each takes data and trained models (or a profile) and
returns tables and arrays; the chapters show them, :mod:`helpers.plots` draws them.

| module | chapter | what |
|---|---|---|
| :mod:`.jets`           | 0 | generation rates, kinematic cross-checks, medians per sample |
| :mod:`.performance`    | 1, 3, 4, 5 | metrics over seeds, tables next to published values, histories |
| :mod:`.baselines`      | 1, 4, 5 | boosted decision trees on jet observables |
| :mod:`.learning_curve` | 1, 3 | test AUC against the number of training jets |
| :mod:`.attribution`    | 1, 2 | every attribution method per network, rankings, costs |
| :mod:`.toy`            | 2 | linear and bilinear toys with closed-form attributions |
| :mod:`.nap`            | 3 | NAPs, pruning without retraining, width scans |
| :mod:`.pfn`            | 4 | PFN performance and the packed/padded throughput |
| :mod:`.latent`         | 4 | PFN latent rankings, correlations, PCA |
| :mod:`.leak`           | 4 | the label leak, reproduced on purpose |
| :mod:`.recnn`          | 5 | RecNN training per task, probes, level-batching speed |
| :mod:`.transfer`       | 5 | frozen-embedding transfer between tasks |
| :mod:`.lund`           | 5 | gradient saliency on the Lund plane |
| :mod:`.generation`     | data page | generation rates, pTHat bias, veto margins |
| :mod:`.scorecard`      | scorecard page | every published number and finding against this build |
"""
