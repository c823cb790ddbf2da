"""Posting something exactly once, across restarts and processes: claim it in the database first.

A claim is a row whose unique key is the thing to post (a server's week, a session's reminder).
Inserting it is the claim, so the schema admits one winner; a claim whose process died before
posting (never posted, older than the lease) is taken over by one conditional update.

An ingest is claimed differently (`ingest_claim`): by a lock the operating system or PostgreSQL drops
with the process that held it, so a crashed ingest never leaves a claim behind. A second ingest either
waits its turn in the application (a `/reload`), never on the first's write lock and its busy timeout,
or is told at once that another is running (`paperbot ingest`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from store.db.engine import in_memory

LEASE = timedelta(minutes=10)  # a claim not posted within this is considered abandoned


async def claim_once(session: AsyncSession, model: Any, key: dict[str, Any], claimed_by: str, now: datetime,
                     lease: timedelta = LEASE) -> int | None:
    """The claim's id, or None when it is posted or another claim is live.

    `model` has `id`, `claimed_at`, `claimed_by` and `posted_at` columns and a unique constraint on
    the columns of `key`.
    """
    try:
        async with session.begin_nested():
            return await session.scalar(insert(model).values(**key, claimed_at=now, claimed_by=claimed_by)
                                        .returning(model.id))
    except IntegrityError:
        pass
    # Taken: take over an abandoned claim (never posted, lease expired); the WHERE makes it one winner.
    result = await session.execute(
        update(model)
        .where(*(getattr(model, column) == value for column, value in key.items()),
               model.posted_at.is_(None), model.claimed_at < now - lease)
        .values(claimed_at=now, claimed_by=claimed_by)
        .returning(model.id))
    return result.scalar()


INGEST_PATIENCE = 14 * 60.0  # seconds a /reload waits for another ingest: inside an interaction's 15 minutes
INGEST_KEY = 0x7061706572696E67  # PostgreSQL advisory lock of a running ingest ("papering")


class IngestRunning(RuntimeError):
    """Another ingest holds the database: this one was not started."""

    def __init__(self) -> None:
        super().__init__("another ingest is running: nothing was read; try again when it has finished")


async def _taken(attempt: Callable[[], Awaitable[bool]], wait: bool, patience: float) -> None:
    """Try to take the claim; while another holds it, raise IngestRunning or (wait) try again with backoff."""
    loop = asyncio.get_running_loop()
    deadline, pause = loop.time() + patience, 0.05
    while not await attempt():
        if not wait or loop.time() + pause > deadline:
            raise IngestRunning()
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


@contextlib.asynccontextmanager
async def ingest_claim(engine: AsyncEngine, url: str, *, wait: bool = True,
                       patience: float | None = None) -> AsyncIterator[None]:
    """Hold the claim of the one ingest running on this database: wait for it (up to `patience` seconds,
    INGEST_PATIENCE unless told), or with `wait=False` raise IngestRunning at once if another ingest holds it.

    SQLite: an exclusive `flock` on a file beside the database; PostgreSQL: a session advisory lock on a
    connection kept for the ingest. Both go with the process. An in-memory database has no other process.
    """
    patience = INGEST_PATIENCE if patience is None else patience
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if in_memory(url):
            yield
            return
        path = Path(str(parsed.database)).expanduser()
        fd = os.open(f"{path}.ingest-lock", os.O_RDWR | os.O_CREAT, 0o600)

        async def flock() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False
        try:
            await _taken(flock, wait, patience)
            yield
        finally:
            os.close(fd)  # closing the file releases the lock
        return
    async with engine.connect() as conn:
        async def advisory() -> bool:
            taken = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": INGEST_KEY}))
            await conn.commit()
            return taken
        await _taken(advisory, wait, patience)
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": INGEST_KEY})
            await conn.commit()
