"""The chapters on the original benchmark files: ``--data-source benchmark --data-dir DIR``.

The ci jets are written in the benchmark's pandas layout (train.h5, val.h5, test.h5), then
chapters that read top/QCD jets are executed from those files through the book builder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.data import SPLITS, load_task
from helpers.data.benchmark import load_benchmark_split, write_benchmark_layout

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ("00_jets", "01_topodnn", "04_pfn")


@pytest.mark.slow
def test_chapters_execute_on_benchmark_files(tmp_path):
    splits = load_task("top_qcd", "ci")
    data_dir = tmp_path / "benchmark"
    data_dir.mkdir()
    for ttv, split in enumerate(SPLITS):
        write_benchmark_layout(splits[split], data_dir / f"{split}.h5", ttv=ttv)
    build = tmp_path / "build"
    cmd = [sys.executable, "-m", "helpers.book", "execute", "--profile", "ci",
           "--chapters", ",".join(CHAPTERS), "--data-source", "benchmark",
           "--data-dir", str(data_dir), "--build-dir", str(build)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for chapter in CHAPTERS:
        nb = json.loads((build / "ci-benchmark" / "notebooks" / f"{chapter}.ipynb").read_text())
        text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                       for o in c.get("outputs", []) if o.get("output_type") == "stream")
        assert "data source: benchmark" in text, chapter
    assert not (build / "ci").exists()  # never the folder of the generated jets
    # the loader read back exactly the jets that were written
    back = load_benchmark_split(data_dir, "test")
    np.testing.assert_array_equal(back.constituents, splits["test"].constituents)
    np.testing.assert_array_equal(back.labels, splits["test"].labels)
