"""Two processes writing the same new setting or guild schedule at once: both succeed, the last one wins.

Each side has its own engine (its own connections), as two bot processes on one database do. The first
side's write is left uncommitted while the second starts, so the second really overlaps it.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db.engine import make_engine, make_sessionmaker
from store.db.migrate import upgrade
from store.db.settings import get_setting, put_setting
from store.servers.settings import Schedule, guild_schedule, save_schedule

DEFAULT = Schedule(channel_id=1, weekday=0, hour=9, minute=0, timezone="UTC")


@pytest.fixture
async def engines(database_url: str):
    pair = [make_engine(database_url) for _ in range(2)]
    await upgrade(pair[0])
    yield pair
    for engine in pair:
        await engine.dispose()


async def _overlapping(engines: list[AsyncEngine], first, second) -> None:
    """Run `first` in a transaction, start `second` in another before the first commits, finish both."""
    a, b = (make_sessionmaker(e) for e in engines)

    async def run_second() -> None:
        async with b() as session, session.begin():
            await second(session)

    async with a() as session:
        async with session.begin():
            await first(session)
            later = asyncio.create_task(run_second())
            await asyncio.sleep(0.3)
            assert not later.done()  # waiting on the first transaction's row or lock
        await asyncio.wait_for(later, 30)


async def test_two_writers_of_a_new_setting_both_succeed(engines: list[AsyncEngine]) -> None:
    await _overlapping(engines, lambda s: put_setting(s, "command_hash:1", "first"),
                       lambda s: put_setting(s, "command_hash:1", "second"))
    async with make_sessionmaker(engines[0])() as s:
        assert await get_setting(s, "command_hash:1") == "second"
        assert await get_setting(s, "command_hash:2") is None


async def test_a_setting_is_replaced_in_place(engines: list[AsyncEngine]) -> None:
    sessions = make_sessionmaker(engines[0])
    for value in ("a", "b"):
        async with sessions() as s, s.begin():
            await put_setting(s, "corpus_version", value)
    async with sessions() as s:
        assert await get_setting(s, "corpus_version") == "b"


async def test_two_first_schedule_changes_for_one_guild_both_apply(engines: list[AsyncEngine],
                                                                 database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite admits one writer at a time: a second process's write waits or reports the lock")
    await _overlapping(engines, lambda s: save_schedule(s, 7, DEFAULT, weekday=4),
                       lambda s: save_schedule(s, 7, DEFAULT, hour=17, minute=30))
    async with make_sessionmaker(engines[0])() as s:
        assert await guild_schedule(s, 7, DEFAULT) == Schedule(1, 4, 17, 30, "UTC")
