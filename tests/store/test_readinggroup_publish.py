"""Publishing a session as the service sees it: the channel kept from the start (its reminders go there even
when nothing else could be published), the parts an organiser's retry still needs, and a session found by
its scheduled event (Discord tells of an event's changes by the event's id)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store import readinggroup as rg
from store.library import Library
from store.readinggroup.service import ReadingGroupService, Scheduled
from tests.corpora import reading_group_corpus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
GUILD, OTHER = 111, 222
ALICE, BOB = 1001, 1002
CHANNEL = 5005


@pytest.fixture
async def service(database_url: str, tmp_path: Path):
    library = Library(database_url, reading_group_corpus(tmp_path))
    await library.start()
    clock = {"now": NOW}
    yield ReadingGroupService(library, lambda: clock["now"], "test"), clock
    await library.close()


async def test_the_channel_is_kept_at_scheduling_so_reminders_go_out_without_an_announcement(service) -> None:
    rgs, clock = service
    done = await rgs.schedule_meeting(GUILD, ALICE, START, presenter_id=BOB, paper="Generative Adversarial Nets",
                                      critic_id=None, minutes=60, channel_id=CHANNEL)
    assert isinstance(done, Scheduled)
    m = done.meeting
    assert (m.channel_id, m.announcement_id, m.thread_id, m.event_id) == (CHANNEL, None, None, None)
    clock["now"] = START - timedelta(minutes=30)
    due = await rgs.due([GUILD])
    assert [(s.id, s.channel_id, minutes) for s, minutes in due.reminders] == [(m.id, CHANNEL, 60)]
    claim = await rgs.claim_reminder(m, 60)
    assert claim is not None and await rgs.claim_reminder(m, 60) is None  # posted once, even so


async def test_a_retry_finds_the_session_and_the_earlier_thread_of_its_paper_in_its_own_server(service) -> None:
    rgs, _clock = service
    first = await rgs.schedule_meeting(GUILD, ALICE, START, presenter_id=BOB, paper="Generative Adversarial Nets",
                                       critic_id=None, minutes=60, channel_id=CHANNEL)
    assert isinstance(first, Scheduled) and first.thread_id is None
    await rgs.attach(first.meeting.id, thread_id=77, announcement_id=66)
    await rgs.cancel_meeting(first.meeting.id)
    again = await rgs.schedule_meeting(GUILD, ALICE, START + timedelta(days=7), presenter_id=BOB,
                                       paper="Generative Adversarial Nets", critic_id=None, minutes=60,
                                       channel_id=CHANNEL)
    assert isinstance(again, Scheduled) and again.thread_id == 77
    retry = await rgs.to_publish(GUILD, again.meeting.id)
    assert retry is not None and (retry.meeting.id, retry.thread_id) == (again.meeting.id, 77)
    assert (await rgs.to_publish(GUILD, None)).meeting.id == again.meeting.id  # type: ignore[union-attr]
    assert await rgs.to_publish(OTHER, again.meeting.id) is None  # another server's session: not found
    assert await rgs.to_publish(GUILD, first.meeting.id) is None  # cancelled: nothing to publish


async def test_a_session_is_found_by_its_event_in_its_own_server_only(service) -> None:
    rgs, _clock = service
    done = await rgs.schedule_meeting(GUILD, ALICE, START, presenter_id=BOB, paper="Generative Adversarial Nets",
                                      critic_id=None, minutes=60, channel_id=CHANNEL)
    assert isinstance(done, Scheduled)
    await rgs.attach(done.meeting.id, event_id=999)
    found = await rgs.by_event(GUILD, 999)
    assert found is not None and found.id == done.meeting.id
    assert await rgs.by_event(OTHER, 999) is None and await rgs.by_event(GUILD, 998) is None
    forgotten = await rgs.attach(done.meeting.id, event_id=None)  # deleted in Discord: a retry makes a new one
    assert forgotten.event_id is None and await rgs.by_event(GUILD, 999) is None


async def test_the_session_stored_with_its_channel_is_the_one_read_back(service) -> None:
    rgs, _clock = service
    library = rgs.papers
    async with library.sessionmaker() as s, s.begin():
        m = await rg.schedule(s, GUILD, "Paper A", BOB, START, ALICE, channel_id=CHANNEL)
    async with library.sessionmaker() as s:
        assert (await rg.get_session(s, m.id)).channel_id == CHANNEL  # type: ignore[union-attr]
