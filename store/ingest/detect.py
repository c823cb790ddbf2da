"""Choose the parser for a document and hold every parser to the same contract.

By suffix first (.jsonl is arXiv metadata, .bib is BibTeX), then by content: a front-matter block at the top is
paperbot's own format, JSON objects line by line are arXiv metadata, and anything else is read as
free-form text, where each paragraph's shape decides (see store.ingest.assembly.prose). Overlong lines are
reported and clipped (JSON lines: skipped) so one pasted blob cannot stall or lose a whole file. Every record's
link is checked here as it enters (store.text.links): dropped with a problem line when it cannot be a web link.
(arXiv metadata builds its links from the ids with the same check, also when a bulk import streams it.)
"""

from __future__ import annotations

import json

from store.ingest.arxiv_jsonl import parse_jsonl
from store.ingest.assembly import gated, read_document
from store.ingest.identity import identify
from store.ingest.limits import MAX_LINE_CHARS
from store.ingest.records import PaperRecord, Parsed, Problem
from store.ingest.structure.frontmatter import parse_front_matter, starts_with_front_matter
from store.text.links import checked_link

_MAX_TITLE_CHARS = 1000


def parse_text(text: str, source: str, suffix: str = ".txt") -> Parsed:
    """Records and problems for one document's text; never raises for any input."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return Parsed([], [Problem(source, 0, "empty file: nothing to read")])
    is_jsonl = suffix.lower() == ".jsonl"
    lines, problems = _limit_lines(text.split("\n"), source, skip=is_jsonl)
    text = "\n".join(lines)
    try:
        if suffix.lower() == ".bib":
            from store.ingest.bibtex import parse_bibtex  # bibtexparser costs its import only where needed

            parsed = parse_bibtex(text, source)
        elif is_jsonl or _looks_like_jsonl(lines):
            parsed = parse_jsonl(text, source)
        elif starts_with_front_matter(text):
            parsed = parse_front_matter(text, source)
            if not parsed.records:  # an Obsidian-style header without a title: the note's heading is
                parsed = read_document(text, source, suffix.lower())
            else:
                kept, refused = gated(parsed.records, source)
                parsed = Parsed(kept, [*parsed.problems, *refused])
        else:
            parsed = read_document(text, source, suffix.lower())
    except (RecursionError, MemoryError, ValueError, IndexError, KeyError, TypeError) as exc:
        # A parser bug must not cost the rest of the corpus: report it against the file.
        failure = Problem(source, 0, f"could not be parsed ({type(exc).__name__}: {exc})")
        return Parsed([], [*problems, failure])
    records = [r for r in parsed.records if _valid(r, len(lines))]
    problems.extend(parsed.problems)
    problems.extend(p for r in records if (p := checked_record_link(r, source)) is not None)
    records = [fill_identity(r) for r in records]
    if not records and not problems:  # the note reader says what it looked for; other formats here
        looked_for = ("BibTeX entries (@article{key, title = {...}, ...})" if suffix.lower() == ".bib" else
                      "JSON objects with a title")
        problems.append(Problem(source, 0, f"no papers found: {looked_for}"))
    return Parsed(records, problems)


def checked_record_link(record: PaperRecord, source: str) -> Problem | None:
    """Store the record's link in its checked form (see store.text.links); a link that cannot be a web link is
    dropped, the paper kept, and the problem names the paper's line."""
    record.link, refused = checked_link(record.link)
    if refused is None:
        return None
    return Problem(source, record.line, f"link dropped: {refused}; the paper is kept without it")


def fill_identity(record: PaperRecord) -> PaperRecord:
    """Fill the record's arXiv id, DOI and OpenReview id from its link where the parser left them empty."""
    if record.link and not (record.arxiv_id and record.doi and record.openreview_id):
        found = identify(record.link)
        record.arxiv_id = record.arxiv_id or found.arxiv_id
        record.doi = record.doi or found.doi
        record.openreview_id = record.openreview_id or found.openreview_id
    return record


def _limit_lines(lines: list[str], source: str, *, skip: bool) -> tuple[list[str], list[Problem]]:
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


def _looks_like_jsonl(lines: list[str]) -> bool:
    first = next((line.strip() for line in lines if line.strip()), "")
    if not (first.startswith("{") and first.endswith("}")):
        return False
    try:
        item = json.loads(first)
    except ValueError:
        return False
    return isinstance(item, dict) and "title" in item


def _valid(record: PaperRecord, line_count: int) -> bool:
    """Every record keeps the contract: a non-empty title and a line inside the document."""
    if not record.title.strip() or not 1 <= record.line <= line_count:
        return False
    if len(record.title) > _MAX_TITLE_CHARS:
        record.title = record.title[:_MAX_TITLE_CHARS].rstrip()
    return True
