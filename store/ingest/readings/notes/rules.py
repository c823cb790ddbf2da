"""The note reader's node rules, in the order they are tried on each node of the structure (`NODE_RULES`);
a paragraph's lines go through the line rules (store.ingest.readings.notes.lines). The first rule that
takes a node decides what it is.

A rule is a small function: given the reader (store.ingest.readings.notes.reader) and the node, it
returns the index of the next node to read when it took this one, or None to leave it to the next rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from store.ingest.readings.bibtex import looks_like_bibtex
from store.ingest.readings.fields.byline import match_byline
from store.ingest.readings.fields.keys import column_fields, field_of
from store.ingest.readings.fields.keyvalue import KeyValue, heading_key, match_key_value
from store.ingest.readings.fields.venues import VENUE_LINE
from store.ingest.readings.fields.writer import match_writer_line
from store.ingest.readings.gate import is_section, refuse_title
from store.ingest.readings.notes.draft import adjacent, heading_link, values_below
from store.ingest.readings.notes.lines import read_lines
from store.ingest.readings.notes.reader import NoteReader
from store.ingest.structure.markdown import Node

_BARE_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]")
_YAML_ITEM = re.compile(r"^\s*-\s+(?P<value>.*)$")
_BIBTEX_FENCES = {"bibtex", "bib", "biblatex"}
_HEADING_FIELDS = {"authors", "venue", "year", "link", "topics", "writer"}

NodeRule = Callable[[NoteReader, Node, int], int | None]  # (reader, node, index after it) -> next index or None


def _bibtex_code(r: NoteReader, node: Node, index: int) -> int | None:
    """A fenced BibTeX block: its entries are papers."""
    if node.kind != "code" or not (node.info.casefold() in _BIBTEX_FENCES or looks_like_bibtex(node.text)):
        return None
    r.bibtex(node.text, node.line + 1)
    return index


def _front_matter(r: NoteReader, node: Node, index: int) -> int | None:
    """An Obsidian-style header: its keys are the note's fields (YAML lists and [a, b] lists too). Without a
    title key, the heading right below it ("# Title") is the title of the paper its fields describe."""
    if node.kind != "front_matter":
        return None
    lines = node.text.split("\n")
    k = 0
    while k < len(lines):
        kv = match_key_value(lines[k])
        k += 1
        if kv is None:
            continue
        value = kv.value
        if not value:
            items = []
            while k < len(lines) and (item := _YAML_ITEM.match(lines[k])):
                items.append(item.group("value").strip(" \"'"))
                k += 1
            value = "; ".join(items)
        value = value.strip().strip("\"'")
        if value.startswith("[") and value.endswith("]") and kv.field in {"authors", "topics"}:
            value = "; ".join(v.strip(" \"'") for v in value[1:-1].split(","))
        r.apply(KeyValue(kv.field, kv.key, value), node.line + k, [])
    heading = r.nodes[index] if index < len(r.nodes) else None
    draft = r.current
    if draft is None or draft.title or heading is None or heading.kind != "heading" or is_section(heading.text) or (
            heading_key(heading.text) or match_key_value(heading.text) or match_writer_line(heading.text)):
        return index
    draft.set_heading_title(heading.text, heading.line)
    draft.level, draft.link = heading.level, draft.link or heading_link(heading, draft.title)
    return index + 1


def _table(r: NoteReader, node: Node, index: int) -> int | None:
    """A table of keys and values, or a table with a row per paper under a header of keys ("| # | Paper |
    Authors | Presenter |"); the heading above a table of papers is the list's, not a paper."""
    if node.kind != "row":
        return None
    rows = []
    index -= 1
    while index < len(r.nodes) and r.nodes[index].kind == "row" and r.nodes[index].table == node.table:
        rows.append(r.nodes[index])
        index += 1
    header = rows[0] if rows[0].header else None
    columns = column_fields(header.cells) if header else []
    if header and "title" in columns and sum(1 for c in columns if c) >= 2:
        for row in rows[1:]:
            _table_paper(r, row, dict(zip(columns, row.cells, strict=False)))
        r.current = None
        if len(rows) > 1:
            r.pending = None
        return index
    for row in rows:
        name = field_of(row.cells[0]) if len(row.cells) >= 2 else None
        if name is not None and row.cells[1]:
            value = row.links[0][1] if name == "link" and row.links else row.cells[1]
            r.apply(KeyValue(name, row.cells[0], value), row.line, [])
    return index


def _table_paper(r: NoteReader, row: Node, fields: dict[str | None, str]) -> None:
    if not fields.get("title"):
        return
    r.strong = True
    draft = r.open(row.line)
    draft.set_clean_title(fields["title"], row.line)  # "1. X", "« X »" as in a title field
    draft.title_keyed = True
    for name, value in fields.items():
        if name and name not in {"title", "summary"}:
            r.set_field(draft, name, value, row.line)
        elif name == "summary" and value:
            draft.summary.append(value)
    if row.links and draft.link is None:
        draft.link = row.links[0][1]


def _key_heading(r: NoteReader, node: Node, index: int) -> int | None:
    """A heading that is a key ("### Paper:", "## Authors"), its value the paragraph or list below."""
    key = heading_key(node.text) if node.kind == "heading" else None
    if key is None:
        return None
    value_node = r.nodes[index] if index < len(r.nodes) else None
    if value_node is None or value_node.kind != "paragraph":
        return index
    passed_over = _value_refused(key, value_node)
    if passed_over is not None:  # the other reading of the heading: a section, whose paragraph reads itself
        r.decisions.append(f"line {node.line}: {node.text[:40]!r} read as a section heading, not as the key "
                           f"{key!r}: the paragraph below {passed_over}")
        return None
    if key == "title":
        r.apply(KeyValue("title", node.text, " ".join(text for _, text in value_node.lines)), value_node.line, [])
        if r.current is not None and value_node.whole_link:
            r.current.link = value_node.whole_link
        return index + 1
    if key not in _HEADING_FIELDS:
        return index
    items = values_below(r.nodes[index:]) if value_node.item else []
    value = "; ".join(items) if items else " ".join(text for _, text in value_node.lines)
    if key == "link" and value_node.links:
        value = value_node.links[0][1]
    r.apply(KeyValue(key, node.text, value), value_node.line, [])
    return index + (len(items) if items else 1)


def _value_refused(key: str, value_node: Node) -> str | None:
    """Why the paragraph under a key heading is not that key's value, or None when it is: it holds fields
    of its own ("* **Title**: ..." under "# Paper"), or the gate refuses it as a title."""
    first = value_node.lines[0][1]
    if match_key_value(first) is not None:
        return f"holds fields of its own ({first.strip()[:40]!r})"
    if key == "title":
        reason = refuse_title(" ".join(text for _, text in value_node.lines))
        if reason is not None:
            return f"is not a title ({reason})"
    return None


def _writer_heading(r: NoteReader, node: Node, index: int) -> int | None:
    """"## Summarized by X": the writer of the paper read so far, or of the whole note; never a title."""
    writer = match_writer_line(node.text) if node.kind == "heading" else None
    if writer is None:
        return None
    r.writer(writer, node.line)
    return index


def _field_heading(r: NoteReader, node: Node, index: int) -> int | None:
    """A heading holding a title or author field: "# Paper: Title"."""
    inline = match_key_value(node.text) if node.kind == "heading" else None
    if inline is None or not inline.value or inline.field not in {"title", "authors"}:
        return None
    r.apply(inline, node.line, [])
    if inline.field == "title" and r.current is not None:
        r.current.level = node.level
        r.current.link = r.current.link or node.whole_link
    return index


def _byline_heading(r: NoteReader, node: Node, index: int) -> int | None:
    """A heading that is an author line under the title heading ("# Title" then "## A, B and C")."""
    if node.kind != "heading" or r.pending is None or not (r.pending.level < node.level and adjacent(r.pending, node)):
        return None
    byline = match_byline(node.text)
    if byline is None:
        return None
    r.byline(byline, node.line)
    return index


def _paper_section(r: NoteReader, node: Node, index: int) -> int | None:
    """A section of the current paper ("## Method" under "# Title")."""
    if node.kind != "heading" or r.current is None or not r.current.level or node.level <= r.current.level:
        return None
    return index


def _section_heading(r: NoteReader, node: Node, index: int) -> int | None:
    """"## Metadata", "## Summary": a section, never the title of what follows."""
    return index if node.kind == "heading" and is_section(node.text) else None


def _title_heading(r: NoteReader, node: Node, index: int) -> int | None:
    """Any other heading: the title of the paper its fields (if any follow) describe."""
    if node.kind != "heading":
        return None
    r.pending = node
    return index


def _bare_bibtex(r: NoteReader, node: Node, index: int) -> int | None:
    """A BibTeX entry written in the note without a fence."""
    if node.kind != "paragraph" or not _BARE_ENTRY.match(node.lines[0][1]) or not node.end:
        return None
    raw = "\n".join(r.raw[node.line - 1:node.end])
    if not looks_like_bibtex(raw):
        return None
    r.bibtex(raw, node.line)
    return index


def _note_opening(r: NoteReader, node: Node, index: int) -> int | None:
    """The document's first block is a title line with an author line under it (in the same paragraph or
    the next): "Attention Is All You Need" then "Ashish Vaswani, Noam Shazeer, ..."."""
    if node.kind != "paragraph" or not _opens_note(r, node, index):
        return None
    number, title = node.lines[0]
    r.open(number).set_heading_title(title, number)
    lines = node.lines[1:] if len(node.lines) > 1 else r.nodes[index].lines
    if len(node.lines) == 1:
        index += 1
    byline = match_byline(lines[0][1])
    assert byline is not None
    r.byline(byline, lines[0][0])
    return read_lines(r, node, lines[1:], index)


def _opens_note(r: NoteReader, node: Node, index: int) -> bool:
    if r.drafts or r.pending is not None or node.item or not _first_of_note(r, node):
        return False
    if len(node.lines) >= 2:
        author_line, after = node.lines[1][1], node.lines[2:]
    elif index < len(r.nodes) and r.nodes[index].kind == "paragraph" and not r.nodes[index].item:
        author_line, after = r.nodes[index].lines[0][1], r.nodes[index].lines[1:]
    else:
        return False
    title = node.lines[0][1]
    if match_key_value(title) is not None or refuse_title(title) is not None or len(title.split()) > 30:
        return False
    following = [t for _, t in after[:3]] + [t for n in r.nodes[index:index + 3] for _, t in n.lines[:2]]
    if any(VENUE_LINE.match(t) for t in following):
        return False  # a ShortScience entry: the prose reader knows its furniture
    return match_byline(author_line) is not None


def _first_of_note(r: NoteReader, node: Node) -> bool:
    """Whether `node` opens the note: nothing before it but front matter and writer lines ("Summarized by X")."""
    for before in r.nodes[:r.nodes.index(node)]:
        if before.kind != "front_matter" and not (before.kind == "paragraph" and all(
                match_writer_line(text) for _, text in before.lines)):
            return False
    return True


def _paragraph(r: NoteReader, node: Node, index: int) -> int | None:
    """Any other paragraph: its lines, each read by `LINE_RULES`."""
    return read_lines(r, node, node.lines, index) if node.kind == "paragraph" else None


def _other(_r: NoteReader, _node: Node, index: int) -> int:
    """Code that is not BibTeX, a rule: nothing of a paper."""
    return index


NODE_RULES: tuple[NodeRule, ...] = (
    _bibtex_code, _front_matter, _table,
    _writer_heading, _key_heading, _field_heading, _byline_heading, _paper_section, _section_heading, _title_heading,
    _bare_bibtex, _note_opening, _paragraph, _other,
)
