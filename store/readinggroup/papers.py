"""Which paper a member means: a corpus paper by number, arXiv id or link, or exact title; else a title or link
of their own, if it looks like one. Pure: reads the search index, never the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from store.corpus.lookups import paper_key
from store.search.results import PaperView, SearchResult
from store.text.identifiers import is_link
from store.text.identifiers import mentioned_arxiv_id as arxiv_id


class Searchable(Protocol):
    """What the store needs from the search index: papers by id and a title search."""

    papers: tuple[PaperView, ...]

    def get(self, paper_id: int) -> PaperView | None: ...

    def paper(self, query: str, limit: int = 10) -> SearchResult: ...


def plausible_title(text: str) -> bool:
    """Whether free text could name a paper not in the corpus: two words or more, with letters in them."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 2 and sum(c.isalpha() for c in text) >= 8


def resolve(index: Searchable, text: str) -> PaperView | None:
    """The corpus paper a member means: by id (autocomplete sends it), arXiv id/link, or exact title."""
    raw = text.strip()
    if raw.isdigit() and (view := index.get(int(raw))) is not None:
        return view
    if (aid := arxiv_id(raw)) is not None:
        for p in index.papers:
            if p.link and aid in p.link:
                return p
        return None
    key = paper_key(raw)
    for p in index.papers:
        if paper_key(p.title) == key:
            return p
    return None


class UnknownNumber(LookupError):
    """A number names no paper of the corpus (autocomplete sends numbers: the member typed their own)."""


class NotAPaper(ValueError):
    """Text that names no corpus paper and does not look like a title, an arXiv id or a link."""


@dataclass(frozen=True, slots=True)
class Named:
    title: str
    paper_id: int | None = None  # None: not in the corpus
    link: str | None = None


def named_paper(index: Searchable, text: str) -> Named:
    """The paper a member proposes: a corpus paper, an arXiv id, a link, or a plausible title of their own."""
    raw = text.strip()
    if (view := resolve(index, text)) is not None:
        return Named(view.title, view.id, view.link)
    if (aid := arxiv_id(text)) is not None:
        return Named(f"arXiv:{aid}", link=f"https://arxiv.org/abs/{aid}")
    if raw.isdigit():
        raise UnknownNumber(raw)
    if is_link(raw):
        return Named(raw, link=raw)
    if plausible_title(text):
        return Named(text)
    raise NotAPaper(text)


def titles_like(papers: Sequence[PaperView], current: str, limit: int = 25) -> list[PaperView]:
    """Suggestions as a member types: titles starting with the text, then containing it; else the newest."""
    key = current.strip().lower()
    if not key:
        return list(papers[-limit:])
    starts = [p for p in papers if p.title.lower().startswith(key)]
    inside = [p for p in papers if key in p.title.lower() and p not in starts]
    return (starts + inside)[:limit]
