"""The reading group's /session commands (schedule, publish, move, cancel, done) and Discord's own changes to
a session's event: the part of the ReadingGroup cog (bot/cogs/readinggroup.py) an organiser drives, as a mixin
it inherits, so that the cog's module stays short.

Each command checks the organiser (no database), then defers before any database work, so the answer is in
within Discord's 3 seconds whatever the database is doing; everything after is a follow-up. Publishing may
partly fail (readinggroup_posts.py): the organiser is told which part and why, with a Retry button
(`rg:publish:<session>`, dispatched by the cog's on_interaction) and /session publish. A session's event
follows it (readinggroup_events.py), and an event ended in Discord ends the session.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.readinggroup_events import MeetingEvents
from bot.cogs.readinggroup_input import local_start
from bot.cogs.readinggroup_posts import MeetingPosts
from bot.cogs.readinggroup_views import but, publish_reply, summary_hint
from bot.commands import group, slash
from bot.render import timestamp
from bot.untrusted import for_discord_line, for_plain
from store.readinggroup import SessionView
from store.readinggroup.service import Missing, ReadingGroupService

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)


async def say(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """A private answer: the response if none was sent yet, else a follow-up (after the deferral)."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


class SessionCommands:
    """Mixed into the ReadingGroup cog, which gives it `bot`, `posts`, `events` and `complete_titles`."""

    session_group = group("session", guild_only=True)
    bot: PaperBot
    posts: MeetingPosts
    events: MeetingEvents

    @property
    def service(self) -> ReadingGroupService:
        return self.bot.services.readinggroup

    def complete_titles(self, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(p.title, 100) or f"#{p.id}", value=str(p.id))
                for p in self.service.titles_like(current)]

    def is_organiser(self, interaction: discord.Interaction) -> bool:
        if self.bot.is_admin(interaction):
            return True
        roles = getattr(interaction.user, "roles", [])
        return any(r.id in self.bot.settings.organiser_role_ids for r in roles)

    async def _refuse(self, interaction: discord.Interaction) -> bool:
        """True once a non-organiser is told no; else the organiser's answer is deferred (privately)."""
        if not self.is_organiser(interaction):
            log.warning("refused /session for user %s", interaction.user.id)
            await say(interaction, "Only organisers (server admins or the organiser role) can schedule, move, "
                                   "cancel or publish sessions.")
            return True
        await interaction.response.defer(ephemeral=True, thinking=True)
        return False

    async def _start(self, interaction: discord.Interaction, date: str, time: str, zone: str) -> datetime | None:
        """The meeting's start from the command's date and time, or None once the organiser is told why not."""
        try:
            start = local_start(date, time, zone)
        except ValueError as exc:
            await say(interaction, for_discord_line(str(exc)))
            return None
        if start <= self.bot.clock():
            await say(interaction, f"{timestamp(start)} is in the past.")
            return None
        return start

    async def _target(self, interaction: discord.Interaction, channel_id: int | None, refusal: str
                      ) -> discord.TextChannel | None:
        """This server's reading-group channel where the bot can post, or None once the organiser is told why."""
        assert interaction.guild is not None
        found = (await self.posts.target(interaction.guild, channel_id) if channel_id is not None
                 else "set the reading-group channel first: /digest channel.")
        if isinstance(found, str):
            await say(interaction, f"{refusal}: {found}")
            return None
        return found

    async def _pick(self, interaction: discord.Interaction, session_id: int | None) -> SessionView | None:
        assert interaction.guild_id is not None
        if (s := await self.service.scheduled_meeting(interaction.guild_id, session_id)) is None:
            await say(interaction, "No such scheduled session.")
        return s

    @slash("session schedule", parent=session_group)
    async def schedule(self, interaction: discord.Interaction, date: app_commands.Range[str, 8, 10],
                       time: app_commands.Range[str, 4, 5], presenter: discord.Member | None = None,
                       paper: app_commands.Range[str, 1, 300] | None = None, critic: discord.Member | None = None,
                       minutes: app_commands.Range[int, 15, 480] = 60) -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None and interaction.guild is not None
        zone, channel_id = await self.bot.services.servers.zone_and_channel(interaction.guild_id)
        if (channel := await self._target(interaction, channel_id, "Not scheduled")) is None:
            return
        if (start := await self._start(interaction, date, time, zone)) is None:
            return
        done = await self.service.schedule_meeting(
            interaction.guild_id, interaction.user.id, start, presenter_id=presenter.id if presenter else None,
            paper=paper, critic_id=critic.id if critic else None, minutes=minutes, channel_id=channel.id)
        if done is Missing.PROPOSAL:
            await say(interaction, "No open proposal to schedule: name a paper, or /propose one.")
            return
        if done is Missing.PRESENTER:
            await say(interaction, "Choose a presenter: nobody has volunteered yet (/volunteer).")
            return
        published = await self.posts.publish(interaction.guild, done.meeting, channel, done.thread_id)
        await self.posts.refresh_proposals(done.proposals)
        s, note = published.meeting, " (suggested by the rotation)" if presenter is None else ""
        said = f" Announced in <#{channel.id}>." if s.announcement_id else ""
        await say(interaction, **publish_reply(f"Scheduled **{for_discord_line(s.title, 1500)}** "
                                               f"{timestamp(s.starts_at)} with <@{s.presenter_id}> presenting{note}."
                                               f"{said}", s, published.failed))

    @slash("session publish", parent=session_group)
    async def publish(self, interaction: discord.Interaction, session: int | None = None) -> None:
        await self.republish(interaction, session)

    async def republish(self, interaction: discord.Interaction, session_id: int | None) -> None:
        """An organiser's retry (the command, or the button a partial publishing showed): the parts missing."""
        if await self._refuse(interaction):
            return
        assert interaction.guild is not None
        if (found := await self.service.to_publish(interaction.guild.id, session_id)) is None:
            await say(interaction, "No such scheduled session.")
            return
        s = found.meeting
        channel_id = s.channel_id if s.announcement_id else (
            await self.bot.services.servers.zone_and_channel(s.guild_id))[1]
        if (channel := await self._target(interaction, channel_id, "Not published")) is None:
            return
        published = await self.posts.publish(interaction.guild, s, channel, found.thread_id)
        title = f"**{for_discord_line(s.title, 1500)}**"
        head = f"{title}: published what could be." if published.failed else f"{title}: all of it is in place."
        await say(interaction, **publish_reply(head, published.meeting, published.failed))

    @schedule.autocomplete("date")
    async def _dates(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        zone, _ = await self.bot.services.servers.zone_and_channel(interaction.guild_id or 0)
        today = self.bot.clock().astimezone(ZoneInfo(zone)).date()
        days = [today + timedelta(days=i) for i in range(1, 29)]
        return [app_commands.Choice(name=f"{d:%A %d %B %Y} ({zone})", value=d.isoformat())
                for d in days if d.isoformat().startswith(current.strip()) or current.lower() in f"{d:%A}".lower()
                ][:25]

    @schedule.autocomplete("paper")
    async def _schedule_titles(self, _interaction: discord.Interaction, current: str
                               ) -> list[app_commands.Choice[str]]:
        return self.complete_titles(current)

    @slash("session move", parent=session_group)
    async def move(self, interaction: discord.Interaction, date: app_commands.Range[str, 8, 10],
                   time: app_commands.Range[str, 4, 5], session: int | None = None) -> None:
        if await self._refuse(interaction) or (s := await self._pick(interaction, session)) is None:
            return
        zone, _ = await self.bot.services.servers.zone_and_channel(s.guild_id)
        if (start := await self._start(interaction, date, time, zone)) is None:
            return
        s = await self.service.move_meeting(s.id, start)
        problem = await self.events.move(s)
        await self.posts.refresh_announcement(s)
        await say(interaction, f"Moved **{for_discord_line(s.title, 1500)}** to {timestamp(s.starts_at)}; "
                               f"reminders follow.{but(problem)}")

    @slash("session cancel", parent=session_group)
    async def cancel(self, interaction: discord.Interaction, session: int | None = None) -> None:
        if await self._refuse(interaction) or (s := await self._pick(interaction, session)) is None:
            return
        cancelled = await self.service.cancel_meeting(s.id)
        s = cancelled.meeting
        problem = await self.events.cancel(s)
        await self.posts.refresh_announcement(s)
        await self.posts.refresh_proposals(cancelled.proposals)
        await say(interaction, f"Cancelled **{for_discord_line(s.title, 1500)}**; its proposal is open again."
                               f"{but(problem)}")

    @slash("session done", parent=session_group)
    async def done(self, interaction: discord.Interaction, session: int | None = None) -> None:
        if await self._refuse(interaction) or (s := await self._pick(interaction, session)) is None:
            return
        try:
            s, problem = await self.finish(s.id)
        except LookupError as exc:  # the loop (or Discord's end of its event) closed it meanwhile
            await say(interaction, f"Not marked: {exc}.")
            return
        await say(interaction, f"**{for_discord_line(s.title, 1500)}** is marked discussed.{but(problem)}")

    @move.autocomplete("session")
    @cancel.autocomplete("session")
    @done.autocomplete("session")
    @publish.autocomplete("session")
    async def _sessions(self, interaction: discord.Interaction, _current: str) -> list[app_commands.Choice[int]]:
        rows = await self.service.upcoming(interaction.guild_id or 0, limit=25)
        return [app_commands.Choice(name=for_plain(f"{s.starts_at:%Y-%m-%d %H:%M} UTC · {s.title}", 100), value=s.id)
                for s in rows]

    def summary_hint(self, s: SessionView) -> str:
        return summary_hint(self.bot.tree, s)

    async def finish(self, session_id: int) -> tuple[SessionView, str | None]:
        """Discussed: recorded, its event completed, the announcement updated, the presenter asked (pinged,
        alone) for a summary; the event's problem, if any (LookupError if it is no longer scheduled)."""
        return await self.events.finish(session_id, self.summary_hint)

    # --- Discord's own changes to a session's event ---

    @commands.Cog.listener()
    async def on_scheduled_event_update(self, _before: discord.ScheduledEvent, after: discord.ScheduledEvent) -> None:
        if (s := await self.events.changed_in_discord(after)) is not None:
            with contextlib.suppress(LookupError):  # the bot's own /session done, or the loop, came first
                await self.finish(s.id)

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        await self.events.changed_in_discord(event, deleted=True)
