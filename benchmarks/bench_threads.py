"""Why chapters side by side get a thread budget for BLAS / OpenMP too, not only for torch.

A chapter's numpy, scipy and scikit-learn work (probes, PCA, BDTs, metrics) runs on
OpenBLAS / OpenMP pools that open one thread per core.  With ``--jobs 2`` on 2 cores, two
chapters then ask for more threads than there are cores.  This times one such workload
(logistic-regression fits and matrix products, a stand-in for a chapter's analysis cells) in a
fresh process, with every core's pool and with the budget that
:func:`helpers.book.execute.thread_budget` gives, first alone and then beside a busy
one-thread torch training loop (the other chapter).  All four cases run in one invocation and
each is repeated (min / median reported).

    python benchmarks/bench_threads.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from helpers.book.execute import THREAD_VARIABLES, thread_budget

WORK = """
import time, numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = rng.normal(size=(20000, 64)); y = (X[:, 0] + rng.normal(size=20000) > 0).astype(int)
a = rng.normal(size=(300, 300))
t = time.perf_counter()
for _ in range(5):
    LogisticRegression(max_iter=300).fit(X, y)
for _ in range(300):
    a @ a
print(time.perf_counter() - t)
"""

BUSY = """
import time, torch
torch.set_num_threads(1)
m = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1))
opt = torch.optim.Adam(m.parameters()); x = torch.randn(256, 64)
while True:
    opt.zero_grad(); m(x).sum().backward(); opt.step()
"""


def timed(env: dict[str, str], repeat: int) -> list[float]:
    """Seconds of :data:`WORK` in fresh processes with ``env``."""
    return [float(subprocess.run([sys.executable, "-c", WORK], env=env, check=True,
                                 capture_output=True, text=True).stdout) for _ in range(repeat)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    free = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    envs = {"every core": free, "budget": {**free, **thread_budget(2)}}
    results = {}
    for beside in (False, True):
        busy = subprocess.Popen([sys.executable, "-c", BUSY]) if beside else None
        time.sleep(2 if beside else 0)
        try:
            for name, env in envs.items():
                results[(name, beside)] = timed(env, args.repeat)
        finally:
            if busy:
                busy.kill()
    print(f"{os.cpu_count()} cores; budget for --jobs 2: {thread_budget(2)['OMP_NUM_THREADS']} thread(s)")
    for (name, beside), t in results.items():
        where = "beside a training loop" if beside else "alone"
        print(f"{name:>10}, {where:<23}: min {min(t):.2f} s, median {statistics.median(t):.2f} s")
    for beside in (False, True):
        ratio = (statistics.median(results[("every core", beside)])
                 / statistics.median(results[("budget", beside)]))
        print(f"every core / budget, {'beside' if beside else 'alone'}: {ratio:.2f}")


if __name__ == "__main__":
    main()
