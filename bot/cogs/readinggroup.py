"""The reading group's loop in Discord: /propose and vote buttons, /session, reminders, /volunteer, /history.

The rules and the transactions are bot.services.readinggroup's (store.readinggroup.service); this cog
parses the interaction, calls it, renders (bot/cogs/readinggroup_views.py) and does what only Discord
can: messages, threads, scheduled events. Vote buttons are answered from `on_interaction`, not from an
in-memory view: a vote on a proposal posted before a restart still counts. The loop (counted, awaitable
passes) posts each due reminder once through a claim in the database, and marks meetings whose end has
passed as discussed. Reminders may ping the presenter and nobody else; every other message pings nobody.
"""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.readinggroup_posts import MeetingPosts
from bot.cogs.readinggroup_views import (
    HISTORY,
    NONE,
    VOTE,
    already_proposed,
    history_embed,
    history_view,
    presenter_only,
    proposal_embed,
    proposal_notes,
    proposals_text,
    reminder_text,
    summary_hint,
    vote_view,
)
from bot.commands import group, slash
from bot.config import parse_time
from bot.passes import BackgroundPasses
from bot.render import timestamp
from bot.untrusted import for_discord_line, for_plain
from store.readinggroup import NotAPaper, SessionView, UnknownNumber
from store.readinggroup.service import Missing, ReadingGroupService

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

PER_PAGE = 5


def parse_date(raw: str) -> tuple[int, int, int]:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", raw)
    if not m:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {raw!r}")
    return int(m[1]), int(m[2]), int(m[3])


def local_start(date: str, time: str, zone: str) -> datetime:
    """A date and 24-hour time in the server's time zone, as an aware datetime (ValueError if invalid)."""
    y, mo, d = parse_date(date)
    at = parse_time(time)
    try:
        return datetime(y, mo, d, at.hour, at.minute, tzinfo=ZoneInfo(zone))
    except ValueError as exc:
        raise ValueError(f"{date} is not a date") from exc


