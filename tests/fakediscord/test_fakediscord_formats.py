"""The local Discord refuses malformed URLs and date-times as Discord does, and sees live links and pings.

Before, it checked bodies against Discord's description but ignored `format`: an embed whose url was
`javascript:alert(1)`, `arxiv.org/abs/...` or had a space in it passed, and so did any masked link or
@everyone the bot let through. Each test here would pass a body the old server accepted.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest

from tests.fakediscord import FakeDiscord, pointed_at, running
from tests.fakediscord.calls import EVENT, call, leaf
from tests.fakediscord.limits import message_errors, url_problem, url_problems
from tests.fakediscord.markdown import Link, Mention
from tests.fakediscord.openapi import FORMAT_CHECKER, operation, validate, validate_component
from tests.fakediscord.server import public

NOT_WELL_FORMED = {"code": "URL_TYPE_INVALID_URL", "message": "Not a well formed URL."}
WEB_ONLY = "Scheme must be one of ('http', 'https')."
HOSTILE = "[the paper](https://arxiv.org/abs/1706.03762) then [Verify your account](https://evil.example/x)"


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def test_the_uri_and_date_time_checkers_are_really_active() -> None:
    # jsonschema skips a format whose package is missing, silently: these fail if it did.
    assert FORMAT_CHECKER.conforms("https://arxiv.org/abs/1706.03762", "uri")
    assert not FORMAT_CHECKER.conforms("arxiv.org/abs/1706.03762", "uri")
    assert not FORMAT_CHECKER.conforms("https://www.example.com/x y", "uri")
    assert FORMAT_CHECKER.conforms("2026-12-03T18:00:00+00:00", "date-time")
    assert not FORMAT_CHECKER.conforms("2026-12-03 18:00", "date-time")
    assert not FORMAT_CHECKER.conforms("2026-13-03T18:00:00Z", "date-time")
    create = operation("create_message").request
    assert create is not None
    problems = validate(create, {"embeds": [{"title": "t", "url": "arxiv.org/abs/1706.03762",
                                             "timestamp": "yesterday"}]}, requests=True)
    assert sorted((p.where, p.code, p.message) for p in problems) == [
        ("embeds.0.timestamp", "DATE_TIME_TYPE_PARSE", "Could not parse yesterday. Should be ISO8601."),
        ("embeds.0.url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")]
    assert validate(create, {"embeds": [{"title": "t", "url": "https://arxiv.org/abs/1706.03762",
                                         "timestamp": "2026-12-03T18:00:00.5+00:00"}]}, requests=True) == []


def test_responses_and_gateway_parts_are_held_to_the_formats_too() -> None:
    message = public(FakeDiscord()._message(1, {"content": "x"}))
    assert validate_component("MessageResponse", message) == []
    assert [(p.where, p.code) for p in validate_component("MessageResponse", {
        **message, "timestamp": "2026-01-01 00:00"})] == [("timestamp", "DATE_TIME_TYPE_PARSE")]
    attachment = {"id": "1", "filename": "a.md", "size": 1, "url": "attachments/a.md", "proxy_url": "http://h/a"}
    assert [(p.where, p.code) for p in validate_component("AttachmentResponse", attachment)] == [
        ("url", "URL_TYPE_INVALID_URL")]


def test_discords_url_rules_by_place() -> None:
    assert url_problem("https://arxiv.org/abs/1", ("http", "https")) is None
    assert url_problem("javascript:alert(1)", ("http", "https")) == (
        "URL_TYPE_INVALID_SCHEME", f'Scheme "javascript" is not supported. {WEB_ONLY}')
    assert url_problem("https:foo", ("http", "https")) == ("URL_TYPE_INVALID_URL", "Not a well formed URL.")
    assert url_problem("www.example.com/x", ("http", "https")) == ("URL_TYPE_INVALID_URL", "Not a well formed URL.")
    body = {"type": 4, "data": {"embeds": [{"url": "attachment://a.png", "image": {"url": "attachment://a.png"},
                                            "thumbnail": {"url": "ftp://h/a.png"},
                                            "footer": {"text": "f", "icon_url": "https://h/i.png"}}],
                                "components": [{"type": 1, "components": [
                                    {"type": 2, "style": 5, "label": "Open", "url": "discord://-/channels/1"},
                                    {"type": 2, "style": 5, "label": "Bad", "url": "file:///etc/passwd"}]}]}}
    assert [(p.where, p.code, p.message) for p in url_problems(body)] == [
        ("data.embeds.0.url", "URL_TYPE_INVALID_SCHEME", f'Scheme "attachment" is not supported. {WEB_ONLY}'),
        ("data.embeds.0.thumbnail.url", "URL_TYPE_INVALID_SCHEME",
         "Scheme \"ftp\" is not supported. Scheme must be one of ('http', 'https', 'attachment')."),
        ("data.components.0.components.1.url", "URL_TYPE_INVALID_SCHEME",
         "Scheme \"file\" is not supported. Scheme must be one of ('http', 'https', 'discord')."),
    ]


def test_a_kind_parsed_and_listed_at_once_is_refused() -> None:
    # Discord refuses allowed_mentions that both parse a kind and list ids of it (discord.py never sends it).
    assert message_errors({"content": "<@1>", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}) == [
        "allowed_mentions: parse 'users' and a users list are mutually exclusive"]
    assert message_errors({"content": "<@1>", "allowed_mentions": {"parse": ["roles"], "users": ["1"]}}) == []


@pytest.mark.parametrize(("url", "error"), [
    ("javascript:alert(1)", {"code": "URL_TYPE_INVALID_SCHEME",
                             "message": f'Scheme "javascript" is not supported. {WEB_ONLY}'}),
    ("arxiv.org/abs/1706.03762", NOT_WELL_FORMED),
    ("https://www.example.com/x y", NOT_WELL_FORMED),
])
async def test_an_embed_url_discord_refuses_is_refused_everywhere_a_message_goes(
        fake: FakeDiscord, url: str, error: dict[str, str]) -> None:
    embed = {"title": "Attention Is All You Need", "url": url}
    status, answer = await call(fake, "POST", f"/channels/{fake.channels['general']}/messages", {"embeds": [embed]})
    assert (status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body")
    assert leaf(answer["errors"], "embeds", 0, "url") == [error]
    rec = await fake._send_detached()
    status, answer = await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback",
                                {"type": 4, "data": {"embeds": [embed]}}, {})
    assert (status, answer["code"]) == (400, 50035)
    assert leaf(answer["errors"], "data", "embeds", 0, "url") == [error]
    assert rec.response is None and rec.rejected
    assert not fake.messages[fake.channels["general"]]
    refused = fake.take_violations()
    assert len(refused) == 2 and all("embeds.0.url" in v for v in refused)
    # The same embed with a well-formed web address is accepted.
    good = {**embed, "url": "https://arxiv.org/abs/1706.03762"}
    assert (await call(fake, "POST", f"/channels/{fake.channels['general']}/messages", {"embeds": [good]}))[0] == 200


async def test_a_scheduled_event_with_a_malformed_start_time_is_refused(fake: FakeDiscord) -> None:
    status, answer = await call(fake, "POST", f"/guilds/{fake.guild_id}/scheduled-events",
                                {**EVENT, "scheduled_start_time": "2026-12-03 18:00"})
    assert (status, answer["code"]) == (400, 50035)
    assert leaf(answer["errors"], "scheduled_start_time") == [
        {"code": "DATE_TIME_TYPE_PARSE", "message": "Could not parse 2026-12-03 18:00. Should be ISO8601."}]
    assert not fake.events and len(fake.take_violations()) == 1


async def post(fake: FakeDiscord, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await call(fake, "POST", f"/channels/{fake.channels['general']}/messages", body)
    assert status == 200, answer  # Discord accepts these: the danger is in what members then see
    return answer


async def test_a_live_masked_link_and_a_ping_are_recorded_and_fail_the_test(fake: FakeDiscord) -> None:
    general = fake.channels["general"]
    await post(fake, {"content": "[Verify your account](https://evil.example/x) @everyone <@42>",
                      "embeds": [{"description": "see [here](https://evil.example/y)",
                                  "footer": {"text": "[plain](https://footer.example)"}}]})
    where = f"channel {general} message"
    assert fake.live_links == [(f"{where} content", Link("Verify your account", "https://evil.example/x")),
                               (f"{where} embeds.0.description", Link("here", "https://evil.example/y"))]
    assert fake.pings == [(where, Mention("everyone")), (where, Mention("user", 42))]  # no allowed_mentions
    refused = fake.take_violations()
    assert len(refused) == 4
    assert "a live masked link [Verify your account](https://evil.example/x)" in refused[0]
    assert "would notify Mention(kind='everyone', id=None)" in refused[2]


async def test_what_the_bot_means_is_recorded_but_no_violation(fake: FakeDiscord) -> None:
    fake.meant_links = {"https://arxiv.org/abs/1706.03762"}
    body = {"content": f"Presenter: <@{fake.member.id}>, read [the paper](https://arxiv.org/abs/1706.03762)",
            "allowed_mentions": {"parse": [], "users": [fake.member.id]}}  # named: the bot means this ping
    await post(fake, body)
    assert [link for _, link in fake.live_links] == [Link("the paper", "https://arxiv.org/abs/1706.03762")]
    assert [ping for _, ping in fake.pings] == [Mention("user", fake.member.id)]
    assert not fake.spec_violations
    # Allowed by a blanket parse, the same ping is an accident: named nowhere.
    await post(fake, {"content": f"<@{fake.member.id}>", "allowed_mentions": {"parse": ["users"]}})
    assert len(fake.take_violations()) == 1
    fake.meant_pings.add(Mention("user", fake.member.id))
    fake.meant_links = lambda url: url.startswith("https://arxiv.org/")
    await post(fake, {"content": f"<@{fake.member.id}> [x](https://arxiv.org/abs/2)",
                      "allowed_mentions": {"parse": ["users"]}})
    # Escaped, in a code span, behind allowed_mentions none: nothing live, nobody notified.
    await post(fake, {"content": "\\[a](https://evil.example) `[b](https://evil.example)` <@42> @everyone",
                      "allowed_mentions": {"parse": []}})
    assert not fake.spec_violations and len(fake.live_links) == 2 and len(fake.pings) == 3


async def test_edits_follow_ups_and_event_descriptions_are_read_too(fake: FakeDiscord) -> None:
    general = fake.channels["general"]
    sent = await post(fake, {"content": "fine", "allowed_mentions": {"parse": []}})
    await call(fake, "PATCH", f"/channels/{general}/messages/{sent['id']}",
               {"content": "now [a link](https://evil.example/e)", "allowed_mentions": {"parse": []}})
    rec = await fake._send_detached()
    await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", {"type": 5}, {})
    await call(fake, "POST", f"/webhooks/{fake.app_id}/{rec.token}",
               {"content": "`/summary write paper:x` [Verify](https://evil.example/f)`",
                "allowed_mentions": {"parse": []}}, {})
    await call(fake, "POST", f"/guilds/{fake.guild_id}/scheduled-events",
               {**EVENT, "description": "[join](https://evil.example/g) @everyone"})
    assert [link.url for _, link in fake.live_links] == [
        "https://evil.example/e", "https://evil.example/f", "https://evil.example/g"]
    assert fake.live_links[1][0] == f"interaction {rec.id} follow-up content"
    assert fake.broken_code == [(f"interaction {rec.id} follow-up content",
                                 "`/summary write paper:x` [Verify](https://evil.example/f)`")]
    assert not fake.pings  # allowed_mentions none; an event's description notifies no one
    assert len(fake.take_violations()) == 4


async def test_discord_py_escaping_leaves_the_second_masked_link_live(fake: FakeDiscord) -> None:
    """Issue 22, item 2, through the real client: what `bot.render.safe` did to member text."""
    with pointed_at(fake):
        async with running(discord.Client(intents=discord.Intents.default())) as client:
            channel = client.get_channel(fake.channels["general"])
            assert isinstance(channel, discord.TextChannel)
            await channel.send(discord.utils.escape_mentions(discord.utils.escape_markdown(HOSTILE)),
                               allowed_mentions=discord.AllowedMentions.none())
    assert fake.live_links == [(f"channel {channel.id} message content",
                                Link("Verify your account", "https://evil.example/x"))]
    assert not fake.pings
    refused = fake.take_violations()
    assert len(refused) == 1 and "[Verify your account](https://evil.example/x)" in refused[0]
