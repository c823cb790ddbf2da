"""Hostile notes, members and queries through the real bot and the local Discord (the corpus and the judges:
tests/bot/hostile.py): nothing goes live that the bot did not mean, and every hostile text is still there to read."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from store.db.claims import LEASE
from store.library import Library
from tests.bot.hostile import (
    FRAGMENTS,
    ISSUE,
    LINKS,
    TAGS,
    ZWSP,
    MetadataFile,
    Note,
    hostile_corpus,
    read_by_the_reader,
    shown,
    shows,
    stored,
    visible,
    write_corpus,
)
from tests.e2e.harness import NOW, Clock, click, local_discord, make_bot
from tests.fakediscord import FakeDiscord, InteractionRecord, User, markdown, running
from tests.fakediscord.server import Member, snowflake

# A member whose display name is itself hostile: it is shown as the writer of their summaries.
MALLORY = "Mal [Verify](https://evil.example/m) @everyone <@1> `x` \x1b[2J||s||"
# What members type into forms: (the form's values, whether the bot stores it).
MEMBER_WRITES = [
    ({"summary:paper": "Marsupial Mole Navigation", "summary:tldr": ISSUE,
      "summary:summary": "\n".join(f for f in FRAGMENTS if len(f) < 100),
      "summary:topics": "cs.LG, ||spoiler||, @everyone", "summary:link": "https://example.org/mole"}, True),
    ({"summary:paper": "Sugar Glider Gradients <@&9> @here", "summary:tldr": "`one` ``two`` ```three```",
      "summary:summary": "\x1b]8;;https://evil.example/osc\x07click\x1b]8;;\x07\n# heading\n>>> rest\x00 NUL",
      "summary:link": "arxiv.org/abs/1703.10593"}, True),
    ({"summary:paper": "Tasmanian Devil Dropout", "summary:tldr": "Bites.", "summary:link": "javascript:alert(1)"},
     False),
    ({"summary:paper": f"**Title**: {ISSUE}", "summary:tldr": "Refused by its title."}, False),
]
PROPOSALS = [
    "Koala `Learning` [Verify](https://evil.example/x) @everyone <@1> ||spoiler||",
    "Kangaroo [the paper](https://example.org/p) then [Verify your account](https://evil.example/x)",  # no arXiv id
    "\x1b[2J Emu \u202eEmbeddings # heading -# small \x00",
    "https://evil.example/x)[a](https://evil.example)",
]
GENERIC_FAILURE = "Sorry, something went wrong"


async def answered(rec: InteractionRecord) -> dict:
    message = await rec.final()
    assert not rec.rejected, rec.rejected
    assert GENERIC_FAILURE not in message.get("content", ""), message
    return message


async def test_nothing_a_note_a_member_or_a_query_writes_goes_live_in_discord(
        database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The hostile corpus, hostile members and hostile queries through every command that shows their text:
    the local Discord refuses nothing and sees nothing live the bot did not mean (its only ping is the
    presenter's, named in allowed_mentions), every interaction gets an answer that is not a failure, nothing
    is logged as an error, and the hostile text is still there to read, as written."""
    caplog.set_level(logging.ERROR)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files, links = hostile_corpus()
    expected = read_by_the_reader(files)
    assert sum(map(len, expected.values())) >= 30  # most hostile notes are papers; the others are refused by name
    async with local_discord(database_url, corpus) as (fake, library):
        mallory = User(snowflake(), MALLORY)
        fake.members[mallory.id] = Member(mallory)
        # The loops pass once at start (an empty corpus: nothing to post) and rest.
        bot = make_bot(fake, library, Clock(NOW), timezone="Europe/Paris", poll_seconds=3600.0)
        async with running(bot):
            for cog in ("DigestCog", "ReadingGroup"):  # their first pass, on an empty corpus: nothing to post
                await bot.get_cog(cog).ticks_reach(1)  # type: ignore[union-attr]
            write_corpus(corpus, files)
            await reload_as_admin(fake, files)
            assert sorted(p.title for p in library.catalog) == sorted(
                stored(r.title) for records in expected.values() for r in records)
            await search_each_paper(fake, library, links)
            await page_through_results(fake)
            await ask_hostile_questions(fake)
            await members_write_summaries(fake, mallory)
            await propose_schedule_and_discuss(fake, library, mallory)
            # The first pass claimed this week's digest and found nothing to post: its claim lapses after
            # store.db.claims.LEASE, then /digest now may post.
            bot.clock.now = NOW + LEASE + timedelta(minutes=1)  # type: ignore[attr-defined]
            await digest_and_help(fake)
        assert fake.take_violations() == []
        assert fake.live_links == [] and fake.broken_code == []
        assert [p for _where, p in fake.pings] == [markdown.Mention("user", mallory.id)]  # the summary hint, meant
        for rec in fake.interactions.values():
            assert rec.response is not None and not rec.rejected, (rec.payload["data"], rec.rejected)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def reload_as_admin(fake: FakeDiscord, files: list[Note | MetadataFile]) -> None:
    """/reload: the report names every hostile file, as written, inside its code span."""
    report = (await answered(await fake.slash("reload", user=fake.admin)))["content"]
    assert report.startswith("**Reloaded.**")
    names = [code.replace(ZWSP, "") for code in markdown.read(report).code]
    assert sorted(names[:len(files)]) == sorted(visible(f.filename.replace("`", "")) for f in files)


