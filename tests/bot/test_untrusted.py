"""The one renderer for untrusted text (bot.untrusted), judged by a model of Discord's Markdown, not by itself.

The oracle is tests/fakediscord/markdown.py: it reads a text as Discord's client does (live masked links,
URLs, mentions, code spans, headings, lists, quotes, spoilers) and as Discord's server does (who is
pinged). Terminal output is judged by Unicode categories: no control character but newline and tab.
"""

from __future__ import annotations

import io
import json
import logging
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from bot.cogs.readinggroup import ReadingGroup, proposal_embed
from bot.cogs.summaries import SummaryModal
from bot.digest_render import digest_embed
from bot.untrusted import (
    TerminalLogFilter,
    for_code_span,
    for_discord,
    for_discord_line,
    for_discord_pieces,
    for_plain,
    for_terminal,
    for_terminal_json,
    without_controls,
)
from store.digest.plan import Digest, Pick
from store.readinggroup.rules import ProposalView, SessionView
from store.search.results import Hit, PaperView, SummaryView
from store.summaries.contributions import ContributionView
from tests.bot.test_cli import run
from tests.fakediscord import markdown

ZWSP = "\u200b"
ISSUE = "[the paper](https://arxiv.org/abs/1706.03762) then [Verify your account](https://evil.example/x)"
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

# (what a member or a note wrote, what the bot sends): Discord shows the second as the first, nothing live.
CASES = [
    (ISSUE, r"\[the paper\]\(https\://arxiv.org/abs/1706.03762\) then "
            r"\[Verify your account\]\(https\://evil.example/x\)"),
    ("[[nested](https://a.example)](https://evil.example)",
     r"\[\[nested\]\(https\://a.example\)\]\(https\://evil.example\)"),
    ("[a [b] c](https://evil.example)", r"\[a \[b\] c\]\(https\://evil.example\)"),
    (r"\[not a link](https://evil.example)", r"\\\[not a link\]\(https\://evil.example\)"),
    (r"\\[x](https://evil.example)", r"\\\\\[x\]\(https\://evil.example\)"),
    ("<https://evil.example/x>", r"\<https\://evil.example/x\>"),
    ("see https://evil.example/x_y", r"see https\://evil.example/x\_y"),
    ("steam://run/1", r"steam\://run/1"),
    ("`one`", r"\`one\`"),
    ("``two``", r"\`\`two\`\`"),
    ("```py\nthree```", "\\`\\`\\`py\nthree\\`\\`\\`"),
    ("a ` b", r"a \` b"),
    ("@everyone now", f"\\@{ZWSP}everyone now"),
    ("@here and @Everyone", f"\\@{ZWSP}here and \\@{ZWSP}Everyone"),
    ("ada@example.org", r"ada\@example.org"),
    ("<@123456789012345678>", r"\<\@123456789012345678\>"),
    ("<@!123>", r"\<\@!123\>"),
    ("<@&1>", r"\<\@&1\>"),
    ("<#1>", r"\<\#1\>"),
    ("<t:1:R> <:e:1> </cmd:1>", r"\<t:1:R\> \<:e:1\> \</cmd:1\>"),
    ("# heading", r"\# heading"),
    ("## two\n### three", "\\#\\# two\n\\#\\#\\# three"),
    ("-# small", r"\-\# small"),
    ("> quote", r"\> quote"),
    (">>> all the rest", r"\>\>\> all the rest"),
    ("- item\n  - nested\n+ plus", "\\- item\n  \\- nested\n\\+ plus"),
    ("* star item", r"\* star item"),
    ("1. first\n12. twelfth", "1\\. first\n12\\. twelfth"),
    ("a-b+c 1.5 d", "a-b+c 1\\.5 d"),  # a marker is escaped only after a blank or at the start
    ("a * - b", r"a \* \- b"),  # Discord reads "- b" as a list after the blank that follows a mark
    ("a \\* - b", r"a \\\* \- b"),
    ("||spoiler||", r"\|\|spoiler\|\|"),
    ("*em* **strong** ***both***", r"\*em\* \*\*strong\*\* \*\*\*both\*\*\*"),
    ("_u_ __under__ snake_case", r"\_u\_ \_\_under\_\_ snake\_case"),
    ("~~struck~~", r"\~\~struck\~\~"),
    ("TL;DR: fine. (see §2)", r"TL;DR: fine. \(see §2\)"),
    ("clear\x1b[2Jscreen", r"clear\[2Jscreen"),
    ("\x1b]8;;http://x\x07click", r"\]8;;http\://xclick"),
    ("c1\x9bcsi", "c1csi"),
    ("abc\u202etxt.exe", "abctxt.exe"),
    ("\u2066iso\u2069 \u200bzw\ufeff", "iso zw"),
    ("family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👧"),  # the joiner is kept: emoji need it
    ("tab\there\r\nline\rbreak\u2028sep", "tab here\nline\nbreak\nsep"),
]


