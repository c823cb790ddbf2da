"""The reading group's loop in Discord: /propose and vote buttons, /session, reminders, /volunteer, /history.

Vote buttons carry the proposal id in their custom_id (`rg:vote:<+|->:<id>`) and are answered from
`on_interaction`, not from an in-memory view: a vote on a proposal posted before a restart still counts.
The loop (like the digest's: counted, awaitable passes) posts each due reminder once through a claim in
the database, and marks sessions whose end has passed as discussed. Reminders may ping the presenter
and nobody else; every other message pings nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.config import parse_time
from bot.digest_render import timestamp
from bot.passes import CountedPasses
from bot.render import link_of
from bot.text import clip
from bot.untrusted import for_code_span, for_discord_line, for_plain
from store.readinggroup import rules as rg

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

VOTE = re.compile(r"rg:vote:([+-]):(\d+)")
HISTORY = re.compile(r"rg:history:(\d+):(\d+):(\d*):(.*)")  # page, owner, presenter, topic
PER_PAGE = 5
DIGEST_PROPOSALS = 3
NONE = discord.AllowedMentions.none()


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


def proposal_embed(p: rg.ProposalView) -> discord.Embed:
    lines = [f"Proposed by <@{p.proposer_id}>; open until {timestamp(p.expires_at, 'D')}."]
    if link := link_of(p.link):
        lines.append(f"<{link}>")  # a checked link, whole: what it shows is where it leads
    lines.append(f"**Votes: {p.score:+d}** ({p.voters} member{'s' if p.voters != 1 else ''})")
    if p.status != "open":
        lines.append(f"*This proposal is {p.status}.*")
    return discord.Embed(title=f"📄 {for_discord_line(p.title, 254)}", description="\n".join(lines))


def vote_view(p: rg.ProposalView) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    closed = p.status != "open"
    view.add_item(discord.ui.Button(label="👍 For", style=discord.ButtonStyle.success,
                                    custom_id=f"rg:vote:+:{p.id}", disabled=closed))
    view.add_item(discord.ui.Button(label="👎 Against", style=discord.ButtonStyle.secondary,
                                    custom_id=f"rg:vote:-:{p.id}", disabled=closed))
    return view


def announcement(s: rg.SessionView) -> str:
    extra = "".join(f"\n{for_discord_line(role).capitalize()}: <@{member}>" for role, member in sorted(s.roles.items()))
    head = {"scheduled": "📅 Reading group session", "done": "✅ Discussed", "cancelled": "❌ Cancelled"}[s.status]
    return (f"{head}: **{for_discord_line(s.title, 1500)}**\nPresenter: <@{s.presenter_id}>{extra}\n"
            f"When: {timestamp(s.starts_at)} ({timestamp(s.starts_at, 'R')})")


def reminder_text(s: rg.SessionView, minutes: int) -> str:
    when = "tomorrow" if minutes >= 1440 else "soon"
    where = f" Discussion thread: <#{s.thread_id}>." if s.thread_id else ""
    return (f"⏰ Reading group {when}, {timestamp(s.starts_at, 'R')}: **{for_discord_line(s.title, 1500)}**, "
            f"presented by <@{s.presenter_id}>.{where}")


def history_embed(page: rg.Page) -> discord.Embed:
    embed = discord.Embed(title="📚 What the group discussed",
                          description=None if page.sessions else "Nothing discussed yet.")
    for s in page.sessions:
        embed.add_field(name=for_discord_line(s.title, 250),
                        value=f"{timestamp(s.starts_at, 'D')}, presented by <@{s.presenter_id}>", inline=False)
    embed.set_footer(text=f"Page {page.page + 1} of {page.pages} · {page.total} session(s)")
    return embed


def history_view(page: rg.Page, owner: int, presenter: int | None, topic: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    tail = f"{owner}:{presenter or ''}:{topic[:40]}"
    view.add_item(discord.ui.Button(label="Newer", custom_id=f"rg:history:{max(0, page.page - 1)}:{tail}",
                                    disabled=page.page == 0))
    view.add_item(discord.ui.Button(label="Older", custom_id=f"rg:history:{page.page + 1}:{tail}",
                                    disabled=page.page >= page.pages - 1))
    return view


class ReadingGroup(commands.Cog, CountedPasses):
    session_group = app_commands.Group(name="session", description="Reading-group sessions", guild_only=True)

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._tick: asyncio.Future[None] | None = None
        self.init_passes()
        self.loop.change_interval(seconds=getattr(bot, "digest_poll_seconds", 60.0))

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()
        if self._tick is not None and not self._tick.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._tick), 10)

    # --- helpers ---

    async def zone_and_channel(self, guild_id: int) -> tuple[str, int | None]:
        """The server's time zone and reading-group channel: the digest's schedule and channel."""
        digest = self.bot.get_cog("DigestCog")
        if digest is None:
            return self.bot.settings.digest_timezone, self.bot.settings.digest_channel_id
        schedule = await digest.schedule_for(guild_id)  # type: ignore[attr-defined]
        return schedule.timezone, schedule.channel_id

    def is_organiser(self, interaction: discord.Interaction) -> bool:
        if self.bot.is_admin(interaction):
            return True
        roles = getattr(interaction.user, "roles", [])
        return any(r.id in self.bot.settings.organiser_role_ids for r in roles)

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        return self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)  # type: ignore[return-value]

    # --- proposals and votes ---

    @app_commands.command(name="propose", description="Propose a paper for a reading-group session")
    @app_commands.describe(paper="A title from the corpus (suggested as you type), an arXiv id or link")
    @app_commands.guild_only()
    async def propose(self, interaction: discord.Interaction, paper: app_commands.Range[str, 1, 300]) -> None:
        assert interaction.guild_id is not None
        index = self.bot.library.index
        view = rg.resolve(index, paper)
        link = None
        if view is not None:
            title, link = view.title, view.link
        elif (aid := rg.arxiv_id(paper)) is not None:
            title, link = f"arXiv:{aid}", f"https://arxiv.org/abs/{aid}"
        elif paper.strip().isdigit():
            await interaction.response.send_message("No paper with that number: pick a title from the suggestions, "
                                                    "or give an arXiv id or link.", ephemeral=True)
            return
        elif re.fullmatch(r"https?://\S+", paper.strip()):
            title = link = paper.strip()
        elif rg.plausible_title(paper):
            title = paper
        else:
            await interaction.response.send_message("That does not look like a paper: give its title (suggested as "
                                                    "you type), an arXiv id or a link.", ephemeral=True)
            return
        now = self.bot.clock()
        async with self.bot.library.session() as session, session.begin():
            result = await rg.propose(session, interaction.guild_id, interaction.user.id, title, now,
                                      paper_id=view.id if view else None, link=link, index=index,
                                      expiry=timedelta(days=self.bot.settings.proposal_days))
        notes = []
        if result.discussed is not None:
            d = result.discussed
            notes.append(f"ℹ The group already discussed this on {timestamp(d.on, 'D')}, presented by "
                         f"<@{d.presenter_id}>.")
        for d in result.similar:
            notes.append(f"ℹ Close to what we read: **{for_discord_line(d.title, 300)}** ({timestamp(d.on, 'D')}, "
                         f"presented by <@{d.presenter_id}>).")
        p = result.proposal
        if not result.new:
            jump = (f" https://discord.com/channels/{interaction.guild_id}/{p.channel_id}/{p.message_id}"
                    if p.message_id else "")
            already = f"**{for_discord_line(p.title, 300)}** is already proposed (by <@{p.proposer_id}>): vote there."
            await interaction.response.send_message("\n".join([already + jump, *notes]),
                                                    ephemeral=True, allowed_mentions=NONE)
            return
        await interaction.response.send_message("\n".join(notes) or None, embed=proposal_embed(p), view=vote_view(p),
                                                allowed_mentions=NONE)
        message = await interaction.original_response()
        async with self.bot.library.session() as session, session.begin():
            await rg.set_message(session, p.id, message.channel.id, message.id)

    @propose.autocomplete("paper")
    async def _titles(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return self.complete_titles(current)

    def complete_titles(self, current: str) -> list[app_commands.Choice[str]]:
        key = current.strip().lower()
        papers = self.bot.library.catalog
        if key:
            starts = [p for p in papers if p.title.lower().startswith(key)]
            inside = [p for p in papers if key in p.title.lower() and p not in starts]
            picked = (starts + inside)[:25]
        else:
            picked = list(papers[-25:])
        return [app_commands.Choice(name=for_plain(p.title, 100) or f"#{p.id}", value=str(p.id)) for p in picked]

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
        async with self.bot.library.session() as session, session.begin():  # its own unit: a refused vote keeps it
            await rg.expire(session, interaction.guild_id or 0, self.bot.clock())
        try:
            async with self.bot.library.session() as session, session.begin():
                mine = await rg.vote(session, proposal_id, interaction.user.id, value, self.bot.clock())
                p = await rg.proposal(session, proposal_id)
        except LookupError as exc:
            async with self.bot.library.session() as session:
                p = await rg.proposal(session, proposal_id)
            if p is None:
                await interaction.response.send_message(f"Sorry: {exc}.", ephemeral=True)
                return
            await interaction.response.edit_message(embed=proposal_embed(p), view=vote_view(p))
            await interaction.followup.send(f"Your vote was not counted: {exc}.", ephemeral=True)
            return
        assert p is not None
        await interaction.response.edit_message(embed=proposal_embed(p), view=vote_view(p))
        said = {1: "You vote for it.", -1: "You vote against it.", None: "Your vote is withdrawn."}[mine]
        await interaction.followup.send(said, ephemeral=True)

    @app_commands.command(name="proposals", description="Open proposals, most votes first")
    @app_commands.guild_only()
    async def proposals(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.library.session() as session, session.begin():
            await rg.expire(session, interaction.guild_id, self.bot.clock())
            rows = await rg.open_proposals(session, interaction.guild_id, self.bot.clock(), limit=15)
        if not rows:
            await interaction.response.send_message("No open proposals. Propose one with /propose.", ephemeral=True)
            return
        lines = [f"{i}. **{for_discord_line(p.title, 300)}**: {p.score:+d} "
                 f"({p.voters} vote{'s' if p.voters != 1 else ''}), proposed by <@{p.proposer_id}> "
                 f"{timestamp(p.created_at, 'R')}" for i, p in enumerate(rows, 1)]
        await interaction.response.send_message("\n".join(lines)[:1900], ephemeral=True, allowed_mentions=NONE)

    # --- volunteers and history ---

    @app_commands.command(name="volunteer", description="Join (or leave) the presenters' rotation")
    @app_commands.guild_only()
    async def volunteer(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.library.session() as session, session.begin():
            added = await rg.volunteer(session, interaction.guild_id, interaction.user.id, self.bot.clock())
            if not added:
                await rg.withdraw(session, interaction.guild_id, interaction.user.id)
        text = ("Thanks! You are in the presenters' rotation; run /volunteer again to leave it." if added
                else "You left the presenters' rotation.")
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="history", description="What the group discussed, newest first")
    @app_commands.describe(presenter="Only sessions this member presented", topic="Only papers on this topic")
    @app_commands.guild_only()
    async def history(self, interaction: discord.Interaction, presenter: discord.Member | None = None,
                      topic: app_commands.Range[str, 1, 40] | None = None) -> None:
        assert interaction.guild_id is not None
        pid = presenter.id if presenter else None
        async with self.bot.library.session() as session:
            page = await rg.history(session, interaction.guild_id, presenter_id=pid, topic=topic, per_page=PER_PAGE)
        await interaction.response.send_message(embed=history_embed(page),
                                                view=history_view(page, interaction.user.id, pid, topic or ""),
                                                ephemeral=True)

    @history.autocomplete("topic")
    async def _topics(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=for_plain(t, 100) or "…", value=t[:40])
                for t in self.bot.library.complete_topic(current, 25)]

    async def _history_page(self, interaction: discord.Interaction, number: int, owner: int, presenter: int | None,
                            topic: str) -> None:
        async with self.bot.library.session() as session:
            page = await rg.history(session, interaction.guild_id or 0, presenter_id=presenter, topic=topic or None,
                                    page=number, per_page=PER_PAGE)
        await interaction.response.edit_message(embed=history_embed(page),
                                                view=history_view(page, owner, presenter, topic))

    # --- sessions ---

    async def _refuse(self, interaction: discord.Interaction) -> bool:
        if self.is_organiser(interaction):
            return False
        log.warning("refused /session for user %s", interaction.user.id)
        await interaction.response.send_message("Only organisers (server admins or the organiser role) can "
                                                "schedule, move or cancel sessions.", ephemeral=True)
        return True

    @session_group.command(name="schedule", description="Schedule a session (organisers)")
    @app_commands.describe(date="YYYY-MM-DD, in the server's time zone", time="24-hour time, HH:MM",
                           presenter="Who presents (default: the volunteer who presented least recently)",
                           paper="Default: the top open proposal", critic="Optional: a member who leads the critique",
                           minutes="Length of the session (default 60)")
    async def schedule(self, interaction: discord.Interaction, date: app_commands.Range[str, 8, 10],
                       time: app_commands.Range[str, 4, 5], presenter: discord.Member | None = None,
                       paper: app_commands.Range[str, 1, 300] | None = None, critic: discord.Member | None = None,
                       minutes: app_commands.Range[int, 15, 480] = 60) -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None and interaction.guild is not None
        guild_id = interaction.guild_id
        zone, channel_id = await self.zone_and_channel(guild_id)
        if channel_id is None:
            await interaction.response.send_message("Set the reading-group channel first: /digest channel.",
                                                    ephemeral=True)
            return
        try:
            start = local_start(date, time, zone)
        except ValueError as exc:
            await interaction.response.send_message(for_discord_line(str(exc)), ephemeral=True)
            return
        now = self.bot.clock()
        if start <= now:
            await interaction.response.send_message(f"{timestamp(start)} is in the past.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.library.session() as session, session.begin():
            await rg.expire(session, guild_id, now)
            proposal_id, paper_id, title = None, None, None
            if paper is None:
                top = await rg.open_proposals(session, guild_id, now, limit=1)
                if not top:
                    await interaction.followup.send("No open proposal to schedule: name a paper, or /propose one.",
                                                    ephemeral=True)
                    return
                proposal_id, paper_id, title = top[0].id, top[0].paper_id, top[0].title
            else:
                view = rg.resolve(self.bot.library.index, paper)
                title = view.title if view else paper
                paper_id = view.id if view else None
                match = [p for p in await rg.open_proposals(session, guild_id, now, limit=100)
                         if rg.paper_key(p.title) == rg.paper_key(title)]
                proposal_id = match[0].id if match else None
            suggested = (await rg.rotation(session, guild_id))[:1]
            presenter_id = presenter.id if presenter else (suggested[0] if suggested else None)
            if presenter_id is None:
                await interaction.followup.send("Choose a presenter: nobody has volunteered yet (/volunteer).",
                                                ephemeral=True)
                return
            s = await rg.schedule(session, guild_id, title, presenter_id, start, interaction.user.id,
                                  paper_id=paper_id, proposal_id=proposal_id, length=timedelta(minutes=minutes),
                                  roles={"critic": critic.id} if critic else None)
            reuse = await rg.thread_for(session, guild_id, s.title, s.id)
        s = await self._publish(interaction.guild, s, channel_id, reuse)
        await self._refresh_proposals(s)
        note = "" if presenter or not suggested else " (suggested by the rotation)"
        await interaction.followup.send(f"Scheduled **{for_discord_line(s.title, 1500)}** {timestamp(s.starts_at)} "
                                        f"with <@{s.presenter_id}> presenting{note}. Announced in <#{channel_id}>.",
                                        ephemeral=True)

    @schedule.autocomplete("date")
    async def _dates(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        zone, _ = await self.zone_and_channel(interaction.guild_id or 0)
        today = self.bot.clock().astimezone(ZoneInfo(zone)).date()
        days = [today + timedelta(days=i) for i in range(1, 29)]
        return [app_commands.Choice(name=f"{d:%A %d %B %Y} ({zone})", value=d.isoformat())
                for d in days if d.isoformat().startswith(current.strip()) or current.lower() in f"{d:%A}".lower()
                ][:25]

    @schedule.autocomplete("paper")
    async def _schedule_titles(self, _interaction: discord.Interaction, current: str
                               ) -> list[app_commands.Choice[str]]:
        return self.complete_titles(current)

    async def _publish(self, guild: discord.Guild, s: rg.SessionView, channel_id: int,
                       thread_id: int | None) -> rg.SessionView:
        """The announcement, the thread (opened or reused) and the scheduled event of a new session."""
        channel = await self._channel(channel_id)
        message = await channel.send(announcement(s), allowed_mentions=NONE)
        thread: discord.abc.Messageable
        if thread_id is not None:
            try:
                thread = await self._channel(thread_id)
                await thread.send(f"New session on this paper: {timestamp(s.starts_at)}, presented by "
                                  f"<@{s.presenter_id}>.", allowed_mentions=NONE)
            except (discord.NotFound, discord.Forbidden):
                thread_id = None
        if thread_id is None:
            made = await message.create_thread(name=for_plain(s.title, 100) or "Reading group session")
            thread_id = made.id
        event_id = None
        try:
            event = await guild.create_scheduled_event(
                name=for_plain(s.title, 100) or "Reading group session", start_time=s.starts_at, end_time=s.ends_at,
                entity_type=discord.EntityType.external, privacy_level=discord.PrivacyLevel.guild_only,
                location=clip(f"#{getattr(channel, 'name', 'reading-group')} on Discord", 100),
                description=f"Presented by {for_discord_line(self._name(guild, s.presenter_id), 200)}. "
                            f"Thread: <#{thread_id}>")
            event_id = event.id
        except discord.Forbidden:
            log.warning("guild %s: no Manage Events permission; session %s has no event", guild.id, s.id)
        async with self.bot.library.session() as session, session.begin():
            await rg.attach(session, s.id, event_id=event_id, channel_id=channel_id, thread_id=thread_id,
                            announcement_id=message.id)
            view = await rg.get_session(session, s.id)
        assert view is not None
        return view

    @staticmethod
    def _name(guild: discord.Guild, member_id: int) -> str:
        member = guild.get_member(member_id)
        return member.display_name if member else "a member"

    async def _pick(self, interaction: discord.Interaction, session_id: int | None) -> rg.SessionView | None:
        assert interaction.guild_id is not None
        async with self.bot.library.session() as session:
            if session_id is None:
                nxt = await rg.upcoming(session, interaction.guild_id, self.bot.clock(), limit=1)
                s = nxt[0] if nxt else None
            else:
                s = await rg.get_session(session, session_id)
        if s is None or s.guild_id != interaction.guild_id or s.status != "scheduled":
            await interaction.response.send_message("No such scheduled session.", ephemeral=True)
            return None
        return s

    async def _refresh_announcement(self, s: rg.SessionView) -> None:
        if s.channel_id is None or s.announcement_id is None:
            return
        with contextlib.suppress(discord.NotFound, discord.Forbidden):
            channel = await self._channel(s.channel_id)
            await channel.get_partial_message(s.announcement_id).edit(  # type: ignore[attr-defined]
                content=announcement(s), allowed_mentions=NONE)

    async def _refresh_proposals(self, s: rg.SessionView) -> None:
        """The proposal messages a session changed show it: scheduled or discussed, their buttons closed;
        open again after a cancel."""
        async with self.bot.library.session() as session:
            proposals = await rg.proposals_of(session, s)
        for p in proposals:
            if p.channel_id is None or p.message_id is None:
                continue
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                channel = await self._channel(p.channel_id)
                await channel.get_partial_message(p.message_id).edit(  # type: ignore[attr-defined]
                    embed=proposal_embed(p), view=vote_view(p), allowed_mentions=NONE)

    async def _event(self, s: rg.SessionView) -> discord.ScheduledEvent | None:
        guild = self.bot.get_guild(s.guild_id)
        if guild is None or s.event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(s.event_id)
        except (discord.NotFound, discord.Forbidden):
            return None

    @session_group.command(name="move", description="Move a session to another time (organisers)")
    @app_commands.describe(date="YYYY-MM-DD, in the server's time zone", time="24-hour time, HH:MM",
                           session="Which session (default: the next one)")
    async def move(self, interaction: discord.Interaction, date: app_commands.Range[str, 8, 10],
                   time: app_commands.Range[str, 4, 5], session: int | None = None) -> None:
        if await self._refuse(interaction):
            return
        s = await self._pick(interaction, session)
        if s is None:
            return
        zone, _ = await self.zone_and_channel(s.guild_id)
        try:
            start = local_start(date, time, zone)
        except ValueError as exc:
            await interaction.response.send_message(for_discord_line(str(exc)), ephemeral=True)
            return
        if start <= self.bot.clock():
            await interaction.response.send_message(f"{timestamp(start)} is in the past.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.library.session() as db, db.begin():
            s = await rg.move(db, s.id, start)
        event = await self._event(s)
        if event is not None:
            await event.edit(start_time=s.starts_at, end_time=s.ends_at)
        await self._refresh_announcement(s)
        await interaction.followup.send(f"Moved **{for_discord_line(s.title, 1500)}** to {timestamp(s.starts_at)}; "
                                        "reminders follow.", ephemeral=True)

    @session_group.command(name="cancel", description="Cancel a session (organisers)")
    @app_commands.describe(session="Which session (default: the next one)")
    async def cancel(self, interaction: discord.Interaction, session: int | None = None) -> None:
        if await self._refuse(interaction):
            return
        s = await self._pick(interaction, session)
        if s is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.library.session() as db, db.begin():
            s = await rg.cancel(db, s.id)
        event = await self._event(s)
        if event is not None:
            await event.delete()
        await self._refresh_announcement(s)
        await self._refresh_proposals(s)
        await interaction.followup.send(f"Cancelled **{for_discord_line(s.title, 1500)}**; its proposal is open again.",
                                        ephemeral=True)

    @session_group.command(name="done", description="Mark a session as discussed (organisers)")
    @app_commands.describe(session="Which session (default: the next one)")
    async def done(self, interaction: discord.Interaction, session: int | None = None) -> None:
        if await self._refuse(interaction):
            return
        s = await self._pick(interaction, session)
        if s is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        s = await self.finish(s.id)
        await interaction.followup.send(f"**{for_discord_line(s.title, 1500)}** is marked discussed.", ephemeral=True)

    @move.autocomplete("session")
    @cancel.autocomplete("session")
    @done.autocomplete("session")
    async def _sessions(self, interaction: discord.Interaction, _current: str) -> list[app_commands.Choice[int]]:
        async with self.bot.library.session() as session:
            rows = await rg.upcoming(session, interaction.guild_id or 0, self.bot.clock(), limit=25)
        return [app_commands.Choice(name=for_plain(f"{s.starts_at:%Y-%m-%d %H:%M} UTC · {s.title}", 100), value=s.id)
                for s in rows]

    def summary_hint(self, s: rg.SessionView) -> str:
        summary = self.bot.tree.get_command("summary")
        if isinstance(summary, app_commands.Group) and summary.get_command("write") is not None:
            return (f"<@{s.presenter_id}>, thanks for presenting! Please add a summary for the group: "
                    f"`/summary write paper:{for_code_span(s.title, 150)}`")
        return (f"<@{s.presenter_id}>, thanks for presenting! Please write a short summary of "
                f"**{for_discord_line(s.title, 1500)}** for the corpus, so the group can find it later.")

    async def finish(self, session_id: int) -> rg.SessionView:
        """Discussed: recorded, the announcement updated, the presenter asked (pinged, alone) for a summary."""
        async with self.bot.library.session() as db, db.begin():
            s = await rg.done(db, session_id, self.bot.clock())
        await self._refresh_announcement(s)
        await self._refresh_proposals(s)
        where = s.thread_id or s.channel_id
        if where is not None:
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                channel = await self._channel(where)
                await channel.send(self.summary_hint(s),
                                   allowed_mentions=discord.AllowedMentions(everyone=False, roles=False,
                                                                            users=[discord.Object(s.presenter_id)]))
        return s

    async def discussed_notes(self, guild_id: int) -> dict[int, str]:
        """For /paper, /author, /topic, /ask results: paper id -> "discussed on <date>, presented by <member>"."""
        async with self.bot.library.session() as session:
            done = await rg.discussed_papers(session, guild_id)
        return {pid: f"Discussed on {timestamp(d.on, 'D')}, presented by <@{d.presenter_id}>"
                for pid, d in done.items()}

    # --- the weekly digest's sections ---

    async def digest_sections(self, guild_id: int, embed: discord.Embed) -> None:
        """The next session and the top open proposals, first in the digest (the size trim drops picks first)."""
        now = self.bot.clock()
        async with self.bot.library.session() as session:
            nxt = await rg.upcoming(session, guild_id, now, limit=1)
            top = await rg.open_proposals(session, guild_id, now, limit=DIGEST_PROPOSALS)
        at = 0
        if nxt:
            s = nxt[0]
            embed.insert_field_at(at, name="📅 Next session", inline=False, value=clip(
                f"**{for_discord_line(s.title, 600)}**, presented by <@{s.presenter_id}>, {timestamp(s.starts_at)} "
                f"({timestamp(s.starts_at, 'R')})", 1024))
            at += 1
        if top:
            lines = [f"{i}. {for_discord_line(p.title, 150)} ({p.score:+d})" for i, p in enumerate(top, 1)]
            embed.insert_field_at(at, name="🗳 Top proposals", inline=False,
                                  value="\n".join(lines)[:1024])

    # --- the loop: reminders, and sessions whose end has passed ---

    @tasks.loop(seconds=60)
    async def loop(self) -> None:
        self._tick = asyncio.ensure_future(self.tick())
        await asyncio.shield(self._tick)

    @loop.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def tick(self) -> None:
        with self.counted_pass():
            guilds = {g.id for g in self.bot.guilds}
            now = self.bot.clock()
            async with self.bot.library.session() as session:
                coming = [s for s in await rg.upcoming(session, None, now, limit=200) if s.guild_id in guilds]
                ended = [s for s in await rg.overdue(session, now) if s.guild_id in guilds]
            for s in coming:
                for minutes in rg.due_reminders(s, now, self.bot.settings.reminder_minutes):
                    try:
                        await self.remind(s, minutes)
                    except Exception:
                        log.exception("reminder for session %s failed", s.id)
            for s in ended:
                try:
                    await self.finish(s.id)
                except LookupError:
                    pass  # another process finished it first
                except Exception:
                    log.exception("closing session %s failed", s.id)

    async def remind(self, s: rg.SessionView, minutes: int) -> bool:
        if s.channel_id is None:
            return False
        kind = rg.reminder_kind(minutes, s.starts_at)
        async with self.bot.library.session() as session, session.begin():
            claim = await rg.claim_reminder(session, s.id, kind, self.worker, self.bot.clock())
        if claim is None:
            return False
        channel = await self._channel(s.channel_id)
        message = await channel.send(reminder_text(s, minutes), allowed_mentions=discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False, users=[discord.Object(s.presenter_id)]))
        async with self.bot.library.session() as session, session.begin():
            await rg.mark_reminded(session, claim, message.id, self.bot.clock())
        return True


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(ReadingGroup(bot))
