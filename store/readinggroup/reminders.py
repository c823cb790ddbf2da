"""Reminders before a meeting: which are due, and the claim that posts each once.

A reminder is *claimed* like a digest: a savepoint insert, one per (meeting, kind), and a claim never
marked posted may be taken over after a lease, so a crash between claim and post delays the reminder
instead of losing it, and two bot processes cannot both post it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.claims import claim_once
from store.db.models import Reminder
from store.readinggroup.meetings import SessionView

REMINDERS = (1440, 60)  # minutes before the start: a day and an hour


def reminder_kind(minutes: int, starts_at: datetime) -> str:
    """The claim's key: how long before, and the start it is for (so moving a session re-arms reminders)."""
    return f"{minutes}:{starts_at.astimezone(starts_at.tzinfo).strftime('%Y-%m-%dT%H:%M%z')}"


def due_reminders(s: SessionView, now: datetime, offsets: tuple[int, ...] = REMINDERS) -> list[int]:
    """The reminder offsets (minutes) whose time has come and that are still before the session's start.

    A reminder missed by more than its own window (the bot was down from a day before until the hour
    before) is not sent late: only the latest due one is, so members get one reminder, not two at once.
    """
    if s.status != "scheduled" or now >= s.starts_at:
        return []
    due = [m for m in sorted(offsets, reverse=True) if now >= s.starts_at - timedelta(minutes=m)]
    return due[-1:]


async def claim_reminder(session: AsyncSession, session_id: int, kind: str, claimed_by: str,
                         now: datetime) -> int | None:
    """Claim a reminder; its id, or None if it is posted or another claim is live (the digest's pattern)."""
    return await claim_once(session, Reminder, {"session_id": session_id, "kind": kind}, claimed_by, now)


async def mark_reminded(session: AsyncSession, reminder_id: int, message_id: int | None, now: datetime) -> None:
    await session.execute(update(Reminder).where(Reminder.id == reminder_id).values(posted_at=now,
                                                                                   message_id=message_id))


async def reminders_posted(session: AsyncSession, session_id: int) -> list[tuple[str, int | None]]:
    rows = await session.execute(select(Reminder.kind, Reminder.message_id).where(
        Reminder.session_id == session_id, Reminder.posted_at.is_not(None)).order_by(Reminder.id))
    return [(k, mid) for k, mid in rows.all()]
