"""Bulk work no one waits for (`Database.off_the_loop(background=True)`: an index rebuild while the old index
answers) runs on a thread of its own at a lower priority, as do the threads it starts; other work, the
threads of the shared pool and the event loop's keep theirs. Linux sets a priority per thread."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import database as database_module
from store.db.database import Database

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a priority per thread: Linux")


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def _seen(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int, str]:
    """(this thread's niceness, a thread it starts', a SQL answer, this thread's name)."""
    started: list[int] = []
    thread = threading.Thread(target=lambda: started.append(_niceness()))
    thread.start()
    thread.join()
    async with sessions() as s:
        answer = (await s.execute(text("SELECT 41 + 1"))).scalar_one()
    return _niceness(), started[0], answer, threading.current_thread().name


async def test_background_work_runs_below_the_loops_priority_and_the_pool_keeps_its_own(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3")
    try:
        own = _niceness()
        expected = min(own + database_module.BACKGROUND_NICENESS, 19)
        assert await db.off_the_loop(_seen, background=True) == (expected, expected, 42,
                                                                    "paperbot-background_0")
        plain = await db.off_the_loop(_seen)
        assert plain[:3] == (own, own, 42) and not plain[3].startswith("paperbot-background")
        pool = await asyncio.gather(*(asyncio.to_thread(_niceness) for _ in range(8)))
        assert set(pool) == {own} and _niceness() == own  # no thread the loop shares was lowered
    finally:
        await db.dispose()


async def test_background_work_that_fails_raises_as_any_other(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/p.sqlite3")

    async def fails(_: async_sessionmaker[AsyncSession]) -> None:
        raise LookupError("no such paper")

    try:
        with pytest.raises(LookupError, match="no such paper"):
            await db.off_the_loop(fails, background=True)
        assert (await db.off_the_loop(_seen, background=True))[2] == 42  # and the next one runs
    finally:
        await db.dispose()
