"""The local Discord speaks the sharded gateway as Discord does, checked with discord.py's own
AutoShardedClient: IDENTIFY carries `shard: [index, count]`, each shard's READY lists only the servers
it holds, followed by their GUILD_CREATEs, each server's events go only to the shard
`(guild_id >> 22) % count`, a bad shard is closed with 4010, too many servers on one shard with 4011,
and a dropped shard resumes its own session while the other stays connected.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from tests.fakediscord import FakeDiscord, pointed_at, running
from tests.fakediscord.server import TOKEN, shard_of, snowflake, snowflake_on_shard


class ShardBot(discord.AutoShardedClient):
    """A sharded client with one command that says which shard heard it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.2, **options)
        self.tree = app_commands.CommandTree(self)
        self.heard: list[int] = []  # ids of the servers whose interactions reached this client

        @self.tree.command(description="Say which shard heard this")
        async def where(interaction: discord.Interaction) -> None:
            assert interaction.guild is not None
            self.heard.append(interaction.guild.id)
            await interaction.response.send_message(f"shard {interaction.guild.shard_id} of {self.shard_count}")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord spaces identifies 5 s apart (max_concurrency 1); the local server needs no spacing."""


@given(st.integers(1, 64).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_an_id_made_for_a_shard_lands_on_it_and_ids_stay_increasing(shard: tuple[int, int]) -> None:
    before = snowflake()
    made = snowflake_on_shard(*shard)
    assert shard_of(made, shard[1]) == shard[0]
    assert before < made < snowflake()


def test_a_shard_outside_its_count_is_refused() -> None:
    with pytest.raises(ValueError, match=r"shard 2 is not one of 0\.\.1"):
        snowflake_on_shard(2, 2)


async def test_one_client_holding_both_shards_gets_each_server_on_its_own_shard() -> None:
    async with FakeDiscord() as fake:
        extra = [fake.add_guild(f"Group {i}", shard=(i, 2)) for i in range(2)]
        with pointed_at(fake):
            async with running(ShardBot(shard_count=2)) as bot:
                assert fake.connected_shards() == {(0, 2), (1, 2)}
                assert sorted(d["shard"] for d in fake.identify_payloads) == [[0, 2], [1, 2]]
                assert {g.id for g in bot.guilds} == set(fake.guilds)
                for g in [*extra, fake.guilds[fake.guild_id]]:
                    assert bot.get_guild(g.id).shard_id == shard_of(g.id, 2)  # type: ignore[union-attr]
                await bot.tree.sync()
                for i, g in enumerate(extra):
                    rec = await fake.slash("where", guild=g)
                    assert (await rec.final())["content"] == f"shard {i} of 2"
                assert bot.heard == [g.id for g in extra]


async def test_two_clients_one_shard_each_hear_only_their_own_servers() -> None:
    async with FakeDiscord() as fake:
        extra = [fake.add_guild(f"Group {i}", shard=(i, 2)) for i in range(2)]
        with pointed_at(fake):
            async with running(ShardBot(shard_count=2, shard_ids=[0])) as first, \
                    running(ShardBot(shard_count=2, shard_ids=[1])) as second:
                for bot, index in ((first, 0), (second, 1)):
                    assert {g.id for g in bot.guilds} == {g for g in fake.guilds if shard_of(g, 2) == index}
                await first.tree.sync()
                for g in (extra[1], extra[0], extra[1]):
                    rec = await fake.slash("where", guild=g)
                    assert (await rec.final())["content"] == f"shard {shard_of(g.id, 2)} of 2"
                assert first.heard == [extra[0].id]
                assert second.heard == [extra[1].id, extra[1].id]


async def test_without_a_shard_count_the_client_takes_the_recommended_one() -> None:
    async with FakeDiscord() as fake:
        fake.recommended_shards = 3
        with pointed_at(fake):
            async with running(ShardBot()) as bot:
                assert bot.shard_count == 3
                assert fake.connected_shards() == {(0, 3), (1, 3), (2, 3)}


async def test_a_dropped_shard_resumes_its_own_session_and_the_other_stays() -> None:
    async with FakeDiscord() as fake:
        extra = [fake.add_guild(f"Group {i}", shard=(i, 2)) for i in range(2)]
        with pointed_at(fake):
            async with running(ShardBot(shard_count=2)) as bot:
                await bot.tree.sync()
                identifies = fake.identifies
                await fake.drop_gateway(shard=1)
                rec = await fake.slash("where", guild=extra[1])  # delivered once shard 1 is back
                assert (await rec.final(timeout=20))["content"] == "shard 1 of 2"
                assert (fake.resumes, fake.identifies) == (1, identifies)
                assert fake.connected_shards() == {(0, 2), (1, 2)}


async def _identify(fake: FakeDiscord, **extra: Any) -> tuple[list[dict[str, Any]], int | None]:
    """Identify over a raw websocket: the frames the server sent, and its close code."""
    frames: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        frames.append(json.loads((await ws.receive()).data))  # HELLO
        await ws.send_str(json.dumps({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}, **extra}}))
        while True:
            msg = await ws.receive(timeout=5)
            if msg.type != aiohttp.WSMsgType.TEXT:
                return frames, ws.close_code
            frames.append(json.loads(msg.data))
            if frames[-1]["t"] == "GUILD_CREATE" and len(frames) == 2 + len(frames[1]["d"]["guilds"]):
                return frames, None


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [0], ["0", "2"], "0,2", [0, 2, 1]])
async def test_an_invalid_shard_is_closed_with_4010(shard: Any) -> None:
    async with FakeDiscord() as fake:
        frames, code = await _identify(fake, shard=shard)
        assert code == 4010 and [f["op"] for f in frames] == [10]
        assert [v for v in fake.take_violations() if "invalid shard" in v]


async def test_a_shard_holding_more_servers_than_discord_allows_is_closed_with_4011() -> None:
    async with FakeDiscord() as fake:
        fake.max_guilds_per_shard = 1
        added = [fake.add_guild(f"Group {i}", shard=(i, 2)) for i in range(2)]
        frames, code = await _identify(fake)  # no shard: one connection for all three servers
        assert code == 4011 and len(fake.take_violations()) == 1
        free = 1 - shard_of(fake.guild_id, 2)  # the shard holding only one of the added servers
        frames, code = await _identify(fake, shard=[free, 2])
        assert code is None
        ready = frames[1]
        assert ready["t"] == "READY" and ready["d"]["shard"] == [free, 2]
        assert [g["id"] for g in ready["d"]["guilds"]] == [str(added[free].id)]
        assert [f["t"] for f in frames[2:]] == ["GUILD_CREATE"] and frames[2]["d"]["id"] == str(added[free].id)
        assert [f["s"] for f in frames[1:]] == [1, 2]


async def test_resuming_an_unknown_session_is_refused_with_invalid_session() -> None:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        await ws.receive()  # HELLO
        await ws.send_str(json.dumps({"op": 6, "d": {"token": TOKEN, "session_id": "no-such-session", "seq": 3}}))
        frame = json.loads((await ws.receive(timeout=5)).data)
        assert (frame["op"], frame["d"]) == (9, False)
        assert fake.resumes == 0
