"""Key/value settings shared by every bot process on one database, written so they never collide.

Two processes on one database start together (a restart overlapping the old process, two groups' bots):
a read-then-insert lets both see no row and one of them fail on the primary key. An UPDATE, then an
INSERT in a savepoint that falls back to the UPDATE when another process inserted first, works the same
on every backend, unlike each dialect's own upsert syntax.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Setting


async def get_setting(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(Setting.value).where(Setting.key == key))


async def put_setting(session: AsyncSession, key: str, value: str) -> None:
    """Set `key` to `value` in the caller's transaction, whoever else is setting it at the same time."""
    change = update(Setting).where(Setting.key == key).values(value=value)
    if (await session.execute(change)).rowcount:  # type: ignore[attr-defined]
        return
    try:
        async with session.begin_nested():
            await session.execute(insert(Setting).values(key=key, value=value))
    except IntegrityError:  # another transaction inserted it after our UPDATE found nothing
        await session.execute(change)
