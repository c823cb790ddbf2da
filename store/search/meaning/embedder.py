"""The embedder: every paper's meaning vector made in the background, stored, and handed to the serving index.

Embedding costs about a millisecond a paper (a million papers: some ten minutes), so it is never in the path
of an ingest or of a full build: a build takes the vectors stored (store/search/meaning/stored.py), and this
makes the missing and stale ones afterwards. It is woken when the index is ready (a full load: every paper
is checked) and after a write or a change taken from the log (the papers named). A pass:

- hashes each paper's text (from the index's own columns, in a worker thread) and reads the stored marks
  (model, text hash) of a few thousand papers at a time;
- a stored vector that is current but missing from the index (a snapshot older than the vectors, a load that
  read the database before they were written) is read and handed over; no embedding;
- a missing or stale one (another model, another text) is embedded in a worker thread, outside any lock,
  `BATCH` papers at a time, each batch then written in its own short transaction under the write lock;
- what it found reaches the serving index a few seconds' worth at a time (`LiveIndex.take_vectors`: new
  arrays, the index swapped, never changed in place).

One process embeds at a time on a database (a file lock beside SQLite, an advisory lock on PostgreSQL,
both dropped with the process); the others only take the stored vectors, and look again later. A crash
loses at most the batch being embedded: the next pass finds the rest stored. The embedder waits while the
index loads or this process ingests, and logs its progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store.db.database import Database, patiently
from store.db.engine import in_memory
from store.search import heap
from store.search.meaning import rows, stored
from store.search.meaning.model import DIMS
from store.search.meaning.vectors import Quantised, quantise
from store.search.results import PaperView

log = logging.getLogger(__name__)

BATCH = 512  # papers embedded, then written in one transaction
CHUNK = 64  # papers embedded in one call (see _embedded)
SCAN = 4_096  # papers hashed and looked up at a time
HAND_OVER = 5.0  # seconds between hand-overs to the serving index (each copies the vectors: 260 MB at 1M)
LOOK_AGAIN = 60.0  # seconds before a process that found another embedding looks for its vectors again
PROGRESS = 10.0  # seconds between progress lines in the log
CLAIM_KEY = 0x6D65616E696E6721  # PostgreSQL advisory lock of the process embedding ("meaning!")
Batch = tuple[np.ndarray, list[str], np.ndarray]  # paper ids, their texts, the texts' hashes


class Serving(Protocol):
    """What the embedder needs of the live index (store.search.live.LiveIndex)."""

    loading: int  # full loads under way

    @property
    def index(self) -> Any: ...

    async def take_vectors(self, paper_ids: list[int], vectors: Quantised) -> None: ...

    async def save_vectors(self) -> None: ...


def _catalog_batches(index: Any) -> Iterator[Batch]:
    """Every paper of the index, SCAN at a time, read from its columns (an overlay: the base's papers it does
    not hide, then its changed papers)."""
    delta = getattr(index, "delta_papers", None)
    catalog = index.base.papers if delta is not None else index.papers
    hidden = set(index.hidden.tolist()) if delta is not None else set()
    labels = list(catalog.labels)
    for start in range(0, len(catalog), SCAN):
        stop = min(len(catalog), start + SCAN)
        ends = catalog.topic_ends[start : stop + 1].tolist()
        ids = catalog.topic_ids[ends[0] : ends[-1]].tolist()
        topics = [[labels[t] for t in ids[a - ends[0] : b - ends[0]]] for a, b in pairwise(ends)]
        texts, hashes = stored.hashes_of(catalog.titles.span(start, stop), topics, catalog.summaries(start, stop))
        pids = np.asarray(catalog.ids[start:stop], dtype=np.int64)
        if hidden:
            shown = np.asarray([i not in hidden for i in range(start, stop)], dtype=np.bool_)
            pids, hashes, texts = pids[shown], hashes[shown], [t for t, s in zip(texts, shown, strict=True) if s]
        yield pids, texts, hashes
    if delta:
        yield _views_batch(delta)


def _views_batch(views: Iterable[PaperView]) -> Batch:
    views = list(views)
    texts, hashes = stored.hashes_of([v.title for v in views], [v.topics for v in views], (v.summary for v in views))
    return np.asarray([v.id for v in views], dtype=np.int64), texts, hashes


@contextlib.asynccontextmanager
async def claim(database: Database) -> AsyncIterator[bool]:
    """Whether this process may embed: True while it holds the database's embedding lock, False (at once) when
    another process holds it."""
    parsed = make_url(database.url)
    if parsed.get_backend_name() == "sqlite":
        if in_memory(database.url):
            yield True
            return
        fd = os.open(f"{Path(str(parsed.database)).expanduser()}.embed-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing the file releases the lock
        return
    async with database.engine.connect() as conn:
        taken = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": CLAIM_KEY}))
        await conn.commit()
        try:
            yield taken
        finally:
            if taken:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": CLAIM_KEY})
                await conn.commit()


class Embedder:
    def __init__(self, database: Database, live: Serving) -> None:
        self.database, self.live = database, live
        self._full = False  # every paper to check
        self._named: set[int] = set()  # these papers to check
        self._task: asyncio.Task[None] | None = None
        self._held = 0  # an ingest of this process is running: wait
        self.embedded = 0  # papers this process embedded and stored
        self.handed = 0  # vectors handed to the serving index
        self._ready: tuple[list[int], list[Quantised]] = ([], [])
        self._handed_at = 0.0
        self._said_at = 0.0

    def wake(self, paper_ids: Iterable[int] | None = None) -> None:
        """Check these papers (None: every paper) soon, in the background."""
        if paper_ids is None:
            self._full = True
        else:
            self._named.update(paper_ids)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Pause between batches while this runs (an ingest: the embedder never competes with it)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1

    async def settled(self) -> None:
        """Wait until every pass asked for is done (tests, the benchmark)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def close(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while self._full or self._named:
            while self._held or self.live.loading:
                await asyncio.sleep(0.2)
            full, named = self._full, self._named
            self._full, self._named = False, set()
            try:
                left = await self._pass(full, named)
            except Exception:
                log.exception("meaning: the embedder stopped; the vectors stored so far are kept")
                return
            if left:  # another process is embedding: its vectors are taken later
                await asyncio.sleep(LOOK_AGAIN)
                self._full = True

    async def _pass(self, full: bool, named: set[int]) -> int:
        """One pass; how many papers it left without a current vector (another process embeds them)."""
        index = self.live.index
        if getattr(index, "meaning", None) is None:
            return 0
        model = index.meaning_model
        started, before, left, handed_before = time.monotonic(), self.embedded, 0, self.handed
        async with claim(self.database) as mine:
            source = _catalog_batches(index) if full else iter(
                [_views_batch(v for p in sorted(named) if (v := index.get(p)) is not None)])
            done = 0
            while (batch := await asyncio.to_thread(next, source, None)) is not None:
                left += await self._batch(batch, model, mine)
                done += len(batch[0])
                self._progress(done, len(index), started, before)
                while self._held or self.live.loading:
                    await asyncio.sleep(0.2)
        await self._hand_over(force=True)
        if full and self.handed > handed_before:
            await self.live.save_vectors()
        if full:
            await asyncio.to_thread(heap.give_back)  # the pass's texts and copies: their pages back to the system
        if self.embedded > before:
            seconds = time.monotonic() - started
            log.info("meaning: %d papers embedded in %.1fs (%.0f papers/s)", self.embedded - before, seconds,
                     (self.embedded - before) / max(seconds, 1e-9))
        return left

    async def _batch(self, batch: Batch, model: str, mine: bool) -> int:
        pids, texts, hashes = batch
        if not len(pids):
            return 0
        async with self.database.session() as s:
            marks = await stored.marks(s, pids.tolist())
        current = np.asarray([marks.get(p) == (model, h) for p, h in zip(pids.tolist(), hashes.tolist(),
                                                                          strict=True)], dtype=np.bool_)
        index = self.live.index
        at = rows.positions(index, pids)
        known = np.zeros(len(pids), dtype=np.bool_)
        known[at >= 0] = index.meaning_known[at[at >= 0]]
        missing = pids[current & ~known & (at >= 0)]
        if missing.size:
            async with self.database.session() as s:
                ids, vectors = await stored.read_vectors(s, missing.tolist(), model)
            await self._ready_to_hand(ids, vectors)
        stale = np.flatnonzero(~current)
        if not mine:
            return int(stale.size)
        for start in range(0, stale.size, BATCH):
            part = stale[start : start + BATCH]
            vectors = await asyncio.to_thread(_embedded, [texts[j] for j in part.tolist()])
            ids, part_hashes = pids[part].tolist(), hashes[part].tolist()

            async def write(ids: list[int] = ids, part_hashes: list[int] = part_hashes,
                            vectors: Quantised = vectors) -> int:
                async with self.database.write_lock, self.database.session() as s, s.begin():
                    return await stored.write_vectors(s, model, ids, part_hashes, vectors)

            self.embedded += await patiently(write)
            await self._ready_to_hand(ids, vectors)
        return 0

    async def _ready_to_hand(self, ids: list[int], vectors: Quantised) -> None:
        if ids:
            self._ready[0].extend(ids)
            self._ready[1].append(vectors)
        await self._hand_over()

    async def _hand_over(self, force: bool = False) -> None:
        ids, parts = self._ready
        if not ids or (not force and time.monotonic() - self._handed_at < HAND_OVER):
            return
        self._ready = ([], [])
        await self.live.take_vectors(ids, Quantised.concat(parts))
        self.handed += len(ids)
        self._handed_at = time.monotonic()

    def _progress(self, done: int, total: int, started: float, before: int) -> None:
        now = time.monotonic()
        if now - self._said_at >= PROGRESS:
            self._said_at = now
            made = self.embedded - before
            log.info("meaning: %d of %d papers checked, %d embedded (%.0f papers/s)", done, total, made,
                     made / max(now - started, 1e-9))


def _embedded(texts: list[str]) -> Quantised:
    """The texts embedded CHUNK at a time: a numpy step over 512 texts' tokens (np.add.reduceat) holds the
    interpreter lock for 70-140 ms, stalling the event loop; over 64 about 10 ms, and faster (its arrays stay
    in the cache: 4,200 papers/s against 1,700 measured)."""
    from store.search.meaning.model import embed

    return quantise(np.concatenate([embed(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)])
                    if texts else np.zeros((0, DIMS), dtype=np.float32))