class ReadingGroup(BackgroundPasses, commands.Cog):
    session_group = group("session", guild_only=True)

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self.posts = MeetingPosts(bot)
        self.init_background(getattr(bot, "digest_poll_seconds", 60.0), bot.wait_until_ready)

    @property
    def service(self) -> ReadingGroupService:
        return self.bot.services.readinggroup

    # --- helpers ---

    def is_organiser(self, interaction: discord.Interaction) -> bool:
        if self.bot.is_admin(interaction):
            return True
        roles = getattr(interaction.user, "roles", [])
        return any(r.id in self.bot.settings.organiser_role_ids for r in roles)

    async def _start(self, interaction: discord.Interaction, date: str, time: str, zone: str) -> datetime | None:
        """The meeting's start from the command's date and time, or None once the member is told why not."""
        try:
            start = local_start(date, time, zone)
        except ValueError as exc:
            await interaction.response.send_message(for_discord_line(str(exc)), ephemeral=True)
            return None
        if start <= self.bot.clock():
            await interaction.response.send_message(f"{timestamp(start)} is in the past.", ephemeral=True)
            return None
        return start

    # --- proposals and votes ---

    @app_commands.guild_only()
    @slash("propose")
    async def propose(self, interaction: discord.Interaction, paper: app_commands.Range[str, 1, 300]) -> None:
        assert interaction.guild_id is not None
        try:
            result = await self.service.propose(interaction.guild_id, interaction.user.id, paper)
        except UnknownNumber:
            await interaction.response.send_message("No paper with that number: pick a title from the suggestions, "
                                                    "or give an arXiv id or link.", ephemeral=True)
            return
        except NotAPaper:
            await interaction.response.send_message("That does not look like a paper: give its title (suggested as "
                                                    "you type), an arXiv id or a link.", ephemeral=True)
            return
        notes, p = proposal_notes(result), result.proposal
        if not result.new:
            await interaction.response.send_message("\n".join([already_proposed(p, interaction.guild_id), *notes]),
                                                    ephemeral=True, allowed_mentions=NONE)
            return
        await interaction.response.send_message("\n".join(notes) or None, embed=proposal_embed(p), view=vote_view(p),
                                                allowed_mentions=NONE)
        message = await interaction.original_response()
        await self.service.posted(p.id, message.channel.id, message.id)

    @propose.autocomplete("paper")
    async def _titles(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return self.complete_titles(current)

    def complete_titles(self, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(p.title, 100) or f"#{p.id}", value=str(p.id))
                for p in self.service.titles_like(current)]

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type != discord.InteractionType.component or not interaction.data:
            return
        custom_id = str(interaction.data.get("custom_id", ""))
        if m := VOTE.fullmatch(custom_id):
            await self._vote(interaction, 1 if m[1] == "+" else -1, int(m[2]))
        elif m := HISTORY.fullmatch(custom_id):
            await self._history_page(interaction, int(m[1]), int(m[2]), int(m[3]) if m[3] else None, m[4])

    async def _vote(self, interaction: discord.Interaction, value: int, proposal_id: int) -> None:
        voted = await self.service.vote(interaction.guild_id or 0, proposal_id, interaction.user.id, value)
        if (p := voted.proposal) is None:
            await interaction.response.send_message(f"Sorry: {voted.refused}.", ephemeral=True)
            return
        await interaction.response.edit_message(embed=proposal_embed(p), view=vote_view(p))
        if voted.refused is not None:
            await interaction.followup.send(f"Your vote was not counted: {voted.refused}.", ephemeral=True)
            return
        said = {1: "You vote for it.", -1: "You vote against it.", None: "Your vote is withdrawn."}[voted.mine]
        await interaction.followup.send(said, ephemeral=True)

    @app_commands.guild_only()
    @slash("proposals")
    async def proposals(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = await self.service.open_proposals(interaction.guild_id, limit=15)
        if not rows:
            await interaction.response.send_message("No open proposals. Propose one with /propose.", ephemeral=True)
            return
        await interaction.response.send_message(proposals_text(rows), ephemeral=True, allowed_mentions=NONE)

    # --- volunteers and history ---

    @app_commands.guild_only()
    @slash("volunteer")
    async def volunteer(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        added = await self.service.toggle_volunteer(interaction.guild_id, interaction.user.id)
        text = ("Thanks! You are in the presenters' rotation; run /volunteer again to leave it." if added
                else "You left the presenters' rotation.")
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.guild_only()
    @slash("history")
    async def history(self, interaction: discord.Interaction, presenter: discord.Member | None = None,
                      topic: app_commands.Range[str, 1, 40] | None = None) -> None:
        assert interaction.guild_id is not None
        pid = presenter.id if presenter else None
        page = await self.service.history(interaction.guild_id, presenter_id=pid, topic=topic, per_page=PER_PAGE)
        await interaction.response.send_message(embed=history_embed(page),
                                                view=history_view(page, interaction.user.id, pid, topic or ""),
                                                ephemeral=True)

    @history.autocomplete("topic")
    async def _topics(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(t, 100) or "…", value=t[:40])
                for t in self.bot.services.search.complete_topic(current, 25)]

    async def _history_page(self, interaction: discord.Interaction, number: int, owner: int, presenter: int | None,
                            topic: str) -> None:
        page = await self.service.history(interaction.guild_id or 0, presenter_id=presenter, topic=topic or None,
                                          page=number, per_page=PER_PAGE)
        await interaction.response.edit_message(embed=history_embed(page),
                                                view=history_view(page, owner, presenter, topic))

    # --- meetings (/session) ---

    async def _refuse(self, interaction: discord.Interaction) -> bool:
        if self.is_organiser(interaction):
            return False
        log.warning("refused /session for user %s", interaction.user.id)
        await interaction.response.send_message("Only organisers (server admins or the organiser role) can "
                                                "schedule, move or cancel sessions.", ephemeral=True)
        return True

    @slash("session schedule", parent=session_group)
    async def schedule(self, interaction: discord.Interaction, date: app_commands.Range[str, 8, 10],
                       time: app_commands.Range[str, 4, 5], presenter: discord.Member | None = None,
                       paper: app_commands.Range[str, 1, 300] | None = None, critic: discord.Member | None = None,
                       minutes: app_commands.Range[int, 15, 480] = 60) -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None and interaction.guild is not None
        zone, channel_id = await self.bot.services.servers.zone_and_channel(interaction.guild_id)
        if channel_id is None:
            await interaction.response.send_message("Set the reading-group channel first: /digest channel.",
                                                    ephemeral=True)
            return
        if (start := await self._start(interaction, date, time, zone)) is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await self.service.schedule_meeting(
            interaction.guild_id, interaction.user.id, start, presenter_id=presenter.id if presenter else None,
            paper=paper, critic_id=critic.id if critic else None, minutes=minutes)
        if done is Missing.PROPOSAL:
            await interaction.followup.send("No open proposal to schedule: name a paper, or /propose one.",
                                            ephemeral=True)
            return
        if done is Missing.PRESENTER:
            await interaction.followup.send("Choose a presenter: nobody has volunteered yet (/volunteer).",
                                            ephemeral=True)
            return
        s = await self.posts.publish(interaction.guild, done.meeting, channel_id, done.thread_id)
        await self.posts.refresh_proposals(done.proposals)
        note = " (suggested by the rotation)" if presenter is None else ""
        await interaction.followup.send(f"Scheduled **{for_discord_line(s.title, 1500)}** {timestamp(s.starts_at)} "
                                        f"with <@{s.presenter_id}> presenting{note}. Announced in <#{channel_id}>.",
                                        ephemeral=True)

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

    async def _pick(self, interaction: discord.Interaction, session_id: int | None) -> SessionView | None:
        assert interaction.guild_id is not None
        s = await self.service.scheduled_meeting(interaction.guild_id, session_id)
        if s is None:
            await interaction.response.send_message("No such scheduled session.", ephemeral=True)
        return s

    @slash("session move", parent=session_group)
    async def move(self, interaction: discord.Interaction, date: app_commands.Range[str, 8, 10],
                   time: app_commands.Range[str, 4, 5], session: int | None = None) -> None:
        if await self._refuse(interaction) or (s := await self._pick(interaction, session)) is None:
            return
        zone, _ = await self.bot.services.servers.zone_and_channel(s.guild_id)
        if (start := await self._start(interaction, date, time, zone)) is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        s = await self.service.move_meeting(s.id, start)
        event = await self.posts.event(s)
        if event is not None:
            await event.edit(start_time=s.starts_at, end_time=s.ends_at)
        await self.posts.refresh_announcement(s)
        await interaction.followup.send(f"Moved **{for_discord_line(s.title, 1500)}** to {timestamp(s.starts_at)}; "
                                        "reminders follow.", ephemeral=True)

    @slash("session cancel", parent=session_group)
    async def cancel(self, interaction: discord.Interaction, session: int | None = None) -> None:
        if await self._refuse(interaction) or (s := await self._pick(interaction, session)) is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        cancelled = await self.service.cancel_meeting(s.id)
        s = cancelled.meeting
        event = await self.posts.event(s)
        if event is not None:
            await event.delete()
        await self.posts.refresh_announcement(s)
        await self.posts.refresh_proposals(cancelled.proposals)
        await interaction.followup.send(f"Cancelled **{for_discord_line(s.title, 1500)}**; its proposal is open again.",
                                        ephemeral=True)

    @slash("session done", parent=session_group)
    async def done(self, interaction: discord.Interaction, session: int | None = None) -> None:
        if await self._refuse(interaction) or (s := await self._pick(interaction, session)) is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        s = await self.finish(s.id)
        await interaction.followup.send(f"**{for_discord_line(s.title, 1500)}** is marked discussed.", ephemeral=True)

    @move.autocomplete("session")
    @cancel.autocomplete("session")
    @done.autocomplete("session")
    async def _sessions(self, interaction: discord.Interaction, _current: str) -> list[app_commands.Choice[int]]:
        rows = await self.service.upcoming(interaction.guild_id or 0, limit=25)
        return [app_commands.Choice(name=for_plain(f"{s.starts_at:%Y-%m-%d %H:%M} UTC · {s.title}", 100), value=s.id)
                for s in rows]

    def summary_hint(self, s: SessionView) -> str:
        return summary_hint(self.bot.tree, s)

    async def finish(self, session_id: int) -> SessionView:
        """Discussed: recorded, the announcement updated, the presenter asked (pinged, alone) for a summary."""
        finished = await self.service.finish_meeting(session_id)
        s = finished.meeting
        await self.posts.refresh_announcement(s)
        await self.posts.refresh_proposals(finished.proposals)
        where = s.thread_id or s.channel_id
        if where is not None:
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                channel = await self.posts.channel(where)
                await channel.send(self.summary_hint(s), allowed_mentions=presenter_only(s))
        return s

    # --- the loop: reminders, and meetings whose end has passed ---

    async def tick(self) -> None:
        due = await self.service.due(g.id for g in self.bot.guilds)
        for s, minutes in due.reminders:
            try:
                await self.remind(s, minutes)
            except Exception:
                log.exception("reminder for session %s failed", s.id)
        for s in due.ended:
            try:
                await self.finish(s.id)
            except LookupError:
                pass  # another process finished it first
            except Exception:
                log.exception("closing session %s failed", s.id)

    async def remind(self, s: SessionView, minutes: int) -> bool:
        if s.channel_id is None:
            return False
        claim = await self.service.claim_reminder(s, minutes)
        if claim is None:
            return False
        channel = await self.posts.channel(s.channel_id)
        message = await channel.send(reminder_text(s, minutes), allowed_mentions=presenter_only(s))
        await self.service.record_reminder(claim, message.id)
        return True


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(ReadingGroup(bot))
