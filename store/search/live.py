"""`LiveIndex`: the search index a running process answers from, kept in step with the database.

Queries read `index`, an immutable `SearchIndex`; a load builds a new one off the event loop and
replaces the reference in one assignment, so a query running meanwhile is answered from the old index
or the new one, never from half of each. A load takes the snapshot of the current corpus version when
there is one, else rebuilds from the database (and saves the snapshot). `write` runs a member's write
in one transaction under the process's write lock, and its few changed papers are laid over the index
at once (`take_changes`: an `OverlayIndex` on a large index, an exact rebuild in memory on a small one);
a full build replaces the overlay after a quiet period. A /reload that changed a few papers takes them the
same way, named by the change log (`take_logged`). `catch_up` takes what other processes committed
(store.db.changes); store.search.follow calls it when the log moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.corpus.service import Corpus
from store.db import changes
from store.db.changes import CORPUS_VERSION
from store.db.database import Database
from store.db.models import Paper
from store.db.settings import get_setting
from store.search import heap, snapshot, spill
from store.search.acronyms import Glossary, load_glossary
from store.search.index import FIELD_WEIGHTS, MATRICES, SearchIndex
from store.search.layout_process import LayoutProcess
from store.search.meaning import rows, stored
from store.search.meaning.model import MeaningUnavailable
from store.search.meaning.vectors import Quantised
from store.search.overlay import OverlayIndex, supports
from store.search.results import PaperView
from store.search.views import read_catalog, read_views
from store.text import tokenize

log = logging.getLogger(__name__)

OVERLAY_FROM = 2_000  # papers: a smaller index takes a change by an exact rebuild in memory (milliseconds)
OVERLAY_MAX = 1_000  # changed papers an overlay holds before the full rebuild starts at once
QUIET_SECONDS = 60.0  # after the last change, the overlay is replaced by a full build in the background
LAYOUT_PROCESS_FROM = 20_000  # papers from which a full build lays out and weighs the fields in a process of its own

if TYPE_CHECKING:
    from store.search.meaning.embedder import Embedder

State = tuple[SearchIndex, Sequence[PaperView]]
T = TypeVar("T")


def _let_go(held: list[State]) -> None:
    held.clear()
    heap.give_back()


@cache
def _empty() -> State:
    """What a process answers from before its first load: built once per process (milliseconds, no
    database), immutable, so shared by every `LiveIndex`."""
    return SearchIndex.build([]), ()


class LiveIndex:
    def __init__(self, database: Database, corpus: Corpus, meaning: bool = False) -> None:
        """`meaning`: the index carries the papers' meaning vectors (store/search/meaning), filled by `embedder`."""
        heap.keep_work_arrays()  # a query's score arrays reused rather than faulted in again (store.search.heap)
        self.database = database
        self.meaning = meaning
        self.embedder: Embedder | None = None  # set by the Library when meaning is on
        self.loading = 0  # full loads under way (the embedder waits for them)
        self.corpus = corpus  # its folder holds the corpus's own glossaries
        self._state: State = _empty()  # the index and its catalog, swapped together
        self.generation = 0  # bumped at every index swap
        self.snapshot: Path | None = snapshot.snapshot_path(database.url)
        self.index_source = "empty"  # then "snapshot", "rebuilt" or "overlay": where the current index came from
        # Changes taken into the index since the last full load, for the load running meanwhile to re-apply:
        # (sequence number, paper id -> its new view or None when deleted).
        self._changes: list[tuple[int, dict[int, PaperView | None]]] = []
        self._seq = 0
        self._index_lock = asyncio.Lock()
        self.rebuild_task: asyncio.Task[None] | None = None
        self._rebuilding = False
        self.quiet_seconds = QUIET_SECONDS
        self.overlay_from = OVERLAY_FROM
        self._glossary: Glossary | None = None
        self.seen_change = 0  # the newest change in the log that the index holds (store.db.changes)
        self.taken_change_at: datetime | None = None  # when the newest change taken from another process was made
        self._follow_lock = asyncio.Lock()
        self._saved: tuple[SearchIndex | None, str] = (None, "")  # the index a full load made, and its stamp

    @property
    def index(self) -> SearchIndex:
        return self._state[0]

    @property
    def catalog(self) -> Sequence[PaperView]:
        """The papers the current index was built from, in id order (no database round trip). A sequence made
        on demand (store/search/catalog.py): reading a paper makes its view, so a walk over every paper costs
        some microseconds a paper; a feature that needs one field of every paper is better served by a column."""
        return self._state[1]

    async def refresh(self, *, rebuild: bool = False) -> None:
        """Load the snapshot of the current corpus version, or rebuild the index from the database; swap it in."""
        since = self._seq  # changes after this may be missing from what the load reads: re-applied below
        self.loading += 1
        try:
            index, source, seen, stamp = await self.database.off_the_loop(
                lambda sessions: self._load(sessions, rebuild), background=True)
        finally:
            self.loading -= 1
        async with self._index_lock:
            later: dict[int, PaperView | None] = {}
            for seq, taken in self._changes:
                if seq > since:
                    later.update(taken)
            if later:
                index = await asyncio.to_thread(self._with_changes, index, later)
                source = "overlay" if isinstance(index, OverlayIndex) else source
            self._changes = [c for c in self._changes if c[0] > since]
            replaced = [self._state]
            self._swap(index, source)
            self._saved = (index, stamp)
            self.seen_change = max(self.seen_change, seen)
        log.info("index ready: %d papers (%s)", len(index), self.index_source)
        del index
        # The index swapped out is let go off the loop (unless a query still holds it): unmapping a million
        # papers' snapshot is tens of ms; then its heap can go back.
        await asyncio.to_thread(_let_go, replaced)
        if self.embedder is not None:
            self.embedder.wake()  # every paper checked: vectors missing, stale, or stored since the read

    def _model(self) -> str | None:
        """The meaning model's fingerprint; None when meaning is off, or its package is missing (said once)."""
        if not self.meaning:
            return None
        try:
            return stored.fingerprint()
        except MeaningUnavailable as exc:
            log.warning("meaning is off: %s", exc)
            self.meaning = False
            return None

    async def take_vectors(self, paper_ids: Sequence[int], vectors: Quantised) -> None:
        """Lay these papers' vectors (the embedder's) over the index: a copy of it with new arrays, swapped in;
        papers no longer in it are skipped."""
        async with self._index_lock:
            index = self.index
            if getattr(index, "meaning", None) is None:
                return
            at = rows.positions(index, np.asarray(paper_ids, dtype=np.int64))
            patched = await asyncio.to_thread(rows.patched, index, at, vectors)
            self._state = (patched, self._state[1])
            self.generation += 1
            if self._saved[0] is index:
                self._saved = (patched, self._saved[1])

    async def save_vectors(self) -> None:
        """After the embedder handed vectors over: the snapshot saved again with them (a restart then has them at
        once), and the index answered from it (its vectors shared in the page cache, not this process's copy).
        Not for an overlay (the quiet-period rebuild saves) nor an index a load has replaced meanwhile."""
        index, stamp = self._saved
        if not self.snapshot or index is not self.index or isinstance(index, OverlayIndex) or not stamp:
            return
        await asyncio.to_thread(snapshot.save, index, self.snapshot, stamp)
        loaded = await asyncio.to_thread(snapshot.load, self.snapshot, stamp)
        async with self._index_lock:
            if loaded is not None and self.index is index:
                self._state = (loaded, self._state[1])  # the same papers in the same order: the catalog stays
                self.generation += 1
                self._saved = (loaded, stamp)

    def _swap(self, index: SearchIndex, source: str) -> None:
        catalog = index.visible_papers() if isinstance(index, OverlayIndex) else index.papers
        self._state = (index, catalog)  # one assignment: readers see old or new, never a mix
        self.generation += 1
        self.index_source = source

    def _with_changes(self, index: SearchIndex, taken: dict[int, PaperView | None]) -> SearchIndex:
        """The index with these papers replaced or removed: an overlay on a large index, else a new build. With
        meaning on, the changed papers are embedded now (a millisecond each): /similar knows them at once."""
        vectors = {}
        if getattr(index, "meaning", None) is not None:
            vectors = rows.embedded(v for v in taken.values() if v is not None)
        if len(index) >= self.overlay_from and (supports(index) or isinstance(index, OverlayIndex)):
            return OverlayIndex(index, taken, vectors)
        papers = {p.id: p for p in (index.visible_papers() if isinstance(index, OverlayIndex) else index.papers)}
        for pid, view in taken.items():
            if view is None:
                papers.pop(pid, None)
            else:
                papers[pid] = view
        built = SearchIndex.build([papers[pid] for pid in sorted(papers)], self._glossary)
        rows.carried(index, built, vectors)
        return built

    async def take_changes(self, paper_ids: set[int]) -> None:
        """Make the current state of these papers searchable now (after a write that changed them)."""
        if not paper_ids:
            return
        async with self.database.session() as s:
            views = {v.id: v for v in await read_views(s, sorted(paper_ids))}
        taken: dict[int, PaperView | None] = {pid: views.get(pid) for pid in paper_ids}
        async with self._index_lock:
            self._seq += 1
            self._changes.append((self._seq, taken))
            index = await asyncio.to_thread(self._with_changes, self.index, taken)
            self._swap(index, "overlay" if isinstance(index, OverlayIndex) else "rebuilt")
        if isinstance(index, OverlayIndex):
            self._schedule_rebuild(now=len(index.changes) >= OVERLAY_MAX)
        if self.embedder is not None:
            self.embedder.wake(paper_ids)  # stored for the next start and the other processes

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]], changed: Callable[[T], set[int]]) -> T:
        """Run `work` in one transaction under the process's write lock, then take the papers it changed
        into the index before returning: a member's saved summary is searchable when the reply is sent."""
        async with self.database.write_lock:
            async with self.database.session() as s, s.begin():
                result = await work(s)
            await self.take_changes(changed(result))
        return result

    def _schedule_rebuild(self, *, now: bool = False) -> None:
        """A full build replaces the overlay after a quiet period (or at once when the overlay is large).

        A build already under way is left to finish (what changed meanwhile is re-applied on top of it),
        and the next one waits for it.
        """
        previous = self.rebuild_task
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

        self.rebuild_task = asyncio.get_running_loop().create_task(later())

    async def _load(self, sessions: async_sessionmaker[AsyncSession], rebuild: bool
                    ) -> tuple[SearchIndex, str, int, str]:
        with contextlib.ExitStack() as spills:  # a build's spills, named where its snapshot will link them
            return await self._load_spilling(sessions, rebuild, spills)

    async def _load_spilling(self, sessions: async_sessionmaker[AsyncSession], rebuild: bool,
                             spills: contextlib.ExitStack) -> tuple[SearchIndex, str, int, str]:
        async with sessions() as s, s.begin():  # one read transaction: the stamp matches the papers
            # Read first: a change committed while the papers are read is then taken again, never missed.
            seen = await changes.latest(s)
            version = await get_setting(s, CORPUS_VERSION)
            if version is None:
                version = await changes.record(s, None)
            glossary = await asyncio.to_thread(load_glossary, self.corpus.corpus_dir)
            self._glossary = glossary  # an in-memory rebuild after a member's change uses it too
            for problem in glossary.problems:
                log.warning("glossary: %s", problem)
            # The glossaries are not in the database: a snapshot is also stamped with their fingerprint.
            stamp = f"{version}+{glossary.fingerprint}"
            model = await asyncio.to_thread(self._model)
            if self.snapshot and not rebuild:
                index = await asyncio.to_thread(snapshot.load, self.snapshot, stamp)
                if index is not None:
                    rows.fit(index, model)
                    return index, "snapshot", seen, stamp
            if self.snapshot and (building := await asyncio.to_thread(snapshot.building_folder, self.snapshot)):
                spills.callback(shutil.rmtree, building, ignore_errors=True)  # the names: the parts are linked
                spills.enter_context(spill.named_in(building))
            vectors = None if model is None else stored.VectorColumn(model)
            # A large corpus is laid out by a process of its own as it is read (store.search.layout_process).
            laying = (LayoutProcess.start(MATRICES, len(FIELD_WEIGHTS))
                      if await s.scalar(select(func.count()).select_from(Paper)) >= LAYOUT_PROCESS_FROM else None)
            try:
                catalog = await read_catalog(s, vectors=vectors, fields=laying.send if laying else None)
                if laying is not None:
                    laying.end()  # the matrices made while the index's other parts are
            except BaseException:
                if laying is not None:
                    await asyncio.to_thread(laying.close)
                raise
            heap.give_back()  # the rows read, a batch at a time
        try:
            index = await asyncio.to_thread(SearchIndex.build, catalog, glossary, laying)
        finally:
            if laying is not None:
                await asyncio.to_thread(laying.close)  # what it laid out, when the build did not take it
        rows.attach(index, *(vectors.finish() if vectors is not None else (None, None)), model)
        del catalog
        tokenize.forget()  # the build's every distinct word, which queries will hardly meet: a few hundred MB at 1M
        if self.snapshot:
            await asyncio.to_thread(snapshot.save, index, self.snapshot, stamp)
            # Answer from the file just written: its arrays are then the page cache's, not this process's own.
            index = await asyncio.to_thread(snapshot.load, self.snapshot, stamp) or index
        return index, "rebuilt", seen, stamp

    async def catch_up(self) -> str:
        """Take the changes other processes committed since the index was read; says what it did.

        A few papers are read back and laid over the index (`take_changes`); a change too large to name
        its papers, or a log that no longer reaches back far enough, means a full load (the shared
        snapshot when it is current, else a rebuild), off the event loop. Queries meanwhile are answered
        from the index as it was.
        """
        async with self._follow_lock:
            async with self.database.session() as s:
                pending, complete = await changes.since(s, self.seen_change, limit=OVERLAY_MAX)
            if not pending:
                return "current"
            foreign = [c for c in pending if c.origin != self.database.origin]
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

    async def take_logged(self, after: int) -> bool:
        """Take every change logged after `after`, this process's own included, through the overlay (as a
        member's write is taken); False, having taken nothing, when that is not possible: the log no longer
        reaches back to `after`, a change did not name its papers, they are more than OVERLAY_MAX, or the
        corpus folder's glossary changed (the caller then loads the index in full). A /reload that changed
        a few papers costs about as much as those papers, not as the corpus; the quiet-period rebuild (or
        the one at once past OVERLAY_MAX) then replaces the overlay by a full build, as after members' writes.

        `after` is a change the index held before the ingest (`seen_change` read before it): a follower
        passing meanwhile skips this process's own changes, so `seen_change` alone could have moved past
        the ingest's. Re-taking a change the index already holds reads the same papers again: harmless.
        """
        glossary = await asyncio.to_thread(load_glossary, self.corpus.corpus_dir)
        if self._glossary is None or glossary.fingerprint != self._glossary.fingerprint:
            return False  # the corpus folder's glossary changed too: every paper's expansions may differ
        async with self._follow_lock:
            async with self.database.session() as s:
                pending, complete = await changes.since(s, after, limit=OVERLAY_MAX)
            if not pending:
                return complete
            named: set[int] = set()
            for c in pending:
                if c.papers is None:
                    return False
                named |= c.papers
            if not complete or len(named) > OVERLAY_MAX:
                return False
            await self.take_changes(named)
            self.seen_change = max(self.seen_change, pending[-1].id)
            return True

    async def close(self) -> None:
        """Stop the scheduled rebuild, if any."""
        task = self.rebuild_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
