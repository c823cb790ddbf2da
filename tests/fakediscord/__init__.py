"""A local Discord for end-to-end tests: the real discord.py client, real sockets, 127.0.0.1 only.

    async with FakeDiscord() as fake, pointed_at(fake), running(bot):
        rec = await fake.slash("paper", query="lottery ticket", user=fake.member)
        message = await rec.final()          # the reply a member sees (after a deferral: the followup)
        await fake.click(message, "results:next", user=fake.member)
        choices = await fake.autocomplete("author", "name", "beng")

`FakeDiscord` (server.py) checks every request and response against Discord's OpenAPI description
(openapi.py, spec/), models what no schema can (deferrals, components, intents), keeps the few limits
the description lacks (limits.py), and records everything:
`fake.commands` (synced definitions), `fake.messages[channel_id]`, `fake.interactions`,
`fake.heartbeats`, `fake.unknown_routes`, `fake.spec_violations` (fails the test on exit);
`fake.fail_next(method, path, status)` and `fake.drop_gateway(shard=None)` inject faults; `would_ping(message)`
tells whether Discord would notify anyone. Sharding: `fake.add_guild(name, shard=(index, count))` adds a
server whose id lands on that shard, `slash(..., guild=g)` speaks in it, each server's events go only to
its shard's connection, and `fake.connected_shards()` lists the shards connected now.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.fakediscord.server import TOKEN, FakeDiscord, InteractionRecord, User, would_ping

__all__ = ["TOKEN", "FakeDiscord", "InteractionRecord", "User", "pointed_at", "running", "would_ping"]


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base URL and gateway at the fake server (restored afterwards)."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@contextlib.asynccontextmanager
async def running(bot: discord.Client, token: str = TOKEN, timeout: float = 20.0) -> AsyncIterator[discord.Client]:
    """Run `bot` until the block ends: logged in, connected, ready."""
    task = asyncio.create_task(bot.start(token))
    try:
        waiter = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises the start-up failure
        if waiter not in done:
            raise TimeoutError("the bot did not become ready")
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 10)
