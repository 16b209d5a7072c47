"""Shared test settings and fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tests also run without `pip install -e .`
    sys.path.insert(0, str(ROOT))

# No progress bars in test logs.
os.environ.setdefault("JETBOOK_PROGRESS", "0")

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def in_ci() -> bool:
    """True on a CI runner (CI=true), where missing tools must fail rather than skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail in CI, where a skipped check would look like a pass."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
