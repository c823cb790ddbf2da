"""A small Discord-compatible server: REST routes and the gateway websocket, on 127.0.0.1.

discord.py talks to it over real sockets exactly as it talks to Discord. It keeps the state a test
needs (guild, channels, members, registered commands, messages, interaction responses) and is held to
Discord's own rules:
- Routes, credentials and bodies come from Discord's OpenAPI description (openapi.py): each request is
  matched to its operation, its Authorization checked where the operation needs the bot token, the
  application id in its URL checked, its body validated against the request schema (strictly: no key
  the schema lacks), and every body the server returns validated against the response schema.
- Where no schema can judge, the server behaves as Discord does: the callback type must suit the
  interaction type; the first follow-up after a deferral replaces the "thinking" message and keeps its
  visibility; components can only be used if the message shows them, enabled, with offered values;
  deleting a webhook message deletes it; IDENTIFY may not ask for privileged intents (close 4014).
- And the limits the description does not encode (limits.py), with Discord's rules for embed and button
  URLs (http(s), attachment:// for images) on top of the description's `uri` and `date-time` formats.
- Every message, interaction response, follow-up and edit it accepts is read as Discord's client renders
  it (markdown.py): each live masked link goes to `live_links`, each mention that would notify someone to
  `pings`, each backtick shown as text (a code span that broke) to `broken_code`. See `_audit` for which
  of them count as violations: the bot means a link or a ping only when it says so.
Anything refused is appended to `spec_violations`, and leaving `async with FakeDiscord()` with any left
fails the test that caused them (tests that send bad bodies on purpose take them with take_violations()).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord import markdown
from tests.fakediscord import permissions as perms
from tests.fakediscord.limits import command_errors, message_errors, url_problems
from tests.fakediscord.openapi import (
    Operation,
    Problem,
    discord_errors,
    header_problems,
    operation,
    route,
    validate,
    validate_component,
)
from tests.fakediscord.ratelimits import RateLimits

log = logging.getLogger(__name__)

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> int:
    return next(_ids)


def snowflake_on_shard(index: int, count: int) -> int:
    """A new id whose server lands on shard `index` of `count`: Discord's rule is (id >> 22) % count,
    so the id's timestamp part is moved up to the next value with that remainder."""
    global _ids
    if not 0 <= index < count:
        raise ValueError(f"shard {index} is not one of 0..{count - 1}")
    raw = snowflake()
    stamp, low = raw >> 22, raw & ((1 << 22) - 1)
    out = ((stamp + (index - stamp) % count) << 22) | low
    _ids = itertools.count(out + 1)  # later ids stay unique and increasing
    return out


def shard_of(guild_id: int, count: int) -> int:
    """The shard that receives a server's events (Discord's sharding formula)."""
    return (guild_id >> 22) % count


TOKEN = "fake." + "x" * 60

# The operations this server implements, by operationId: each is served by the method `_op_<operationId>`.
# Its path template, request/response schemas and whether it needs the bot token come from the description.
OPERATIONS = (
    "get_my_user", "get_my_oauth2_application", "get_gateway", "get_bot_gateway",
    "list_application_commands", "bulk_set_application_commands",
    "list_guild_application_commands", "bulk_set_guild_application_commands",
    "create_interaction_response", "execute_webhook",
    "get_original_webhook_message", "update_original_webhook_message", "delete_original_webhook_message",
    "get_webhook_message", "update_webhook_message", "delete_webhook_message",
    "get_channel", "create_message", "get_message", "update_message",
    # the reading group's sessions: scheduled events and threads
    "create_guild_scheduled_event", "update_guild_scheduled_event", "delete_guild_scheduled_event",
    "get_guild_scheduled_event", "list_guild_scheduled_events", "create_thread", "create_thread_from_message",
)

# Interaction type -> the callback types Discord accepts for it (PING 1 is answered by PONG only).
CALLBACKS_FOR = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
PRIVILEGED_INTENTS = {1 << 1: "GUILD_MEMBERS", 1 << 8: "GUILD_PRESENCES", 1 << 15: "MESSAGE_CONTENT"}
EDITABLE = ("content", "embeds", "flags", "allowed_mentions", "components", "attachments", "sticker_ids")

MANAGE_GUILD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7
ALL_PERMISSIONS = (1 << 50) - 1
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31)  # view, send, embed, history, use
P = perms.PERMISSIONS
TOKEN_LIFETIME = timedelta(minutes=15)  # Discord: an interaction token is valid for 15 minutes
# Gateway events a session gets only with their intent (GUILDS 1 << 0, GUILD_SCHEDULED_EVENTS 1 << 16).
INTENT_OF = {"CHANNEL_CREATE": 1 << 0, "CHANNEL_UPDATE": 1 << 0, "THREAD_CREATE": 1 << 0, "THREAD_UPDATE": 1 << 0,
             "GUILD_ROLE_UPDATE": 1 << 0, "GUILD_CREATE": 1 << 0, "GUILD_SCHEDULED_EVENT_CREATE": 1 << 16,
             "GUILD_SCHEDULED_EVENT_UPDATE": 1 << 16, "GUILD_SCHEDULED_EVENT_DELETE": 1 << 16}


@dataclass
class User:
    id: int
    username: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "username": self.username, "discriminator": "0", "global_name": self.username,
                "avatar": None, "bot": self.bot, "public_flags": 0, "flags": 0, "primary_guild": None}


@dataclass
class Member:
    user: User
    roles: list[int] = field(default_factory=list)
    permissions: int = MEMBER_PERMISSIONS

    def payload(self) -> dict[str, Any]:
        return {"user": self.user.payload(), "roles": [str(r) for r in self.roles], "nick": None,
                "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
                "pending": False, "avatar": None, "premium_since": None, "banner": None,
                "communication_disabled_until": None}


@dataclass
class Guild:
    """A server the bot is in: its id (which decides its shard), name, text channels by name, admin role;
    its members, what @everyone and the bot's own (managed) role may do, and each channel's overwrites."""

    id: int
    name: str
    channels: dict[str, int]
    admin_role: int
    member_ids: set[int] = field(default_factory=set)
    everyone: int = MEMBER_PERMISSIONS
    bot_role: int = field(default_factory=lambda: snowflake())
    bot_permissions: int = perms.BOT_PERMISSIONS  # the README's invite: 17910013709312
    overwrites: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # channel id -> overwrites


@dataclass
class GatewaySession:
    """One IDENTIFY: the shard it holds, its own sequence numbers, the websocket it is on (None while away)."""

    id: str
    shard: tuple[int, int]
    ws: web.WebSocketResponse | None
    seq: int = 0
    missed: list[tuple[str, Any]] = field(default_factory=list)  # events sent while away, replayed on RESUME
    intents: int | None = None  # what IDENTIFY asked for

    @property
    def live(self) -> bool:
        return self.ws is not None and not self.ws.closed


@dataclass
class InteractionRecord:
    """One interaction the server sent, and everything the bot answered to it."""

    id: int
    token: str
    kind: int
    payload: dict[str, Any]
    sent_at: float
    response: dict[str, Any] | None = None
    response_delay: float | None = None
    original: dict[str, Any] | None = None  # the message the initial response created or @original edits
    followups: list[dict[str, Any]] = field(default_factory=list)  # follow-ups that made messages of their own
    target: dict[str, Any] | None = None  # a component interaction: the stored message it came from
    thinking: bool = False  # deferred (type 5) and not yet answered: the next follow-up replaces it
    edited_original: bool = False  # @original was edited through this interaction's token
    received_at: float | None = None  # when the callback arrived
    ignored_flags: list[int] = field(default_factory=list)  # flags of a follow-up that replaced a deferral
    deleted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # what the server refused, and why
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    user_id: int = 0  # who sent it
    created_at: datetime | None = None  # on the server's clock (FakeDiscord.now): the token's 15 minutes start
    first_callback_at: float | None = None  # when the first callback arrived, accepted or not (monotonic)
    expired: bool = False  # the test ended the token's life early (FakeDiscord.expire_token)

    @property
    def latency(self) -> float | None:
        """Seconds from sending the interaction to its first callback's arrival, as the server measured it
        (Discord's 3-second window is judged on this); None while nothing came."""
        if self.response_delay is not None:
            return self.response_delay
        return None if self.first_callback_at is None else self.first_callback_at - self.sent_at

    async def answered(self, timeout: float = 10.0) -> float:
        """Wait for the initial response (accepted or refused as late); its measured latency in seconds."""
        await self.wait(lambda: self.response is not None or (
            self.first_callback_at is not None and any(r["reason"].startswith("late") for r in self.rejected)),
            timeout)
        assert self.latency is not None
        return self.latency

    async def modal(self, timeout: float = 10.0) -> dict[str, Any]:
        """The modal the bot opened in answer (response type 9): its custom_id, title and components."""
        response = await self.response_(timeout)
        assert response["type"] == 9, f"expected a modal (type 9), got {response}"
        return response["data"]

    async def wait(self, predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"interaction {self.id}: condition not met in {timeout}s "
                                   f"(response={self.response}, rejected={self.rejected})")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def response_(self, timeout: float = 10.0) -> dict[str, Any]:
        await self.wait(lambda: self.response is not None, timeout)
        assert self.response is not None
        return self.response

    async def final(self, timeout: float = 10.0) -> dict[str, Any]:
        """The message a member ends up seeing: the initial reply, or the first followup after a deferral."""
        def done() -> bool:
            r = self.response
            if r is None:
                return False
            if r["type"] in (4, 7):
                return True
            if r["type"] == 5 and not self.thinking and self.original is not None and self.original.get("_edited"):
                return not self.original.get("_deleted") or bool(self.followups)
            if r["type"] == 6 and self.edited_original:  # a deferred update, then the component's message edited
                return True
            return bool(self.followups)
        await self.wait(done, timeout)
        assert self.response is not None
        if self.response["type"] == 6 and self.edited_original and not self.original.get("_deleted"):
            return self.original  # type: ignore[union-attr]
        if self.response["type"] == 6 and self.followups:
            return self.followups[0]
        if self.original is not None and self.original.get("_edited") and not self.original.get("_deleted"):
            return self.original
        if self.followups:
            return self.followups[0]
        assert self.original is not None
        return self.original


