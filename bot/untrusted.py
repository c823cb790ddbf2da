"""The one renderer for untrusted text: anything a note, a member or a query wrote, shown in Discord or a terminal.

Whoever writes a note, a summary, a proposal or a query must not be able to post a live link, ping
anyone, restyle a page or rewrite the admin's terminal through it. So every such text reaches Discord
or the terminal through one of these functions, chosen by where it is shown:

- `for_discord` / `for_discord_line`: where Discord renders Markdown (message content, embed titles,
  descriptions and field names and values, and event descriptions, where the bot's `<#thread>` renders
  too). Every character that can open or close
  a construct is escaped with a backslash, and Discord shows an escaped character as itself, so the text
  reads exactly as written: always \\ * _ ~ ` | < > [ ] ( ) @ # (emphasis, strikethrough, spoilers, code
  spans and fences, masked links, <...> autolinks, mentions, channels, timestamps, headings, quotes),
  and after a blank or at the start the list markers - + and the "." of "1." (Discord's parser takes a
  run of blanks between two marks for a line start: `\\> - x` is a list). discord.utils.
  escape_markdown is not enough: its `\\[.+\\]\\(.+\\)` is greedy, so two masked links on a line are one
  match and only the first "[" is escaped: the second link stays live.
- Mentions: Discord's server finds `@everyone`, `@here` and `<@id>` in the raw content, blind to Markdown.
  The escape of "@" breaks `<@id>`, `<@&id>`; `@everyone` and `@here` also get a zero-width space after
  the "@" (invisible). The bot also sends every message with allowed_mentions that name whom it pings.
- Bare URLs are shown whole but not linked: the ":" before "/" is escaped, so `https://...` is text.
  Whoever wrote it is not the bot, and Discord would also unfurl it into a preview card under the
  bot's name; a reader can still copy it. The bot's own links (a paper's link) are sent as an embed's
  url or as `<link>`, and only once store.text.links.web_link has accepted them (bot.render.link_of).
- `for_plain`: where Discord shows no Markdown (thread, event and modal titles, select options,
  autocomplete choices, modal default values, embed footers): an escape there would show as a backslash,
  so the text is only cleaned and kept to one line.
- `for_code_span`: inside the bot's own `...` spans (command hints). Discord cannot escape inside a code
  span, so backticks are dropped from the text: the span can never be closed early (and mentions are
  broken by a zero-width space, as above).
- `for_terminal`: ESC sequences (CSI, OSC such as hyperlinks, and the rest) are removed whole, then every
  C0 and C1 control except newline and tab; `for_terminal_json` writes those characters as \\u escapes
  instead, so `--json` output is unchanged data.

Everywhere, control characters (Unicode Cc) and invisible format characters (Cf: bidi embeddings,
overrides and isolates U+202A-U+202E and U+2066-U+2069, marks, zero-width space, word joiner, BOM, tag
characters, a known channel for hidden text) are removed. Zero-width joiner and non-joiner are kept:
emoji sequences and several scripts need them. A line break (CR LF, CR, U+2028, U+2029) is a newline
where the place allows lines and a space where it does not; a tab is a space in Discord.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable

__all__ = ["TerminalLogFilter", "for_code_span", "for_discord", "for_discord_line", "for_discord_pieces", "for_plain",
           "for_terminal", "for_terminal_json", "for_terminal_line", "without_controls"]

KEPT_FORMAT = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner: emoji sequences and scripts need them
_SUSPECT = re.compile(r"[^ -~]")  # anything but printable ASCII: only these can be dropped
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
_MARKDOWN = re.compile(r"(?P<lead>(?<!\S)(?:[-+]|\d+\.))|(?P<ping>@(?=(?i:everyone|here)))"
                       r"|(?P<char>[\\*_~`|<>\[\]()@#]|:(?=/|$))", re.MULTILINE)
_PING = re.compile(r"@(?=(?i:everyone|here))|<(?=[@#])")
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|(?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]")  # the other escapes: ESC c (reset), ESC 7, ESC ( B ...
ELLIPSIS = "…"


def _dropped(c: str, keep: str) -> bool:
    category = unicodedata.category(c)
    if category == "Cc":
        return c not in keep
    return (category == "Cf" and c not in KEPT_FORMAT) or category == "Cs"


def without_controls(text: str, *, newlines: bool = True, tabs: bool = False) -> str:
    """The text as it should read: control and invisible format characters gone, line breaks as newlines
    (or spaces when `newlines` is false), tabs kept only when `tabs`."""
    text = _LINE_BREAK.sub("\n", text)
    if not newlines:
        text = text.replace("\n", " ")
    if not tabs:
        text = text.replace("\t", " ")
    keep = ("\n" if newlines else "") + ("\t" if tabs else "")
    return _SUSPECT.sub(lambda m: "" if _dropped(m[0], keep) else m[0], text)


def _escaped(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m["lead"]:  # a list marker: "-", "+" or "1." after a blank or at the start
            return f"{m['lead'][:-1]}\\{m['lead'][-1]}"
        if m["ping"]:
            return "\\@\u200b"  # Discord's server reads @everyone in raw content, escaped or not: break the word
        return f"\\{m['char']}"
    return _MARKDOWN.sub(one, text)


def _cut(text: str, limit: int) -> str:
    """The text cut at a blank before `limit` characters (a word at most), marked with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    head = text[:limit - 1]
    blank = max(head.rfind(" "), head.rfind("\n"))
    if blank > 0:
        head = head[:blank]
    return head.rstrip(" \n,;:.") + ELLIPSIS


