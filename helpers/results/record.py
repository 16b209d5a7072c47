"""Chapters record their results: each number is glued for the page (MyST-NB ``glue``) and
kept, with the run's settings, in one JSON file per chapter that the scorecard reads.

    results = ChapterRecord("01_topodnn", prof, seeds, data_source)
    results.record("topodnn.auc", Measurement.of(aucs))       # {glue:text}`topodnn.auc:.4f`
    results.claim("lrp_vs_shap", compare("LRP", a, "SHAP", b))  # {glue:md}`lrp_vs_shap`
    results.save()

The JSON goes to ``$JETBOOK_RESULTS`` (the book build sets it to
``<build>/<profile>/results``), else to ``<cache>/results/<profile>``.
"""

from __future__ import annotations

import json
import math
import os
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from ..cache import atomic_path
from ..config import Profile, cache_dir, get_profile
from .claims import VERDICTS, Measurement

#: environment variable naming the folder of the chapters' result files
RESULTS_ENV = "JETBOOK_RESULTS"
#: packages whose versions every result file records
VERSIONED = ("jet-tagger-xai-helpers", "torch", "numpy", "scikit-learn", "pythia8mc", "fastjet")


def results_dir(profile: str) -> Path:
    """Where the result files of ``profile`` live (see the module notes)."""
    env = os.environ.get(RESULTS_ENV)
    return Path(env) if env else cache_dir() / "results" / profile


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`VERSIONED` (``"missing"`` where not installed)."""
    out = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _glue(key: str, value: Any) -> None:
    from myst_nb import glue

    glue(key, value, display=False)


def _number(x: float) -> float | None:
    """A plain ``float`` for JSON and glue (NumPy scalars break glue's formatting); NaN and
    infinities become ``None`` in JSON."""
    x = float(x)
    return x if math.isfinite(x) else None


class ChapterRecord:
    """The recorded measurements and claims of one chapter run."""

    def __init__(self, chapter: str, profile: Profile | str, seeds: Sequence[int],
                 data_source: str = "generated", glue: bool = True, explains: str = "") -> None:
        #: the anchor of the chapter's section that explains differences from the papers
        self.explains = explains
        self.chapter = chapter
        self.profile = get_profile(profile)
        self.seeds = list(seeds)
        self.data_source = data_source
        self.glue = glue
        self.measurements: dict[str, Measurement] = {}
        self.claims: dict[str, str] = {}
        self.findings: dict[str, dict[str, str]] = {}
        self.published: dict[str, dict[str, str]] = {}
        self.jets: dict[str, int] = {}

    def record(self, key: str, value: Measurement | float, spread: float = float("nan"),
               n: int | None = None, fmt: str = "{:.3f}", published: str | None = None,
               caveat: str = "", section: str = "") -> Measurement:
        """Keep a measurement and glue it: ``key`` (the value, a float for
        ``{glue:text}`key:.3f```) and ``key.text`` (``"value ± spread"`` in ``fmt``, for
        ``{glue:md}`key.text```).

        ``published`` names the :mod:`helpers.published` entry this measures (the scorecard
        compares the two); ``caveat`` says why the two are not like for like, if they are not
        (beyond the samples, which the scorecard judges itself); ``section`` is the anchor of
        the section explaining a difference (default: the chapter's ``explains``).
        """
        m = value if isinstance(value, Measurement) else Measurement(float(value), spread, n)
        m = Measurement(float(m.value), float(m.spread), m.n)
        self.measurements[key] = m
        if published is not None:
            from .. import published as table

            table.entry(published)  # a clear error for an unknown key
            self.published[key] = {"key": published, "caveat": caveat,
                                   "section": section or self.explains, "fmt": fmt}
        if self.glue:
            from IPython.display import Markdown

            _glue(key, float(m.value))
            _glue(f"{key}.text", Markdown(m.text(fmt)))
        return m

    def claim(self, key: str, sentence: str) -> str:
        """Keep a computed sentence and glue it as markdown (``{glue:md}`key```)."""
        self.claims[key] = sentence
        if self.glue:
            from IPython.display import Markdown

            _glue(key, Markdown(sentence))
        return sentence

    def finding(self, key: str, verdict: str, evidence: str) -> str:
        """Keep the verdict on one of the papers' qualitative findings (one of
        :data:`~helpers.results.claims.VERDICTS`, e.g. from
        :func:`~helpers.results.claims.finding_verdict`) with the measured evidence, a
        sentence, and glue the evidence and the verdict as markdown (``{glue:md}`key``` and
        ``{glue:md}`key_verdict```)."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} of {key!r} is not one of {VERDICTS}")
        self.findings[key] = {"verdict": verdict, "evidence": evidence}
        if self.glue:
            from IPython.display import Markdown

            _glue(key, Markdown(evidence))
            _glue(f"{key}_verdict", Markdown(verdict))
        return verdict

    def used_jets(self, **counts: int) -> None:
        """How many jets of each kind the chapter's numbers rest on (e.g. ``test=6000``)."""
        self.jets.update({k: int(v) for k, v in counts.items()})

    def as_dict(self) -> dict:
        """Everything the result file holds."""
        return {
            "chapter": self.chapter, "profile": self.profile.name,
            "data_source": self.data_source, "seeds": self.seeds, "jets": self.jets,
            "versions": package_versions(),
            "measurements": {k: {"value": _number(m.value), "spread": _number(m.spread),
                                 "n": m.n} for k, m in self.measurements.items()},
            "claims": self.claims, "findings": self.findings, "published": self.published,
        }

    def save(self, folder: Path | None = None) -> Path:
        """Write ``<folder>/<chapter>.json`` atomically (default :func:`results_dir`)."""
        path = Path(folder or results_dir(self.profile.name)) / f"{self.chapter}.json"
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.as_dict(), indent=1, sort_keys=True) + "\n")
        return path


def load_results(folder: Path) -> dict[str, dict]:
    """``{chapter: result file contents}`` of every ``*.json`` in ``folder``."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))}


def measurement(results: dict, key: str) -> Measurement:
    """The :class:`Measurement` of ``key`` in one chapter's result file contents."""
    m = results["measurements"][key]
    nan = float("nan")
    return Measurement(nan if m["value"] is None else m["value"],
                       nan if m["spread"] is None else m["spread"], m["n"])
