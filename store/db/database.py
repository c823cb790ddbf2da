"""`Database`: one database as this process uses it, shared by the corpus ingest and the live index.

It holds the engine, sessions tagged with this process's name in the change log (`origin`), the lock
that lets one write of this process run at a time, and the way bulk work leaves the event loop (and, on
SQLite, leaves the copy of its write-ahead log into the database file to a checkpoint behind it).
`patiently` is how a member's write waits its turn: another process (a CLI ingest) can hold SQLite's
only write lock for minutes, longer than any busy timeout, so a write that meets "database is locked"
is tried again with backoff (nothing was written: SQLite refuses before the first change), and whoever
waits is told once that it is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import collector
from store.db.engine import database_url, in_memory, make_engine, make_sessionmaker, redact

T = TypeVar("T")
log = logging.getLogger(__name__)

NOTICE_AFTER = 2.0  # seconds a member's write may wait before the member is told it is queued
PATIENCE = 14 * 60.0  # seconds of retries: within Discord's 15 minutes to answer an interaction
BACKOFF = (0.05, 2.0)  # the first pause between attempts, and the longest
_SMALL_LOG = 1_000  # pages: SQLite's own automatic checkpoint threshold; a checkpoint of fewer is not told


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" (or a table's): another connection holds the write lock."""
    return isinstance(exc, OperationalError) and "is locked" in str(exc.orig if exc.orig is not None else exc)


async def patiently(attempt: Callable[[], Awaitable[T]], *, on_wait: Callable[[], Awaitable[None]] | None = None,
                    notice_after: float | None = None, patience: float | None = None) -> T:
    """`attempt()`, tried again with backoff while the database is locked by another writer.

    `attempt` must be one whole transaction (a refused one wrote nothing, so trying it again is safe).
    `on_wait` is awaited once if the write has not finished after `notice_after` seconds (whether it waits
    on this process's write lock or on another process's), and before this returns, so a "queued" notice
    never arrives after the answer. After `patience` seconds the last error is raised.
    """
    loop = asyncio.get_running_loop()
    notice_after = NOTICE_AFTER if notice_after is None else notice_after
    patience = PATIENCE if patience is None else patience
    notices: list[asyncio.Task[None]] = []
    timer = None if on_wait is None else loop.call_later(
        notice_after, lambda: notices.append(loop.create_task(on_wait())))
    deadline, pause = loop.time() + patience, BACKOFF[0]
    try:
        while True:
            try:
                return await attempt()
            except OperationalError as exc:
                if not is_locked(exc) or loop.time() + pause > deadline:
                    raise
                log.info("database busy (%s): trying again in %.2fs", exc.orig, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, BACKOFF[1])
    finally:
        if timer is not None:
            timer.cancel()
        for notice in notices:
            try:
                await notice
            except Exception:  # the member was not told; the write itself is what matters
                log.warning("telling a member their write is queued failed", exc_info=True)


BACKGROUND_NICENESS = 10  # added to a background thread's (`Database.off_the_loop`): it yields the cores first


def _lower_priority() -> None:
    """Lower the calling thread's priority, and so that of the threads it starts (Linux sets it per thread)."""
    with contextlib.suppress(AttributeError, OSError):
        if sys.platform.startswith("linux"):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0)
                           + BACKGROUND_NICENESS)


class Database:
    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine: AsyncEngine = make_engine(self.url)
        # This process's name in the corpus change log: it skips its own changes when it reads the log.
        self.origin = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.sessionmaker: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine, self.origin)
        self.write_lock = asyncio.Lock()  # an ingest and a member's write never interleave in one process
        self._behind: asyncio.Task[None] | None = None  # the checkpoint after bulk work, while it runs

    def __repr__(self) -> str:
        return f"Database({redact(self.url)!r})"

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @property
    def in_memory(self) -> bool:
        return in_memory(self.url)

    async def off_the_loop(self, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]],
                           background: bool = False) -> T:
        """Run bulk database work on a worker thread with its own event loop and engine.

        Parsing a bulk import, reading 100,000 papers back and building their index are seconds of
        Python: on the event loop they would stall the Discord gateway. An in-memory SQLite database
        lives on this loop's connection only, so it is the exception (it only ever holds small corpora).
        `background`: work no one waits for (an index rebuild while the old index answers) runs on a thread of
        its own at a lower priority (`BACKGROUND_NICENESS`, where the system sets it per thread), and the
        threads it starts with it: on a small machine the event loop and members' queries have the cores first.
        """
        if self.in_memory:
            with collector.paused():
                return await work(self.sessionmaker)

        async def own_engine() -> T:
            engine = make_engine(self.url, checkpoints=False)
            try:
                with collector.paused():
                    return await work(make_sessionmaker(engine, self.origin))
            finally:
                await engine.dispose()

        if not background:
            done = await asyncio.to_thread(asyncio.run, own_engine())
        else:  # a thread of its own: a thread of the shared pool could not be given its priority back
            pool = ThreadPoolExecutor(1, thread_name_prefix="paperbot-background", initializer=_lower_priority)
            try:
                done = await asyncio.get_running_loop().run_in_executor(pool, asyncio.run, own_engine())
            finally:
                pool.shutdown(wait=False)
        self.checkpoint_behind()  # (work that failed committed nothing to copy)
        return done

    def checkpoint_behind(self) -> None:
        """Copy the write-ahead log into the database file in the background (SQLite; nothing elsewhere).

        Bulk work commits without a checkpoint (`make_engine(checkpoints=False)`): what it wrote is committed
        and read by every connection from the log, and a crash loses none of it (SQLite replays the log), so
        the import is done when it commits. The copy into the file, seconds at a million papers (the log holds
        the whole import), runs here afterwards on SQLite's own thread, as PASSIVE as the automatic checkpoint:
        it waits for no reader and holds up no writer. One runs at a time; `settled` waits for it."""
        if self.engine.dialect.name != "sqlite" or self.in_memory:
            return
        before = self._behind
        self._behind = asyncio.get_running_loop().create_task(self._checkpoint(before))

    async def _checkpoint(self, before: asyncio.Task[None] | None) -> None:
        if before is not None:
            await asyncio.wait([before])
        started = time.perf_counter()
        try:
            async with self.engine.connect() as conn:
                busy, logged, copied = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")).one()
        except Exception as exc:  # interrupted (a stopping CLI interrupts SQLite), or the file went away
            log.info("the checkpoint after bulk work stopped (%s): SQLite's next automatic one copies the log", exc)
            return
        if logged > _SMALL_LOG:
            held = " (readers held the rest)" if busy or copied < logged else ""
            log.info("copied %s of %s pages of the write-ahead log into the database file in %.1f s%s",
                     f"{copied:,}", f"{logged:,}", time.perf_counter() - started, held)

    async def settled(self) -> None:
        """Wait for the checkpoint behind bulk work, if one runs."""
        while (task := self._behind) is not None:
            await asyncio.wait([task])
            if self._behind is task:
                self._behind = None

    async def dispose(self) -> None:
        await self.settled()
        await self.engine.dispose()
