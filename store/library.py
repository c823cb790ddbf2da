"""The store's one face: it starts the pieces and hands them out; the work is theirs.

`database` (store.db.database): engine, sessions, write lock, bulk work off the loop; `corpus`
(store.corpus.service): files read into the database; `live` (store.search.live): the index this process
answers from, kept current; `search` (store.search.service): the searches. A `Library` is the
`PaperAccess` (store.search.access) features are given; the pieces' attributes the bot and the tests use
are reached through it too (`library.index` is `library.live.index`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.corpus.service import BUNDLED_SEEDS, Corpus, default_corpus_dir
from store.db.database import Database
from store.db.engine import redact
from store.db.migrate import MigrationResult, upgrade
from store.ingest.report import IngestProgress, IngestReport
from store.search.follow import follow
from store.search.index import SearchIndex
from store.search.live import LiveIndex
from store.search.results import PaperView, SearchResult
from store.search.service import SearchService
from store.search.views import read_views

__all__ = ["BUNDLED_SEEDS", "Library", "default_corpus_dir"]
log = logging.getLogger(__name__)
T = TypeVar("T")
V = TypeVar("V")


class _Of(Generic[V]):
    """An attribute of one of the pieces, read (and set) through the facade, by default under the same name."""

    def __init__(self, piece: str, name: str = "") -> None:
        self.piece, self.name = piece, name

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = self.name or name

    def __get__(self, library: Any, owner: type | None = None) -> V:
        if library is None:  # on the class: the descriptor itself (introspection, monkeypatch)
            return self  # type: ignore[return-value]
        return getattr(getattr(library, self.piece), self.name)

    def __set__(self, library: Any, value: V) -> None:
        setattr(getattr(library, self.piece), self.name, value)


class Library:
    url: _Of[str] = _Of("database")
    engine: _Of[AsyncEngine] = _Of("database")
    origin: _Of[str] = _Of("database")
    sessionmaker: _Of[async_sessionmaker[AsyncSession]] = _Of("database")
    corpus_dir: _Of[Path] = _Of("corpus")
    corpus_root: _Of[str] = _Of("corpus", "root")
    index: _Of[SearchIndex] = _Of("live")
    catalog: _Of[tuple[PaperView, ...]] = _Of("live")
    generation: _Of[int] = _Of("live")
    snapshot: _Of[Path | None] = _Of("live")
    index_source: _Of[str] = _Of("live")
    quiet_seconds: _Of[float] = _Of("live")
    overlay_from: _Of[int] = _Of("live")
    seen_change: _Of[int] = _Of("live")
    _rebuild: _Of[asyncio.Task[None] | None] = _Of("live", "rebuild_task")
    # The searches, answered by `search` (scoring in a worker thread, autocomplete inline).
    paper: _Of[Callable[..., Awaitable[SearchResult]]] = _Of("search")
    author: _Of[Callable[..., Awaitable[SearchResult]]] = _Of("search")
    topic: _Of[Callable[..., Awaitable[SearchResult]]] = _Of("search")
    ask: _Of[Callable[..., Awaitable[SearchResult]]] = _Of("search")
    complete_author: _Of[Callable[..., list[str]]] = _Of("search")
    complete_topic: _Of[Callable[..., list[str]]] = _Of("search")

    def __init__(self, url: str | None = None, corpus_dir: Path | None = None) -> None:
        self.database = Database(url)
        self.corpus = Corpus(self.database, corpus_dir)
        self.live = LiveIndex(self.database, self.corpus.corpus_dir)
        self.search = SearchService(self)
        self.migration: MigrationResult | None = None  # what start() did to the schema
        self._follower: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Library({redact(self.url)!r}, corpus_dir={str(self.corpus_dir)!r})"

    def session(self) -> AsyncSession:
        return self.database.session()

    async def prepare(self) -> None:
        """Bring the schema to the newest revision and adopt the corpus folder's former homes: no index.

        A database newer than this code raises `store.db.migrate.SchemaTooNew` before anything is read.
        """
        self.migration = await upgrade(self.engine)
        if self.migration.changed:
            log.info("%s", self.migration.describe())
        await self.corpus.adopt_former_homes()

    async def start(self, *, ingest_if_empty: bool = True) -> IngestReport | None:
        """`prepare`, ingest the corpus folder into a database never given a corpus, load the index."""
        await self.prepare()
        report = None
        if ingest_if_empty and await self.corpus.never_given():
            log.info("empty database: ingesting %s", self.corpus_dir)
            report = await self.ingest([self.corpus_dir])
        await self.refresh()
        return report

    async def ingest(self, paths: Sequence[Path] | None = None,
                     progress: IngestProgress | None = None) -> IngestReport:
        """Read, parse and store the files under `paths` (default: the corpus folder); the index is not touched."""
        return await self.corpus.ingest(paths, progress)

    async def reload(self, paths: Sequence[Path] | None = None) -> IngestReport:
        """Ingest, then swap in a fresh index if anything changed."""
        report = await self.ingest(paths)
        if report.changed or len(self.index) != report.papers_total:
            await self.refresh()
        return report

    async def refresh(self, *, rebuild: bool = False) -> None:
        await self.live.refresh(rebuild=rebuild)

    async def take_changes(self, paper_ids: set[int]) -> None:
        await self.live.take_changes(paper_ids)

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]], changed: Callable[[T], set[int]]) -> T:
        """Run `work` in one transaction, then take the papers it changed into the index before returning."""
        async with self.database.write_lock:
            async with self.session() as s, s.begin():
                result = await work(s)
            await self.take_changes(changed(result))
        return result

    async def catch_up(self) -> str:
        return await self.live.catch_up()

    def follow(self, poll_seconds: float = 5.0) -> None:
        """Keep the index in step with the database while the process runs (stopped by `close`)."""
        if self._follower is None or self._follower.done():
            self._follower = asyncio.get_running_loop().create_task(follow(self.live, poll_seconds))

    async def papers(self) -> list[PaperView]:
        """Every paper as a plain view, read in four queries (no per-paper round trips)."""
        async with self.session() as s:
            return await read_views(s)

    async def close(self) -> None:
        if self._follower is not None and not self._follower.done():
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
        await self.live.close()
        await self.database.dispose()

    async def __aenter__(self) -> Library:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
