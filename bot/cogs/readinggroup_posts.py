"""A meeting's Discord objects: its announcement, its thread (opened, or an earlier meeting's reused) and its
scheduled event, made when it is scheduled (or when an organiser retries) and brought up to date as it
moves, is cancelled or is done, with the proposal messages it changed. Every message here pings nobody.

Publishing is a unit that can partly fail: each part is tried on its own, what succeeded is recorded, and
what did not is returned with the reason an organiser can act on (a permission named as Discord's settings
name it). The channel is checked first: it must be this server's, and the bot must be able to post there.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord

from bot.cogs.readinggroup_views import NONE, announcement, presenter_only, proposal_embed, reminder_text, vote_view
from bot.render import timestamp
from bot.text import clip
from bot.untrusted import for_discord_line, for_plain
from store.readinggroup import ProposalView, SessionView
from store.readinggroup.service import ReadingGroupService

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)

# discord.py's names of the permissions each part needs, and how Discord's settings name them.
NAMES = {"view_channel": "View Channels", "send_messages": "Send Messages",
         "create_public_threads": "Create Public Threads", "send_messages_in_threads": "Send Messages in Threads"}
EVENTS, SERVER = "Manage Events (or Create Events)", "in the server's settings"  # an event has no channel
POSTING = ("view_channel", "send_messages")  # without these nothing can be published, nor reminded
ARCHIVED = 50083  # Discord: the thread is archived or locked


@dataclass(slots=True)
class Published:
    """A meeting after publishing, and the parts not published: part -> why (announcement, thread, event)."""

    meeting: SessionView
    failed: dict[str, str] = field(default_factory=dict)


def missing(permissions: discord.Permissions, names: Sequence[str]) -> list[str]:
    return [NAMES[n] for n in names if not getattr(permissions, n)]


def refused(exc: Exception, permission: str, where: str) -> str:
    """Why Discord refused a part, as the organiser can act on it."""
    if isinstance(exc, discord.Forbidden):
        return f"missing permission {permission} {where}"
    if isinstance(exc, discord.HTTPException) and exc.code == ARCHIVED:
        return "the thread is archived or locked"
    if isinstance(exc, discord.NotFound):
        return "Discord no longer knows it (deleted?)"
    status = getattr(exc, "status", "?")
    return f"Discord refused it ({status}{f', code {exc.code}' if isinstance(exc, discord.HTTPException) else ''})"


class MeetingPosts:
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @property
    def service(self) -> ReadingGroupService:
        return self.bot.services.readinggroup

    async def channel(self, channel_id: int) -> discord.abc.Messageable:
        return self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)  # type: ignore[return-value]

    async def target(self, guild: discord.Guild, channel_id: int) -> discord.TextChannel | str:
        """The server's reading-group channel, or why a session cannot be announced there (said before any
        commit): another server's channel (DIGEST_CHANNEL_ID is one server's default, never the others'), gone,
        or one where the bot can neither see nor post."""
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                return f"the reading-group channel ({channel_id}) no longer exists: choose one with /digest channel."
            except discord.HTTPException as exc:
                return f"I cannot reach the reading-group channel <#{channel_id}>: {refused(exc, 'View Channels', '')}."
        if getattr(getattr(channel, "guild", None), "id", None) != guild.id:
            log.info("guild %s: channel %s is another server's; not announcing there", guild.id, channel_id)
            return "this server has no reading-group channel yet: an admin chooses one with /digest channel."
        if not isinstance(channel, discord.TextChannel):
            return f"<#{channel_id}> is not a text channel: choose one with /digest channel."
        if guild.me is not None and (lacking := missing(channel.permissions_for(guild.me), POSTING)):
            return (f"I cannot post in <#{channel_id}>: missing permission {', '.join(lacking)} there. Grant it in "
                    "the channel's settings (Permissions), or choose another channel with /digest channel.")
        return channel

    async def publish(self, guild: discord.Guild, s: SessionView, channel: discord.TextChannel,
                      earlier_thread: int | None) -> Published:
        """The parts a meeting does not have yet: its announcement, its thread (an earlier meeting's on this
        paper if it still takes messages, else opened from the announcement) and its scheduled event."""
        me = guild.me
        perms = channel.permissions_for(me) if me is not None else discord.Permissions.all()
        server = me.guild_permissions if me is not None else discord.Permissions.all()
        here, failed, ids = f"in #{channel.name}", {}, {}
        message_id = s.announcement_id
        if message_id is None:
            try:
                message_id = (await channel.send(announcement(s), allowed_mentions=NONE)).id
                ids.update(announcement_id=message_id, channel_id=channel.id)
            except discord.HTTPException as exc:
                failed["announcement"] = refused(exc, "Send Messages", here)
        if s.thread_id is None:
            thread_id = await self._reuse(s, earlier_thread) if perms.send_messages_in_threads else None
            if thread_id is None:
                if lacking := missing(perms, ("create_public_threads",)):
                    failed["thread"] = f"missing permission {', '.join(lacking)} {here}"
                elif message_id is None:
                    failed["thread"] = "not opened: it starts from the announcement, which was not posted"
                else:
                    try:
                        made = await channel.get_partial_message(message_id).create_thread(
                            name=for_plain(s.title, 100) or "Reading group session")
                        thread_id = made.id
                    except discord.HTTPException as exc:
                        failed["thread"] = refused(exc, "Create Public Threads", here)
            if thread_id is not None:
                ids["thread_id"] = thread_id
        if s.event_id is None:
            thread = ids.get("thread_id") or s.thread_id
            if not (server.manage_events or server.create_events):
                failed["event"] = f"missing permission {EVENTS} {SERVER}"
            else:
                try:
                    event = await guild.create_scheduled_event(
                        name=for_plain(s.title, 100) or "Reading group session", start_time=s.starts_at,
                        end_time=s.ends_at, entity_type=discord.EntityType.external,
                        privacy_level=discord.PrivacyLevel.guild_only,
                        location=clip(f"#{channel.name} on Discord", 100),
                        description=f"Presented by {for_discord_line(self.name(guild, s.presenter_id), 200)}."
                                    + (f" Thread: <#{thread}>" if thread else ""))
                    ids["event_id"] = event.id
                except discord.HTTPException as exc:
                    failed["event"] = refused(exc, EVENTS, SERVER)
        if failed:
            log.warning("guild %s: session %s published without %s", guild.id, s.id, failed)
        return Published(await self.service.attach(s.id, **ids) if ids else s, failed)

    async def _reuse(self, s: SessionView, earlier: int | None) -> int | None:
        """The earlier meeting's thread, told of the new session; None if it is gone, archived or locked."""
        if earlier is None:
            return None
        try:
            thread = await self.channel(earlier)
            await thread.send(f"New session on this paper: {timestamp(s.starts_at)}, presented by "
                              f"<@{s.presenter_id}>.", allowed_mentions=NONE)
        except discord.HTTPException as exc:
            log.info("session %s: the earlier thread %s refused (%s); opening a new one", s.id, earlier, exc)
            return None
        return earlier

    @staticmethod
    def name(guild: discord.Guild, member_id: int) -> str:
        member = guild.get_member(member_id)
        return member.display_name if member else "a member"

    async def refresh_announcement(self, s: SessionView) -> None:
        if s.channel_id is None or s.announcement_id is None:
            return
        with contextlib.suppress(discord.HTTPException):
            channel = await self.channel(s.channel_id)
            await channel.get_partial_message(s.announcement_id).edit(  # type: ignore[attr-defined]
                content=announcement(s), allowed_mentions=NONE)

    async def refresh_proposals(self, changed: Sequence[ProposalView]) -> None:
        """The proposal messages a meeting changed show it: scheduled or discussed, their buttons closed;
        open again after a cancel (`changed`: what the service's call returned)."""
        for p in changed:
            if p.channel_id is None or p.message_id is None:
                continue
            with contextlib.suppress(discord.HTTPException):
                channel = await self.channel(p.channel_id)
                await channel.get_partial_message(p.message_id).edit(  # type: ignore[attr-defined]
                    embed=proposal_embed(p), view=vote_view(p), allowed_mentions=NONE)

    async def post(self, places: Sequence[int | None], text: str, mentions: discord.AllowedMentions
                   ) -> discord.Message:
        """A reminder or the summary request, in the first of `places` that takes it (a channel that refuses,
        or a thread archived or locked, passes it to the next); the last refusal is raised."""
        ids = [p for p in dict.fromkeys(places) if p is not None]
        if not ids:
            raise LookupError("nowhere to post: the session has no channel")
        for place in ids[:-1]:
            try:
                return await (await self.channel(place)).send(text, allowed_mentions=mentions)
            except discord.HTTPException as exc:
                log.info("channel %s refused a reading-group post (%s); trying the next place", place, exc)
        return await (await self.channel(ids[-1])).send(text, allowed_mentions=mentions)

    async def remind(self, s: SessionView, minutes: int) -> bool:
        """Post a due reminder once (a claim in the database): in the session's channel, or in its thread if the
        channel refuses. A refusal of both leaves the claim to be taken again after its lease."""
        if s.channel_id is None and s.thread_id is None:
            return False
        claim = await self.service.claim_reminder(s, minutes)
        if claim is None:
            return False
        message = await self.post([s.channel_id, s.thread_id], reminder_text(s, minutes), presenter_only(s))
        await self.service.record_reminder(claim, message.id)
        return True
