"""Many members at once under Discord's rate limits (seeded per-route buckets, a global limit, shared 429s):
every reply is delivered exactly once, counted from the local Discord's own record of what it accepted."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.fakediscord import FakeDiscord

ASKED = [("paper", {"query": "lottery ticket"}), ("author", {"name": "Bengio"}), ("paper", {"query": "attention"})]


@pytest.mark.parametrize("seed", [25, 2026])
async def test_many_members_at_once_under_rate_limits_each_get_one_reply(world, seed: int) -> None:
    fake, _bot, _ = world
    fake: FakeDiscord
    limits = fake.rate_limit(seed=seed, route_limits=(2, 4), window=0.5, global_limit=50, shared=0.05)
    members = [fake.add_member(f"reader{i}") for i in range(30)]
    sent = await asyncio.gather(*(fake.slash(command, user=m, **options)
                                  for i, m in enumerate(members) for command, options in [ASKED[i % len(ASKED)]]))
    finals = await asyncio.gather(*(rec.final(timeout=60) for rec in sent))
    for rec, final in zip(sent, finals, strict=True):
        assert not rec.rejected, rec.rejected  # nothing refused: no late, duplicate or invalid answer
        assert rec.response is not None and rec.latency is not None and rec.latency < fake.response_window
        assert final.get("embeds"), final
        assert len(rec.followups) <= 1  # at most the reply after a deferral, never a second one
    # The server's own record: one message per interaction in the channel, none lost, none twice.
    per_interaction = Counter(m.get("_interaction_id") for m in fake.messages[fake.channels["general"]]
                              if m.get("_interaction_id"))
    public = {str(rec.id) for rec in sent if rec.original is not None and not rec.original["flags"] & 64}
    assert set(per_interaction) == public and set(per_interaction.values()) <= {1}
    followups = Counter(f["id"] for rec in sent for f in rec.followups)
    assert set(followups.values()) <= {1}
    assert limits.limited, "the seeded limits never bit: the test proves nothing"
    assert not fake.take_violations()
