"""What the group read, as members see it through the local Discord: `/session done`, `/history` pages and
its topic filter, "Discussed on" under `/author`'s results, and a second server that sees only its own.

Every session here is scheduled and marked discussed by an organiser through Discord, as it would be.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.client import PaperBot
from store.library import Library
from tests.e2e.harness import NOW, Clock, local_discord, make_bot
from tests.e2e.pings import assert_cannot_ping
from tests.fakediscord import FakeDiscord, InteractionRecord, User, running, would_ping
from tests.fakediscord.server import Guild

NOTE = "---\ntitle: {title}\nauthors: {authors}\ntopics: {topic}\n---\n{summary}\n"
# title -> (authors, topic); the first seven are discussed in the first server, in this order, a day apart
PAPERS = {
    "Quokka Pruning": ("Mira Okafor", "marsupials"),
    "Wombat Search": ("Tomas Ruiz", "marsupials"),
    "Emu Embeddings": ("Ada Byron", "birds"),
    "Numbat Networks": ("Ines Kowalczyk", "marsupials"),
    "Koala Kernels": ("Lena Park", "marsupials"),
    "Kiwi Curricula": ("Omar Haddad", "birds"),
    "Dingo Dropout": ("Sara Lind", "marsupials"),
    "Platypus Parsing": ("Yuki Mori", "monotremes"),  # proposed in the first server
    "Echidna Encoders": ("Ada Byron", "monotremes"),  # proposed, then discussed, in the second server
}
DISCUSSED = list(PAPERS)[:7]


@pytest.fixture
async def two_servers(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, Guild, PaperBot]]:
    """The local Discord with two servers, and one bot in both (commands global), over PAPERS."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, (title, (authors, topic)) in enumerate(PAPERS.items()):
        (corpus / f"p{i}.md").write_text(NOTE.format(title=title, authors=authors, topic=topic,
                                                     summary=f"What {title} does."), encoding="utf-8")
    async with local_discord(database_url, corpus) as (fake, library):
        second = fake.add_guild("Second Group")
        async with running(bot_for(fake, library)) as bot:
            for guild in (fake.first_guild, second):  # each server's admin picks its reading-group channel
                await answer(fake, "digest channel", guild, fake.admin, channel=str(guild.channels["reading-group"]))
            yield fake, second, bot  # type: ignore[misc]


def bot_for(fake: FakeDiscord, library: Library) -> PaperBot:
    return make_bot(fake, library, Clock(NOW), timezone="UTC", guild_id=None)  # global commands: both servers


async def answer(fake: FakeDiscord, command: str, guild: Guild, user: User, **options: Any) -> dict[str, Any]:
    rec = await fake.slash(command, user=user, guild=guild, **options)
    message = await rec.final()
    assert not rec.rejected, rec.rejected
    return message


async def discuss(fake: FakeDiscord, guild: Guild, title: str, day: int, presenter: User) -> datetime:
    """An organiser schedules `title` on December `day` at 19:00 UTC, then marks it discussed: the start."""
    scheduled = await answer(fake, "session schedule", guild, fake.admin, date=f"2026-12-{day:02d}", time="19:00",
                             paper=title, presenter=str(presenter.id))
    assert scheduled["content"].startswith(f"Scheduled **{title}** "), scheduled["content"]
    done = await answer(fake, "session done", guild, fake.admin)
    assert done["content"] == f"**{title}** is marked discussed.", done["content"]
    return datetime(2026, 12, day, 19, 0, tzinfo=UTC)


def footer(message: dict[str, Any]) -> str:
    return message["embeds"][0]["footer"]["text"]


def listed(message: dict[str, Any]) -> list[str]:
    return [f["name"] for f in message["embeds"][0].get("fields") or []]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    return next(c for row in message["components"] for c in row["components"] if c.get("label") == label)


async def press(fake: FakeDiscord, message: dict[str, Any], label: str, user: User, page: str) -> InteractionRecord:
    """Press `label` under a /history page, as `user`; wait until the page the member sees is `page`."""
    rec = await fake.click(message, button(message, label)["custom_id"], user=user)
    await rec.wait(lambda: rec.response is not None and footer(message).startswith(page))
    assert not rec.rejected, rec.rejected
    return rec


