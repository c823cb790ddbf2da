"""The weekly digest through the real bot and the local Discord server, with a controllable clock."""

from __future__ import annotations

import asyncio
import time as time_
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db.models import DigestRun
from store.library import Library
from tests.e2e.harness import Clock, launch, loop_cog, make_bot, next_tick, stop
from tests.fakediscord import running, would_ping

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_posted_once_at_the_slot_and_never_again_across_restarts(seeded) -> None:
    fake, library = seeded
    channel = fake.channels["reading-group"]
    clock = Clock(MONDAY_9 - timedelta(days=2))  # Saturday: last week's slot...
    async with running(make_bot(fake, library, clock)) as bot:
        await fake.wait_for_message(channel, 1)  # ...was missed (fresh install): posted once on start
        await next_tick(bot, "DigestCog")
        assert len(fake.messages[channel]) == 1
        clock.now = MONDAY_9 - timedelta(minutes=1)
        await next_tick(bot, "DigestCog")
        assert len(fake.messages[channel]) == 1  # not yet
        clock.now = MONDAY_9 + timedelta(seconds=5)
        await fake.wait_for_message(channel, 2)
        for _ in range(3):
            await next_tick(bot, "DigestCog")
        assert len(fake.messages[channel]) == 2  # once, however many ticks
    message = fake.messages[channel][1]
    embed = message["embeds"][0]
    assert "digest" in embed["title"].lower() and "<t:" in embed["description"]
    assert embed["fields"] and all("*" in f["value"] for f in embed["fields"])  # each pick says why
    assert not would_ping(message) and message["allowed_mentions"]["parse"] == []
    first = fake.messages[channel][0]["embeds"][0]["fields"]
    assert not {f["name"] for f in embed["fields"]} & {f["name"] for f in first}  # no repeats in the rotation

    async with running(make_bot(fake, library, clock)) as bot:  # restart right after posting
        await next_tick(bot, "DigestCog")
    assert len(fake.messages[channel]) == 2

    clock.now = MONDAY_9 + timedelta(days=16)  # down over two slots: posted once, not once per week
    async with running(make_bot(fake, library, clock)) as bot:
        await fake.wait_for_message(channel, 3)
        await next_tick(bot, "DigestCog")
        await next_tick(bot, "DigestCog")
    assert len(fake.messages[channel]) == 3
    assert not fake.messages[fake.channels["general"]]


async def test_a_forbidden_channel_is_reported_to_the_next_admin_command(seeded) -> None:
    fake, library = seeded
    channel = fake.channels["reading-group"]
    clock = Clock(MONDAY_9 + timedelta(hours=1))
    fake.fail_next("POST", f"/channels/{channel}/messages", 403, times=1)
    async with running(make_bot(fake, library, clock)) as bot:
        await next_tick(bot, "DigestCog")  # the pass that met the 403...
        assert ("POST", f"/api/v10/channels/{channel}/messages") in fake.requests
        assert not fake.messages[channel]
        ticks = loop_cog(bot, "DigestCog").ticks_done
        await next_tick(bot, "DigestCog")  # ...and the loop is still alive after it: another whole pass
        assert loop_cog(bot, "DigestCog").ticks_done > ticks and not fake.messages[channel]
        refused = await fake.slash("digest now", user=fake.member)
        assert "Only server admins" in (await refused.final())["content"]
        rec = await fake.slash("digest now", user=fake.admin)
        reply = (await rec.final())["content"]
        assert "Since you last looked" in reply and "missing permission" in reply
        again = await fake.slash("digest channel", user=fake.admin, channel=str(channel))
        assert "Since you last looked" not in (await again.final())["content"]  # shown once


async def test_a_notice_left_by_one_process_reaches_the_admin_through_another(seeded, database_url: str) -> None:
    """The process that met the 403 is stopped; the admin's next command reaches a second process."""
    fake, library = seeded
    channel = fake.channels["reading-group"]
    clock = Clock(MONDAY_9 + timedelta(hours=1))
    fake.fail_next("POST", f"/channels/{channel}/messages", 403, times=1)
    async with running(make_bot(fake, library, clock)) as first:
        await next_tick(first, "DigestCog")
        assert not fake.messages[channel]
    other = Library(database_url)  # another process: its own engine and index on the same database
    await other.start()
    try:
        async with running(make_bot(fake, other, Clock(clock.now))) as second:
            second.get_cog("DigestCog").loop.cancel()  # type: ignore[union-attr]  # only the notice matters here
            reply = (await (await fake.slash("reload", user=fake.admin)).final())["content"]
            assert "Since you last looked" in reply and "missing permission" in reply
            again = (await (await fake.slash("reload", user=fake.admin)).final())["content"]
            assert "Since you last looked" not in again  # shown once, whichever process shows it
    finally:
        await other.close()


