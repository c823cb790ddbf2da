"""`SearchService`: the four searches, papers like a paper or a text, and the autocompletes over the current index.

Scoring is CPU work: it runs in a worker thread, never on the event loop that keeps the gateway alive.
Autocomplete answers within Discord's three seconds from in-memory prefix tables, so it stays inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence

from store.search.access import PaperAccess
from store.search.results import PaperView, SearchResult


class SearchService:
    def __init__(self, papers: PaperAccess) -> None:
        self.papers = papers

    async def paper(self, query: str, limit: int = 10) -> SearchResult:
        return await asyncio.to_thread(self.papers.index.paper, query, limit)

    async def author(self, query: str, limit: int = 10) -> SearchResult:
        return await asyncio.to_thread(self.papers.index.author, query, limit)

    async def topic(self, query: str, limit: int = 10) -> SearchResult:
        return await asyncio.to_thread(self.papers.index.topic, query, limit)

    async def ask(self, query: str, limit: int = 5) -> SearchResult:
        return await asyncio.to_thread(self.papers.index.ask, query, limit)

    async def similar(self, paper_id: int, limit: int = 5, among: Collection[int] | None = None) -> SearchResult:
        """Papers closest in meaning to paper `paper_id` (`among`: only those paper ids); a note when meaning is
        off, the paper unknown or not embedded yet."""
        return await asyncio.to_thread(self.papers.index.similar, paper_id, limit, among)

    async def similar_text(self, text: str, limit: int = 5, among: Collection[int] | None = None) -> SearchResult:
        """Papers closest in meaning to a text (a proposal's title and pitch)."""
        return await asyncio.to_thread(self.papers.index.similar_text, text, limit, among)

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        return self.papers.index.complete_author(prefix, limit)

    def complete_topic(self, prefix: str, limit: int = 25) -> list[str]:
        return self.papers.index.complete_topic(prefix, limit)

    def topics(self, limit: int | None = None) -> list[str]:
        """The index's topic labels, those with the most papers first (for /help and the console's help)."""
        return [label for label, _ in self.papers.index.topic_counts()[:limit]]

    def catalog(self) -> Sequence[PaperView]:
        """Every paper of the current index, in id order."""
        return self.papers.catalog

    def get(self, paper_id: int) -> PaperView | None:
        """The paper `paper_id` of the current index, if it is there."""
        return self.papers.index.get(paper_id)

    async def author_count(self) -> int:
        """How many people the papers name, counted as /author tells them apart (one person key each: accents,
        case and "Last, First" order do not make two); off the event loop, since an overlay counts afresh."""
        return await asyncio.to_thread(self.papers.index.author_count)
