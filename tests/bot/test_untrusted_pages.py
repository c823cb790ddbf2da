"""The bot's own pages (result embeds, the digest, proposals, the post-session hint), which used to carry the
issue's live link: judged by the model of Discord's Markdown (tests/fakediscord/markdown.py), not by themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import discord
from discord import app_commands

from bot import render
from bot.cogs.readinggroup import ReadingGroup
from bot.cogs.readinggroup_views import proposal_embed
from bot.digest_render import digest_embed
from bot.untrusted import for_discord, for_discord_pieces
from store.digest.plan import Digest, Pick
from store.readinggroup import ProposalView, SessionView
from store.search.results import Hit, PaperView, SummaryView
from store.summaries.contributions import ContributionView
from tests.bot.untrusted_checks import ISSUE, nothing_live
from tests.fakediscord import markdown

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_a_long_summary_is_cut_into_pieces_each_escaped_on_its_own() -> None:
    """A piece starts an embed's description: what was mid-line there is at a line start."""
    for text in ("x" * 4095 + "# evil heading", "x" * 4096 + "- a list", "x" * 4094 + "*" * 10 + " *em*"):
        pieces = for_discord_pieces(text, 4096)
        assert all(len(p) <= 4096 for p in pieces) and len(pieces) == 2
        assert "".join(nothing_live(p).shown for p in pieces) == text
        assert [live(e) for e in render.full_summary_embeds(paper(summary=text))] == [[], []]
    assert for_discord_pieces("one two three four", 9) == ["one two", "three", "four"]
    assert for_discord_pieces("- a - b", 5) == [r"\- a", r"\- b"]


def paper(title: str = "T", summary: str = "S", link: str | None = None, writer: str | None = None) -> PaperView:
    return PaperView(id=1, title=title, authors=("Ada Lovelace",), venue="ICLR", year=2019, topics=("ML",),
                     link=link, summaries=(SummaryView("a.md", 3, summary, writer),), added_at=WHEN)


# Constructs only text the bot did not write could bring into these embeds (bold, italics, timestamps are its own).
FOREIGN = frozenset({"link", "url", "heading", "subtext", "list", "quote", "spoiler", "code", "code_block",
                     "underline", "strike"})


def live(embed: discord.Embed) -> list[tuple[str, str]]:
    """Every Markdown surface of an embed in which the oracle finds something live, with the text."""
    body = {"embeds": [embed.to_dict()]}
    readings = [(path, text, markdown.read(text)) for path, text in markdown.surfaces(body)]
    return [(path, text) for path, text, r in readings
            if r.links or r.mentions or not r.code_balanced or r.constructs & FOREIGN]


def test_search_results_and_the_digest_carry_no_live_link_from_a_summary() -> None:
    hostile = paper(title=f"`{ISSUE}", summary=ISSUE, writer="[Mod](https://evil.example) @everyone")
    embed = render.paper_embed(Hit(hostile, 1.0), 1, 1)
    assert live(embed) == []
    assert embed.description == for_discord(ISSUE)
    assert [live(e) for e in render.full_summary_embeds(hostile)] == [[]]
    digest = digest_embed(Digest(picks=[Pick(hostile, f"on {ISSUE}")], topic=ISSUE), WHEN, WHEN)
    assert live(digest) == []
    c = ContributionView(id=5, paper_id=1, title=ISSUE, link="javascript:alert(1)", tldr=ISSUE, body=ISSUE,
                         topics=(ISSUE,), writer_id=1, writer=ISSUE, created_at=WHEN, edited_at=None, edits=0)
    embed = render.contribution_embed(c)
    assert live(embed) == [] and embed.url is None  # a link store.text.links refuses never becomes the embed's url


def test_a_papers_link_is_sent_only_once_checked() -> None:
    assert render.paper_embed(Hit(paper(link="arxiv.org/abs/1706.03762"), 1.0), 1, 1).url == (
        "https://arxiv.org/abs/1706.03762")
    for bad in ("javascript:alert(1)", "[x](https://evil.example)", "www.example.com/x y"):
        assert render.paper_embed(Hit(paper(link=bad), 1.0), 1, 1).url is None
        assert render.full_summary_embeds(paper(link=bad))[0].url is None


def proposal(title: str, link: str | None) -> ProposalView:
    return ProposalView(id=3, title=title, paper_id=None, link=link, proposer_id=42, created_at=WHEN,
                        expires_at=WHEN, status="open", score=1, voters=1, message_id=None, channel_id=None)


def test_a_proposal_shows_a_markdown_link_as_text_and_a_checked_one_whole() -> None:
    embed = proposal_embed(proposal("Attention", "[Attention](https://evil.example/x)"))
    assert markdown.read(embed.description).links == () and "evil" not in embed.description
    embed = proposal_embed(proposal("[A](https://evil.example)", "https://arxiv.org/abs/1706.03762"))
    assert embed.description.splitlines()[1] == "<https://arxiv.org/abs/1706.03762>"
    description = markdown.read(embed.description)
    assert description.urls == ("https://arxiv.org/abs/1706.03762",) and description.links == ()
    assert description.mentions == (markdown.Mention("user", 42),)  # "Proposed by <@42>": the bot's own
    assert embed.title == r"📄 \[A\]\(https\://evil.example\)" and markdown.read(embed.title).constructs == set()


def session(title: str) -> SessionView:
    return SessionView(id=1, guild_id=1, title=title, paper_id=None, proposal_id=None, presenter_id=42,
                       starts_at=WHEN, ends_at=WHEN, status="done", done_at=WHEN, event_id=None, channel_id=None,
                       thread_id=None, announcement_id=None, roles={})


def test_the_post_session_hint_keeps_its_code_span_whatever_the_title() -> None:
    group = app_commands.Group(name="summary", description="summaries")

    @group.command(name="write", description="write one")
    async def write(_interaction: discord.Interaction) -> None: ...

    cog = SimpleNamespace(bot=SimpleNamespace(tree=SimpleNamespace(get_command=lambda name: group)))
    hint = ReadingGroup.summary_hint(cog, session(f"Evil` then {ISSUE} `"))  # type: ignore[arg-type]
    assert hint == (f"<@42>, thanks for presenting! Please add a summary for the group: "
                    f"`/summary write paper:Evil then {ISSUE}`")
    reading = markdown.read(hint)
    assert reading.code_balanced and reading.links == () and reading.mentions == (markdown.Mention("user", 42),)
