"""The papers a note's "References" section cites: each line or list item there that is a formatted citation.

A note about one paper often ends with the papers it builds on, pasted from a bibliography ("## References",
"**Bibliography**", "参考文献"). Those lines are papers as a reading list's are; the note's fields say
nothing of them, so they are read here, line by line from the source (a list's own numbering kept), by the
shapes that read reference lines (the ones that defer: they read a line only when it is surely a citation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from store.ingest.readings.fields.keys import fold_key
from store.ingest.readings.shapes import SHAPES, PaperLine
from store.ingest.records import PaperRecord
from store.ingest.structure.markdown import Document, Node

REFERENCE_HEADINGS = frozenset({
    "references", "reference", "bibliography", "cited papers", "papers cited", "further reading", "reading list",
    "related papers", "literature", "literatur", "literaturverzeichnis", "quellen", "références",
    "bibliographie", "referencias", "bibliografía", "bibliografia", "riferimenti", "参考文献", "参考资料", "文献",
    "参考論文",
})
_READERS: tuple[Callable[[str], PaperLine | None], ...] = tuple(
    shape.line for shape in SHAPES if shape.defers and shape.line is not None)


def _reference_heading(node: Node) -> bool:
    if node.kind == "heading":
        return fold_key(node.text) in REFERENCE_HEADINGS
    return node.kind == "paragraph" and len(node.lines) == 1 and fold_key(node.lines[0][1]) in REFERENCE_HEADINGS


def _section_lines(document: Document) -> Iterator[tuple[int, str]]:
    """The source lines under a references heading, up to the next heading of its level or above."""
    level: int | None = None
    for node in document.nodes:
        if _reference_heading(node):
            level = node.level if node.kind == "heading" else 7
            continue
        if node.kind == "heading":
            if level is not None and node.level <= level:
                level = None
            continue
        if level is not None and node.kind == "paragraph":
            yield from ((number, document.lines[number - 1]) for number, _text in node.lines
                        if 0 < number <= len(document.lines))


def cited_papers(document: Document, source: str) -> list[PaperRecord]:
    """A record for each citation in the note's references sections (none when it has no such section)."""
    records: list[PaperRecord] = []
    for number, line in _section_lines(document):
        text = line.strip()
        paper = next((found for read in _READERS if (found := read(text)) is not None), None)
        if paper is not None:
            records.append(PaperRecord(title=paper.title, authors=list(paper.authors), venue=paper.venue,
                                       year=paper.year, link=paper.link, source=source, line=number))
    return records
