"""A note's competing readings: from a document's one structure to its papers, and what could not be read.

`read_document` reads the structure (store.ingest.structure.markdown) once and lets the readings compete
in order: a note's fields (key-values in any markup, headings used as keys, an author line under a title
heading, front matter, tables) make papers of their own; a document without them is read as prose, by its
shapes (poster notes, "Title – Authors" lists, ShortScience pages, blog posts naming papers inline, APA
reference lines); a note with neither is its lone heading or link, without authors. Every title passes
the gate (store.ingest.readings.gate) or becomes a problem line.
"""

from __future__ import annotations

from store.ingest.readings.gate import refuse_title
from store.ingest.readings.notes import assemble_notes
from store.ingest.readings.prose import read_prose
from store.ingest.readings.shapes import SHAPES
from store.ingest.records import PaperRecord, Parsed, Problem
from store.ingest.structure.markdown import read_structure

_SHAPE_NAMES = [shape.name for shape in SHAPES]
LOOKED_FOR = ("key-value fields (Title:, Authors:), a title heading with an author line, front matter, "
              f"a table of keys, {', '.join(_SHAPE_NAMES[:-1])} and {_SHAPE_NAMES[-1]}")


def read_document(text: str, source: str, suffix: str = ".md") -> Parsed:
    """The papers of one Markdown, plain-text or org document, and its problems."""
    document = read_structure(text, suffix)
    notes = assemble_notes(document, source)
    if notes.strong:
        missing = [] if notes.records else [nothing_found(text, source)]
        return Parsed(notes.records, [*notes.problems, *missing])
    prose = read_prose(document, source)
    records, problems = gated(prose.records, source)
    if records or problems:
        return Parsed(records, [*prose.problems, *problems])
    if notes.title_only is not None:
        records, _refused = gated([notes.title_only], source)  # a guess refused: nothing was found
        if records:
            return Parsed(records, [])
    return Parsed([], [nothing_found(text, source)])


def gated(records: list[PaperRecord], source: str) -> tuple[list[PaperRecord], list[Problem]]:
    """The records whose titles pass the gate, and a problem line for each one refused."""
    kept: list[PaperRecord] = []
    problems: list[Problem] = []
    for record in records:
        reason = refuse_title(record.title)
        if reason is None:
            kept.append(record)
        else:
            problems.append(Problem(source, record.line, f"not a paper title ({reason}): {record.title[:80]!r}"))
    return kept, problems


def nothing_found(text: str, source: str) -> Problem:
    """What was looked for, and how the file begins."""
    return Problem(source, 0, f"no papers found: looked for {LOOKED_FOR}; the file begins {opening(text)}")


QUOTE_CHARS = 30  # of the first line at most: enough to recognise a file, too little to repeat a secret
RUN_CHARS = 10  # of a run without spaces at most: tokens, passwords and connection URLs are such runs


def opening(text: str) -> str:
    """The start of the first non-blank line, quoted: at most half of it and QUOTE_CHARS characters,
    each run without spaces cut to RUN_CHARS, anything unprintable shown as "?". A secrets file put in
    the folder by mistake is not repeated to whoever reads the report (a /reload reply is public)."""
    line = next((" ".join(line.split()) for line in text.split("\n") if line.strip()), "")
    kept = line[: min(QUOTE_CHARS, (len(line) + 1) // 2)]
    shown = " ".join(run[:RUN_CHARS] for run in kept.split(" "))
    shown = "".join(c if c.isprintable() else "?" for c in shown)
    return repr(shown if shown == line else shown.rstrip() + "…")
