"""The chapters: the ``notebooks/...`` entries of ``_toc.yml``, their selection, and the
toc filtered down to the chapters that will be rendered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from ..config import REPO_ROOT
from .errors import BookError

#: folder (relative to the repository root) that holds the chapter notebooks
NOTEBOOK_DIR = "notebooks"


@dataclass(frozen=True)
class Chapter:
    """One chapter notebook listed in the toc."""

    name: str  #: e.g. ``00_jets``
    toc_file: str  #: toc entry, e.g. ``notebooks/00_jets``
    source: Path  #: jupytext source ``notebooks/00_jets.py``


def toc_entries(toc: Any) -> list[str]:
    """All ``root``/``file`` entries of a (jb-book) toc structure, in document order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def toc_entry_name(entry: str) -> str:
    """A toc entry without its file suffix (``notebooks/00_jets.py`` -> ``notebooks/00_jets``)."""
    for suffix in (".ipynb", ".py", ".md"):
        if entry.endswith(suffix):
            return entry[: -len(suffix)]
    return entry


def load_toc(root: Path = REPO_ROOT) -> dict:
    path = Path(root) / "_toc.yml"
    if not path.is_file():
        raise BookError(f"no table of contents at {path}")
    with open(path) as fh:
        return yaml.safe_load(fh) or {}


def discover_chapters(root: Path = REPO_ROOT) -> list[Chapter]:
    """Chapters = the ``notebooks/...`` entries of ``_toc.yml``, in toc order."""
    root = Path(root)
    chapters = []
    for entry in toc_entries(load_toc(root)):
        entry = toc_entry_name(entry)
        if not entry.startswith(NOTEBOOK_DIR + "/"):
            continue
        source = root / f"{entry}.py"
        if not source.is_file():
            raise BookError(f"_toc.yml lists {entry!r} but its source {source} does not exist")
        chapters.append(Chapter(name=Path(entry).name, toc_file=entry, source=source))
    return chapters


def select_chapters(chapters: Sequence[Chapter], names: Iterable[str] | None) -> list[Chapter]:
    """The chapters named in ``names`` (toc order kept); all of them for ``None``/empty."""
    if not names:
        return list(chapters)
    wanted = [toc_entry_name(Path(n.strip()).name) for n in names if n.strip()]
    known = {c.name: c for c in chapters}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BookError(
            f"unknown chapter(s) {', '.join(unknown)}; chapters in _toc.yml: "
            f"{', '.join(known) or '(none)'}"
        )
    return [c for c in chapters if c.name in wanted]


def filter_toc(node: Any, keep: set[str]) -> Any:
    """Copy of a toc with the notebook entries that are not in ``keep`` removed."""
    if isinstance(node, list):
        items = [filter_toc(item, keep) for item in node]
        return [item for item in items if item is not None]
    if isinstance(node, dict):
        entry = node.get("file")
        if isinstance(entry, str) and toc_entry_name(entry).startswith(NOTEBOOK_DIR + "/") \
                and toc_entry_name(entry) not in keep:
            return None
        out = {}
        for key, value in node.items():
            value = filter_toc(value, keep)
            if key in ("chapters", "sections", "parts") and value == []:
                continue
            if key == "parts":
                value = [p for p in value if p.get("chapters")]
                if not value:
                    continue
            out[key] = value
        return out
    return node


#: What each chapter reads from the cache that an earlier chapter makes: the samples of
#: chapter 0, the models trained in chapters 1, 4 and 5.  With ``--jobs N`` a chapter starts
#: once these have finished (only those among the chapters run); a chapter not listed waits
#: for every chapter before it in the toc.  tests/test_book.py checks the table against the
#: cache accesses of a real build.
NEEDS: dict[str, tuple[str, ...]] = {
    "tutorial": (),
    "00_jets": (),
    "01_topodnn": ("00_jets",),
    "02_lrp": ("01_topodnn",),
    "03_nap": ("01_topodnn",),
    "04_pfn": ("01_topodnn",),
    "05_recnn": ("01_topodnn",),
    "06_efp": ("04_pfn", "05_recnn"),
}

#: Chapters that may run side by side although one reads models the other trains: each
#: model is trained under its cache entry's lock (:func:`helpers.cache.entry_lock`), so the
#: reader waits for that model alone, not for the whole chapter.  Chapter 5 probes chapter
#: 4's PFNs; the two are the longest chapters, and running them one after the other left a
#: core idle for most of a ``standard`` build.
SHARED: dict[str, tuple[str, ...]] = {
    "05_recnn": ("04_pfn",),
}


def may_share(reader: str, writer: str) -> bool:
    """Whether ``reader`` may read cache entries that ``writer`` makes beside it
    (:data:`SHARED`, either way round)."""
    return writer in SHARED.get(reader, ()) or reader in SHARED.get(writer, ())


def chapter_needs(chapters: Sequence[Chapter],
                  needs: dict[str, tuple[str, ...]] | None = None) -> dict[str, list[str]]:
    """The chapters (among ``chapters``, in toc order) each one must wait for: its entries
    of :data:`NEEDS`, followed through chapters that are not run, or every earlier chapter
    where it has none."""
    table = NEEDS if needs is None else needs
    names = [c.name for c in chapters]

    def closure(name: str, seen: set[str]) -> set[str]:
        out: set[str] = set()
        for need in table[name]:
            if need not in seen:
                seen.add(need)
                out |= {need} | (closure(need, seen) if need in table else set())
        return out

    result = {}
    for i, name in enumerate(names):
        earlier = names[:i]
        wanted = closure(name, set()) if name in table else set(earlier)
        result[name] = [n for n in earlier if n in wanted]
    return result


def dependents(needs: dict[str, list[str]]) -> dict[str, set[str]]:
    """The chapters that wait, directly or not, for each chapter."""
    out: dict[str, set[str]] = {name: set() for name in needs}
    for name in needs:
        stack = list(needs[name])
        while stack:
            n = stack.pop()
            if name not in out[n]:
                out[n].add(name)
                stack.extend(needs[n])
    return out
