"""/reload through the real discord.py client and the local Discord, on a corpus folder with planted links.

The admin's reply names every refused file and why; nothing the refused files hold (the bot's token, the
database password, /etc/passwd, an outside note) appears in anything the bot sent or logged; the good
files load and are found by members.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import pytest

from tests.corpora import REFUSED, leaked, plant
from tests.e2e.harness import bot_world
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/etc/passwd").is_file(),
                                reason="needs named pipes and /etc/passwd")


@pytest.fixture
async def world(database_url: str, tmp_path: Path):
    """The corpus folder with planted links, not yet read: the test's /reload reads it."""
    async with bot_world(database_url, plant(tmp_path), ingest_if_empty=False) as started:
        yield started


def everything_sent(fake: FakeDiscord) -> str:
    """Every body the bot sent the local Discord: interaction replies, edits, follow-ups and messages."""
    bodies: list[object] = [dict(fake.messages)]
    for rec in fake.interactions.values():
        bodies.extend([rec.response, rec.original, rec.followups, rec.rejected])
    return json.dumps(bodies, ensure_ascii=False, default=str)


@pytest.mark.timeout(120)
async def test_reload_names_the_refused_files_and_posts_none_of_their_text(world, caplog) -> None:  # type: ignore[no-untyped-def]
    fake, bot, _ = world
    caplog.set_level(logging.DEBUG)
    sent = (await (await fake.slash("reload", user=fake.admin)).final())["content"]
    reply = re.sub(r"\\([^A-Za-z0-9\s])", r"\1", sent)  # as a member reads it: Markdown escapes rendered
    assert reply.startswith("**Reloaded.** 2 papers: 2 added, 0 updated, 0 removed, 8 problem(s)"), reply
    for problem in REFUSED:
        assert f"⚠ {problem.source}: {problem.message}" in reply, (problem, reply)
    for name in ("good.md", "linked-inside.md"):
        assert f"• `{name}`: new (+1 / ~0 / −0)" in reply, reply
    assert sorted(p.title for p in bot.library.catalog) == ["Attention Is All You Need", "Numbat Inside Link"]
    assert leaked(everything_sent(fake)) == []  # before any member's query echoes a word of it back
    assert leaked(caplog.text) == []

    found = await (await fake.slash("paper", query="numbat inside link", user=fake.member)).final()
    assert found["embeds"][0]["title"] == "Numbat Inside Link"
    for query in ("quokka exfiltration", "wombat tunnel routing"):  # the outside notes: not in the corpus
        missed = await (await fake.slash("paper", query=query, user=fake.member)).final()
        assert not missed.get("embeds"), missed

    assert not fake.unknown_routes and all(not r.rejected for r in fake.interactions.values())
