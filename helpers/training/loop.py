"""Training of binary classifiers (one logit per example) with early stopping and a cache.

:func:`train_classifier` trains any ``nn.Module`` whose output is one logit per row;
:func:`train_cached` wraps it with a config-hash cache so that the book never retrains a
model whose architecture, hyper-parameters, seed and training data are unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import torch
from torch import nn

from ..cache import array_fingerprint, atomic_path, cached_path, load_or_make
from ..config import resolve_device
from ..progress import progress

#: keys :func:`train_cached` requires in its ``config`` (passed on to :func:`train_classifier`)
TRAIN_KEYS = ("lr", "batch_size", "max_epochs", "patience", "seed")
#: keys passed on to :func:`train_classifier` when present
OPTIONAL_TRAIN_KEYS = ("lr_milestones", "lr_gamma")

ArrayLike = np.ndarray | torch.Tensor


class Inputs(Protocol):
    """Model inputs that are not one array: packed particles, trees, ...

    ``batch(idx)`` returns what the model's ``forward`` takes for the examples ``idx``
    (a 1-d ``torch.long`` tensor on the CPU); ``to(device)`` moves the data.
    """

    def __len__(self) -> int: ...

    def batch(self, idx: torch.Tensor) -> Any: ...

    def to(self, device: str) -> "Inputs": ...

    def fingerprint(self) -> str: ...


class TensorInputs:
    """Rows of one tensor as :class:`Inputs`."""

    def __init__(self, X: torch.Tensor) -> None:
        self.X = X

    def __len__(self) -> int:
        return len(self.X)

    def batch(self, idx: torch.Tensor) -> torch.Tensor:
        return self.X[idx.to(self.X.device)]

    def to(self, device: str) -> "TensorInputs":
        return TensorInputs(self.X.to(device))

    def fingerprint(self) -> str:
        return array_fingerprint(self.X)


def as_inputs(X: "ArrayLike | Inputs", device: str) -> Inputs:
    """Arrays become :class:`TensorInputs` (float32); :class:`Inputs` are moved to ``device``."""
    if hasattr(X, "batch"):
        return X.to(device)
    return TensorInputs(_as_tensor(X, torch.float32, device))


@dataclass
class TrainHistory:
    """What happened during training (losses are mean BCE per example)."""

    train_loss: list[float]
    val_loss: list[float]
    #: epoch (0-based) with the lowest validation loss; its weights are the returned ones
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    time_s: float
    #: training examples processed per second (all epochs, validation time included)
    jets_per_s: float
    device: str
    #: True when the model was loaded by :func:`train_cached` instead of trained
    from_cache: bool = False


def _as_tensor(a: ArrayLike, dtype: torch.dtype, device: str) -> torch.Tensor:
    return torch.as_tensor(a).to(device, dtype)


def _logits(model: nn.Module, X: Inputs, idx: torch.Tensor) -> torch.Tensor:
    return model(X.batch(idx)).reshape(len(idx))


@torch.no_grad()
def _mean_loss(model: nn.Module, X: Inputs, y: torch.Tensor, batch_size: int = 4096) -> float:
    """Mean BCE-with-logits loss over ``X`` in eval mode."""
    model.eval()
    total = 0.0
    for i in range(0, len(y), batch_size):
        idx = torch.arange(i, min(i + batch_size, len(y)))
        total += nn.functional.binary_cross_entropy_with_logits(
            _logits(model, X, idx), y[idx.to(y.device)], reduction="sum").item()
    return total / len(y)


def _train_epoch(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    X: Inputs,
    y: torch.Tensor,
    batch_size: int,
    gen: torch.Generator,
) -> float:
    """One pass over shuffled mini-batches; returns the mean training loss."""
    model.train()
    order = torch.randperm(len(y), generator=gen)
    total = torch.zeros((), device=y.device)  # summed on the device: no sync per batch
    for i in range(0, len(y), batch_size):
        idx = order[i : i + batch_size]
        loss = nn.functional.binary_cross_entropy_with_logits(_logits(model, X, idx),
                                                              y[idx.to(y.device)])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.detach() * len(idx)
    return total.item() / len(y)


def train_classifier(
    model: nn.Module,
    X_train: "ArrayLike | Inputs",
    y_train: ArrayLike,
    X_val: "ArrayLike | Inputs",
    y_val: ArrayLike,
    *,
    lr: float = 1e-3,
    batch_size: int = 96,
    max_epochs: int = 40,
    patience: int = 5,
    seed: int = 0,
    lr_milestones: tuple[int, ...] = (),
    lr_gamma: float = 0.1,
    device: str = "auto",
    desc: str = "training",
) -> tuple[nn.Module, TrainHistory]:
    """Adam + BCE-with-logits training with early stopping on the validation loss.

    ``X_train``/``X_val`` are arrays (rows = examples) or :class:`Inputs` (packed
    particles, trees, ...) whose ``batch(idx)`` the model's ``forward`` accepts.
    Training stops after ``patience`` epochs without improvement of the validation loss and
    the weights of the best epoch are restored.  The learning rate is multiplied by
    ``lr_gamma`` at each epoch in ``lr_milestones`` (step decay).  ``seed`` seeds torch and
    the shuffling generator; the weight initialisation is the caller's (see
    :func:`train_cached`).  The model is returned in eval mode on the resolved device.
    """
    device = resolve_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model.to(device)
    Xt, yt = as_inputs(X_train, device), _as_tensor(y_train, torch.float32, device)
    Xv, yv = as_inputs(X_val, device), _as_tensor(y_val, torch.float32, device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, list(lr_milestones), lr_gamma)

    train_loss: list[float] = []
    val_loss: list[float] = []
    best_state, best_epoch, wait = None, 0, 0
    start = time.perf_counter()
    bar = progress(range(max_epochs), desc=desc, leave=False)
    for epoch in bar:
        train_loss.append(_train_epoch(model, opt, Xt, yt, batch_size, gen))
        sched.step()
        val_loss.append(_mean_loss(model, Xv, yv))
        bar.set_postfix(train=f"{train_loss[-1]:.4f}", val=f"{val_loss[-1]:.4f}")
        if best_state is None or val_loss[-1] < val_loss[best_epoch]:
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best_epoch, wait = epoch, 0
        else:
            wait += 1
            if wait >= patience:
                break
    bar.close()
    elapsed = time.perf_counter() - start
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    epochs_run = len(train_loss)
    history = TrainHistory(
        train_loss=train_loss,
        val_loss=val_loss,
        best_epoch=best_epoch,
        epochs_run=epochs_run,
        stopped_early=epochs_run < max_epochs,
        time_s=elapsed,
        jets_per_s=epochs_run * len(yt) / elapsed if elapsed > 0 else float("inf"),
        device=device,
    )
    return model, history


def _architecture_key(model: nn.Module) -> dict:
    """Class name and parameter shapes: guards the cache against a forgotten architecture key."""
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    return {"class": type(model).__name__, "shapes": shapes}


def _load_cached(path, model: nn.Module) -> tuple[nn.Module, TrainHistory] | None:
    """A copy of ``model`` with the cached weights, and the history; ``None`` (with a warning)
    if the file is missing, corrupt or does not match.  ``model`` itself is never modified."""
    if not path.exists():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        loaded = copy.deepcopy(model)
        loaded.load_state_dict(payload["state_dict"])
        history = TrainHistory(**payload["history"])
    except Exception as err:  # any unreadable/incompatible file means: retrain
        warnings.warn(f"ignoring unreadable model cache {path} ({type(err).__name__}: {err}); "
                      "retraining", stacklevel=2)
        return None
    history.from_cache = True
    return loaded, history


def train_cached(
    model_factory: Callable[[], nn.Module],
    config: dict,
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_val: ArrayLike,
    y_val: ArrayLike,
    *,
    name: str = "model",
    data_key: str | None = None,
    device: str = "auto",
) -> tuple[nn.Module, TrainHistory]:
    """Train (or load) ``model_factory()`` under a cache key of everything that fixes the result.

    ``config`` must hold the :data:`TRAIN_KEYS` (``lr, batch_size, max_epochs, patience,
    seed``) and should describe the architecture (e.g. ``TopoDNN().config()``); any extra
    JSON-serialisable entries also enter the key.  The key further contains the model's class
    and parameter shapes and a data fingerprint: ``data_key`` if given (e.g. the data cache's
    key), else a hash of the four arrays.  The device is *not* part of the key: a model trained
    on a GPU is reused on a CPU.  The weights are initialised after ``torch.manual_seed(seed)``.
    A corrupt or partial file is never reused: it triggers a warning and retraining.
    """
    missing = [k for k in TRAIN_KEYS if k not in config]
    if missing:
        raise KeyError(f"config lacks training keys {missing}")
    device = resolve_device(device)
    torch.manual_seed(config["seed"])
    model = model_factory()
    key = {
        "config": config,
        "model": _architecture_key(model),
        "data": data_key or array_fingerprint(X_train, y_train, X_val, y_val),
    }
    path = cached_path("models", name, key, ".pt")

    def load(p: Path) -> tuple[nn.Module, TrainHistory] | None:
        cached = _load_cached(p, model)
        return None if cached is None else (cached[0].to(device).eval(), cached[1])

    def make() -> tuple[nn.Module, TrainHistory]:
        trained, history = train_classifier(
            model, X_train, y_train, X_val, y_val, device=device, desc=name,
            **{k: config[k] for k in TRAIN_KEYS + OPTIONAL_TRAIN_KEYS if k in config},
        )
        payload = {
            "state_dict": {k: v.detach().cpu() for k, v in trained.state_dict().items()},
            "history": dataclasses.asdict(history),
            "key": json.dumps(key, sort_keys=True, default=str),
        }
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)
        return trained, history

    # under the entry's lock: a chapter beside this one may be training the same model
    return load_or_make(path, load, make)


def training_throughput(model_factory: Callable[[], nn.Module], inputs: Inputs, y: np.ndarray,
                        batch_size: int = 250, epochs: int = 1, device: str = "auto",
                        seed: int = 0, lr: float = 1e-3) -> float:
    """Training jets per second of ``model_factory()`` on ``inputs`` (an ``Inputs``): Adam
    steps of :func:`helpers.training.train_classifier` over ``epochs`` shuffled epochs, after
    one untimed warm-up batch; no validation."""
    device = resolve_device(device)
    torch.manual_seed(seed)
    model = model_factory().to(device)
    X, yt = inputs.to(device), torch.as_tensor(y, dtype=torch.float32, device=device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    warm = torch.arange(min(batch_size, len(yt)))
    loss = nn.functional.binary_cross_entropy_with_logits(model(X.batch(warm)), yt[warm.to(device)])
    loss.backward()
    start = time.perf_counter()
    for _ in range(epochs):
        _train_epoch(model, opt, X, yt, batch_size, gen)  # ends with a device sync (.item())
    return epochs * len(yt) / (time.perf_counter() - start)
