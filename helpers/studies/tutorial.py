"""The tutorial page (``notebooks/tutorial.py``): measured execution times of every chapter,
cold and from a classroom cache, and the session plans that follow from them.

The times are the book builder's own timing records (``timings.json``: seconds and cache
state per chapter), collected by ``benchmarks/bench_chapters.py`` for each profile into
``benchmarks/results/chapter_times.json``, with the machine, commit and date of the
measurement.  Nothing here is typed in: another machine's record gives another plan.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import REPO_ROOT

#: the measured record (written by benchmarks/bench_chapters.py)
TIMES_FILE = REPO_ROOT / "benchmarks" / "results" / "chapter_times.json"
#: the two runs measured per profile: into an empty cache, and from an imported classroom cache
STATES = ("cold", "classroom")
#: the sessions a teacher plans for, with their length in minutes
SESSIONS = {"90-minute session": 90, "half-day session": 210}
#: planning allowance per chapter for reading, discussion and the exercises (minutes); an
#: assumption a teacher can change, not a measurement
TEACHING_MIN = 30

_CHAPTER = re.compile(r"^(\d+)_")


class TimesError(ValueError):
    """The timing record is missing a part the tutorial page needs."""


@dataclass(frozen=True)
class Record:
    """One profile's two timing records (cold, classroom) and its archive."""

    profile: str
    chapters: dict[str, dict[str, float]]  #: state -> chapter -> seconds
    cache_states: dict[str, dict[str, str]]  #: state -> chapter -> "cold" | "cached"
    archive_mb: float
    export_s: float
    import_s: float
    machine: str
    commit: str
    date: str


def is_chapter(name: str) -> bool:
    """``01_topodnn`` is a numbered chapter; ``scorecard`` and ``tutorial`` are not."""
    return bool(_CHAPTER.match(name))


