"""Results as data: what a chapter measured, bound to the sentences about it.

- :mod:`.claims` -- :class:`~.claims.Measurement` (value and spread) and :func:`~.claims.compare`,
  which states a comparison only when the difference exceeds the combined spread; verdicts on
  the papers' findings (:func:`~.claims.finding_verdict`)
- :mod:`.record` -- :class:`~.record.ChapterRecord`: glue each number and claim for the page,
  and keep them, with the run's settings, in one JSON file per chapter
"""

from .claims import (
    INCONCLUSIVE,
    NOT_REPRODUCED,
    REPRODUCED,
    Measurement,
    agrees_with,
    auc_measurement,
    bootstrap,
    clear_difference,
    compare,
    finding_verdict,
    ranked,
)
from .record import ChapterRecord, load_results, results_dir

__all__ = ["INCONCLUSIVE", "NOT_REPRODUCED", "REPRODUCED", "Measurement", "agrees_with",
           "auc_measurement", "bootstrap", "clear_difference", "compare", "finding_verdict",
           "ranked", "ChapterRecord", "load_results", "results_dir"]
