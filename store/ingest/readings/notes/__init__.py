"""Papers from a note's structure: which blocks are a paper's fields, which its title, which its summary.

A paper starts where the structure says one does: a title field (`Title: X` in any markup, a
`### Paper:` heading with the title below it, a front-matter or table row), or a heading followed by
the paper's fields (an author line, `**Authors:** ...`, `- Year: 2017`). Fields that follow attach
to it; every other block until the next paper is its summary. Several papers in one file are several
such starts. A note with fields but no title takes its first heading as the title.

`strong` says whether the document carried paper structure at all (a title or author field, an
author line under a heading); when it does not, the prose reader (store.ingest.readings.prose) has
its turn, and failing that a note's lone heading or link is its title, without authors.

The reader walks the nodes once; for each, the rules of `NODE_RULES` (store.ingest.readings.notes.rules)
are tried in order, and a paragraph's lines go through `LINE_RULES` (notes/lines.py). The package may import
store.text, store.ingest.structure, store.ingest.records and the other readings (fields, shapes, gate,
BibTeX).
"""

from __future__ import annotations

from dataclasses import dataclass

from store.ingest.readings.fields.chrome import summary_text
from store.ingest.readings.fields.filetitle import is_file_like
from store.ingest.readings.fields.writer import match_writer_line
from store.ingest.readings.gate import is_section
from store.ingest.readings.notes.draft import Draft, heading_link
from store.ingest.readings.notes.reader import NoteReader
from store.ingest.readings.notes.rules import NODE_RULES
from store.ingest.records import PaperRecord, Problem
from store.ingest.structure.markdown import Document, Node


@dataclass(slots=True)
class NoteResult:
    records: list[PaperRecord]
    problems: list[Problem]
    strong: bool
    title_only: PaperRecord | None  # the note's lone heading or link, when nothing else names a paper
    decisions: list[str]  # where a block had two readings, which was taken and why (`paperbot check --explain`)


def assemble_notes(document: Document, source: str) -> NoteResult:
    """Papers named by the structure of a note (or of several notes in one file)."""
    nodes = document.nodes
    reader = NoteReader(nodes, source, document.lines)
    index = 0
    while index < len(nodes):
        node = nodes[index]
        index = next(n for rule in NODE_RULES if (n := rule(reader, node, index + 1)) is not None)
    records = reader.records() if reader.strong else []
    return NoteResult(records, reader.problems if reader.strong else [], reader.strong, _title_only(nodes, source),
                      reader.decisions)


def _title_only(nodes: list[Node], source: str) -> PaperRecord | None:
    """A note's lone title: its first heading, or a first line that is one link."""
    for node in nodes:
        if node.kind == "front_matter" or (node.kind == "heading" and is_section(node.text)):
            continue  # "# Paper" over the title heading: a key word, not the title
        if node.kind == "heading" and is_file_like(node.text) and any(
                n.kind == "heading" and n.level > node.level for n in nodes):
            continue  # "# Reading group week 3" over the papers' headings: the file's own title
        if node.kind == "heading" or (node.kind == "paragraph" and node.whole_link and len(node.lines) == 1):
            title = node.links[0][0] if node.kind == "paragraph" else node.text
            summary = "\n\n".join(text for n in nodes if n is not node and n.kind == "paragraph"
                                  if (text := " ".join(t for _, t in n.lines if summary_text(t))))
            writer = next((w for n in nodes if n.kind == "paragraph" for _, t in n.lines
                           if (w := match_writer_line(t))), None)
            draft = Draft(line=node.line)
            draft.set_heading_title(title, node.line)
            return PaperRecord(title=draft.title, source=source, line=node.line, link=heading_link(node, draft.title),
                               summary=summary, writer=writer, venue=draft.venue, year=draft.year)
        return None
    return None
