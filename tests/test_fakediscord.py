"""The local Discord server rejects what real Discord rejects, so a passing end-to-end test means something."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from bot.config import Settings
from bot.runner import RedactSecrets, secrets_of
from tests.fakediscord import FakeDiscord, would_ping
from tests.fakediscord.limits import command_errors, message_errors


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


async def post(fake: FakeDiscord, path: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as s, s.post(fake.api_base + path, json=body) as r:
        return r.status, json.loads(await r.read() or b"{}")


async def test_second_response_late_response_and_long_embed_are_rejected(fake: FakeDiscord) -> None:
    fake.response_window = 0.3
    rec = await fake._send_detached()
    long_embed = {"type": 4, "data": {"embeds": [{"title": "x" * 257}]}}
    status, body = await post(fake, f"/interactions/{rec.id}/{rec.token}/callback", long_embed)
    assert status == 400 and body["code"] == 50035
    ok = {"type": 4, "data": {"content": "hello"}}
    assert (await post(fake, f"/interactions/{rec.id}/{rec.token}/callback", ok))[0] == 200
    status, body = await post(fake, f"/interactions/{rec.id}/{rec.token}/callback", ok)
    assert status == 400 and body["code"] == 40060

    late = await fake._send_detached()
    await asyncio.sleep(0.4)
    status, body = await post(fake, f"/interactions/{late.id}/{late.token}/callback", ok)
    assert status == 404 and body["code"] == 10062


def test_message_and_command_rules() -> None:
    assert message_errors({"content": "x" * 2001})
    assert message_errors({})  # empty message
    assert message_errors({"embeds": [{"description": "x" * 4000}, {"description": "x" * 2500}]})  # > 6000 total
    assert message_errors({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]})
    assert message_errors({"components": [{"type": 1, "components": [{"type": 2, "label": "b"}] * 6}]})
    assert not message_errors({"content": "fine", "embeds": [{"title": "t", "description": "d"}]})
    assert command_errors({"name": "Bad Name", "description": "d"})
    assert command_errors({"name": "ok", "description": ""})
    assert command_errors({"name": "ok", "description": "d", "options": [
        {"type": 3, "name": "a", "description": "d"}, {"type": 3, "name": "b", "description": "d", "required": True}]})
    assert not command_errors({"name": "ok", "description": "d", "default_member_permissions": 32})


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