class FakeDiscord:
    """Start with `async with FakeDiscord() as fake:`; point discord.py at `fake.api_base` / `fake.gateway_url`."""

    def __init__(self, *, response_window: float = 3.0, heartbeat_interval: float = 41.25, token: str = TOKEN,
                 privileged_intents: int = 0, clock: Callable[[], datetime] | None = None) -> None:
        self.response_window = response_window
        # Discord's wall clock (token lifetimes, scheduled events' starts and ends): the test's, if it gives
        # one (the bot's Clock, say); else the real time. Events start and end on their own only on a
        # test's clock (the real date may be past any date a test picks): see advance_events.
        self.clock = clock
        self.token_lifetime = TOKEN_LIFETIME
        self.event_poll_seconds = 0.02
        self.event_updates: list[dict[str, Any]] = []  # each GUILD_SCHEDULED_EVENT_UPDATE sent, as sent
        self.limits: RateLimits | None = None  # per-route and global rate limits, once rate_limit() is called
        self._ticker: asyncio.Task[None] | None = None
        self._advancing = asyncio.Lock()
        self.token = token
        self.privileged_intents = privileged_intents  # enabled in the "Developer Portal": none by default
        self._operations = [operation(name) for name in OPERATIONS]
        self.spec_violations: list[str] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.heartbeat_interval = heartbeat_interval  # seconds, sent in HELLO as Discord does (41.25 s)
        self.app_id = snowflake()
        self.bot_user = User(self.app_id, "paperbot", bot=True)
        self.guild_id = snowflake()
        self.owner = User(snowflake(), "owner")
        self.admin = User(snowflake(), "admin")
        self.member = User(snowflake(), "member")
        self.other = User(snowflake(), "other")
        self.admin_role = snowflake()
        self.channels = {name: snowflake() for name in ("general", "reading-group")}
        # Every server the bot is in; the first is the one tests use unless they name another.
        self.guilds: dict[int, Guild] = {
            self.guild_id: Guild(self.guild_id, "Reading Group", self.channels, self.admin_role,
                                 {u.id for u in (self.owner, self.admin, self.member, self.other, self.bot_user)})}
        self.recommended_shards = 1  # what GET /gateway/bot tells a bot that does not choose its shard count
        self.max_guilds_per_shard = 2500  # Discord refuses (4011) a shard that would hold more servers
        self.members: dict[int, Member] = {
            self.owner.id: Member(self.owner, permissions=ALL_PERMISSIONS),
            self.admin.id: Member(self.admin, [self.admin_role], MEMBER_PERMISSIONS | MANAGE_GUILD),
            self.member.id: Member(self.member),
            self.other.id: Member(self.other),
            self.bot_user.id: Member(self.bot_user),
        }
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> definitions
        self.command_puts: list[tuple[str, list[dict[str, Any]]]] = []
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)  # channel -> messages
        self.events: dict[int, dict[str, Any]] = {}  # guild scheduled events by id (deleted ones removed)
        self.threads: dict[int, dict[str, Any]] = {}  # threads by id; messages in them go to self.messages
        self.interactions: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}
        self.requests: list[tuple[str, str]] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.faults: list[tuple[str, str, int, int]] = []  # method, path fragment, status, remaining
        self.heartbeats: list[float] = []
        self.identifies = 0
        self.resumes = 0
        self._sessions: dict[str, GatewaySession] = {}  # by session id; the most recently (re)connected last
        self._message_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.attachments: dict[str, dict[str, Any]] = {}  # id -> attachment object, for resolved data
        self._files: dict[str, tuple[bytes, str]] = {}  # path on the attachment host -> bytes, content type
        self.downloads: list[str] = []  # attachment paths fetched
        # What members would see live in what the bot sent (see _audit): (where, what), in order.
        self.live_links: list[tuple[str, markdown.Link]] = []
        self.pings: list[tuple[str, markdown.Mention]] = []
        self.broken_code: list[tuple[str, str]] = []  # (where, the text) with a backtick shown as text
        # What the test declares the bot means to send: link targets (a set, or a predicate on the URL) and
        # pings beyond those the body names itself in allowed_mentions.users/roles.
        self.meant_links: set[str] | Callable[[str], bool] = set()
        self.meant_pings: set[markdown.Mention] = set()

    # --- life cycle ---

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{tail:.*}", self._attachment_download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ticker = asyncio.create_task(self._follow_clock())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for session in list(self._sessions.values()):
            if session.ws is not None:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.spec_violations and exc[0] is None:
            raise AssertionError("the local Discord refused what real Discord would refuse:\n  "
                                 + "\n  ".join(self.spec_violations))

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- fault injection ---

    def fail_next(self, method: str, path_fragment: str, status: int, times: int = 1) -> None:
        """Make the next `times` requests whose path contains `path_fragment` fail with `status`."""
        self.faults.append((method.upper(), path_fragment, status, times))

    async def drop_gateway(self, shard: int | None = None) -> None:
        """Close the gateway connection (of one shard, or all) as a network failure would; discord.py resumes."""
        for session in list(self._sessions.values()):
            if session.live and shard in (None, session.shard[0]):
                await session.ws.close(code=4000, message=b"dropped by the test")  # type: ignore[union-attr]

    # --- servers and shards ---

    def add_guild(self, name: str = "Another Group", shard: tuple[int, int] | None = None,
                  members: list[User] | None = None) -> Guild:
        """Another server with the bot in it, on shard `shard` = (index, count) if given, with its own
        channels (#general, #reading-group: `guild.channels`), admin role, bot role and overwrites; its
        members are the first server's unless `members` names them (add_member adds more).

        Added before the bot connects, READY/GUILD_CREATE announce it; after, `await fake.bot_joins(guild)`."""
        gid = snowflake_on_shard(*shard) if shard is not None else snowflake()
        guild = Guild(gid, name, {n: snowflake() for n in ("general", "reading-group")}, snowflake(),
                      set(self.first_guild.member_ids) if members is None else
                      {self.bot_user.id, *(u.id for u in members)})
        self.guilds[gid] = guild
        return guild

    @property
    def first_guild(self) -> Guild:
        """The server tests speak in unless they name another (`guild_id`, `channels`)."""
        return self.guilds[self.guild_id]

    def connected_shards(self) -> set[tuple[int, int]]:
        """The (index, count) of every shard connected now."""
        return {s.shard for s in self._sessions.values() if s.live}

    def _session_for(self, guild_id: int | None) -> GatewaySession | None:
        """Where a server's events go: the newest connection of the shard that holds it, live if one is;
        else the newest session that may still resume (its events wait for the RESUME)."""
        sessions = list(self._sessions.values())
        if guild_id is not None:
            sessions = [s for s in sessions if shard_of(guild_id, s.shard[1]) == s.shard[0]]
        live = [s for s in sessions if s.live]
        return (live or sessions or [None])[-1]

    def _guild_of(self, channel_id: int) -> Guild | None:
        thread = self.threads.get(channel_id)
        if thread is not None:
            return self.guilds.get(int(thread["guild_id"]))
        return next((g for g in self.guilds.values() if channel_id in g.channels.values()), None)

    def _member_payload(self, member: Member, guild: Guild) -> dict[str, Any]:
        """A member as `guild` shows it: the test's admin role stands for each server's own admin role; the
        bot holds the server's managed bot role."""
        roles = [str(guild.admin_role if r == self.admin_role else r) for r in member.roles]
        if member.user.id == self.bot_user.id:
            roles = [str(guild.bot_role)]
        return {**member.payload(), "roles": roles}

    def is_member(self, user_id: int, guild: Guild) -> bool:
        """Whether the user is in the server; one put straight into `members` (older tests) is in all."""
        return user_id in guild.member_ids or not any(user_id in g.member_ids for g in self.guilds.values())

    def add_member(self, username: str, guilds: list[Guild] | None = None, permissions: int = MEMBER_PERMISSIONS,
                   roles: list[int] | None = None) -> User:
        """A new member of `guilds` (the first server unless given), with these server-wide permissions."""
        user = User(snowflake(), username)
        self.members[user.id] = Member(user, list(roles or []), permissions)
        for guild in guilds if guilds is not None else [self.first_guild]:
            guild.member_ids.add(user.id)
        return user

    async def add_channel(self, name: str, guild: Guild | None = None) -> int:
        """A new text channel `name` in `guild` (the first server unless given); CHANNEL_CREATE if connected."""
        guild = guild or self.first_guild
        cid = guild.channels[name] = snowflake()
        await self._tell("CHANNEL_CREATE", self._guild_channel(guild, cid), guild.id)
        return cid

    async def bot_joins(self, guild: Guild) -> None:
        """The bot is added to a server made after it connected: GUILD_CREATE on that server's shard."""
        await self._tell("GUILD_CREATE", self.guild_payload(guild), guild.id)

    # --- the bot's permissions: roles and channel overwrites, as Discord computes them (permissions.py) ---

    def _channel_ref(self, channel: str | int | None, guild: Guild | None) -> tuple[Guild, int | None]:
        """(server, channel id) for a channel given by name (in `guild`, else the first server) or by id."""
        if channel is None:
            return guild or self.first_guild, None
        if isinstance(channel, str):
            g = guild or self.first_guild
            return g, g.channels[channel]
        g = self._guild_of(channel)
        if g is None:
            raise KeyError(f"no channel {channel}")
        return g, channel

    def _overwrite_parent(self, channel_id: int) -> int:
        thread = self.threads.get(channel_id)
        return int(thread["parent_id"]) if thread is not None else channel_id

    def bot_permissions(self, channel: str | int | None = None, guild: Guild | None = None) -> int:
        """What the bot may do server-wide (channel None) or in a channel or thread (name or id), as Discord
        computes it from @everyone, the bot's role and the channel's overwrites (a thread: its parent's)."""
        guild, cid = self._channel_ref(channel, guild)
        base = perms.base(guild.everyone, [guild.bot_permissions])
        if cid is None:
            return base
        return perms.in_channel(base, guild.overwrites.get(self._overwrite_parent(cid), []), guild.id,
                                [guild.bot_role], self.bot_user.id)

    async def set_overwrite(self, channel: str | int, target: int, kind: int, allow: int = 0, deny: int = 0,
                            guild: Guild | None = None) -> None:
        """Set the overwrite of `target` (a role, kind 0, or a member, kind 1; the server's id is @everyone)
        in a channel; all-zero removes it. CHANNEL_UPDATE tells a connected bot, as Discord does."""
        guild, cid = self._channel_ref(channel, guild)
        assert cid is not None and cid not in self.threads, "overwrites belong to channels, not threads"
        kept = [o for o in guild.overwrites.get(cid, []) if (int(o["id"]), o["type"]) != (target, kind)]
        if allow or deny:
            kept.append(perms.overwrite(target, kind, allow, deny))
        guild.overwrites[cid] = kept
        await self._tell("CHANNEL_UPDATE", self._guild_channel(guild, cid), guild.id)

    def _bot_overwrite(self, guild: Guild, cid: int) -> tuple[int, int]:
        own = next((o for o in guild.overwrites.get(cid, []) if (int(o["id"]), o["type"]) == (self.bot_user.id, 1)),
                   None)
        return (0, 0) if own is None else (int(own["allow"]), int(own["deny"]))

    async def deny_bot(self, *permissions: str | int, channel: str | int | None = None,
                       guild: Guild | None = None) -> None:
        """Take permissions ("CREATE_PUBLIC_THREADS", "SEND_MESSAGES"...) from the bot: in one channel (a
        member overwrite denying them: CHANNEL_UPDATE) or, without `channel`, server-wide (off its role and
        off @everyone: GUILD_ROLE_UPDATE). Members' own permissions are their Member.permissions, untouched."""
        value = perms.bits(*permissions)
        guild, cid = self._channel_ref(channel, guild)
        if cid is None:  # off the bot's role and off @everyone, which the bot holds too
            guild.bot_permissions &= ~value
            guild.everyone &= ~value
            for role in self._roles(guild)[:2]:
                await self._tell("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role}, guild.id)
            return
        allow, deny = self._bot_overwrite(guild, cid)
        await self.set_overwrite(cid, self.bot_user.id, perms.MEMBER, allow & ~value, deny | value, guild)

    async def allow_bot(self, *permissions: str | int, channel: str | int | None = None,
                        guild: Guild | None = None) -> None:
        """Give permissions back: lift the channel's denial of them, or add them to the bot's role."""
        value = perms.bits(*permissions)
        guild, cid = self._channel_ref(channel, guild)
        if cid is None:
            guild.bot_permissions |= value
            await self._tell("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": self._roles(guild)[1]},
                             guild.id)
            return
        allow, deny = self._bot_overwrite(guild, cid)
        await self.set_overwrite(cid, self.bot_user.id, perms.MEMBER, allow, deny & ~value, guild)

    def _refused(self, guild: Guild | None, cid: int | None, *needed: str, any_of: bool = False
                 ) -> web.Response | None:
        """Discord's 403 when the bot lacks what a call needs: 50001 Missing Access without View Channel in
        the channel, else 50013 Missing Permissions (`any_of`: one of `needed` is enough)."""
        if guild is None:
            return None
        have = self.bot_permissions(cid, guild)
        if cid is not None and not have & P["VIEW_CHANNEL"]:
            return self._error(403, 50001, "Missing Access")
        held = [bool(have & P[n]) for n in needed]
        if needed and not (any(held) if any_of else all(held)):
            return self._error(403, 50013, "Missing Permissions")
        return None

    # --- threads archived or locked ---

    async def archive_thread(self, thread_id: int, *, archived: bool = True, locked: bool = False) -> None:
        """Archive (and lock) a thread, or open it again; THREAD_UPDATE tells a connected bot."""
        thread = self.threads[thread_id]
        thread["thread_metadata"].update(archived=archived, locked=locked,
                                         archive_timestamp=self.now().isoformat())
        await self._tell("THREAD_UPDATE", thread, int(thread["guild_id"]))

    def _closed_thread(self, cid: int, guild: Guild) -> web.Response | None:
        """Posting or editing in an archived thread: 400 50083; in a locked one without Manage Threads: 403 50083."""
        thread = self.threads.get(cid)
        if thread is None:
            return None
        meta = thread["thread_metadata"]
        if meta["archived"]:
            return self._error(400, 50083, "Thread is archived")
        if meta["locked"] and not self.bot_permissions(cid, guild) & P["MANAGE_THREADS"]:
            return self._error(403, 50083, "Thread is archived")
        return None

    # --- Discord's clock: interaction tokens' 15 minutes, scheduled events that start and end ---

    def now(self) -> datetime:
        """The server's time: the test's clock if it gave one, else the real time."""
        return self.clock() if self.clock is not None else datetime.now(UTC)

    def expire_token(self, rec: InteractionRecord) -> None:
        """End an interaction token's life now, as 15 minutes would (followups and edits then get 401 50027)."""
        rec.expired = True

    def _token_expired(self, rec: InteractionRecord) -> bool:
        return rec.expired or (rec.created_at is not None and self.now() - rec.created_at >= self.token_lifetime)

    def latencies(self) -> dict[int, float | None]:
        """Every interaction's measured time to its first callback (None: not answered), by interaction id."""
        return {iid: rec.latency for iid, rec in self.interactions.items()}

    async def _follow_clock(self) -> None:
        """On a test's clock, events start and end on their own: the clock is looked at every few ms."""
        while True:
            await asyncio.sleep(self.event_poll_seconds)
            if self.clock is not None:
                try:
                    await self.advance_events()
                except Exception:  # a test's clock gone wrong must not kill the server
                    log.exception("fake Discord: advancing scheduled events failed")

    async def advance_events(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Bring scheduled events to `now` (default: the server's clock) as Discord does for external events:
        SCHEDULED ones whose start has come go ACTIVE, ACTIVE ones whose end has come go COMPLETED, each
        change sent as GUILD_SCHEDULED_EVENT_UPDATE. Returns the updates, in order."""
        now = now or self.now()
        out = []
        async with self._advancing:
            for event in list(self.events.values()):
                for status, at in ((2, "scheduled_start_time"), (3, "scheduled_end_time")):
                    if event["status"] == status - 1 and event.get(at) and datetime.fromisoformat(event[at]) <= now:
                        event["status"] = status
                        out.append(dict(event))
                        self.event_updates.append(dict(event))
                        await self._tell("GUILD_SCHEDULED_EVENT_UPDATE", event, int(event["guild_id"]))
        return out

    async def wait_event_status(self, event_id: int | str, status: int, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the event has `status` (2 ACTIVE, 3 COMPLETED, 4 CANCELED); the event."""
        deadline = time.monotonic() + timeout
        while (event := self.events.get(int(event_id))) is None or event["status"] != status:
            if time.monotonic() > deadline:
                raise TimeoutError(f"event {event_id} did not reach status {status}: {event}")
            await asyncio.sleep(self.event_poll_seconds)
        return event

    # --- rate limits ---

    def rate_limit(self, seed: int, **settings: Any) -> RateLimits:
        """Turn on Discord's rate limits, deterministic from `seed` (ratelimits.RateLimits: route_limits,
        window, global_limit, shared...). Every answer then carries X-RateLimit-* headers."""
        self.limits = RateLimits(seed, **settings)
        return self.limits

    async def _tell(self, event: str, data: dict[str, Any], guild_id: int) -> None:
        """Send a gateway event to the shard holding the server, if a bot is connected and asked for it."""
        session = self._session_for(guild_id)
        if session is None:
            return
        wanted = INTENT_OF.get(event)
        if wanted is not None and session.intents is not None and not session.intents & wanted:
            return
        await self._send_event(session, event, data)

    # --- gateway ---

    @staticmethod
    def _frame(op: int, d: Any) -> str:
        return json.dumps({"op": op, "d": d, "s": None, "t": None})

    async def _send_event(self, session: GatewaySession, event: str, data: Any) -> None:
        if not session.live:  # away: Discord keeps the session's events for a RESUME
            session.missed.append((event, data))
            return
        self._check_event(event, data)
        session.seq += 1
        assert session.ws is not None
        await session.ws.send_str(json.dumps({"op": 0, "d": data, "s": session.seq, "t": event}))

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> None:
        """Send an event on the shard of its server (`guild_id`, or the payload's), as Discord routes it."""
        if guild_id is None and data.get("guild_id"):
            guild_id = int(data["guild_id"])
        session = self._session_for(guild_id)
        if session is None:
            where = f" for shard of server {guild_id}" if guild_id is not None else ""
            raise RuntimeError(f"no gateway connection{where}")
        await self._send_event(session, event, data)

    def _check_event(self, event: str, data: dict[str, Any]) -> None:
        """The description has no gateway events, but it has their parts: check those (our payloads' drift)."""
        parts: list[tuple[str, str, Any]] = []
        if event == "READY":
            parts.append(("UserResponse", "user", data["user"]))
        elif event == "GUILD_CREATE":
            parts += [("GuildMemberResponse", f"members.{i}", m) for i, m in enumerate(data["members"])]
            parts += [("GuildRoleResponse", f"roles.{i}", r) for i, r in enumerate(data["roles"])]
        elif event == "INTERACTION_CREATE":
            member = {k: v for k, v in (data.get("member") or {}).items() if k != "permissions"}
            parts.append(("GuildMemberResponse", "member", member))
            if "message" in data:
                parts.append(("MessageResponse", "message", data["message"]))
            resolved = (data.get("data") or {}).get("resolved")
            if resolved:
                parts.append(("ResolvedObjectsResponse", "data.resolved", resolved))
        elif event in ("CHANNEL_CREATE", "CHANNEL_UPDATE"):
            parts.append(("GuildChannelResponse", "", data))
        elif event in ("THREAD_CREATE", "THREAD_UPDATE"):  # newly_created: the gateway's own flag
            parts.append(("ThreadResponse", "", {k: v for k, v in data.items() if k != "newly_created"}))
        elif event == "GUILD_ROLE_UPDATE":
            parts.append(("GuildRoleResponse", "role", data["role"]))
        elif event.startswith("GUILD_SCHEDULED_EVENT_"):
            parts.append(("ExternalScheduledEventResponse", "", data))
        for schema, where, body in parts:
            problems = validate_component(schema, body)
            if problems:
                self.violation(f"{event} {where} breaks {schema}: " + "; ".join(str(p) for p in problems))

    def _guild_channel(self, guild: Guild, cid: int) -> dict[str, Any]:
        """A text channel as GUILD_CREATE, CHANNEL_UPDATE and GET /channels give it, with its overwrites."""
        names = list(guild.channels)
        name = next((n for n, c in guild.channels.items() if c == cid), "deleted-channel")
        return {"id": str(cid), "type": 0, "name": name, "position": names.index(name) if name in names else 0,
                "guild_id": str(guild.id), "permission_overwrites": list(guild.overwrites.get(cid, [])),
                "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None, "rate_limit_per_user": 0,
                "flags": 0}

    def _roles(self, guild: Guild) -> list[dict[str, Any]]:
        """@everyone, the admin role and the bot's managed role (tags.bot_id), as GuildRoleResponse."""
        out = []
        for position, (role, name, permissions, managed) in enumerate(
                [(guild.id, "@everyone", guild.everyone, False), (guild.bot_role, "paperbot", guild.bot_permissions,
                                                                   True),
                 (guild.admin_role, "admin", MANAGE_GUILD, False)]):
            out.append({"id": str(role), "name": name, "permissions": str(permissions), "position": position,
                        "color": 0, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                        "hoist": False, "managed": managed, "mentionable": False, "icon": None,
                        "unicode_emoji": None, "flags": 0, **({"tags": {"bot_id": str(self.bot_user.id)}}
                                                              if managed else {})})
        return out

    def guild_payload(self, guild: Guild | None = None) -> dict[str, Any]:
        guild = guild or self.first_guild
        members = [m for uid, m in self.members.items() if self.is_member(uid, guild)]
        return {"id": str(guild.id), "name": guild.name, "icon": None, "owner_id": str(self.owner.id),
                "channels": [self._guild_channel(guild, cid) for cid in guild.channels.values()],
                "roles": self._roles(guild),
                "members": [self._member_payload(m, guild) for m in members],
                "member_count": len(members), "unavailable": False, "large": False, "features": [],
                "emojis": [], "stickers": [], "voice_states": [], "presences": [],
                "threads": [t for t in self.threads.values()  # the active ones, as Discord lists them
                            if t["guild_id"] == str(guild.id) and not t["thread_metadata"]["archived"]],
                "stage_instances": [],
                "guild_scheduled_events": [e for e in self.events.values() if e["guild_id"] == str(guild.id)],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
                "system_channel_id": None, "afk_channel_id": None, "afk_timeout": 300, "application_id": None,
                "description": None, "banner": None, "splash": None, "discovery_splash": None, "vanity_url_code": None}

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        session: GatewaySession | None = None
        await ws.send_str(self._frame(10, {"heartbeat_interval": round(self.heartbeat_interval * 1000)}))
        logged_out = False
        while not ws.closed:
            msg = await ws.receive()
            if msg.type == WSMsgType.CLOSE:  # the bot closed: 1000/1001 ends its session, others may resume
                logged_out = msg.data in (1000, 1001)
                break
            if msg.type != WSMsgType.TEXT:
                if msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
                continue
            frame = json.loads(msg.data)
            op, d = frame.get("op"), frame.get("d") or {}
            if op == 1:
                self.heartbeats.append(time.monotonic())
                await ws.send_str(self._frame(11, None))
            elif op == 2:
                session = await self._identify(ws, d)
                if session is None:
                    break
            elif op == 6:
                session = await self._resume(ws, d)
        if session is not None and session.ws is ws:
            session.ws = None
            if logged_out:
                self._sessions.pop(session.id, None)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> GatewaySession | None:
        """IDENTIFY: check the token, intents and shard as Discord does, then READY and one GUILD_CREATE per
        server on that shard. Returns the new session, or None after closing the connection."""
        self.identify_payloads.append(d)
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        asked = [name for bit, name in PRIVILEGED_INTENTS.items()
                 if int(d.get("intents") or 0) & bit and not self.privileged_intents & bit]
        if asked:
            self.violation(f"IDENTIFY asked for privileged intents not enabled: {asked}")
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = d.get("shard", [0, 1])  # without it, one connection holds every server
        if (not isinstance(shard, list) or len(shard) != 2 or not all(type(x) is int for x in shard)
                or not 0 <= shard[0] < shard[1]):
            self.violation(f"IDENTIFY with an invalid shard {shard!r}: [index, count] with 0 <= index < count")
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        index, count = shard
        guilds = [g for g in self.guilds.values() if shard_of(g.id, count) == index]
        if len(guilds) > self.max_guilds_per_shard:
            self.violation(f"shard {shard} would hold {len(guilds)} servers (at most {self.max_guilds_per_shard})")
            await ws.close(code=4011, message=b"Sharding required.")
            return None
        session = GatewaySession(f"fake-session-{snowflake()}", (index, count), ws, intents=int(d.get("intents") or 0))
        self._sessions[session.id] = session
        self.identifies += 1
        events = [("READY", {
            "v": 10, "user": self.bot_user.payload(), "session_id": session.id,
            "resume_gateway_url": self.gateway_url, "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "application": {"id": str(self.app_id), "flags": 0}, "shard": [index, count]})]
        events += [("GUILD_CREATE", self.guild_payload(guild)) for guild in guilds]
        for event, data in events:
            await self._send_event(session, event, data)
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> GatewaySession | None:
        """RESUME: the session continues on this connection; an unknown session is told to identify anew."""
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or d.get("token") != self.token:
            await ws.send_str(self._frame(9, False))  # INVALID_SESSION, not resumable
            return None
        session.ws = ws
        self._sessions[session.id] = self._sessions.pop(session.id)  # now the newest connection of its shard
        self.resumes += 1
        missed, session.missed = session.missed, []
        for event, data in missed:
            await self._send_event(session, event, data)
        await self._send_event(session, "RESUMED", {})
        return session

    # --- REST ---

    @web.middleware
    async def _record(self, request: web.Request, handler):  # type: ignore[no-untyped-def]
        self.requests.append((request.method, request.path))
        for i, (method, fragment, status, times) in enumerate(self.faults):
            if method == request.method and fragment in request.path and times > 0:
                self.faults[i] = (method, fragment, status, times - 1)
                return self._error(status)
        return await handler(request)

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py compares the content type exactly: no "; charset=utf-8".
        return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})

    def _error(self, status: int, code: int = 0, message: str = "", errors: Any = None) -> web.Response:
        if status == 429:
            body = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False, "code": 0}
            resp = self._json(body, 429)
            # Discord answers through its proxy ("Via"); a 429 without it is a Cloudflare ban to discord.py.
            resp.headers.update({"Retry-After": "0.05", "X-RateLimit-Scope": "user", "Via": "1.1 google"})
            return resp
        defaults = {400: (50035, "Invalid Form Body"), 401: (0, "401: Unauthorized"),
                    403: (50013, "Missing Permissions"), 404: (10003, "Unknown Channel"),
                    500: (0, "Internal Server Error")}
        dc, dm = defaults.get(status, (0, "error"))
        body: dict[str, Any] = {"code": code or dc, "message": message or dm}
        if isinstance(errors, dict):  # a field's message alone becomes Discord's {"_errors": [...]} leaf
            body["errors"] = {k: {"_errors": [{"code": "INVALID", "message": v}]} if isinstance(v, str) else v
                              for k, v in errors.items()}
        elif errors is not None:  # Discord's shape: nested objects ending in {"_errors": [...]}
            body["errors"] = {str(i): {"_errors": [{"code": "INVALID", "message": e}]} for i, e in enumerate(errors)}
        if errors is not None:
            log.warning("fake Discord rejected a request: %s", errors)
        return self._json(body, status)

    def violation(self, text: str) -> None:
        """Something real Discord would refuse, or a reply the server should never have made: the test fails."""
        self.spec_violations.append(text)
        log.error("fake Discord: %s", text)

    def take_violations(self) -> list[str]:
        """For tests that send bad bodies on purpose: the violations so far, then forgotten."""
        out, self.spec_violations = self.spec_violations, []
        return out

    def _meant_link(self, url: str) -> bool:
        return self.meant_links(url) if callable(self.meant_links) else url in self.meant_links

    def _audit(self, where: str, body: dict[str, Any], *, notifies: bool = True) -> None:
        """Read a body Discord accepted as its client renders it and record what would be live.

        The rule, and why: the bot builds no masked link of its own (its links are embed URLs or bare URLs),
        so a live `[text](url)` anywhere is text it did not write gaining a disguise, a violation unless the
        test declared the URL in `meant_links`. A ping is meant only when the body asks for that very id
        (`allowed_mentions.users`/`roles`, as the reading group does for the presenter) or the test put it
        in `meant_pings`; a ping let through by `parse`, or by no allowed_mentions at all, is an accident
        waiting for a member's text. A backtick shown as text means a code span closed where the bot did
        not mean it to: a violation too. Mentions in embeds never notify; `notifies=False` for bodies that
        notify no one (a scheduled event's description)."""
        for path, text in markdown.surfaces(body):
            reading = markdown.read(text)
            for link in reading.links:
                self.live_links.append((f"{where} {path}", link))
                if not self._meant_link(link.url):
                    self.violation(f"{where} {path}: a live masked link [{link.text}]({link.url}) the bot did not "
                                   f"mean to send, in {text[:300]!r}")
            if not reading.code_balanced:
                self.broken_code.append((f"{where} {path}", text))
                self.violation(f"{where} {path}: {reading.stray_backticks} backtick(s) shown as text (a code span "
                               f"closed early or never), in {text[:300]!r}")
        if not notifies:
            return
        for ping in markdown.pings(body):
            self.pings.append((where, ping))
            if not (markdown.named_in_allowed_mentions(body, ping) or ping in self.meant_pings):
                self.violation(f"{where}: would notify {ping} without naming it in allowed_mentions "
                               f"(content {str(body.get('content'))[:300]!r}, allowed_mentions "
                               f"{body.get('allowed_mentions')!r})")

    def _refuse_message(self, rec: InteractionRecord, where: str, errors: Any, body: Any) -> web.Response:
        """A message body Discord would refuse: a violation, kept on the interaction, answered with a 400."""
        self.violation(f"{where}: " + "; ".join(errors))
        rec.rejected.append({"reason": "; ".join(errors), "body": body})
        rec.changed.set()
        return self._error(400, 50035, "Invalid Form Body", errors)

    def _invalid(self, op: Operation, problems: list[Problem], rec: InteractionRecord | None = None,
                 body: Any = None) -> web.Response:
        text = "; ".join(str(p) for p in problems)
        self.violation(f"{op.id} ({op.method} {op.template}): {text}")
        if rec is not None:
            rec.rejected.append({"reason": text, "body": body})
            rec.changed.set()
        return self._error(400, 50035, "Invalid Form Body", discord_errors(problems))

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        m = request.method
        found = route(self._operations, m, path)
        if found is None:
            self.unknown_routes.append((m, path))
            log.error("fake Discord: unknown route %s %s", m, path)
            return self._error(404, 0, f"unknown route {m} {path}")
        op, params = found
        headers: dict[str, str] = {}
        if self.limits is not None:
            headers, hit = self.limits.check(m, op.template, params, path)
            if hit is not None:
                # Discord answers through its proxy ("Via"); a 429 without it is a Cloudflare ban to discord.py.
                response = self._json(self.limits.body(hit), 429)
                response.headers.update({**headers, "Via": "1.1 google"})
                return self._checked(op, response)
        response = await self._serve(request, op, params)
        response.headers.update(headers)
        return self._checked(op, response)

    def _checked(self, op: Operation, response: web.Response) -> web.Response:
        """Hold the server's own answer to the description: its body (errors too: ErrorResponse,
        RatelimitedResponse) and its X-RateLimit-* headers."""
        key = op.status_key(response.status)
        schema = op.responses.get(key) if key is not None else None
        if schema is not None and response.body:
            problems = validate(schema, json.loads(response.body), requests=False, strict=True)
            if problems:
                self.violation(f"the server's own {response.status} to {op.id} breaks the spec: "
                               + "; ".join(str(p) for p in problems))
        for problem in header_problems(op, response.status, dict(response.headers)):
            self.violation(f"the server's own headers break the spec: {problem}")
        return response

    async def _serve(self, request: web.Request, op: Operation, params: dict[str, str]) -> web.Response:
        if op.needs_bot_token and request.headers.get("Authorization") != f"Bot {self.token}":
            self.violation(f"{op.id}: Authorization {request.headers.get('Authorization', '(none)')[:12]!r}…"
                           " is not the bot's token")
            return self._error(401)
        for key in ("application_id", "webhook_id"):  # interaction webhooks are the application's id
            if key in params and params[key] != str(self.app_id):
                self.violation(f"{op.id}: {key} {params[key]} is not this application ({self.app_id})")
                return self._error(404, 10002 if key == "application_id" else 10015,
                                   "Unknown Application" if key == "application_id" else "Unknown Webhook")
        if "guild_id" in params and int(params["guild_id"]) not in self.guilds:
            return self._error(403, 50001, "Missing Access")
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw and request.content_type == "application/json" else None
        rec = self.by_token.get(params.get("interaction_token") or params.get("webhook_token") or "")
        if op.request is not None and (body is not None or op.method in ("POST", "PUT")):
            if op.id == "create_interaction_response" and rec is not None and rec.response is None:
                rec.received_at = time.monotonic()  # the window closes on arrival, not after our checks
                if rec.first_callback_at is None:
                    rec.first_callback_at = rec.received_at
            problems = validate(op.request, body, requests=True) or url_problems(body)
            if problems:
                return self._invalid(op, problems, rec, body)
        return await getattr(self, "_op_" + op.id)(params, body)

    # One method per operation of the description, named _op_<operationId>; the route, the checks of the
    # request and response bodies and of the credentials come from the description itself.

    async def _op_get_my_user(self, _params: dict[str, str], _body: Any) -> web.Response:
        return self._json({**self.bot_user.payload(), "mfa_enabled": False, "locale": "en-US", "premium_type": 0,
                           "email": None, "verified": True})

    async def _op_get_my_oauth2_application(self, _params: dict[str, str], _body: Any) -> web.Response:
        return self._json({
            "id": str(self.app_id), "name": "paperbot", "icon": None, "description": "", "type": None,
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64, "owner": self.owner.payload(),
            "flags": 0, "flags_new": "0", "team": None, "redirect_uris": [], "interactions_endpoint_url": None,
            "role_connections_verification_url": None, "approximate_guild_count": 1,
            "approximate_user_install_count": 0, "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0, "eligible_oauth2_scopes": []})

    def _gateway_info(self) -> dict[str, Any]:
        return {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit":
                {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}

    async def _op_get_gateway(self, _params: dict[str, str], _body: Any) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _op_get_bot_gateway(self, _params: dict[str, str], _body: Any) -> web.Response:
        return self._json(self._gateway_info())

    async def _op_list_application_commands(self, _params: dict[str, str], _body: Any) -> web.Response:
        return self._json(self.commands.get("global", []))

    async def _op_list_guild_application_commands(self, params: dict[str, str], _body: Any) -> web.Response:
        return self._json(self.commands.get(params["guild_id"], []))

    async def _op_bulk_set_application_commands(self, _params: dict[str, str], body: Any) -> web.Response:
        return self._put_commands("global", body or [])

    async def _op_bulk_set_guild_application_commands(self, params: dict[str, str], body: Any) -> web.Response:
        return self._put_commands(params["guild_id"], body or [])

    def _put_commands(self, scope: str, body: list[dict[str, Any]]) -> web.Response:
        errors = [e for cmd in body for e in command_errors(cmd)]
        if scope == "global" and len(body) > 100:  # the spec allows 130 items for both; Discord: 100 of each type
            errors.append("at most 100 global commands")
        names = [(c.get("type", 1), c.get("name")) for c in body]
        if len(names) != len(set(names)):  # the spec cannot say "unique"
            errors.append("command names must be unique per type")
        if errors:
            self.violation("commands: " + "; ".join(errors))
            return self._error(400, 50035, "Invalid Form Body", errors)
        stored = [{"type": 1, "default_member_permissions": None, **c, "id": str(snowflake()),
                   "application_id": str(self.app_id), "version": str(snowflake()),
                   **({"guild_id": scope} if scope != "global" else {})} for c in body]
        for c in stored:  # as Discord echoes a definition: defaults filled in, permissions as a string
            if c.get("integration_types") is None:
                c["integration_types"] = [0]
            if c["default_member_permissions"] is not None:
                c["default_member_permissions"] = str(c["default_member_permissions"])
        self.commands[scope] = stored
        self.command_puts.append((scope, body))
        return self._json(stored)

    def _message(self, channel_id: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """A stored message: what Discord returns, plus our own `allowed_mentions` (see `public`)."""
        return {"id": str(snowflake()), "channel_id": str(channel_id), "author": self.bot_user.payload(),
                "content": body.get("content") or "", "embeds": echoed(body.get("embeds") or []),
                "components": rendered(body.get("components") or []), "flags": body.get("flags") or 0,
                "allowed_mentions": body.get("allowed_mentions"), "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                "mention_roles": [], "attachments": [], "pinned": False, "type": 0, **extra}

    def _edit(self, target: dict[str, Any], body: dict[str, Any], keys: tuple[str, ...] = EDITABLE) -> None:
        for key in keys:
            if key in body:
                target[key] = (rendered(body[key] or []) if key == "components"
                               else echoed(body[key] or []) if key == "embeds" else body[key])
        target["edited_timestamp"] = "2026-01-01T00:00:01+00:00"
        target["_edited"] = True

    def _rec(self, params: dict[str, str]) -> InteractionRecord | None:
        rec = self.by_token.get(params.get("interaction_token") or params.get("webhook_token") or "")
        if rec is None or ("interaction_id" in params and str(rec.id) != params["interaction_id"]):
            return None
        return rec

    async def _op_create_interaction_response(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        rec = self._rec(params)
        if rec is None:
            return self._error(404, 10062, "Unknown interaction")
        delay = (rec.received_at or time.monotonic()) - rec.sent_at
        if rec.response is not None:
            rec.rejected.append({"reason": "second response", "body": body})
            rec.changed.set()
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        if delay > self.response_window:
            rec.rejected.append({"reason": f"late response after {delay:.2f}s", "body": body})
            rec.changed.set()
            return self._error(404, 10062, "Unknown interaction")
        kind, data = body.get("type"), body.get("data") or {}
        allowed = CALLBACKS_FOR.get(rec.kind, set())
        if kind not in allowed:  # the spec cannot tie a callback type to an interaction type
            reason = (f"callback type {kind} is not valid for a type {rec.kind} interaction "
                      f"(allowed: {sorted(allowed)})")
            self.violation(reason)
            rec.rejected.append({"reason": reason, "body": body})
            rec.changed.set()
            return self._error(400, 50035, "Invalid Form Body",
                               {"type": {"_errors": [{"code": "INTERACTION_CALLBACK_TYPE", "message": reason}]}})
        if kind in (4, 7, 9):
            errors = self._modal_errors(rec, data) if kind == 9 else message_errors(data, editing=kind == 7)
            if errors:
                return self._refuse_message(rec, "interaction callback", errors, body)
        rec.response, rec.response_delay = body, delay
        if kind in (4, 7):
            self._audit(f"interaction {rec.id} response (type {kind})", data)
        channel_id = int(rec.payload["channel_id"])
        flags = data.get("flags") or 0
        if kind == 4:
            rec.original = self._message(channel_id, data, _interaction_id=str(rec.id), webhook_id=str(self.app_id))
            if not flags & EPHEMERAL:
                self.messages[channel_id].append(rec.original)
        elif kind == 5:  # "<bot> is thinking…": a message now, visible as the deferral says
            rec.original = self._message(channel_id, {"flags": (flags & EPHEMERAL) | LOADING},
                                         _interaction_id=str(rec.id), webhook_id=str(self.app_id))
            rec.thinking = True
            if not flags & EPHEMERAL:
                self.messages[channel_id].append(rec.original)
        elif kind == 7:
            assert rec.target is not None
            self._edit(rec.target, data, ("content", "embeds", "components"))
            rec.original = rec.target
        elif kind == 6:
            rec.original = rec.target
        rec.changed.set()
        message = rec.original if kind in (4, 5, 7) else None
        interaction = {"id": str(rec.id), "type": rec.kind}
        if message is not None:
            interaction.update({"response_message_id": message["id"], "response_message_loading": kind == 5,
                                "response_message_ephemeral": bool(message["flags"] & EPHEMERAL)})
        out: dict[str, Any] = {"interaction": interaction}
        if message is not None and kind in (4, 7):  # the description has a resource for these only
            out["resource"] = {"type": kind, "message": public(message)}
        return self._json(out)

    def _hook(self, params: dict[str, str]) -> InteractionRecord | web.Response:
        rec = self._rec(params)
        if rec is None:
            return self._error(404, 10015, "Unknown Webhook")
        if self._token_expired(rec):  # Discord: a token lives 15 minutes; after, its webhook is unknown to it
            rec.rejected.append({"reason": "token expired", "body": None})
            rec.changed.set()
            return self._error(401, 50027, "Invalid Webhook Token")
        if rec.response is None:
            return self._error(400, 40060, "The interaction has not been acknowledged")
        return rec

    async def _op_execute_webhook(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        rec = self._hook(params)
        if not isinstance(rec, InteractionRecord):
            return rec
        errors = message_errors(body)
        if errors:
            return self._refuse_message(rec, "follow-up", errors, body)
        self._audit(f"interaction {rec.id} follow-up", body)
        if rec.thinking and rec.original is not None:
            # Discord: the first follow-up after a deferral *is* the deferred message. It replaces
            # "thinking…" and keeps the deferral's visibility, whatever flags the follow-up asks for.
            rec.thinking = False
            rec.original["flags"] &= ~LOADING
            self._edit(rec.original, body, ("content", "embeds", "components", "allowed_mentions"))
            rec.ignored_flags.append(body.get("flags") or 0)
            rec.changed.set()
            return self._json(public(rec.original))
        msg = self._message(int(rec.payload["channel_id"]), body, webhook_id=str(self.app_id))
        rec.followups.append(msg)
        if not (body.get("flags") or 0) & EPHEMERAL:
            self.messages[int(rec.payload["channel_id"])].append(msg)
        rec.changed.set()
        return self._json(public(msg))

    def _webhook_message(self, params: dict[str, str]) -> tuple[InteractionRecord, dict[str, Any]] | web.Response:
        rec = self._hook(params)
        if not isinstance(rec, InteractionRecord):
            return rec
        mid = params.get("message_id")
        target = rec.original if mid is None else next((f for f in rec.followups if f["id"] == mid), None)
        if target is None and mid is not None and rec.original is not None and rec.original["id"] == mid:
            target = rec.original
        if target is None or target.get("_deleted"):
            return self._error(404, 10008, "Unknown Message")
        return rec, target

    async def _get_webhook_message(self, params: dict[str, str]) -> web.Response:
        found = self._webhook_message(params)
        return found if isinstance(found, web.Response) else self._json(public(found[1]))

    async def _patch_webhook_message(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        found = self._webhook_message(params)
        if isinstance(found, web.Response):
            return found
        rec, target = found
        errors = message_errors({**target, **body}, editing=True)
        if errors:
            return self._refuse_message(rec, "webhook message edit", errors, body)
        self._audit(f"interaction {rec.id} edit of message {target['id']}", body)
        if target is rec.original and rec.thinking:
            rec.thinking = False  # editing the deferred message answers it
            target["flags"] &= ~LOADING
        self._edit(target, body, ("content", "embeds", "components", "allowed_mentions"))
        rec.edited_original = rec.edited_original or target is rec.original
        rec.changed.set()
        return self._json(public(target))

    async def _delete_webhook_message(self, params: dict[str, str]) -> web.Response:
        found = self._webhook_message(params)
        if isinstance(found, web.Response):
            return found
        rec, target = found
        target["_deleted"] = True
        if target is rec.original:
            rec.thinking = False  # a deleted deferral: the next follow-up is a message of its own
        channel = self.messages[int(rec.payload["channel_id"])]
        channel[:] = [m for m in channel if m is not target]
        rec.deleted.append(target)
        rec.changed.set()
        return web.Response(status=204)

    async def _op_get_original_webhook_message(self, params: dict[str, str], _body: Any) -> web.Response:
        return await self._get_webhook_message(params)

    async def _op_get_webhook_message(self, params: dict[str, str], _body: Any) -> web.Response:
        return await self._get_webhook_message(params)

    async def _op_update_original_webhook_message(self, params: dict[str, str], body: Any) -> web.Response:
        return await self._patch_webhook_message(params, body or {})

    async def _op_update_webhook_message(self, params: dict[str, str], body: Any) -> web.Response:
        return await self._patch_webhook_message(params, body or {})

    async def _op_delete_original_webhook_message(self, params: dict[str, str], _body: Any) -> web.Response:
        return await self._delete_webhook_message(params)

    async def _op_delete_webhook_message(self, params: dict[str, str], _body: Any) -> web.Response:
        return await self._delete_webhook_message(params)

    def _channel_id(self, params: dict[str, str]) -> int | None:
        cid = int(params["channel_id"])
        return cid if self._guild_of(cid) is not None else None

    async def _op_get_channel(self, params: dict[str, str], _body: Any) -> web.Response:
        cid = self._channel_id(params)
        if cid is None:
            return self._error(404, 10003, "Unknown Channel")
        refused = self._refused(self._guild_of(cid), cid)
        if refused is not None:
            return refused
        if cid in self.threads:
            return self._json(self.threads[cid])
        return self._json(self._channel_payload(cid, with_permissions=False))

    # --- guild scheduled events (only EXTERNAL ones, entity_type 3: the bot's sessions) ---

    def _event(self, params: dict[str, str]) -> dict[str, Any] | web.Response:
        event = self.events.get(int(params["guild_scheduled_event_id"]))
        if event is None or event["guild_id"] != params["guild_id"]:
            return self._error(404, 10070, "Unknown Guild Scheduled Event")
        return event

    def _event_errors(self, event: dict[str, Any]) -> list[str]:
        """Discord's rules the description states only in prose: an external event has a location and an end."""
        errors = []
        if event.get("entity_type") == 3:
            if not (event.get("entity_metadata") or {}).get("location"):
                errors.append("an external event needs entity_metadata.location")
            if not event.get("scheduled_end_time"):
                errors.append("an external event needs scheduled_end_time")
            if event.get("channel_id") is not None:
                errors.append("an external event has no channel_id")
        start, end = event.get("scheduled_start_time"), event.get("scheduled_end_time")
        if start and end and datetime.fromisoformat(end) <= datetime.fromisoformat(start):
            errors.append("scheduled_end_time must be after scheduled_start_time")
        return errors

    def _event_refused(self, guild_id: str, event: dict[str, Any] | None = None) -> web.Response | None:
        """Discord's rule: creating needs Create Events (or Manage Events, which predates it); editing or
        deleting the bot's own event the same; another's needs Manage Events. Server-wide permissions only:
        an external event has no channel."""
        guild = self.guilds[int(guild_id)]
        if event is not None and event["creator_id"] != str(self.bot_user.id):
            return self._refused(guild, None, "MANAGE_EVENTS")
        return self._refused(guild, None, "CREATE_EVENTS", "MANAGE_EVENTS", any_of=True)

    def _in_the_past(self, start: str | None) -> web.Response | None:
        """On a test's clock, Discord's refusal of a start already past."""
        if self.clock is None or not start or datetime.fromisoformat(start) > self.now():
            return None
        return self._error(400, 50035, "Invalid Form Body", {"scheduled_start_time": {"_errors": [
            {"code": "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "message": "Cannot schedule event in the past."}]}})

    async def _op_create_guild_scheduled_event(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        refused = self._event_refused(params["guild_id"]) or self._in_the_past(body.get("scheduled_start_time"))
        if refused is not None:
            return refused
        if body.get("entity_type") != 3:
            return self._error(400, 50035, "Invalid Form Body", {"entity_type": "only external events are modelled"})
        event = {"id": str(snowflake()), "guild_id": params["guild_id"], "name": body["name"],
                 "description": body.get("description"), "channel_id": None, "creator_id": str(self.bot_user.id),
                 "creator": self.bot_user.payload(), "image": None,
                 "scheduled_start_time": body["scheduled_start_time"],
                 "scheduled_end_time": body.get("scheduled_end_time"), "status": 1, "entity_type": 3,
                 "entity_id": None, "recurrence_rule": None, "user_count": 0, "privacy_level": body["privacy_level"],
                 "user_rsvp": None, "guild_scheduled_event_exceptions": [],
                 "entity_metadata": {"location": (body.get("entity_metadata") or {}).get("location")}}
        errors = self._event_errors(event)
        if errors:
            self.violation("scheduled event: " + "; ".join(errors))
            return self._error(400, 50035, "Invalid Form Body", errors)
        self._audit(f"scheduled event {event['id']}", {"content": event["description"] or ""}, notifies=False)
        self.events[int(event["id"])] = event
        await self._tell("GUILD_SCHEDULED_EVENT_CREATE", event, int(event["guild_id"]))
        return self._json(event)

    async def _op_update_guild_scheduled_event(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        event = self._event(params)
        if isinstance(event, web.Response):
            return event
        refused = self._event_refused(params["guild_id"], event)
        if refused is not None:
            return refused
        if event["status"] in (3, 4):
            return self._error(400, 180000, "Cannot modify a finished event")
        if event["status"] == 1 and "scheduled_start_time" in body:
            past = self._in_the_past(body["scheduled_start_time"])
            if past is not None:
                return past
        changed = {**event, **{k: v for k, v in body.items() if k in event}}
        if "entity_metadata" in body:
            changed["entity_metadata"] = {"location": (body["entity_metadata"] or {}).get("location")}
        if body.get("status") not in (None, event["status"]) and (event["status"], body["status"]) not in (
                (1, 2), (1, 4), (2, 3)):  # Discord's allowed status transitions
            return self._error(400, 50035, "Invalid Form Body", {"status": {"_errors": [
                {"code": "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                 "message": f"Status cannot go from {event['status']} to {body['status']}."}]}})
        errors = self._event_errors(changed)
        if errors:
            self.violation("scheduled event edit: " + "; ".join(errors))
            return self._error(400, 50035, "Invalid Form Body", errors)
        if "description" in body:
            self._audit(f"scheduled event {event['id']} edit", {"content": body["description"] or ""},
                        notifies=False)
        event.update(changed)
        self.event_updates.append(dict(event))
        await self._tell("GUILD_SCHEDULED_EVENT_UPDATE", event, int(event["guild_id"]))
        return self._json(event)

    async def _op_delete_guild_scheduled_event(self, params: dict[str, str], _body: Any) -> web.Response:
        event = self._event(params)
        if isinstance(event, web.Response):
            return event
        refused = self._event_refused(params["guild_id"], event)
        if refused is not None:
            return refused
        del self.events[int(event["id"])]
        await self._tell("GUILD_SCHEDULED_EVENT_DELETE", event, int(event["guild_id"]))
        return web.Response(status=204)

    async def _op_get_guild_scheduled_event(self, params: dict[str, str], _body: Any) -> web.Response:
        event = self._event(params)
        return event if isinstance(event, web.Response) else self._json(event)

    async def _op_list_guild_scheduled_events(self, params: dict[str, str], _body: Any) -> web.Response:
        return self._json([e for e in self.events.values() if e["guild_id"] == params["guild_id"]])

    # --- threads (public threads in a text channel) ---

    def _thread(self, parent: int, name: str, owner: int, thread_id: int | None = None) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat()
        thread = {"id": str(thread_id or snowflake()), "type": 11, "last_message_id": None, "flags": 0,
                  "guild_id": str(self._guild_of(parent).id),  # type: ignore[union-attr]
                  "name": name, "parent_id": str(parent), "rate_limit_per_user": 0,
                  "owner_id": str(owner), "message_count": 0, "member_count": 1, "total_message_sent": 0,
                  "thread_metadata": {"archived": False, "archive_timestamp": now, "auto_archive_duration": 1440,
                                      "locked": False, "create_timestamp": now}}
        self.threads[int(thread["id"])] = thread
        return thread

    async def _op_create_thread(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        cid = self._channel_id(params)
        if cid is None:
            return self._error(404, 10003, "Unknown Channel")
        if cid in self.threads:
            return self._error(400, 50024, "Cannot execute action on this channel type")
        refused = self._refused(self._guild_of(cid), cid, "CREATE_PUBLIC_THREADS")
        if refused is not None:
            return refused
        if body.get("type") not in (None, 11):
            return self._error(400, 50035, "Invalid Form Body", {"type": "only public threads are modelled"})
        thread = self._thread(cid, body["name"], self.bot_user.id)
        await self._tell("THREAD_CREATE", {**thread, "newly_created": True}, int(thread["guild_id"]))
        return self._json(thread, status=201)

    async def _op_create_thread_from_message(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        msg = self._channel_message(params, ("CREATE_PUBLIC_THREADS",))
        if isinstance(msg, web.Response):
            return msg
        if msg.get("thread") is not None:
            return self._error(400, 160004, "A thread has already been created for this message")
        # Discord gives a thread started from a message the message's id.
        thread = self._thread(int(params["channel_id"]), body["name"], self.bot_user.id, int(msg["id"]))
        await self._tell("THREAD_CREATE", {**thread, "newly_created": True}, int(thread["guild_id"]))
        msg["thread"] = thread
        return self._json(thread, status=201)

    async def _op_create_message(self, params: dict[str, str], body: dict[str, Any]) -> web.Response:
        cid = self._channel_id(params)
        if cid is None:
            return self._error(404, 10003, "Unknown Channel")
        guild = self._guild_of(cid)
        assert guild is not None
        refused = (self._refused(guild, cid) or self._closed_thread(cid, guild)
                   or self._refused(guild, cid, "SEND_MESSAGES_IN_THREADS" if cid in self.threads else "SEND_MESSAGES"))
        if refused is not None:
            return refused
        errors = message_errors(body)
        if errors:
            self.violation("channel message: " + "; ".join(errors))
            return self._error(400, 50035, "Invalid Form Body", errors)
        self._audit(f"channel {cid} message", body)
        msg = self._message(cid, body)
        if cid in self.threads:
            msg["position"] = self.threads[cid]["total_message_sent"]
            self.threads[cid]["message_count"] += 1
            self.threads[cid]["total_message_sent"] += 1
            self.threads[cid]["last_message_id"] = msg["id"]
        self.messages[cid].append(msg)
        self._message_event.set()
        return self._json(public(msg))

    def _channel_message(self, params: dict[str, str], needed: tuple[str, ...] = ("READ_MESSAGE_HISTORY",)
                         ) -> dict[str, Any] | web.Response:
        """The message the path names, if the bot may see it and has `needed` in its channel."""
        cid = self._channel_id(params)
        if cid is None:
            return self._error(404, 10003, "Unknown Channel")
        refused = self._refused(self._guild_of(cid), cid, *needed)
        if refused is not None:
            return refused
        msg = next((x for x in self.messages[cid] if x["id"] == params["message_id"]), None)
        return msg if msg is not None else self._error(404, 10008, "Unknown Message")

    async def _op_get_message(self, params: dict[str, str], _body: Any) -> web.Response:
        msg = self._channel_message(params)
        return msg if isinstance(msg, web.Response) else self._json(public(msg))

    async def _op_update_message(self, params: dict[str, str], body: Any) -> web.Response:
        msg = self._channel_message(params, ())  # its own message: the bot needs only to see the channel
        if isinstance(msg, web.Response):
            return msg
        cid = int(params["channel_id"])
        closed = self._closed_thread(cid, self._guild_of(cid))  # type: ignore[arg-type]
        if closed is not None:
            return closed
        errors = message_errors({**msg, **(body or {})}, editing=True)
        if errors:
            self.violation("channel message edit: " + "; ".join(errors))
            return self._error(400, 50035, "Invalid Form Body", errors)
        self._audit(f"channel {params['channel_id']} edit of message {msg['id']}", body or {})
        self._edit(msg, body or {})  # only MessageEditRequestPartial's keys reach here (strict spec check)
        return self._json(public(msg))

    async def wait_for_message(self, channel_id: int, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.messages[channel_id]) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{count} message(s) expected in channel {channel_id}")
            self._message_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._message_event.wait(), left)
        return self.messages[channel_id]

    # --- driving the bot as members would ---

    def _command(self, name: str, guild: Guild | None = None) -> dict[str, Any]:
        for scope in (str((guild or self.first_guild).id), "global"):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        raise KeyError(f"/{name} was never registered (registered: "
                       f"{[c['name'] for cs in self.commands.values() for c in cs]})")

    async def _send(self, kind: int, data: dict[str, Any], user: User | None, in_channel: str = "general",
                    message: dict[str, Any] | None = None, guild: Guild | None = None) -> InteractionRecord:
        channel = in_channel
        user = user or self.member
        member = self.members[user.id]
        if guild is None and message is not None:  # a component or modal: the server its message is in
            guild = self._guild_of(int(message["channel_id"]))
        guild = guild or self.first_guild
        if not self.is_member(user.id, guild):
            raise PermissionError(f"{user.username} is not a member of {guild.name}: Discord's client cannot send this")
        iid, token = snowflake(), f"token-{snowflake()}"
        channel_id = guild.channels[channel]
        channel_payload = self._guild_channel(guild, channel_id)
        payload: dict[str, Any] = {
            "id": str(iid), "application_id": str(self.app_id), "type": kind, "data": data, "token": token,
            "version": 1, "guild_id": str(guild.id), "channel_id": str(channel_id),
            "channel": {k: channel_payload[k] for k in ("id", "type", "guild_id", "name", "position",
                                                         "permission_overwrites", "nsfw", "parent_id")},
            "member": {**self._member_payload(member, guild), "permissions": str(member.permissions)},
            # what the bot may do in this channel (its role and the channel's overwrites), as Discord sends it
            "app_permissions": str(self.bot_permissions(channel_id, guild)), "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(guild.id)}, "context": 0,
            "attachment_size_limit": 8388608,
        }
        if message is not None:
            payload["message"] = public(message)
        rec = InteractionRecord(iid, token, kind, payload, time.monotonic(), target=message,
                                user_id=user.id, created_at=self.now())
        self.interactions[iid] = rec
        self.by_token[token] = rec
        await self.dispatch("INTERACTION_CREATE", payload)
        return rec

    async def _send_detached(self, kind: int = 2, message: dict[str, Any] | None = None) -> InteractionRecord:
        """An interaction the server issued without a connected bot: for testing the server's own rules."""
        iid, token = snowflake(), f"token-{snowflake()}"
        rec = InteractionRecord(iid, token, kind, {"channel_id": str(self.channels["general"])}, time.monotonic(),
                                target=message, created_at=self.now())
        self.interactions[iid] = rec
        self.by_token[token] = rec
        return rec

    def _options(self, cmd_options: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for name, value in values.items():
            spec = next((o for o in cmd_options if o["name"] == name), None)
            if spec is None:
                raise KeyError(f"no option {name!r}")
            out.append({"name": name, "type": spec["type"], "value": value})
        return out

    async def slash(self, command: str, user: User | None = None, in_channel: str = "general",
                    guild: Guild | None = None, **options: Any) -> InteractionRecord:
        """Send `/command` (or "group sub") with options, as `user`, from channel `in_channel` of `guild`
        (the first server unless given)."""
        name, *sub = command.split()
        cmd = self._command(name, guild)
        spec = cmd.get("options") or []
        opts: list[dict[str, Any]]
        if sub:
            sub_spec = next(o for o in spec if o["name"] == sub[0])
            opts = [{"name": sub[0], "type": 1, "options": self._options(sub_spec.get("options") or [], options)}]
        else:
            opts = self._options(spec, options)
        data = {"id": cmd["id"], "name": name, "type": 1, "options": opts,
                **({"guild_id": cmd["guild_id"]} if "guild_id" in cmd else {})}
        leaves = opts[0]["options"] if sub else opts
        channels = {str(o["value"]): self._channel_payload(int(o["value"]), resolved=True)
                    for o in leaves if o["type"] == 7}
        if channels:
            data["resolved"] = {"channels": channels}
        files = {str(o["value"]): self.attachments[str(o["value"])] for o in leaves if o["type"] == 11}
        if files:
            data.setdefault("resolved", {})["attachments"] = files
        users = [int(o["value"]) for o in leaves if o["type"] == 6]  # USER options arrive resolved, as members
        if users:
            data.setdefault("resolved", {})["users"] = {str(u): self.members[u].user.payload() for u in users}
            data["resolved"]["members"] = {
                str(u): {k: v for k, v in self.members[u].payload().items() if k not in ("user", "deaf", "mute")}
                for u in users}
        return await self._send(2, data, user, in_channel, guild=guild)

    def _channel_payload(self, channel_id: int, *, resolved: bool = False, with_permissions: bool = True
                         ) -> dict[str, Any]:
        guild = self._guild_of(channel_id) or self.first_guild
        out = self._guild_channel(guild, channel_id)
        if with_permissions or resolved:
            out["permissions"] = str(ALL_PERMISSIONS)
        return out

    async def autocomplete(self, command: str, option: str, partial: str, user: User | None = None,
                           guild: Guild | None = None) -> list[dict[str, Any]]:
        """Type in an autocomplete option of `command` (or "group sub"): the choices the bot offers."""
        name, *sub = command.split()
        cmd = self._command(name, guild)
        options = cmd.get("options") or []
        if sub:
            options = next(o for o in options if o["name"] == sub[0]).get("options") or []
        spec = next(o for o in options if o["name"] == option)
        if not spec.get("autocomplete"):
            raise ValueError(f"/{command} {option} has no autocomplete: Discord would not ask the bot")
        focused = [{"name": option, "type": spec["type"], "value": partial, "focused": True}]
        data = {"id": cmd["id"], "name": name, "type": 1,
                "options": [{"name": sub[0], "type": 1, "options": focused}] if sub else focused}
        rec = await self._send(4, data, user, guild=guild)
        response = await rec.response_()
        assert response["type"] == 8, response
        return response["data"]["choices"]

    async def click(self, message: dict[str, Any], custom_id: str, user: User | None = None) -> InteractionRecord:
        """Press a button as a member can: only one the message shows, and only while it is enabled."""
        button = shown_component(message, custom_id)
        if button.get("type") != 2:
            raise ValueError(f"{custom_id!r} is not a button (type {button.get('type')})")
        return await self._send(3, {"custom_id": custom_id, "component_type": 2}, user, message=message)

    async def select(self, message: dict[str, Any], custom_id: str, values: list[str],
                     user: User | None = None) -> InteractionRecord:
        """Pick options in a select menu the message shows: only offered values, as many as it allows."""
        menu = shown_component(message, custom_id)
        offered = [o["value"] for o in menu.get("options") or []]
        low, high = menu.get("min_values", 1), menu.get("max_values", 1)
        if menu.get("type") != 3 or not set(values) <= set(offered) or not low <= len(values) <= high:
            raise ValueError(f"{values} cannot be picked in {custom_id!r} (offered {offered}, {low} to {high})")
        return await self._send(3, {"custom_id": custom_id, "component_type": 3, "values": values}, user,
                                message=message)

    # --- modals (interaction response type 9) and their submission (MODAL_SUBMIT, interaction type 5) ---

    def _modal_errors(self, rec: InteractionRecord, data: dict[str, Any]) -> list[str]:
        """Discord's rules for a modal: only in answer to a command or a component, a custom_id and a title,
        one to five action rows each holding one text input with its own custom_id."""
        errors: list[str] = []
        if rec.kind not in (2, 3):
            errors.append(f"a modal cannot answer an interaction of type {rec.kind}")
        custom_id, title = data.get("custom_id"), data.get("title")
        if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
            errors.append("modal custom_id: 1-100 characters")
        if not isinstance(title, str) or not 1 <= len(title) <= 45:
            errors.append("modal title: 1-45 characters")
        rows = data.get("components")
        if not isinstance(rows, list) or not 1 <= len(rows) <= 5:
            return [*errors, "a modal has 1-5 components"]
        seen: set[str] = set()
        for i, row in enumerate(rows):
            inner = row.get("components") if isinstance(row, dict) and row.get("type") == 1 else None
            if not isinstance(inner, list) or len(inner) != 1 or inner[0].get("type") != 4:
                errors.append(f"components[{i}]: an action row holding exactly one text input")
                continue
            errors.extend(f"components[{i}]: {e}" for e in _text_input_errors(inner[0], seen))
        return errors

    async def submit_modal(self, opened: InteractionRecord, values: dict[str, str], user: User | None = None
                           ) -> InteractionRecord:
        """Submit the modal the bot opened in answer to `opened`, as the member it was shown to.

        Only the modal's own fields can be filled; a field left out is sent with its prefilled value, as
        Discord's client does. Values a client could not send (too long, a required field empty) raise.
        """
        modal = await opened.modal()
        user = user or next(u for u in (self.owner, self.admin, self.member, self.other)
                            if u.id == opened.user_id)
        if user.id != opened.user_id:
            raise PermissionError("a modal is shown only to the member who opened it")
        inputs = {row["components"][0]["custom_id"]: row["components"][0] for row in modal["components"]}
        unknown = set(values) - set(inputs)
        if unknown:
            raise KeyError(f"the modal has no field {sorted(unknown)} (fields: {sorted(inputs)})")
        rows = []
        for custom_id, spec in inputs.items():
            value = values.get(custom_id, spec.get("value") or "")
            if spec.get("required", True) and not value:
                raise ValueError(f"{custom_id!r} is required")
            if value and not spec.get("min_length", 0) <= len(value) <= spec.get("max_length", 4000):
                raise ValueError(f"{custom_id!r}: {len(value)} characters is outside the field's limits")
            rows.append({"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]})
        message = opened.payload.get("message")
        return await self._send(5, {"custom_id": modal["custom_id"], "components": rows}, user, message=message,
                                guild=self.guilds[int(opened.payload["guild_id"])])

    # --- attachments: uploaded files, served on the local attachment host ---

    @property
    def attachment_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def attach(self, filename: str, data: bytes, content_type: str = "text/plain; charset=utf-8",
               url: str | None = None) -> str:
        """Register an uploaded file; returns its attachment id, to pass as an attachment option's value.
        `url` replaces the download URL Discord would give (a test of a foreign host)."""
        aid = str(snowflake())
        path = f"{self.channels['general']}/{aid}/{filename}"
        self._files[path] = (data, content_type)
        link = url or f"http://{self.attachment_host}/attachments/{path}"
        item = {"id": aid, "filename": filename, "size": len(data), "url": link, "proxy_url": link,
                "content_type": content_type}
        problems = validate_component("AttachmentResponse", item)
        if problems:
            raise ValueError(f"not an attachment Discord would send: {'; '.join(map(str, problems))}")
        self.attachments[aid] = item
        return aid

    async def _attachment_download(self, request: web.Request) -> web.Response:
        path = request.match_info["tail"]
        found = self._files.get(path)
        if found is None:
            return web.Response(status=404)
        self.downloads.append(path)
        return web.Response(body=found[0], headers={"Content-Type": found[1]})


def _text_input_errors(component: dict[str, Any], seen: set[str]) -> list[str]:
    errors: list[str] = []
    custom_id = component.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
        errors.append("text input custom_id: 1-100 characters")
    elif custom_id in seen:
        errors.append(f"text input custom_id {custom_id!r} used twice")
    else:
        seen.add(custom_id)
    if component.get("style") not in (1, 2):
        errors.append("text input style: 1 (short) or 2 (paragraph)")
    label = component.get("label")
    if not isinstance(label, str) or not 1 <= len(label) <= 45:
        errors.append("text input label: 1-45 characters")
    low, high = component.get("min_length", 0), component.get("max_length", 4000)
    if not (0 <= low <= 4000 and 1 <= high <= 4000 and low <= high):
        errors.append("text input min_length 0-4000, max_length 1-4000")
    value = component.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > high):
        errors.append("text input value: at most max_length characters")
    if len(component.get("placeholder") or "") > 100:
        errors.append("text input placeholder: at most 100 characters")
    return errors


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as Discord returns it: without our bookkeeping (allowed_mentions, _edited...)."""
    return {k: v for k, v in message.items() if not k.startswith("_") and k != "allowed_mentions"}


def echoed(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Embeds as Discord returns them: a request may leave out `type`, a response always has it ("rich")."""
    return [{"type": "rich", **e} for e in embeds]


def rendered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord shows them back: each with a numeric id, in order, as Discord numbers them."""
    counter = itertools.count(1)

    def number(c: dict[str, Any]) -> dict[str, Any]:
        # "required" is for modals; a message's select menu does not echo it.
        out = {**{k: v for k, v in c.items() if k != "required"}, "id": c.get("id") or next(counter)}
        if "components" in c:
            out["components"] = [number(x) for x in c["components"]]
        return out

    return [number(c) for c in components]


def shown_component(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """The enabled component with this custom_id in the message's rendered components (a member sees it)."""
    for row in message.get("components") or []:
        for c in row.get("components") or []:
            if c.get("custom_id") == custom_id:
                if c.get("disabled"):
                    raise ValueError(f"{custom_id!r} is disabled: Discord's client cannot use it")
                return c
    raise ValueError(f"the message shows no component {custom_id!r}")


def would_ping(message: dict[str, Any]) -> bool:
    """Whether Discord would notify anyone for this message, given its content and allowed_mentions."""
    return bool(markdown.pings(message))
