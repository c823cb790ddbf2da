"""The note reader's line rules, in the order they are tried on each line of a paragraph (`LINE_RULES`): a
field, a writer line, an author line under a title heading, a venue line, metadata, and the summary's text.

A rule is given the reader (store.ingest.readings.notes.reader), the paragraph being read (`Lines`), the
line's number and its text; it returns whether it took the line. The node rules
(store.ingest.readings.notes.rules) hand each paragraph here (`read_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from store.ingest.readings.fields.authors import AuthorList
from store.ingest.readings.fields.byline import Byline, match_byline, match_venue_line
from store.ingest.readings.fields.chrome import literal_key, summary_text
from store.ingest.readings.fields.keyvalue import KeyValue, match_key_value
from store.ingest.readings.fields.people import is_placeholder, venue_in
from store.ingest.readings.fields.writer import match_writer_line
from store.ingest.readings.notes.reader import NoteReader
from store.ingest.structure.markdown import Node

_DASH = re.compile(r"\s+([-–—])\s+")
_INLINE_FIELD = re.compile(r"^[^\W\d_][\w -]{0,30}::\s")


@dataclass(slots=True)
class Lines:
    """A paragraph's lines as they are read: which comes next, and the text kept for the summary."""

    node: Node
    lines: list[tuple[int, str]]
    index: int  # the next node after the paragraph (a field's list of values moves it on)
    k: int = 0  # the next line
    first: bool = True  # nothing read yet but writer and venue lines
    text: list[str] = field(default_factory=list)


LineRule = Callable[[NoteReader, Lines, int, str], bool]  # (reader, paragraph, line number, line) -> took it


def _key_value_line(r: NoteReader, p: Lines, number: int, line: str) -> bool:
    """A field: "Title: X", "- **Authors:** A, B", "**Authors:**" with the names on the next line."""
    kv = match_key_value(line)
    if kv is None:
        return False
    if not kv.value and p.k < len(p.lines) and match_key_value(p.lines[p.k][1]) is None:
        kv = KeyValue(kv.field, kv.key, p.lines[p.k][1])
        p.k += 1
    if kv.field == "summary":  # a summary wraps: the paragraph's lines up to the next field are all of it
        while p.k < len(p.lines) and match_key_value(p.lines[p.k][1]) is None:
            kv = KeyValue(kv.field, kv.key, f"{kv.value} {p.lines[p.k][1].strip()}".strip())
            p.k += 1
    following = r.nodes[p.index:] if p.k == len(p.lines) else []
    p.index += r.apply(kv, number, following)
    _link_of(r, kv, p.node)
    p.first = False
    return True


def _link_of(r: NoteReader, kv: KeyValue, node: Node) -> None:
    """The url behind a keyed value written as a link ("URL: [arXiv](...)", "Paper: [Title](...)")."""
    if r.current is None or r.current.link or not node.links or kv.field not in {"title", "link"}:
        return
    for text, url in node.links:
        if text and text in kv.value and url.startswith(("http://", "https://")):
            r.current.link = url
            return


def _writer_line(r: NoteReader, p: Lines, number: int, line: str) -> bool:
    """"Summarized by X": the writer of the paper read so far (before any paper: of the whole note)."""
    writer = match_writer_line(line)
    if writer is None:
        return False
    r.writer(writer, number)
    return True


def _byline_line(r: NoteReader, p: Lines, number: int, line: str) -> bool:
    """An author line right under a title heading."""
    if not p.first or r.pending is None or p.node.item or not _follows_pending(r, p.node):
        return False
    byline = match_byline(line) or _placeholder_line(line, p)
    if byline is None:
        return False
    r.byline(byline, number)
    p.first = False
    return True


def _placeholder_line(line: str, p: Lines) -> Byline | None:
    """A paragraph of one placeholder under a title heading ("TBD", "*N/A* — ICLR 2014"): the author line,
    naming no one (and the venue it ends with)."""
    if len(p.lines) != 1:
        return None
    parts = _DASH.split(line, maxsplit=1)  # [value] or [value, dash, tail]
    value, tail = parts[0].strip(" *_"), parts[-1].strip(" *_") if len(parts) == 3 else ""
    venue = venue_in(tail) if tail else (None, None)
    if not is_placeholder(value) or venue is None:
        return None
    return Byline(AuthorList([], rejected=((value, "a placeholder"),)), venue[0], venue[1])


def _follows_pending(r: NoteReader, node: Node) -> bool:
    position = r.nodes.index(node)
    return position > 0 and r.nodes[position - 1] is r.pending


def _venue_line(r: NoteReader, p: Lines, _number: int, line: str) -> bool:
    """"ICLR 2022" right after the authors: the paper's venue."""
    if r.current is None or r.current.authors is None or p.text or r.current.venue is not None:
        return False
    venue = match_venue_line(line)
    if venue is None or venue[0] is None:
        return False
    r.current.venue, r.current.year = venue[0], r.current.year or venue[1]
    return True


def _inline_field_line(r: NoteReader, p: Lines, number: int, line: str) -> bool:
    """Metadata ("status:: read", Notion's "Created: November 3, 2023 4:12 PM"), an Obsidian callout's header
    ("[!abstract]") or bare markup ("**"): never the summary's; a line with an unclosed "**" is, without it;
    "**Summary:**The text", whose bold Markdown left as written, is the field it names."""
    keyed = literal_key(line)
    if keyed is not None and _key_value_line(r, p, number, keyed):
        return True
    kept = None if _INLINE_FIELD.match(line) else summary_text(keyed or line)
    if kept == line.strip():
        return False
    p.first = False
    p.text.extend([kept] if kept else [])
    return True


def _text_line(_r: NoteReader, p: Lines, _number: int, line: str) -> bool:
    """Anything else is the summary's."""
    p.first = False
    p.text.append(line)
    return True


LINE_RULES: tuple[LineRule, ...] = (_key_value_line, _writer_line, _byline_line, _venue_line, _inline_field_line,
                                    _text_line)


def read_lines(r: NoteReader, node: Node, lines: list[tuple[int, str]], index: int) -> int:
    p = Lines(node, lines, index)
    while p.k < len(p.lines):
        number, line = p.lines[p.k]
        p.k += 1
        next(rule for rule in LINE_RULES if rule(r, p, number, line))
    if p.text:
        prefix = "- " if node.item else ""
        (r.current.summary if r.current is not None else r.loose).append(prefix + " ".join(p.text))
    return p.index