async def test_a_deleted_channel_is_reported_and_the_digest_goes_out_once_a_new_one_is_set(seeded) -> None:
    fake, library = seeded
    clock = Clock(MONDAY_9 + timedelta(hours=1))
    bot = make_bot(fake, library, clock)
    deleted = fake.channels.pop("reading-group")  # the digest channel was deleted while the bot was away
    async with running(bot):
        await next_tick(bot, "DigestCog")
        assert any(p.endswith(f"/channels/{deleted}") for _, p in fake.requests)  # a 404...
        await next_tick(bot, "DigestCog")  # ...survived: the loop keeps passing
        assert not fake.messages[deleted]
        rec = await fake.slash("digest channel", user=fake.admin, channel=str(fake.channels["general"]))
        reply = (await rec.final())["content"]
        assert "Since you last looked" in reply and "channel not found" in reply
        # The week's claim was never posted: once its lease runs out it is taken again, into the new channel.
        clock.now += timedelta(minutes=11)
        posted = await fake.wait_for_message(fake.channels["general"], timeout=10)
        assert len(posted) == 1 and not would_ping(posted[0])
        clock.now += timedelta(minutes=30)
        await next_tick(bot, "DigestCog")
        await next_tick(bot, "DigestCog")
        assert len(fake.messages[fake.channels["general"]]) == 1  # and only once


async def test_a_pass_holding_the_old_schedule_never_takes_the_claim_at_a_later_time(seeded) -> None:
    """The interleaving behind a CI failure, made certain: a pass reads the schedule, the admin moves the
    digest to a new channel, the claim's lease runs out; that pass must not take the claim for the old
    channel (it would hold it another lease), and the next pass posts into the new one."""
    fake, library = seeded
    clock = Clock(MONDAY_9 + timedelta(hours=1))
    bot = make_bot(fake, library, clock)
    deleted = fake.channels.pop("reading-group")
    async with running(bot):
        await next_tick(bot, "DigestCog")  # the week's claim, taken at this time, could not be posted
        cog = loop_cog(bot, "DigestCog")
        read, release = asyncio.Event(), asyncio.Event()
        original = cog.schedule_for

        async def held(guild_id: int):  # type: ignore[no-untyped-def]
            schedule = await original(guild_id)
            read.set()
            await release.wait()
            return schedule

        cog.schedule_for = held  # type: ignore[method-assign]
        await asyncio.wait_for(read.wait(), 10)  # a pass holds the schedule naming the deleted channel
        del cog.schedule_for  # passes after this one read it plainly
        general = fake.channels["general"]
        await (await fake.slash("digest channel", user=fake.admin, channel=str(general))).final()
        clock.now += timedelta(minutes=11)  # the lease has run out
        release.set()
        posted = await fake.wait_for_message(general, timeout=10)
        assert len(posted) == 1 and not fake.messages[deleted]


