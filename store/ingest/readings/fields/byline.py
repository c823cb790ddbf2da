"""Bare author lines under a title, which may end with the venue and year, and venue lines.

    Ashish Vaswani, Noam Shazeer and Niki Parmar, NeurIPS 2017
    Ting Chen, Simon Kornblith - ICML 2020 Oral
    by Jonathan Frankle & Michael Carbin (ICLR 2019)
    ICLR 2022                      (a line of its own, once "**ICLR** **2022**")

Nothing here has a key saying "these are authors", so every name must look like a person's name
(store.ingest.readings.fields.authors, strict), and the venue must be a known one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.ingest.readings.fields.authors import AuthorList, parse_authors
from store.ingest.readings.fields.venues import find_venue, find_year, known_venue, short_venue, short_venue_any_case

_SEPARATOR = re.compile(r"\s*[,.;|·]\s*|\s+[-–—]\s+|\s*(?=[(\[])|\s+")
_VENUE_ONLY = re.compile(
    r"^[(\[]?\s*(?P<venue>[A-Za-z][\w&@'’ .-]{0,80}?)?\s*['’]?(?P<year>(?:19|20)\d\d)\b"
    r"(?P<extra>\s*(?:oral|spotlight|poster|workshop|best paper(?: award)?|(?:long|short|main|findings)"
    r"(?: paper| track)?|\(\w+\)))*\s*[)\].]?\s*$", re.IGNORECASE)
_BY = re.compile(r"^(?:by|von|par|por)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Byline:
    authors: AuthorList
    venue: str | None = None
    year: int | None = None


def match_byline(text: str) -> Byline | None:
    """An author line (optionally ending with venue and year), or None."""
    text = _BY.sub("", " ".join(text.split()))
    if not text or len(text) > 1500:
        return None
    for sep in _SEPARATOR.finditer(text):
        if sep.start() == 0:
            continue
        tail = match_venue_line(text[sep.end():].lstrip(" -–—,;|·"))
        if tail is None:
            continue
        authors = parse_authors(text[:sep.start()], strict=True)
        if authors is not None and authors.names:
            return Byline(authors, tail[0] or authors.venue, tail[1] or authors.year)
    authors = parse_authors(text, strict=True)
    if authors is not None and authors.names:
        return Byline(authors, authors.venue, authors.year)
    return None


def match_venue_line(text: str) -> tuple[str | None, int] | None:
    """A line that is only a venue and year ("ICLR 2022", "(NeurIPS 2020, Oral)"), or only a year."""
    text = " ".join(text.replace(",", " ").split())
    m = _VENUE_ONLY.match(text)
    if m is None:
        return None
    if not m.group("venue"):
        return None, int(m.group("year"))
    venue = known_venue(m.group("venue")) or short_venue_any_case(m.group("venue").strip(" .,;:-()"))
    return (venue, int(m.group("year"))) if venue else None


def venue_and_year(value: str) -> tuple[str | None, int | None]:
    """A keyed venue value ("NeurIPS 2017", "International Conference on Machine Learning")."""
    venue, year = find_venue(value)
    if venue is None:
        cleaned = re.sub(r"\s*['’]?(?:19|20)\d\d\b.*$", "", value).strip(" ,.-()")
        venue = short_venue(cleaned) if cleaned else None
    return venue, year or find_year(value)
