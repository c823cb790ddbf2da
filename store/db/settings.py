"""Key/value settings shared by every bot process on one database, written so they never collide.

Two processes on one database start together (a restart overlapping the old process, two groups' bots):
a read-then-insert lets both see no row and one of them fail on the primary key. An UPDATE, then an
INSERT in a savepoint that falls back to the UPDATE when another process inserted first, works the same
on every backend, unlike each dialect's own upsert syntax.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.models import Setting


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


async def swap_setting(session: AsyncSession, key: str, expected: str | None, value: str | None) -> bool:
    """Set `key` to `value` only if it still holds `expected` (None: absent); True if this call did it.

    Compare-and-set in one statement, so of several processes doing the same swap exactly one wins
    (the others' UPDATE finds the value already changed, or their INSERT meets the winner's row).
    A `value` of None removes the key (if it still holds `expected`).
    """
    if expected is None:
        if value is None:
            return await get_setting(session, key) is None
        try:
            async with session.begin_nested():
                await session.execute(insert(Setting).values(key=key, value=value))
        except IntegrityError:
            return False
        return True
    where = (Setting.key == key, Setting.value == expected)
    change = delete(Setting).where(*where) if value is None else update(Setting).where(*where).values(value=value)
    return bool((await session.execute(change)).rowcount)  # type: ignore[attr-defined]
