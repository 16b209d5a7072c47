"""The build's exceptions and its ``[book]`` log lines."""

from __future__ import annotations

from pathlib import Path


class BookError(RuntimeError):
    """A problem with the book build: message says what and where."""


class ChapterExecutionError(BookError):
    """A notebook cell failed (or the kernel died / timed out) during execution."""

    def __init__(self, message: str, *, notebook: str, cell_index: int | None = None,
                 exec_count: int | None = None, ename: str = "", evalue: str = "",
                 output_path: Path | None = None):
        super().__init__(message)
        self.notebook = notebook
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        self.output_path = output_path

    def __reduce__(self):  # keyword-only fields: picklable across the --jobs processes
        return (_rebuild, (str(self), {"notebook": self.notebook, "cell_index": self.cell_index,
                                       "exec_count": self.exec_count, "ename": self.ename,
                                       "evalue": self.evalue, "output_path": self.output_path}))


def _rebuild(message: str, fields: dict) -> ChapterExecutionError:
    return ChapterExecutionError(message, **fields)


def log(msg: str) -> None:
    print(f"[book] {msg}", flush=True)
