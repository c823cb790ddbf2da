"""Discord misbehaving (rate limits, server errors, a dropped gateway, odd queries): nothing is lost."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakediscord import would_ping


@pytest.mark.parametrize("status", [429, 500, 502])
async def test_a_failing_followup_is_retried_and_delivered(world, status: int) -> None:
    fake, _bot, _ = world
    fake.fail_next("POST", "/webhooks/", status, times=1)
    rec = await fake.slash("paper", query="lottery ticket", user=fake.member)
    msg = await rec.final(timeout=20)
    assert "Lottery Ticket" in msg["embeds"][0]["title"]


async def test_a_dropped_gateway_resumes_and_keeps_answering(world) -> None:
    fake, _bot, _ = world
    await fake.drop_gateway()
    for _ in range(100):
        await asyncio.sleep(0.1)
        if fake.resumes or fake.identifies > 1:
            break
    assert fake.resumes + fake.identifies > 1
    await asyncio.sleep(0.3)
    rec = await fake.slash("author", name="Bengio", user=fake.member)
    assert (await rec.final(timeout=20))["embeds"]


QUERIES = st.one_of(
    st.text(min_size=1, max_size=300),
    st.sampled_from(["@everyone", "<@123456789012345678>", "<@&42> hi", "**bold** `code` ||spoiler||",
                     "\u200b\u200b", "🔥🔥 lottery", "שלום עולם", "the of and a", "?!…", "' OR 1=1; --",
                     "(.*)+$[", "C++", "self-attention", "10,000-layer", "x" * 300]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=QUERIES, command=st.sampled_from(["paper", "author", "topic", "ask"]))
async def test_any_query_gets_a_well_formed_reply_that_pings_nobody(world, query: str, command: str) -> None:
    fake, _bot, _ = world
    query = query.strip() or "x"
    option = {"paper": "query", "author": "name", "topic": "topic", "ask": "question"}[command]
    rec = await fake.slash(command, user=fake.member, **{option: query[:100] if command in ("author", "topic")
                                                         else query})
    msg = await rec.final(timeout=20)
    assert not rec.rejected, rec.rejected  # the fake server accepted it: within Discord's limits
    assert msg.get("content") or msg.get("embeds")
    assert not would_ping(msg)
    assert "Traceback" not in (msg.get("content") or "") and "went wrong" not in (msg.get("content") or "")