async def search_each_paper(fake: FakeDiscord, library: Library, links: dict[str, str | None]) -> None:
    """/paper TAG finds each paper first, its title shown as written; its link only once checked (mended)."""
    for paper in library.catalog:
        tag = paper.title.split()[0]
        found = await answered(await fake.slash("paper", user=fake.member, query=tag))
        embed = found["embeds"][0]
        assert shows(embed["title"], paper.title), (embed["title"], paper.title)
        assert paper.link == embed.get("url") == links[tag]


async def page_through_results(fake: FakeDiscord) -> None:
    """Every page of a broad search, and the whole summary of each paper on the last page."""
    found = await answered(await fake.slash("paper", user=fake.member, query="networks burrows"))
    pages = [found]
    while not next(c for c in found["components"][0]["components"] if c["custom_id"] == "results:next").get(
            "disabled"):
        found = await answered(await fake.click(found, "results:next", user=fake.member))
        pages.append(found)
    assert len(pages) == 5 and all(len(p["embeds"]) == 3 for p in pages)
    menu = found["components"][1]["components"][0]
    for option in menu["options"]:
        whole = await answered(await fake.select(found, "results:full", [option["value"]], user=fake.member))
        assert whole["flags"] & 64 and whole["embeds"]


async def ask_hostile_questions(fake: FakeDiscord) -> None:
    """Each fragment as a query of every kind; some find papers, the rest are echoed in a private hint."""
    for i, fragment in enumerate(FRAGMENTS):
        command, option, limit = (("paper", "query", 300), ("ask", "question", 300), ("author", "name", 100),
                                  ("topic", "topic", 100))[i % 4]
        for query in (fragment, f"{TAGS[i]} {fragment}"):
            if len(query) <= limit:
                await answered(await fake.slash(command, user=fake.member, **{option: query}))
    for partial in ("@", "<@", "`", "[", "||", "\x1b"):
        for command, option in (("author", "name"), ("topic", "topic"), ("propose", "paper")):
            await fake.autocomplete(command, option, partial)


