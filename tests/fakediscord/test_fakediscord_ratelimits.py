"""The local Discord's rate limits: per-route buckets with Discord's headers, 429 bodies the description
accepts, a global limit that spares interaction endpoints, shared 429s drawn from the seed; and discord.py,
held to those headers, delivers everything exactly once.
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord, pointed_at, running
from tests.fakediscord.calls import AUTH
from tests.fakediscord.openapi import operation, validate
from tests.fakediscord.ratelimits import RateLimits


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


async def post(fake: FakeDiscord, channel: int, content: str) -> tuple[int, dict, dict[str, str]]:
    async with aiohttp.ClientSession() as s, s.post(f"{fake.api_base}/channels/{channel}/messages",
                                                    json={"content": content}, headers=AUTH) as r:
        return r.status, await r.json(), dict(r.headers)


async def test_a_bucket_answers_with_discords_headers_then_429_beyond_its_limit(fake: FakeDiscord) -> None:
    limits = fake.rate_limit(seed=7, route_limits=(3, 3), window=30.0)
    channel = fake.channels["general"]
    answers = [await post(fake, channel, f"m{i}") for i in range(4)]
    assert [a[0] for a in answers] == [200, 200, 200, 429]
    bucket = limits.bucket("POST", "/channels/{channel_id}/messages")
    for i, (_, _, headers) in enumerate(answers[:3]):
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("3", str(2 - i))
        assert headers["X-RateLimit-Bucket"] == bucket and float(headers["X-RateLimit-Reset-After"]) > 0
        assert float(headers["X-RateLimit-Reset"]) > 1.7e9  # epoch seconds
    body, headers = answers[3][1:]
    assert body["global"] is False and 0 < body["retry_after"] <= 30 and body["code"] == 0
    assert not validate(operation("create_message").responses["429"], body, requests=False, strict=True)
    assert (headers["X-RateLimit-Scope"], headers["X-RateLimit-Remaining"]) == ("user", "0")
    assert headers["Via"] == "1.1 google"  # Discord answers through its proxy: discord.py retries only then
    assert int(headers["Retry-After"]) >= 1
    assert [m["content"] for m in fake.messages[channel]] == ["m0", "m1", "m2"]  # the 429 did not count
    other = await post(fake, fake.channels["reading-group"], "elsewhere")  # another channel: its own count
    assert other[0] == 200 and other[2]["X-RateLimit-Remaining"] == "2"
    assert [(h.scope, h.bucket) for h in limits.limited] == [("user", bucket)]
    assert not fake.take_violations()  # bodies and headers fit the description


def test_the_seed_decides_bucket_names_limits_and_shared_429s() -> None:
    def run(seed: int) -> tuple[str, int, list[bool]]:
        # More than 40 a window, whatever the seed draws: the 429s are the shared ones alone, drawn from the seed,
        # never a count that depends on how many requests fit in a window on a busy machine.
        limits = RateLimits(seed, route_limits=(41, 90), window=30.0, shared=0.3)
        name = limits.bucket("POST", "/channels/{channel_id}/messages")
        hits = [limits.check("POST", "/channels/{channel_id}/messages", {"channel_id": "1"}, "/x")[1] is not None
                for _ in range(40)]
        return name, limits.limit(name), hits
    assert run(3) == run(3)
    assert run(3) != run(4)
    assert any(run(3)[2]) and not all(run(3)[2])


async def test_the_global_limit_refuses_beyond_its_count_but_not_interaction_endpoints(fake: FakeDiscord) -> None:
    limits = fake.rate_limit(seed=1, route_limits=(100, 100), window=30.0, global_limit=3)
    statuses = [(await post(fake, c, "x"))[0] for c in [*fake.channels.values()] * 2]
    assert statuses == [200, 200, 200, 429]
    hit = limits.limited[-1]
    assert hit.scope == "global"
    status, body, headers = await post(fake, fake.channels["general"], "y")
    assert status == 429 and body["global"] is True and headers["X-RateLimit-Global"] == "true"
    assert headers["X-RateLimit-Scope"] == "global"
    rec = await fake._send_detached()  # an interaction callback is not bound to the global limit
    async with aiohttp.ClientSession() as s, s.post(f"{fake.api_base}/interactions/{rec.id}/{rec.token}/callback",
                                                    json={"type": 4, "data": {"content": "hi"}}) as r:
        assert r.status == 200 and "X-RateLimit-Bucket" in r.headers
    assert not fake.take_violations()


class Poster(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())


@pytest.mark.parametrize("seed", [11, 12])
async def test_discord_py_obeys_the_headers_and_delivers_every_message_once(fake: FakeDiscord, seed: int) -> None:
    limits = fake.rate_limit(seed=seed, route_limits=(2, 4), window=0.3, global_limit=10, shared=0.1)
    with pointed_at(fake):
        async with running(Poster()) as client:
            channels = [client.get_channel(c) for c in fake.channels.values()]
            sends = [ch.send(f"{ch.name} {i}") for ch in channels for i in range(12)]  # type: ignore[union-attr]
            await asyncio.gather(*sends)
    for name, cid in fake.channels.items():
        assert sorted(m["content"] for m in fake.messages[cid]) == sorted(f"{name} {i}" for i in range(12))
    scopes = [h.scope for h in limits.limited]
    assert "shared" in scopes  # the seed's shared 429s were met and retried through
    # discord.py waits when a bucket says Remaining 0: it meets a per-route 429 only while it has not yet
    # learned a bucket (its first requests on a route go one at a time until the first answer).
    assert scopes.count("user") <= 2, limits.limited
    assert not fake.take_violations()