@pytest.mark.parametrize(("written", "sent"), CASES)
def test_each_construct_is_escaped_and_reads_as_written(written: str, sent: str) -> None:
    assert for_discord(written) == sent
    reading = markdown.read(sent)
    assert (reading.links, reading.urls, reading.mentions, reading.code) == ((), (), (), ())
    assert reading.constructs == frozenset() and reading.stray_backticks == 0
    assert markdown.server_mentions(sent) == ()
    assert reading.shown.replace(ZWSP, "") == without_controls(written)


def test_what_discord_py_escaped_left_live_is_now_dead() -> None:
    """The bug of the issue, seen through the oracle: escape_markdown left the second link live."""
    old = discord.utils.escape_mentions(discord.utils.escape_markdown(ISSUE))
    assert markdown.read(old).links == (markdown.Link("Verify your account", "https://evil.example/x"),)
    assert markdown.read(for_discord(ISSUE)).links == ()


def test_one_line_places_fold_lines_and_keep_to_the_limit() -> None:
    assert for_discord_line("# Title\n\n- with *marks*  and\ttabs") == r"\# Title \- with \*marks\* and tabs"
    assert for_discord_line("word " * 10, 23) == "word word word word…"
    assert for_discord_line("[a](b) " * 10, 20) == r"\[a\]\(b\)…"  # cut before escaping: no escape is split
    assert for_discord_line("*" * 300, 256) == "\\*" * 127 + "…"
    assert for_discord("para one\n\npara two " + "x " * 50, 30) == "para one\n\npara two x x x x x…"


def test_a_long_summary_is_cut_into_pieces_each_escaped_on_its_own() -> None:
    """A piece starts an embed's description: what was mid-line there is at a line start."""
    for text in ("x" * 4095 + "# evil heading", "x" * 4096 + "- a list", "x" * 4094 + "*" * 10 + " *em*"):
        pieces = for_discord_pieces(text, 4096)
        assert all(len(p) <= 4096 for p in pieces) and len(pieces) == 2
        assert "".join(nothing_live(p).shown for p in pieces) == text
        assert [live(e) for e in render.full_summary_embeds(paper(summary=text))] == [[], []]
    assert for_discord_pieces("one two three four", 9) == ["one two", "three", "four"]
    assert for_discord_pieces("- a - b", 5) == [r"\- a", r"\- b"]


def test_plain_places_are_cleaned_but_never_escaped() -> None:
    """Thread and event names, select options, autocomplete, modal defaults, footers: no Markdown there."""
    assert for_plain("A *b* [c](https://d.example)\n\x1b[2Je\u202e") == "A *b* [c](https://d.example) [2Je"
    assert for_plain("word " * 30, 100) == ("word " * 19).strip() + "…"
    assert for_plain("one\n\ttwo\x00\nthree", lines=True) == "one\n\ttwo\nthree"


async def test_a_forms_defaults_are_plain_text_with_their_paragraphs() -> None:
    """A modal shows no Markdown: the member's own text comes back unescaped, only cleaned."""
    async def save(_interaction: discord.Interaction, _values: dict[str, str]) -> None: ...

    modal = SummaryModal(save, title="Edit", paper="*Attention*\x1b[2J [x](https://e.example)",
                         summary="First *para*.\r\n\r\nSecond\x00 para\u202e.", topics="a, b\nc")
    defaults = {key: field.default for key, field in modal.fields.items()}
    assert defaults == {"paper": "*Attention*[2J [x](https://e.example)", "tldr": None,
                        "summary": "First *para*.\n\nSecond para.", "topics": "a, b c", "link": None}


def test_code_span_text_cannot_close_the_span_or_ping() -> None:
    assert for_code_span("Why `torch.compile` works") == "Why torch.compile works"
    assert for_code_span("```@everyone <@1>\n x") == f"@{ZWSP}everyone <{ZWSP}@1> x"
    hint = f"`/summary write paper:{for_code_span('a`b`` [x](https://evil.example) @here')}`"
    reading = markdown.read(hint)
    assert reading.code == (f"/summary write paper:ab [x](https://evil.example) @{ZWSP}here",)
    assert reading.code_balanced and reading.links == () and markdown.server_mentions(hint) == ()


