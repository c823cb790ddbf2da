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
import socket
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.corpus.sync import CORPUS_GIVEN, adopt, former_homes, sync_files
from store.db import changes, collector
from store.db.changes import CORPUS_VERSION
from store.db.engine import database_url, make_engine, make_sessionmaker, redact
from store.db.migrate import MigrationResult, upgrade
from store.db.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.db.settings import get_setting
from store.ingest.corpus import CorpusFile, find, parsed, sha256_of
from store.ingest.records import CORPUS_ROOT, SEEDS_ROOT, Problem, StreamedFile
from store.ingest.report import IngestProgress, IngestReport
from store.search import SearchIndex, snapshot
from store.search.acronyms import Glossary, load_glossary
from store.search.overlay import OverlayIndex, supports
from store.search.results import PaperView, SearchResult, SummaryView

log = logging.getLogger(__name__)
T = TypeVar("T")

BUNDLED_SEEDS = Path(__file__).resolve().parent.parent / "seeds"
OVERLAY_FROM = 2_000  # papers: a smaller index takes a change by an exact rebuild in memory (milliseconds)
OVERLAY_MAX = 1_000  # changed papers an overlay holds before the full rebuild starts at once
QUIET_SECONDS = 60.0  # after the last change, the overlay is replaced by a full build in the background


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
        # This process's name in the corpus change log: it skips its own changes when it reads the log.
        self.origin = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.sessionmaker: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine, self.origin)
        self._state: tuple[SearchIndex, tuple[PaperView, ...]] = (SearchIndex.build([]), ())
        self._write_lock = asyncio.Lock()
        self.generation = 0  # bumped at every index swap
        self.snapshot: Path | None = snapshot.snapshot_path(self.url)
        self.index_source = "empty"  # then "snapshot", "rebuilt" or "overlay": where the current index came from
        # Changes taken into the index since the last full load, for the load running meanwhile to re-apply:
        # (sequence number, paper id -> its new view or None when deleted).
        self._changes: list[tuple[int, dict[int, PaperView | None]]] = []
        self._seq = 0
        self._index_lock = asyncio.Lock()
        self._rebuild: asyncio.Task[None] | None = None
        self._rebuilding = False
        self.quiet_seconds = QUIET_SECONDS
        self.overlay_from = OVERLAY_FROM
        self.migration: MigrationResult | None = None  # what start() did to the schema
        self._glossary: Glossary | None = None
        self.seen_change = 0  # the newest change in the log that the index holds (store.db.changes)
        self.taken_change_at: datetime | None = None  # when the newest change taken from another process was made
        self._follow_lock = asyncio.Lock()
        self._follower: asyncio.Task[None] | None = None

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

        A database newer than this code raises `store.db.migrate.SchemaTooNew` before anything is read.
        """
        self.migration = await upgrade(self.engine)
        if self.migration.changed:
            log.info("%s", self.migration.describe())
        adopted = await self._adopt_former_homes()
        if adopted:
            log.info("%d document(s) read from %s are now known as the corpus folder's", adopted, self.corpus_dir)
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
            if not paths and (refused := await self._seeds_refused()) is not None:
                return refused
            return await self._off_the_loop(lambda sessions: self._ingest(targets, self.corpus_dir,
                                                                          self.corpus_root, sessions, progress))

    async def _adopt_former_homes(self) -> int:
        """Documents an older paperbot stored under the corpus folder's path (here or where it was before)
        become the folder's. Another path is taken for the folder's former home only when every one of
        its documents is a file of the folder and most have the same bytes: a folder that merely shares
        a file name ("week1.md") on an unplugged disk stays apart."""
        try:
            async with self.session() as s, s.begin():
                homes = await former_homes(s, self.corpus_dir)
                if not homes:
                    return 0
                chosen = await asyncio.to_thread(self._former_homes_of_this_folder, homes)
                if not chosen:
                    return 0  # a start that adopts nothing writes nothing
                await changes.take_turn(s)  # a sync elsewhere must not read the documents half renamed
                return await adopt(s, self.corpus_root, chosen)
        except IntegrityError:  # another process starting at the same moment adopted the same names first
            log.info("the corpus folder's documents were adopted by another process")
            return 0

    def _former_homes_of_this_folder(self, homes: dict[str, dict[str, str]]) -> list[str]:
        """Of the candidate paths, the folder's own first, those whose documents are this folder's files
        (reads the folder, and hashes the files a candidate names: work for a worker thread)."""
        here = str(self.corpus_dir.expanduser().resolve())
        files = {f.name: f for f in find([self.corpus_dir], self.corpus_dir, self.corpus_root)[0]}
        chosen = [here] if here in homes else []
        for home, held in sorted(homes.items()):
            if home != here and held.keys() <= files.keys():
                same = sum(sha256_of(files[name].path, files[name].inside) == sha for name, sha in held.items())
                if 2 * same > len(held):
                    chosen.append(home)
        return chosen

    @property
    def corpus_root(self) -> str:
        """How the corpus folder's documents are stored: the bundled seeds apart from a CORPUS_DIR."""
        same = self.corpus_dir.expanduser().resolve() == BUNDLED_SEEDS.resolve()
        return SEEDS_ROOT if same else CORPUS_ROOT

    async def _seeds_refused(self) -> IngestReport | None:
        """A process left without CORPUS_DIR does not reload the bundled seeds into a group's own corpus."""
        if self.corpus_root != SEEDS_ROOT:
            return None
        async with self.session() as s:
            theirs = await s.scalar(select(func.count()).select_from(Document).where(Document.root == CORPUS_ROOT))
            total = await s.scalar(select(func.count()).select_from(Paper)) or 0
        if not theirs:
            return None
        why = ("this process has no CORPUS_DIR, and the corpus was read from a corpus folder: nothing reloaded "
               "(set CORPUS_DIR here, or reload through a process that has it)")
        return IngestReport(problems=[Problem("the corpus folder", 0, why)], papers_total=total)

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
                    return await work(make_sessionmaker(engine, self.origin))
            finally:
                await engine.dispose()

        return await asyncio.to_thread(asyncio.run, own_engine())

    @staticmethod
    async def _ingest(targets: list[Path], corpus_dir: Path, corpus_root: str,
                      sessions: async_sessionmaker[AsyncSession],
                      progress: IngestProgress | None = None) -> IngestReport:
        files, roots, problems = await asyncio.to_thread(find, targets, corpus_dir, corpus_root)
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
        since = self._seq  # changes after this may be missing from what the load reads: re-applied below
        index, source, seen = await self._off_the_loop(lambda sessions: self._load_index(sessions, rebuild))
        async with self._index_lock:
            later: dict[int, PaperView | None] = {}
            for seq, changes in self._changes:
                if seq > since:
                    later.update(changes)
            if later:
                index = await asyncio.to_thread(self._with_changes, index, later)
                source = "overlay" if isinstance(index, OverlayIndex) else source
            self._changes = [c for c in self._changes if c[0] > since]
            self._swap(index, source)
            self.seen_change = max(self.seen_change, seen)
        log.info("index ready: %d papers (%s)", len(index), self.index_source)

    def _swap(self, index: SearchIndex, source: str) -> None:
        catalog = index.visible_papers() if isinstance(index, OverlayIndex) else index.papers
        self._state = (index, catalog)  # one assignment: readers see old or new, never a mix
        self.generation += 1
        self.index_source = source

    def _with_changes(self, index: SearchIndex, changes: dict[int, PaperView | None]) -> SearchIndex:
        """The index with these papers replaced or removed: an overlay on a large index, else a new build."""
        if len(index) >= self.overlay_from and (supports(index) or isinstance(index, OverlayIndex)):
            return OverlayIndex(index, changes)
        papers = {p.id: p for p in (index.visible_papers() if isinstance(index, OverlayIndex) else index.papers)}
        for pid, view in changes.items():
            if view is None:
                papers.pop(pid, None)
            else:
                papers[pid] = view
        return SearchIndex.build([papers[pid] for pid in sorted(papers)], self._glossary)

    async def take_changes(self, paper_ids: set[int]) -> None:
        """Make the current state of these papers searchable now (after a write that changed them)."""
        if not paper_ids:
            return
        async with self.session() as s:
            views = {v.id: v for v in await self._views(s, sorted(paper_ids))}
        changes: dict[int, PaperView | None] = {pid: views.get(pid) for pid in paper_ids}
        async with self._index_lock:
            self._seq += 1
            self._changes.append((self._seq, changes))
            index = await asyncio.to_thread(self._with_changes, self.index, changes)
            self._swap(index, "overlay" if isinstance(index, OverlayIndex) else "rebuilt")
        if isinstance(index, OverlayIndex):
            self._schedule_rebuild(now=len(index.changes) >= OVERLAY_MAX)

    def _schedule_rebuild(self, *, now: bool = False) -> None:
        """A full build replaces the overlay after a quiet period (or at once when the overlay is large).

        A build already under way is left to finish (what changed meanwhile is re-applied on top of it),
        and the next one waits for it.
        """
        previous = self._rebuild
        if previous is not None and not previous.done() and not self._rebuilding:
            previous.cancel()  # still in its quiet period: the period starts again
            previous = None

        async def later() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait({previous})  # never cancels it
            await asyncio.sleep(0 if now else self.quiet_seconds)
            self._rebuilding = True
            try:
                await self.refresh(rebuild=True)
            except Exception:
                log.exception("background index rebuild failed; the overlay keeps answering")
            finally:
                self._rebuilding = False

        self._rebuild = asyncio.get_running_loop().create_task(later())

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]], changed: Callable[[T], set[int]]) -> T:
        """Run `work` in one transaction, then take the papers it changed into the index before returning."""
        async with self._write_lock:
            async with self.session() as s, s.begin():
                result = await work(s)
            await self.take_changes(changed(result))
        return result

    async def _load_index(self, sessions: async_sessionmaker[AsyncSession],
                          rebuild: bool) -> tuple[SearchIndex, str, int]:
        async with sessions() as s, s.begin():  # one read transaction: the stamp matches the papers
            # Read first: a change committed while the papers are read is then taken again, never missed.
            seen = await changes.latest(s)
            version = await get_setting(s, CORPUS_VERSION)
            if version is None:
                version = await changes.record(s, None)
            glossary = await asyncio.to_thread(load_glossary, self.corpus_dir)
            self._glossary = glossary  # an in-memory rebuild after a member's change uses it too
            for problem in glossary.problems:
                log.warning("glossary: %s", problem)
            # The glossaries are not in the database: a snapshot is also stamped with their fingerprint.
            stamp = f"{version}+{glossary.fingerprint}"
            if self.snapshot and not rebuild:
                index = await asyncio.to_thread(snapshot.load, self.snapshot, stamp)
                if index is not None:
                    return index, "snapshot", seen
            views = await self._views(s)
        index = await asyncio.to_thread(SearchIndex.build, views, glossary)
        if self.snapshot:
            await asyncio.to_thread(snapshot.save, index, self.snapshot, stamp)
        return index, "rebuilt", seen

    # --- other processes' changes (several bot processes on one database) ---

    async def catch_up(self) -> str:
        """Take the changes other processes committed since the index was read; says what it did.

        A few papers are read back and laid over the index (`take_changes`); a change too large to name
        its papers, or a log that no longer reaches back far enough, means a full load (the shared
        snapshot when it is current, else a rebuild), off the event loop. Queries meanwhile are answered
        from the index as it was.
        """
        async with self._follow_lock:
            async with self.session() as s:
                pending, complete = await changes.since(s, self.seen_change, limit=OVERLAY_MAX)
            if not pending:
                return "current"
            foreign = [c for c in pending if c.origin != self.origin]
            if foreign:
                self.taken_change_at = foreign[-1].changed_at
            named: set[int] = set()
            for c in foreign:
                if c.papers is None:
                    complete = False
                    break
                named |= c.papers
            if not complete or len(named) > OVERLAY_MAX:
                await self.refresh()
                return "reloaded"
            if named:
                await self.take_changes(named)
            self.seen_change = max(self.seen_change, pending[-1].id)
            return f"took {len(named)} paper(s)" if named else "current"

    def follow(self, poll_seconds: float = 5.0) -> None:
        """Keep the index in step with the database while the process runs (stopped by `close`)."""
        from store.search.follow import follow

        if self._follower is None or self._follower.done():
            self._follower = asyncio.get_running_loop().create_task(follow(self, poll_seconds))

    async def papers(self) -> list[PaperView]:
        """Every paper as a plain view, read in four queries (no per-paper round trips)."""
        async with self.session() as s:
            return await self._views(s)

    @staticmethod
    async def _views(s: AsyncSession, ids: Sequence[int] | None = None) -> list[PaperView]:
        """Every paper, read in four Core queries and put in order here rather than by the database.

        Sorting 100 MB of summaries by document is work a database does in a temporary B-tree; here it
        is a sort of each paper's one or two entries. Python's order is also the same on every backend
        (code points), whatever the database's collation.
        """
        conn = await s.connection()  # Core rows: the ORM's per-row loading is not needed for plain columns
        def only(query, column):  # type: ignore[no-untyped-def]  # `ids`: the few papers a write changed
            return query if ids is None else query.where(column.in_(list(ids)))

        papers = (await conn.execute(only(select(Paper.id, Paper.title, Paper.venue, Paper.year, Paper.link,
                                                 Paper.added_at, Paper.authors_incomplete), Paper.id)
                                     .order_by(Paper.id))).all()
        summaries: defaultdict[int, list[SummaryView]] = defaultdict(list)
        rows = await conn.execute(only(select(Entry.paper_id, Document.name, Entry.line, Entry.summary, Entry.writer)
                                       .join(Document, Entry.document_id == Document.id), Entry.paper_id))
        for pid, name, line, text, writer in rows:
            summaries[pid].append(SummaryView(name, line, text, writer))
        # Each paper's authors as its own source wrote them; people are matched by key (Person) for /author.
        authors: defaultdict[int, list[tuple[int, str]]] = defaultdict(list)
        rows = await conn.execute(only(select(Authorship.paper_id, Authorship.position, Authorship.name, Person.name)
                                       .join(Person, Authorship.person_id == Person.id), Authorship.paper_id))
        for pid, position, written, name in rows:
            authors[pid].append((position, written or name))
        topics: defaultdict[int, list[str]] = defaultdict(list)
        rows = await conn.execute(only(select(PaperTopic.paper_id, Topic.label)
                                       .join(Topic, PaperTopic.topic_id == Topic.id), PaperTopic.paper_id))
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
        for task in (self._follower, self._rebuild):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.engine.dispose()

    async def __aenter__(self) -> Library:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _reported(files: Sequence[CorpusFile], progress: IngestProgress) -> AsyncIterator[StreamedFile]:
    """The files parsed, telling `progress` as each one is done (its batches taken)."""
    sizes = [_size(f.path) for f in files]
    progress.start(len(files), sum(sizes))
    async with contextlib.aclosing(parsed(files)) as each:
        index = 0
        async for result in each:
            yield result
            progress.advance(result.name, sizes[index] if index < len(sizes) else 0, result.records)
            index += 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
