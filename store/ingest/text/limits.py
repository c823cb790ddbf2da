"""Size limits and file types for corpus documents: what a parser is willing to read."""

from __future__ import annotations

from store.ingest.records import Problem

MAX_FILE_BYTES: int = 5 * 1024 * 1024  # larger summary files are reported and skipped
MAX_BULK_BYTES: int = 512 * 1024 * 1024  # JSON Lines bulk imports: a whole conference or year of arXiv
MAX_LINE_CHARS: int = 20_000  # longer lines are reported and clipped; the rest of the file is parsed
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".org", ".jsonl", ".bib"})


def max_bytes(suffix: str) -> int:
    """The size limit for a file of this type: bulk imports are allowed to be large."""
    return MAX_BULK_BYTES if suffix.lower() == ".jsonl" else MAX_FILE_BYTES


def limit_lines(lines: list[str], source: str, *, skip: bool) -> tuple[list[str], list[Problem]]:
    """The lines with each one over `MAX_LINE_CHARS` clipped (with `skip`: emptied), and a problem for each:
    one pasted blob cannot stall or lose a whole file."""
    problems: list[Problem] = []
    out = lines
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            if out is lines:
                out = list(lines)
            action = "skipped" if skip else f"clipped to {MAX_LINE_CHARS:,}"
            problems.append(Problem(source, number, f"line of {len(line):,} characters {action}"))
            out[number - 1] = "" if skip else line[:MAX_LINE_CHARS]
    return out, problems
