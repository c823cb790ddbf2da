"""`Database`: one database as this process uses it, shared by the corpus ingest and the live index.

It holds the engine, sessions tagged with this process's name in the change log (`origin`), the lock
that lets one write of this process run at a time, and the way bulk work leaves the event loop.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import collector
from store.db.engine import database_url, in_memory, make_engine, make_sessionmaker, redact

T = TypeVar("T")


class Database:
    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine: AsyncEngine = make_engine(self.url)
        # This process's name in the corpus change log: it skips its own changes when it reads the log.
        self.origin = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.sessionmaker: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine, self.origin)
        self.write_lock = asyncio.Lock()  # an ingest and a member's write never interleave in one process

    def __repr__(self) -> str:
        return f"Database({redact(self.url)!r})"

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @property
    def in_memory(self) -> bool:
        return in_memory(self.url)

    async def off_the_loop(self, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
        """Run bulk database work on a worker thread with its own event loop and engine.

        Parsing a bulk import, reading 100,000 papers back and building their index are seconds of
        Python: on the event loop they would stall the Discord gateway. An in-memory SQLite database
        lives on this loop's connection only, so it is the exception (it only ever holds small corpora).
        """
        if self.in_memory:
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

    async def dispose(self) -> None:
        await self.engine.dispose()
