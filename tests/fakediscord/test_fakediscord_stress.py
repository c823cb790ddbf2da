"""The local Discord behaves like a real server under stress, each behaviour held to Discord's description:
the bot's permissions from roles and channel overwrites (403 50013 / 50001), archived and locked threads
(50083), scheduled events that start and end on their own, several servers with their own members and
channels, interaction tokens that expire (401 50027) and the measured 3-second window (404 10062).
Every error body the server answers is checked against the description's ErrorResponse (a violation
otherwise, which fails the test on leaving the server), and each behaviour is seen through discord.py too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import discord
import pytest
from discord import app_commands

from tests.fakediscord import FakeDiscord, pointed_at, running
from tests.fakediscord.calls import EVENT, call
from tests.fakediscord.permissions import BOT_PERMISSIONS, PERMISSIONS, names
from tests.fakediscord.server import MEMBER_PERMISSIONS

START = datetime.fromisoformat(EVENT["scheduled_start_time"])
END = datetime.fromisoformat(EVENT["scheduled_end_time"])


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Bot(discord.Client):
    """A client with /ping (answered at once), /slow (answered after `delay` s) and /hold (deferred; the
    test answers later through `held`); it records scheduled-event updates it hears."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.delay = 0.0
        self.held: list[discord.Interaction] = []
        self.event_updates: list[tuple[int, discord.EventStatus]] = []  # (event id, status heard)
        self.thread_updates: list[discord.Thread] = []

        @self.tree.command(description="Answer at once")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @self.tree.command(description="Answer late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.delay)
            with pytest.raises(discord.NotFound) as refused:
                await interaction.response.send_message("too late")
            self.held.append(interaction)
            assert refused.value.code == 10062

        @self.tree.command(description="Defer; answered later")
        async def hold(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            self.held.append(interaction)

    async def on_thread_update(self, _before: discord.Thread, after: discord.Thread) -> None:
        self.thread_updates.append(after)

    async def on_scheduled_event_update(self, _before: discord.ScheduledEvent, after: discord.ScheduledEvent) -> None:
        self.event_updates.append((after.id, after.status))


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord) -> AsyncIterator[Bot]:
    """discord.py pointed at the local Discord, a Bot running, its commands synced."""
    with pointed_at(fake):
        async with running(Bot()) as bot:
            await bot.tree.sync()
            yield bot


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


# --- permissions: the bot's role, channel overwrites, 403 50013 / 50001 ---

async def test_by_default_the_bot_has_the_readmes_invite_permissions_everywhere(fake: FakeDiscord) -> None:
    assert BOT_PERMISSIONS == 17910013709312
    for channel in fake.channels:
        assert fake.bot_permissions(channel) == BOT_PERMISSIONS | MEMBER_PERMISSIONS
    status, channel = await call(fake, "GET", f"/channels/{fake.channels['general']}")
    assert status == 200 and channel["permission_overwrites"] == []


async def test_a_denied_permission_is_refused_with_discords_403_and_the_payloads_carry_the_overwrite(
        fake: FakeDiscord) -> None:
    group, general = fake.channels["reading-group"], fake.channels["general"]
    await fake.deny_bot("CREATE_PUBLIC_THREADS", channel="reading-group")
    assert not fake.bot_permissions("reading-group") & PERMISSIONS["CREATE_PUBLIC_THREADS"]
    status, channel = await call(fake, "GET", f"/channels/{group}")
    assert channel["permission_overwrites"] == [{"id": str(fake.bot_user.id), "type": 1, "allow": "0",
                                                 "deny": str(PERMISSIONS["CREATE_PUBLIC_THREADS"])}]
    status, posted = await call(fake, "POST", f"/channels/{group}/messages", {"content": "announcement"})
    assert status == 200  # sending is still allowed
    status, answer = await call(fake, "POST", f"/channels/{group}/messages/{posted['id']}/threads", {"name": "GAN"})
    assert (status, answer) == (403, {"code": 50013, "message": "Missing Permissions"})
    status, _ = await call(fake, "POST", f"/channels/{general}/threads", {"name": "elsewhere", "type": 11})
    assert status == 201  # only that channel denies it
    await fake.deny_bot("VIEW_CHANNEL", channel="general")
    status, answer = await call(fake, "POST", f"/channels/{general}/messages", {"content": "hi"})
    assert (status, answer) == (403, {"code": 50001, "message": "Missing Access"})
    assert (await call(fake, "GET", f"/channels/{general}"))[1]["code"] == 50001
    await fake.allow_bot("VIEW_CHANNEL", channel="general")
    assert (await call(fake, "POST", f"/channels/{general}/messages", {"content": "hi"}))[0] == 200
    assert not fake.take_violations()  # every error body fits the description's ErrorResponse


async def test_server_wide_denials_take_the_permission_off_the_bots_role(fake: FakeDiscord) -> None:
    await fake.deny_bot("SEND_MESSAGES")
    for channel in fake.channels.values():
        status, answer = await call(fake, "POST", f"/channels/{channel}/messages", {"content": "hi"})
        assert (status, answer["code"]) == (403, 50013)
    await fake.deny_bot("MANAGE_EVENTS")  # Create Events alone still lets it make and edit its own events
    status, event = await call(fake, "POST", f"/guilds/{fake.guild_id}/scheduled-events", EVENT)
    assert status == 200
    await fake.deny_bot("CREATE_EVENTS")
    status, answer = await call(fake, "POST", f"/guilds/{fake.guild_id}/scheduled-events", EVENT)
    assert (status, answer["code"]) == (403, 50013)
    status, answer = await call(fake, "PATCH", f"/guilds/{fake.guild_id}/scheduled-events/{event['id']}",
                                {"status": 4})
    assert (status, answer["code"]) == (403, 50013)
    await fake.allow_bot("CREATE_EVENTS")
    assert (await call(fake, "PATCH", f"/guilds/{fake.guild_id}/scheduled-events/{event['id']}",
                       {"status": 4}))[0] == 200
    assert not fake.take_violations()


async def test_discord_py_sees_the_overwrites_and_app_permissions_agree_with_the_server(fake: FakeDiscord) -> None:
    with pointed_at(fake):
        async with running(Bot()) as bot:
            await bot.tree.sync()
            group = bot.get_channel(fake.channels["reading-group"])
            guild = bot.get_guild(fake.guild_id)
            assert isinstance(group, discord.TextChannel) and guild is not None
            assert group.permissions_for(guild.me).value == fake.bot_permissions("reading-group")
            await fake.deny_bot("CREATE_PUBLIC_THREADS", "SEND_MESSAGES_IN_THREADS", channel="reading-group")
            await fake.deny_bot("MANAGE_EVENTS", "CREATE_EVENTS")  # server-wide
            rec = await fake.slash("ping", in_channel="reading-group")
            assert (await rec.final())["content"] == "pong"
            app = int(rec.payload["app_permissions"])
            assert app == fake.bot_permissions("reading-group")
            assert "CREATE_PUBLIC_THREADS" not in names(app) and "MANAGE_EVENTS" not in names(app)
            assert rec.payload["channel"]["permission_overwrites"][0]["id"] == str(fake.bot_user.id)
            # discord.py's own cache heard CHANNEL_UPDATE and GUILD_ROLE_UPDATE: it computes the same
            mine = group.permissions_for(guild.me)
            assert mine.value == app and not mine.create_public_threads and not guild.me.guild_permissions.manage_events
            message = await group.send("announcement")
            with pytest.raises(discord.Forbidden) as refused:
                await message.create_thread(name="Attention")
            assert refused.value.code == 50013
    assert not fake.take_violations()


# --- threads archived or locked: 50083 ---

async def test_posting_in_an_archived_or_locked_thread_is_refused_with_50083(fake: FakeDiscord) -> None:
    status, thread = await call(fake, "POST", f"/channels/{fake.channels['reading-group']}/threads",
                                {"name": "GAN", "type": 11})
    tid = int(thread["id"])
    status, sent = await call(fake, "POST", f"/channels/{tid}/messages", {"content": "before"})
    assert status == 200
    await fake.archive_thread(tid)
    assert (await call(fake, "GET", f"/channels/{tid}"))[1]["thread_metadata"]["archived"] is True
    status, answer = await call(fake, "POST", f"/channels/{tid}/messages", {"content": "after"})
    assert (status, answer) == (400, {"code": 50083, "message": "Thread is archived"})
    status, answer = await call(fake, "PATCH", f"/channels/{tid}/messages/{sent['id']}", {"content": "edited"})
    assert (status, answer["code"]) == (400, 50083)
    await fake.archive_thread(tid, archived=False, locked=True)  # locked, open: only Manage Threads may post
    status, answer = await call(fake, "POST", f"/channels/{tid}/messages", {"content": "after"})
    assert (status, answer["code"]) == (403, 50083)
    await fake.allow_bot("MANAGE_THREADS")
    assert (await call(fake, "POST", f"/channels/{tid}/messages", {"content": "moderator"}))[0] == 200
    await fake.archive_thread(tid, archived=False, locked=False)
    await fake.deny_bot("SEND_MESSAGES_IN_THREADS", channel="reading-group")  # a thread obeys its parent
    assert (await call(fake, "POST", f"/channels/{tid}/messages", {"content": "x"}))[1]["code"] == 50013
    assert [m["content"] for m in fake.messages[tid]] == ["before", "moderator"]
    assert not fake.take_violations()


async def test_discord_py_gets_50083_and_hears_the_thread_archived(fake: FakeDiscord) -> None:
    with pointed_at(fake):
        async with running(Bot()) as bot:
            group = bot.get_channel(fake.channels["reading-group"])
            assert isinstance(group, discord.TextChannel)
            thread = await (await group.send("announcement")).create_thread(name="GAN")
            await fake.archive_thread(thread.id, locked=True)
            for _ in range(100):  # THREAD_CREATE put it in the cache; THREAD_UPDATE reaches it
                if bot.thread_updates:
                    break
                await asyncio.sleep(0.02)
            assert [(t.id, t.archived, t.locked) for t in bot.thread_updates] == [(thread.id, True, True)]
            with pytest.raises(discord.HTTPException) as refused:
                await thread.send("too late")
            assert (refused.value.status, refused.value.code) == (400, 50083)


# --- scheduled events: ACTIVE at their start, COMPLETED at their end ---

async def test_events_start_and_end_when_advanced_and_transitions_are_discords(fake: FakeDiscord) -> None:
    base = f"/guilds/{fake.guild_id}/scheduled-events"
    event = (await call(fake, "POST", base, EVENT))[1]
    other = (await call(fake, "POST", base, EVENT))[1]
    assert await fake.advance_events(START - timedelta(seconds=1)) == []
    started = await fake.advance_events(START)
    assert [(e["id"], e["status"]) for e in started] == [(event["id"], 2), (other["id"], 2)]
    status, answer = await call(fake, "PATCH", f"{base}/{event['id']}", {"status": 4})  # ACTIVE -> CANCELED
    assert (status, answer["code"]) == (400, 50035) and "status" in answer["errors"]
    status, done = await call(fake, "PATCH", f"{base}/{event['id']}", {"status": 3})  # ACTIVE -> COMPLETED
    assert status == 200 and done["status"] == 3
    ended = await fake.advance_events(END)
    assert [(e["id"], e["status"]) for e in ended] == [(other["id"], 3)]
    status, answer = await call(fake, "PATCH", f"{base}/{other['id']}", {"name": "again"})
    assert (status, answer["code"]) == (400, 180000)
    assert [(e["id"], e["status"]) for e in fake.event_updates] == [
        (event["id"], 2), (other["id"], 2), (event["id"], 3), (other["id"], 3)]
    assert not fake.take_violations()


async def test_on_a_test_clock_events_move_on_their_own_and_discord_py_hears_it() -> None:
    clock = Clock(START - timedelta(days=1))
    async with FakeDiscord(clock=clock) as fake:
        with pointed_at(fake):
            async with running(Bot()) as bot:
                guild = bot.get_guild(fake.guild_id)
                assert guild is not None
                made = await guild.create_scheduled_event(
                    name="Attention", start_time=START, end_time=END, entity_type=discord.EntityType.external,
                    privacy_level=discord.PrivacyLevel.guild_only, location="#reading-group")
                clock.now = START
                await fake.wait_event_status(made.id, 2)
                clock.now = END + timedelta(minutes=1)
                await fake.wait_event_status(made.id, 3)
                for _ in range(100):
                    if len(bot.event_updates) == 2:
                        break
                    await asyncio.sleep(0.02)
                assert bot.event_updates == [(made.id, discord.EventStatus.active),
                                             (made.id, discord.EventStatus.completed)]
                with pytest.raises(discord.HTTPException) as refused:  # a start already past, on this clock
                    await guild.create_scheduled_event(
                        name="Late", start_time=START, end_time=END, entity_type=discord.EntityType.external,
                        privacy_level=discord.PrivacyLevel.guild_only, location="#reading-group")
                assert refused.value.code == 50035


# --- several servers, each with its own channels, roles and members ---

async def test_a_second_server_has_its_own_channels_members_and_permissions(fake: FakeDiscord) -> None:
    stranger = fake.add_member("stranger", guilds=[])
    second = fake.add_guild("Second Group", members=[fake.admin, stranger])
    assert set(second.channels) == {"general", "reading-group"}
    assert not set(second.channels.values()) & set(fake.channels.values())
    await fake.deny_bot("SEND_MESSAGES", channel="reading-group", guild=second)
    assert fake.bot_permissions("reading-group", second) & PERMISSIONS["SEND_MESSAGES"] == 0
    assert fake.bot_permissions("reading-group") & PERMISSIONS["SEND_MESSAGES"]  # the first server's is untouched
    with pointed_at(fake):
        async with running(Bot()) as bot:
            await bot.tree.sync()
            assert {g.id for g in bot.guilds} == {fake.guild_id, second.id}
            there = bot.get_guild(second.id)
            assert there is not None and there.member_count == 3  # without the members intent, a count
            assert {m["user"]["id"] for m in fake.guild_payload(second)["members"]} == {
                str(fake.admin.id), str(stranger.id), str(fake.bot_user.id)}
            rec = await fake.slash("ping", user=stranger, guild=second, in_channel="reading-group")
            assert (await rec.final())["content"] == "pong" and rec.payload["guild_id"] == str(second.id)
            assert int(rec.payload["channel_id"]) == second.channels["reading-group"]
            with pytest.raises(PermissionError):
                await fake.slash("ping", user=stranger)  # not a member of the first server
            third = fake.add_guild("Third Group")
            await fake.bot_joins(third)
            extra = await fake.add_channel("announcements", third)
            for _ in range(100):
                if (g := bot.get_guild(third.id)) is not None and g.get_channel(extra) is not None:
                    break
                await asyncio.sleep(0.02)
            assert bot.get_guild(third.id).get_channel(extra).name == "announcements"  # type: ignore[union-attr]
    assert not fake.take_violations()


# --- interaction tokens: 15 minutes; the first answer within 3 s, measured by the server ---

async def test_a_followup_after_fifteen_minutes_is_refused_with_401_50027() -> None:
    clock = Clock(START)
    async with FakeDiscord(clock=clock) as fake, running_bot(fake) as bot:
        rec = await fake.slash("hold")
        await rec.response_()
        interaction = bot.held[0]
        await interaction.followup.send("within the quarter hour")
        clock.now = START + timedelta(minutes=15)
        with pytest.raises(discord.HTTPException) as refused:
            await interaction.followup.send("too late")
        assert (refused.value.status, refused.value.code) == (401, 50027)
        with pytest.raises(discord.HTTPException):
            await interaction.edit_original_response(content="edited late")
        assert [r["reason"] for r in rec.rejected] == ["token expired", "token expired"]
        other = await fake.slash("hold")
        await other.response_()
        fake.expire_token(other)
        status, answer = await call(fake, "POST", f"/webhooks/{fake.app_id}/{other.token}", {"content": "x"}, {})
        assert (status, answer) == (401, {"code": 50027, "message": "Invalid Webhook Token"})
        assert not fake.take_violations()


async def test_the_first_answer_is_timed_by_the_server_and_a_late_one_is_unknown() -> None:
    async with FakeDiscord(response_window=0.5) as fake, running_bot(fake) as bot:
        quick = await fake.slash("ping")
        latency = await quick.answered()
        assert 0 < latency < fake.response_window and fake.latencies()[quick.id] == latency
        bot.delay = 0.8
        late = await fake.slash("slow")
        assert await late.answered() > fake.response_window  # measured, and refused as Discord does
        assert late.response is None and late.rejected[0]["reason"].startswith("late response")
        await late.wait(lambda: bool(bot.held))  # the bot got 404 10062 (asserted in the command)


def test_clock_default_is_the_real_time() -> None:
    fake = FakeDiscord()
    assert abs((fake.now() - datetime.now(UTC)).total_seconds()) < 5
