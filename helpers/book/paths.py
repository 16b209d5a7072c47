"""Where one build lives: ``<build-dir>/<profile>[-<data source>][-seed<N>]/`` and its
sub-folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import REPO_ROOT
from .chapters import Chapter

#: the book's editions: the reader's (solutions collapsed) and the student's (solutions removed)
EDITIONS = ("reader", "student")


@dataclass(frozen=True)
class BuildPaths:
    """Where one profile's build lives (both editions share the executed notebooks)."""

    root: Path  #: ``<build-dir>/<profile>``
    edition: str = "reader"

    @property
    def _suffix(self) -> str:
        return "" if self.edition == "reader" else f"-{self.edition}"

    @property
    def inputs(self) -> Path:  # converted, unexecuted notebooks
        return self.root / "inputs"

    @property
    def notebooks(self) -> Path:  # executed notebooks
        return self.root / "notebooks"

    @property
    def src(self) -> Path:  # staged Jupyter Book source
        return self.root / f"src{self._suffix}"

    @property
    def html(self) -> Path:  # rendered book: html/, the student edition html-student/
        return self.root / f"html{self._suffix}"

    @property
    def results(self) -> Path:  # the chapters' result files (JSON), read by the scorecard
        return self.root / "results"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def timings(self) -> Path:
        return self.root / "timings.json"

    def executed(self, chapter: Chapter) -> Path:
        return self.notebooks / f"{chapter.name}.ipynb"

    def page(self, chapter: Chapter) -> Path:
        return self.html / f"{chapter.toc_file}.html"


def build_name(profile: str, data_source: str = "generated", seed: int = 0) -> str:
    """The build folder's name: everything that changes a chapter's results, the defaults
    left out -- ``standard``, ``standard-benchmark``, ``ci-seed1``, ``full-benchmark-seed2``.
    Builds that differ in any of these never share a folder, so a book never mixes them."""
    return (profile + ("" if data_source == "generated" else f"-{data_source}")
            + ("" if seed == 0 else f"-seed{seed}"))


def build_paths(profile: str, build_dir: Path | str | None = None,
                edition: str = "reader", *, data_source: str = "generated",
                seed: int = 0) -> BuildPaths:
    """The :class:`BuildPaths` of ``<build_dir>/<build_name(profile, data_source, seed)>``."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; editions: {', '.join(EDITIONS)}")
    base = Path(build_dir) if build_dir is not None else REPO_ROOT / "_build"
    return BuildPaths(base.resolve() / build_name(profile, data_source, seed), edition)
