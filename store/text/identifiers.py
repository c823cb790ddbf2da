"""Whether what a member typed in the paper field names a paper by link or id rather than by title.

The identifiers themselves (arXiv id, DOI, OpenReview id) are read by `store.ingest.identity`, the same
rules as a note's links; this only decides which field a member meant.
"""

from __future__ import annotations

import re

from store.ingest.identity import arxiv_id, doi

__all__ = ["arxiv_id", "doi", "is_link", "names_an_identifier"]


def typed_arxiv_id(text: str | None) -> str | None:
    """The arXiv id of a link, an "arXiv:ID" mention or a bare id ("1803.03635v2")."""
    return arxiv_id(text.strip() if text else text, bare=True)


def is_link(text: str) -> bool:
    return bool(re.match(r"^https?://\S+$", text.strip(), re.IGNORECASE))


def names_an_identifier(text: str) -> bool:
    """Whether `text` is a link, an arXiv id or a DOI rather than a title."""
    text = text.strip()
    return is_link(text) or typed_arxiv_id(text) is not None or (doi(text) is not None and " " not in text)
