"""The store's one face: a database plus an in-memory search index that is swapped whole.

The bot and the command line both talk to a `Library`. Queries read `self.index`, an immutable
`SearchIndex`; a reload builds a new one off the event loop and replaces the reference in one
assignment, so a query running during a reload is answered from the old index or the new one,
never from half of each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store import collector
from store.db import database_url, make_engine, make_sessionmaker, redact
from store.ingest.corpus import CorpusFile, find, parsed
from store.migrate import MigrationResult, upgrade
from store.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.records import ParsedFile
from store.report import IngestProgress, IngestReport
from store.results import PaperView, SearchResult, SummaryView
from store.search import SearchIndex, snapshot
from store.search.acronyms import load_glossary
from store.settings import get_setting
from store.sync import CORPUS_GIVEN, CORPUS_VERSION, renew_corpus_version, sync_files

log = logging.getLogger(__name__)
T = TypeVar("T")

BUNDLED_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def default_corpus_dir() -> Path:
    return Path(os.environ.get("CORPUS_DIR") or BUNDLED_SEEDS).expanduser()


def _by_position(authors: list[tuple[int, str]] | None) -> tuple[str, ...]:
    if not authors:
        return ()
    authors.sort()
    return tuple(name for _, name in authors)


def _by_document(summaries: list[SummaryView] | None) -> tuple[SummaryView, ...]:
    if not summaries:
        return ()
    summaries.sort(key=lambda v: (v.source, v.line))  # most papers have one
    return tuple(summaries)


class Library:
    def __init__(self, url: str | None = None, corpus_dir: Path | None = None) -> None:
        self.url = database_url(url)
        self.corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
        self.engine: AsyncEngine = make_engine(self.url)
        self.sessionmaker: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self._state: tuple[SearchIndex, tuple[PaperView, ...]] = (SearchIndex.build([]), ())
        self._write_lock = asyncio.Lock()
        self.generation = 0  # bumped at every index swap
        self.snapshot: Path | None = snapshot.snapshot_path(self.url)
        self.index_source = "empty"  # then "snapshot" or "rebuilt": where the current index came from
        self.migration: MigrationResult | None = None  # what start() did to the schema

    def __repr__(self) -> str:
        return f"Library({redact(self.url)!r}, corpus_dir={str(self.corpus_dir)!r})"

    @property
    def index(self) -> SearchIndex:
        return self._state[0]

    @property
    def catalog(self) -> tuple[PaperView, ...]:
        """The papers the current index was built from, in id order (no database round trip)."""
        return self._state[1]

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def start(self, *, ingest_if_empty: bool = True) -> IngestReport | None:
        """Bring the schema to the newest revision, ingest the corpus folder into an empty database, load the index.

        A database newer than this code raises `store.migrate.SchemaTooNew` before anything is read.
        """
        self.migration = await upgrade(self.engine)
        if self.migration.changed:
            log.info("%s", self.migration.describe())
        report = None
        async with self.session() as s:
            # The bundled seeds (or CORPUS_DIR) fill only a database that was never given a corpus:
            # after `paperbot ingest NOTES/`, even one that found nothing, they are never mixed in.
            empty = (await get_setting(s, CORPUS_GIVEN) is None
                     and not await s.scalar(select(func.count()).select_from(Document)))
        if empty and ingest_if_empty:
            log.info("empty database: ingesting %s", self.corpus_dir)
            report = await self.ingest([self.corpus_dir])
        await self.refresh()
        return report

    async def ingest(self, paths: Sequence[Path] | None = None,
                     progress: IngestProgress | None = None) -> IngestReport:
        """Read, parse and store the files under `paths` (default: the corpus folder) in one transaction."""
        targets = list(paths) if paths else [self.corpus_dir]
        async with self._write_lock:
            return await self._off_the_loop(lambda sessions: self._ingest(targets, sessions, progress))

    async def _off_the_loop(self, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
        """Run bulk database work on a worker thread with its own event loop and engine.

        Parsing a bulk import, reading 100,000 papers back and building their index are seconds of
        Python: on the event loop they would stall the Discord gateway. An in-memory SQLite database
        lives on this loop's connection only, so it is the exception (it only ever holds small corpora).
        """
        if self.snapshot is None:
            with collector.paused():
                return await work(self.sessionmaker)

        async def own_engine() -> T:
            engine = make_engine(self.url)
            try:
                with collector.paused():
                    return await work(make_sessionmaker(engine))
            finally:
                await engine.dispose()

        return await asyncio.to_thread(asyncio.run, own_engine())

    @staticmethod
    async def _ingest(targets: list[Path], sessions: async_sessionmaker[AsyncSession],
                      progress: IngestProgress | None = None) -> IngestReport:
        files, roots, problems = await asyncio.to_thread(find, targets)
        stream = parsed(files) if progress is None else _reported(files, progress)
        # One transaction: all of it or none. Closing `each` stops a parsing process if the sync fails.
        try:
            async with sessions() as session, session.begin(), contextlib.aclosing(stream) as each:
                report = await sync_files(session, each, roots)
        finally:
            if progress is not None:
                progress.stop()
        report.problems[:0] = problems
        return report

    async def reload(self, paths: Sequence[Path] | None = None) -> IngestReport:
        """Ingest, then swap in a fresh index if anything changed."""
        report = await self.ingest(paths)
        if report.changed or len(self.index) != report.papers_total:
            await self.refresh()
        return report

    async def refresh(self, *, rebuild: bool = False) -> None:
        """Load the snapshot of the current corpus version, or rebuild the index from the database; swap it in."""
        index, source = await self._off_the_loop(lambda sessions: self._load_index(sessions, rebuild))
        self._state = (index, index.papers)  # one assignment: readers see old or new, never a mix
        self.generation += 1
        self.index_source = source
        log.info("index ready: %d papers (%s)", len(index), self.index_source)

    async def _load_index(self, sessions: async_sessionmaker[AsyncSession], rebuild: bool) -> tuple[SearchIndex, str]:
        async with sessions() as s, s.begin():  # one read transaction: the stamp matches the papers
            version = await get_setting(s, CORPUS_VERSION)
            if version is None:
                version = await renew_corpus_version(s)
            glossary = await asyncio.to_thread(load_glossary, self.corpus_dir)
            for problem in glossary.problems:
                log.warning("glossary: %s", problem)
            # The glossaries are not in the database: a snapshot is also stamped with their fingerprint.
            stamp = f"{version}+{glossary.fingerprint}"
            if self.snapshot and not rebuild:
                index = await asyncio.to_thread(snapshot.load, self.snapshot, stamp)
                if index is not None:
                    return index, "snapshot"
            views = await self._views(s)
        index = await asyncio.to_thread(SearchIndex.build, views, glossary)
        if self.snapshot:
            await asyncio.to_thread(snapshot.save, index, self.snapshot, stamp)
        return index, "rebuilt"

    async def papers(self) -> list[PaperView]:
        """Every paper as a plain view, read in four queries (no per-paper round trips)."""
        async with self.session() as s:
            return await self._views(s)

    @staticmethod
    async def _views(s: AsyncSession) -> list[PaperView]:
        """Every paper, read in four Core queries and put in order here rather than by the database.

        Sorting 100 MB of summaries by document is work a database does in a temporary B-tree; here it
        is a sort of each paper's one or two entries. Python's order is also the same on every backend
        (code points), whatever the database's collation.
        """
        conn = await s.connection()  # Core rows: the ORM's per-row loading is not needed for plain columns
        papers = (await conn.execute(select(Paper.id, Paper.title, Paper.venue, Paper.year, Paper.link,
                                            Paper.added_at, Paper.authors_incomplete).order_by(Paper.id))).all()
        summaries: defaultdict[int, list[SummaryView]] = defaultdict(list)
        rows = await conn.execute(select(Entry.paper_id, Document.name, Entry.line, Entry.summary, Entry.writer)
                                  .join(Document, Entry.document_id == Document.id))
        for pid, name, line, text, writer in rows:
            summaries[pid].append(SummaryView(name, line, text, writer))
        # Each paper's authors as its own source wrote them; people are matched by key (Person) for /author.
        authors: defaultdict[int, list[tuple[int, str]]] = defaultdict(list)
        rows = await conn.execute(select(Authorship.paper_id, Authorship.position, Authorship.name, Person.name)
                                  .join(Person, Authorship.person_id == Person.id))
        for pid, position, written, name in rows:
            authors[pid].append((position, written or name))
        topics: defaultdict[int, list[str]] = defaultdict(list)
        rows = await conn.execute(select(PaperTopic.paper_id, Topic.label)
                                  .join(Topic, PaperTopic.topic_id == Topic.id))
        for pid, label in rows:
            topics[pid].append(label)
        return [PaperView(id=pid, title=title, authors=_by_position(authors.get(pid)), venue=venue, year=year,
                          topics=tuple(sorted(topics.get(pid, ()))), link=link,
                          summaries=_by_document(summaries.get(pid)), added_at=added,
                          authors_incomplete=bool(incomplete))
                for pid, title, venue, year, link, added, incomplete in papers]

    # --- queries: CPU work in a worker thread, never on the event loop ---

    async def paper(self, query: str, limit: int = 10) -> SearchResult:
        return await asyncio.to_thread(self.index.paper, query, limit)

    async def author(self, query: str, limit: int = 10) -> SearchResult:
        return await asyncio.to_thread(self.index.author, query, limit)

    async def topic(self, query: str, limit: int = 10) -> SearchResult:
        return await asyncio.to_thread(self.index.topic, query, limit)

    async def ask(self, query: str, limit: int = 5) -> SearchResult:
        return await asyncio.to_thread(self.index.ask, query, limit)

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        return self.index.complete_author(prefix, limit)

    def complete_topic(self, prefix: str, limit: int = 25) -> list[str]:
        return self.index.complete_topic(prefix, limit)

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Library:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _reported(files: Sequence[CorpusFile], progress: IngestProgress) -> AsyncIterator[ParsedFile]:
    """The files parsed, telling `progress` as each one is done."""
    sizes = [_size(f.path) for f in files]
    progress.start(len(files), sum(sizes))
    async with contextlib.aclosing(parsed(files)) as each:
        index = 0
        async for result in each:
            progress.advance(result.name, sizes[index] if index < len(sizes) else 0, len(result.parsed.records))
            index += 1
            yield result


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
