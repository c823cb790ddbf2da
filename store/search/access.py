"""What a feature service needs of the store: sessions, the current index, and writes the index takes at once.

A Protocol, so features (store/summaries, store/readinggroup, store/digest) depend on this shape, not on
the facade that provides it (store.library.Library), which sits above them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.search.index import SearchIndex
from store.search.results import PaperView

T = TypeVar("T")


class PaperAccess(Protocol):
    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def index(self) -> SearchIndex: ...

    @property
    def catalog(self) -> Sequence[PaperView]: ...

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]], changed: Callable[[T], set[int]]) -> T:
        """Run `work` in one transaction, then make the papers it changed searchable before returning."""
        ...