async def test_preview_schedule_and_channel(seeded) -> None:
    fake, library = seeded
    clock = Clock(MONDAY_9 - timedelta(days=3))
    async with running(make_bot(fake, library, clock)) as bot:
        await fake.wait_for_message(fake.channels["reading-group"], 1)  # the missed Monday slot, caught up
        rec = await fake.slash("digest preview", user=fake.member)
        msg = await rec.final()
        assert msg["flags"] & 64 and msg["embeds"] and "<t:" in msg["content"]
        bad = await fake.slash("digest schedule", user=fake.admin, weekday=4, time="25:00", timezone="UTC")
        assert "HH:MM" in (await bad.final())["content"]
        ok = await fake.slash("digest schedule", user=fake.admin, weekday=4, time="17:30", timezone="Europe/Paris")
        assert "Friday at 17:30 (Europe/Paris)" in (await ok.final())["content"]
        # The slot now due is last week's Friday, but this week's digest went out after it: nothing is posted.
        await next_tick(bot, "DigestCog")
        assert len(fake.messages[fake.channels["reading-group"]]) == 1
        general = fake.channels["general"]
        moved = await fake.slash("digest channel", user=fake.admin, channel=str(general))
        assert str(general) in (await moved.final())["content"]
        # This week's digest already went out on start (Monday's slot was missed); the next one is due
        # on Friday of the following week, 17:30 in Paris (16:30 UTC), in the new channel.
        clock.now = datetime(2026, 11, 27, 16, 29, tzinfo=UTC)
        await next_tick(bot, "DigestCog")
        assert not fake.messages[general]
        clock.now = datetime(2026, 11, 27, 16, 31, tzinfo=UTC)
        await next_tick(bot, "DigestCog")
        assert len(fake.messages[general]) == 1 and len(fake.messages[fake.channels["reading-group"]]) == 1
        zones = [c["name"] for c in await fake.autocomplete("digest schedule", "timezone", "pari", user=fake.admin)]
        assert zones == ["Europe/Paris"]
        assert {c["name"] for c in await fake.autocomplete("digest schedule", "timezone", "new york")} \
            == {"America/New_York"}
        assert len(await fake.autocomplete("digest schedule", "timezone", "america")) == 25  # Discord's cap


async def test_digest_now_asks_for_a_channel_posts_once_then_says_already_posted(seeded) -> None:
    fake, library = seeded
    clock = Clock(MONDAY_9 + timedelta(hours=2))
    # One pass at start, then none during the test: only /digest now posts.
    bot = make_bot(fake, library, clock, digest_channel_id=None, poll_seconds=3600.0)
    channel = fake.channels["reading-group"]
    async with running(bot):
        await loop_cog(bot, "DigestCog").ticks_reach(1)  # the pass at start: no channel, nothing posted
        first = await fake.slash("digest now", user=fake.admin)
        reply = await first.final()
        assert reply["content"] == "Set the channel first: /digest channel." and reply["flags"] & 64
        moved = await fake.slash("digest channel", user=fake.admin, channel=str(channel))
        assert str(channel) in (await moved.final())["content"]
        assert not fake.messages[channel]
        now = await fake.slash("digest now", user=fake.admin)
        reply = await now.final()
        assert reply["content"] == f"Posted to <#{channel}>." and reply["flags"] & 64
        assert len(fake.messages[channel]) == 1 and "digest" in fake.messages[channel][0]["embeds"][0]["title"].lower()
        assert not would_ping(fake.messages[channel][0])
        again = await fake.slash("digest now", user=fake.admin)
        assert "already posted" in (await again.final())["content"]
        assert len(fake.messages[channel]) == 1


@pytest.mark.timeout(120)
async def test_two_bot_processes_sharing_the_database_post_the_digest_once(seeded, database_url: str,
                                                                         tmp_path: Path) -> None:
    fake, _library = seeded  # the fixture's Library ingested the seeds into the shared database
    channel = fake.channels["reading-group"]
    now = MONDAY_9 + timedelta(minutes=5)
    settings = {"DATABASE_URL": database_url, "GUILD_ID": str(fake.guild_id), "DIGEST_CHANNEL_ID": str(channel),
                "DIGEST_WEEKDAY": str(now.weekday()), "DIGEST_TIME": f"{now.hour:02d}:00", "DIGEST_TIMEZONE": "UTC"}
    procs = [await launch("digest", fake, tmp_path / f"p{i}", now, **settings) for i in range(2)]
    try:
        for proc in procs:
            await proc.ready()
        assert fake.identifies >= 2  # two live gateway sessions
        await fake.wait_for_message(channel, timeout=20)
        posted_by = time_.time()
        for proc in procs:  # each process reports its loop's passes: wait for two that began after the post
            await proc.passes_after(posted_by, 2)
        assert len(fake.messages[channel]) == 1
        async with _library.sessionmaker() as s:
            runs = (await s.scalars(select(DigestRun).where(DigestRun.guild_id == fake.guild_id))).all()
        assert len(runs) == 1 and runs[0].posted_at is not None
        assert runs[0].message_id == int(fake.messages[channel][0]["id"])
    finally:
        codes = await stop(procs)
    assert codes == [0, 0]
