"""Papers from a note's structure: which blocks are a paper's fields, which its title, which its summary.

A paper starts where the structure says one does: a title field (`Title: X` in any markup, a
`### Paper:` heading with the title below it, a front-matter or table row), or a heading followed by
the paper's fields (an author line, `**Authors:** ...`, `- Year: 2017`). Fields that follow attach
to it; every other block until the next paper is its summary. Several papers in one file are several
such starts. A note with fields but no title takes its first heading as the title.

`strong` says whether the document carried paper structure at all (a title or author field, an
author line under a heading); when it does not, the prose reader (store.ingest.assembly.prose) has
its turn, and failing that a note's lone heading or link is its title, without authors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from store.ingest.categories import topic_labels
from store.ingest.fields.authors import AuthorList, parse_authors
from store.ingest.fields.byline import match_byline, match_venue_line, venue_and_year
from store.ingest.fields.keys import field_of
from store.ingest.fields.keyvalue import KeyValue, heading_key, match_key_value
from store.ingest.fields.shortscience import VENUE_LINE
from store.ingest.fields.writer import match_writer_line, writer_name
from store.ingest.gate import is_section, refuse_title
from store.ingest.records import PaperRecord, Problem
from store.ingest.structure.markdown import Node
from store.text.links import web_link
from store.text.names import fold

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_URL = re.compile(r"https?://\S+")
_ARXIV_ID = re.compile(r"^(?:arxiv:\s*)?(\d{4}\.\d{4,5})(v\d+)?$", re.IGNORECASE)
_WIKI = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_TOPIC_SPLIT = re.compile(r"\s*[,;，；、]\s*|\s+(?=#)")
_INLINE_FIELD = re.compile(r"^[^\W\d_][\w -]{0,30}::\s")
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(]", re.MULTILINE)
_BARE_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]")
_NOTE_PREFIX = re.compile(r"^(?:(?:paper|reading)\s+)?(?:summary|summaries|notes?|review|thoughts)\s*"
                          r"(?:of|on|for|about|[:：–—-])\s+(?=\S)", re.IGNORECASE)
_VENUE_TAIL = re.compile(r"(?:\s*[(\[]\s*(?P<inner>[^()\[\]]{2,60}?)\s*[)\]]|\s+[-–—|]\s+(?P<bare>[^-–—|]{2,60}))\s*$")
_LEADING_MARKS = re.compile(r"^[^\w\"“'‘(\[]+")  # "📝 Title", "» Title"
_YAML_ITEM = re.compile(r"^\s*-\s+(?P<value>.*)$")


@dataclass(slots=True)
class _Draft:
    line: int
    title: str = ""
    title_line: int = 0
    authors: AuthorList | None = None
    venue: str | None = None
    year: int | None = None
    topics: list[str] = field(default_factory=list)
    link: str | None = None
    writer: str | None = None
    summary: list[str] = field(default_factory=list)
    level: int = 0  # the heading level that opened it (0: a field did)
    title_keyed: bool = False  # the title came from a title field, not from a heading

    def set_title(self, text: str, line: int) -> None:
        self.title, self.title_line = " ".join(text.split()), line

    def set_heading_title(self, text: str, line: int) -> None:
        """A heading as the title: without "Notes on", quotes, or a closing "(NeurIPS 2020)"."""
        self.set_clean_title(_NOTE_PREFIX.sub("", _LEADING_MARKS.sub("", " ".join(text.split()))), line)

    def set_clean_title(self, title: str, line: int) -> None:
        """A title without quotes around it or a closing "(NeurIPS 2020)", which gives venue and year."""
        title = " ".join(title.split())
        tail = _VENUE_TAIL.search(title)
        if tail is not None:
            venue = match_venue_line(tail.group("inner") or tail.group("bare"))
            if venue is not None and tail.start() > 0:
                title = title[:tail.start()].rstrip(" -–—|,")
                self.venue, self.year = self.venue or venue[0], self.year or venue[1]
        if len(title) > 2 and title[0] in "\"“'‘" and title[-1] in "\"”'’":
            title = title[1:-1].strip()
        self.set_title(title, line)


@dataclass(slots=True)
class NoteResult:
    records: list[PaperRecord]
    problems: list[Problem]
    strong: bool
    title_only: PaperRecord | None  # the note's lone heading or link, when nothing else names a paper


class _Reader:
    def __init__(self, nodes: list[Node], source: str, lines: list[str]) -> None:
        self.nodes = nodes
        self.source = source
        self.raw = lines  # the source lines, for BibTeX written bare in a note
        self.bib: list[PaperRecord] = []
        self.loose: list[str] = []  # text outside any paper: the summary of a BibTeX-only note
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.pending: Node | None = None  # the last heading not yet claimed as a title
        self.problems: list[Problem] = []
        self.strong = False

    # -- drafts ---------------------------------------------------------------------------------
    def open(self, line: int, level: int = 0) -> _Draft:
        self.current = _Draft(line=line, level=level)
        self.drafts.append(self.current)
        return self.current

    def draft_for_field(self, line: int, opens: bool = True) -> _Draft:
        """The paper a field belongs to: the current one, or one titled by the pending heading.

        A writer, topics or a summary never open a paper of their own ("* Reviewer notes" then
        ":REVIEWER: X" is the current paper's writer).
        """
        if self.current is not None and not opens and self.current.title:
            return self.current
        if self.current is not None and (self.pending is None or not self.current.title):
            if self.current.title == "" and self.pending is not None:
                self.current.set_heading_title(self.pending.text, self.pending.line)
                self.current.link = self.current.link or _heading_link(self.pending, self.current.title)
                self.pending = None
            return self.current
        if self.pending is not None:
            draft = self.open(self.pending.line, self.pending.level)
            draft.set_heading_title(self.pending.text, self.pending.line)
            draft.link = _heading_link(self.pending, draft.title)
            self.pending = None
            return draft
        if self.current is not None:
            return self.current
        return self.open(line)

    # -- fields ---------------------------------------------------------------------------------
    def apply(self, kv: KeyValue, line: int, following: list[Node]) -> int:
        """Attach one field; returns how many following nodes it consumed (a list of values)."""
        consumed = 0
        value = kv.value
        if not value and kv.field in {"authors", "topics", "title", "link", "venue", "year", "writer"}:
            items = _values_below(following)
            consumed = len(items)
            value = ("; " if kv.field in {"authors", "topics"} else " ").join(items)
        if kv.field == "title":
            if not value:
                return consumed
            self.strong = True
            if self.current is None or self.current.title_keyed:
                self.open(line)
            assert self.current is not None
            self.current.set_clean_title(_WIKI.sub(r"\1", value), line)
            self.current.title_keyed = True
            self.pending = None
            return consumed
        if kv.field == "summary":
            if value:
                self.draft_for_field(line, opens=False).summary.append(value)
            return consumed
        draft = self.draft_for_field(line, opens=kv.field not in {"writer", "topics"})
        self.set_field(draft, kv.field, value, line)
        return consumed

    def set_field(self, draft: _Draft, name: str, value: str, line: int) -> None:
        if name == "authors":
            authors = parse_authors(value)
            if authors is not None and draft.authors is None:
                draft.authors = authors
                self.strong = True
            elif authors is None and value:
                self.problems.append(Problem(self.source, line, f"author field not read as names: {value[:80]!r}"))
        elif name == "venue" and value:
            venue, year = venue_and_year(value)
            draft.venue = draft.venue or venue
            draft.year = draft.year or year
        elif name == "year":
            m = _YEAR.search(value)
            if m:
                draft.year = int(m.group(1))
        elif name == "link":
            draft.link = draft.link or _link(value)
        elif name == "topics":
            value = _WIKI.sub(r"\1", value.strip())
            if len(value) > 1 and value[0] == value[-1] == ":":  # org tags ":nlp:transformers:"
                value = value.strip(":").replace(":", ", ")
            words = [w.strip(" #\"'") for w in _TOPIC_SPLIT.split(value.strip(" []"))]
            draft.topics = topic_labels([w for w in words if w]) or draft.topics
        elif name == "writer":
            draft.writer = draft.writer or writer_name(value)

    # -- walking --------------------------------------------------------------------------------
    def run(self) -> None:
        index = 0
        nodes = self.nodes
        while index < len(nodes):
            node = nodes[index]
            index += 1
            if node.kind == "heading":
                index = self.heading(node, index)
            elif node.kind == "paragraph":
                index = self.paragraph(node, index)
            elif node.kind == "row":
                index = self.table(index - 1)
            elif node.kind == "front_matter":
                self.front_matter(node)
            elif node.kind == "code" and (node.info.casefold() in {"bibtex", "bib", "biblatex"}
                                          or looks_like_bibtex(node.text)):
                self.bibtex(node.text, node.line + 1)

    def bibtex(self, text: str, line: int) -> None:
        """A BibTeX block in the note (fenced or bare): its entries are papers, merged with the note's own."""
        from store.ingest.bibtex import parse_bibtex  # bibtexparser is imported only for notes that hold BibTeX

        parsed = parse_bibtex(text, self.source, first_line=line)
        self.bib.extend(parsed.records)
        self.problems.extend(parsed.problems)
        if parsed.records:
            self.strong = True

    def heading(self, node: Node, index: int) -> int:
        key = heading_key(node.text)
        if key is not None and index < len(self.nodes) and self.nodes[index].kind == "paragraph":
            value_node = self.nodes[index]
            if key == "title":
                title = " ".join(text for _, text in value_node.lines)
                self.apply(KeyValue("title", node.text, title), value_node.line, [])
                if self.current is not None and value_node.whole_link:
                    self.current.link = value_node.whole_link
                return index + 1
            if key in {"authors", "venue", "year", "link", "topics", "writer"}:
                following = self.nodes[index:]
                items = _values_below(following) if value_node.item else []
                value = "; ".join(items) if items else " ".join(text for _, text in value_node.lines)
                if key == "link" and value_node.links:
                    value = value_node.links[0][1]
                self.apply(KeyValue(key, node.text, value), value_node.line, [])
                return index + (len(items) if items else 1)
        if key is not None:
            return index
        inline = match_key_value(node.text)
        if inline is not None and inline.value and inline.field in {"title", "authors"}:  # "# Paper: Title"
            self.apply(inline, node.line, [])
            if inline.field == "title" and self.current is not None:
                self.current.level = node.level
                self.current.link = self.current.link or node.whole_link
            return index
        # A heading that is an author line under the title heading ("# Title" then "## A, B and C").
        if self.pending is not None and self.pending.level < node.level and _adjacent(self.pending, node):
            byline = match_byline(node.text)
            if byline is not None:
                self.byline(byline, node.line)
                return index
        if self.current is not None and self.current.level and node.level > self.current.level:
            return index  # a section of the current paper ("## Method")
        if is_section(node.text):
            return index  # "## Metadata", "## Summary": a section, never the title of what follows
        self.pending = node
        return index

    def byline(self, byline, line: int) -> None:  # type: ignore[no-untyped-def]
        draft = self.draft_for_field(line)
        if draft.authors is None:
            draft.authors = byline.authors
        draft.venue = draft.venue or byline.venue
        draft.year = draft.year or byline.year
        self.strong = True

    def paragraph(self, node: Node, index: int) -> int:
        if _BARE_ENTRY.match(node.lines[0][1]) and node.end:
            raw = "\n".join(self.raw[node.line - 1:node.end])
            if looks_like_bibtex(raw):
                self.bibtex(raw, node.line)
                return index
        lines = node.lines
        if self.opens_note(node, index):
            number, title = lines[0]
            draft = self.open(number)
            draft.set_heading_title(title, number)
            lines = lines[1:] if len(lines) > 1 else self.nodes[index].lines
            if len(node.lines) == 1:
                index += 1
            byline = match_byline(lines[0][1])
            assert byline is not None
            self.byline(byline, lines[0][0])
            lines = lines[1:]
        text_lines: list[str] = []
        k = 0
        first = True
        while k < len(lines):
            number, line = lines[k]
            k += 1
            kv = match_key_value(line)
            if kv is not None and not kv.value and k < len(lines) and match_key_value(lines[k][1]) is None:
                kv = KeyValue(kv.field, kv.key, lines[k][1])  # "**Authors:**" with the names on the next line
                k += 1
            if kv is not None:
                following = self.nodes[index:] if k == len(lines) else []
                index += self.apply(kv, number, following)
                self.link_of(kv, node)
                first = False
                continue
            writer = match_writer_line(line)
            if writer is not None:
                if self.current is not None or self.pending is not None:
                    self.draft_for_field(number, opens=False).writer = writer
                continue
            if first and self.pending is not None and not node.item and self.pending_is_previous(node):
                byline = match_byline(line)
                if byline is not None:
                    self.byline(byline, number)
                    first = False
                    continue
            if self.current is not None and self.current.authors is not None and not text_lines:
                venue = match_venue_line(line)
                if venue is not None and venue[0] is not None and self.current.venue is None:
                    self.current.venue, self.current.year = venue[0], self.current.year or venue[1]
                    continue
            first = False
            if not _INLINE_FIELD.match(line):  # "status:: read": metadata of a field we do not keep
                text_lines.append(line)
        if text_lines:
            prefix = "- " if node.item else ""
            (self.current.summary if self.current is not None else self.loose).append(prefix + " ".join(text_lines))
        return index

    def opens_note(self, node: Node, index: int) -> bool:
        """The document's first block is a title line with an author line under it (in the same
        paragraph or the next): "Attention Is All You Need" then "Ashish Vaswani, Noam Shazeer, ..."."""
        if self.drafts or self.pending is not None or node.item or self.nodes[0] is not node:
            return False
        if len(node.lines) >= 2:
            author_line, after = node.lines[1][1], node.lines[2:]
        elif index < len(self.nodes) and self.nodes[index].kind == "paragraph" and not self.nodes[index].item:
            author_line, after = self.nodes[index].lines[0][1], self.nodes[index].lines[1:]
        else:
            return False
        title = node.lines[0][1]
        if match_key_value(title) is not None or refuse_title(title) is not None or len(title.split()) > 30:
            return False
        following = [t for _, t in after[:3]] + [t for n in self.nodes[index:index + 3] for _, t in n.lines[:2]]
        if any(VENUE_LINE.match(t) for t in following):
            return False  # a ShortScience entry: the prose reader knows its furniture
        return match_byline(author_line) is not None

    def link_of(self, kv: KeyValue, node: Node) -> None:
        """The url behind a keyed value written as a link ("URL: [arXiv](...)", "Paper: [Title](...)")."""
        if self.current is None or self.current.link or not node.links or kv.field not in {"title", "link"}:
            return
        for text, url in node.links:
            if text and text in kv.value and url.startswith(("http://", "https://")):
                self.current.link = url
                return

    def pending_is_previous(self, node: Node) -> bool:
        assert self.pending is not None
        position = self.nodes.index(node)
        return position > 0 and self.nodes[position - 1] is self.pending

    def table(self, start: int) -> int:
        """A table of keys and values, or a table with a row per paper under a header of keys."""
        rows = []
        index = start
        table_id = self.nodes[start].table
        while index < len(self.nodes) and self.nodes[index].kind == "row" and self.nodes[index].table == table_id:
            rows.append(self.nodes[index])
            index += 1
        header = rows[0] if rows and rows[0].header else None
        columns = [field_of(cell) for cell in header.cells] if header else []
        if header and "title" in columns and sum(1 for c in columns if c) >= 2:
            for row in rows[1:]:
                fields = dict(zip(columns, row.cells, strict=False))
                if not fields.get("title"):
                    continue
                self.strong = True
                draft = self.open(row.line)
                draft.set_title(fields["title"], row.line)
                draft.title_keyed = True
                link_cells = [url for _text, url in row.links]
                for name, value in fields.items():
                    if name and name not in {"title", "summary"}:
                        self.set_field(draft, name, value, row.line)
                    elif name == "summary" and value:
                        draft.summary.append(value)
                if link_cells and draft.link is None:
                    draft.link = link_cells[0]
            self.current = None
            return index
        for row in rows:
            if len(row.cells) < 2:
                continue
            name = field_of(row.cells[0])
            if name is None or not row.cells[1]:
                continue
            value = row.links[0][1] if name == "link" and row.links else row.cells[1]
            self.apply(KeyValue(name, row.cells[0], value), row.line, [])
        return index

    def front_matter(self, node: Node) -> None:
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
                while k < len(lines) and _YAML_ITEM.match(lines[k]):
                    items.append(_YAML_ITEM.match(lines[k]).group("value").strip(" \"'"))  # type: ignore[union-attr]
                    k += 1
                value = "; ".join(items)
            value = value.strip().strip("\"'")
            if value.startswith("[") and value.endswith("]") and kv.field in {"authors", "topics"}:
                value = "; ".join(v.strip(" \"'") for v in value[1:-1].split(","))
            self.apply(KeyValue(kv.field, kv.key, value), node.line + k, [])

    # -- output ---------------------------------------------------------------------------------
    def merge_bibtex(self, out: list[PaperRecord]) -> list[PaperRecord]:
        """The note's papers with what its BibTeX says: a paper of the same title gains the entry's fields;
        a note of one paper and one entry is that entry's paper (the entry's title is the exact one); any
        other entry is a paper of its own, with the note's loose text as its summary."""
        if not self.bib:
            return out
        by_title = {fold(r.title): r for r in out}
        for entry in self.bib:
            mine = by_title.get(fold(entry.title))
            if mine is None and len(out) == 1 and len(self.bib) == 1 and not out[0].authors:
                mine = out[0]
                mine.title, mine.line = entry.title, entry.line
            if mine is None:
                entry.summary = entry.summary or "\n\n".join(self.loose)
                out.append(entry)
                continue
            if not mine.authors:
                mine.authors, mine.authors_incomplete = entry.authors, entry.authors_incomplete
            mine.venue = mine.venue or entry.venue
            mine.year = mine.year or entry.year
            mine.link = mine.link or entry.link
            mine.topics = mine.topics or entry.topics
            mine.arxiv_id = mine.arxiv_id or entry.arxiv_id
            mine.doi = mine.doi or entry.doi
            mine.summary = mine.summary or entry.summary
        return out

    def records(self) -> list[PaperRecord]:
        out: list[PaperRecord] = []
        for draft in self.drafts:
            if not draft.title:
                if draft.authors is not None or draft.link:
                    self.problems.append(Problem(self.source, draft.line, "paper fields without a title; skipped"))
                continue
            reason = refuse_title(draft.title)
            if reason is not None:
                self.problems.append(Problem(self.source, draft.title_line or draft.line,
                                             f"not a paper title ({reason}): {draft.title[:80]!r}"))
                continue
            authors = draft.authors or AuthorList([])
            out.append(PaperRecord(title=draft.title, authors=list(authors.names), venue=draft.venue,
                                   year=draft.year, topics=draft.topics, summary="\n\n".join(draft.summary),
                                   source=self.source, line=draft.title_line or draft.line, link=draft.link,
                                   writer=draft.writer, authors_incomplete=authors.incomplete))
        return self.merge_bibtex(out)


def assemble_notes(nodes: list[Node], source: str, text: str = "") -> NoteResult:
    """Papers named by the structure of a note (or of several notes in one file)."""
    reader = _Reader(nodes, source, (text or "").split("\n"))
    reader.run()
    records = reader.records() if reader.strong else []
    return NoteResult(records, reader.problems if reader.strong else [], reader.strong, _title_only(nodes, source))


def _title_only(nodes: list[Node], source: str) -> PaperRecord | None:
    """A note's lone title: its first heading, or a first line that is one link."""
    for node in nodes:
        if node.kind == "front_matter":
            continue
        if node.kind == "heading" or (node.kind == "paragraph" and node.whole_link and len(node.lines) == 1):
            title = node.links[0][0] if node.kind == "paragraph" else node.text
            summary = "\n\n".join(" ".join(t for _, t in n.lines) for n in nodes
                                  if n is not node and n.kind == "paragraph")
            writer = next((w for n in nodes if n.kind == "paragraph" for _, t in n.lines
                           if (w := match_writer_line(t))), None)
            draft = _Draft(line=node.line)
            draft.set_heading_title(title, node.line)
            return PaperRecord(title=draft.title, source=source, line=node.line, link=_heading_link(node, draft.title),
                               summary=summary, writer=writer, venue=draft.venue, year=draft.year)
        return None
    return None


def _values_below(nodes: list[Node]) -> list[str]:
    """The list items right after a key with no value ("**Authors:**" then "- A", "- B")."""
    items: list[str] = []
    for node in nodes:
        if node.kind != "paragraph" or not node.item or match_key_value(node.lines[0][1]) is not None:
            break
        items.append(" ".join(t for _, t in node.lines))
    return items


def looks_like_bibtex(text: str) -> bool:
    """Whether `text` opens a BibTeX entry (`@article{key,`), without importing the BibTeX parser."""
    return any(m.group(1).casefold() not in {"comment", "preamble", "string"} for m in _ENTRY_START.finditer(text))


def _heading_link(node: Node, title: str) -> str | None:
    """The url of a heading that is a link, or whose title is a link ("# [Title](url) [arXiv 2017]")."""
    if node.whole_link:
        return node.whole_link
    return next((url for text, url in node.links if " ".join(text.split()) == title), None)


def _adjacent(a: Node, b: Node) -> bool:
    return b.line - (a.end or a.line) <= 1


def _link(value: str) -> str | None:
    value = value.strip().strip("<>")
    url = _URL.search(value)
    if url:
        return url.group(0).rstrip(").,>")
    arxiv = _ARXIV_ID.match(value)
    if arxiv:
        return f"https://arxiv.org/abs/{arxiv.group(1)}"
    return web_link(value)  # a bare "arxiv.org/abs/..." mended; text that is no link ("[arXiv](...)") is none
