"""Run profiles, paths and device selection: the one place where sizes live.

A *profile* fixes every size the book uses (jets per class, epochs, seeds, explained
jets, ...).  ``ci`` is tiny and runs in minutes, ``standard`` is the default book on a
2-core CPU, ``full`` is paper-scale for a GPU.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

PROFILES = ("ci", "standard", "full")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Profile:
    """All sizes of one run of the book."""

    name: str
    #: jets per process (class) and split: {"train": n, "val": n, "test": n}
    jets_per_class: dict[str, int]
    #: jets per class for the extra tasks of chapter 5 (W/QCD, quark/gluon); the W/QCD
    #: task reuses the first QCD jets of the main sample, so these must not exceed the above
    jets_per_class_extra: dict[str, int]
    #: jets per generation shard (unit of parallel work)
    shard_size: int
    #: training seeds per model (the chapters show mean +- std over them)
    n_seeds: int
    #: explanation budgets
    n_explain: int = 100
    n_background: int = 50
    shap_nsamples: int = 500
    #: QCD jets of the top/QCD test split when more than ``jets_per_class["test"]`` (0: as
    #: many as top jets): the test split stays balanced, and the QCD jets beyond it
    #: (:func:`helpers.data.load_test_background`) join it where a background rejection
    #: 1/eps_B is measured, whose statistical error falls with the QCD jets that pass the cut
    background_test_jets: int = 0
    #: per-cell execution timeout of the book build (seconds): a hung cell fails the build
    cell_timeout: int = 3600
    #: per-chapter settings: {"topodnn": {...}, "pfn": {...}, "recnn": {...}, ...}
    chapters: dict = field(default_factory=dict)

    def training_seeds(self, seed: int) -> list[int]:
        """Seeds of the ``n_seeds`` trainings of each model: ``seed, seed + 1, ...``.

        Every chapter uses this rule, so a model trained by one chapter is found in the
        cache by the next.
        """
        return [seed + i for i in range(self.n_seeds)]

    def chapter(self, name: str) -> dict:
        """Settings of one chapter's models (empty dict if the profile has none)."""
        return dict(self.chapters.get(name, {}))

    def background_jets(self, split: str) -> int:
        """Background (QCD) jets of the top/QCD ``split``: :attr:`background_test_jets` for
        the test split when it is larger, else the per-class size."""
        n = self.jets_per_class[split]
        return max(n, self.background_test_jets) if split == "test" else n

    def total_jets(self, split: str | None = None) -> int:
        """Jets per class summed over splits (or for one split)."""
        if split is not None:
            return self.jets_per_class[split]
        return sum(self.jets_per_class.values())


_PROFILES: dict[str, Profile] = {
    "ci": Profile(
        name="ci",
        jets_per_class={"train": 400, "val": 100, "test": 200},
        jets_per_class_extra={"train": 300, "val": 100, "test": 100},
        shard_size=200,
        cell_timeout=1200,
        n_seeds=1,
        n_explain=20,
        n_background=10,
        shap_nsamples=100,
        background_test_jets=400,
        chapters={
            "topodnn": {"max_epochs": 20, "patience": 5, "batch_size": 96,
                        "learning_curve": [200, 400, 800], "constituent_scan": [30, 60],
                        "shap_jets_per_class": 20, "shap_nsamples": 400,
                        "timing_shap_jets": 4},
            "pfn": {"max_epochs": 10, "batch_size": 100, "lr": 1e-3, "lr_milestones": [],
                    "patience": 10, "n_leading": 3},
            "recnn": {"max_epochs": 10, "patience": 3, "batch_size": 64,
                      "max_jets": {"train": 600, "val": 200, "test": 200},
                      "probe_jets": 600, "min_bin_nodes": 3, "transfer_seeds": 1},
            "lstm": {"max_epochs": 4, "patience": 2},
            "cnn": {"max_epochs": 4, "patience": 2},
            "efn": {"max_epochs": 10, "batch_size": 100, "lr": 1e-3, "lr_milestones": [],
                    "patience": 10},
            "efp": {"max_degree": 5, "generalised_degree": 3, "max_steps": 4,
                    "search_pairs": 20000},
            "nap": {"retrained": [[120, 40, 6]], "scan": [[300, 102, 12], [30, 10, 6]],
                    "probe_jets": 800, "random_prunings": 3},
        },
    ),
    "standard": Profile(
        name="standard",
        # top jets dominate the cold build's time (about 25 jets/s on 2 cores at the
        # 100 GeV cut), hence the lean validation and test splits
        jets_per_class={"train": 10000, "val": 1000, "test": 3000},
        jets_per_class_extra={"train": 7000, "val": 1000, "test": 2000},
        # 500 jets per shard: even the 1k-jet validation splits keep both cores busy
        shard_size=500,
        n_seeds=3,
        n_explain=300,
        n_background=100,
        shap_nsamples=1000,
        # 1/eps_B(0.3) rests on the QCD jets passing the cut: 15 000 of them keep its
        # statistical error of TopoDNN and PFN within 15 % (QCD jets are cheap to generate)
        background_test_jets=15000,
        chapters={
            "topodnn": {"max_epochs": 40, "patience": 5, "batch_size": 96,
                        "learning_curve": [1000, 2500, 5000, 10000, 20000],
                        "constituent_scan": [30, 60, 100],
                        "shap_jets_per_class": 64, "shap_nsamples": 1000,
                        "timing_shap_jets": 20},
            # paper recipe: Adam 3e-4, batch 250 -- tuned for 1.2 M jets; on 20 k jets it
            # stops far from converged (measured: AUC 0.936 vs 0.970 with lr 1e-3, batch 100)
            "pfn": {"max_epochs": 24, "batch_size": 100, "lr": 1e-3, "lr_milestones": [16, 21],
                    "patience": 5, "n_leading": 3, "torch_threads": 0},
            "recnn": {"max_epochs": 10, "patience": 3, "batch_size": 64,
                      "max_jets": {"train": 14000, "val": 2000, "test": 4000},
                      "probe_jets": 5000, "min_bin_nodes": 10, "transfer_seeds": 2},
            "lstm": {"max_epochs": 15, "patience": 3},
            "cnn": {"max_epochs": 15, "patience": 3},
            "efn": {"max_epochs": 24, "batch_size": 100, "lr": 1e-3, "lr_milestones": [16, 21],
                    "patience": 5},
            # the EFN trains like the PFN: one torch thread per core pays there
            "efp": {"max_degree": 5, "generalised_degree": 3, "max_steps": 6,
                    "search_pairs": 200000, "torch_threads": 0},
            "nap": {"retrained": [[120, 40, 6]],
                    "scan": [[300, 102, 12], [60, 20, 6], [30, 10, 6], [12, 6]],
                    "probe_jets": 10000, "random_prunings": 10},
        },
    ),
    "full": Profile(
        name="full",
        jets_per_class={"train": 600000, "val": 200000, "test": 200000},
        jets_per_class_extra={"train": 100000, "val": 20000, "test": 40000},
        shard_size=5000,
        cell_timeout=6 * 3600,
        n_seeds=5,
        n_explain=2000,
        n_background=200,
        shap_nsamples=2000,
        chapters={
            "topodnn": {"max_epochs": 40, "patience": 5, "batch_size": 96,
                        "learning_curve": [10000, 30000, 100000, 300000, 1200000],
                        "constituent_scan": [30, 60, 100],
                        "shap_jets_per_class": 200, "shap_nsamples": 2000,
                        "timing_shap_jets": 50},
            "pfn": {"max_epochs": 40, "batch_size": 250, "lr_milestones": [10, 20],
                    "patience": 8, "n_leading": 5},
            "recnn": {"max_epochs": 30, "patience": 5, "batch_size": 128,
                      "max_jets": {"train": 200000, "val": 40000, "test": 80000},
                      "probe_jets": 50000, "min_bin_nodes": 50, "transfer_seeds": 5},
            "lstm": {"max_epochs": 30, "patience": 5, "batch_size": 256},
            "cnn": {"max_epochs": 30, "patience": 5, "batch_size": 256},
            "efn": {"max_epochs": 40, "batch_size": 250, "lr_milestones": [10, 20],
                    "patience": 8},
            "efp": {"max_degree": 5, "generalised_degree": 3, "max_steps": 8,
                    "search_pairs": 1000000},
            "nap": {"retrained": [[120, 40, 6]],
                    "scan": [[600, 204, 24, 12], [300, 102, 12], [60, 20, 6], [30, 10, 6],
                             [12, 6]],
                    "probe_jets": 100000, "random_prunings": 20},
        },
    ),
}


