"""`paperbot doctor`'s Discord part: is the token accepted, and may the bot do its work in each channel?

Read over Discord's HTTP API only (discord.py's HTTP layer: no gateway session, so a running bot is not
disturbed): GET /users/@me (the login), then per channel GET /channels/{id} (its overwrites), the server's
roles and the bot's own member. The permissions are Discord's computation with discord.py's
`Permissions.handle_overwrite`: @everyone's and the member's roles' (ADMINISTRATOR: everything), then the
channel's @everyone overwrite, its roles' overwrites together, the member's own. Each call has a short
timeout: Discord not answering is a warning (it may be Discord's outage, not the admin's mistake).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
import discord

from bot.doctor_checks import FAIL, OK, WARN, Check
from bot.runner import HideVoiceWarnings

# What the bot needs in its channel, by discord.py's names and as Discord's settings name them: the README's
# "Running it on Discord" invite (permissions integer 17910013709312).
NEEDED: dict[str, str] = {
    "view_channel": "View Channels", "send_messages": "Send Messages", "embed_links": "Embed Links",
    "read_message_history": "Read Message History", "create_events": "Create Events",
    "manage_events": "Manage Events", "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads"}
INVITE_PERMISSIONS = discord.Permissions(**dict.fromkeys(NEEDED, True)).value
TIMEOUT = 5.0  # seconds for each call to Discord
ROLE, MEMBER = 0, 1  # an overwrite's type


def channel_permissions(guild_id: int, roles: Iterable[Mapping[str, Any]], member: Mapping[str, Any],
                        overwrites: Iterable[Mapping[str, Any]]) -> discord.Permissions:
    """The member's permissions in a channel, from Discord's payloads (Discord's documented order)."""
    role_permissions = {int(r["id"]): int(r["permissions"]) for r in roles}
    member_roles = [int(r) for r in member.get("roles", ())]
    value = role_permissions.get(guild_id, 0)
    for role in member_roles:
        value |= role_permissions.get(role, 0)
    permissions = discord.Permissions(value)
    if permissions.administrator:
        return discord.Permissions.all()
    by_target = {(int(o["id"]), int(o["type"])): (int(o["allow"]), int(o["deny"])) for o in overwrites}
    if (guild_id, ROLE) in by_target:
        permissions.handle_overwrite(*by_target[(guild_id, ROLE)])
    allow = deny = 0
    for role in member_roles:
        role_allow, role_deny = by_target.get((role, ROLE), (0, 0))
        allow, deny = allow | role_allow, deny | role_deny
    permissions.handle_overwrite(allow, deny)
    user_id = int(member["user"]["id"])
    if (user_id, MEMBER) in by_target:
        permissions.handle_overwrite(*by_target[(user_id, MEMBER)])
    return permissions if permissions.view_channel else discord.Permissions.none()


def missing(permissions: discord.Permissions) -> list[str]:
    """The needed permissions the bot lacks, by Discord's names, in the invite's order."""
    return [label for name, label in NEEDED.items() if not getattr(permissions, name)]


async def _timed(call: Any) -> Any:
    async with asyncio.timeout(TIMEOUT):
        return await call


def _unreachable(exc: BaseException) -> Check:
    reason = f"no answer in {TIMEOUT:g} s" if isinstance(exc, TimeoutError) else exc.__class__.__name__
    return Check("discord", WARN, f"Discord could not be reached ({reason}): the channels were not checked; "
                                  "try again, and check this machine's network")


async def discord_checks(token: str, channels: Mapping[int, str]) -> list[Check]:
    """The bot's identity, then each channel (id -> where it was configured) with what the bot may not do."""
    # No gateway session, so intents do not matter: `guilds` only spares discord.py's warning about its absence.
    # discord.py's "voice will NOT be supported" at every client is not news here (bot.runner hides it too).
    voice, hide = logging.getLogger("discord.client"), HideVoiceWarnings()
    if voice.getEffectiveLevel() > logging.DEBUG:
        voice.addFilter(hide)
    client = discord.Client(intents=discord.Intents(guilds=True))
    try:
        try:
            await _timed(client.login(token))
        except discord.LoginFailure:
            return [Check("discord", FAIL, "the token was refused by Discord: reset it in the Developer Portal "
                                           "(Bot -> Reset Token) and set DISCORD_TOKEN to the new one")]
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            return [_unreachable(exc)]
        except discord.HTTPException as exc:  # an outage's 5xx after discord.py's retries, or a refusal
            return [Check("discord", WARN, f"Discord answered the login with {exc.status}: {exc.text or exc}; "
                                           "the channels were not checked: try again later")]
        me = client.user
        assert me is not None
        out = [Check("discord", OK, f"logged in as {me.name} (id {me.id})")]
        if not channels:
            out.append(Check("channels", OK, "none configured (DIGEST_CHANNEL_ID, or a server's own): the bot "
                                             "answers commands; digests and sessions need a channel"))
        guilds: dict[int, tuple[list[Any], dict[str, Any]]] = {}
        for channel_id, source in channels.items():
            try:
                out.append(await _channel_check(client.http, me.id, channel_id, source, guilds))
            except (OSError, aiohttp.ClientError, TimeoutError) as exc:
                return [*out, _unreachable(exc)]
        return out
    finally:
        await client.close()
        voice.removeFilter(hide)


async def _channel_check(http: Any, bot_id: int, channel_id: int, source: str,
                         guilds: dict[int, tuple[list[Any], dict[str, Any]]]) -> Check:
    name = f"channel {channel_id} ({source})"
    try:
        channel = await _timed(http.get_channel(channel_id))
    except discord.NotFound:
        return Check(name, FAIL, "Discord knows no such channel: check the id (Developer Mode, then right-click "
                                 "the channel -> Copy Channel ID)")
    except discord.Forbidden:
        return Check(name, FAIL, "the bot cannot see this channel: missing View Channels (or it is not in that "
                                 "server: invite it)")
    except discord.HTTPException as exc:
        return Check(name, WARN, f"Discord answered {exc.status}: {exc.text or exc}; not checked: try again later")
    if "guild_id" not in channel:
        return Check(name, FAIL, "not a server's channel")
    guild_id = int(channel["guild_id"])
    if guild_id not in guilds:
        try:
            guilds[guild_id] = (await _timed(http.get_roles(guild_id)),
                                await _timed(http.get_member(guild_id, bot_id)))
        except (discord.NotFound, discord.Forbidden):
            return Check(name, FAIL, f"the bot is not a member of the server {guild_id}: invite it")
        except discord.HTTPException as exc:
            return Check(name, WARN, f"Discord answered {exc.status}: {exc.text or exc}; not checked: try again "
                                     "later")
    roles, member = guilds[guild_id]
    name = f"channel #{channel.get('name', '?')} {channel_id} ({source})"
    lacking = missing(channel_permissions(guild_id, roles, member, channel.get("permission_overwrites", ())))
    if lacking:
        return Check(name, FAIL, f"the bot lacks {', '.join(lacking)}: grant {'it' if len(lacking) == 1 else 'them'} "
                                 "to its role or in the channel's permissions")
    return Check(name, OK, "the bot has every permission it needs")