async def test_session_done_asks_the_presenter_and_history_pages_and_filters(two_servers) -> None:
    fake, second, _bot = two_servers
    first = fake.first_guild
    group = first.channels["reading-group"]
    starts = {title: await discuss(fake, first, title, 3 + i, fake.member if i % 2 == 0 else fake.other)
              for i, title in enumerate(DISCUSSED)}

    # /session done: each announcement says so, and each presenter is asked for a summary in its thread,
    # pinged alone.
    announcements = [m for m in fake.messages[group] if m["content"].startswith(("📅", "✅"))]
    assert [m["content"].split("**")[1] for m in announcements] == DISCUSSED
    assert all(m["content"].startswith("✅ Discussed: ") for m in announcements)
    for i, (title, announcement) in enumerate(zip(DISCUSSED, announcements, strict=True)):
        presenter = fake.member if i % 2 == 0 else fake.other
        [hint] = fake.messages[int(announcement["id"])]  # the thread opened from the announcement
        assert hint["content"].startswith(f"<@{presenter.id}>, thanks for presenting!") and title in hint["content"]
        assert [int(u) for u in hint["allowed_mentions"]["users"]] == [presenter.id] and would_ping(hint)
        assert not hint["allowed_mentions"].get("parse") and not hint["allowed_mentions"].get("roles")
    assert (await answer(fake, "session done", first, fake.admin))["content"] == "No such scheduled session."

    # /history: newest first, five a page; Older and Newer move through the pages.
    newest_first = DISCUSSED[::-1]
    page = await answer(fake, "history", first, fake.other)
    assert listed(page) == newest_first[:5] and footer(page) == "Page 1 of 2 · 7 session(s)"
    value = page["embeds"][0]["fields"][0]["value"]
    assert value == f"<t:{int(starts['Dingo Dropout'].timestamp())}:D>, presented by <@{fake.member.id}>"
    assert button(page, "Newer").get("disabled") and not button(page, "Older").get("disabled")
    await press(fake, page, "Older", fake.other, "Page 2 of 2")
    assert listed(page) == newest_first[5:] and button(page, "Older").get("disabled")
    await press(fake, page, "Newer", fake.other, "Page 1 of 2")
    assert listed(page) == newest_first[:5]

    # The topic filter, with the topic as the member picks it from the autocomplete.
    [birds] = await fake.autocomplete("history", "topic", "bird", user=fake.other)
    filtered = await answer(fake, "history", first, fake.other, topic=birds["value"])
    assert listed(filtered) == ["Kiwi Curricula", "Emu Embeddings"] and footer(filtered) == "Page 1 of 1 · 2 session(s)"
    assert button(filtered, "Older").get("disabled") and button(filtered, "Newer").get("disabled")
    [marsupials] = await fake.autocomplete("history", "topic", "marsup", user=fake.other)
    filtered = await answer(fake, "history", first, fake.other, topic=marsupials["value"])
    assert listed(filtered) == [t for t in newest_first if PAPERS[t][1] == "marsupials"]
    assert footer(filtered) == "Page 1 of 1 · 5 session(s)"
    nothing = await answer(fake, "history", first, fake.other, topic="monotremes")
    assert nothing["embeds"][0]["description"] == "Nothing discussed yet." and not listed(nothing)

    # "Discussed on" under /author's results: in this server, not in the other one.
    found = await answer(fake, "author", first, fake.other, name="Ada Byron")
    fields = {e["title"]: {f["name"]: f["value"] for f in e.get("fields") or []} for e in found["embeds"]}
    assert set(fields) == {"Emu Embeddings", "Echidna Encoders"}
    assert fields["Emu Embeddings"]["Discussed"] == (
        f"Discussed on <t:{int(starts['Emu Embeddings'].timestamp())}:D>, presented by <@{fake.member.id}>")
    assert "Discussed" not in fields["Echidna Encoders"]
    assert re.fullmatch(r"2 results for “Ada Byron”", found["content"]) and not found["flags"] & 64
    assert_cannot_ping(found)  # the presenter is named in an embed: nobody is pinged
    elsewhere = await answer(fake, "author", second, fake.other, name="Ada Byron")
    assert all("Discussed" not in {f["name"] for f in e.get("fields") or []} for e in elsewhere["embeds"])
    assert {e["title"] for e in elsewhere["embeds"]} == {"Emu Embeddings", "Echidna Encoders"}


async def test_a_second_server_sees_only_its_own_sessions_and_proposals(two_servers) -> None:
    fake, second, _bot = two_servers
    first = fake.first_guild
    await discuss(fake, first, "Quokka Pruning", 3, fake.member)
    proposed = await answer(fake, "propose", first, fake.member, paper="Platypus Parsing")
    assert proposed["embeds"][0]["title"] == "📄 Platypus Parsing"
    # The second server: its own proposal, then its own session on another paper.
    theirs = await answer(fake, "propose", second, fake.other, paper="Echidna Encoders")
    assert theirs["embeds"][0]["title"] == "📄 Echidna Encoders"
    assert int(theirs["channel_id"]) == second.channels["general"]
    listing = await answer(fake, "proposals", second, fake.member)
    assert [line.split(":")[0] for line in listing["content"].splitlines()] == ["1. **Echidna Encoders**"]
    listing = await answer(fake, "proposals", first, fake.member)
    assert [line.split(":")[0] for line in listing["content"].splitlines()] == ["1. **Platypus Parsing**"]
    assert (await answer(fake, "history", second, fake.member))["embeds"][0]["description"] == "Nothing discussed yet."

    start = await discuss(fake, second, "Echidna Encoders", 10, fake.other)
    [announcement] = [m for m in fake.messages[second.channels["reading-group"]] if m["content"].startswith("✅")]
    assert announcement["content"].startswith("✅ Discussed: **Echidna Encoders**")
    assert not any("Echidna" in m["content"] for m in fake.messages[first.channels["reading-group"]])
    history = await answer(fake, "history", second, fake.member)
    assert listed(history) == ["Echidna Encoders"] and footer(history) == "Page 1 of 1 · 1 session(s)"
    assert history["embeds"][0]["fields"][0]["value"] == (
        f"<t:{int(start.timestamp())}:D>, presented by <@{fake.other.id}>")
    history = await answer(fake, "history", first, fake.member)
    assert listed(history) == ["Quokka Pruning"] and footer(history) == "Page 1 of 1 · 1 session(s)"
    # Its proposal closed with the session; the first server's is still open.
    closed = await answer(fake, "proposals", second, fake.member)
    assert closed["content"] == "No open proposals. Propose one with /propose."
    listing = await answer(fake, "proposals", first, fake.member)
    assert [line.split(":")[0] for line in listing["content"].splitlines()] == ["1. **Platypus Parsing**"]
