"""A session on a real server that says no: permissions the channel denies (known to the bot's cache, or a
refusal it could not foresee), threads archived or locked (50083), scheduled events that will not change.
The session is kept with what succeeded, the organiser is told which part failed and why, its reminders
still go out once, and an organiser retries what failed. Its event follows it: done completes it (Discord
allows SCHEDULED -> ACTIVE -> COMPLETED only), cancel deletes it, and an event ended in Discord ends it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.harness import NOW, START, Clock, make_bot, propose
from tests.e2e.sessions import announcements, button_ids, passes, reminders, session
from tests.fakediscord import running

GAN = "Generative Adversarial Nets"


async def test_a_channel_denying_threads_keeps_the_session_names_the_permission_and_reminds_once(group_world) -> None:
    fake, library = group_world
    clock = Clock(NOW)
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        await propose(fake, fake.member, GAN)
        await fake.deny_bot("CREATE_PUBLIC_THREADS", channel="reading-group")  # CHANNEL_UPDATE: the bot knows
        reply = await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        text = reply["content"]
        assert text.startswith(f"Scheduled **{GAN}**") and f"Announced in <#{group}>." in text
        assert "• the discussion thread: missing permission Create Public Threads in #reading-group" in text
        assert f"The session is kept and its reminders will be posted in <#{group}>." in text
        assert reply["flags"] & 64 and len(button_ids(reply)) == 1  # only the organiser sees it, with Retry
        [announcement] = announcements(fake, group)
        assert announcement["content"].startswith(f"📅 Reading group session: **{GAN}**")
        assert fake.threads == {} and len(fake.events) == 1  # the thread was not tried; the event was made
        clock.now = START - timedelta(minutes=30)
        await passes(bot)
        [reminder] = reminders(fake, group)
        assert "soon" in reminder["content"] and "Discussion thread" not in reminder["content"]
        await passes(bot)
        assert len(reminders(fake, group)) == 1  # once


async def test_a_refusal_after_the_commit_is_reported_and_an_organisers_retry_publishes_it(group_world) -> None:
    fake, library = group_world
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        # Discord refuses what the bot's cache allowed (a permission changed while the gateway was away).
        fake.fail_next("POST", "/threads", 403)
        fake.fail_next("POST", "/scheduled-events", 403)
        reply = await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        assert "• the discussion thread: missing permission Create Public Threads in #reading-group" in reply["content"]
        assert ("• the scheduled event: missing permission Manage Events (or Create Events) in the server's settings"
                in reply["content"])
        assert fake.threads == {} and fake.events == {} and len(announcements(fake, group)) == 1
        [retry] = button_ids(reply)
        refused = await (await fake.click(reply, retry, user=fake.member)).final()
        assert refused["content"].startswith("Only organisers") and fake.threads == {}
        again = await (await fake.click(reply, retry, user=fake.admin)).final()
        assert again["content"] == f"**{GAN}**: all of it is in place." and not button_ids(again)
        [announcement] = announcements(fake, group)  # not posted twice
        thread = fake.threads[int(announcement["id"])]  # opened from the announcement
        [event] = fake.events.values()
        assert thread["name"] == GAN and event["description"].endswith(f"Thread: <#{thread['id']}>")
        twice = await session(fake, "publish")
        assert twice["content"] == f"**{GAN}**: all of it is in place." and len(fake.events) == 1


async def test_a_server_without_event_permissions_gets_its_session_and_the_event_once_allowed(group_world) -> None:
    fake, library = group_world
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        await fake.deny_bot("MANAGE_EVENTS", "CREATE_EVENTS")  # server-wide: an event has no channel
        reply = await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        assert ("• the scheduled event: missing permission Manage Events (or Create Events) in the server's "
                "settings" in reply["content"]) and "the discussion thread" not in reply["content"]
        assert fake.events == {} and len(fake.threads) == 1
        still = await session(fake, "publish")
        assert still["content"].startswith(f"**{GAN}**: published what could be.\n⚠ Not published:\n• the "
                                           "scheduled event: missing permission")
        await fake.allow_bot("MANAGE_EVENTS", "CREATE_EVENTS")
        again = await session(fake, "publish")
        assert again["content"] == f"**{GAN}**: all of it is in place."
        [thread] = fake.threads
        [event] = fake.events.values()
        assert event["description"].endswith(f"Thread: <#{thread}>") and len(fake.threads) == 1


async def test_an_announcement_refused_keeps_the_channel_for_reminders_and_a_retry_posts_it(group_world) -> None:
    fake, library = group_world
    clock = Clock(NOW)
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, clock, timezone="Europe/Paris")) as bot:
        await propose(fake, fake.member, GAN)
        await fake.wait_for_message(group, 1)  # the weekly digest a fresh install posts at once: not refused
        fake.fail_next("POST", f"/channels/{group}/messages", 403)
        reply = await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        text = reply["content"]
        assert "Announced in" not in text
        assert "• the announcement: missing permission Send Messages in #reading-group" in text
        assert "• the discussion thread: not opened: it starts from the announcement, which was not posted" in text
        assert announcements(fake, group) == [] and len(fake.events) == 1
        clock.now = START - timedelta(minutes=30)
        await passes(bot)
        assert len(reminders(fake, group)) == 1  # the channel was kept at scheduling: the reminder went out
        again = await session(fake, "publish")
        assert again["content"] == f"**{GAN}**: all of it is in place."
        [announcement] = announcements(fake, group)
        assert int(announcement["id"]) in fake.threads and len(fake.events) == 1


async def test_posting_is_refused_before_anything_is_stored(group_world) -> None:
    fake, library = group_world
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        await fake.deny_bot("SEND_MESSAGES", channel="reading-group")
        reply = await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        assert reply["content"] == (f"Not scheduled: I cannot post in <#{group}>: missing permission Send Messages "
                                    "there. Grant it in the channel's settings (Permissions), or choose another "
                                    "channel with /digest channel.")
        assert (await session(fake, "cancel"))["content"] == "No such scheduled session."
        assert fake.events == {} and announcements(fake, group) == []


@pytest.mark.parametrize(("archived", "locked"), [(True, False), (False, True)], ids=["archived", "locked"])
async def test_an_earlier_thread_archived_or_locked_gives_the_new_session_a_thread_of_its_own(
        group_world, archived: bool, locked: bool) -> None:
    fake, library = group_world
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        [old] = fake.threads
        await session(fake, "cancel")
        await fake.archive_thread(old, archived=archived, locked=locked)  # Discord answers 50083 there
        reply = await session(fake, "schedule", date="2026-12-10", time="19:00", presenter=str(fake.other.id))
        assert "Not published" not in reply["content"] and not button_ids(reply)
        new = announcements(fake, group)[-1]
        assert set(fake.threads) == {old, int(new["id"])} and fake.messages[old] == []
        done = await session(fake, "done")
        assert done["content"] == f"**{GAN}** is marked discussed."
        [hint] = fake.messages[int(new["id"])]  # the summary request, in the new thread
        assert hint["content"].startswith(f"<@{fake.other.id}>, thanks for presenting!")


async def test_done_completes_the_event_and_cancel_deletes_it(group_world) -> None:
    fake, library = group_world
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        [first] = fake.events
        assert (await session(fake, "done"))["content"] == f"**{GAN}** is marked discussed."
        assert fake.events[first]["status"] == 3  # COMPLETED (through ACTIVE, as Discord requires)
        await propose(fake, fake.member, "Deep Residual Learning for Image Recognition")
        await session(fake, "schedule", date="2026-12-10", time="19:00", presenter=str(fake.other.id))
        [second] = set(fake.events) - {first}
        await fake.advance_events(START + timedelta(days=7, minutes=1))  # Discord started it: ACTIVE
        assert fake.events[second]["status"] == 2
        cancelled = await session(fake, "cancel")
        assert cancelled["content"].startswith("Cancelled **Deep Residual Learning")
        assert second not in fake.events and fake.events[first]["status"] == 3  # deleted, even once started


async def test_events_that_will_not_change_are_reported_never_a_traceback(group_world) -> None:
    fake, library = group_world
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        [event_id] = fake.events
        fake.fail_next("PATCH", "/scheduled-events/", 403)
        moved = await session(fake, "move", date="2026-12-04", time="19:00")
        assert moved["content"].endswith("reminders follow.\n⚠ But its scheduled event was not moved: missing "
                                         "permission Manage Events (or Create Events) in the server's settings.")
        assert fake.events[event_id]["scheduled_start_time"].startswith("2026-12-03T18:00")
        fake.fail_next("PATCH", "/scheduled-events/", 403)
        done = await session(fake, "done")
        assert done["content"] == (f"**{GAN}** is marked discussed.\n⚠ But its scheduled event was not completed: "
                                   "missing permission Manage Events (or Create Events) in the server's settings.")
        assert fake.events[event_id]["status"] == 1
        await propose(fake, fake.member, "Deep Residual Learning for Image Recognition")
        await session(fake, "schedule", date="2026-12-10", time="19:00", presenter=str(fake.other.id))
        fake.fail_next("DELETE", "/scheduled-events/", 403)
        cancelled = await session(fake, "cancel")
        assert cancelled["content"].endswith("open again.\n⚠ But its scheduled event was not deleted: missing "
                                             "permission Manage Events (or Create Events) in the server's settings.")


async def test_an_event_ended_in_discord_marks_the_session_discussed(group_world) -> None:
    fake, library = group_world
    group = fake.channels["reading-group"]
    async with running(make_bot(fake, library, Clock(NOW), timezone="Europe/Paris")):
        await propose(fake, fake.member, GAN)
        await session(fake, "schedule", date="2026-12-03", time="19:00", presenter=str(fake.member.id))
        [thread] = fake.threads
        # Discord runs the event to its end (an organiser ends it in Discord): the bot's clock is still NOW.
        updates = await fake.advance_events(START + timedelta(hours=2))
        assert [u["status"] for u in updates] == [2, 3]
        [hint] = await fake.wait_for_message(thread, 1)
        assert hint["content"].startswith(f"<@{fake.member.id}>, thanks for presenting!")
        [announcement] = announcements(fake, group)
        assert announcement["content"].startswith(f"✅ Discussed: **{GAN}**")
        assert (await session(fake, "done"))["content"] == "No such scheduled session."
