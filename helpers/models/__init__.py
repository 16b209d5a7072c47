"""Network architectures (one module each) and shared evaluation utilities.

Every model returns one logit per jet; see :mod:`helpers.models.common`.
"""

from .common import Scorer, as_scorer, count_parameters, predict_logits, predict_proba
from .topodnn import TopoDNN

__all__ = ["Scorer", "TopoDNN", "as_scorer", "count_parameters", "predict_logits",
           "predict_proba"]
