"""`Servers`: each server's settings, one transaction per call, for the digest, the reading group and admins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.servers.settings import (
    AdminNotice,
    Schedule,
    configured_channels,
    guild_schedule,
    pop_admin_notice,
    record_problem,
    save_schedule,
)


class Servers:
    """A server's channel, time zone and weekly slot (the defaults until an admin changes one)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], default: Schedule,
                 clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.default = default
        self.clock = clock

    async def schedule(self, guild_id: int) -> Schedule:
        async with self.sessions() as session:
            return await guild_schedule(session, guild_id, self.default)

    async def zone_and_channel(self, guild_id: int) -> tuple[str, int | None]:
        """The server's time zone and its channel (the digest's and the reading group's)."""
        schedule = await self.schedule(guild_id)
        return schedule.timezone, schedule.channel_id

    async def channels(self) -> list[tuple[int, int]]:
        """(server id, channel id) of each server with a channel of its own (`paperbot doctor` checks them)."""
        async with self.sessions() as session:
            return await configured_channels(session)

    async def change(self, guild_id: int, **changes: object) -> Schedule:
        async with self.sessions() as session, session.begin():
            return await save_schedule(session, guild_id, self.default, **changes)

    async def record_problem(self, guild_id: int, problem: str) -> None:
        """Keep a problem met in this server for the next admin command to show."""
        async with self.sessions() as session, session.begin():
            await record_problem(session, guild_id, self.default, problem, self.clock())

    async def pop_admin_notice(self, guild_id: int) -> AdminNotice | None:
        """The problem kept for admins, cleared as it is read (shown once)."""
        async with self.sessions() as session, session.begin():
            return await pop_admin_notice(session, guild_id)
