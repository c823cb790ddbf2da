"""Hostile input everywhere, through the real reader, the real renderer, the real bot and the local Discord.

One generator of hostile fragments (masked links, the issue's two-link line, escapes, code spans and fences,
mentions, line-start constructs, spoilers and emphasis, terminal escape sequences, bidi and zero-width
characters, very long words, links Discord refuses) composes a corpus of notes, as front-matter Markdown
and as BibTeX, under hostile file names; members then write, propose and ask with the same fragments.
The judges are not the renderer: the local Discord validates every body against Discord's API description
(formats included) and reads it as Discord's client does (tests/fakediscord/markdown.py), recording any
live link, ping or broken code span the bot did not mean; terminal output is judged by Unicode category.
Each check also says what must survive: the hostile text is shown, as written, minus control characters.
"""

from __future__ import annotations

import json
import logging
import random
import unicodedata
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.client import PaperBot
from bot.config import Settings
from bot.digest_render import digest_embed
from bot.render import batch_by_size, full_summary_embeds, no_result_message, paper_embed, report_message
from bot.text import render_hit, render_report, render_result
from store.db.claims import LEASE
from store.digest.plan import plan_digest
from store.ingest.detect import parse_text
from store.ingest.records import PaperRecord
from store.ingest.report import FileChange, IngestReport
from store.library import Library
from store.search import SearchIndex
from store.search.results import Hit, Match, PaperView, SummaryView
from tests.bot.test_cli import run
from tests.e2e.test_e2e_readinggroup import NOW, Clock, click
from tests.fakediscord import FakeDiscord, InteractionRecord, User, markdown, pointed_at, running
from tests.fakediscord.limits import message_errors, url_problems
from tests.fakediscord.openapi import operation, validate
from tests.fakediscord.server import Member, snowflake

ZWSP = "\u200b"
ISSUE = "[the paper](https://arxiv.org/abs/1706.03762) then [Verify your account](https://evil.example/x)"

# What a hostile writer puts in a title, a name, a summary, a form or a query: each construct Discord's
# Markdown, Discord's server or a terminal would act on. (No braces: BibTeX would read them as its own.)
FRAGMENTS = (
    ISSUE,
    "[Verify your account](https://evil.example/x)",
    "[[nested](https://a.example)](https://evil.example/n)",
    "[a [b] c](https://evil.example/b)",
    "\\[escaped](https://evil.example/e)",
    "\\\\[doubly](https://evil.example/d)",
    "<https://evil.example/auto>",
    "https://evil.example/bare_url",
    "`one`",
    "``two``",
    "```py\nfenced```",
    "a ` b",
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123>",
    "<@&9>",
    "<#1>",
    "# heading",
    "-# small",
    "> quote",
    ">>> rest",
    "- item",
    "1. first",
    "* star",
    "||spoiler||",
    "*em* _it_",
    "**strong** __under__",
    "~~struck~~",
    "\x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example/osc\x07click\x1b]8;;\x07",
    "\x9b31m",
    "\u202egnp.exe",
    "zero\u200bwidth\ufeff\u2066iso\u2069",
    "W" * 300,
)
# Links a note may give ({i}: the note's number, so no two notes name the same paper): none is a web link Discord
# accepts as written; the first four are mended to one, the others dropped.
LINKS = (
    "arxiv.org/abs/2101.{i:05d}",
    "doi.org/10.1000/{i}",
    "<https://example.org/wrapped/{i}>.",
    "https://example.org/ok_({i})",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "www.example.com/x y",
    "[Wombat](https://evil.example/x)",
    "https://evil.example/x)[a](https://evil.example)",
    "https://exa mple.org",
    "http://[::1",
    "https://example.org/\x1b[2J",
)
MENDED = ("https://arxiv.org/abs/2101.{i:05d}", "https://doi.org/10.1000/{i}", "https://example.org/wrapped/{i}",
          "https://example.org/ok_({i})")