def get_profile(name: str = "standard", **overrides) -> Profile:
    """Return the named profile, optionally with some fields replaced.

    >>> get_profile("ci").n_seeds
    1
    """
    if isinstance(name, Profile):
        return dataclasses.replace(name, **overrides) if overrides else name
    if name not in _PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    prof = _PROFILES[name]
    return dataclasses.replace(prof, **overrides) if overrides else prof


#: environment variable with the address of a ``dask.distributed`` scheduler: when set,
#: generation shards run on its workers (``--scheduler`` of the data and book commands)
SCHEDULER_ENV = "JETBOOK_SCHEDULER"


def cache_dir() -> Path:
    """Root of the data/model cache: ``$JETBOOK_CACHE`` or ``<repo>/.cache``."""
    path = Path(os.environ.get("JETBOOK_CACHE", REPO_ROOT / ".cache"))
    return path


#: the benchmark files the book reads with ``data_source="benchmark"``
BENCHMARK_SPLIT_FILES = ("train.h5", "val.h5", "test.h5")


def benchmark_dir() -> Path:
    """Where ``python -m helpers.data fetch-benchmark`` puts the benchmark files:
    ``<cache>/benchmark``."""
    return cache_dir() / "benchmark"


def fetched_benchmark_dir() -> Path | None:
    """:func:`benchmark_dir` when it holds every file of :data:`BENCHMARK_SPLIT_FILES`
    (each completed and verified by the download), else ``None``."""
    folder = benchmark_dir()
    done = all((folder / f).is_file() and (folder / f"{f}.verified").is_file()
               for f in BENCHMARK_SPLIT_FILES)
    return folder if done else None


def setup_device(device: str = "auto", threads: int | None = None) -> str:
    """Resolve ``device`` and, on the CPU, set torch's thread count for the book's models.

    The count is ``$JETBOOK_TORCH_THREADS`` if set, else ``threads`` (a chapter's
    ``torch_threads`` setting; 0 = one per core), else 1.  Most networks here are small and
    their mini-batches short, so extra threads mostly wait -- on an idle 2-core machine two
    threads gave TopoDNN and RecNN training no gain (on a busy one, TopoDNN ran tens of times
    slower) -- while the PFN's per-particle matrices gain about 1.5x.
    """
    device = resolve_device(device)
    if device == "cpu":
        import torch

        env = os.environ.get("JETBOOK_TORCH_THREADS")
        n = int(env) if env else (threads if threads is not None else 1)
        torch.set_num_threads(n if n > 0 else (os.cpu_count() or 1))
    return device


def resolve_device(device: str = "auto") -> str:
    """Map ``auto`` to ``cuda`` when a GPU is visible, else ``cpu``; validate the rest."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' was requested but torch sees no CUDA device")
    return device
