"""Compare the numbers two builds of the book printed: did a refactor change a result?

Every number in the outputs of every executed chapter (printed text, tables, and the text
form of displayed objects; figures are skipped) is collected per chapter, and the two
builds' collections are compared as multisets, so that moving a table or changing its
layout does not count as a difference, while any changed value does.  Numbers that differ
are listed with the output line they came from.  Timings (seconds, jets per second,
speed-ups) legitimately differ between two runs: lines that contain one of ``--ignore``'s
words are skipped (defaults below).

    python benchmarks/compare_books.py _build_before/ci _build_after/ci

Exit status 0 when every number printed before is printed after (new outputs may add
numbers), 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

#: output lines mentioning one of these are timings, not results
DEFAULT_IGNORE = ("jets / s", "jets/s", "jets per second", "[s]", " s)", "seconds", "speed-up",
                  "per jet [ms]", "time /", "training time", "executed in", "×", "costs",
                  "cost per jet", " s ", "loaded from cache", "from cache", "(cached)",
                  "throughput", "s per")
NUMBER = re.compile(r"[-+−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?%?")


def output_lines(notebook: Path) -> list[str]:
    """Text lines of every output of a notebook (HTML tables flattened, one row a line)."""
    nb = json.loads(notebook.read_text())
    lines: list[str] = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            texts = []
            if out.get("output_type") == "stream":
                texts.append("".join(out.get("text", "")))
            data = out.get("data", {})
            if "text/html" in data:
                raw = "".join(data["text/html"])
                raw = re.sub(r"<style.*?</style>", "", raw, flags=re.S)
                raw = re.sub(r"</tr>|<br\s*/?>", "\n", raw)
                raw = re.sub(r"</t[dh]>", " | ", raw)
                texts.append(html.unescape(re.sub(r"<[^>]+>", "", raw)))
            elif "text/plain" in data and "image/png" not in data:
                texts.append("".join(data["text/plain"]))
            for text in texts:
                lines += [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines


def numbers(lines: list[str], ignore: tuple[str, ...]) -> Counter:
    """``Counter`` of (number, line) pairs, keyed by the number's text."""
    found: Counter = Counter()
    for line in lines:
        if any(word in line for word in ignore):
            continue
        for match in NUMBER.findall(line):
            found[match.replace("−", "-").replace(",", "")] += 1
    return found


def context(lines: list[str], token: str) -> list[str]:
    """The output lines that contain ``token``."""
    return [ln for ln in lines if token in ln.replace("−", "-").replace(",", "")][:3]


def compare(before: Path, after: Path, ignore: tuple[str, ...],
            chapters: tuple[str, ...] = ()) -> int:
    """Print, per chapter, the numbers ``before`` printed that ``after`` does not (a changed
    or lost result) and those only ``after`` printed (a new output); 1 if any was lost."""
    names = sorted(p.name for p in (before / "notebooks").glob("*.ipynb")
                   if not chapters or p.stem in chapters)
    lost_any = False
    for name in names:
        a_path, b_path = before / "notebooks" / name, after / "notebooks" / name
        if not b_path.is_file():
            print(f"{name}: missing in {after}")
            lost_any = True
            continue
        a_lines, b_lines = output_lines(a_path), output_lines(b_path)
        a, b = numbers(a_lines, ignore), numbers(b_lines, ignore)
        lost, new = a - b, b - a
        total = sum(a.values())
        if not lost and not new:
            print(f"{name}: the same {total} numbers")
            continue
        lost_any |= bool(lost)
        print(f"{name}: {sum(lost.values())} of {total} numbers lost or changed, "
              f"{sum(new.values())} new")
        for token in sorted(lost):
            print(f"  lost {token!r}: " + " || ".join(context(a_lines, token)))
        for token in sorted(new):
            print(f"  new  {token!r}: " + " || ".join(context(b_lines, token)))
    return 1 if lost_any else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="build folder, e.g. _build/ci")
    parser.add_argument("after", type=Path, help="build folder of the other build")
    parser.add_argument("--ignore", nargs="*", default=list(DEFAULT_IGNORE),
                        help="skip output lines containing any of these strings")
    parser.add_argument("--chapters", default="",
                        help="comma-separated chapter names to compare (default: all)")
    args = parser.parse_args(argv)
    chapters = tuple(c for c in args.chapters.split(",") if c)
    return compare(args.before, args.after, tuple(args.ignore), chapters)


if __name__ == "__main__":
    sys.exit(main())