async def members_write_summaries(fake: FakeDiscord, mallory: User) -> None:
    """/summary write, edit, mine, recent and upload, all with hostile values, by a member with a hostile name."""
    for values, kept in MEMBER_WRITES:
        rec = await fake.slash("summary write", user=mallory)
        saved = await answered(await fake.submit_modal(rec, values, user=mallory))
        assert ("Saved as summary #" in saved["content"]) is kept, saved["content"]
    found = await answered(await fake.slash("paper", user=fake.other, query="marsupial mole navigation"))
    embed = found["embeds"][0]
    assert embed["title"] == "Marsupial Mole Navigation" and embed["url"] == "https://example.org/mole"
    writer = next(f["value"] for f in embed["fields"] if f["name"] == "Summary by")
    assert shows(writer, MALLORY)
    assert shown(embed["description"]).startswith(visible(ISSUE))
    mine = await answered(await fake.slash("summary mine", user=mallory))
    number = int(mine["content"].split("`#")[1].split("`")[0])
    rec = await fake.slash("summary edit", user=mallory, summary=number)
    await answered(await fake.submit_modal(rec, {"summary:tldr": "@here `edited` [x](https://evil.example/e)"},
                                             user=mallory))
    await answered(await fake.slash("summary recent", user=fake.admin))
    note = Note("Thylacine", "x.md", "Thylacine Burrow Networks", "Ada Lovelace; <@&9>", ISSUE, LINKS[5],
                "||s||, `t`")
    upload = fake.attach("upload.md", note.text().encode())
    fake.attachments[upload]["filename"] = "`[x](evil.example)` @everyone \u202e.md"  # its URL stays well formed
    report = await answered(await fake.slash("summary upload", user=mallory, file=upload))
    assert "1 summary stored" in report["content"]


async def propose_schedule_and_discuss(fake: FakeDiscord, library: Library, mallory: User) -> None:
    """/propose, a vote, /proposals, /session schedule (announcement, thread, event), /session done, /history."""
    corpus_paper = library.catalog[0]
    for title in [*PROPOSALS, str(corpus_paper.id)]:
        proposed = await answered(await fake.slash("propose", user=fake.member, paper=title))
        written = corpus_paper.title if title.isdigit() else title
        assert shows(proposed["embeds"][0]["title"], f"📄 {written}")
    first = fake.messages[fake.channels["general"]]
    ballot = next(m for m in first if m.get("embeds") and shows(m["embeds"][0]["title"], f"📄 {PROPOSALS[0]}"))
    pid = ballot["components"][0]["components"][0]["custom_id"].rsplit(":", 1)[1]
    assert await click(fake, ballot, f"rg:vote:+:{pid}", fake.other) == "You vote for it."
    await answered(await fake.slash("proposals", user=fake.member))
    await answered(await fake.slash("volunteer", user=mallory))
    await answered(await fake.slash("session schedule", user=fake.admin, date="2026-12-03", time="19:00",
                                    presenter=str(mallory.id), paper=PROPOSALS[0]))
    [event] = fake.events.values()
    [thread] = fake.threads.values()
    assert event["name"] == thread["name"] == visible(PROPOSALS[0])
    # Without the members intent the bot knows no member's name: the hostile one never reaches the event.
    assert event["description"] == f"Presented by a member. Thread: <#{thread['id']}>"
    announcement = fake.messages[fake.channels["reading-group"]][-1]
    assert visible(PROPOSALS[0]) in shown(announcement["content"])
    await answered(await fake.slash("session done", user=fake.admin))
    [hint] = fake.messages[int(thread["id"])]
    assert markdown.read(hint["content"]).code == (
        "/summary write paper:Koala Learning [Verify](https://evil.example/x) @\u200beveryone <\u200b@1> ||spoiler||",)
    history = await answered(await fake.slash("history", user=fake.member))
    assert shows(history["embeds"][0]["fields"][0]["name"], PROPOSALS[0])


async def digest_and_help(fake: FakeDiscord) -> None:
    """The digest as a preview and as posted, and /help's examples drawn from the hostile corpus."""
    preview = await answered(await fake.slash("digest preview", user=fake.member))
    posted = await answered(await fake.slash("digest now", user=fake.admin))
    assert "Posted to" in posted["content"]
    digest = fake.messages[fake.channels["reading-group"]][-1]
    for embed in (preview["embeds"][0], digest["embeds"][0]):
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "Marsupial Mole Navigation, by Mal" in shown(fields["✍️ New summaries by members"])
        proposals = shown(fields["🗳 Top proposals"]).splitlines()
        assert proposals and all(any(visible(p) in line for p in PROPOSALS[1:]) or "Networks" in line
                                 for line in proposals)
    helped = (await answered(await fake.slash("help", user=fake.member)))["embeds"][0]
    for name in ("paper", "author", "topic", "ask"):
        value = next(f["value"] for f in helped["fields"] if f["name"] == f"/{name}")
        [example] = markdown.read(value).code
        assert example.startswith(f"/{name} ")
