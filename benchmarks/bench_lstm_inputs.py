"""Chapter 5's LSTM on four input layouts, side by side on the same top/QCD jets.

The layouts are the two switches of :func:`helpers.preprocessing.sequence.lstm_features`:
``ln z`` and the angles standardised or raw, the constituents read softest or hardest
first.  Each is trained with the book's LSTM recipe (``lstm_config`` of ``--profile``, here
with ``--epochs`` and ``--patience``) for every seed, on one torch thread, and scored on the
test jets: test AUC (mean and spread over seeds), best epoch, seconds.

    python benchmarks/bench_lstm_inputs.py --jets 5000 --seeds 0,1 [--json out.json]

Jets are generated (or reused from the cache) with ``generate_sample``: ``--jets`` training
jets per class, a fifth of that for validation and two fifths for the test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.data import JetSet, generate_sample, read_jets  # noqa: E402
from helpers.metrics import auc  # noqa: E402
from helpers.models import ConstituentLSTM, predict_logits  # noqa: E402
from helpers.preprocessing import lstm_features  # noqa: E402
from helpers.training.loop import train_classifier  # noqa: E402
from helpers.training.recipes import lstm_config  # noqa: E402


def splits(n_train: int, workers: int) -> dict[str, JetSet]:
    """Top and QCD jets of each split, generated or read from the cache."""
    sizes = {"train": n_train, "val": n_train // 5, "test": 2 * n_train // 5}
    return {split: JetSet.concatenate([read_jets(generate_sample(p, n, split, workers=workers))
                                       for p in ("top", "qcd")])
            for split, n in sizes.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jets", type=int, default=5000, help="training jets per class")
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds")
    parser.add_argument("--profile", default="standard")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="generation processes")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    jets = splits(args.jets, args.workers)
    y = {s: j.labels.astype(np.float32) for s, j in jets.items()}
    results = []
    for standardised, softest_first in itertools.product((False, True), repeat=2):
        X = {s: lstm_features(j, standardised=standardised, softest_first=softest_first)
             for s, j in jets.items()}
        aucs, best, seconds = [], [], []
        for seed in (int(s) for s in args.seeds.split(",")):
            cfg = lstm_config(args.profile, seed, max_epochs=args.epochs, patience=args.patience)
            torch.manual_seed(seed)
            start = time.perf_counter()
            model, hist = train_classifier(
                ConstituentLSTM(X["train"].shape[-1] - 1, cfg["hidden"], cfg["head"]),
                X["train"], y["train"], X["val"], y["val"], lr=cfg["lr"],
                batch_size=cfg["batch_size"], max_epochs=cfg["max_epochs"],
                patience=cfg["patience"], seed=seed, device="cpu", desc="LSTM")
            seconds.append(time.perf_counter() - start)
            aucs.append(auc(y["test"], predict_logits(model, X["test"], 4096)))
            best.append(hist.best_epoch)
        row = {"standardised": standardised, "softest_first": softest_first,
               "auc_mean": float(np.mean(aucs)), "auc_std": float(np.std(aucs, ddof=1))
               if len(aucs) > 1 else 0.0, "aucs": aucs, "best_epochs": best, "seconds": seconds}
        results.append(row)
        print(f"standardised={standardised!s:5} softest_first={softest_first!s:5} "
              f"AUC {row['auc_mean']:.4f} ± {row['auc_std']:.4f}  best epochs {best}  "
              f"{np.mean(seconds):.0f} s per seed", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"jets_per_class": args.jets, "results": results},
                                        indent=1))


if __name__ == "__main__":
    main()
