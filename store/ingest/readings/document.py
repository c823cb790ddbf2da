"""A note's competing readings: from a document's one structure to its papers, and what could not be read.

`readings` reads the structure (store.ingest.structure.markdown) once and proposes its readings, most
specific first: a note's fields (key-values in any markup, headings used as keys, an author line under a
title heading, front matter, tables), the page's shapes (poster notes, "Title – Authors" lists, ShortScience
pages, blog posts naming papers inline, reference lines), its lone heading or link without authors.
`read_explained` lets them compete (store.ingest.readings.compete): the first reading that found papers
without a flaw is kept, so a refused reading falls back to the next. Every title passes the gate
(store.ingest.readings.gate) or becomes a problem line.
"""

from __future__ import annotations

from collections.abc import Sequence

from store.ingest.readings.cited import cited_papers
from store.ingest.readings.compete import Choice, Reading, choose
from store.ingest.readings.fields.filetitle import is_file_like
from store.ingest.readings.gate import refusals, refuse_title, refused_title
from store.ingest.readings.notes import assemble_notes
from store.ingest.readings.prose import read_prose
from store.ingest.readings.shapes import SHAPES
from store.ingest.records import PaperRecord, Parsed, Problem
from store.ingest.structure.markdown import read_structure
from store.text.folding import fold

LONE_HEADING = "lone heading"  # a guess: a note's only heading or link, taken when nothing was proposed at all
_SHAPE_NAMES = [shape.name for shape in SHAPES]
LOOKED_FOR = ("key-value fields (Title:, Authors:), a title heading with an author line, front matter, "
              f"a table of keys, {', '.join(_SHAPE_NAMES[:-1])} and {_SHAPE_NAMES[-1]}")


def read_document(text: str, source: str, suffix: str = ".md") -> Parsed:
    """The papers of one Markdown, plain-text or org document, and its problems."""
    return read_explained(text, source, suffix)[0]


def read_explained(text: str, source: str, suffix: str = ".md",
                   before: Sequence[Reading] = ()) -> tuple[Parsed, Choice]:
    """The papers of the most plausible reading (readings `before` are tried first: a format's own, such
    as front matter), and the choice made, for `paperbot check --explain`."""
    options = [*before, *readings(text, source, suffix, doubted=[r for b in before for r in b.parsed.records])]
    if any(_refused(o) for o in options):  # a title was proposed and refused: the lone heading is no fallback
        options = [o for o in options if o.name != LONE_HEADING] or options
    choice = choose(options)
    chosen = choice.chosen.reading
    if not chosen.parsed.records:
        problems = [*options[0].parsed.problems] if options else []
        return Parsed([], [*problems, nothing_found(text, source)]), choice
    tried = options[:options.index(chosen)]
    problems = [p for reading in tried for p in reading.parsed.problems if refusals([p])]
    writer = choice.file_writer()
    records = chosen.parsed.records
    if writer is not None:
        for record in records:
            record.writer = record.writer or writer
    return Parsed(records, [*problems, *chosen.parsed.problems]), choice


def _refused(reading: Reading) -> bool:
    return refusals(reading.parsed.problems) > 0


def readings(text: str, source: str, suffix: str = ".md", doubted: Sequence[PaperRecord] = ()) -> list[Reading]:
    """The note reader's readings of a document, most specific first: its fields (when it has any), its
    page shapes, its lone heading or link. The page shapes are read only when they could change the
    choice: the note's fields found no paper, or one whose title reads as a file's (as may one of
    `doubted`, another format's papers); a note's clean fields are kept whatever else the page says."""
    document = read_structure(text, suffix)
    notes = assemble_notes(document, source)
    found: list[Reading] = []
    if notes.strong:
        own = {fold(r.title) for r in notes.records}
        cited, refused = gated([r for r in cited_papers(document, source) if fold(r.title) not in own], source)
        decisions = [*notes.decisions, *([f"{len(cited)} paper(s) cited in its references section"] if cited else [])]
        found.append(Reading("note fields", Parsed([*notes.records, *cited], [*notes.problems, *refused]),
                             tuple(decisions)))
        if notes.records and not any(is_file_like(r.title) for r in [*doubted, *notes.records]):
            return found
    prose = read_prose(document, source)
    records, problems = gated(prose.records, source)
    found.append(Reading("page shapes", Parsed(records, [*prose.problems, *problems])))
    if notes.title_only is not None:
        kept, _refused = gated([notes.title_only], source)  # a guess refused: nothing was found
        found.append(Reading(LONE_HEADING, Parsed(kept, [])))
    return found


def gated(records: list[PaperRecord], source: str) -> tuple[list[PaperRecord], list[Problem]]:
    """The records whose titles pass the gate, and a problem line for each one refused."""
    kept: list[PaperRecord] = []
    problems: list[Problem] = []
    for record in records:
        reason = refuse_title(record.title)
        if reason is None:
            kept.append(record)
        else:
            problems.append(refused_title(source, record.line, record.title, reason))
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
