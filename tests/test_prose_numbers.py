"""Numbers about *this* run never appear typed in a chapter's prose.

Every numeral in a markdown cell must be glued (``{glue:...}``), a published value of
:mod:`helpers.published` (as written in the prose: rounded, or as a percentage), or one of the
definitional constants below (network sizes, cuts, thresholds, years).  A run's result typed by
hand fails here: it would be wrong on the next profile, seed or data source.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

from helpers import published

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.py"))

#: definitional constants that may be typed, with why
DEFINITIONAL: dict[str, str] = {
    "14": "collision energy (TeV)",
    "0.8": "jet radius R; a correlation in the synthetic toy of chapter 2",
    "550": "jet pT window (GeV)", "650": "jet pT window (GeV)",
    "500": "Cheng's pT window (GeV)", "700": "Cheng's pT window (GeV)",
    "600": "typical jet pT of the window (GeV)",
    "1700": "TopoDNN pT scale (GeV), Pearkes et al.",
    "30": "TopoDNN constituents", "90": "TopoDNN inputs (30 x 3)",
    "200": "particle slots of the benchmark files",
    "300": "TopoDNN layer size", "102": "TopoDNN layer size", "12": "TopoDNN layer size",
    "120": "re-optimised TopoDNN layer size", "40": "re-optimised TopoDNN layer size",
    "100": "PFN layer size", "256": "PFN latent dimension",
    "70": "RecNN embedding dimension",
    "21": "tau_21 subscript", "32": "tau_32 subscript",
    "96": "TopoDNN batch size (paper)", "250": "PFN batch size (paper)",
    "5000": "PFN steps per epoch at the paper's sample size",
    "64": "jets in the illustrated mini-batch",
    "1.2": "training jets of the benchmark (millions)",
    "1.3": "mass of the generated W′ (TeV), helpers/data/processes.py",
    "0.2": "RNA sparsity threshold", "0.5": "probability threshold, eps_S, AUC of chance",
    "0.3": "eps_S working point; a Lund-plane region cut",
    "0.25": "LRP gamma", "0.1": "Lund-plane region cut (z)",
    "0.05": "Lund-plane region cut (Delta, z)", "99": "explained variance kept by the PCA (%)",
    "10": "a power of ten (learning rates, epsilon, rounding)",
    "-1": "range of a rank correlation", "−1": "range of a rank correlation",
    "-3": "exponent of a learning rate", "-4": "exponent of a learning rate",
    "-9": "LRP epsilon exponent", "-10": "float32 rounding scale (exponent)",
}

ROLE = re.compile(r"\{(?:glue(?::\w+)?|cite(?::\w+)?|doc|ref|numref|eq|download)\}`[^`]*`")
CODE = re.compile(r"`[^`]*`")
LINK = re.compile(r"\]\([^)]*\)|https?://\S+")
LABEL = re.compile(r"^\([\w-]+\)=\s*$", re.M)
NUMERAL = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?!\w)")


def published_numbers() -> list[float]:
    out: list[float] = []
    for e in published.PUBLISHED.values():
        out += [float(v) for v in (e.value if isinstance(e.value, tuple) else (e.value,))]
    return out


PUBLISHED = published_numbers()


def is_published(numeral: str) -> bool:
    """``numeral`` is a published value as the prose writes it: rounded to its digits, or as
    a percentage."""
    x = float(numeral.replace(",", "").replace("−", "-"))
    decimals = len(numeral.split(".")[1]) if "." in numeral else 0
    tol = 0.5 * 10 ** -decimals + 1e-9
    return any(abs(x - v) <= tol or abs(x - 100 * v) <= tol for v in PUBLISHED
               if decimals > 0 or abs(v) >= 1 or abs(100 * v) >= 1)


def allowed(numeral: str) -> bool:
    plain = numeral.replace(",", "")
    if plain in DEFINITIONAL or numeral in DEFINITIONAL:
        return True
    if re.fullmatch(r"\d", plain):  # counting, ordinals, chapter and table numbers
        return True
    if re.fullmatch(r"(19|20)\d\d", plain):  # years
        return True
    return is_published(numeral)


def typed_numbers(markdown: str) -> list[tuple[str, str]]:
    """``(numeral, line)`` of every numeral in ``markdown`` that is not allowed."""
    text = LABEL.sub("", LINK.sub("", CODE.sub("", ROLE.sub("", markdown))))
    return [(m.group(), line.strip()) for line in text.splitlines()
            for m in NUMERAL.finditer(line) if not allowed(m.group())]


def test_scan_flags_typed_results_and_spares_glue_and_constants():
    assert typed_numbers("the transfer retains 52 % of the separation") == \
        [("52", "the transfer retains 52 % of the separation")]
    assert [n for n, _ in typed_numbers("AUC 0.9412 on the test set")] == ["0.9412"]
    assert typed_numbers("the transfer retains {glue:text}`retained:.0%` of it") == []
    assert typed_numbers("a (300, 102, 12, 6) TopoDNN with $R = 0.8$, Table 2, 2019") == []
    assert typed_numbers("see `02_lrp.py` and {cite}`Khot:2023`") == []
    # published values, as written: Khot et al.'s AUC, the leaky PFN's accuracy in percent
    assert typed_numbers("the paper's AUC 0.9712 and the leaky 97.7 % accuracy") == []
    assert [n for n, _ in typed_numbers("an AUC of 0.9713")] == ["0.9713"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_typed_run_numbers_in_prose(path):
    typed = [(i, n, line) for i, cell in enumerate(jupytext.read(path).cells)
             if cell.cell_type == "markdown" for n, line in typed_numbers(cell.source)]
    assert not typed, "numerals typed in markdown (glue them, take them from helpers.published, " \
        "or add a definitional constant to DEFINITIONAL):\n" + "\n".join(
            f"  cell {i}: {n!r} in {line!r}" for i, n, line in typed)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_glued_sentences_are_parsed_as_myst(path):
    """``{glue:md}`key``` parses as CommonMark, where ``$...$`` stays raw text: glued claims
    with math need ``{glue:md}`key:myst```."""
    plain = re.findall(r"\{glue:md\}`([^`:]+)`", path.read_text())
    assert not plain, f"{path.name}: glue:md without :myst for {plain}"
