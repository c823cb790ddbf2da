"""Posting something exactly once, across restarts and processes: claim it in the database first.

A claim is a row whose unique key is the thing to post (a server's week, a session's reminder).
Inserting it is the claim, so the schema admits one winner; a claim whose process died before
posting (never posted, older than the lease) is taken over by one conditional update.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
