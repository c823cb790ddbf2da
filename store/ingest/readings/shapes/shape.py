"""What a shape is, and what its readings give: the types every shape module shares.

A shape reads a page that names papers without a note's fields. It has up to four readings, each optional,
and the prose reader (store.ingest.readings.prose) tries each kind at its own place in its rules:

- `entry(paragraphs, index)`: a paper whose entry starts at this paragraph and runs over the next ones
  (a ShortScience page's title, authors, venue line and page furniture): an `Entry`.
- `line(text)`: a line that names one paper ("C12: Title", "Title – Authors"): a `PaperLine`. A paragraph
  of such list items is one paper per item.
- `aside(text)`: a line of the shape that is the writer's commentary, never a paper ("C31, C32: missed
  these"): it closes the paper before it.
- `mentions(text)`: papers named inline in a paragraph of prose ("Title by A, B and C"): `Mention`s.

A shape added after the others may `defer` to them, so that adding it never costs a paper they find.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from store.ingest.structure.markdown import Block


@dataclass(frozen=True, slots=True)
class PaperLine:
    """One line's paper."""

    title: str
    authors: list[str]
    link: str | None = None
    venue: str | None = None
    year: int | None = None
    incomplete: bool = False  # "et al." or "and others": the names given are not all of them


@dataclass(slots=True)
class Entry:
    """A paper read across paragraphs; the summary is what follows `next_block` (or `abstract`)."""

    title: str
    authors: list[str]
    venue: str | None
    year: int | None
    topics: list[str]
    line: int
    abstract: str  # the summary when no paragraph of the writer's follows
    next_block: int  # the first paragraph after the entry's furniture
    summary_lines: list[str] = field(default_factory=list)  # the writer's lines in the entry's last paragraph


@dataclass(frozen=True, slots=True)
class Mention:
    """A paper named inline; `offset` is where its title starts in the paragraph."""

    title: str
    authors: list[str]
    offset: int
    venue: str | None = None  # "(ICLR 2021)" right after the names
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Shape:
    name: str  # what a reader looks for, as "no papers found" names it ("poster lines (C12: Title)")
    entry: Callable[[list[Block], int], Entry | None] | None = None
    line: Callable[[str], PaperLine | None] | None = None
    aside: Callable[[str], bool] | None = None
    mentions: Callable[[str], list[Mention]] | None = None
    # A newcomer that must not cost the others a paper: a paragraph another shape reads as papers (inline
    # mentions) is neither its line nor its paper's summary, and its paper's first paragraph is read as any other.
    defers: bool = False
