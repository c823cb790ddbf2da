"""A meeting's Discord objects: its announcement, its thread (opened, or an earlier meeting's reused) and its
scheduled event, made when it is scheduled and brought up to date as it moves, is cancelled or is done,
with the proposal messages it changed. Every message here pings nobody.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.cogs.readinggroup_views import NONE, announcement, proposal_embed, vote_view
from bot.render import timestamp
from bot.text import clip
from bot.untrusted import for_discord_line, for_plain
from store.readinggroup import ProposalView, SessionView
from store.readinggroup.service import ReadingGroupService

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)


class MeetingPosts:
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @property
    def service(self) -> ReadingGroupService:
        return self.bot.services.readinggroup

    async def channel(self, channel_id: int) -> discord.abc.Messageable:
        return self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)  # type: ignore[return-value]

    async def publish(self, guild: discord.Guild, s: SessionView, channel_id: int,
                       thread_id: int | None) -> SessionView:
        """The announcement, the thread (opened or reused) and the scheduled event of a new meeting."""
        channel = await self.channel(channel_id)
        message = await channel.send(announcement(s), allowed_mentions=NONE)
        thread: discord.abc.Messageable
        if thread_id is not None:
            try:
                thread = await self.channel(thread_id)
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
                description=f"Presented by {for_discord_line(self.name(guild, s.presenter_id), 200)}. "
                            f"Thread: <#{thread_id}>")
            event_id = event.id
        except discord.Forbidden:
            log.warning("guild %s: no Manage Events permission; session %s has no event", guild.id, s.id)
        return await self.service.attach(s.id, event_id=event_id, channel_id=channel_id, thread_id=thread_id,
                                         announcement_id=message.id)

    @staticmethod
    def name(guild: discord.Guild, member_id: int) -> str:
        member = guild.get_member(member_id)
        return member.display_name if member else "a member"

    async def refresh_announcement(self, s: SessionView) -> None:
        if s.channel_id is None or s.announcement_id is None:
            return
        with contextlib.suppress(discord.NotFound, discord.Forbidden):
            channel = await self.channel(s.channel_id)
            await channel.get_partial_message(s.announcement_id).edit(  # type: ignore[attr-defined]
                content=announcement(s), allowed_mentions=NONE)

    async def refresh_proposals(self, changed: Sequence[ProposalView]) -> None:
        """The proposal messages a meeting changed show it: scheduled or discussed, their buttons closed;
        open again after a cancel (`changed`: what the service's call returned)."""
        for p in changed:
            if p.channel_id is None or p.message_id is None:
                continue
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                channel = await self.channel(p.channel_id)
                await channel.get_partial_message(p.message_id).edit(  # type: ignore[attr-defined]
                    embed=proposal_embed(p), view=vote_view(p), allowed_mentions=NONE)

    async def event(self, s: SessionView) -> discord.ScheduledEvent | None:
        guild = self.bot.get_guild(s.guild_id)
        if guild is None or s.event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(s.event_id)
        except (discord.NotFound, discord.Forbidden):
            return None

