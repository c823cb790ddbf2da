"""Discord's permission arithmetic for the local Discord: what the bot may do in a channel.

Discord documents the computation ("Permission Overwrites" in the Permissions topic) and the description
carries only its parts (roles' `permissions` strings, channels' `permission_overwrites`). The rule:
base = @everyone's permissions | the member's roles' (ADMINISTRATOR: everything, overwrites ignored); then
the channel's @everyone overwrite, then every overwrite of the member's roles together, then the member's
own overwrite, each `(p & ~deny) | allow`. Without VIEW_CHANNEL a member has nothing in the channel. A
thread is judged by its parent's overwrites.
"""

from __future__ import annotations

from typing import Any

# Discord's permission bits (the documentation's table), by the names the documentation gives them.
PERMISSIONS: dict[str, int] = {
    "CREATE_INSTANT_INVITE": 1 << 0, "KICK_MEMBERS": 1 << 1, "BAN_MEMBERS": 1 << 2, "ADMINISTRATOR": 1 << 3,
    "MANAGE_CHANNELS": 1 << 4, "MANAGE_GUILD": 1 << 5, "ADD_REACTIONS": 1 << 6, "VIEW_AUDIT_LOG": 1 << 7,
    "PRIORITY_SPEAKER": 1 << 8, "STREAM": 1 << 9, "VIEW_CHANNEL": 1 << 10, "SEND_MESSAGES": 1 << 11,
    "SEND_TTS_MESSAGES": 1 << 12, "MANAGE_MESSAGES": 1 << 13, "EMBED_LINKS": 1 << 14, "ATTACH_FILES": 1 << 15,
    "READ_MESSAGE_HISTORY": 1 << 16, "MENTION_EVERYONE": 1 << 17, "USE_EXTERNAL_EMOJIS": 1 << 18,
    "VIEW_GUILD_INSIGHTS": 1 << 19, "CONNECT": 1 << 20, "SPEAK": 1 << 21, "MUTE_MEMBERS": 1 << 22,
    "DEAFEN_MEMBERS": 1 << 23, "MOVE_MEMBERS": 1 << 24, "USE_VAD": 1 << 25, "CHANGE_NICKNAME": 1 << 26,
    "MANAGE_NICKNAMES": 1 << 27, "MANAGE_ROLES": 1 << 28, "MANAGE_WEBHOOKS": 1 << 29,
    "MANAGE_GUILD_EXPRESSIONS": 1 << 30, "USE_APPLICATION_COMMANDS": 1 << 31, "REQUEST_TO_SPEAK": 1 << 32,
    "MANAGE_EVENTS": 1 << 33, "MANAGE_THREADS": 1 << 34, "CREATE_PUBLIC_THREADS": 1 << 35,
    "CREATE_PRIVATE_THREADS": 1 << 36, "USE_EXTERNAL_STICKERS": 1 << 37, "SEND_MESSAGES_IN_THREADS": 1 << 38,
    "USE_EMBEDDED_ACTIVITIES": 1 << 39, "MODERATE_MEMBERS": 1 << 40, "VIEW_CREATOR_MONETIZATION_ANALYTICS": 1 << 41,
    "USE_SOUNDBOARD": 1 << 42, "CREATE_GUILD_EXPRESSIONS": 1 << 43, "CREATE_EVENTS": 1 << 44,
    "USE_EXTERNAL_SOUNDS": 1 << 45, "SEND_VOICE_MESSAGES": 1 << 46, "SEND_POLLS": 1 << 49,
    "USE_EXTERNAL_APPS": 1 << 50,
}
ALL = sum(PERMISSIONS.values())
ADMINISTRATOR = PERMISSIONS["ADMINISTRATOR"]
VIEW_CHANNEL = PERMISSIONS["VIEW_CHANNEL"]

# What the README's invite link grants the bot (17910013709312): View Channels, Send Messages, Embed Links,
# Read Message History, Manage Events, Create Public Threads, Send Messages in Threads, Create Events.
BOT_PERMISSIONS = sum(PERMISSIONS[n] for n in (
    "VIEW_CHANNEL", "SEND_MESSAGES", "EMBED_LINKS", "READ_MESSAGE_HISTORY", "MANAGE_EVENTS",
    "CREATE_PUBLIC_THREADS", "SEND_MESSAGES_IN_THREADS", "CREATE_EVENTS"))

ROLE, MEMBER = 0, 1  # an overwrite's `type`


def bits(*permissions: str | int) -> int:
    """Permission names ("SEND_MESSAGES") or bits, or-ed together; an unknown name raises."""
    out = 0
    for p in permissions:
        if isinstance(p, int):
            out |= p
        elif p.upper() in PERMISSIONS:
            out |= PERMISSIONS[p.upper()]
        else:
            raise KeyError(f"no Discord permission {p!r} (known: {sorted(PERMISSIONS)})")
    return out


def names(value: int) -> list[str]:
    """The names of the bits set in `value`, in the documentation's order."""
    return [n for n, b in PERMISSIONS.items() if value & b]


def base(everyone: int, roles: list[int]) -> int:
    """Server-wide permissions of a member: @everyone's and their roles' (ADMINISTRATOR: all)."""
    value = everyone
    for r in roles:
        value |= r
    return ALL if value & ADMINISTRATOR else value


def in_channel(base_value: int, overwrites: list[dict[str, Any]], guild_id: int, role_ids: list[int],
               member_id: int) -> int:
    """The member's permissions in a channel with these overwrites (Discord's documented order)."""
    if base_value & ADMINISTRATOR:
        return ALL
    value = base_value
    by_id = {(int(o["id"]), int(o["type"])): o for o in overwrites}
    everyone = by_id.get((guild_id, ROLE))
    if everyone is not None:
        value = (value & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for rid in role_ids:
        o = by_id.get((rid, ROLE))
        if o is not None:
            allow, deny = allow | int(o["allow"]), deny | int(o["deny"])
    value = (value & ~deny) | allow
    own = by_id.get((member_id, MEMBER))
    if own is not None:
        value = (value & ~int(own["deny"])) | int(own["allow"])
    return value if value & VIEW_CHANNEL else 0


def overwrite(target: int, kind: int, allow: int = 0, deny: int = 0) -> dict[str, Any]:
    """An overwrite as Discord returns it (ChannelPermissionOverwriteResponse): bit sets as strings."""
    return {"id": str(target), "type": kind, "allow": str(allow), "deny": str(deny)}
