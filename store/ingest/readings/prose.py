"""Read a free-form text or Markdown document paragraph by paragraph, whatever mix of shapes it uses.

`RULES` are tried in order on each paragraph; the first that takes it decides what it is:

1. entry: a shape's entry starts here (a ShortScience page) and opens a paper;
2. paper line: its first line names a paper ("C12: Title", "Title – Authors"), and so does each list
   item after it, one paper per item (and, after a reference, each line that is a reference);
3. aside: its first line is a shape's commentary ("C31, C32: missed these"), which closes the paper;
4. first paragraph: an open paper's first paragraph, however short ("Bi-GAN");
5. heading: closes the paper; a venue in it ("ICLR 2017 summary") is the venue and year of the papers
   after it, another heading is their topic (the document's own title is not);
6. boilerplate: disclaimers and site furniture close the paper;
7. summary: any other paragraph continues the open paper's summary;
8. mentions: prose outside any paper: the document's opening paragraph names the venue of papers that do
   not name their own, and papers named inline ("Title by A, B and C") are papers, whose summary is the
   part of the paragraph that speaks of them.

Within a rule, the shapes (store.ingest.readings.shapes.SHAPES) are tried in their list's order. A shape
that defers (`Shape.defers`: APA reference lines) never takes a paper another shape would find: a paragraph
that names papers inline is neither its line nor its summary, and its paper has no "however short" first
paragraph (a heading after it is a heading).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from store.ingest.readings.fields import headings
from store.ingest.readings.fields.chrome import clean_paragraph, is_boilerplate, join_paragraphs
from store.ingest.readings.fields.listitems import LIST_ITEM
from store.ingest.readings.fields.mentions import split_mentions
from store.ingest.readings.fields.venues import find_venue, find_year
from store.ingest.readings.shapes import SHAPES, Mention, PaperLine, Shape
from store.ingest.records import PaperRecord, Parsed
from store.ingest.structure.markdown import Block, Document


@dataclass(slots=True)
class _Open:
    record: PaperRecord
    paragraphs: list[str] = field(default_factory=list)
    fallback: str = ""  # used when no summary follows (a ShortScience abstract)
    defers: bool = False  # opened by a shape that defers to the others (see `Shape.defers`)


@dataclass(slots=True)
class _Prose:
    """What reading has found so far: the papers, the one still taking paragraphs, the context of headings."""

    blocks: list[Block]
    source: str
    shapes: tuple[Shape, ...]
    records: list[PaperRecord] = field(default_factory=list)
    current: _Open | None = None
    venue: str | None = None
    year: int | None = None
    topic: str | None = None

    def close(self) -> None:
        if self.current is not None:
            self.current.record.summary = join_paragraphs(self.current.paragraphs) or self.current.fallback
            if self.current.record.title.strip(" *_:#"):  # markup alone ("**", "C12:") is not a title
                self.records.append(self.current.record)
            self.current = None

    def open(self, title: str, authors: list[str], line: int, link: str | None = None) -> _Open:
        self.close()
        record = PaperRecord(title=title, authors=authors, venue=self.venue, year=self.year,
                             topics=[self.topic] if self.topic else [], source=self.source, line=line, link=link)
        self.current = _Open(record)
        return self.current

    def open_line(self, found: tuple[Shape, PaperLine], line: int, defers: bool = False) -> _Open:
        """Open a line's paper; it defers if its shape does, or (`defers`) the paragraph's first line's does."""
        shape, paper = found
        opened = self.open(paper.title, paper.authors, line, paper.link)
        opened.record.venue = paper.venue or opened.record.venue
        opened.record.year = paper.year or opened.record.year
        opened.defers = shape.defers or defers
        opened.record.authors_incomplete = paper.incomplete
        return opened

    def add(self, lines: tuple[str, ...] | list[str]) -> None:
        if lines and self.current is not None:
            paragraph = clean_paragraph(lines)
            if paragraph:
                self.current.paragraphs.append(paragraph)

    def paper_line(self, text: str) -> tuple[Shape, PaperLine] | None:
        """The first shape that reads `text` as a paper's line, with that paper."""
        return next(((shape, paper) for shape in self.shapes if shape.line and (paper := shape.line(text))), None)

    def mentions(self, text: str) -> list[Mention]:
        """The papers the first shape that finds any names inline in `text`."""
        return next((found for shape in self.shapes if shape.mentions and (found := shape.mentions(text))), [])

    def yields(self, shape: Shape, block: Block) -> bool:
        """Whether a deferring shape leaves `block` to inline mentions: one of them is not part of the title
        the shape reads on its line, or names several people (a pasted reference list whose title holds
        "... Training by Reducing Internal Covariate Shift" stays a reference list; prose is prose)."""
        starts = [0]
        for line in block.lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        assert shape.line is not None
        for mention in self.mentions(block.text):
            paper = shape.line(block.lines[bisect_right(starts, mention.offset) - 1].strip())
            if paper is None or mention.title not in paper.title or len(mention.authors) > 1:
                return True  # a list of names after "by" is a mention's, not the words of a title
        return False

    def deferred(self, block: Block) -> bool:
        """Whether the open paper's shape defers, and `block` names papers inline: then it is not its summary."""
        return self.current is not None and self.current.defers and bool(self.mentions(block.text))