def test_terminal_text_loses_every_escape_sequence_and_control() -> None:
    assert for_terminal("a\x1b[2Jb\x1b[1;31mc\x1b[0m") == "abc"
    assert for_terminal("\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 here") == "click here"
    assert for_terminal("\x1b]0;pwned\x1b\\title") == "title"
    assert for_terminal("x\x9b2Jy \x9d0;t\x9cz") == "xy z"
    assert for_terminal("safe\roverwritten\r\nnext\x08\x07\x00\x7f") == "safe\noverwritten\nnext"
    assert for_terminal("ok\u202etxt.exe \u2066x\u2069\ttab\nline") == "oktxt.exe x\ttab\nline"
    assert for_terminal("\x1b]8;;unterminated\nnext") == "8;;unterminated\nnext"  # nothing swallowed
    assert for_terminal("\x1bc\x1b7\x1b(B") == ""


def test_terminal_json_keeps_the_data_and_drops_no_character() -> None:
    data = {"title": "a\x1b[2J\x9b\u202e\U000e0041 b", "n": [1, "\x85"]}
    text = for_terminal_json(json.dumps(data, ensure_ascii=False, indent=2))
    assert json.loads(text) == data
    assert text == ('{\n  "title": "a\\u001b[2J\\u009b\\u202e\\udb40\\udc41 b",\n'
                    '  "n": [\n    1,\n    "\\u0085"\n  ]\n}')


def test_log_lines_lose_escape_sequences_in_message_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TerminalLogFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger("tests.untrusted")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("could not read %s", "evil\x1b[2J.md")
        try:
            raise ValueError("bad \x1b]0;pwned\x07name")
        except ValueError:
            log.exception("failed on %s", "a\x9b2Jb")
        log.warning("%s %s", "one argument too few")  # logging reports it; the filter does not raise
    finally:
        log.removeHandler(handler)
    lines = clean(stream.getvalue().replace("\n", " ")).split(" ")
    assert lines[:6] == ["WARNING", "could", "not", "read", "evil.md", "ERROR"]
    assert "ValueError: bad name" in stream.getvalue() and "failed on ab" in stream.getvalue()


# --- the bot's own pages, which used to carry the issue's live link ---

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


# --- the property: whatever the text, nothing is live and it reads as written ---

