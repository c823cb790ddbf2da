"""Reference lines in APA style, as Zotero, Mendeley and Google Scholar copy a citation into a reading list:

    Vaswani, A., Shazeer, N., & Polosukhin, I. (2017). Attention is all you need. *Advances in Neural
    Information Processing Systems*, 30.        (one line in the note)
    - Kingma, D. P., & Ba, J. (2014). Adam: A method for stochastic optimization. arXiv:1412.6980.

The authors "Surname, I." separated by commas, "&" or "and", the year in parentheses, the title up to
its full stop, then where it appeared: a known venue ("NeurIPS", "Nature") and the link (a URL in the
line, else its arXiv id's page or its DOI's). Every author must be such a pair, so a sentence with a year
in parentheses is never taken for a reference.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.venues import find_venue, known_venue
from store.ingest.readings.shapes.shape import PaperLine, Shape
from store.text.identifiers import arxiv_id, doi
from store.text.names import display_name

_BULLET = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+)")
_REFERENCE = re.compile(r"^(?P<authors>[^()]{2,1500}?)\s*\((?P<year>(?:19|20)\d\d)[a-z]?(?:,[^()]{1,30})?\)\.\s+"
                        r"(?P<title>[*_]*\w.*?[.?!][*_]*)(?=\s|$)\s*(?P<rest>.*)$")
_AUTHOR_SEPARATOR = re.compile(r",|&|\band\b")
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.[\s-]*)+$")  # "A.", "A. N.", "J.-P.", "Ł."
_URL = re.compile(r"https?://\S+")


def match_reference(line: str) -> PaperLine | None:
    """The paper an APA reference line cites, or None when the line is anything else."""
    m = _REFERENCE.match(_BULLET.sub("", line.strip(), count=1))
    if m is None:
        return None
    authors = _authors(m.group("authors"))
    title = m.group("title").strip("*_ ")
    title = title[:-1].rstrip("*_ ") if title.endswith(".") else title
    if authors is None or len(title.split()) < 2:
        return None
    rest = m.group("rest")
    return PaperLine(title, authors, _link(rest), _venue(rest), int(m.group("year")))


def _authors(text: str) -> list[str] | None:
    """"Surname, I., Surname, I. J., & Surname, I." as display names; None unless every part pairs."""
    parts = [p.strip() for p in _AUTHOR_SEPARATOR.split(text) if p.strip()]
    if not parts or len(parts) % 2:
        return None
    pairs = list(zip(parts[::2], parts[1::2], strict=True))
    if not all(_INITIALS.match(first) and not _INITIALS.match(last) and len(last.split()) <= 4
               for last, first in pairs):
        return None
    return [display_name(f"{first} {last}") for last, first in pairs]


def _venue(rest: str) -> str | None:
    """A known venue named after the title ("*Advances in Neural Information Processing Systems*, 30")."""
    plain = rest.replace("*", "").replace("_", " ")
    return find_venue(plain)[0] or known_venue(re.sub(r"^In\s+", "", plain.split(",")[0]))


def _link(rest: str) -> str | None:
    url = _URL.search(rest)
    if url:
        return url.group(0).rstrip(".,;)")
    if arxiv := arxiv_id(rest):
        return f"https://arxiv.org/abs/{arxiv}"
    return f"https://doi.org/{found}" if (found := doi(rest)) else None


SHAPE = Shape("APA reference lines", line=match_reference)
