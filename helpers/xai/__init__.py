"""Explanation methods, usable on any model.

Every attribution explains a scalar model output per jet.  For torch models this is the
**pre-sigmoid logit** by default (see :func:`helpers.models.as_scorer`); any numpy callable
``f(X) -> (N,)`` works for the model-agnostic methods.  Sign convention everywhere: a
positive attribution pushes the output up, i.e. towards the signal class.

- :mod:`.occlusion`    -- Delta-AUC occlusion (global, one number per feature)
- :mod:`.differential` -- differential relevance and MAD relevance (forward passes only)
- :mod:`.shap_kernel`  -- KernelSHAP via the ``shap`` package
- :mod:`.exact`        -- exact Shapley values by enumeration and linear-model closed forms
- :mod:`.lrp`          -- layer-wise relevance propagation for ReLU MLPs (epsilon, gamma, z+,
  zB and flat at the input, the usual composite)
- :mod:`.agreement`    -- rank agreement and top-k overlap between attributions
- :mod:`.nap`          -- neural activation patterns: RNA, sparsity, pruning of ReLU MLPs
- :mod:`.saliency`     -- gradient saliency of the nodes of a recursive network
- :mod:`.probing`      -- linear probes of learned representations (R^2 and AUC)
- :mod:`.ado`          -- decision ordering between taggers and the guided observable search
- :mod:`.filters`      -- angular filter maps (e.g. an EFN's) and their properties

The studies that apply them to the book's networks are in :mod:`helpers.studies`.
"""

from .differential import differential_relevance, mad_relevance
from .exact import exact_shapley
from .lrp import Rule, composite_rules, lrp, mean_behaviour_relevance
from .occlusion import delta_auc
from .shap_kernel import kernel_shap, sample_background

__all__ = [
    "Rule",
    "composite_rules",
    "delta_auc",
    "differential_relevance",
    "exact_shapley",
    "kernel_shap",
    "lrp",
    "mad_relevance",
    "mean_behaviour_relevance",
    "sample_background",
]
