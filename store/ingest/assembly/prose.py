"""Read a free-form text or Markdown document block by block, whatever mix of shapes it uses.

Each block (paragraph) is one of: a ShortScience entry, a poster line ("C12: Title"), a title line
("Title – Authors"), a note, a heading, boilerplate, or prose. Entries open a paper whose summary
is the prose that follows, up to the next entry, heading, note or disclaimer. Prose outside any
paper is searched for inline mentions ("Title by A, B and C"), whose summary is their paragraph.
The document's own heading or opening paragraph gives the venue and year of papers that do not
name their own; other headings give topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from store.ingest.fields import blogpost, headings, posters, shortscience, titlelist
from store.ingest.fields.chrome import clean_paragraph, is_boilerplate, join_paragraphs
from store.ingest.fields.mentions import split_mentions
from store.ingest.fields.venues import find_venue, find_year
from store.ingest.records import PaperRecord, Parsed
from store.ingest.structure.blocks import Block, split_blocks

_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


@dataclass(slots=True)
class _Context:
    venue: str | None = None
    year: int | None = None
    topic: str | None = None


@dataclass(slots=True)
class _Open:
    record: PaperRecord
    paragraphs: list[str] = field(default_factory=list)
    fallback: str = ""  # used when no summary follows (a ShortScience abstract)


def parse_document(text: str, source: str) -> Parsed:
    """Records for every paper the document names; prose-only documents give none."""
    blocks = split_blocks(text.split("\n"))
    ctx = _Context()
    records: list[PaperRecord] = []
    current: _Open | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            current.record.summary = join_paragraphs(current.paragraphs) or current.fallback
            if current.record.title.strip(" *_:#"):  # markup alone ("**", "C12:") is not a title
                records.append(current.record)
            current = None

    def open_paper(title: str, authors: list[str], line: int, link: str | None = None) -> _Open:
        close()
        record = PaperRecord(title=title, authors=authors, venue=ctx.venue, year=ctx.year,
                             topics=[ctx.topic] if ctx.topic else [], source=source, line=line, link=link)
        return _Open(record)

    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        entry = shortscience.match_entry(blocks, index - 1)
        if entry is not None:
            current = open_paper(entry.title, entry.authors, entry.line)
            current.record.venue, current.record.year = entry.venue, entry.year
            current.record.topics = entry.topics or current.record.topics
            current.fallback = entry.abstract
            _add_paragraph(current, entry.summary_lines)
            index = entry.next_block
            continue
        first = block.lines[0].strip()
        paper = _paper_line(first)
        if paper is not None:
            title, authors, link = paper
            current = open_paper(title, authors, block.start, link)
            rest: list[str] = []
            for offset, line in enumerate(block.lines[1:], 1):
                listed = _paper_line(line.strip()) if _LIST_ITEM.match(line) else None
                if listed is None:  # a list of "Title – Authors" items, one paper per item
                    rest.append(line)
                    continue
                _add_paragraph(current, rest)
                rest = []
                current = open_paper(listed[0], listed[1], block.start + offset, listed[2])
            _add_paragraph(current, rest)
            continue
        if posters.is_note(first):
            close()
            continue
        if current is not None and not current.paragraphs and headings.markdown_heading(first) is None:
            _add_paragraph(current, block.lines)  # a paper's first paragraph, however short ("Bi-GAN")
            continue
        heading = headings.heading_text(block)
        if heading is not None:
            close()
            _apply_heading(ctx, heading, is_first=block is blocks[0])
            continue
        if is_boilerplate(block.text):
            close()
            continue
        if current is not None:
            _add_paragraph(current, block.lines)
            continue
        if block is blocks[0] and ctx.venue is None:
            ctx.venue, ctx.year = find_venue(block.text)
        records.extend(_mentions(block, ctx, source))
    close()
    return Parsed(records=records, problems=[])


def _paper_line(line: str) -> tuple[str, list[str], str | None] | None:
    poster = posters.match_poster(line)
    if poster is not None:
        return poster.title, poster.authors, poster.link
    listed = titlelist.match_title_line(line)
    if listed is not None:
        return listed.title, listed.authors, listed.link
    return None


def _add_paragraph(current: _Open, lines: tuple[str, ...] | list[str]) -> None:
    if lines:
        paragraph = clean_paragraph(lines)
        if paragraph:
            current.paragraphs.append(paragraph)


def _apply_heading(ctx: _Context, heading: str, *, is_first: bool) -> None:
    venue, year = find_venue(heading)
    if venue is not None:
        ctx.venue = venue
        ctx.year = year or find_year(heading) or (None if not is_first else ctx.year)
        ctx.topic = None
        return
    if is_first:
        ctx.year = ctx.year or find_year(heading)
        return  # the document's title is not a topic
    ctx.topic = heading if headings.is_topic(heading) else None


def _mentions(block: Block, ctx: _Context, source: str) -> list[PaperRecord]:
    text = "\n".join(block.lines)
    found = blogpost.find_mentions(text)
    if not found:
        return []
    # Each paper's summary is the part of the paragraph that speaks of it, not the whole paragraph.
    parts = split_mentions(text, [(m.offset, m.offset + len(m.title)) for m in found])
    return [PaperRecord(title=m.title, authors=m.authors, venue=ctx.venue, year=ctx.year,
                        topics=[ctx.topic] if ctx.topic else [], summary=clean_paragraph(part.split("\n")),
                        source=source, line=block.start + text.count("\n", 0, m.offset))
            for m, part in zip(found, parts, strict=True)]