Rule = Callable[[_Prose, int], int | None]  # (reading, paragraph index) -> the next index, or None: not mine


def _entry(r: _Prose, index: int) -> int | None:
    for shape in r.shapes:
        entry = shape.entry(r.blocks, index) if shape.entry else None
        if entry is not None:
            opened = r.open(entry.title, entry.authors, entry.line)
            opened.record.venue, opened.record.year = entry.venue, entry.year
            opened.record.topics = entry.topics or opened.record.topics
            opened.fallback = entry.abstract
            r.add(entry.summary_lines)
            return entry.next_block
    return None


def _paper_lines(r: _Prose, index: int) -> int | None:
    block = r.blocks[index]
    found = r.paper_line(block.lines[0].strip())
    if found is None or (found[0].defers and r.yields(found[0], block)):
        return None
    r.open_line(found, block.start)
    rest: list[str] = []
    for offset, line in enumerate(block.lines[1:], 1):
        listed = r.paper_line(line.strip()) if LIST_ITEM.match(line) or found[0].defers else None
        if listed is not None and not LIST_ITEM.match(line) and not listed[0].defers:
            listed = None  # a reference list pasted line by line: each line a reference
        if listed is None:  # a list of "Title – Authors" items, one paper per item
            rest.append(line)
            continue
        r.add(rest)
        rest = []
        r.open_line(listed, block.start + offset, defers=found[0].defers)  # a deferring paragraph's list
    r.add(rest)
    return index + 1


def _aside(r: _Prose, index: int) -> int | None:
    first = r.blocks[index].lines[0].strip()
    if not any(shape.aside and shape.aside(first) for shape in r.shapes):
        return None
    r.close()
    return index + 1


def _first_paragraph(r: _Prose, index: int) -> int | None:
    block = r.blocks[index]
    if (r.current is None or r.current.paragraphs or r.current.defers
            or headings.markdown_heading(block.lines[0].strip()) is not None):
        return None
    r.add(block.lines)
    return index + 1


def _heading(r: _Prose, index: int) -> int | None:
    heading = headings.heading_text(r.blocks[index])
    if heading is None:
        return None
    r.close()
    venue, year = find_venue(heading)
    if venue is not None:
        r.venue, r.topic = venue, None
        r.year = year or find_year(heading) or (None if index else r.year)
    elif index == 0:
        r.year = r.year or find_year(heading)  # the document's title is not a topic
    else:
        r.topic = heading if headings.is_topic(heading) else None
    return index + 1


def _boilerplate(r: _Prose, index: int) -> int | None:
    if not is_boilerplate(r.blocks[index].text):
        return None
    r.close()
    return index + 1


def _summary(r: _Prose, index: int) -> int | None:
    if r.current is None or r.deferred(r.blocks[index]):
        return None
    r.add(r.blocks[index].lines)
    return index + 1


def _mentions(r: _Prose, index: int) -> int:
    """A paragraph outside any paper: the document's opening names the venue of the papers after it, and
    papers named inline are papers, each summed up by the part of the paragraph that speaks of it."""
    r.close()  # only a deferring shape's paper is still open here
    block = r.blocks[index]
    if index == 0 and r.venue is None:
        r.venue, r.year = find_venue(block.text)
    text = block.text
    found = r.mentions(text)
    parts = split_mentions(text, [(m.offset, m.offset + len(m.title)) for m in found])
    r.records.extend(PaperRecord(title=m.title, authors=m.authors, venue=m.venue or r.venue, year=m.year or r.year,
                                 topics=[r.topic] if r.topic else [], summary=clean_paragraph(part.split("\n")),
                                 source=r.source, line=block.start + text.count("\n", 0, m.offset))
                     for m, part in zip(found, parts, strict=True))
    return index + 1


RULES: tuple[Rule, ...] = (_entry, _paper_lines, _aside, _first_paragraph, _heading, _boilerplate, _summary,
                           _mentions)


def read_prose(document: Document, source: str, shapes: tuple[Shape, ...] = SHAPES) -> Parsed:
    """Records for every paper the document names by `shapes` (all of them unless told); prose-only
    documents give none."""
    reading = _Prose(document.paragraphs, source, shapes)
    index = 0
    while index < len(reading.blocks):
        index = next(n for rule in RULES if (n := rule(reading, index)) is not None)
    reading.close()
    return Parsed(records=reading.records, problems=[])
