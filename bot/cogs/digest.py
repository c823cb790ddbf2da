"""The weekly digest: a loop that posts it when due, and /digest for members and admins.

The loop wakes every `bot.digest_poll_seconds` (a minute by default), and for each server asks the
database whether this week's slot has passed without a posted digest. So a digest due while the bot was
down is posted once when it comes back (one week key, not one per missed week), and a restart right
after posting finds the week already posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.config import WEEKDAYS, parse_time, parse_timezone
from bot.digest_render import DIGEST_SUMMARIES, digest_embed, new_summaries_text, timestamp
from bot.passes import CountedPasses
from bot.untrusted import for_discord_line
from store.digest import plan as store
from store.servers import settings as servers
from store.summaries import contributions

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

_ZONES = sorted(available_timezones())


class DigestCog(commands.Cog, CountedPasses):
    group = app_commands.Group(name="digest", description="The weekly paper digest", guild_only=True)

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._tick: asyncio.Future[None] | None = None
        self._foreign_channels: set[int] = set()  # the default channel, seen from the servers it is not in
        self.init_passes()
        self.loop.change_interval(seconds=getattr(bot, "digest_poll_seconds", 60.0))

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()
        if self._tick is not None and not self._tick.done():  # let a database write finish, not tear it
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._tick), 10)

    def default_schedule(self) -> servers.Schedule:
        s = self.bot.settings
        return servers.Schedule(s.digest_channel_id, s.digest_weekday, s.digest_time.hour, s.digest_time.minute,
                              s.digest_timezone)

    async def schedule_for(self, guild_id: int) -> servers.Schedule:
        async with self.bot.library.session() as session:
            return await servers.guild_schedule(session, guild_id, self.default_schedule())

    async def plan(self, guild_id: int, week: str) -> store.Digest:
        async with self.bot.library.session() as session:
            cycle, featured, since = await store.history(session, guild_id)
        return store.plan_digest(self.bot.library.catalog, featured, cycle, since, week)

    async def embed(self, guild_id: int, digest: store.Digest, slot, nxt) -> discord.Embed:  # type: ignore[no-untyped-def]
        """The digest's embed: the reading group's sections (next session, open proposals) when loaded, and
        the summaries members wrote since the last digest."""
        embed = digest_embed(digest, slot, nxt)
        async with self.bot.library.session() as session:
            _cycle, _featured, last = await store.history(session, guild_id)
            written = await contributions.since(session, last, limit=DIGEST_SUMMARIES)
        if written:  # inserted first, so the reading group's sections (inserted at the top) stay above it
            embed.insert_field_at(0, name="✍️ New summaries by members", inline=False,
                                  value=new_summaries_text(written))
        group = self.bot.get_cog("ReadingGroup")
        if group is not None:
            await group.digest_sections(guild_id, embed)  # type: ignore[attr-defined]
        return embed

    # --- the loop ---

    @tasks.loop(seconds=60)
    async def loop(self) -> None:
        # Shielded: cancelling the loop at shutdown must not cut a database transaction in half.
        self._tick = asyncio.ensure_future(self.tick())
        await asyncio.shield(self._tick)

    async def tick(self) -> None:
        with self.counted_pass():
            for guild in list(self.bot.guilds):
                try:
                    await self.post_if_due(guild.id)
                except Exception:  # one server's trouble never stops the others, nor the loop
                    log.exception("digest for guild %s failed", guild.id)

    @loop.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def post_if_due(self, guild_id: int) -> bool:
        now = self.bot.clock()  # before the schedule: a pass never pairs a schedule with a later time
        schedule = await self.schedule_for(guild_id)
        if schedule.channel_id is None or not await self._is_channel_of(guild_id, schedule.channel_id):
            return False
        week, slot = store.due_slot(now, schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)
        async with self.bot.library.session() as session, session.begin():
            if await store.is_posted(session, guild_id, week, slot):
                return False
            run_id = await store.claim(session, guild_id, week, self.worker, now)
        if run_id is None:
            return False  # another process holds a live claim
        return await self.post(guild_id, schedule, run_id, week, slot)

    async def _is_channel_of(self, guild_id: int, channel_id: int) -> bool:
        """Whether the channel belongs to this server: DIGEST_CHANNEL_ID, the default for every server, is
        one server's channel, and the others must not post there (each sets its own with /digest channel)."""
        if channel_id in self._foreign_channels:
            return False
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return True  # post() meets the same trouble and tells the admins
        owner = getattr(getattr(channel, "guild", None), "id", guild_id)
        if owner != guild_id:
            log.info("guild %s: the default digest channel %s is another server's; not posting there",
                     guild_id, channel_id)
            self._foreign_channels.add(channel_id)
            return False
        return True

    async def post(self, guild_id: int, schedule: servers.Schedule, run_id: int, week: str, slot) -> bool:  # type: ignore[no-untyped-def]
        digest = await self.plan(guild_id, week)
        if not digest:
            log.info("digest for guild %s: nothing to post (empty corpus)", guild_id)
            return False
        now = self.bot.clock()
        nxt = store.next_slot(now, schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)
        try:
            channel = self.bot.get_channel(schedule.channel_id) or await self.bot.fetch_channel(schedule.channel_id)
            message = await channel.send(embed=await self.embed(guild_id, digest, slot, nxt),  # type: ignore[union-attr]
                                         allowed_mentions=discord.AllowedMentions.none())
        except (discord.Forbidden, discord.NotFound) as exc:
            problem = (f"the weekly digest could not be posted to channel {schedule.channel_id} "
                       f"({'missing permission' if isinstance(exc, discord.Forbidden) else 'channel not found'}). "
                       "Check the channel with /digest channel.")
            log.warning("guild %s: %s", guild_id, problem)
            async with self.bot.library.session() as session, session.begin():
                await servers.record_problem(session, guild_id, self.default_schedule(), problem)
            return False
        async with self.bot.library.session() as session, session.begin():
            await store.mark_posted(session, run_id, guild_id, digest, message.id, self.bot.clock())
        log.info("digest %s posted to guild %s (%d papers)", week, guild_id, len(digest.items))
        return True

    # --- commands ---

    async def _refuse(self, interaction: discord.Interaction) -> bool:
        if self.bot.is_admin(interaction):
            return False
        log.warning("refused /digest %s for user %s", interaction.command.name if interaction.command else "?",
                    interaction.user.id)
        await interaction.response.send_message("Only server admins can change or post the digest.", ephemeral=True)
        return True

    async def _notice(self, guild_id: int) -> str:
        notice = await self.bot.pop_admin_notice(guild_id)
        return f"{notice}\n" if notice else ""

    @group.command(name="preview", description="See this week's digest (only you)")
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        schedule = await self.schedule_for(interaction.guild_id)
        now = self.bot.clock()
        week, slot = store.due_slot(now, schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)
        digest = await self.plan(interaction.guild_id, week)
        if not digest:
            await interaction.response.send_message("The corpus is empty: there is nothing to digest yet.",
                                                    ephemeral=True)
            return
        nxt = store.next_slot(now, schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)
        where = f"<#{schedule.channel_id}>" if schedule.channel_id else "no channel yet (/digest channel)"
        await interaction.response.send_message(f"Preview: the digest goes to {where} {timestamp(nxt)}.",
                                                embed=await self.embed(interaction.guild_id, digest, slot, nxt),
                                                ephemeral=True)

    @group.command(name="now", description="Post the digest now (admins)")
    @app_commands.default_permissions(manage_guild=True)
    async def now(self, interaction: discord.Interaction) -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        notice = await self._notice(interaction.guild_id)
        schedule = await self.schedule_for(interaction.guild_id)
        if schedule.channel_id is None:
            await interaction.followup.send(notice + "Set the channel first: /digest channel.", ephemeral=True)
            return
        week, slot = store.due_slot(self.bot.clock(), schedule.weekday, schedule.hour, schedule.minute,
                                    schedule.timezone)
        async with self.bot.library.session() as session, session.begin():
            posted = await store.is_posted(session, interaction.guild_id, week, slot)
            run_id = None if posted else await store.claim(session, interaction.guild_id, week, self.worker,
                                                           self.bot.clock())
        if run_id is None:
            await interaction.followup.send(notice + "This week's digest was already posted (or is being posted).",
                                            ephemeral=True)
            return
        ok = await self.post(interaction.guild_id, schedule, run_id, week, slot)
        text = f"Posted to <#{schedule.channel_id}>." if ok else (await self._notice(interaction.guild_id)
                                                                 or "Nothing was posted.")
        await interaction.followup.send(notice + text, ephemeral=True)

    @group.command(name="channel", description="Choose where this server's digest goes (admins)")
    @app_commands.describe(channel="The text channel for the weekly digest")
    @app_commands.default_permissions(manage_guild=True)
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None
        notice = await self._notice(interaction.guild_id)
        async with self.bot.library.session() as session, session.begin():
            await servers.save_schedule(session, interaction.guild_id, self.default_schedule(), channel_id=channel.id)
        await interaction.response.send_message(f"{notice}The weekly digest will be posted in {channel.mention}.",
                                                ephemeral=True)

    @group.command(name="schedule", description="Set the digest's weekday, time and time zone (admins)")
    @app_commands.describe(weekday="Day of the week", time="24-hour time, HH:MM",
                           timezone="IANA time zone, e.g. Europe/Paris")
    @app_commands.choices(weekday=[app_commands.Choice(name=d.capitalize(), value=i) for i, d in enumerate(WEEKDAYS)])
    @app_commands.default_permissions(manage_guild=True)
    async def schedule(self, interaction: discord.Interaction, weekday: app_commands.Choice[int],
                       time: app_commands.Range[str, 4, 5], timezone: app_commands.Range[str, 1, 64] = "UTC") -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None
        try:
            at, zone = parse_time(time), parse_timezone(timezone)
        except ValueError as exc:
            await interaction.response.send_message(for_discord_line(str(exc)), ephemeral=True)
            return
        notice = await self._notice(interaction.guild_id)
        async with self.bot.library.session() as session, session.begin():
            saved = await servers.save_schedule(session, interaction.guild_id, self.default_schedule(),
                                              weekday=weekday.value, hour=at.hour, minute=at.minute,
                                              timezone=zone.key)
        nxt = store.next_slot(self.bot.clock(), saved.weekday, saved.hour, saved.minute, saved.timezone)
        await interaction.response.send_message(
            f"{notice}Digest scheduled every {weekday.name} at {at:%H:%M} ({zone.key}); next: {timestamp(nxt)}.",
            ephemeral=True)

    @schedule.autocomplete("timezone")
    async def _zones(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        key = current.lower().replace(" ", "_")
        hits = [z for z in _ZONES if key in z.lower()][:25]
        return [app_commands.Choice(name=z, value=z) for z in hits]


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(DigestCog(bot))