PIECES = st.sampled_from([
    "[", "]", "(", ")", "<", ">", "@", "#", "-", "+", "*", "_", "~", "|", "`", "\\", ":", "/", ".", "!", "&", " ",
    "  ", "\n", "\n\n", "\t", "\r", "\r\n", "1", "12", "x", "ab", "é", "🦘", "\xa0", "\u2028", "\u200d",
    "https://evil.example/x", "http://", "steam://run", "www.evil.example", "<@123456789012345678>", "<@!1>",
    "<@&1>", "<#1>", "@everyone", "@here", "<t:1:R>", "<:e:1>", "</cmd:1>", "||", "**", "__", "~~", "```", "``",
    "> ", ">>> ", "# ", "## ", "-# ", "- ", "* ", "1. ", "[a](https://evil.example)", "\x1b[2J", "\x1b]8;;x\x07",
    "\x9b", "\x85", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\U000e0041"])
TEXTS = st.lists(PIECES | st.text(max_size=3), max_size=40).map("".join)


def nothing_live(sent: str) -> markdown.Reading:
    reading = markdown.read(sent)
    assert reading.links == () and reading.urls == () and reading.mentions == ()
    assert reading.code == () and reading.code_balanced and reading.constructs == frozenset()
    assert markdown.server_mentions(sent) == ()
    return reading


@settings(max_examples=400)
@given(text=TEXTS)
def test_for_discord_leaves_nothing_live_and_reads_as_written(text: str) -> None:
    reading = nothing_live(for_discord(text))
    assert reading.shown.replace(ZWSP, "") == without_controls(text)
    line = nothing_live(for_discord_line(text))
    assert line.shown.replace(ZWSP, "") == " ".join(without_controls(text, newlines=False).split())


@settings(max_examples=200)
@given(text=TEXTS, limit=st.integers(1, 60),
       around=st.sampled_from([("", ""), ("> ", ""), ("**", "**"), ("*", "*"), ("• ", ""), ("1. ", ""), ("“", "”")]))
def test_cut_text_inside_the_bots_own_marks_stays_dead(text: str, limit: int, around: tuple[str, str]) -> None:
    sent = for_discord_line(text, limit)
    assert len(sent) <= limit and len(for_discord(text, limit)) <= limit
    reading = markdown.read(f"{around[0]}{sent}{around[1]}")
    assert reading.links == () and reading.mentions == () and reading.code_balanced
    bots_own = markdown.read(f"{around[0]}{'x' if sent else ''}{around[1]}").constructs  # the bot's own marks
    assert reading.constructs <= bots_own
    assert markdown.server_mentions(sent) == ()


def no_control(text: str) -> bool:
    return not any((unicodedata.category(c) == "Cc" and c not in "\n\t")
                   or (unicodedata.category(c) in ("Cf", "Cs") and c not in "\u200c\u200d") for c in text)


@settings(max_examples=400)
@given(text=TEXTS | st.text())
def test_terminal_and_plain_text_hold_no_control_character(text: str) -> None:
    shown = for_terminal(text)
    assert no_control(shown) and "\x1b" not in shown and for_terminal(shown) == shown
    assert no_control(for_plain(text)) and "\n" not in for_plain(text)
    assert no_control(for_code_span(text).replace(f"@{ZWSP}", "@").replace(f"<{ZWSP}", "<"))
    dumped = for_terminal_json(json.dumps({"t": text}, ensure_ascii=False))
    assert no_control(dumped.replace("\n", "")) and json.loads(dumped) == {"t": text}


# --- the terminal: paperbot check, ingest, paper and the console print no escape sequence ---

TITLE = "Evil \x1b]8;;http://x.example\x07Attention\x1b[2J Title\x9b \u202etxt"
NOTE = (f"---\ntitle: {TITLE}\nauthors: Ada \x1b[31mLovelace\nyear: 2017\ntopics: attention\n---\n"
        "The summary \x1b[1;31mred\x1b[0m with \x1b]0;pwned\x07 a title change and \x9b2J.\n")


def clean(out: str) -> str:
    assert no_control(out), repr(out)
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    return out


@pytest.fixture
def hostile_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "evil\x1b[2J.md").write_text(NOTE, encoding="utf-8")
    (corpus / "bad\x1b]0;x\x07.txt").write_bytes(b"\x00\x00\x00")
    return corpus


def test_check_prints_the_note_without_its_escape_sequences(tmp_path: Path, hostile_corpus: Path) -> None:
    out = run(tmp_path, "check", str(hostile_corpus))
    assert out.returncode == 0, out.stderr
    lines = clean(out.stdout).splitlines()
    assert lines[0] == "evil.md:2: Evil Attention Title txt"
    assert lines[1] == "    authors: Ada Lovelace"
    assert any(line.startswith("  bad.txt") for line in lines)
    raw = json.loads(clean(run(tmp_path, "check", str(hostile_corpus), "--json").stdout))
    assert raw["papers"][0]["title"] == TITLE  # --json: the data as read, every character escaped


def test_ingest_paper_and_console_print_no_escape_sequence(tmp_path: Path, hostile_corpus: Path) -> None:
    ingest = run(tmp_path, "ingest", str(hostile_corpus))
    assert ingest.returncode == 0, ingest.stderr
    assert "evil.md: new, 1 papers" in clean(ingest.stdout)
    assert "problem: bad.txt" in clean(ingest.stderr)
    found = run(tmp_path, "paper", "attention")
    assert found.returncode == 0, found.stderr
    assert clean(found.stdout).splitlines()[:2] == ["1. Evil Attention Title txt",
                                                    "   Ada Lovelace · 2017 · attention"]
    assert "   The summary red with  a title change and ." in found.stdout.splitlines()  # the sequences gone
    console = run(tmp_path, "console", stdin="/paper attention\n/papers\n/nonsense\x1b[2J\n/quit\n")
    assert console.returncode == 0, console.stderr
    assert "1. Evil Attention Title txt" in clean(console.stdout)
    assert "Unknown command /nonsense." in console.stdout


def test_a_file_name_with_a_line_break_cannot_forge_a_line_of_a_report() -> None:
    """A committer names a file "x\\n  evil.md: new, 9 papers": every report shows it on its own line."""
    from bot.text import render_report
    from store.ingest.records import Problem
    from store.ingest.report import FileChange, IngestReport

    forged = "x.md: failed\n  evil.md: new, 9 papers (+9 added, ~0 updated, -0 removed)\x1b[2K"
    report = IngestReport([FileChange(forged, "new", added=1, papers=1)], [Problem(forged, 3, "a problem")])
    shown = render_report(report).split("\n")
    assert shown[1] == ("  x.md: failed   evil.md: new, 9 papers (+9 added, ~0 updated, -0 removed):"
                        " new, 1 papers (+1 added, ~0 updated, -0 removed)")
    assert shown[3] == "  x.md: failed   evil.md: new, 9 papers (+9 added, ~0 updated, -0 removed):3: a problem"
    assert not any(line.startswith("  evil.md") for line in shown)


def test_check_shows_a_file_name_with_a_line_break_on_one_line() -> None:
    from store.ingest.records import PaperRecord, Problem
    from store.ingest.report import render_check

    name = "a.md\nforged: 1 paper(s)"
    shown = render_check([PaperRecord(title="Real Title", source=name, line=2)], [Problem(name, 0, "odd")], 1)
    assert shown.split("\n") == ["a.md forged: 1 paper(s):2: Real Title", "    authors: none given", "Problems:",
                                 "  a.md forged: 1 paper(s): odd", "1 paper(s) in 1 file(s), 1 problem(s)"]