def _fit(text: str, limit: int | None, render: Callable[[str], str]) -> str:
    """render(text) in at most `limit` characters: the longest cut of the text (cut before rendering, so no
    escape is split) whose rendering fits. Rendering never shortens, so the cut keeps at most `limit`."""
    shown = render(text)
    if limit is None or len(shown) <= limit:
        return shown
    best, low, high = "", 1, min(len(text), limit)
    while low <= high:  # binary search on the characters kept
        middle = (low + high) // 2
        candidate = render(_cut(text, middle))
        if len(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _one_line(text: str) -> str:
    return " ".join(without_controls(text, newlines=False).split())


def for_discord(text: str, limit: int | None = None) -> str:
    """Untrusted text where Discord renders Markdown and lines are welcome (a summary, a report):
    reads as written, with nothing live; at most `limit` characters."""
    return _fit(without_controls(text), limit, _escaped)


def for_discord_pieces(text: str, limit: int) -> list[str]:
    """Untrusted text too long for one place (a summary over several embeds), as for_discord renders it, in
    pieces of at most `limit` (3 or more) characters cut at a blank where there is one. Each piece is escaped
    on its own: a piece starts a description, so what was mid-line may now be at a line start."""
    pieces: list[str] = []
    rest = without_controls(text)
    while rest:
        low, high = 1, min(len(rest), limit)  # the longest start of the rest that fits once escaped
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if len(_escaped(rest[:middle])) <= limit else (low, middle - 1)
        cut = rest[:low]
        blank = max(cut.rfind(" "), cut.rfind("\n"))
        if low < len(rest) and blank > 0:
            cut = cut[:blank]
        pieces.append(_escaped(cut))
        rest = rest[len(cut):].lstrip()
    return pieces


def for_discord_line(text: str, limit: int | None = None) -> str:
    """Untrusted text on one line where Discord renders Markdown (a title, a name, a query, a field)."""
    return _fit(_one_line(text), limit, _escaped)


def for_plain(text: str, limit: int | None = None, *, lines: bool = False) -> str:
    """Untrusted text where Discord renders no Markdown: cleaned, on one line unless `lines`, never escaped."""
    cleaned = without_controls(text, tabs=True) if lines else _one_line(text)
    return _fit(cleaned, limit, str)


def for_code_span(text: str, limit: int | None = None) -> str:
    """Untrusted text inside the bot's own `...`: one line, no backtick that could close the span, and no
    mention Discord's server would read in it (it reads raw content: a zero-width space breaks the word)."""
    return _fit(_one_line(text.replace("`", "")), limit, _unpinged)


def _unpinged(text: str) -> str:
    return _PING.sub(lambda m: f"{m[0]}\u200b", text)


def for_terminal(text: str) -> str:
    """Untrusted text printed on a terminal: no escape sequence, no control character but newline and tab."""
    return without_controls(_ESCAPE_SEQUENCE.sub("", text), tabs=True)


def for_terminal_line(text: str) -> str:
    """Untrusted text printed as one line of a report (a file name, a title, a query): as for_terminal, and a
    line break is a space, so a file named "a\nb.md" cannot forge a line of its own in the report."""
    return without_controls(_ESCAPE_SEQUENCE.sub("", text), newlines=False)


def _unicode_escape(m: re.Match[str]) -> str:
    return json.dumps(m[0])[1:-1]  # ensure_ascii: "\u009b", or a surrogate pair beyond the BMP


def for_terminal_json(text: str) -> str:
    """JSON text (as json.dumps writes it) safe to print: every character for_terminal would drop is
    written as a \\u escape instead. Such characters can only be inside strings, so the data is unchanged."""
    return _SUSPECT.sub(lambda m: _unicode_escape(m) if _dropped(m[0], "\n\t") else m[0], text)


class TerminalLogFilter(logging.Filter):
    """Log lines quote file names, titles and errors: their message and traceback go through for_terminal
    (the formatter's own colours, if any, are added after and kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging's own error report says so, not a raise here
            return True
        if (clean := for_terminal(message)) != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = for_terminal(record.exc_text)
        return True
