"""Reference lines in APA style, as Zotero, Mendeley and Google Scholar copy a citation into a reading list:

    Vaswani, A., Shazeer, N., & Polosukhin, I. (2017). Attention is all you need. *Advances in Neural
    Information Processing Systems*, 30.        (one line in the note)
    - Kingma, D. P., & Ba, J. (2014). Adam: A method for stochastic optimization. arXiv:1412.6980.

The authors "Surname, I." separated by commas, "&" or "and", the year in parentheses, the title up to
its full stop, then where it appeared: a known venue ("NeurIPS", "Nature") and the link (a URL in the
line, else its DOI's page or its arXiv id's). Every author must be such a pair, so a sentence with a year
in parentheses is never taken for a reference. The shape defers (`Shape.defers`): it came after the others
and never takes a paper from them (a paragraph that names papers inline is not a reference's summary).
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.authors import apa_pairs
from store.ingest.readings.fields.references import clean
from store.ingest.readings.fields.venues import find_venue, known_venue
from store.ingest.readings.shapes.shape import PaperLine, Shape
from store.text.identifiers import arxiv_id, doi, link_for

_REFERENCE = re.compile(r"^(?P<authors>[^()]{2,1500}?)\s*\((?P<year>(?:19|20)\d\d)[a-z]?(?:,[^()]{1,30})?\)\.\s+"
                        r"(?P<title>[*_]*\w.*?[.?!][*_]*)(?=\s|$)\s*(?P<rest>.*)$")
_URL = re.compile(r"https?://\S+")
_ETAL = re.compile(r"\bet\s+al\b|\band\s+others\b|\b(?:u\.\s?a|et\s+autres|y\s+otros)\.|等", re.IGNORECASE)
_TAIL = re.compile(r"\s*\((?:arxiv:[^()]*|\d+(?:st|nd|rd|th) ed\.?)\)?$", re.IGNORECASE)


def match_reference(line: str) -> PaperLine | None:
    """The paper an APA reference line cites, or None when the line is anything else."""
    if line.lstrip().startswith("#"):  # a heading is a heading
        return None
    m = _REFERENCE.match(clean(line))  # without its bullet, task box, symbols, and the Markdown around it
    if m is None:
        return None
    authors = apa_pairs(m.group("authors"), min_pairs=1)
    title = m.group("title").strip("*_ ")
    title = title[:-1].rstrip("*_ ") if title.endswith(".") else title
    title = _TAIL.sub("", title)  # "... nucleon (ArXiv:0704.0200). arXiv." as Zotero writes a preprint
    if authors is None or len(title.split()) < 2:
        return None
    rest = m.group("rest")
    etal = _ETAL.search(m.group("authors")) is not None
    link = _link(rest) or _link(line)  # a link around the whole reference ("[He, K. ... In CVPR.](url)")
    return PaperLine(title, authors, link, _venue(rest), int(m.group("year")), incomplete=etal)


def _venue(rest: str) -> str | None:
    """A known venue named after the title ("*Advances in Neural Information Processing Systems*, 30", "In CVPR.")."""
    plain = rest.replace("*", "").replace("_", " ")
    return find_venue(plain)[0] or known_venue(re.sub(r"^In:?\s+", "", plain.split(",")[0]).rstrip(". "))


def _link(rest: str) -> str | None:
    """A URL after the title, else the page of its DOI or arXiv id."""
    url = _URL.search(rest)
    return url.group(0).rstrip(".,;)") if url else link_for(arxiv_id(rest), doi(rest))


SHAPE = Shape("APA reference lines", line=match_reference, defers=True)
