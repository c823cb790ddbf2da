"""The weekly digest: when it is due, what it shows, and the record that makes it once a week.

Pure parts (`due_slot`, `plan_digest`) take plain values, so time zones, DST weeks and the rotation are
tested without Discord or a database. The record of what was posted lives in the database: a digest
is *claimed* by inserting (guild, week), which the schema allows once, so two bot processes sharing a
database cannot both post it; a claim that was never marked posted (the process died in between) can
be taken over after a lease, so a crash delays the digest instead of losing it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.claims import claim_once
from store.db.engine import utc
from store.db.models import DigestFeature, DigestRun
from store.search.results import PaperView

NEW_MAX = 5
PICKS = 4


def due_slot(now: datetime, weekday: int, hour: int, minute: int, tz: str) -> tuple[str, datetime]:
    """The most recent scheduled slot at or before `now`: (ISO week key in the server's zone, slot time)."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    if slot > local:
        day -= timedelta(days=7)
        slot = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    iso = slot.isocalendar()
    return f"{iso.year}-W{iso.week:02d}", slot


def next_slot(now: datetime, weekday: int, hour: int, minute: int, tz: str) -> datetime:
    _, slot = due_slot(now, weekday, hour, minute, tz)
    day = slot.date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


@dataclass(slots=True)
class Pick:
    paper: PaperView
    reason: str  # one line: why this paper is in the digest


@dataclass(slots=True)
class Digest:
    new: list[Pick] = field(default_factory=list)
    picks: list[Pick] = field(default_factory=list)
    cycle: int = 1
    topic: str | None = None

    @property
    def items(self) -> list[Pick]:
        return [*self.new, *self.picks]

    def __bool__(self) -> bool:
        return bool(self.new or self.picks)


def _rotation_key(week: str, paper_id: int) -> str:
    return hashlib.sha256(f"{week}:{paper_id}".encode()).hexdigest()


def plan_digest(papers: Sequence[PaperView], featured: set[int], cycle: int, since: datetime | None, week: str,
                new_max: int = NEW_MAX, picks: int = PICKS) -> Digest:
    """New papers since the last digest, then picks not yet featured in this cycle, by topic of the week.

    When every paper has been featured in the cycle, the next cycle starts: no paper comes back before
    the whole corpus has had its turn.
    """
    digest = Digest(cycle=cycle)
    if not papers:
        return digest
    if since is not None:
        fresh = sorted((p for p in papers if p.added_at > since and p.id not in featured),
                       key=lambda p: (p.added_at, p.id))
        digest.new = [Pick(p, "new since the last digest") for p in fresh[:new_max]]
    shown = {p.paper.id for p in digest.new}
    pool = [p for p in papers if p.id not in featured and p.id not in shown]
    if not pool:
        digest.cycle = cycle + 1
        pool = [p for p in papers if p.id not in shown]
    counts = Counter(t for p in pool for t in p.topics)
    digest.topic = min(counts, key=lambda t: (-counts[t], t)) if counts else None
    on_topic = sorted((p for p in pool if digest.topic in p.topics), key=lambda p: _rotation_key(week, p.id))
    rest = sorted((p for p in pool if digest.topic not in p.topics), key=lambda p: _rotation_key(week, p.id))
    chosen = on_topic[: max(1, picks // 2)] if on_topic else []
    for p in chosen:
        digest.picks.append(Pick(p, f"topic of the week: {digest.topic}"))
    for p in [*on_topic[len(chosen):], *rest][: picks - len(chosen)] if len(chosen) < picks else []:
        digest.picks.append(Pick(p, "not yet discussed"))
    digest.picks.sort(key=lambda pk: (pk.reason != f"topic of the week: {digest.topic}",
                                      pk.paper.topics[0] if pk.paper.topics else "~", pk.paper.title))
    return digest


# --- database state ---


async def is_posted(session: AsyncSession, guild_id: int, week: str, slot: datetime | None = None) -> bool:
    """Whether this week's digest is posted, or (given the slot) any digest was posted after the slot.

    The second half matters when an admin moves the schedule earlier in the week: the due slot then falls
    in the week before, whose key was never posted, yet the members had their digest since that slot.
    """
    posted = await session.scalar(select(DigestRun.posted_at).where(DigestRun.guild_id == guild_id,
                                                                    DigestRun.week == week))
    if posted is not None or slot is None:
        return posted is not None
    last = await session.scalar(select(func.max(DigestRun.posted_at)).where(DigestRun.guild_id == guild_id))
    return last is not None and utc(last) >= slot


async def claim(session: AsyncSession, guild_id: int, week: str, claimed_by: str, now: datetime) -> int | None:
    """Claim this week's digest; the id of the claim, or None if it is posted or another claim is live."""
    return await claim_once(session, DigestRun, {"guild_id": guild_id, "week": week}, claimed_by, now)


async def history(session: AsyncSession, guild_id: int) -> tuple[int, set[int], datetime | None]:
    """(current cycle, papers featured in it, when the last digest was posted)."""
    cycle = await session.scalar(select(func.max(DigestFeature.cycle)).where(DigestFeature.guild_id == guild_id)) or 1
    featured = set((await session.scalars(select(DigestFeature.paper_id).where(
        DigestFeature.guild_id == guild_id, DigestFeature.cycle == cycle))).all())
    last = await session.scalar(select(func.max(DigestRun.posted_at)).where(DigestRun.guild_id == guild_id))
    return cycle, featured, last


async def mark_posted(session: AsyncSession, run_id: int, guild_id: int, digest: Digest, message_id: int | None,
                      now: datetime) -> None:
    await session.execute(update(DigestRun).where(DigestRun.id == run_id).values(posted_at=now,
                                                                               message_id=message_id))
    rows = [{"guild_id": guild_id, "paper_id": pk.paper.id, "run_id": run_id, "cycle": digest.cycle,
             "reason": pk.reason[:200]} for pk in digest.items]
    existing = set((await session.scalars(select(DigestFeature.paper_id).where(
        DigestFeature.guild_id == guild_id, DigestFeature.cycle == digest.cycle))).all())
    rows = [r for r in rows if r["paper_id"] not in existing]
    if rows:
        await session.execute(insert(DigestFeature), rows)
