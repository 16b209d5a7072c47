"""A small convolutional network on jet images (Cheng, arXiv:1911.01872, appendix; after
de Oliveira et al., arXiv:1511.05190, and Kasieczka et al., arXiv:1701.08784).

The input is ``(N, 1, npix, npix)``: the pT fraction per pixel of the (Delta eta, Delta phi)
plane around the jet axis (:func:`helpers.physics.images.jet_images`).  Two blocks of
convolution -> ReLU -> 2x2 max pooling, then a dense layer whose output is the **jet
representation**, then a logit.
"""

from __future__ import annotations

import torch
from torch import nn


class JetCNN(nn.Module):
    """Conv(3x3) -> ReLU -> pool, twice, then Dense -> ReLU -> Dense(1)."""

    def __init__(self, npix: int = 33, channels: tuple[int, ...] = (8, 16), dense: int = 64
                 ) -> None:
        super().__init__()
        self.npix, self.channels, self.dense_size = npix, tuple(channels), dense
        layers: list[nn.Module] = []
        size, c_in = npix, 1
        for c in self.channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            size, c_in = size // 2, c
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.dense = nn.Linear(c_in * size * size, dense)
        self.out = nn.Linear(dense, 1)

    def representation(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, dense)`` post-ReLU output of the dense layer."""
        return torch.relu(self.dense(self.features(x)))

    def forward(self, x: torch.Tensor, return_activations: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits ``(N,)``; with ``return_activations`` also ``[representation]``."""
        h = self.representation(x)
        logit = self.out(h).squeeze(-1)
        return (logit, [h]) if return_activations else logit

    def config(self) -> dict:
        """JSON-serialisable description of the architecture (for cache keys)."""
        return {"arch": "JetCNN", "npix": self.npix, "channels": list(self.channels),
                "dense": self.dense_size}
