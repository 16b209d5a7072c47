"""``ruff`` (configured in pyproject.toml) is clean on every tracked Python source."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("helpers", "tests", "benchmarks", "notebooks")


def ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True,
                          text=True, check=False)


def test_ruff_is_clean():
    result = ruff("check", "--output-format", "concise", *SOURCES)
    assert result.returncode == 0, f"ruff found problems:\n{result.stdout}{result.stderr}"


def test_ruff_configuration_flags_errors(tmp_path):
    """The project's configuration still catches an unused import."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "probe.py").write_text("import os\n")
    result = ruff("check", "--output-format", "concise", "probe.py", cwd=tmp_path)
    assert result.returncode == 1 and "F401" in result.stdout
