"""The note reader's state: the papers it has opened, the heading waiting to title one, and how a field
attaches to a paper. The rules that walk a note's nodes (store.ingest.readings.notes.rules) call it.
"""

from __future__ import annotations

import re

from store.ingest.readings.bibtex import parse_bibtex
from store.ingest.readings.fields.authors import AuthorList, parse_authors
from store.ingest.readings.fields.byline import Byline, venue_and_year
from store.ingest.readings.fields.categories import topic_labels
from store.ingest.readings.fields.filetitle import is_file_like, names_paper
from store.ingest.readings.fields.keyvalue import KeyValue
from store.ingest.readings.fields.writer import writer_name
from store.ingest.readings.gate import refuse_title, refused_title
from store.ingest.readings.notes.draft import WIKI, YEAR, Draft, heading_link, link_value, values_below
from store.ingest.records import PaperRecord, Problem, fill_missing
from store.ingest.structure.markdown import Node
from store.text.folding import fold

_LISTED = {"authors", "topics", "title", "link", "venue", "year", "writer"}  # fields whose values may be a list below
_TOPIC_SPLIT = re.compile(r"\s*[,;，；、]\s*|\s+(?=#)")


class NoteReader:
    def __init__(self, nodes: list[Node], source: str, lines: list[str]) -> None:
        self.nodes = nodes
        self.source = source
        self.raw = lines  # the source lines, for BibTeX written bare in a note
        self.bib: list[PaperRecord] = []
        self.loose: list[str] = []  # text outside any paper: the summary of a BibTeX-only note
        self.drafts: list[Draft] = []
        self.current: Draft | None = None
        self.pending: Node | None = None  # the last heading not yet claimed as a title
        self.problems: list[Problem] = []
        self.note_writer: str | None = None  # "Summarized by X" before any paper: every paper's writer
        self.strong = False  # the note carried paper structure: a title or author field, an author line
        self.heading_writer: tuple[Node, str] | None = None  # "Presented by X" under a heading no field has opened
        self.decisions: list[str] = []  # a block's reading passed over for another, and why

    def open(self, line: int, level: int = 0) -> Draft:
        self.current = Draft(line=line, level=level)
        self.drafts.append(self.current)
        return self.current

    def draft_for_field(self, line: int, opens: bool = True) -> Draft:
        """The paper a field belongs to: the current one, or one titled by the pending heading.

        A writer, topics or a summary never open a paper of their own ("* Reviewer notes" then
        ":REVIEWER: X" is the current paper's writer).
        """
        if self.current is not None and not opens and self.current.title:
            return self.current
        if self.current is not None and (self.pending is None or not self.current.title):
            if self.current.title == "" and self.pending is not None:
                self.current.set_heading_title(self.pending.text, self.pending.line)
                self.current.link = self.current.link or heading_link(self.pending, self.current.title)
                self.pending = None
            return self.current
        if self.pending is not None:
            draft = self.open(self.pending.line, self.pending.level)
            if self.heading_writer is not None and self.heading_writer[0] is self.pending:
                draft.writer, self.heading_writer = self.heading_writer[1], None
            draft.set_heading_title(self.pending.text, self.pending.line)
            draft.link = heading_link(self.pending, draft.title)
            self.pending = None
            return draft
        if self.current is not None:
            return self.current
        return self.open(line)

    def apply(self, kv: KeyValue, line: int, following: list[Node]) -> int:
        """Attach one field; returns how many following nodes it consumed (a list of values)."""
        consumed = 0
        value = kv.value
        if not value and kv.field in _LISTED:
            items = values_below(following)
            consumed = len(items)
            value = ("; " if kv.field in {"authors", "topics"} else " ").join(items)
        if kv.field == "title":
            if value:
                self.title_field(value, line)
            return consumed
        if kv.field == "summary":
            if value:
                self.draft_for_field(line, opens=False).summary.append(value)
            return consumed
        if kv.field == "writer":  # "Presented by: X" under a session's heading opens no paper
            name = writer_name(value)
            if name is not None:
                self.writer(name, line)
            return consumed
        draft = self.draft_for_field(line, opens=kv.field != "topics")
        self.set_field(draft, kv.field, value, line)
        return consumed

    def title_field(self, value: str, line: int) -> None:
        """A title field opens a paper, unless the current one has no title field yet (a heading's paper)."""
        self.strong = True
        if self.current is None or self.current.title_keyed:
            self.open(line)
        assert self.current is not None
        self.current.set_clean_title(WIKI.sub(r"\1", value), line)
        self.current.title_keyed = True
        self.pending = None

    def set_field(self, draft: Draft, name: str, value: str, line: int) -> None:
        if name == "authors":
            authors = parse_authors(value)
            if authors is not None:
                self.not_people(authors, line)
                self.strong = True
            if authors is not None and draft.authors is None and (
                    authors.names or authors.incomplete or not authors.rejected):
                draft.authors = authors
                draft.venue = draft.venue or authors.venue
                draft.year = draft.year or authors.year
            elif authors is None and value:
                self.problems.append(Problem(self.source, line, f"author field not read as names: {value[:80]!r}"))
        elif name == "venue" and value:
            venue, year = venue_and_year(value)
            draft.venue = draft.venue or venue
            draft.year = draft.year or year
        elif name == "year":
            m = YEAR.search(value)
            if m:
                draft.year = int(m.group(1))
        elif name == "link":
            draft.link = draft.link or link_value(value)
        elif name == "topics":
            value = WIKI.sub(r"\1", value.strip())
            if len(value) > 1 and value[0] == value[-1] == ":":  # org tags ":nlp:transformers:"
                value = value.strip(":").replace(":", ", ")
            words = [w.strip(" #\"'") for w in _TOPIC_SPLIT.split(value.strip(" []"))]
            draft.topics = topic_labels([w for w in words if w]) or draft.topics
        elif name == "writer":
            draft.writer = draft.writer or writer_name(value)

    def writer(self, writer: str, line: int) -> None:
        """A writer line: the paper read so far (or under the pending heading) has it, else the whole note."""
        if self.current is not None:
            draft = self.draft_for_field(line, opens=False)
            draft.writer = draft.writer or writer
        elif self.pending is not None:  # the heading's paper, if its fields follow; else a session's presenter
            if self.heading_writer is None or self.heading_writer[0] is not self.pending:
                if self.heading_writer is not None:  # an earlier heading's, whose paper never came: the note's
                    self.note_writer = self.note_writer or self.heading_writer[1]
                self.heading_writer = (self.pending, writer)
        else:
            self.note_writer = self.note_writer or writer

    def not_people(self, authors: AuthorList, line: int) -> None:
        """Report what an author list held that is not a person; say so when nothing else was there."""
        for value, why in authors.rejected:
            self.problems.append(Problem(self.source, line, f"not an author ({why}): {value[:80]!r}"))
        if authors.rejected and not authors.names:
            self.problems.append(Problem(self.source, line, "author field names no person; no authors"))

    def byline(self, byline: Byline, line: int) -> None:
        self.not_people(byline.authors, line)
        draft = self.draft_for_field(line)
        if draft.authors is None:
            draft.authors = byline.authors
        draft.venue = draft.venue or byline.venue
        draft.year = draft.year or byline.year
        self.strong = True

    def bibtex(self, text: str, line: int) -> None:
        """A BibTeX block in the note (fenced or bare): its entries are papers, merged with the note's own."""
        parsed = parse_bibtex(text, self.source, first_line=line)
        self.bib.extend(parsed.records)
        self.problems.extend(parsed.problems)
        if parsed.records:
            self.strong = True

    def records(self) -> list[PaperRecord]:
        """The papers drafted, each title past the gate, with what the note's BibTeX says about them."""
        out: list[PaperRecord] = []
        if self.heading_writer is not None:  # no paper's fields followed its heading: the writer of the note
            self.note_writer = self.note_writer or self.heading_writer[1]
        for draft in self.papers():
            if not draft.title:
                if draft.authors is not None or draft.link:
                    self.problems.append(Problem(self.source, draft.line, "paper fields without a title; skipped"))
                continue
            reason = refuse_title(draft.title)
            if reason is not None:
                self.problems.append(refused_title(self.source, draft.title_line or draft.line, draft.title, reason))
                continue
            authors = draft.authors or AuthorList([])
            out.append(PaperRecord(title=draft.title, authors=list(authors.names), venue=draft.venue,
                                   year=draft.year, topics=draft.topics, summary="\n\n".join(draft.summary),
                                   source=self.source, line=draft.title_line or draft.line, link=draft.link,
                                   writer=draft.writer or self.note_writer, authors_incomplete=authors.incomplete))
        return self.merge_bibtex(out)

    def papers(self) -> list[Draft]:
        """The drafts without the file's own title: a first draft that heads the papers after it (a field
        at the top, or a heading above theirs) and reads as a file's (a meeting, a list, notes; no authors
        where they have some; their title inside a longer phrase). Its lone author or its writer wrote the
        file, and so each paper's summary."""
        titled = [d for d in self.drafts if d.title]
        if len(titled) < 2:
            return self.drafts
        head, rest = titled[0], titled[1:]
        heads = (head.level == 0 and head.line < rest[0].line) or 0 < head.level < min(d.level or 7 for d in rest)
        if not heads or not _reads_as_file(head, rest):
            return self.drafts
        self.decisions.append(f"line {head.title_line or head.line}: {head.title[:60]!r} is the file's own title "
                              f"(it heads {len(rest)} papers), not a paper")
        named = head.authors.names if head.authors is not None else []
        self.note_writer = self.note_writer or head.writer or (named[0] if len(named) == 1 else None)
        return [d for d in self.drafts if d is not head]

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
            if not mine.authors:  # the entry's list, even an empty one with "and others", as notes always took it
                mine.authors, mine.authors_incomplete = list(entry.authors), entry.authors_incomplete
            fill_missing(mine, entry)
            mine.topics = mine.topics or entry.topics
            mine.summary = mine.summary or entry.summary
        return out


def _reads_as_file(head: Draft, rest: list[Draft]) -> bool:
    """Whether a draft that heads others is the file's title rather than a paper."""
    if is_file_like(head.title) or any(names_paper(head.title, d.title) for d in rest):
        return True
    return (head.authors is None or not head.authors.names) and any(d.authors and d.authors.names for d in rest)
