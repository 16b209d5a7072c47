"""Network architectures (one module each) and shared evaluation utilities.

Every model returns one logit per jet; see :mod:`helpers.models.common`.
"""

from .cnn import JetCNN
from .common import Scorer, as_scorer, count_parameters, predict_logits, predict_proba
from .efn import EFN
from .lstm import ConstituentLSTM
from .pfn import PFN, PackedInputs, PaddedInputs, PaddedPFN
from .recnn import RecNN, RecNNHead
from .topodnn import TopoDNN

__all__ = ["Scorer", "TopoDNN", "as_scorer", "count_parameters", "predict_logits",
           "predict_proba", "PFN", "PackedInputs", "PaddedInputs", "PaddedPFN",
           "RecNN", "RecNNHead", "ConstituentLSTM", "JetCNN", "EFN"]
