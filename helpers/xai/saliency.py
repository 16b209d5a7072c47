"""Gradient saliency of the nodes of a recursive network (Cheng, arXiv:1911.01872, Fig. 1).

For every node ``i`` of a jet's tree: ``s_i = ||dL/dh_i||_2 / ||dL/dh_J||_2`` with ``h_J``
the root embedding.  For the binary cross-entropy, the probability or the logit ``z``,
``dL/dh_i = L'(z) dz/dh_i`` with the same scalar factor for every node of a jet, so the
ratio does not depend on which of them is called ``L``: it is computed from the logit, which
never saturates.  (Jets whose head has zero gradient at the root get NaN and are skipped.)

Any model with a ``node_gradients(batch)`` method (the logit's gradient with respect to
every node embedding, :meth:`helpers.models.recnn.RecNN.node_gradients`) and inputs with
the :class:`~helpers.training.loop.Inputs` batches of trees work;
:mod:`helpers.studies.lund` maps the saliencies onto the Lund plane.
"""

from __future__ import annotations

import numpy as np
import torch

from ..models.recnn import RecNN
from ..preprocessing.recnn import TreeInputs


def node_saliency(model: RecNN, inputs: TreeInputs, batch_size: int = 512) -> np.ndarray:
    """``(n_nodes,)`` saliency ``s_i`` of every node of ``inputs.trees`` (roots are 1)."""
    device = next(model.parameters()).device.type
    inputs = inputs.to(device)
    model.eval()
    out = np.full(inputs.trees.n_nodes, np.nan)
    for start in range(0, len(inputs), batch_size):
        batch = inputs.batch(np.arange(start, min(start + batch_size, len(inputs))))
        _, grad = model.node_gradients(batch)
        norm = grad.norm(dim=1).double()
        root = norm[batch.roots][batch.jet]
        s = torch.where(root > 0, norm / root, torch.full_like(norm, float("nan")))
        out[batch.nodes] = s.cpu().numpy()
    return out