# File names: anything Linux allows (no "/" and no NUL), as a committer to a synced corpus folder could.
FILENAMES = (
    "evil\x1b[2J",
    "`tick`",
    "[x](evil.example)",
    "@everyone",
    "<@1>",
    "\u202etxt",
    "c1\x9bm",
    "line\nbreak",
    "||sp||",
    "# head",
    "-# small",
    "*em*",
    "~~s~~",
    "zero\u200bwidth",
    "> quote",
    "L" * 150,
)
# One plain, distinct word per note: what finds it, whatever else its title holds.
TAGS = (
    "Wombat", "Quokka", "Numbat", "Echidna", "Dingo", "Bilby", "Potoroo", "Bandicoot", "Quoll", "Dunnart",
    "Wallaroo", "Pademelon", "Bettong", "Cuscus", "Platypus", "Kookaburra", "Cassowary", "Galah", "Lorikeet",
    "Brolga", "Jabiru", "Currawong", "Bowerbird", "Lyrebird", "Thornbill", "Pardalote", "Gerygone", "Fairywren",
    "Honeyeater", "Woylie", "Mulgara", "Kowari", "Ningaui", "Planigale", "Antechinus", "Phascogale",
    "Kultarr", "Dibbler", "Mardo", "Tarsipes",
)


@dataclass(frozen=True)
class Note:
    """One hostile note: its tag (a plain word only it holds) and what its file says."""

    tag: str
    filename: str
    title: str
    authors: str
    summary: str
    link: str
    topics: str
    stored_link: str | None = None  # the link once checked: mended, or none

    @property
    def bibtex(self) -> bool:
        return self.filename.endswith(".bib")

    def text(self) -> str:
        if self.bibtex:
            return (f"@article{{{self.tag.lower()},\n  title = {{{self.title}}},\n  author = {{{self.authors}}},\n"
                    f"  year = {{2021}},\n  url = {{{self.link}}},\n  keywords = {{{self.topics}}},\n"
                    f"  abstract = {{{self.summary}}}\n}}\n")
        return (f"---\ntitle: {self.title}\nauthors: {self.authors}\nyear: 2021\nlink: {self.link}\n"
                f"topics: {self.topics}\n---\n{self.summary}\n")


def one_line(text: str) -> str:
    return text.replace("\n", " ")


def hostile_notes(seed: int = 22, count: int = len(FRAGMENTS)) -> list[Note]:
    """`count` notes in which each fragment takes each role (title, author, summary lines), each link and file
    name its turn, in a seeded order; every third note is BibTeX."""
    rng = random.Random(seed)
    order = list(range(len(FRAGMENTS)))
    rng.shuffle(order)
    n = len(FRAGMENTS)
    notes = []
    for i in range(count):
        tag = TAGS[i]
        pick = [FRAGMENTS[order[(i + shift) % n]] for shift in (0, 5, 11, 17, 23)]
        suffix = ".bib" if i % 3 == 2 else ".md"
        separator = " and " if suffix == ".bib" else "; "
        notes.append(Note(
            tag=tag,
            filename=f"{FILENAMES[(i * 7) % len(FILENAMES)]} {i:02d}{suffix}",
            title=f"{tag} {one_line(pick[0])} Networks",
            authors=separator.join(("Ada Lovelace", one_line(pick[1]))),
            summary=f"{tag} burrows. {pick[2]}\n{pick[3]} after a line break\n\n{pick[4]} in a new paragraph.",
            link=LINKS[i % len(LINKS)].format(i=i),
            topics=f"Marsupials, {one_line(pick[(i + 2) % 5])}",
            stored_link=MENDED[i % len(LINKS)].format(i=i) if i % len(LINKS) < len(MENDED) else None,
        ))
    return notes


@dataclass(frozen=True)
class MetadataFile:
    """arXiv metadata as JSON Lines (a bulk import's format): JSON escapes can carry any character, NUL too."""

    filename: str
    papers: tuple[dict[str, str], ...]

    def text(self) -> str:
        return "".join(json.dumps(paper) + "\n" for paper in self.papers)  # ESC, NUL... as \u escapes

    def links(self) -> dict[str, str | None]:
        return {p["title"].split()[0]: f"https://arxiv.org/abs/{p['id']}" for p in self.papers}


def hostile_metadata(first_tag: int = len(FRAGMENTS), count: int = 4) -> MetadataFile:
    """Papers whose title, authors and abstract hold fragments, and a NUL, which PostgreSQL refuses in text."""
    papers = tuple({"id": f"2102.{k:05d}",
                    "title": f"{TAGS[first_tag + k]} {one_line(FRAGMENTS[7 * k])}\x00 Metadata Networks",
                    "authors": f"Ada Lovelace and {one_line(FRAGMENTS[7 * k + 1])}",
                    "abstract": f"{FRAGMENTS[7 * k + 2]}\x00 abstract.", "categories": "cs.LG"} for k in range(count))
    return MetadataFile(f"{FILENAMES[0]} metadata.jsonl", papers)


