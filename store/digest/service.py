"""`DigestService`: when a server's digest is due, what it holds, and the record that posts it once.

The bot's loop (and /digest now) goes claim -> post to Discord -> record: `claim_due` takes this week's
digest if it is due and nobody posted or holds it, `edition` plans what it shows, `record_posted` marks
it posted and its papers featured. Each call is one transaction. The server's schedule is kept by
`Servers` (store.servers); this service reads it for a preview and changes it for /digest schedule, while
the loop reads it once a pass (`schedule`) and pairs that one schedule with the pass's time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from store.db.database import patiently
from store.digest import plan
from store.digest.plan import Digest
from store.search.access import PaperAccess
from store.servers.service import Servers
from store.servers.settings import Schedule


@dataclass(frozen=True, slots=True)
class Claim:
    """This week's digest, taken by this process: post it, then record it (or let the claim lapse)."""

    run_id: int
    week: str  # ISO week key in the server's time zone
    slot: datetime  # the scheduled time it is for


@dataclass(frozen=True, slots=True)
class Edition:
    """A digest ready to show: its papers, the slot it is for, the next slot, and when the last one went out
    (the members' summaries written since then are in it)."""

    digest: Digest
    slot: datetime
    next_at: datetime
    since: datetime | None
    channel_id: int | None  # where it goes: the schedule's channel


def due_slot(schedule: Schedule, now: datetime) -> tuple[str, datetime]:
    return plan.due_slot(now, schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)


class DigestService:
    def __init__(self, papers: PaperAccess, servers: Servers, clock: Callable[[], datetime], worker: str) -> None:
        self.papers = papers
        self.servers = servers
        self.clock = clock
        self.worker = worker  # this process's name on the claims it takes (a week's digest)

    def next_at(self, schedule: Schedule) -> datetime:
        """The next slot after now."""
        return plan.next_slot(self.clock(), schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)

    async def schedule(self, guild_id: int) -> Schedule:
        """The server's channel and weekly slot (the environment's until an admin changes them)."""
        return await self.servers.schedule(guild_id)

    async def reschedule(self, guild_id: int, *, weekday: int, hour: int, minute: int, timezone: str) -> datetime:
        """A new weekly slot for the server's digest; the next time it falls."""
        saved = await self.servers.change(guild_id, weekday=weekday, hour=hour, minute=minute, timezone=timezone)
        return self.next_at(saved)

    async def claim_due(self, guild_id: int, schedule: Schedule, now: datetime) -> Claim | None:
        """Claim the digest due at `now`; None if it was posted (or one went out since its slot) or another
        process holds a live claim on it."""
        week, slot = due_slot(schedule, now)
        async with self.papers.sessionmaker() as s, s.begin():
            if await plan.is_posted(s, guild_id, week, slot):
                return None
            run_id = await plan.claim(s, guild_id, week, self.worker, now)
        return None if run_id is None else Claim(run_id, week, slot)

    async def edition(self, guild_id: int, schedule: Schedule, claim: Claim | None = None) -> Edition:
        """The digest of the claimed week, or (a preview) of the week due now; empty if the corpus is."""
        now = self.clock()
        week, slot = (claim.week, claim.slot) if claim is not None else due_slot(schedule, now)
        async with self.papers.sessionmaker() as s:
            cycle, featured, since = await plan.history(s, guild_id)
        # Off the event loop: the plan reads every paper of the catalog, whose views are made as they are read.
        digest = await asyncio.to_thread(plan.plan_digest, self.papers.catalog, featured, cycle, since, week)
        return Edition(digest, slot, self.next_at(schedule), since, schedule.channel_id)

    async def preview(self, guild_id: int) -> Edition:
        """The digest of the week due now, as the server's schedule stands."""
        return await self.edition(guild_id, await self.schedule(guild_id))

    async def record_posted(self, claim: Claim, guild_id: int, digest: Digest, message_id: int | None) -> None:
        """The digest posted: recorded even while another process's ingest holds the database (its claim
        lapsing unrecorded would post it again)."""
        async def attempt() -> None:
            async with self.papers.sessionmaker() as s, s.begin():
                await plan.mark_posted(s, claim.run_id, guild_id, digest, message_id, self.clock())
        await patiently(attempt)