def load_times(path: Path | str = TIMES_FILE) -> dict[str, Record]:
    """The measured records per profile; empty when nothing was measured yet."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError as err:
        raise TimesError(f"{path}: not valid JSON ({err})") from None
    records = {}
    for profile, entry in data.items():
        missing = [k for k in (*STATES, "archive") if k not in entry]
        if missing:
            raise TimesError(f"{path}: profile {profile!r} lacks {', '.join(missing)}")
        cold = entry["cold"]
        m = cold.get("machine", {})
        records[profile] = Record(
            profile=profile,
            chapters={s: dict(entry[s]["chapters"]) for s in STATES},
            cache_states={s: {k: v.get("state", "?") for k, v in entry[s].get("cache", {}).items()}
                          for s in STATES},
            archive_mb=entry["archive"]["bytes"] / 1e6,
            export_s=entry["archive"]["export_s"], import_s=entry["archive"]["import_s"],
            machine=f"{m.get('cpus', '?')} CPU cores ({m.get('processor', '?')}, "
                    f"{m.get('system', '?')}, Python {m.get('python', '?')})",
            commit=str(cold.get("commit") or "unknown"),
            date=str(cold.get("written", "unknown"))[:10],
        )
    return records


def times_table(records: dict[str, Record]) -> pd.DataFrame:
    """Minutes per chapter (rows) for each profile and state (columns), with the total."""
    columns = {}
    for profile, rec in records.items():
        for state in STATES:
            columns[(profile, state)] = {k: v / 60 for k, v in rec.chapters[state].items()}
    table = pd.DataFrame(columns)
    table.loc["total"] = table.sum()
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["profile", "cache"])
    table.index.name = "chapter"
    return table.round(1)


@dataclass(frozen=True)
class Plan:
    """Which chapters fit one session, from the start of the book."""

    session: str
    minutes: int
    chapters: list[str]
    execution_min: float
    total_min: float
    alone: list[str]  #: every chapter that fits the session on its own


def plan_sessions(record: Record, state: str = "classroom",
                  teaching_min: float = TEACHING_MIN,
                  sessions: dict[str, int] = SESSIONS) -> list[Plan]:
    """For each session, the longest run of chapters from chapter 0 whose execution time
    (``state``) plus ``teaching_min`` each fits, and the chapters that fit alone."""
    seconds = {k: v for k, v in record.chapters[state].items() if is_chapter(k)}
    need = {k: v / 60 + teaching_min for k, v in sorted(seconds.items())}
    plans = []
    for session, minutes in sessions.items():
        chosen, total = [], 0.0
        for name, m in need.items():
            if total + m > minutes:
                break
            chosen.append(name)
            total += m
        plans.append(Plan(session, minutes, chosen,
                          sum(seconds[c] for c in chosen) / 60, total,
                          [k for k, m in need.items() if m <= minutes]))
    return plans


def plans_table(plans: list[Plan]) -> pd.DataFrame:
    """The plans as a table (one row a session)."""
    return pd.DataFrame([{
        "session": p.session,
        "chapters from the start": ", ".join(p.chapters) or "none",
        "execution (min)": round(p.execution_min, 1),
        "with teaching (min)": round(p.total_min, 1),
        "chapters that fit alone": ", ".join(p.alone) or "none",
    } for p in plans]).set_index("session")


def speedup_sentence(record: Record) -> str:
    """How much faster the chapters run from the classroom cache than cold (MyST)."""
    cold = sum(v for k, v in record.chapters["cold"].items() if is_chapter(k))
    warm = sum(v for k, v in record.chapters["classroom"].items() if is_chapter(k))
    n = sum(is_chapter(k) for k in record.chapters["cold"])
    return (f"at `{record.profile}`, the {n} chapters take {cold / 60:.1f} min cold and "
            f"{warm / 60:.1f} min from the classroom cache (a factor {cold / warm:.1f}); the "
            f"archive is {record.archive_mb:.0f} MB, packed in {record.export_s:.0f} s and "
            f"imported in {record.import_s:.0f} s")


def book_chapters(folder: Path = REPO_ROOT / "notebooks") -> list[str]:
    """The numbered chapters whose notebooks exist (``00_jets``, ...)."""
    return sorted(p.stem for p in Path(folder).glob("*.py") if is_chapter(p.stem))


def unmeasured(records: dict[str, Record], chapters: list[str]) -> dict[str, list[str]]:
    """Per profile, the chapters its record lacks (written before they existed)."""
    return {profile: [c for c in chapters if c not in rec.chapters["cold"]]
            for profile, rec in records.items()}


def unmeasured_sentence(records: dict[str, Record], chapters: list[str]) -> str:
    """Which chapters the records leave out, and since which commit (MyST)."""
    gaps = {p: m for p, m in unmeasured(records, chapters).items() if m}
    if not gaps:
        return "Every chapter of the book is in every record."
    return " ".join(
        f"The `{p}` record (commit `{records[p].commit}`, {records[p].date}) predates "
        f"{', '.join(f'`{c}`' for c in m)}: not measured there, so not in the plans below; "
        f"re-run `python benchmarks/bench_chapters.py --profile {p}`." for p, m in gaps.items())


def page_text(records: dict[str, Record], chapters: list[str] | None = None) -> dict[str, str]:
    """The tutorial page's glued phrases (MyST), from the measured records."""
    main = records.get("standard") or next(iter(records.values()))
    return {
        "unmeasured": unmeasured_sentence(records, book_chapters() if chapters is None
                                          else chapters),
        "measured_on": f"{main.machine}, commit `{main.commit}`, {main.date}",
        "speedup": "; ".join(speedup_sentence(r) for r in records.values()),
        "teaching_min": f"{TEACHING_MIN}",
        "sessions": " and ".join(f"a {name}" + ("" if str(minutes) in name else f" ({minutes} min)")
                                 for name, minutes in SESSIONS.items()),
        "plan_profile": main.profile,
    }
