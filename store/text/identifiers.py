"""A paper's identifiers in text: arXiv id, DOI, OpenReview id; and whether typed text names one.

The one reader of identifiers, for a note's links and fields, a BibTeX entry, arXiv metadata and what a
member types in a paper field. Two notes that link the same arXiv abstract are about one paper whatever
they call it ("ResNet", "Deep Residual Learning for Image Recognition"), so identifiers are normalised
to one spelling each: the arXiv id without its version ("1512.03385", "hep-th/9901001"), the DOI in
lower case without its resolver ("10.1109/cvpr.2016.90"; arXiv's own DOIs "10.48550/arXiv.X" give the
arXiv id X), the OpenReview forum id as written (it is case-sensitive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ARXIV_ABSTRACT", "Identity", "arxiv_id", "doi", "identify", "is_arxiv_id", "is_link", "link_for",
           "names_an_identifier", "openreview_id", "typed_arxiv_id"]

ARXIV_ABSTRACT = "https://arxiv.org/abs/"  # + an id: the paper's abstract page, the one link made for an id

_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_ID = rf"(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?"
_ARXIV_LINK = re.compile(
    r"(?:arxiv\.org|alphaxiv\.org|huggingface\.co/papers|arxiv-export\d?\.library\.cornell\.edu)"
    rf"/(?:(?:abs|pdf|html|format|overview|ps)/)?{_ARXIV_ID}(?![\d])", re.IGNORECASE)
_ARXIV_TEXT = re.compile(rf"\barxiv\s*[:/]?\s*{_ARXIV_ID}(?![\d])", re.IGNORECASE)
_ARXIV_BARE = re.compile(rf"^\s*{_ARXIV_ID}\s*$")
_ARXIV_WITHIN = re.compile(rf"(?<![\d.])(?P<id>{_ARXIV_NEW})(?:v\d+)?(?!\d)")
_ARXIV_ONLY = re.compile(rf"{_ARXIV_NEW}|{_ARXIV_OLD}")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>{}]+)", re.IGNORECASE)
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.{_ARXIV_ID}$", re.IGNORECASE)
_OPENREVIEW = re.compile(r"openreview\.net/(?:forum|pdf|attachment)/?\?(?:[^#\s]*&)?id=([A-Za-z0-9_-]+)",
                         re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Identity:
    arxiv_id: str | None = None
    doi: str | None = None
    openreview_id: str | None = None


def arxiv_id(text: str | None, *, bare: bool = False) -> str | None:
    """The arXiv id in a link or an "arXiv:ID" mention; with `bare`, also a field holding just an id."""
    if not text:
        return None
    m = _ARXIV_LINK.search(text) or _ARXIV_TEXT.search(text) or (_ARXIV_BARE.match(text) if bare else None)
    if m is None:
        doi_id = doi(text)
        m = _ARXIV_DOI.match(doi_id) if doi_id else None
    return m.group("id") if m else None


def is_arxiv_id(text: str) -> bool:
    """Whether `text` is an arXiv id in its one spelling (no version), as `arxiv_id` gives it."""
    return _ARXIV_ONLY.fullmatch(text) is not None


def doi(text: str | None) -> str | None:
    """The DOI in a doi.org / dx.doi.org link, a "doi:" mention or a DOI field, lower-case."""
    if not text:
        return None
    m = _DOI.search(text)
    if m is None:
        return None
    value = m.group(1).rstrip(".,;:)]")
    if value.lower().endswith((".pdf", "/abstract", "/full")):
        value = re.sub(r"(?i)(?:\.pdf|/abstract|/full)$", "", value)
    return value.lower()


def openreview_id(text: str | None) -> str | None:
    """The forum id in an openreview.net/forum?id=... or /pdf?id=... link."""
    if not text:
        return None
    m = _OPENREVIEW.search(text)
    return m.group(1) if m else None


def identify(*links: str | None) -> Identity:
    """The identifiers found in the links given, the first found of each kind."""
    found_arxiv = next((a for link in links if (a := arxiv_id(link))), None)
    found_doi = next((d for link in links if (d := doi(link)) and not _ARXIV_DOI.match(d)), None)
    found_or = next((o for link in links if (o := openreview_id(link))), None)
    return Identity(found_arxiv, found_doi, found_or)


def link_for(arxiv: str | None, found_doi: str | None = None) -> str | None:
    """The link of a paper known only by its identifiers: its DOI's page, else its arXiv abstract page."""
    if found_doi:
        return f"https://doi.org/{found_doi}"
    return ARXIV_ABSTRACT + arxiv if arxiv else None


def typed_arxiv_id(text: str | None) -> str | None:
    """The arXiv id of what a member typed: a link, an "arXiv:ID" mention or a bare id ("1803.03635v2")."""
    return arxiv_id(text.strip() if text else text, bare=True)


def mentioned_arxiv_id(text: str | None) -> str | None:
    """The arXiv id in a member's free words: as `typed_arxiv_id`, or a new-style id among other words
    ("Lottery 1803.03635", a link to a mirror holding the id): what a proposal names, never a note's field."""
    if found := typed_arxiv_id(text):
        return found
    m = _ARXIV_WITHIN.search(text) if text else None
    return m.group("id") if m else None


def is_link(text: str) -> bool:
    return bool(re.match(r"^https?://\S+$", text.strip(), re.IGNORECASE))


def names_an_identifier(text: str) -> bool:
    """Whether typed `text` is a link, an arXiv id or a DOI rather than a title."""
    text = text.strip()
    return is_link(text) or typed_arxiv_id(text) is not None or (doi(text) is not None and " " not in text)
