"""The local Discord refuses what real Discord refuses, so a passing end-to-end test means something.

Each operation the bot uses gets one body discord.py would never send, refused with the reason Discord's
own OpenAPI description gives; then the behaviour no schema can judge (callback types, deferrals,
credentials, intents, deletes), and the checks of the server's own replies.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest

from bot.config import Settings
from bot.runner import RedactSecrets, secrets_of
from tests.fakediscord import TOKEN, FakeDiscord, pointed_at, running, would_ping
from tests.fakediscord.calls import call, leaf
from tests.fakediscord.limits import command_errors, message_errors
from tests.fakediscord.openapi import (
    ALLOWED_EXTRA,
    SCHEMAS,
    operation,
    spec,
    unknown_keys,
    validate,
    validate_component,
)


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def a_message(fake: FakeDiscord) -> dict[str, Any]:
    msg = fake._message(fake.channels["general"], {"content": "hi", "components": [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]}]})
    fake.messages[fake.channels["general"]].append(msg)
    return msg


async def test_each_operation_refuses_a_body_discord_py_would_never_send(fake: FakeDiscord) -> None:
    app, guild, channel = fake.app_id, fake.guild_id, fake.channels["general"]
    command = {"name": "paper", "description": "Find papers", "type": 1, "options": [
        {"type": 3, "name": "query", "description": "Words", "choices": [{"name": f"c{i}", "value": f"v{i}"}
                                                                        for i in range(26)]}]}
    cases: list[tuple[str, str, Any, tuple[str | int, ...], str]] = [
        ("PUT", f"/applications/{app}/guilds/{guild}/commands", [command], (0, "options", 0, "choices"),
         "fails maxItems 25"),
        ("PUT", f"/applications/{app}/commands", [{"name": "x" * 33, "description": "d"}], (0, "name"),
         "fails maxLength 32"),
    ]
    for method, path, body, where, reason in cases:
        status, answer = await call(fake, method, path, body)
        assert status == 400 and answer["code"] == 50035, answer
        assert reason in leaf(answer["errors"], *where)[0]["message"]
    # Interaction callbacks, one for each type, each branch chosen by its type so the error names the field.
    callbacks = [
        (2, {"type": 4, "data": {"embeds": [{"title": "x" * 257}]}}, ("data", "embeds", 0, "title"),
         "fails maxLength 256"),
        (2, {"type": 5, "data": {"flagz": 64}}, ("data", "flagz"), "not a property of"),
        (3, {"type": 6, "data": {"content": 7}}, ("data", "content"), "is not of type"),
        (3, {"type": 7, "data": {"components": [{"type": 1, "components": [
            {"type": 3, "custom_id": "s", "options": [{"label": "l", "value": str(i)} for i in range(26)]}]}]}},
         ("data", "components", 0, "components", 0, "options"), "fails maxItems 25"),
        (4, {"type": 8, "data": {"choices": [{"name": "n", "value": "v"}] * 26}}, ("data", "choices"),
         "fails maxItems 25"),
        (2, {"type": 3, "data": {"content": "a callback type that does not exist"}}, ("type",), "is not one of"),
    ]
    for kind, body, where, reason in callbacks:
        rec = await fake._send_detached(kind, a_message(fake) if kind == 3 else None)
        status, answer = await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", body, {})
        assert status == 400 and answer["code"] == 50035, (body, answer)
        assert reason in leaf(answer["errors"], *where)[0]["message"], answer
        assert rec.response is None and rec.rejected
    # Follow-ups and their edits, on an acknowledged interaction.
    rec = await fake._send_detached()
    assert (await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback",
                       {"type": 4, "data": {"content": "first"}}, {}))[0] == 200
    status, sent = await call(fake, "POST", f"/webhooks/{app}/{rec.token}", {"content": "a follow-up"}, {})
    assert status == 200
    hook = f"/webhooks/{app}/{rec.token}"
    more = [
        ("POST", hook, {"contnet": "misspelled"}, ("contnet",), "not a property of IncomingWebhookRequestPartial"),
        ("PATCH", f"{hook}/messages/@original", {"content": "x" * 2001}, ("content",), "fails maxLength 2000"),
        ("PATCH", f"{hook}/messages/{sent['id']}", {"embeds": [{"title": "t"}] * 11}, ("embeds",),
         "fails maxItems 10"),
        ("POST", f"/channels/{channel}/messages", {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
         ("embeds", 0, "fields", 0, "value"), "fails maxLength 1024"),
    ]
    posted = (await call(fake, "POST", f"/channels/{channel}/messages", {"content": "digest"}))[1]
    more.append(("PATCH", f"/channels/{channel}/messages/{posted['id']}", {"embed": {"title": "singular"}},
                 ("embed",), "not a property of MessageEditRequestPartial"))
    for method, path, body, where, reason in more:
        status, answer = await call(fake, method, path, body, {} if path.startswith("/webhooks") else None)
        assert status == 400 and answer["code"] == 50035, (path, answer)
        assert reason in leaf(answer["errors"], *where)[0]["message"], answer
    refused = fake.take_violations()
    assert len(refused) == len(cases) + len(callbacks) + len(more), "\n".join(refused)
    assert all("(" in v and ":" in v for v in refused)  # each names the operation and the field


async def test_callback_types_must_suit_the_interaction(fake: FakeDiscord) -> None:
    wrong = [(2, {"type": 8, "data": {"choices": []}}),  # autocomplete choices for a command
             (4, {"type": 4, "data": {"content": "a message for an autocomplete"}}),
             (2, {"type": 7, "data": {"content": "update a message no component came from"}}),
             (2, {"type": 6}),
             (4, {"type": 9, "data": {"custom_id": "m", "title": "t", "components": [
                 {"type": 1, "components": [{"type": 4, "custom_id": "x", "style": 1, "label": "l"}]}]}})]
    for kind, body in wrong:
        rec = await fake._send_detached(kind)
        status, answer = await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", body, {})
        assert status == 400 and "not valid for a type" in leaf(answer["errors"], "type")[0]["message"]
    assert len(fake.take_violations()) == len(wrong)
    for kind, body in [(4, {"type": 8, "data": {"choices": [{"name": "n", "value": "v"}]}}),
                       (3, {"type": 6}), (2, {"type": 5})]:
        rec = await fake._send_detached(kind, a_message(fake) if kind == 3 else None)
        assert (await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", body, {}))[0] == 200


async def test_the_first_followup_replaces_the_deferral_and_keeps_its_visibility(fake: FakeDiscord) -> None:
    general = fake.channels["general"]
    hook = f"/webhooks/{fake.app_id}"
    public = await fake._send_detached()
    await call(fake, "POST", f"/interactions/{public.id}/{public.token}/callback", {"type": 5}, {})
    thinking = public.original
    assert thinking is not None and thinking in fake.messages[general] and thinking["flags"] & 128  # loading
    status, first = await call(fake, "POST", f"{hook}/{public.token}", {"content": "hint", "flags": 64}, {})
    assert status == 200 and first["id"] == thinking["id"]  # the same message: it replaced "thinking…"
    assert not first["flags"] & 64 and not first["flags"] & 128  # still public, whatever the flags said
    assert thinking["content"] == "hint" and thinking in fake.messages[general] and public.ignored_flags == [64]
    _, second = await call(fake, "POST", f"{hook}/{public.token}", {"content": "more", "flags": 64}, {})
    assert second["id"] != first["id"] and second["flags"] & 64  # later follow-ups are messages of their own

    private = await fake._send_detached()
    await call(fake, "POST", f"/interactions/{private.id}/{private.token}/callback",
               {"type": 5, "data": {"flags": 64}}, {})
    _, answer = await call(fake, "POST", f"{hook}/{private.token}", {"content": "for you"}, {})
    assert answer["flags"] & 64 and answer["id"] == private.original["id"]  # type: ignore[index]

    # Deleting the public deferral first: the follow-up is then a message of its own, ephemeral as asked.
    undone = await fake._send_detached()
    await call(fake, "POST", f"/interactions/{undone.id}/{undone.token}/callback", {"type": 5}, {})
    gone = undone.original
    assert (await call(fake, "DELETE", f"{hook}/{undone.token}/messages/@original", None, {}))[0] == 204
    assert gone not in fake.messages[general]
    assert (await call(fake, "GET", f"{hook}/{undone.token}/messages/@original", None, {}))[0] == 404
    _, hint = await call(fake, "POST", f"{hook}/{undone.token}", {"content": "hint", "flags": 64}, {})
    assert hint["flags"] & 64 and hint["id"] != gone["id"]  # type: ignore[index]
    assert (await call(fake, "DELETE", f"{hook}/{undone.token}/messages/{hint['id']}", None, {}))[0] == 204
    assert (await call(fake, "GET", f"{hook}/{undone.token}/messages/{hint['id']}", None, {}))[0] == 404
    assert not fake.spec_violations


async def test_credentials_and_the_application_id_are_checked(fake: FakeDiscord) -> None:
    assert (await call(fake, "GET", "/users/@me", headers={}))[0] == 401
    assert (await call(fake, "GET", "/users/@me", headers={"Authorization": "Bot wrong"}))[0] == 401
    assert (await call(fake, "GET", "/users/@me", headers={"Authorization": TOKEN}))[0] == 401  # no "Bot "
    status, me = await call(fake, "GET", "/users/@me")
    assert status == 200 and me["id"] == str(fake.app_id)
    status, answer = await call(fake, "GET", f"/applications/{fake.app_id + 1}/commands")
    assert status == 404 and answer["code"] == 10002
    rec = await fake._send_detached()
    await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", {"type": 5}, {})  # no auth needed
    status, answer = await call(fake, "POST", f"/webhooks/{fake.app_id + 1}/{rec.token}", {"content": "x"}, {})
    assert status == 404 and answer["code"] == 10015
    assert len(fake.take_violations()) == 5


async def test_privileged_intents_are_refused_like_discord(fake: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    with pointed_at(fake), pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(discord.Client(intents=intents)):
            pass
    assert fake.identify_payloads and fake.identifies == 0
    assert "MESSAGE_CONTENT" in fake.take_violations()[0]
    with pointed_at(fake):  # the default intents the bot uses need nothing enabled
        async with running(discord.Client(intents=discord.Intents.default())):
            assert fake.identifies == 1


async def test_the_servers_own_replies_are_checked_against_the_description(fake: FakeDiscord) -> None:
    fake.bot_user.username = None  # type: ignore[assignment]  # a server bug: Discord never sends this
    await call(fake, "GET", "/users/@me")
    drift = fake.take_violations()
    assert drift and "breaks the spec" in drift[0] and "username" in drift[0]
    fake.bot_user.username = "paperbot"
    problems = validate_component("MessageResponse", {**fake._message(1, {"content": "x"}), "mentions": None})
    assert {p.where for p in problems} >= {"mentions", "allowed_mentions"}  # a wrong type, a key Discord lacks


def test_unknown_keys_and_the_allowlist() -> None:
    execute = operation("execute_webhook")
    assert execute.request is not None and not execute.needs_bot_token
    fine = {"content": "x", "embeds": [{"title": "t", "flags": 0, "fields": [{"name": "n", "value": "v"}]}],
            "allowed_mentions": {"parse": [], "users": [123]}}  # an integer snowflake, as discord.py sends
    assert validate(execute.request, fine, requests=True) == []
    deep = {"embeds": [{"footer": {"txt": "misspelled"}}]}
    assert [p.where for p in validate(execute.request, deep, requests=True)] == ["embeds.0.footer.txt"]
    assert validate(SCHEMAS + "UserResponse", {"id": 1}, requests=False)  # our replies: strings only
    for (schema, key), why in ALLOWED_EXTRA.items():  # each entry is needed: the schema lacks the key
        definition = spec()["components"]["schemas"][schema]
        assert key not in (definition.get("properties") or {}) and why
        assert unknown_keys(SCHEMAS + schema, {key: 0}) == []  # and excused
        assert [p.code for p in unknown_keys(SCHEMAS + schema, {key + "x": 0})] == ["UNKNOWN_KEY"]


def test_rules_the_description_is_silent_on() -> None:
    assert message_errors({"content": "x" * 2001})
    assert message_errors({})  # empty message
    assert message_errors({"embeds": [{"description": "x" * 4000}, {"description": "x" * 2500}]})  # > 6000 total
    assert not message_errors({"content": "fine", "embeds": [{"title": "t", "description": "d"}]})
    assert command_errors({"name": "Bad Name", "description": "d"})
    assert command_errors({"name": "ok", "description": ""})
    assert command_errors({"name": "ok", "description": "d", "options": [
        {"type": 3, "name": "a", "description": "d"}, {"type": 3, "name": "b", "description": "d", "required": True}]})
    assert not command_errors({"name": "ok", "description": "d", "default_member_permissions": 32})


async def test_second_response_and_late_response_are_rejected(fake: FakeDiscord) -> None:
    fake.response_window = 0.3
    rec = await fake._send_detached()
    ok = {"type": 4, "data": {"content": "hello"}}
    assert (await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", ok, {}))[0] == 200
    status, body = await call(fake, "POST", f"/interactions/{rec.id}/{rec.token}/callback", ok, {})
    assert status == 400 and body["code"] == 40060
    late = await fake._send_detached()
    await asyncio.sleep(0.4)
    status, body = await call(fake, "POST", f"/interactions/{late.id}/{late.token}/callback", ok, {})
    assert status == 404 and body["code"] == 10062


def test_would_ping_follows_allowed_mentions() -> None:
    assert would_ping({"content": "@everyone hi"})
    assert not would_ping({"content": "@everyone hi", "allowed_mentions": {"parse": []}})
    assert would_ping({"content": "<@123>", "allowed_mentions": {"parse": ["users"]}})


def test_secrets_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = "MTIz" + "a" * 60
    settings = Settings(token=token, database_url="postgresql+asyncpg://bot:hunter2secret@db/paperbot")
    logger = logging.getLogger("paperbot.test")
    handler = logging.StreamHandler()
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    records: list[str] = []
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        logger.warning("connecting with %s to %s", token, settings.database_url)
    finally:
        logger.removeHandler(handler)
    assert records and token not in records[0] and "hunter2secret" not in records[0]
    assert token not in repr(settings) and "hunter2secret" not in repr(settings)
