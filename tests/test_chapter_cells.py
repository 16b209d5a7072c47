"""Chapters are narrative and calls: short code cells, no functions of their own."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.py"))
#: most lines of logic (not imports, comments or blank lines) a code cell may have
MAX_LOGIC_LINES = 12


def code_cells(path: Path) -> list[tuple[int, str]]:
    """``(cell number, source)`` of every code cell but the parameters cell."""
    nb = jupytext.read(path)
    return [(i, c.source) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]


def logic_lines(source: str) -> int:
    """Non-blank, non-comment lines that are not part of an import statement."""
    tree = ast.parse(source)
    imports = {n for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
               for n in range(node.lineno, node.end_lineno + 1)}
    return sum(1 for k, line in enumerate(source.splitlines(), start=1)
               if line.strip() and not line.strip().startswith("#") and k not in imports)


def test_logic_lines_counts_what_it_should():
    src = "import numpy as np\nfrom a import (b,\n    c)\n# note\n\nx = 1\nprint(\n  x)\n"
    assert logic_lines(src) == 3


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_cells_are_short(chapter):
    long = [(i, logic_lines(src)) for i, src in code_cells(chapter)
            if logic_lines(src) > MAX_LOGIC_LINES]
    assert not long, (f"{chapter.name}: cells (number, lines of logic) over {MAX_LOGIC_LINES}: "
                      f"{long}; move the how into a study or plot function")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_define_no_functions(chapter):
    defined = [(i, node.name) for i, src in code_cells(chapter)
               for node in ast.walk(ast.parse(src))
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert not defined, f"{chapter.name} defines {defined}: they belong in helpers.studies"
