"""Headings: Markdown "#" lines, "**bold**" lines and bare short lines that stand alone.

A heading above papers is their topic ("Reinforcement Learning"), except schedule headings
("Monday morning", "Tuesday afternoon:"), page furniture ("About", "Related Articles") and
headings that name a venue ("ICLR 2017 summary"), which set the venue instead.
"""

from __future__ import annotations

import re

from store.ingest.structure.markdown import Block

_MARKDOWN = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD = re.compile(r"^\s*(\*\*|__)(?P<text>[^*_].*?)\1\s*:?\s*$")
_SCHEDULE = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|morning|afternoon|evening|day\s+\d+|day\s+(?:one|two|three|"
    r"four|five)|(?:poster|oral|spotlight)s?(?:\s+session)?|session\s*\d*|keynotes?|workshops?|tutorials?)\b",
    re.IGNORECASE,
)
_FURNITURE = frozenset({
    "about", "about us", "related articles", "related posts", "related", "references", "bibliography",
    "conclusion", "conclusions", "introduction", "summary", "acknowledgements", "acknowledgments",
    "contents", "table of contents", "comments", "share", "share this", "footnotes", "notes", "see also",
    "further reading", "more", "disclaimer", "tags", "categories", "overview", "leave a comment",
})
_MAX_WORDS = 12
_MAX_CHARS = 100


def markdown_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a "## Heading" line."""
    m = _MARKDOWN.match(line)
    if m and m.group(2).strip():
        return len(m.group(1)), m.group(2).strip()
    return None


def heading_text(block: Block) -> str | None:
    """The heading's text if the block is a heading, else None."""
    if len(block.lines) == 2 and re.fullmatch(r"\s*(=+|-+)\s*", block.lines[1]):
        return _tidy(block.lines[0])  # Setext underline
    line = block.single
    if line is None:
        return None
    md = markdown_heading(line)
    if md:
        return _tidy(md[1])
    bold = _BOLD.match(line)
    if bold and len(bold.group("text").split()) <= _MAX_WORDS:
        return _tidy(bold.group("text"))
    if looks_like_bare_heading(line):
        return _tidy(line)
    return None


def looks_like_bare_heading(line: str) -> bool:
    """A short line without sentence punctuation that starts with a capital or a digit."""
    text = line.strip()
    if not text or len(text) > _MAX_CHARS or len(text.split()) > _MAX_WORDS:
        return False
    if text.endswith((".", ",", ";", "!", "|", "…")) or "://" in text:
        return False
    first = text[0]
    return (first.isupper() or first.isdigit()) and any(ch.isalpha() for ch in text)


def is_topic(heading: str) -> bool:
    """Whether papers under this heading take it as their topic."""
    folded = heading.casefold().strip(" :")
    return bool(folded) and folded not in _FURNITURE and not _SCHEDULE.match(folded)


def _tidy(text: str) -> str:
    text = " ".join(text.replace("**", "").replace("__", "").split())
    return text.rstrip(":").strip()
