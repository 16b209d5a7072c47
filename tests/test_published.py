"""The one table of published values: well formed, cited, and the only place chapters take
published numbers from."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import jupytext
import pytest

from helpers import published

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.py"))


def significant_digits(v: float) -> int:
    """Significant digits of a number as written shortest (0.9712 -> 4, 278.0 -> 3, 0.9 -> 1)."""
    digits = repr(float(v)).lower().split("e")[0].replace("-", "").replace(".", "")
    return len(digits.strip("0")) or 1


#: published numbers a chapter could not type by accident (two or more significant digits)
DISTINCTIVE = {float(e.value) for e in published.PUBLISHED.values()
               if not isinstance(e.value, tuple) and significant_digits(e.value) >= 2}


def code_literals(path: Path) -> list[tuple[int, float]]:
    """``(line in the cell, value)`` of every numeric literal in the chapter's code cells."""
    out = []
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                out.append((node.lineno, float(node.value)))
    return out


def test_significant_digits():
    assert [significant_digits(v) for v in (0.9712, 278.0, 0.9, 0.01, 1_200_000, 0.11)] == \
        [4, 3, 1, 1, 2, 2]


def test_every_entry_is_cited_and_sourced():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    for key, e in published.PUBLISHED.items():
        assert e.cite in keys, f"{key}: citation {e.cite!r} is not in references.bib"
        assert e.where and e.measured_on, key
        if not isinstance(e.value, tuple):
            assert math.isfinite(e.value), key


def test_values_are_in_range_and_tables_complete():
    for key, e in published.PUBLISHED.items():
        if key.endswith(".auc") or ".auc." in key or key.startswith("cheng.transfer"):
            assert 0.5 < e.value <= 1, key
        if key.startswith("cheng.r2"):
            assert 0 <= e.value <= 1, key
    for task in ("w_qcd", "top_qcd", "quark_gluon"):
        assert len(published.group(f"cheng.r2.{task}")) == 9
    assert len(published.group("cheng.transfer")) == 6


def test_cheng_mass_row_is_the_mass_angularity():
    """Cheng's Table 1 row "jet mass M_j" is lambda^1_2, not the jet mass."""
    assert not [k for k in published.PUBLISHED if k.startswith("cheng.r2.") and k.endswith(".mass")]
    assert "lambda^1_2" in published.entry("cheng.r2.top_qcd.mass_angularity").note
    assert published.value("cheng.r2.top_qcd.mass_angularity") == 0.80


def test_leaky_values_are_marked():
    assert published.entry("khot.pfn_leaky.auc").leaky
    assert published.entry("khot.pca.rho_mass.QCD").leaky
    assert not published.entry("khot.pfn.auc").leaky


def test_lookup_helpers():
    assert published.metrics("khot.pfn") == {"auc": 0.9798, "accuracy": 0.9284,
                                             "rejection_0.3": 699.0}
    assert published.group("khot.pca.rho_mass") == {"QCD": 0.9, "top": 0.6}
    with pytest.raises(KeyError, match="similar"):
        published.value("khot.pfn.auc_typo")
    with pytest.raises(KeyError, match="no published values"):
        published.group("nobody")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_take_published_values_from_the_table(chapter):
    typed = [(line, v) for line, v in code_literals(chapter) if v in DISTINCTIVE]
    assert not typed, (f"{chapter.name} types published values {typed} (line in its cell, "
                       "value): import them from helpers.published")


def test_the_scan_finds_a_typed_value(tmp_path):
    probe = tmp_path / "99_probe.py"
    probe.write_text("# %%\nPAPER = {'auc': 0.9712}\nx = 0.5\n")
    assert [v for _, v in code_literals(probe) if v in DISTINCTIVE] == [0.9712]
