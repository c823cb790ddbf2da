"""The presenters' rotation: volunteers, the one who presented least recently first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.models import Meeting, Volunteer


async def volunteer(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> bool:
    """Add a member to the presenter rotation; False if they already are in it."""
    try:
        async with session.begin_nested():
            await session.execute(insert(Volunteer).values(guild_id=guild_id, member_id=member_id, since=now))
        return True
    except IntegrityError:
        return False


async def withdraw(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    result = await session.execute(delete(Volunteer).where(Volunteer.guild_id == guild_id,
                                                           Volunteer.member_id == member_id))
    return bool(result.rowcount)


async def rotation(session: AsyncSession, guild_id: int) -> list[int]:
    """Volunteers, the one who presented least recently first: never presented (earliest volunteer first),
    then by their latest session (done or scheduled, cancelled ones do not count)."""
    last = (select(Meeting.presenter_id, func.max(Meeting.starts_at).label("last"))
            .where(Meeting.guild_id == guild_id, Meeting.status != "cancelled")
            .group_by(Meeting.presenter_id).subquery())
    rows = (await session.execute(select(Volunteer.member_id, last.c.last, Volunteer.since)
                                  .outerjoin(last, last.c.presenter_id == Volunteer.member_id)
                                  .where(Volunteer.guild_id == guild_id))).all()
    rows.sort(key=lambda r: (r[1] is not None, r[1] or r[2], r[2], r[0]))
    return [r[0] for r in rows]
