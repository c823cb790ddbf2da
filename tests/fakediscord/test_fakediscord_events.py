"""The local Discord's scheduled events and threads: shapes per the description, Discord's rules, 404s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.calls import EVENT, call


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


async def test_scheduled_events_create_modify_list_delete(fake: FakeDiscord) -> None:
    base = f"/guilds/{fake.guild_id}/scheduled-events"
    status, event = await call(fake, "POST", base, EVENT)
    assert status == 200 and (event["status"], event["channel_id"], event["guild_id"]) == (1, None, str(fake.guild_id))
    assert event["creator_id"] == str(fake.bot_user.id) and event["entity_metadata"] == {"location": "#reading-group"}
    status, listed = await call(fake, "GET", base)
    assert status == 200 and [e["id"] for e in listed] == [event["id"]]
    moved = {"scheduled_start_time": "2026-12-04T18:00:00+00:00", "scheduled_end_time": "2026-12-04T19:00:00+00:00"}
    status, changed = await call(fake, "PATCH", f"{base}/{event['id']}", moved)
    assert status == 200 and changed["scheduled_start_time"] == moved["scheduled_start_time"]
    assert (await call(fake, "GET", f"{base}/{event['id']}"))[1]["scheduled_end_time"] == moved["scheduled_end_time"]
    assert (await call(fake, "PATCH", f"{base}/{event['id']}", {"status": 3}))[0] == 400  # scheduled -> completed
    assert (await call(fake, "PATCH", f"{base}/{event['id']}", {"status": 4}))[1]["status"] == 4  # cancelled
    assert (await call(fake, "PATCH", f"{base}/{event['id']}", {"name": "again"}))[0] == 400  # finished: frozen
    assert (await call(fake, "DELETE", f"{base}/{event['id']}"))[0] == 204
    for method in ("GET", "PATCH", "DELETE"):
        status, answer = await call(fake, method, f"{base}/{event['id']}", {} if method == "PATCH" else None)
        assert (status, answer["code"]) == (404, 10070)
    assert (await call(fake, "GET", base))[1] == []
    assert not fake.take_violations()


@pytest.mark.parametrize(("change", "reason"), [
    ({"entity_metadata": {"location": ""}}, "location"),
    ({"scheduled_end_time": None}, "scheduled_end_time"),
    ({"scheduled_end_time": "2026-12-03T17:00:00+00:00"}, "after"),
])
async def test_an_external_event_breaking_discords_rules_is_refused(fake: FakeDiscord, change: dict[str, Any],
                                                                     reason: str) -> None:
    status, answer = await call(fake, "POST", f"/guilds/{fake.guild_id}/scheduled-events", {**EVENT, **change})
    assert status == 400 and reason in str(answer)
    assert any(reason in v for v in fake.take_violations()) and not fake.events


async def test_a_body_outside_the_description_is_refused(fake: FakeDiscord) -> None:
    status, answer = await call(fake, "POST", f"/guilds/{fake.guild_id}/scheduled-events",
                                {**EVENT, "privacy_level": 1})  # PUBLIC: the description allows GUILD_ONLY only
    assert status == 400 and answer["code"] == 50035
    status, answer = await call(fake, "POST", f"/channels/{fake.channels['general']}/threads", {"name": ""})
    assert status == 400 and answer["code"] == 50035
    assert len(fake.take_violations()) == 2


async def test_threads_with_and_without_a_message(fake: FakeDiscord) -> None:
    channel = fake.channels["reading-group"]
    status, posted = await call(fake, "POST", f"/channels/{channel}/messages", {"content": "announcement"})
    status, thread = await call(fake, "POST", f"/channels/{channel}/messages/{posted['id']}/threads", {"name": "GAN"})
    assert status == 201 and thread["id"] == posted["id"] and thread["parent_id"] == str(channel)
    assert (thread["type"], thread["name"], thread["message_count"]) == (11, "GAN", 0)
    again = await call(fake, "POST", f"/channels/{channel}/messages/{posted['id']}/threads", {"name": "GAN"})
    assert again[0] == 400 and again[1]["code"] == 160004
    status, sent = await call(fake, "POST", f"/channels/{thread['id']}/messages", {"content": "in the thread"})
    assert status == 200 and sent["channel_id"] == thread["id"] and sent["position"] == 0
    status, got = await call(fake, "GET", f"/channels/{thread['id']}")
    assert (got["message_count"], got["last_message_id"]) == (1, sent["id"])
    status, loose = await call(fake, "POST", f"/channels/{channel}/threads", {"name": "Open questions", "type": 11})
    assert status == 201 and loose["id"] != thread["id"] and int(loose["id"]) in fake.threads
    assert (await call(fake, "POST", f"/channels/{thread['id']}/threads", {"name": "nested"}))[0] == 400
    assert (await call(fake, "POST", "/channels/1234567890123456789/threads", {"name": "x"}))[1]["code"] == 10003
    assert (await call(fake, "POST", f"/channels/{channel}/messages/1234567890123456789/threads",
                       {"name": "x"}))[1]["code"] == 10008
    assert not fake.take_violations()
