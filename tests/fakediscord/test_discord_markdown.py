"""The model of Discord's message Markdown (tests/fakediscord/markdown.py), case by case.

It is the oracle the local Discord and the renderer's property tests read messages with, so each rule is
pinned with exact answers: what is a live masked link and where it goes, what is a mention and who is
notified, when a code span breaks, which block constructs apply, and what `discord.utils.escape_markdown`
(which the bot used) really leaves live.
"""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakediscord.markdown import Link, Mention, live_links, live_mentions, pings, read, server_mentions, surfaces

ISSUE = "[the paper](https://arxiv.org/abs/1706.03762) then [Verify your account](https://evil.example/x)"


def discord_py_safe(text: str) -> str:
    """What `bot.render.safe` did to member and corpus text before issue 22."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


# --- what discord.py's escaping leaves live (read from its source: `\[.+\]\(.+\)` is greedy per line) ---

def test_escape_markdown_leaves_the_second_masked_link_on_a_line_live() -> None:
    escaped = discord_py_safe(ISSUE)
    assert escaped == "\\" + ISSUE  # one backslash, before the first "[" of the line, and nothing else
    assert live_links(escaped) == (Link("Verify your account", "https://evil.example/x"),)
    assert read(escaped).shown == "[the paper](https://arxiv.org/abs/1706.03762) then Verify your account"


@pytest.mark.parametrize(("text", "live"), [
    ("[a](https://x.example)", ()),  # a single link: escaped
    ("[a](https://x.example) [b](https://y.example)", (Link("b", "https://y.example"),)),
    ("[a](https://x.example) [b](https://y.example) [c](https://z.example)",
     (Link("b", "https://y.example"), Link("c", "https://z.example"))),
    ("[a](https://x.example)\n[b](https://y.example)", ()),  # one per line: each line's first is escaped
    ("see [a](https://x.example) and [b](https://y.example)", (Link("b", "https://y.example"),)),
])
def test_escape_markdown_escapes_only_the_first_link_of_each_line(text: str, live: tuple[Link, ...]) -> None:
    assert live_links(discord_py_safe(text)) == live


def test_escape_markdown_and_a_backslash_written_by_the_member() -> None:
    # The member's own backslash is escaped too ("\\\\"), so the link after it stays escaped.
    assert discord.utils.escape_markdown("\\[a](https://x.example)") == "\\\\\\[a](https://x.example)"
    assert live_links(discord.utils.escape_markdown("\\[a](https://x.example)")) == ()
    # Unescaped, a written backslash escapes itself and the link after it is live.
    assert live_links("\\\\[a](https://x.example)") == (Link("a", "https://x.example"),)


# --- masked links ---

@pytest.mark.parametrize(("text", "links"), [
    ("[a](https://x.example)", (Link("a", "https://x.example"),)),
    ("[a]( https://x.example \"title\" )", (Link("a", "https://x.example"),)),
    ("[a](<https://x.example/p>)", (Link("a", "https://x.example/p"),)),
    ("[a [b] c](https://x.example)", (Link("a [b] c", "https://x.example"),)),
    ("[a](https://x.example/(p))", (Link("a", "https://x.example/(p)"),)),
    ("[a\nb](https://x.example)", (Link("a\nb", "https://x.example"),)),
    ("[](https://x.example)", (Link("", "https://x.example"),)),
    ("[a](https://x.example/\\_y)", (Link("a", "https://x.example/_y"),)),  # escapes in the target are read
    ("[a\\](https://x.example)", (Link("a\\", "https://x.example"),)),  # escaping the "]" does not help
    ("[a](javascript:alert(1))", (Link("a", "javascript:alert(1)"),)),  # counted whatever the scheme
    ("**[a](https://x.example)**", (Link("a", "https://x.example"),)),
    ("||[a](https://x.example)||", (Link("a", "https://x.example"),)),
    ("> [a](https://x.example)", (Link("a", "https://x.example"),)),
    ("- [a](https://x.example)", (Link("a", "https://x.example"),)),
    ("# [a](https://x.example)", (Link("a", "https://x.example"),)),
    ("<https://x.example>[a](https://y.example)", (Link("a", "https://y.example"),)),
])
def test_masked_links_that_are_live(text: str, links: tuple[Link, ...]) -> None:
    assert live_links(text) == links


@pytest.mark.parametrize("text", [
    "\\[a](https://x.example)",  # the bracket escaped
    "`[a](https://x.example)`",  # nothing in a code span is markup
    "``[a](https://x.example)``",
    "```\n[a](https://x.example)\n```",
    "https://x.example/[a](https://y.example)",  # inside a bare URL
    "[a](<https://x.example/p q>)",  # no space in a target
    "[a](https://x.example\\)",  # the closing parenthesis escaped
    "[a] (https://x.example)",
    "a](https://x.example)",
])
def test_text_that_is_no_masked_link(text: str) -> None:
    assert live_links(text) == ()


def test_bare_and_angle_bracket_urls_are_shown_as_themselves() -> None:
    reading = read("see https://arxiv.org/abs/1706.03762. and <https://x.example/a>")
    assert reading.urls == ("https://arxiv.org/abs/1706.03762", "https://x.example/a") and not reading.links
    assert read("\\https://x.example").urls == ("https://x.example",)  # a backslash before a letter: no escape
    assert read("https\\://x.example").urls == ()


# --- mentions: shown (client) and notified (server, then allowed_mentions) ---

@pytest.mark.parametrize(("text", "mentions"), [
    ("<@123>", (Mention("user", 123),)),
    ("<@!123>", (Mention("user", 123),)),
    ("<@&7>", (Mention("role", 7),)),
    ("<#9>", (Mention("channel", 9),)),
    ("@everyone and @here", (Mention("everyone"), Mention("here"))),
    ("mail@everyone.example", (Mention("everyone"),)),
    ("**<@1>** ||@here||", (Mention("user", 1), Mention("here"))),
    ("\\<@123> \\@everyone", ()),
    ("`<@123>` ```\n@here\n```", ()),
    ("@\u200beveryone <@\u200b123>", ()),  # discord.utils.escape_mentions' zero-width space
    ("<@abc> <@ 1> <@&> @every one", ()),
])
def test_mentions_shown_as_mentions(text: str, mentions: tuple[Mention, ...]) -> None:
    assert live_mentions(text) == mentions


def test_the_server_finds_mentions_markdown_cannot_hide() -> None:
    assert server_mentions("`<@1>` \\<@2> <@!1> <@&3> @here @everyone @here") == (
        Mention("user", 1), Mention("user", 2), Mention("role", 3), Mention("here"), Mention("everyone"))
    assert server_mentions(discord_py_safe("@everyone <@123456789012345678> <@&123456789012345678>")) == ()
    assert server_mentions("<@12>") == (Mention("user", 12),)  # escape_mentions leaves ids under 17 digits


@pytest.mark.parametrize(("body", "notified"), [
    ({"content": "<@1> <@&2> @everyone @here"},  # no allowed_mentions: everything notifies
     (Mention("user", 1), Mention("role", 2), Mention("everyone"), Mention("here"))),
    ({"content": "<@1> <@&2> @everyone", "allowed_mentions": {"parse": []}}, ()),
    ({"content": "<@1> <@&2> @here", "allowed_mentions": {"parse": ["everyone"]}}, (Mention("here"),)),
    ({"content": "<@1> <@5>", "allowed_mentions": {"parse": ["users"]}}, (Mention("user", 1), Mention("user", 5))),
    ({"content": "<@1> <@5>", "allowed_mentions": {"parse": [], "users": ["5"]}}, (Mention("user", 5),)),
    ({"content": "<@1> <@5>", "allowed_mentions": {"users": [5]}}, (Mention("user", 5),)),  # integers too
    ({"content": "<@&2> <@&3>", "allowed_mentions": {"roles": [3]}}, (Mention("role", 3),)),
    ({"content": "<@&2>", "allowed_mentions": {"parse": ["roles"]}}, (Mention("role", 2),)),
    ({"content": "`<@1>`"}, (Mention("user", 1),)),  # a code span hides nothing from the server
    ({"content": "hi", "allowed_mentions": {"users": [1]}}, ()),  # allowed but not mentioned
    ({"content": "no", "embeds": [{"description": "@everyone <@1>"}]}, ()),  # embeds never notify
    ({"content": "re", "message_reference": {"message_id": "1"}}, (Mention("reply"),)),
    ({"content": "re", "message_reference": {"message_id": "1"}, "allowed_mentions": {"parse": []}}, ()),
    ({"content": "re", "message_reference": {"message_id": "1"},
      "allowed_mentions": {"parse": [], "replied_user": True}}, (Mention("reply"),)),
])
def test_who_is_notified(body: dict, notified: tuple[Mention, ...]) -> None:
    assert pings(body) == notified


# --- code spans and fences ---

@pytest.mark.parametrize(("text", "code", "stray"), [
    ("`a`", ("a",), 0),
    ("`a``b`", ("a``b",), 0),  # a longer run inside a span does not close it
    ("``a`b``", ("a`b",), 0),
    ("a ` b", (), 1),
    ("`a` ``b", ("a",), 2),
    ("\\`a", (), 0),  # escaped: shown, but not a breakout
    ("```py\nprint(1)\n```", ("print(1)",), 0),
    ("```py\nprint(1)", (), 3),  # an unclosed fence
    ("`/summary write paper:x` [Verify](https://evil.example)`", ("/summary write paper:x",), 1),
])
def test_code_spans_and_what_breaks_them(text: str, code: tuple[str, ...], stray: int) -> None:
    reading = read(text)
    assert (reading.code, reading.stray_backticks, reading.code_balanced) == (code, stray, stray == 0)


def test_a_title_with_a_backtick_breaks_the_hint_and_frees_its_link() -> None:
    """Issue 22, item 2: the post-session hint quotes the title in a code span."""
    hint = "Write it up: `/summary write paper:{}`"
    assert read(hint.format("Attention Is All You Need")).code == ("/summary write paper:Attention Is All You Need",)
    broken = read(hint.format("x` [Verify your account](https://evil.example/x)"))
    assert broken.links == (Link("Verify your account", "https://evil.example/x"),)
    assert (broken.code, broken.stray_backticks) == (("/summary write paper:x",), 1)


# --- block constructs and formatting ---

@pytest.mark.parametrize(("text", "constructs", "shown"), [
    ("# Title", {"heading"}, "Title"),
    ("## a\n### b", {"heading"}, "a\nb"),
    ("#Title", set(), "#Title"),
    ("#### Title", set(), "#### Title"),
    ("a # Title", set(), "a # Title"),
    ("-# small print", {"subtext"}, "small print"),
    ("- item", {"list"}, "item"),
    ("* item", {"list"}, "item"),
    ("1. item", {"list"}, "item"),
    ("a\n- item", {"list"}, "a\nitem"),
    ("-item", set(), "-item"),
    ("a - item", set(), "a - item"),
    ("> quoted", {"quote"}, "quoted"),
    (">>> all\nof this", {"quote"}, "all\nof this"),
    (">quoted", set(), ">quoted"),
    ("a > b", set(), "a > b"),
    ("||secret||", {"spoiler"}, "secret"),
    ("**b** *i* _i_ __u__ ~~s~~", {"strong", "em", "underline", "strike"}, "b i i u s"),
    ("snake_case_name", set(), "snake_case_name"),
    ("\\# T\n\\- i\n\\> q\n\\-# s\n1\\. n\n\\|\\|x\\|\\|", set(), "# T\n- i\n> q\n-# s\n1. n\n||x||"),
])
def test_block_constructs_and_formatting(text: str, constructs: set[str], shown: str) -> None:
    reading = read(text)
    assert (set(reading.constructs), reading.shown) == (constructs, shown)


def test_escape_markdown_neutralises_block_constructs_at_line_starts() -> None:
    reading = read(discord.utils.escape_markdown("# T\n- i\n> q\n-# s\n||x||"))
    assert not reading.constructs and reading.shown == "# T\n- i\n> q\n-# s\n||x||"


def test_the_surfaces_of_a_message_discord_renders() -> None:
    body = {"content": "c", "embeds": [{"title": "t", "description": "d", "fields": [{"name": "n", "value": "v"}],
                                        "footer": {"text": "plain"}, "author": {"name": "plain"}}],
            "components": [{"type": 1, "components": [{"type": 2, "label": "plain"}]}]}
    assert surfaces(body) == [("content", "c"), ("embeds.0.title", "t"), ("embeds.0.description", "d"),
                              ("embeds.0.fields.0.name", "n"), ("embeds.0.fields.0.value", "v")]


# --- properties ---

_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000\ufeff"


def escape_everything(text: str) -> str:
    """The bluntest correct renderer: a backslash before every character that is not a letter, digit or space."""
    return "".join(c if (c.isascii() and c.isalnum()) or c in _JS_SPACE else "\\" + c for c in text)


@given(st.text())
def test_reading_never_fails(text: str) -> None:
    reading = read(text)
    assert reading.stray_backticks <= text.count("`")


@given(st.text(alphabet=st.characters(blacklist_characters="\r\t\f", blacklist_categories=("Cs",))))
def test_text_with_every_mark_escaped_is_shown_exactly_and_nothing_is_live(text: str) -> None:
    reading = read(escape_everything(text))
    assert reading.shown == text
    assert not reading.links and not reading.mentions and not reading.urls and not reading.constructs
