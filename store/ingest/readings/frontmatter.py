"""paperbot's own format: Markdown with a front-matter block per paper.

One paper per file, or several papers in one file, each starting with its own block::

    ---
    title: The Lottery Ticket Hypothesis
    authors: Jonathan Frankle; Michael Carbin
    venue: ICLR
    year: 2019
    topics: pruning, sparsity
    link: https://arxiv.org/abs/1803.03635
    ---
    Summary text, as many paragraphs as you like (Markdown is fine).

    ---
    title: The next paper
    ...

Keys (case does not matter):

- ``title`` (required): the paper's title. A block without one is reported and skipped.
- ``authors`` (or ``author``): separated by ";" — or written "A, B and C" or
  "Last, First and Last, First"; shown as "First Last", in the order given.
- ``venue``: a short name (ICLR, ICML, NeurIPS, arXiv, ...); long names such as
  "International Conference on Machine Learning" are shortened.
- ``year``: four digits. Anything else is reported and the year left empty.
- ``topics`` (or ``tags``, ``keywords``): separated by "," or ";"; arXiv codes such as cs.LG
  become readable names ("Machine Learning").
- ``link`` (or ``url``): where to read the paper.
- ``summary``: optional one-line summary, placed before the text below the block.
- ``writer``: who wrote the summary (shown with it); ``written`` and ``edited``: the dates an
  export of members' summaries (`paperbot export`) records, read and not stored.

Values may be quoted, and lists may be written in brackets (``[pruning, sparsity]``). An unknown
key is reported as a warning and the paper still loads. A "---" line that is not followed by
"key: value" lines is an ordinary Markdown rule inside the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from store.ingest.readings.fields.authors import parse_authors
from store.ingest.readings.fields.categories import topic_labels
from store.ingest.readings.fields.chrome import clean_paragraph, join_paragraphs
from store.ingest.readings.fields.keys import field_of
from store.ingest.readings.fields.venues import short_venue
from store.ingest.readings.fields.writer import writer_name
from store.ingest.records import PaperRecord, Parsed, Problem
from store.ingest.structure.markdown import split_blocks

_FENCE = re.compile(r"^\s*---\s*$")
_KEY_VALUE = re.compile(r"^\s*(?P<key>[^\W\d_][\w -]{0,40}?)\s*[:：]\s*(?P<value>.*?)\s*$")
_ALIASES = {"title": "title", "authors": "authors", "author": "authors", "venue": "venue",
            "year": "year", "topics": "topics", "topic": "topics", "tags": "topics",
            "keywords": "topics", "link": "link", "url": "link", "summary": "summary",
            # an export's writer and dates (the dates are kept with the Discord summary, not the record)
            "writer": "writer", "written": "written", "edited": "edited"}
_FIELDS = {"title": "title", "authors": "authors", "venue": "venue", "year": "year", "topics": "topics",
           "link": "link", "summary": "summary", "writer": "writer"}  # store.ingest.readings.fields.keys -> ours
_KNOWN = "title, authors, venue, year, topics, link, summary, writer (or their synonyms), written, edited"
_LIST_ITEM = re.compile(r"^\s+-\s+(?P<value>\S.*?)\s*$")
_MAX_HEADER_LINES = 60


@dataclass(slots=True)
class _Block:
    start: int  # line of the opening fence
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (line, value)
    body: list[str] = field(default_factory=list)
    body_start: int = 0


def starts_with_front_matter(text: str) -> bool:
    """Whether the first non-blank line opens a front-matter block."""
    lines = text.lstrip("\ufeff").split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            return _header_end(lines, index) is not None
    return False


def parse_front_matter(text: str, source: str) -> Parsed:
    lines = text.split("\n")
    problems: list[Problem] = []
    blocks: list[_Block] = []
    index = 0
    current: _Block | None = None
    while index < len(lines):
        end = _header_end(lines, index) if _FENCE.match(lines[index]) else None
        if end is None:
            if current is not None:
                current.body.append(lines[index])
            elif lines[index].strip():
                problems.append(Problem(source, index + 1, "text before the first front-matter block "
                                                           "ignored"))
            index += 1
            continue
        current = _Block(start=index + 1, body_start=end + 2)
        blocks.append(current)
        last_key: str | None = None
        for number in range(index + 1, end):
            item = _LIST_ITEM.match(lines[number])
            if item and last_key in current.fields:  # "authors:" then "  - A" lines (YAML)
                line, value = current.fields[last_key]
                joined = f"{value}; {_unquote(item.group('value'))}" if value else _unquote(item.group("value"))
                current.fields[last_key] = (line, joined)
                continue
            last_key = _read_field(lines[number], number + 1, current, source, problems)
        index = end + 1
    if not blocks and text.strip():
        problems.append(Problem(source, 1, "no front-matter block (---) found"))
    records = [r for b in blocks if (r := _record(b, source, problems)) is not None]
    return Parsed(records=records, problems=problems)


def _header_end(lines: list[str], fence: int) -> int | None:
    """Index of the closing fence when lines[fence] opens a front-matter block."""
    if not _FENCE.match(lines[fence]):
        return None
    saw_key = False
    for index in range(fence + 1, min(len(lines), fence + 1 + _MAX_HEADER_LINES)):
        line = lines[index]
        if _FENCE.match(line):
            return index if saw_key else None
        if not line.strip():
            continue
        if _KEY_VALUE.match(line):
            saw_key = True
        elif not saw_key:
            return None
    return None


def _read_field(line: str, number: int, block: _Block, source: str, problems: list[Problem]) -> str | None:
    """Read one "key: value" line into the block; the field it set, if any."""
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    m = _KEY_VALUE.match(line)
    if m is None:
        problems.append(Problem(source, number, f"not a 'key: value' line, ignored: {line.strip()[:80]!r}"))
        return None
    raw_key = m.group("key").strip()
    key = _ALIASES.get(raw_key.casefold().replace(" ", "_")) or _FIELDS.get(field_of(raw_key) or "")
    if key is None:
        problems.append(Problem(source, number, f"unknown key {raw_key!r} ignored (known: {_KNOWN})"))
        return None
    if key in block.fields:
        problems.append(Problem(source, number, f"{key!r} given twice; the first one is kept"))
        return None
    block.fields[key] = (number, _unquote(m.group("value")))
    return key


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


def _items(value: str) -> list[str]:
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return [_unquote(part) for part in re.split(r"[,;]", value) if _unquote(part)]


def _record(block: _Block, source: str, problems: list[Problem]) -> PaperRecord | None:
    title_line, title = block.fields.get("title", (block.start, ""))
    title = " ".join(title.split())
    if not title:
        problems.append(Problem(source, block.start, "front-matter block has no title; paper skipped"))
        return None
    record = PaperRecord(title=title, source=source, line=title_line)
    if "authors" in block.fields:
        line, value = block.fields["authors"]
        if value.startswith("[") and value.endswith("]"):
            value = "; ".join(_items(value))
        authors = parse_authors(value)
        if authors is not None:
            record.authors, record.authors_incomplete = authors.names, authors.incomplete
            problems.extend(Problem(source, line, f"not an author ({why}): {v[:60]!r}") for v, why in authors.rejected)
            if authors.rejected and not authors.names:
                problems.append(Problem(source, line, "author field names no person; no authors"))
        elif value:
            problems.append(Problem(source, line, f"authors {value[:60]!r} not read as names; left empty"))
    if block.fields.get("venue", (0, ""))[1]:
        record.venue = short_venue(block.fields["venue"][1])
    if "year" in block.fields:
        line, value = block.fields["year"]
        if re.fullmatch(r"(?:19|20)\d\d(?:-\d\d?(?:-\d\d?)?)?", value):  # a year or an ISO date
            record.year = int(value[:4])
        elif value:
            message = f"year {value[:40]!r} is not a four-digit year; left empty"
            problems.append(Problem(source, line, message))
    if "topics" in block.fields:
        record.topics = topic_labels(_items(block.fields["topics"][1]))
    if block.fields.get("link", (0, ""))[1]:
        record.link = block.fields["link"][1]
    if block.fields.get("writer", (0, ""))[1]:
        record.writer = writer_name(block.fields["writer"][1])
    paragraphs = [block.fields["summary"][1]] if block.fields.get("summary", (0, ""))[1] else []
    paragraphs += [clean_paragraph(b.lines) for b in split_blocks(block.body)
                   if not all(_FENCE.match(line) for line in b.lines)]
    record.summary = join_paragraphs(paragraphs)
    return record
