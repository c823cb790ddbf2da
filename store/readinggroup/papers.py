"""Which paper a member means: a corpus paper by number, arXiv id or link, or exact title; else a title or link
of their own, if it looks like one. Pure: reads the search index, never the database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from store.corpus.lookups import paper_key
from store.search.meaning.vectors import Quantised
from store.search.results import PaperView, SearchResult
from store.text.identifiers import is_link, link_for
from store.text.identifiers import mentioned_arxiv_id as arxiv_id


class Searchable(Protocol):
    """What the store needs from the search index: papers by id, a title search, and papers close in meaning
    (`similar`: to a paper of the index; `similar_text`: to any text), among the ids given; `meaning` is None
    when meaning is off or unavailable."""

    papers: Sequence[PaperView]
    meaning: Quantised | None  # the papers' vectors, one row per catalog position

    def get(self, paper_id: int) -> PaperView | None: ...

    def paper(self, query: str, limit: int = 10) -> SearchResult: ...

    def similar(self, paper_id: int, limit: int = 5, among: Collection[int] | None = None) -> SearchResult: ...

    def similar_text(self, text: str, limit: int = 5, among: Collection[int] | None = None) -> SearchResult: ...


def plausible_title(text: str) -> bool:
    """Whether free text could name a paper not in the corpus: two words or more, with letters in them."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 2 and sum(c.isalpha() for c in text) >= 8


def resolve(index: Searchable, text: str) -> PaperView | None:
    """The corpus paper a member means: by id (autocomplete sends it), arXiv id/link, or exact title."""
    raw = text.strip()
    if raw.isdigit() and (view := index.get(int(raw))) is not None:
        return view
    papers = index.papers
    if (aid := arxiv_id(raw)) is not None:
        return _first(papers, _column(papers, "links", lambda p: p.link or ""), lambda link: bool(link) and aid in link)
    key = paper_key(raw)
    return _first(papers, _column(papers, "titles", lambda p: p.title), lambda title: paper_key(title) == key)


def _column(papers: Sequence[PaperView], name: str, field: Callable[[PaperView], str]) -> Iterable[str]:
    """One text field of every paper: the catalog's own column when it keeps one (no paper's view is made),
    else read from each view."""
    column = getattr(papers, name, None)
    return column if column is not None else map(field, papers)


def _first(papers: Sequence[PaperView], values: Iterable[str], wanted: Callable[[str], bool]) -> PaperView | None:
    return next((papers[i] for i, value in enumerate(values) if wanted(value)), None)


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
        return Named(f"arXiv:{aid}", link=link_for(aid))
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
