"""The book's Sphinx extension (``_config.yml``: ``sphinx: extra_extensions``).

**Numbering per chapter.** Figures, tables and exercises are numbered per chapter
("Fig. 1.3", "Exercise 4.2"), as in a printed book.  The chapters' titles carry their
numbers (``# 1. TopoDNN ...``, from ``notebooks/NN_name``) and the toc is not numbered, so
Sphinx would number every figure and exercise of the book in one sequence.  After Sphinx
has assigned its numbers, this extension prefixes each chapter's with the chapter number
and restarts them at 1 in every chapter; other pages (the scorecard, the tutorial,
``book/``) number theirs from 1 on the page.  References (``{numref}``) and the exercises'
titles read the same table, so they follow.

**Launch buttons that open the chapter's source.** The rendered pages come from executed
``.ipynb`` copies, but the repository holds the jupytext source ``notebooks/NN_name.py``
(opened as a notebook by jupytext on Binder or a JupyterHub); the launch links are pointed
at it.
"""

from __future__ import annotations

import re
from typing import Any

from ..config import REPO_ROOT

_CHAPTER = re.compile(r"(?:^|/)(\d+)_[^/]*$")


def chapter_number(docname: str) -> int | None:
    """``notebooks/01_topodnn`` → 1; ``None`` for a page that is not a numbered chapter."""
    match = _CHAPTER.search(docname)
    return int(match.group(1)) if match else None


def renumber(fignumbers: dict[str, dict[str, dict[str, tuple]]]) -> dict[str, dict[str, dict[str, tuple]]]:
    """Per-document numbering: ``(chapter, k)`` in a chapter, ``(k,)`` elsewhere, with ``k``
    counting each figure type from 1 in the order Sphinx numbered them."""
    out: dict[str, dict[str, dict[str, tuple]]] = {}
    for docname, by_type in fignumbers.items():
        chapter = chapter_number(docname)
        prefix = () if chapter is None else (chapter,)
        out[docname] = {}
        for figtype, ids in by_type.items():
            ordered = sorted(ids, key=lambda i: ids[i])
            out[docname][figtype] = {fid: (*prefix, k) for k, fid in enumerate(ordered, start=1)}
    return out


def _env_get_updated(app: Any, env: Any) -> list[str]:
    renumbered = renumber(env.toc_fignumbers)
    changed = [doc for doc in renumbered if renumbered[doc] != env.toc_fignumbers.get(doc)]
    env.toc_fignumbers = renumbered
    return changed


def source_suffix_in_repository(pagename: str) -> str | None:
    """``.py`` when the page's chapter lives in the repository as a jupytext source."""
    for suffix in (".py", ".ipynb", ".md"):
        if (REPO_ROOT / f"{pagename}{suffix}").is_file():
            return suffix
    return None


def _launch_links_to_sources(app: Any, pagename: str, templatename: str, context: dict,
                             doctree: Any) -> None:
    suffix = source_suffix_in_repository(pagename)
    if suffix in (None, ".ipynb"):
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if "url" in button:
                button["url"] = button["url"].replace(f"{pagename}.ipynb", f"{pagename}{suffix}")


def setup(app: Any) -> dict[str, Any]:
    app.connect("env-get-updated", _env_get_updated, priority=900)  # after Sphinx numbered
    # after sphinx-book-theme has made its launch buttons (priority 501)
    app.connect("html-page-context", _launch_links_to_sources, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
