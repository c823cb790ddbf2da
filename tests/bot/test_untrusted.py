"""The one renderer for untrusted text (bot.untrusted), judged by a model of Discord's Markdown, not by itself.

The oracle is tests/fakediscord/markdown.py: it reads a text as Discord's client does (live masked links,
URLs, mentions, code spans, headings, lists, quotes, spoilers) and as Discord's server does (who is
pinged). Terminal output is judged by Unicode categories: no control character but newline and tab.
"""

from __future__ import annotations

import json

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cogs.summaries import SummaryModal
from bot.untrusted import (
    for_code_span,
    for_discord,
    for_discord_line,
    for_plain,
    for_terminal,
    for_terminal_json,
    without_controls,
)
from tests.bot.untrusted_checks import ISSUE, ZWSP, no_control, nothing_live
from tests.fakediscord import markdown

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


# --- the property: whatever the text, nothing is live and it reads as written ---

PIECES = st.sampled_from([
    "[", "]", "(", ")", "<", ">", "@", "#", "-", "+", "*", "_", "~", "|", "`", "\\", ":", "/", ".", "!", "&", " ",
    "  ", "\n", "\n\n", "\t", "\r", "\r\n", "1", "12", "x", "ab", "é", "🦘", "\xa0", "\u2028", "\u200d",
    "https://evil.example/x", "http://", "steam://run", "www.evil.example", "<@123456789012345678>", "<@!1>",
    "<@&1>", "<#1>", "@everyone", "@here", "<t:1:R>", "<:e:1>", "</cmd:1>", "||", "**", "__", "~~", "```", "``",
    "> ", ">>> ", "# ", "## ", "-# ", "- ", "* ", "1. ", "[a](https://evil.example)", "\x1b[2J", "\x1b]8;;x\x07",
    "\x9b", "\x85", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\U000e0041"])
TEXTS = st.lists(PIECES | st.text(max_size=3), max_size=40).map("".join)


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


@settings(max_examples=400)
@given(text=TEXTS | st.text())
def test_terminal_and_plain_text_hold_no_control_character(text: str) -> None:
    shown = for_terminal(text)
    assert no_control(shown) and "\x1b" not in shown and for_terminal(shown) == shown
    assert no_control(for_plain(text)) and "\n" not in for_plain(text)
    assert no_control(for_code_span(text).replace(f"@{ZWSP}", "@").replace(f"<{ZWSP}", "<"))
    dumped = for_terminal_json(json.dumps({"t": text}, ensure_ascii=False))
    assert no_control(dumped.replace("\n", "")) and json.loads(dumped) == {"t": text}
