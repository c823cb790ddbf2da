"""Raw REST calls to the local Discord, for its own tests: what a client would send, and the error leaves."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.fakediscord import TOKEN, FakeDiscord

AUTH = {"Authorization": f"Bot {TOKEN}"}


async def call(fake: FakeDiscord, method: str, path: str, body: Any = None,
               headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as s, s.request(method, fake.api_base + path, json=body,
                                                       headers=AUTH if headers is None else headers) as r:
        raw = await r.read()
        return r.status, json.loads(raw) if raw else {}


def leaf(errors: dict[str, Any], *path: str | int) -> list[dict[str, str]]:
    node = errors
    for part in path:
        node = node[str(part)]
    return node["_errors"]



EVENT = {"name": "Attention Is All You Need", "privacy_level": 2, "entity_type": 3,
         "scheduled_start_time": "2026-12-03T18:00:00+00:00", "scheduled_end_time": "2026-12-03T19:00:00+00:00",
         "entity_metadata": {"location": "#reading-group"}}

