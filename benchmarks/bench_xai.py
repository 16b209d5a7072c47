"""Time per explained jet of the attribution methods on a TopoDNN (90 inputs).

Inputs are synthetic but realistic jets (exponential constituent pT, 20-80 constituents
spread around the jet axis) passed through the TopoDNN preprocessing; the model is a
random-initialised TopoDNN unless ``--weights`` points to a saved ``state_dict``.
All methods are timed in one run, on the same model, inputs and threads.

    python benchmarks/bench_xai.py --profile standard --threads 1
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

from helpers.config import get_profile  # noqa: E402
from helpers.models import TopoDNN  # noqa: E402
from helpers.preprocessing import topodnn_features  # noqa: E402
from helpers.xai import (  # noqa: E402
    delta_auc,
    differential_relevance,
    kernel_shap,
    lrp,
    mad_relevance,
    sample_background,
)


def synthetic_jets(n: int, seed: int = 0, max_constituents: int = 80) -> np.ndarray:
    """``(n, max_constituents, 4)`` massless pT-ordered constituents around random jet axes."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(20, max_constituents + 1, size=n)
    slot = np.arange(max_constituents)[None, :]
    pt = -np.sort(-rng.exponential(20.0, size=(n, max_constituents)), axis=1) * (slot < mult[:, None])
    eta = rng.uniform(-2, 2, size=(n, 1)) + rng.normal(0, 0.25, size=pt.shape)
    phi = rng.uniform(-np.pi, np.pi, size=(n, 1)) + rng.normal(0, 0.25, size=pt.shape)
    p4 = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1)
    return p4.astype(np.float32)


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", default="standard", help="sizes from this profile (default: standard)")
    p.add_argument("--n-auc-jets", type=int, default=None,
                   help="jets for Delta-AUC (default: 2 x test per class)")
    p.add_argument("--n-shap-jets", type=int, default=10, help="jets explained by KernelSHAP (slow)")
    p.add_argument("--weights", default=None, help="optional TopoDNN state_dict (.pt) to load")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    prof = get_profile(args.profile)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = TopoDNN().eval()
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu", weights_only=True))

    n_auc = args.n_auc_jets or 2 * prof.jets_per_class["test"]
    X = topodnn_features(synthetic_jets(n_auc + prof.n_background, seed=args.seed))
    y = np.random.default_rng(args.seed).integers(0, 2, n_auc)
    X_auc, X_ref = X[:n_auc], X[n_auc:]
    X_exp, y_exp = X_auc[: prof.n_explain], y[: prof.n_explain]
    background = sample_background(X_ref, prof.n_background, seed=args.seed)
    mean = X_ref.mean(axis=0)
    n_shap = min(args.n_shap_jets, prof.n_explain)

    differential_relevance(model, X_exp[:10], mean)  # warm-up (first-call overheads)
    rows = {
        "Delta-AUC occlusion (amortised)": (
            timed(lambda: delta_auc(model, X_auc, y, reference=X_ref)), n_auc),
        "differential + MAD relevance": (
            timed(lambda: mad_relevance(differential_relevance(model, X_exp, mean), y_exp)),
            len(X_exp),
        ),
        "LRP epsilon": (timed(lambda: lrp(model, X_exp)), len(X_exp)),
        f"KernelSHAP (nsamples={prof.shap_nsamples}, bg={prof.n_background})": (
            timed(lambda: kernel_shap(model, X_exp[:n_shap], background, nsamples=prof.shap_nsamples)),
            n_shap,
        ),
    }
    print(f"profile {prof.name}, torch threads {args.threads}, {X.shape[1]} inputs")
    print(f"{'method':<48}{'jets':>7}{'total s':>10}{'ms / jet':>12}")
    per_jet = {}
    for name, (seconds, n) in rows.items():
        per_jet[name] = seconds / n
        print(f"{name:<48}{n:>7}{seconds:>10.3f}{1e3 * seconds / n:>12.4f}")
    shap_name = next(k for k in rows if k.startswith("KernelSHAP"))
    ratio = per_jet[shap_name] / per_jet["differential + MAD relevance"]
    print(f"KernelSHAP / differential time per jet: {ratio:,.0f}x (goal >= 100x)")


if __name__ == "__main__":
    main()
