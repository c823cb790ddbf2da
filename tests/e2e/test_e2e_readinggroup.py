"""The reading group's loop through the real bot and the local Discord server, with a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.client import PaperBot
from bot.config import Settings
from store.summaries import contributions
from tests.e2e.harness import NOW, START, Clock, click, launch, local_discord, make_bot, next_tick, propose, stop
from tests.e2e.pings import assert_cannot_ping, pinged
from tests.fakediscord import FakeDiscord, running, would_ping
from tests.fakediscord.markdown import Mention


def reminders(fake: FakeDiscord) -> list[dict]:
    return [m for m in fake.messages[fake.channels["reading-group"]] if m["content"].startswith("⏰")]


def votes_line(message: dict) -> str:
    return next(line for line in message["embeds"][0]["description"].splitlines() if line.startswith("**Votes"))


async def test_propose_vote_schedule_remind_discuss(group_world) -> None:
    fake, library = group_world
    clock = Clock(NOW)
    att = next(p for p in library.catalog if p.title == "Attention Is All You Need")
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        choices = await fake.autocomplete("propose", "paper", "atten")
        assert choices == [{"name": "Attention Is All You Need", "value": str(att.id)}]
        message = await propose(fake, fake.member, choices[0]["value"])
        assert message["embeds"][0]["title"] == "📄 Attention Is All You Need"
        assert votes_line(message) == "**Votes: +0** (0 members)"
        assert f"<@{fake.member.id}>" in message["embeds"][0]["description"]  # the proposer, in the embed
        assert_cannot_ping(message)  # what could ping: the content (empty) and the allowed_mentions sent
        pid = message["components"][0]["components"][0]["custom_id"].rsplit(":", 1)[1]
        for user in (fake.member, fake.other, fake.admin):
            assert await click(fake, message, f"rg:vote:+:{pid}", user) == "You vote for it."
        assert votes_line(message) == "**Votes: +3** (3 members)"  # the count updated in place
        assert await click(fake, message, f"rg:vote:-:{pid}", fake.other) == "You vote against it."  # changed
        assert votes_line(message) == "**Votes: +1** (3 members)"
        assert await click(fake, message, f"rg:vote:+:{pid}", fake.admin) == "Your vote is withdrawn."
        assert votes_line(message) == "**Votes: +0** (2 members)"
        await click(fake, message, f"rg:vote:+:{pid}", fake.admin)

        junk = await propose(fake, fake.other, "lol")
        assert junk["content"].startswith("That does not look like a paper") and junk["flags"] & 64
        second = await propose(fake, fake.other, "arXiv:1406.2661")  # by arXiv id: the GAN paper
        assert second["embeds"][0]["title"] == "📄 Generative Adversarial Nets"
        again = await propose(fake, fake.admin, "https://arxiv.org/abs/1706.03762")
        assert "already proposed" in again["content"] and again["flags"] & 64
        listing = await (await fake.slash("proposals", user=fake.member)).final()
        lines = listing["content"].splitlines()
        assert lines[0].startswith("1. **Attention Is All You Need**: +1 (3 votes)")
        assert lines[1].startswith("2. **Generative Adversarial Nets**: +0 (0 votes)")

        refused = await (await fake.slash("session schedule", user=fake.member, date="2026-12-03",
                                          time="19:00")).final()
        assert "Only organisers" in refused["content"] and not fake.events
        for user in (fake.member, fake.other):
            assert "rotation" in (await (await fake.slash("volunteer", user=user)).final())["content"]
        dates = await fake.autocomplete("session schedule", "date", "2026-12-0", user=fake.admin)
        assert dates[0] == {"name": "Wednesday 02 December 2026 (Europe/Paris)", "value": "2026-12-02"}
        rec = await fake.slash("session schedule", user=fake.admin, date="2026-12-03", time="19:00")
        reply = (await rec.final())["content"]
        assert "**Attention Is All You Need**" in reply and f"<@{fake.member.id}> presenting (suggested" in reply
        announcement = next(m for m in fake.messages[group] if m["content"].startswith("📅"))
        assert f"Presenter: <@{fake.member.id}>" in announcement["content"]
        assert_cannot_ping(announcement, shown={fake.member.id})  # named in the content, not pinged
        [event] = fake.events.values()
        assert (event["name"], event["entity_type"], event["status"]) == ("Attention Is All You Need", 3, 1)
        assert datetime.fromisoformat(event["scheduled_start_time"]) == START
        assert datetime.fromisoformat(event["scheduled_end_time"]) == START + timedelta(hours=1)
        assert event["entity_metadata"]["location"] == "#reading-group on Discord"
        thread = fake.threads[int(announcement["id"])]  # started from the announcement
        assert thread["parent_id"] == str(group) and thread["name"] == "Attention Is All You Need"
        # The proposal's own message says so, its buttons closed; the other proposal's stays open.
        assert "*This proposal is scheduled.*" in message["embeds"][0]["description"]
        assert all(b["disabled"] for b in message["components"][0]["components"])
        assert_cannot_ping(message)
        assert votes_line(message) == "**Votes: +1** (3 members)"
        assert not any(b["disabled"] for b in second["components"][0]["components"])

        clock.now = START - timedelta(days=1, minutes=1)
        await next_tick(bot, "ReadingGroup")
        assert reminders(fake) == []
        clock.now = START - timedelta(days=1) + timedelta(seconds=5)
        await next_tick(bot, "ReadingGroup")
        await next_tick(bot, "ReadingGroup")
        [day] = reminders(fake)
        assert "tomorrow" in day["content"] and f"<@{fake.member.id}>" in day["content"]
        assert day["allowed_mentions"]["parse"] == []  # the presenter only: no roles, no @everyone
        assert [int(u) for u in day["allowed_mentions"]["users"]] == [fake.member.id] and would_ping(day)

    clock.now = START - timedelta(minutes=59)
    # A restart between the two reminders.
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        await next_tick(bot, "ReadingGroup")
        await next_tick(bot, "ReadingGroup")
        assert [r["content"].split(",")[0] for r in reminders(fake)] == ["⏰ Reading group tomorrow",
                                                                         "⏰ Reading group soon"]
        gan = second["components"][0]["components"][0]["custom_id"]  # posted before the restart
        assert await click(fake, second, gan, fake.member) == "You vote for it."
        assert votes_line(second) == "**Votes: +1** (1 member)"
        clock.now = START + timedelta(hours=1, minutes=1)  # the session's end has passed
        await next_tick(bot, "ReadingGroup")
        await next_tick(bot, "ReadingGroup")
        assert announcement["content"].startswith("✅ Discussed: **Attention Is All You Need**")
        assert "*This proposal is discussed.*" in message["embeds"][0]["description"]
        [hint] = fake.messages[int(thread["id"])]
        assert f"<@{fake.member.id}>, thanks for presenting!" in hint["content"]
        assert [int(u) for u in hint["allowed_mentions"]["users"]] == [fake.member.id]
        assert len(reminders(fake)) == 2  # each once, across the restart

        history = await (await fake.slash("history", user=fake.other)).final()
        [field] = history["embeds"][0]["fields"]
        assert field["name"] == "Attention Is All You Need"
        assert field["value"] == f"<t:{int(START.timestamp())}:D>, presented by <@{fake.member.id}>"
        mine = await (await fake.slash("history", user=fake.other, presenter=str(fake.other.id))).final()
        assert mine["embeds"][0]["description"] == "Nothing discussed yet."

        found = await (await fake.slash("paper", user=fake.other, query="attention transformer")).final()
        fields = {e["title"]: {f["name"]: f["value"] for f in e["fields"]} for e in found["embeds"]}
        assert fields["Attention Is All You Need"]["Discussed"] == (
            f"Discussed on <t:{int(START.timestamp())}:D>, presented by <@{fake.member.id}>")
        assert all("Discussed" not in f for title, f in fields.items() if title != "Attention Is All You Need")
        assert found["content"].endswith("for “attention transformer”")  # the presenter is in an embed only
        assert_cannot_ping(found)

        known = await propose(fake, fake.other, "Attention Is All You Need")
        assert (f"already discussed this on <t:{int(START.timestamp())}:D>, presented by <@{fake.member.id}>"
                in known["content"])
        close = await propose(fake, fake.other, "BERT: Pre-training of Deep Bidirectional Transformers")
        assert "Close to what we read: **Attention Is All You Need**" in close["content"]
        assert_cannot_ping(known, shown={fake.member.id})
        assert_cannot_ping(close, shown={fake.member.id})
        listing = await (await fake.slash("proposals", user=fake.member)).final()
        # The discussed proposal closed; proposing the paper again opened a fresh one, votes from zero.
        assert [line.split(":")[0] for line in listing["content"].splitlines()] == [
            "1. **Generative Adversarial Nets**", "2. **Attention Is All You Need**",  # +1, then by age
            "3. **BERT"]
        assert_cannot_ping(listing, shown={fake.member.id, fake.other.id})
        # The local Discord's record of every body the bot sent: the presenter's two reminders and the
        # request for a summary pinged the presenter, and nothing else pinged anyone.
        assert pinged(fake) == [Mention("user", fake.member.id)] * 3


async def test_move_and_cancel_follow_the_event_and_announcement(group_world) -> None:
    fake, library = group_world
    clock = Clock(NOW)
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        gan = await propose(fake, fake.member, "Generative Adversarial Nets")
        rec = await fake.slash("session schedule", user=fake.admin, date="2026-12-03", time="19:00",
                               presenter=str(fake.other.id), critic=str(fake.member.id))
        assert "presenting. Announced" in (await rec.final())["content"]
        announcement = next(m for m in fake.messages[group] if m["content"].startswith("📅"))
        assert f"Critic: <@{fake.member.id}>" in announcement["content"]
        [event_id] = fake.events
        refused = await (await fake.slash("session move", user=fake.member, date="2026-12-04", time="20:00")).final()
        assert "Only organisers" in refused["content"]
        moved = await (await fake.slash("session move", user=fake.admin, date="2026-12-04", time="20:00")).final()
        assert "reminders follow" in moved["content"]
        new_start = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
        assert datetime.fromisoformat(fake.events[event_id]["scheduled_start_time"]) == new_start
        assert f"<t:{int(new_start.timestamp())}:F>" in announcement["content"]
        clock.now = START - timedelta(minutes=30)  # the old time's hour-before: nothing
        await next_tick(bot, "ReadingGroup")
        await next_tick(bot, "ReadingGroup")
        assert reminders(fake) == []
        clock.now = new_start - timedelta(minutes=30)
        await next_tick(bot, "ReadingGroup")
        await next_tick(bot, "ReadingGroup")
        assert len(reminders(fake)) == 1 and f"<@{fake.other.id}>" in reminders(fake)[0]["content"]
        cancelled = await (await fake.slash("session cancel", user=fake.admin)).final()
        assert "Cancelled **Generative Adversarial Nets**" in cancelled["content"]
        assert fake.events == {} and announcement["content"].startswith("❌ Cancelled")
        listing = await (await fake.slash("proposals", user=fake.member)).final()
        assert listing["content"].startswith("1. **Generative Adversarial Nets**")  # open again
        assert "This proposal is" not in gan["embeds"][0]["description"]  # and its message says so
        assert not any(b["disabled"] for b in gan["components"][0]["components"])
        vote = gan["components"][0]["components"][0]["custom_id"]
        assert await click(fake, gan, vote, fake.other) == "You vote for it."
        nothing = await (await fake.slash("session cancel", user=fake.admin)).final()
        assert nothing["content"] == "No such scheduled session."
        [thread_id] = fake.threads
        again = await fake.slash("session schedule", user=fake.admin, date="2026-12-17", time="19:00",
                                 presenter=str(fake.member.id))
        assert "**Generative Adversarial Nets**" in (await again.final())["content"]
        assert list(fake.threads) == [thread_id]  # the paper's thread continues, no second one
        assert fake.messages[thread_id][-1]["content"].startswith("New session on this paper: <t:")
        assert len(fake.events) == 1

        late = await propose(fake, fake.member, "Deep Residual Learning for Image Recognition")
        clock.now += timedelta(days=29)  # past PROPOSAL_DAYS (28)
        vote = late["components"][0]["components"][0]["custom_id"]
        assert await click(fake, late, vote, fake.other) == "Your vote was not counted: this proposal is closed."
        assert "*This proposal is expired.*" in late["embeds"][0]["description"]
        assert all(b["disabled"] for b in late["components"][0]["components"])


async def test_the_weekly_digest_shows_the_next_session_and_top_proposals(group_world) -> None:
    fake, library = group_world
    clock = Clock(NOW)
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        await fake.wait_for_message(group, 1)  # last Monday's digest (missed: a fresh install) goes out at once
        assert [f["name"] for f in fake.messages[group][0]["embeds"][0]["fields"]][:1] != ["📅 Next session"]
        first = await propose(fake, fake.member, "Generative Adversarial Nets")
        await propose(fake, fake.other, "Deep Residual Learning for Image Recognition")
        await click(fake, first, first["components"][0]["components"][0]["custom_id"], fake.other)
        rec = await fake.slash("session schedule", user=fake.admin, date="2026-12-10", time="19:00",
                               paper="BERT: Pre-training of Deep Bidirectional Transformers",
                               presenter=str(fake.other.id))
        await rec.final()
        preview = (await (await fake.slash("digest preview", user=fake.member)).final())["embeds"][0]
        start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
        assert preview["fields"][0] == {
            "name": "📅 Next session", "inline": False,
            "value": f"**BERT: Pre-training of Deep Bidirectional Transformers**, presented by <@{fake.other.id}>, "
                     f"<t:{int(start.timestamp())}:F> (<t:{int(start.timestamp())}:R>)"}
        assert preview["fields"][1] == {"name": "🗳 Top proposals", "inline": False,
                                        "value": "1. Generative Adversarial Nets (+1)\n"
                                                 "2. Deep Residual Learning for Image Recognition (+0)"}
        assert "✍️ New summaries by members" not in [f["name"] for f in fake.messages[group][0]["embeds"][0]["fields"]]
        written = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # after last week's digest: in this week's
        await library.write(lambda s: contributions.add(s, fake.member.id, "Ada @everyone", contributions.Draft(
            paper="Generative Adversarial Nets", tldr="Two networks play a game."), now=written), lambda r: r.changed)
        clock.now = datetime(2026, 12, 7, 8, 1, tzinfo=UTC)  # Monday 09:01 in Paris: this week's digest
        await bot.get_cog("DigestCog").next_tick()  # type: ignore[union-attr]
        await bot.get_cog("DigestCog").next_tick()  # type: ignore[union-attr]
        posted = [m for m in fake.messages[group] if m["embeds"] and "digest" in m["embeds"][0]["title"].lower()]
        assert len(posted) == 2
        fields = posted[1]["embeds"][0]["fields"]
        assert [f["name"] for f in fields[:3]] == ["📅 Next session", "🗳 Top proposals", "✍️ New summaries by members"]
        when = int(written.timestamp())  # the writer's name is shown, never pinging
        assert fields[2]["value"] == f"• Generative Adversarial Nets, by Ada \\@\u200beveryone (<t:{when}:R>)"
        assert not posted[1]["content"]  # the writer's name is in the embed: what could ping is what was sent
        assert_cannot_ping(posted[1])
        assert pinged(fake) == []


async def test_the_summary_request_points_to_summary_write_when_the_bot_has_it(group_world) -> None:
    from discord import app_commands

    from bot.cogs.readinggroup import ReadingGroup
    from store import readinggroup as rg

    _fake, library = group_world
    bot = PaperBot(library, Settings(), sync_commands=False)
    cog = ReadingGroup(bot)
    s = rg.SessionView(1, 2, "Generative Adversarial Nets", None, None, 42, START, START + timedelta(hours=1),
                       "done", START, None, None, None, None, {})
    assert cog.summary_hint(s) == ("<@42>, thanks for presenting! Please write a short summary of **Generative "
                                   "Adversarial Nets** for the corpus, so the group can find it later.")
    summary = app_commands.Group(name="summary", description="Member summaries")

    @summary.command(name="write", description="Write a summary")
    async def write(interaction, paper: str) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("never called")

    bot.tree.add_command(summary)
    assert cog.summary_hint(s) == ("<@42>, thanks for presenting! Please add a summary for the group: "
                                   "`/summary write paper:Generative Adversarial Nets`")


async def test_two_processes_post_each_reminder_once(database_url: str, tmp_path: Path) -> None:
    import time as time_

    from sqlalchemy import select

    from store import readinggroup as rg
    from store.db.models import Reminder

    async with local_discord(database_url, ingest_if_empty=False) as (fake, library):
        channel = fake.channels["reading-group"]
        async with library.sessionmaker() as s, s.begin():
            m = await rg.schedule(s, fake.guild_id, "Generative Adversarial Nets", fake.member.id, START, fake.admin.id)
            await rg.attach(s, m.id, channel_id=channel)
        settings = {"DATABASE_URL": database_url, "GUILD_ID": str(fake.guild_id), "DIGEST_CHANNEL_ID": str(channel)}
        procs = [await launch("readinggroup", fake, tmp_path / f"p{i}", START - timedelta(minutes=30), **settings)
                 for i in range(2)]
        try:
            for proc in procs:
                await proc.ready()
            deadline = time_.monotonic() + 20
            while not reminders(fake):
                assert time_.monotonic() < deadline, "no reminder posted"
                await fake.wait_for_message(channel, len(fake.messages[channel]) + 1, timeout=20)
            posted_by = time_.time()
            for proc in procs:  # each process's loop passes twice after the post: both had their chance
                await proc.passes_after(posted_by, 2)
            [reminder] = reminders(fake)
            assert "soon" in reminder["content"] and f"<@{fake.member.id}>" in reminder["content"]
            async with library.sessionmaker() as s:
                rows = (await s.scalars(select(Reminder).where(Reminder.session_id == m.id))).all()
            assert [(r.kind, r.message_id) for r in rows] == [(rg.reminder_kind(60, START), int(reminder["id"]))]
        finally:
            codes = await stop(procs)
        assert codes == [0, 0]
