"""Progress bars that can be switched off for book builds (``JETBOOK_PROGRESS=0``)."""

from __future__ import annotations

import os
import warnings

with warnings.catch_warnings():  # tqdm.auto warns when ipywidgets is absent; text bars are fine
    warnings.simplefilter("ignore")
    from tqdm.auto import tqdm


def progress_enabled() -> bool:
    """False when the environment variable ``JETBOOK_PROGRESS`` is ``0``."""
    return os.environ.get("JETBOOK_PROGRESS", "1") != "0"


def progress(iterable=None, **kwargs):
    """``tqdm`` with the book-wide on/off switch applied."""
    kwargs.setdefault("disable", not progress_enabled())
    return tqdm(iterable, **kwargs)
