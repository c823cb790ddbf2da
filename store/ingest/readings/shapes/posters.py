"""Poster-board lines: "C12: Paper Title" (a board code, a colon, the title).

A line naming several boards ("C31, C32, C33: I seemed to miss these ...") is the writer's note,
not a paper, and so is a single-board line that trails off ("C5: missed it..."). A poster line may
also carry authors after a dash, in the title-line shape.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.titleline import clean_title, split_title_line
from store.ingest.readings.shapes.shape import PaperLine, Shape

_CODE = r"[A-Z]{1,3}-?\d{1,4}[a-z]?"
_POSTER = re.compile(rf"^[*_\s]*(?P<code>{_CODE})[*_]*\s*:[*_]*\s+(?P<rest>\S.*)$")
_NOTE = re.compile(rf"^[*_\s]*{_CODE}(?:\s*(?:,|&|and|to|-|–)\s*{_CODE})+[*_]*\s*:")
_ELLIPSIS = re.compile(r"(?:\.{2,}|…+)\s*$")
_MAX_WORDS = 35


def is_note(line: str) -> bool:
    """A board-code line that is commentary, not a paper."""
    if _NOTE.match(line):
        return True
    m = _POSTER.match(line)
    return bool(m) and _ELLIPSIS.search(m.group("rest")) is not None


def match_poster(line: str) -> PaperLine | None:
    """The paper of a "C12: Title" line (with authors after a dash, if it gives them)."""
    m = _POSTER.match(line.strip())
    if m is None or is_note(line):
        return None
    rest = m.group("rest").strip()
    with_authors = split_title_line(rest)
    if with_authors:
        return PaperLine(with_authors.title, with_authors.authors, with_authors.link)
    title, link = clean_title(rest)
    words = title.split()
    if not words or len(words) > _MAX_WORDS or not any(ch.isalpha() for ch in title):
        return None
    return PaperLine(title, [], link)


SHAPE = Shape("poster lines (C12: Title)", line=match_poster, aside=is_note)