def hostile_corpus() -> tuple[list[Note | MetadataFile], dict[str, str | None]]:
    """The notes and the metadata file, and each paper's link as it should be stored (by its tag)."""
    notes, metadata = hostile_notes(), hostile_metadata()
    return [*notes, metadata], {**{n.tag: n.stored_link for n in notes}, **metadata.links()}


def visible(text: str) -> str:
    """What a one-line place should show of `text`, worked out here from Unicode categories (not by the
    renderer): control and invisible format characters gone (zero-width joiners kept), line breaks and
    tabs as blanks, blanks collapsed."""
    kept = "".join(" " if c in "\t\n\r\u2028\u2029" else c for c in text
                   if unicodedata.category(c) not in ("Cc", "Cf") or c in "\t\n\r\u200c\u200d")
    return " ".join(kept.split())


def shown(sent: str) -> str:
    """What Discord's client shows of a text the bot sent (the model's reading), zero-width spaces aside."""
    return markdown.read(sent).shown.replace(ZWSP, "")


def shows(sent: str, written: str) -> bool:
    """Whether `sent` shows `written` as written (minus controls), whole or cut at a word with an ellipsis."""
    return whole_or_cut(shown(sent), visible(written))


def whole_or_cut(seen: str, meant: str) -> bool:
    return seen == meant or (seen.endswith("…") and meant.startswith(seen[:-1].rstrip()))


def read_by_the_reader(files: list[Note | MetadataFile]) -> dict[str, list[PaperRecord]]:
    """Each file's records as the real reader reads it (file name -> records; none when it refuses them)."""
    return {f.filename: parse_text(f.text(), f.filename, Path(f.filename).suffix).records for f in files}


def stored(title: str) -> str:
    """A title as the database keeps it: every NUL dropped (PostgreSQL refuses one; SQLite is held to the same)."""
    return title.replace("\x00", "")


def write_corpus(folder: Path, files: list[Note | MetadataFile]) -> None:
    for f in files:
        (folder / f.filename).write_text(f.text(), encoding="utf-8")


# --- the real bot, the local Discord, one world ---

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


def make_bot(fake: FakeDiscord, library: Library) -> PaperBot:
    settings = Settings(guild_id=fake.guild_id, digest_channel_id=fake.channels["reading-group"], digest_weekday=0,
                        digest_time=time(9, 0), digest_timezone="Europe/Paris",
                        attachment_hosts=frozenset({fake.attachment_host}))
    bot = PaperBot(library, settings, clock=Clock(NOW))
    bot.digest_poll_seconds = 3600.0  # the loops pass once at start (an empty corpus: nothing to post) and rest
    return bot


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
    library = Library(database_url, corpus)
    await library.start()
    async with FakeDiscord() as fake:
        mallory = User(snowflake(), MALLORY)
        fake.members[mallory.id] = Member(mallory)
        with pointed_at(fake):
            async with running(make_bot(fake, library)) as bot:
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
    await library.close()
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


# --- the pure layers, for any note: the real reader, then every renderer that shows what it read ---

# Constructs only text the bot did not write could bring (its own bold, italics and code spans aside).
FOREIGN = frozenset({"link", "url", "heading", "subtext", "list", "quote", "spoiler", "code", "code_block",
                     "underline", "strike", "em", "strong", "mention"})
CREATE_MESSAGE = operation("create_message").request


def refusals(body: dict) -> list[str]:
    """What Discord would refuse in a message body: its API description (formats too), its embed URL rules
    and its limits, as the local Discord judges them."""
    assert CREATE_MESSAGE is not None
    return [str(p) for p in (*validate(CREATE_MESSAGE, body, requests=True), *url_problems(body))] + message_errors(
        body)


