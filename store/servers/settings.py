"""A server's settings row: read with the defaults filled in, changed key by key, a problem kept for admins.

Functions over an open database session, so a feature can change a server's settings in the same
transaction as its own rows; `Servers` (store.servers.service) is the same with the transaction included.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.engine import utc
from store.db.models import GuildSettings


@dataclass(frozen=True, slots=True)
class Schedule:
    channel_id: int | None
    weekday: int
    hour: int
    minute: int
    timezone: str


async def guild_schedule(session: AsyncSession, guild_id: int, default: Schedule) -> Schedule:
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        return default
    return Schedule(row.channel_id if row.channel_id is not None else default.channel_id, row.weekday, row.hour,
                    row.minute, row.timezone)


async def configured_channels(session: AsyncSession) -> list[tuple[int, int]]:
    """(server id, channel id) of every server whose admins chose a channel; only these two columns, so a
    database some revisions behind still answers."""
    rows = await session.execute(select(GuildSettings.guild_id, GuildSettings.channel_id)
                                 .where(GuildSettings.channel_id.is_not(None)).order_by(GuildSettings.guild_id))
    return [(int(guild), int(channel)) for guild, channel in rows.all()]


async def save_schedule(session: AsyncSession, guild_id: int, default: Schedule, **changes: object) -> Schedule:
    row = await session.get(GuildSettings, guild_id)
    if row is None:  # the guild's first change: start from the defaults, unless another process just did
        with contextlib.suppress(IntegrityError):
            async with session.begin_nested():
                await session.execute(insert(GuildSettings).values(
                    guild_id=guild_id, channel_id=default.channel_id, weekday=default.weekday,
                    hour=default.hour, minute=default.minute, timezone=default.timezone))
        row = await session.get(GuildSettings, guild_id)
        assert row is not None
    for key, value in changes.items():
        setattr(row, key, value)
    await session.flush()
    return Schedule(row.channel_id, row.weekday, row.hour, row.minute, row.timezone)


@dataclass(frozen=True, slots=True)
class AdminNotice:
    """A problem met in a server, kept until an admin looks; `at` is None for one kept before revision 0007."""

    text: str
    at: datetime | None


async def record_problem(session: AsyncSession, guild_id: int, default: Schedule, problem: str,
                         at: datetime) -> None:
    await save_schedule(session, guild_id, default, last_error=problem[:1000], last_error_at=at)


async def pop_admin_notice(session: AsyncSession, guild_id: int) -> AdminNotice | None:
    row = await session.get(GuildSettings, guild_id)
    if row is None or not row.last_error:
        return None
    notice = AdminNotice(row.last_error, utc(row.last_error_at))
    row.last_error, row.last_error_at = None, None
    return notice
