"""A title with its authors after a dash: "Paper Title – Author One, Author Two".

The dash may be an en or em dash, with or without spaces ("Parameter Sharing–Hieu Pham"), or a
spaced hyphen. Titles contain dashes and hyphens too, so every dash is tried from the left and the
first split whose right side is nothing but people's names wins. The title-list shape reads such lines,
and so does a poster line that gives its authors ("C12: Title – Authors").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from store.ingest.readings.fields.listitems import without_bullet
from store.ingest.readings.fields.namelists import parse_name_list

_SEPARATORS = re.compile(r"\s*[–—]\s*|\s+--?\s+")
_MD_LINK = re.compile(r"^\[(?P<text>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)$")
_MAX_CHARS = 1500


class TitleLine(NamedTuple):
    title: str
    authors: list[str]
    link: str | None


def split_title_line(line: str) -> TitleLine | None:
    """Split "Title – Names" or return None when the line is anything else."""
    line = without_bullet(line).strip()
    if not line or len(line) > _MAX_CHARS or line.startswith("#"):
        return None
    for sep in _SEPARATORS.finditer(line):
        left, right = line[:sep.start()], line[sep.end():]
        title, link = clean_title(left)
        if not _title_shaped(title):
            continue
        names = parse_name_list(right.strip().strip("*_"))
        if names:
            return TitleLine(title, names, link)
    return None


def clean_title(raw: str) -> tuple[str, str | None]:
    """Strip emphasis and quotes; unwrap a Markdown link into (text, url)."""
    title = " ".join(raw.split()).strip()
    for _ in range(2):
        title = title.strip("*_ ")
        if len(title) > 1 and title[0] in "\"“‘" and title[-1] in "\"”’":
            title = title[1:-1].strip()
    link = None
    m = _MD_LINK.match(title)
    if m:
        title, link = m.group("text").strip().strip("*_ "), m.group("url")
    return title, link


def _title_shaped(title: str) -> bool:
    words = title.split()
    if not words or len(words) > 40 or not words[0][:1].isalnum():
        return False
    if title.endswith((".", ",", ";")) and not title.endswith("..."):
        return False
    if len(words) == 1:
        return sum(ch.isupper() for ch in title) >= 2
    return True
