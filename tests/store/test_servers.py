"""A server's settings through `Servers`: defaults until changed, and the problem kept for admins with its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from store.db.engine import make_engine, make_sessionmaker
from store.db.migrate import upgrade
from store.servers.service import Servers
from store.servers.settings import AdminNotice, Schedule

DEFAULT = Schedule(channel_id=5, weekday=2, hour=8, minute=30, timezone="Europe/Paris")
GUILD = 1100000000000000042


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def servers(database_url: str):
    engine = make_engine(database_url)
    await upgrade(engine)
    clock = Clock(datetime(2026, 12, 1, 9, 15, tzinfo=UTC))
    yield Servers(make_sessionmaker(engine), DEFAULT, clock)
    await engine.dispose()


async def test_a_new_server_has_the_defaults_until_one_is_changed(servers: Servers) -> None:
    assert await servers.schedule(GUILD) == DEFAULT
    assert await servers.zone_and_channel(GUILD) == ("Europe/Paris", 5)
    assert await servers.change(GUILD, hour=17) == Schedule(5, 2, 17, 30, "Europe/Paris")
    assert await servers.schedule(GUILD) == Schedule(5, 2, 17, 30, "Europe/Paris")
    assert await servers.schedule(GUILD + 1) == DEFAULT


async def test_a_problem_is_kept_with_its_time_and_shown_once(servers: Servers) -> None:
    assert await servers.pop_admin_notice(GUILD) is None
    await servers.record_problem(GUILD, "missing permission: Send Messages in #papers")
    servers.clock.now += timedelta(days=2)  # type: ignore[attr-defined]
    await servers.record_problem(GUILD, "channel not found")  # the newer problem replaces the older
    notice = await servers.pop_admin_notice(GUILD)
    assert notice == AdminNotice("channel not found", datetime(2026, 12, 3, 9, 15, tzinfo=UTC))
    assert await servers.pop_admin_notice(GUILD) is None
    assert await servers.schedule(GUILD) == DEFAULT  # keeping a problem changed no setting


async def test_a_problem_kept_before_the_time_column_is_shown_without_a_time(servers: Servers) -> None:
    await servers.change(GUILD, weekday=4)
    async with servers.sessions() as s, s.begin():  # as revision 0006 left it: the text, no time
        await s.execute(text("UPDATE guild_settings SET last_error = 'channel not found' WHERE guild_id = :g"),
                        {"g": GUILD})
    assert await servers.pop_admin_notice(GUILD) == AdminNotice("channel not found", None)

