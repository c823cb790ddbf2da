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

from bot.client import PaperBot
from bot.config import Settings
from store.library import Library
from tests.fakediscord import FakeDiscord, pointed_at, running
from tests.ingest.test_corpus_boundary import REFUSED, leaked, plant

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/etc/passwd").is_file(),
                                reason="needs named pipes and /etc/passwd")


@pytest.fixture
async def world(database_url: str, tmp_path: Path):
    corpus = plant(tmp_path)
    library = Library(database_url, corpus)
    await library.start(ingest_if_empty=False)
    async with FakeDiscord() as fake:
        with pointed_at(fake):
            bot = PaperBot(library, Settings(guild_id=fake.guild_id))
            async with running(bot):
                yield fake, bot
    await library.close()


def everything_sent(fake: FakeDiscord) -> str:
    """Every body the bot sent the local Discord: interaction replies, edits, follow-ups and messages."""
    bodies: list[object] = [dict(fake.messages)]
    for rec in fake.interactions.values():
        bodies.extend([rec.response, rec.original, rec.followups, rec.rejected])
    return json.dumps(bodies, ensure_ascii=False, default=str)


@pytest.mark.timeout(120)
async def test_reload_names_the_refused_files_and_posts_none_of_their_text(world, caplog) -> None:  # type: ignore[no-untyped-def]
    fake, bot = world
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
