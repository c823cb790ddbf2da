"""Bare author lines under a title, which may end with the venue and year, and venue lines.

    Ashish Vaswani, Noam Shazeer and Niki Parmar, NeurIPS 2017
    Ting Chen, Simon Kornblith - ICML 2020 Oral
    by Jonathan Frankle & Michael Carbin (ICLR 2019)
    *Kingma, Welling* — ICLR 2014  (surnames only: the dash and the venue, or "et al.", say it is a byline)
    ICLR 2022                      (a line of its own, once "**ICLR** **2022**")

Nothing here has a key saying "these are authors", so every name must look like a person's name
(store.ingest.readings.fields.authors, strict), and the venue must be a known one. Surnames alone
("Kingma, Welling", "Goodfellow et al.") are names only where the line's shape says so; there two single
words are two people, not one person written "Last, First".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.ingest.readings.fields.authors import AuthorList, clean_author_text, parse_authors
from store.ingest.readings.fields.people import not_a_person
from store.ingest.readings.fields.venues import find_venue, find_year, known_venue, short_venue, short_venue_any_case

_SEPARATOR = re.compile(r"\s*[,.;|·]\s*|\s+[-–—]\s+|\s*(?=[(\[])|\s+")
_VENUE_ONLY = re.compile(
    r"^[(\[]?\s*(?P<venue>[A-Za-z][\w&@'’ .-]{0,80}?)?\s*['’]?(?P<year>(?:19|20)\d\d)\b"
    r"(?P<extra>\s*(?:oral|spotlight|poster|workshop|best paper(?: award)?|(?:long|short|main|findings)"
    r"(?: paper| track)?|\(\w+\)))*\s*[)\].]?\s*$", re.IGNORECASE)
_BY = re.compile(r"^(?:by|von|par|por)\s+", re.IGNORECASE)
_SURNAME_SPLIT = re.compile(r"\s*(?:,|\band\b)\s*")
_SEMICOLON_SPLIT = re.compile(r"\s*(?:;|\band\b)\s*")  # "Devlin, Jacob; Chang, Ming-Wei": the comma is inside a name
_SURNAME = re.compile(r"^(?:(?:van|von|de|da|di|del|der|den|le|la|du|dos|ten|ter)\s+)*[^\W\d_]+(?:['’-][^\W\d_]+)*$")
_MAX_SURNAMES = 12
_ENDS_IN_INITIAL = re.compile(r"(?:^|[\s.-])[^\W\d_]$")  # "C. S", "Jeff E", "J.-P"


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
        head = _head(text, sep)
        authors = surnames(head) or parse_authors(head, strict=True)
        if authors is not None and authors.names:
            return Byline(authors, tail[0] or authors.venue, tail[1] or authors.year)
    authors = parse_authors(text, strict=True)
    if authors is None or not authors.names:
        authors = surnames(text, alone=True)
    if authors is not None and authors.names:
        return Byline(authors, authors.venue, authors.year)
    return None


def _head(text: str, sep: re.Match[str]) -> str:
    """The names before a separator; a full stop that closes an initial is the initial's, not the separator's
    ("Adams, C. S. - neurips 2020" keeps "C. S.")."""
    head = text[:sep.start()]
    if sep.group().lstrip().startswith(".") and _ENDS_IN_INITIAL.search(head):
        return head + "."
    return head


def surnames(text: str, *, alone: bool = False) -> AuthorList | None:
    """Surnames only ("Kingma, Welling", "Kingma & Welling", "Goodfellow et al."), each as written, or None.

    Two or more capitalised single words (a particle may lead: "van Gogh"), or one closed by "et al.";
    `alone`: the line has no venue after it, so only "et al." says these are authors.
    """
    cleaned, incomplete = clean_author_text(text.strip(" *_"))
    parts = [p for p in (_SEMICOLON_SPLIT if ";" in cleaned else _SURNAME_SPLIT).split(cleaned) if p]
    if not parts or len(parts) > _MAX_SURNAMES or ((len(parts) < 2 or alone) and not incomplete):
        return None
    for part in parts:
        last = part.split()[-1]
        if not _SURNAME.match(part) or not last[:1].isupper() or last.isupper() or len(last) < 2:
            return None
        if not_a_person(part) is not None:
            return None
    return AuthorList(parts, incomplete)


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
