"""arXiv ids and DOIs named by what a member types: a link, a bare id, "arXiv:1803.03635v2", "doi:10.x/y".

Pure functions, no database: a paper is matched by what identifies it before it is matched by title.
"""

from __future__ import annotations

import re

# New-style ids (1803.03635, 2101.00001v3) and old-style ones (cs/0112017, math.GT/0309136).
_ARXIV = re.compile(r"(?<![\w.])(?:arxiv[:\s]*)?(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\w])",
                    re.IGNORECASE)
_ARXIV_HOST = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^\s?#]+?)(?:v\d+)?(?:\.pdf)?(?:[?#]|$)", re.IGNORECASE)
_DOI = re.compile(r"(?<![\w/])(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


def arxiv_id(text: str | None) -> str | None:
    """The arXiv id (no version) a link or text names, else None."""
    if not text:
        return None
    text = text.strip()
    if m := _ARXIV_HOST.search(text):
        inner = _ARXIV.fullmatch(m.group(1))
        return inner.group(1) if inner else None
    if "://" in text and "arxiv.org" not in text.lower():
        return None  # another site's link: its digits are not an arXiv id
    m = _ARXIV.fullmatch(text) or _ARXIV.fullmatch(text.removeprefix("arXiv:").removeprefix("arxiv:"))
    return m.group(1) if m else None


def doi(text: str | None) -> str | None:
    """The DOI (lower case) a link or text names, else None."""
    if not text:
        return None
    m = _DOI.search(text.strip())
    return m.group(1).rstrip(".,;)").lower() if m else None


def is_link(text: str) -> bool:
    return bool(re.match(r"^https?://\S+$", text.strip(), re.IGNORECASE))


def names_an_identifier(text: str) -> bool:
    """Whether `text` is a link, an arXiv id or a DOI rather than a title."""
    text = text.strip()
    return is_link(text) or arxiv_id(text) is not None or (doi(text) is not None and " " not in text)
