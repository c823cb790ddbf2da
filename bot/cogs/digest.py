"""The weekly digest: a loop that posts it when due, and /digest for members and admins.

The loop wakes every `bot.digest_poll_seconds` (a minute by default), and for each server asks the
database whether this week's slot has passed without a posted digest. So a digest due while the bot was
down is posted once when it comes back (one week key, not one per missed week), and a restart right
after posting finds the week already posted. The rules and transactions are bot.services.digest's
(store.digest.service), the schedule included; the problem kept for admins is bot.services.servers'.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.readinggroup_views import add_digest_sections
from bot.commands import group, slash
from bot.config import WEEKDAYS, parse_time, parse_timezone
from bot.digest_render import DIGEST_SUMMARIES, edition_embed
from bot.passes import BackgroundPasses
from bot.render import timestamp
from bot.untrusted import for_discord_line
from store.digest.service import Claim, DigestService, Edition
from store.servers.settings import Schedule

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

_ZONES = sorted(available_timezones())


class DigestCog(BackgroundPasses, commands.Cog):
    digest = group("digest", guild_only=True)

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self._foreign_channels: set[int] = set()  # the default channel, seen from the servers it is not in
        self.init_background(getattr(bot, "digest_poll_seconds", 60.0), bot.wait_until_ready)

    @property
    def service(self) -> DigestService:
        return self.bot.services.digest

    async def schedule_for(self, guild_id: int) -> Schedule:
        """The schedule a pass (or /digest now) holds from start to end: one read, paired with one time."""
        return await self.service.schedule(guild_id)

    async def embed(self, guild_id: int, edition: Edition) -> discord.Embed:
        """The digest's embed: the reading group's sections (next session, open proposals) and the summaries
        members wrote since the last digest."""
        written = await self.bot.services.summaries.written_since(edition.since, DIGEST_SUMMARIES)
        embed = edition_embed(edition, written)
        add_digest_sections(embed, await self.bot.services.readinggroup.digest_sections(guild_id))
        return embed

    # --- the loop ---

    async def tick(self) -> None:
        for guild in list(self.bot.guilds):
            try:
                await self.post_if_due(guild.id)
            except Exception:  # one server's trouble never stops the others, nor the loop
                log.exception("digest for guild %s failed", guild.id)

    async def post_if_due(self, guild_id: int) -> bool:
        now = self.bot.clock()  # before the schedule: a pass never pairs a schedule with a later time
        schedule = await self.schedule_for(guild_id)
        if schedule.channel_id is None or not await self._is_channel_of(guild_id, schedule.channel_id):
            return False
        claim = await self.service.claim_due(guild_id, schedule, now)
        if claim is None:
            return False  # posted already, or another process holds a live claim
        return await self.post(guild_id, schedule, claim)

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

    async def post(self, guild_id: int, schedule: Schedule, claim: Claim) -> bool:
        edition = await self.service.edition(guild_id, schedule, claim)
        if not edition.digest:
            log.info("digest for guild %s: nothing to post (empty corpus)", guild_id)
            return False
        try:
            channel = self.bot.get_channel(schedule.channel_id) or await self.bot.fetch_channel(schedule.channel_id)
            message = await channel.send(embed=await self.embed(guild_id, edition),  # type: ignore[union-attr]
                                         allowed_mentions=discord.AllowedMentions.none())
        except (discord.Forbidden, discord.NotFound) as exc:
            problem = (f"the weekly digest could not be posted to channel {schedule.channel_id} "
                       f"({'missing permission' if isinstance(exc, discord.Forbidden) else 'channel not found'}). "
                       "Check the channel with /digest channel.")
            log.warning("guild %s: %s", guild_id, problem)
            await self.bot.services.servers.record_problem(guild_id, problem)
            return False
        await self.service.record_posted(claim, guild_id, edition.digest, message.id)
        log.info("digest %s posted to guild %s (%d papers)", claim.week, guild_id, len(edition.digest.items))
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
        """A problem the digest met since an admin last looked, shown once, as the first line of the reply."""
        notice = await self.bot.pop_admin_notice(guild_id)
        return f"{notice}\n" if notice else ""

    @slash("digest preview", parent=digest)
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        edition = await self.service.preview(interaction.guild_id)
        if not edition.digest:
            await interaction.response.send_message("The corpus is empty: there is nothing to digest yet.",
                                                    ephemeral=True)
            return
        where = f"<#{edition.channel_id}>" if edition.channel_id else "no channel yet (/digest channel)"
        await interaction.response.send_message(f"Preview: the digest goes to {where} {timestamp(edition.next_at)}.",
                                                embed=await self.embed(interaction.guild_id, edition),
                                                ephemeral=True)

    @app_commands.default_permissions(manage_guild=True)
    @slash("digest now", parent=digest)
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
        claim = await self.service.claim_due(interaction.guild_id, schedule, self.bot.clock())
        if claim is None:
            await interaction.followup.send(notice + "This week's digest was already posted (or is being posted).",
                                            ephemeral=True)
            return
        ok = await self.post(interaction.guild_id, schedule, claim)
        text = f"Posted to <#{schedule.channel_id}>." if ok else (await self._notice(interaction.guild_id)
                                                                 or "Nothing was posted.")
        await interaction.followup.send(notice + text, ephemeral=True)

    @app_commands.default_permissions(manage_guild=True)
    @slash("digest channel", parent=digest)
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        if await self._refuse(interaction):
            return
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # answered first, written second
        notice = await self._notice(interaction.guild_id)
        await self.bot.services.servers.change(interaction.guild_id, channel_id=channel.id)
        await interaction.followup.send(f"{notice}The weekly digest will be posted in {channel.mention}.",
                                        ephemeral=True)

    @app_commands.choices(weekday=[app_commands.Choice(name=d.capitalize(), value=i) for i, d in enumerate(WEEKDAYS)])
    @app_commands.default_permissions(manage_guild=True)
    @slash("digest schedule", parent=digest)
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
        await interaction.response.defer(ephemeral=True, thinking=True)  # answered first, written second
        notice = await self._notice(interaction.guild_id)
        next_at = await self.service.reschedule(interaction.guild_id, weekday=weekday.value, hour=at.hour,
                                                minute=at.minute, timezone=zone.key)
        await interaction.followup.send(
            f"{notice}Digest scheduled every {weekday.name} at {at:%H:%M} ({zone.key}); "
            f"next: {timestamp(next_at)}.", ephemeral=True)

    @schedule.autocomplete("timezone")
    async def _zones(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        key = current.lower().replace(" ", "_")
        hits = [z for z in _ZONES if key in z.lower()][:25]
        return [app_commands.Choice(name=z, value=z) for z in hits]


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(DigestCog(bot))
