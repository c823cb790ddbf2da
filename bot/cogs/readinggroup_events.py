"""A meeting's scheduled event through its life: moved with the meeting, completed when it is done (with the
rest of a meeting's end), deleted when it is cancelled, and Discord's own changes to it (an organiser ends or
deletes it in Discord) taken back.

Discord lets an event go SCHEDULED -> ACTIVE -> COMPLETED only (never SCHEDULED -> COMPLETED), so a session
done before its event started is started, then ended. A cancelled session's event is deleted, whatever its
status (Discord refuses CANCELED once an event is ACTIVE; a deleted event is gone everywhere). Each call
returns the problem an organiser should read, or None: never a traceback.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.cogs.readinggroup_posts import EVENTS, SERVER, MeetingPosts, refused
from bot.cogs.readinggroup_views import presenter_only
from store.readinggroup import SessionView
from store.readinggroup.service import ReadingGroupService

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

FINISHED = (discord.EventStatus.completed, discord.EventStatus.cancelled)


class MeetingEvents:
    def __init__(self, bot: PaperBot, posts: MeetingPosts) -> None:
        self.bot = bot
        self.posts = posts

    @property
    def service(self) -> ReadingGroupService:
        return self.bot.services.readinggroup

    async def _fetch(self, s: SessionView) -> discord.ScheduledEvent | None:
        """The meeting's event as Discord has it now; None if it has none, or Discord deleted it (then forgotten,
        so that /session publish makes a new one). Other refusals are raised."""
        guild = self.bot.get_guild(s.guild_id)
        if guild is None or s.event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(s.event_id)
        except discord.NotFound:
            await self.service.attach(s.id, event_id=None)
            return None

    async def _guarded(self, s: SessionView, done: str, work: Callable[[], Awaitable[str | None]]) -> str | None:
        """`work` on the meeting's event; a refusal becomes the line an organiser reads ("... was not moved")."""
        try:
            return await work()
        except discord.HTTPException as exc:
            log.warning("session %s: event %s not %s: %s", s.id, s.event_id, done, exc)
            return f"its scheduled event was not {done}: {refused(exc, EVENTS, SERVER)}"

    async def move(self, s: SessionView) -> str | None:
        had = s.event_id is not None

        async def work() -> str | None:
            event = await self._fetch(s)
            if event is None:
                return "its scheduled event was deleted in Discord (/session publish makes a new one)" if had else None
            if event.status is not discord.EventStatus.scheduled:
                return f"its scheduled event is already {event.status.name} in Discord and keeps its time"
            await event.edit(start_time=s.starts_at, end_time=s.ends_at)
            return None
        return await self._guarded(s, "moved", work)

    async def complete(self, s: SessionView) -> str | None:
        async def work() -> None:
            event = await self._fetch(s)
            if event is None or event.status in FINISHED:
                return
            if event.status is discord.EventStatus.scheduled:
                event = await event.start()
            if event.status is discord.EventStatus.active:
                await event.end()
        return await self._guarded(s, "completed", work)

    async def cancel(self, s: SessionView) -> str | None:
        async def work() -> None:
            if (event := await self._fetch(s)) is not None:
                await event.delete()
        return await self._guarded(s, "deleted", work)

    async def finish(self, session_id: int, hint: Callable[[SessionView], str]) -> tuple[SessionView, str | None]:
        """A meeting's end: discussed, its event completed, its posts updated, the presenter asked for a summary
        (`hint`) in the thread, or the channel; the event's problem, if any."""
        finished = await self.service.finish_meeting(session_id)
        s = finished.meeting
        problem = await self.complete(s)
        await self.posts.refresh_announcement(s)
        await self.posts.refresh_proposals(finished.proposals)
        with contextlib.suppress(LookupError, discord.HTTPException):
            await self.posts.post([s.thread_id, s.channel_id], hint(s), presenter_only(s))
        return s, problem

    async def changed_in_discord(self, event: discord.ScheduledEvent, deleted: bool = False) -> SessionView | None:
        """Discord's own change to an event: the scheduled meeting to mark done if its event was ended there;
        an event cancelled or deleted there is forgotten (the session stays: an organiser decides)."""
        s = await self.service.by_event(event.guild_id, event.id)
        if s is None or s.status != "scheduled":
            return None
        if deleted or event.status is discord.EventStatus.cancelled:
            log.info("session %s: its event %s was %s in Discord", s.id, event.id,
                     "deleted" if deleted else "cancelled")
            await self.service.attach(s.id, event_id=None)
            return None
        return s if event.status is discord.EventStatus.completed else None
