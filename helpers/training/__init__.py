"""Training: the loop that trains any one-logit classifier, and the book's recipes.

- :mod:`.loop`    -- :func:`train_classifier` (Adam, BCE, early stopping), the model cache
  :func:`train_cached`, the :class:`Inputs` protocol, :func:`training_throughput`
- :mod:`.recipes` -- the TopoDNN, PFN and RecNN of the papers: defaults, profile
  overrides (:func:`model_config`) and cached ``train_*`` functions shared by all chapters
"""

from .loop import (
                   Inputs,
                   TensorInputs,
                   TrainHistory,
                   as_inputs,
                   train_cached,
                   train_classifier,
                   training_throughput,
)
from .recipes import (
                   PFN_DEFAULTS,
                   RECNN_DEFAULTS,
                   TOPODNN_DEFAULTS,
                   model_config,
                   pfn_config,
                   recnn_config,
                   topodnn_config,
                   train_pfn,
                   train_recnn,
                   train_topodnn,
)

__all__ = [
    "Inputs", "TensorInputs", "TrainHistory", "as_inputs", "train_cached", "train_classifier",
    "training_throughput",
    "PFN_DEFAULTS", "RECNN_DEFAULTS", "TOPODNN_DEFAULTS", "model_config", "pfn_config",
    "recnn_config", "topodnn_config", "train_pfn", "train_recnn", "train_topodnn",
]