def live(body: dict, bots_own: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Every Markdown surface of a body in which Discord's client would show something the bot did not write
    as live (a masked link, a mention, a broken code span, a construct beyond `bots_own`), and anyone Discord's
    server would notify, were the body sent with no allowed_mentions at all."""
    found = [(path, text) for path, text in markdown.surfaces(body)
             if (r := markdown.read(text)).links or r.mentions or not r.code_balanced
             or r.constructs & (FOREIGN - bots_own)]
    return found + [("pings", str(p)) for p in markdown.pings({**body, "allowed_mentions": None})]


def terminal_safe(text: str) -> bool:
    """No character a terminal acts on or hides: no control but newline and tab, no invisible format
    character (bidi overrides, zero-width space...) but the zero-width joiners."""
    return not any((unicodedata.category(c) == "Cc" and c not in "\n\t")
                   or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d") for c in text)


def printable(text: str) -> str:
    """`text` as a terminal should print it when it holds no escape sequence: controls and format characters
    gone (newline, tab and the zero-width joiners kept)."""
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c in "\n\t\u200c\u200d")


def views_of(records: list[PaperRecord]) -> list[PaperView]:
    """The papers as search results carry them, straight from the reader's records."""
    return [PaperView(id=i, title=r.title, authors=tuple(r.authors), venue=r.venue, year=r.year,
                      topics=tuple(r.topics), link=r.link, summaries=(SummaryView(r.source, r.line, r.summary),),
                      added_at=NOW) for i, r in enumerate(records, 1)]


PIECES = st.sampled_from(FRAGMENTS + LINKS + FILENAMES) | st.text(max_size=6)
LINE = st.lists(PIECES, max_size=4).map(lambda parts: one_line(" ".join(parts)).replace("\r", " "))
NOTES = st.builds(
    Note,
    tag=st.sampled_from(TAGS),
    filename=st.tuples(PIECES.map(one_line), st.integers(0, 99), st.sampled_from([".md", ".bib"])).map(
        lambda t: f"{t[0]} {t[1]:02d}{t[2]}"),
    title=st.tuples(st.sampled_from(TAGS), LINE).map(lambda t: f"{t[0]} {t[1]} Networks"),
    authors=st.lists(LINE, min_size=1, max_size=3).map("; ".join),
    summary=st.lists(PIECES | st.sampled_from(["\n", "\n\n", "\n- ", "\n> ", "\n# "]), max_size=12).map("".join),
    link=st.sampled_from(LINKS).map(lambda link: link.format(i=7)) | st.text(max_size=20).map(one_line),
    topics=LINE,
)


@settings(max_examples=400)
@given(note=NOTES)
@example(note=Note("Wombat", "a 01.md", "Wombat Networks", "Ada Lovelace", "Burrows.", "", "\x07\x08"))  # no topic
@example(note=hostile_notes()[13])  # the issue's two links in a title
def test_any_note_the_reader_takes_is_shown_as_written_with_nothing_live(note: Note) -> None:
    """Whatever a note says, as front-matter Markdown or BibTeX: the /reload report, the result embeds, the
    whole summary, the digest and the terminal lines carry nothing live and nothing Discord refuses, and show
    each title, as written, minus control characters."""
    parsed = parse_text(note.text(), note.filename, Path(note.filename).suffix)
    records = parsed.records
    report = IngestReport([FileChange(note.filename, "new" if records else "failed", added=len(records),
                                      papers=len(records))], list(parsed.problems), len(records))
    message = {"content": report_message(report)}
    assert live(message, bots_own=frozenset({"strong", "code"})) == [] and refusals(message) == []
    name = markdown.read(message["content"]).code[0].replace(ZWSP, "")
    assert whole_or_cut(name, visible(note.filename.replace("`", "")))
    terminal = render_report(report)
    # (an escape sequence may take the characters after its ESC: only the suffix is sure to show)
    assert terminal_safe(terminal) and f"{note.filename[-4:]}: {report.files[0].status}, {len(records)} pap" in terminal
    views = views_of(records)
    for view in views:
        hit = Hit(view, 1.0, why=(Match(view.title.split()[-1].lower(), "title"),))
        embed = paper_embed(hit, 1, 1).to_dict()
        assert live({"embeds": [embed]}) == [] and refusals({"embeds": [embed]}) == []
        assert shows(embed["title"], view.title), (embed["title"], view.title)
        assert embed.get("url") == view.link and (view.link is None or view.link.startswith(("https://", "http://")))
        for batch in batch_by_size(full_summary_embeds(view)):
            body = {"embeds": [e.to_dict() for e in batch]}
            assert live(body) == [] and refusals(body) == []
        terminal = render_hit(1, hit)
        assert terminal_safe(terminal) and terminal.startswith(f"1. {view.title.split()[0]}")
    if views:
        digest = plan_digest(views, set(), 1, None, "2026-W49")
        body = {"embeds": [digest_embed(digest, NOW, NOW).to_dict()]}
        assert live(body, bots_own=frozenset({"em", "strong"})) == [] and refusals(body) == []
        fields = body["embeds"][0]["fields"]
        assert fields and all(any(shows(f["name"], v.title) for v in views) for f in fields)
        description = shown(body["embeds"][0]["description"]) + "\n"
        if digest.topic and visible(digest.topic):
            assert f"Topic of the week: {visible(digest.topic)}\n" in description or len(digest.topic) > 100
        else:  # a topic of control characters alone shows as no topic, not as an empty bold "****"
            assert "Topic of the week" not in description


@settings(max_examples=200)
@given(note=NOTES, query=PIECES | LINE, kind=st.sampled_from(["paper", "author", "topic", "ask"]))
def test_any_query_is_answered_or_echoed_as_written_with_nothing_live(note: Note, query: str, kind: str) -> None:
    """A query of any kind over the papers the reader took from a note: what it finds is shown as in results,
    and a query that finds nothing is echoed back, to Discord and to the terminal, as written and never live."""
    index = SearchIndex.build(views_of(parse_text(note.text(), note.filename, Path(note.filename).suffix).records))
    result = getattr(index, kind)(query, 10)
    if result.hits:
        for i, hit in enumerate(result.hits, 1):
            body = {"embeds": [paper_embed(hit, i, len(result.hits)).to_dict()]}
            assert live(body, bots_own=frozenset({"quote"} if hit.passage else ())) == [] and refusals(body) == []
            assert shows(body["embeds"][0]["title"], hit.paper.title)
    else:
        hint = {"content": no_result_message(result, query, kind)}
        assert live(hint, bots_own=frozenset({"strong"})) == [] and refusals(hint) == []
        if result.note is None:  # the query, folded to single blanks (every blank Python knows) and cleaned
            written = visible(" ".join(query.split()))
            echo = shown(hint["content"]).removeprefix(f"No {kind} matches “")
            assert echo.startswith(f"{written}”") or (len(written) > 200 and whole_or_cut(echo.split("”")[0], written))
    terminal = render_result(result, query, kind)
    assert terminal_safe(terminal)
    assert terminal.startswith("1. " if result.hits else result.note or f"No {kind} matches “")


# --- the terminal: the real `paperbot` command on the same hostile corpus ---

def test_ingest_check_and_paper_print_no_control_character(database_url: str, tmp_path: Path) -> None:
    """`paperbot ingest --corpus DIR`, `paperbot check DIR` and `paperbot paper QUERY`, as subprocesses on
    the hostile corpus and a real database: stdout and stderr hold no control character (newline and tab
    aside) and no escape sequence, and still say what was read, file by file and title by title."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files, _links = hostile_corpus()
    write_corpus(corpus, files)
    read = read_by_the_reader(files)
    env = {"DATABASE_URL": database_url}
    ingest = run(tmp_path, "ingest", "--corpus", str(corpus), env=env)
    check = run(tmp_path, "check", str(corpus), env=env)
    found = run(tmp_path, "paper", "networks", "--corpus", str(corpus), "--limit", "50", env=env)
    nothing = run(tmp_path, "paper", "\x1b]2;pwned\x07zzqx \x9bK", "--corpus", str(corpus), env=env)
    as_json = run(tmp_path, "paper", "networks", "--corpus", str(corpus), "--limit", "50", "--json", env=env)
    for out in (ingest, check, found, nothing, as_json):
        assert out.returncode == 0, out.stderr
        for text in (out.stdout, out.stderr):
            assert terminal_safe(text) and "\x1b" not in text and "\x9b" not in text, text
    for f in files:  # each file by the plain end of its name ("… 07.md"), whatever its hostile start became
        tail, records = f" {f.filename.rsplit(' ', 1)[1]}", read[f.filename]
        status = f"new, {len(records)} papers (+{len(records)} added" if records else "failed, 0 papers"
        assert f"{tail}: {status}" in ingest.stdout
        for r in records:
            assert f"{tail}:{r.line}: {r.title.split()[0]} " in check.stdout
            if "\x1b" not in r.title and "\x9b" not in r.title:  # as written, controls aside
                assert f"{tail}:{r.line}: {printable(r.title)}\n" in check.stdout
                assert f". {printable(r.title)}\n" in found.stdout
    assert found.stdout.count("\n   source: ") == sum(map(len, read.values())) >= 30
    assert nothing.stdout == "No paper matches “zzqx ”.\n"
    titles = [hit["title"] for hit in json.loads(as_json.stdout)]  # --json: the data as stored, controls escaped
    assert sorted(titles) == sorted(stored(r.title) for records in read.values() for r in records)
