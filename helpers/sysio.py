"""Operating-system level helpers."""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def silence_stdout_fd():
    """Silence C-level stdout for the block (FastJet prints its banner there on first use;
    Python's ``redirect_stdout`` cannot catch it)."""
    try:
        fd = os.dup(1)
    except OSError:  # no fd 1 (some embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)
