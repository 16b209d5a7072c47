"""The data layer: jet generation with Pythia 8 + FastJet, HDF5 storage, splits, tasks.

Quick use::

    from helpers.data import load_task
    splits = load_task("top_qcd", profile="ci")      # generated and cached on first use
    train = splits["train"]                           # a JetSet

Command line: ``python -m helpers.data generate top --jets 50000 --workers 2``.
"""

from .errors import DataError
from .jets import MAX_CONSTITUENTS, JetSet
from .processes import (
                        CLASS_TITLES,
                        PROCESSES,
                        TASKS,
                        JetDefinition,
                        Task,
                        get_process,
                        get_task,
                        task_info,
)
from .samples import (
                        SPLITS,
                        book_samples,
                        generate_sample,
                        load_sample,
                        load_task,
                        load_test_background,
                        sample_file,
                        sample_files,
                        task_files,
)
from .store import read_attrs, read_jets

__all__ = [
    "DataError", "JetSet", "MAX_CONSTITUENTS", "PROCESSES", "TASKS", "CLASS_TITLES", "Task",
    "JetDefinition", "get_process", "get_task", "task_info", "SPLITS", "generate_sample",
    "load_sample", "load_task", "load_test_background", "sample_file", "sample_files",
    "task_files", "book_samples",
    "read_attrs", "read_jets",
]
