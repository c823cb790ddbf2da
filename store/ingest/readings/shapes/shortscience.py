"""ShortScience-style entries: a title line, an author line, a "Venue - 2015 via ..." line.

    Trust Region Policy Optimization
    Schulman, John and Levine, Sergey and ...
    arXiv e-Print archive - 2015 via Local Bibsonomy
    Keywords: dblp
    **First published:** ...  **Abstract:** ... more / less      (optional)
    <the author/venue/keywords block again>
    [link]
    The summary ...  |

The venue line is the anchor; everything between it and "[link]" (or the first line that is none of
these) is page chrome. The summary itself is collected by the document reader like any other.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.categories import topic_labels
from store.ingest.readings.fields.chrome import is_toggle
from store.ingest.readings.fields.headings import markdown_heading
from store.ingest.readings.fields.venues import VENUE_LINE, short_venue
from store.ingest.readings.shapes.shape import Entry, Shape
from store.ingest.structure.markdown import Block
from store.text.names import split_authors
from store.text.spacing import unwrap

_KEYWORDS = re.compile(r"^\**\s*(?:keywords|tags)\s*:\**\s*(?P<words>.*)$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^\**\s*first published:?\s*\**", re.IGNORECASE)
_ABSTRACT = re.compile(r"^\**\s*abstract:?\s*\**\s*(?P<text>.*)$", re.IGNORECASE)
_LINK = "[link]"


def _lines_from(blocks: list[Block], index: int) -> list[tuple[int, int, str]]:
    """(block index, line number, text) for the lines of blocks[index:], lazily bounded."""
    out: list[tuple[int, int, str]] = []
    for b in range(index, min(len(blocks), index + 3)):
        out.extend((b, blocks[b].start + k, line.strip()) for k, line in enumerate(blocks[b].lines))
    return out


def match_entry(blocks: list[Block], index: int) -> Entry | None:
    """An entry starting at blocks[index], with the blocks of chrome after it consumed."""
    head = _lines_from(blocks, index)[:3]
    if len(head) < 3 or head[0][0] != index:
        return None
    (_, title_line, title), (_, _, author_text), (venue_block, _, venue_text) = head
    title = _unmarked(title)
    venue = VENUE_LINE.match(_unmarked(venue_text))
    if venue is None or VENUE_LINE.match(title) or not title or len(title) > 500:
        return None
    authors = split_authors(_unmarked(author_text))
    if not authors:
        return None
    entry = Entry(title=title.strip("*_ "), authors=authors, venue=short_venue(venue.group("venue")),
                  year=int(venue.group("year")), topics=[], line=title_line, abstract="",
                  next_block=venue_block + 1)
    _consume_chrome(blocks, entry, author_text, venue_block, head)
    return entry


def _unmarked(line: str) -> str:
    """The line without Markdown heading marks: "## Title" is the title "Title", not "## Title"."""
    heading = markdown_heading(line)
    return heading[1] if heading else line


def _consume_chrome(blocks: list[Block], entry: Entry, author_text: str, venue_block: int,
                    head: list[tuple[int, int, str]]) -> None:
    """Skip keywords, dates, abstract, toggles, the repeated block and "[link]"; keep what follows."""
    # Lines of the venue's block after the venue line are looked at first.
    b = venue_block
    start_in_block = sum(1 for blk, _, _ in head if blk == venue_block)
    abstract: list[str] = []
    in_abstract = False
    while b < len(blocks):
        lines = [line.strip() for line in blocks[b].lines][start_in_block:]
        start_in_block = 0
        for k, line in enumerate(lines):
            if line == _LINK or line.startswith(_LINK + " "):
                rest = line[len(_LINK):].strip()
                entry.summary_lines = ([rest] if rest else []) + list(lines[k + 1:])
                entry.next_block = b + 1
                entry.abstract = unwrap(abstract)
                return
            keywords = _KEYWORDS.match(line)
            if keywords:
                if not entry.topics:
                    entry.topics = topic_labels([w for w in re.split(r"[,;]", keywords.group("words"))])
                in_abstract = False
                continue
            abstract_start = _ABSTRACT.match(line)
            if abstract_start and not abstract:
                abstract.append(abstract_start.group("text"))
                in_abstract = True
                continue
            if is_toggle(line):
                in_abstract = False
                continue
            if _PUBLISHED.match(line) or VENUE_LINE.match(line) or line == author_text:
                in_abstract = False
                continue
            if in_abstract:
                abstract.append(line)
                continue
            # Anything else is the summary (there was no "[link]").
            entry.summary_lines = list(lines[k:])
            entry.next_block = b + 1
            entry.abstract = unwrap(abstract)
            return
        in_abstract = False
        b += 1
        entry.next_block = b
    entry.abstract = unwrap(abstract)


SHAPE = Shape("ShortScience entries", entry=match_entry)
