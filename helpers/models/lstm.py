"""An LSTM on the pT-ordered constituents (Cheng, arXiv:1911.01872, appendix; after Egan et
al., arXiv:1711.09059).

The input is a padded array ``(N, L, F + 1)``: ``F`` features per constituent, in pT order
(:func:`~helpers.preprocessing.sequence.lstm_features` reads them softest first, so the
recurrence ends on the hardest), and a last column that is 1 for a real constituent and 0
for padding.  The sequences are packed by their true lengths, so padding never enters the
recurrence; the final hidden state after the last real constituent is the **jet
representation** that a head Dense -> ReLU -> Dense(1) turns into a logit.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class ConstituentLSTM(nn.Module):
    """One-layer LSTM over the constituents and a one-hidden-layer head."""

    def __init__(self, n_features: int = 4, hidden: int = 64, head: int = 64) -> None:
        super().__init__()
        self.n_features, self.hidden, self.head_size = n_features, hidden, head
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, head), nn.ReLU(), nn.Linear(head, 1))

    def representation(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, hidden)`` final hidden state after each jet's last real constituent."""
        lengths = x[..., -1].sum(dim=1).clamp(min=1).long().cpu()
        packed = pack_padded_sequence(x[..., :-1], lengths, batch_first=True,
                                      enforce_sorted=False)
        return self.lstm(packed)[1][0][-1]

    def forward(self, x: torch.Tensor, return_activations: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits ``(N,)``; with ``return_activations`` also ``[representation, head hidden]``."""
        h = self.representation(x)
        a = self.head[1](self.head[0](h))
        logit = self.head[2](a).squeeze(-1)
        return (logit, [h, a]) if return_activations else logit

    def config(self) -> dict:
        """JSON-serialisable description of the architecture (for cache keys)."""
        return {"arch": "ConstituentLSTM", "n_features": self.n_features,
                "hidden": self.hidden, "head": self.head_size}
