"""RecNN speed: level-batched vs per-jet recursive evaluation, and training throughput.

On the same jets and the same weights, times (1) the forward pass and (2) forward + backward
of the level-batched :class:`~helpers.models.recnn.RecNN` against the straightforward per-jet
recursion (:func:`~helpers.models.recnn.recursive_logits`); (3) training throughput in jets/s
(shuffled mini-batches, Adam, batch preparation included) on the chosen device; and (4) the
C/A tree building rate.  Jets are the top/QCD training jets of a profile (``ci`` is cached).

    python benchmarks/bench_recnn.py --profile ci --threads 1 --jets 256
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.config import resolve_device  # noqa: E402
from helpers.data import load_task  # noqa: E402
from helpers.models.recnn import RecNN, evaluation_speed  # noqa: E402
from helpers.physics.trees import build_trees  # noqa: E402
from helpers.preprocessing.recnn import NodeScaler, node_features, tree_inputs  # noqa: E402


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call in seconds (CUDA synchronised)."""
    start = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def training_rate(model: RecNN, inputs, labels: np.ndarray, batch_size: int, epochs: int) -> float:
    """Jets per second of Adam training on shuffled mini-batches."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    y = torch.as_tensor(labels, dtype=torch.float32, device=inputs.device)
    gen = np.random.default_rng(0)

    def run() -> None:
        for _ in range(epochs):
            order = gen.permutation(len(inputs))
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    model(inputs.batch(idx)), y[torch.as_tensor(idx, device=y.device)])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

    return epochs * len(inputs) / timed(run)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", default="ci", help="jets of this profile (default: ci, cached)")
    p.add_argument("--jets", type=int, default=256, help="jets for batched vs recursive")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--train-jets", type=int, default=None, help="jets for the training rate "
                   "(default: the whole training split)")
    p.add_argument("--epochs", type=int, default=1, help="epochs for the training rate")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--device", default="auto", help="device of the training-rate run")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    train = load_task("top_qcd", args.profile)["train"]
    if args.train_jets:
        train = train.subset(slice(0, args.train_jets))
    start = time.perf_counter()
    trees = build_trees(train)
    tree_rate = len(train) / (time.perf_counter() - start)
    feats = node_features(trees)
    inputs = tree_inputs(trees, NodeScaler.fit(feats), feats)
    torch.manual_seed(0)
    model = RecNN()
    jets = np.arange(min(args.jets, len(train)))
    print(f"{len(jets)} jets, {trees.n_nodes / len(train):.0f} nodes per jet on average, "
          f"batch size {args.batch_size}, {args.threads} CPU thread(s)")
    print(f"tree building (C/A, numpy): {tree_rate:,.0f} jets/s")
    for backward in (False, True):
        r = evaluation_speed(model, inputs, jets, args.batch_size, backward)
        what = "forward + backward" if backward else "forward"
        print(f"{what:>18}: level-batched {r['batched']:9,.0f} jets/s, recursive "
              f"{r['recursive']:7,.0f} jets/s, speed-up {r['speedup']:5.1f}x")
    device = resolve_device(args.device)
    model = RecNN().to(device)
    rate = training_rate(model, inputs.to(device), train.labels, args.batch_size, args.epochs)
    print(f"training on {device}: {rate:,.0f} jets/s ({len(train)} jets x {args.epochs} epoch(s))")


if __name__ == "__main__":
    main()
