"""The store's one face: it starts the pieces in order, hands them out, and stops them.

`database` (store.db.database): engine, sessions, write lock, bulk work off the loop; `corpus`
(store.corpus.service): files read into the database; `live` (store.search.live): the index this process
answers from, kept current, and the writes it takes at once; `search` (store.search.service): the searches.
A `Library` is the `PaperAccess` (store.search.access) features are given, so `sessionmaker`, `index`,
`catalog` and `write` read through to the pieces, as do the `url` and `snapshot` the bot logs and checks;
anything else of a piece is reached through the piece (`library.live.index_source`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.corpus.service import BUNDLED_SEEDS, NO_CORPUS_DIR, Corpus
from store.db.database import Database
from store.db.engine import redact
from store.db.migrate import MigrationResult, upgrade
from store.ingest.report import IngestProgress, IngestReport
from store.search import heap
from store.search.follow import follow
from store.search.index import SearchIndex
from store.search.live import LiveIndex
from store.search.meaning.embedder import Embedder
from store.search.results import PaperView
from store.search.service import SearchService
from store.search.views import read_views

__all__ = ["BUNDLED_SEEDS", "Library", "demo_seeds"]
log = logging.getLogger(__name__)
T = TypeVar("T")


def demo_seeds(database: str | None, corpus_dir: Path | str | None) -> bool:
    """Whether the bundled seeds may be read in: they are the console demo's, so only on the default per-user
    database (no DATABASE_URL, no --db) with no corpus folder configured (no CORPUS_DIR, no --corpus). A
    database an admin named never receives them; with a corpus folder, that folder is the corpus.
    `database` and `corpus_dir` are what was configured (None: nothing), the environment filling in."""
    named = database or os.environ.get("DATABASE_URL", "").strip()
    folder = corpus_dir or os.environ.get("CORPUS_DIR", "").strip()
    return not named and not folder


class Library:
    def __init__(self, url: str | None = None, corpus_dir: Path | None = None, *, seeds: bool = True,
                 meaning: bool = False) -> None:
        """`seeds=False` (the Discord bot; the CLI off the demo, `demo_seeds`): without a corpus folder, the
        bundled seeds are never read in. `meaning`: the index carries every paper's meaning vector, made in the
        background by the embedder (store/search/meaning); off, the model is never loaded."""
        self.database = Database(url)
        self.corpus = Corpus(self.database, corpus_dir, seeds=seeds)
        self.live = LiveIndex(self.database, self.corpus, meaning=meaning)
        self.embedder = Embedder(self.database, self.live) if meaning else None
        self.live.embedder = self.embedder
        self.search = SearchService(self)
        self.migration: MigrationResult | None = None  # what start() did to the schema
        self._follower: asyncio.Task[None] | None = None
        # The change the index held before the first ingest it has not taken (`ingest` leaves the index
        # alone): the next `reload` takes from there. None: the index holds every ingest.
        self._untaken: int | None = None

    def __repr__(self) -> str:
        return f"Library({redact(self.url)!r}, corpus_dir={str(self.corpus.corpus_dir)!r})"

    @property
    def url(self) -> str:
        return self.database.url

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return self.database.sessionmaker

    @property
    def index(self) -> SearchIndex:
        return self.live.index

    @property
    def catalog(self) -> Sequence[PaperView]:
        return self.live.catalog

    @property
    def snapshot(self) -> Path | None:
        """Where the index is saved between runs; None for an in-memory database (no other process)."""
        return self.live.snapshot

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]], changed: Callable[[T], set[int]]) -> T:
        """Run `work` in one transaction, then take the papers it changed into the index before returning."""
        return await self.live.write(work, changed)

    async def prepare(self) -> None:
        """Bring the schema to the newest revision and adopt the corpus folder's former homes: no index.

        A database newer than this code raises `store.db.migrate.SchemaTooNew` before anything is read.
        """
        self.migration = await upgrade(self.database.engine)
        if self.migration.changed:
            log.info("%s", self.migration.describe())
        await self.corpus.adopt_former_homes()

    async def start(self, *, ingest_if_empty: bool = True) -> IngestReport | None:
        """`prepare`, ingest the corpus folder into a database never given a corpus, load the index."""
        await self.prepare()
        report = None
        if self.corpus.seeds_withheld:
            if await self.corpus.never_given():  # said while it helps: a database that has no corpus yet
                log.warning("%s", NO_CORPUS_DIR)
        elif ingest_if_empty and await self.corpus.never_given():
            log.info("empty database: ingesting %s", self.corpus.corpus_dir)
            report = await self.ingest([self.corpus.corpus_dir])
        await self.live.refresh()
        self._untaken = None
        return report

    async def ingest(self, paths: Sequence[Path] | None = None,
                     progress: IngestProgress | None = None) -> IngestReport:
        """Read, parse and store the files under `paths` (default: the corpus folder); the index is not touched
        (the next `reload` takes what it changed)."""
        held = self.live.seen_change
        async with self.embedder.held() if self.embedder is not None else contextlib.nullcontext():
            report = await self.corpus.ingest(paths, progress)
        # The ingest's batches are freed, but glibc keeps their pages: some 100 MB after re-reading a bulk
        # file of 100,000 papers, beside an index the bot keeps serving. Handed back, off the event loop.
        await asyncio.to_thread(heap.give_back)
        if report.changed:
            self._untaken = held if self._untaken is None else min(self._untaken, held)
        return report

    async def reload(self, paths: Sequence[Path] | None = None) -> IngestReport:
        """Ingest, then bring the index up to date if anything changed: a few changed papers are laid over
        it (`LiveIndex.take_logged`, from the corpus change log), many mean a full load, as does an index
        whose paper count still differs from the database's."""
        report = await self.ingest(paths)
        held, self._untaken = self._untaken, None  # read before the ingests not taken yet: theirs come after
        try:
            behind = held is not None or len(self.index) != report.papers_total
            if behind and (held is None or not await self.live.take_logged(held)
                           or len(self.index) != report.papers_total):
                await self.live.refresh()
        except BaseException:
            if held is not None:  # still to take, at the next reload
                self._untaken = held if self._untaken is None else min(self._untaken, held)
            raise
        return report

    def follow(self, poll_seconds: float = 5.0) -> None:
        """Keep the index in step with the database while the process runs (stopped by `close`)."""
        if self._follower is None or self._follower.done():
            self._follower = asyncio.get_running_loop().create_task(follow(self.live, poll_seconds))

    async def papers(self) -> list[PaperView]:
        """Every paper as a plain view, read in four queries (no per-paper round trips)."""
        async with self.sessionmaker() as s:
            return await read_views(s)

    async def close(self) -> None:
        if self._follower is not None and not self._follower.done():
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
        if self.embedder is not None:
            await self.embedder.close()
        await self.live.close()
        await self.database.dispose()

    async def __aenter__(self) -> Library:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
