"""Preprocessing: constituents -> network inputs, one module per architecture.

Every preprocessing function takes **only** constituent four-momenta (a
:class:`~helpers.data.jets.JetSet`'s ``constituents``), never its truth parton.
:data:`PREPROCESSORS` lists them all; ``tests/test_leak_guard.py`` perturbs the truth
four-vectors and checks that every registered preprocessing output is bit-identical.
Register a new preprocessing here (name -> function of a JetSet returning arrays).
"""

from .pfn import PFN_FEATURES, PackedParticles, pfn_features
from .recnn import NODE_FEATURES, TreeInputs, recnn_preprocess
from .sequence import cnn_features, lstm_features
from .topodnn import (
                      N_CONSTITUENTS,
                      PT_SCALE,
                      constituent_kinematics,
                      topodnn_feature_names,
                      topodnn_features,
)

PREPROCESSORS = {
    "topodnn": topodnn_features,
    "pfn": pfn_features,
    "recnn": recnn_preprocess,
    "lstm": lstm_features,
    "cnn": cnn_features,
}

__all__ = ["N_CONSTITUENTS", "PT_SCALE", "PREPROCESSORS", "constituent_kinematics",
           "topodnn_feature_names", "topodnn_features",
           "PFN_FEATURES", "PackedParticles", "pfn_features",
           "NODE_FEATURES", "TreeInputs", "recnn_preprocess", "lstm_features", "cnn_features"]
