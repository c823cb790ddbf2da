"""Papers like a given one: /similar, the "Papers like this one" button, `paperbot similar` and the console's
/similar give the same answer, from here.

Which paper the member means: a paper's number (what the autocomplete and the button send), else the best
/paper match for the words typed (an exact title comes first there: /paper's verbatim-title bonus). Then the
papers closest to it in meaning (`SearchService.similar`); when meaning is off, or the paper has no vector
yet, the result has no hits and its note says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from store.search.results import PaperView, SearchResult

ID_DIGITS = 19  # a paper id is a 64-bit number: longer digits are words of a title ("1984" is a number)


class Searches(Protocol):
    """What /similar needs of `SearchService`."""

    def get(self, paper_id: int) -> PaperView | None: ...

    async def paper(self, query: str, limit: int = 10) -> SearchResult: ...

    async def similar(self, paper_id: int, limit: int = 5) -> SearchResult: ...


@dataclass(frozen=True, slots=True)
class Likeness:
    paper: PaperView | None  # the paper meant; None: no paper matches the text (`result` says why, if it can)
    result: SearchResult  # papers like it, best first, or why there are none


def numbered(search: Searches, text: str) -> PaperView | None:
    """The paper whose number `text` is, if it is one."""
    raw = text.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS:
        return search.get(int(raw))
    return None


GONE = "That paper is no longer in the index."


async def papers_like(search: Searches, text: str, limit: int, *, number_only: bool = False) -> Likeness:
    """Papers like the one `text` names; `number_only` (a button's paper id): never the digits read as words."""
    paper = numbered(search, text)
    if paper is None and number_only:
        return Likeness(None, SearchResult(note=GONE))
    if paper is None:
        found = await search.paper(text.strip(), 1)
        if not found.hits:
            return Likeness(None, found)
        paper = found.hits[0].paper
    return Likeness(paper, await search.similar(paper.id, limit))



def why_none(likeness: Likeness) -> str:
    """Why a paper that was found has no papers like it: meaning is off, it has no vector yet, or none is close."""
    return likeness.result.note or "no other paper is close to it in meaning."
