"""How Discord reads the Markdown of a message: which masked links and mentions are live, who is pinged.

Why a model of our own: the bot's renderer must leave no live masked link, mention, heading, list, spoiler or
code-span breakout in text it did not write, and "escaped" means nothing until something reads the result
as Discord does. Discord's client parses messages with simple-markdown (Khan Academy) in inline mode plus
its own rules; there is no Python port, and `discord.utils.escape_markdown` is no oracle (its link pattern
`\\[.+\\]\\(.+\\)` is greedy: it escapes the first `[` of a line and leaves a second `[text](url)` live).

`read(text)` parses one text as the client does and returns a `Reading`; `pings(body)` says who Discord's
server would notify for a message body. The parser is simple-markdown's loop: at each position the rules
are tried in order, rules of equal order with a `quality` compete (longest wins), the first match is
consumed, container rules parse their inside again. The rules, in order, with the facts they encode:
  code fence ```...```, spoiler ||...||, bare URL  (nothing inside a fence or a URL is markup)
  block quote `> ` / `>>> `, list `- ` `* ` `1. `, heading `#`-`###` + space, subtext `-# `: at a line start
  escape `\\` + any punctuation (the character is shown, never markup), autolink `<scheme:/...>`
  masked link `[text](target)`, emphasis `*` `_` `**` `__` and mentions `<@id>` `<@!id>` `<@&id>` `<#id>`
  `@everyone` `@here` (plus custom emoji, timestamps, command mentions), strike `~~`, code span `` `...` ``,
  text (which stops before any punctuation, a line break or a `word:` that may start a URL).

Where the model and Discord could differ, it reads MORE as live, never less, so an oracle built on it can
only over-report: every masked link counts whatever its scheme (Discord shows http(s) targets only);
titles and field names are read as descriptions are (Discord renders less there); list items are always
read inline; headings are allowed after leading spaces. Mentions that ping are read from the raw content,
blind to Markdown, as Discord's server reads them: a code span or a backslash changes how `<@id>` looks,
not who is notified (only `allowed_mentions` and breaking the token, e.g. a zero-width space, do).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# JavaScript's \s (simple-markdown's regexes are JavaScript): Python's differs (it has \x1c-\x1f, lacks \ufeff).
_SC = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_S, _NS = f"[{_SC}]", f"[^{_SC}]"
_DOT = "[^\n\r\u2028\u2029]"  # JavaScript's "."

_CODE_BLOCK = re.compile(r"^```(?:([a-z0-9_+\-.#]+?)\n+)?\n*([\s\S]+?)\n*```", re.IGNORECASE | re.ASCII)
_SPOILER = re.compile(r"^\|\|([\s\S]+?)\|\|")
_URL = re.compile(rf"^((?:https?|steam)://[^{_SC}<]+[^<.,:;\"'\]{_SC}])")  # discord.py's copy of Discord's
_QUOTE = re.compile(r"^( *>>> ([\s\S]*))|^( *> [^\n]*(\n *> [^\n]*)*\n?)")
_BULLET = r"(?:[*-]|[0-9]+\.)"
_LIST = re.compile(rf"^( *)({_BULLET}) [\s\S]+?(?:\n{{2,}}(?! )(?!\1{_BULLET} )\n*|{_S}*\n*\Z)")
_LIST_ITEM = re.compile(rf"( *)({_BULLET}) +[^\n]*(?:\n(?!\1{_BULLET} )[^\n]*)*(?:\n|$)", re.MULTILINE)
_LIST_ITEM_PREFIX = re.compile(rf"^( *)({_BULLET}) +")
_HEADING = re.compile(r"^(#{1,3}) +([^\n]+)")
_SUBTEXT = re.compile(r"^-# +([^\n]+)")
_LINE_START = re.compile(r"(?:^|\n)( *)\Z")
_ESCAPE = re.compile(rf"^\\([^0-9A-Za-z{_SC}])")
_AUTOLINK = re.compile(r"^<([^: >]+:/[^ >]+)>")
_LINK_INSIDE = r"(?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*"
_LINK_TARGET = rf"{_S}*<?((?:\([^)]*\)|[^{_SC}\\]|\\{_DOT})*?)>?(?:{_S}+['\"]([\s\S]*?)['\"])?{_S}*"
_LINK = re.compile(rf"^\[({_LINK_INSIDE})\]\({_LINK_TARGET}\)")
_UNESCAPE_URL = re.compile(rf"\\([^0-9A-Za-z{_SC}])")
_EM = re.compile(rf"^_((?:__|\\[\s\S]|[^\\_])+?)_(?![A-Za-z0-9_])"
                 rf"|^\*(?={_NS})((?:\*\*|\\[\s\S]|{_S}+(?:\\[\s\S]|[^{_SC}*\\]|\*\*)|[^{_SC}*\\])+?)\*(?!\*)")
_STRONG = re.compile(r"^\*\*((?:\\[\s\S]|[^\\])+?)\*\*(?!\*)")
_UNDERLINE = re.compile(r"^__((?:\\[\s\S]|[^\\])+?)__(?!_)")
_STRIKE = re.compile(r"^~~([\s\S]+?)~~(?!_)")
_CODE = re.compile(r"^(`+)([\s\S]*?[^`])\1(?!`)")
_USER = re.compile(r"^<@!?([0-9]+)>")
_ROLE = re.compile(r"^<@&([0-9]+)>")
_CHANNEL = re.compile(r"^<#([0-9]+)>")
_EVERYONE = re.compile(r"^@(everyone|here)")
_EMOJI = re.compile(r"^<a?:[A-Za-z0-9_]+:[0-9]+>")
_TIMESTAMP = re.compile(r"^<t:-?[0-9]+(?::[tTdDfFRsS])?>")
_COMMAND = re.compile(r"^</[^:<>\n]+:[0-9]+>")
_BREAK = re.compile(r"^\n")
_TEXT = re.compile(rf"^[\s\S]+?(?=[^0-9A-Za-z{_SC}\u00c0-\uffff\U00010000-\U0010ffff]|\n|[A-Za-z0-9_]+:{_NS}|\Z)")

# What Discord's server reads as a mention in raw content (it does not parse Markdown).
_SERVER_MENTION = re.compile(r"<@(!?|&)([0-9]+)>|@(everyone|here)")


@dataclass(frozen=True)
class Link:
    """A masked link Discord shows: `text` as written between the brackets, `url` its target as clicked."""

    text: str
    url: str


@dataclass(frozen=True)
class Mention:
    """A mention: kind "user", "role", "channel", "everyone", "here" (or "reply": the replied-to author)."""

    kind: str
    id: int | None = None


@dataclass(frozen=True)
class Node:
    """One piece of the parse: `kind` is the rule's name; text pieces keep what they show in `text`."""

    kind: str
    text: str = ""
    children: tuple[Node, ...] = ()
    url: str = ""
    mention: Mention | None = None


@dataclass(frozen=True)
class Reading:
    """What a member sees in one text (a message's content, an embed's title, description or field)."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...]  # masked links, live: a click goes to `url` whatever `text` says
    urls: tuple[str, ...]  # bare and <autolinked> URLs: shown as themselves
    mentions: tuple[Mention, ...]  # shown as mentions (whether they ping is `pings`' question)
    code: tuple[str, ...]  # the insides of code spans and fences, in order
    stray_backticks: int  # backticks shown as text: a code span that did not close, or closed early
    constructs: frozenset[str]  # every rule that applied: "heading", "list", "quote", "spoiler", "strong"...
    shown: str  # the text as it reads once the marks are gone

    @property
    def code_balanced(self) -> bool:
        return self.stray_backticks == 0


@dataclass
class _State:
    prev: str = ""  # the last capture (simple-markdown's prevCapture): decides what is a line start
    in_quote: bool = False


@dataclass(frozen=True)
class _Rule:
    name: str
    order: int
    match: Callable[[str, _State], re.Match[str] | None]
    build: Callable[[re.Match[str], _State], Node]
    quality: Callable[[re.Match[str]], float] | None = None


def _any(pattern: re.Pattern[str]) -> Callable[[str, _State], re.Match[str] | None]:
    return lambda source, _state: pattern.match(source)


def _at_line_start(pattern: re.Pattern[str]) -> Callable[[str, _State], re.Match[str] | None]:
    return lambda source, state: pattern.match(source) if _LINE_START.search(state.prev) else None


def _list_match(source: str, state: _State) -> re.Match[str] | None:
    # simple-markdown reads a list with the line's leading spaces (already consumed) put back in front
    line = _LINE_START.search(state.prev)
    return _LIST.match(line.group(1) + source) if line else None


def _quote_match(source: str, state: _State) -> re.Match[str] | None:
    if state.in_quote or not re.search(r"^\Z|\n *\Z", state.prev):
        return None
    return _QUOTE.match(source)


def _heading_match(source: str, state: _State) -> re.Match[str] | None:
    m = _at_line_start(_HEADING)(source, state)
    return m if m is not None and m.group(2).strip() else None


def _subtext_match(source: str, state: _State) -> re.Match[str] | None:
    m = _at_line_start(_SUBTEXT)(source, state)
    return m if m is not None and m.group(1).strip() else None


def _inner(kind: str, group: int | Callable[[re.Match[str]], str]) -> Callable[[re.Match[str], _State], Node]:
    def build(m: re.Match[str], state: _State) -> Node:
        inside = group(m) if callable(group) else m.group(group)
        return Node(kind, children=_parse(inside, state))
    return build


def _quote_build(m: re.Match[str], state: _State) -> Node:
    whole = m.group(0)
    block = re.match(r"^ *>>> ?", whole)
    inside = whole[block.end():] if block else re.sub(r"^ *> ?", "", whole, flags=re.MULTILINE)
    nested = _State(state.prev, in_quote=True)
    return Node("quote", children=_parse(inside, nested))


def _list_build(m: re.Match[str], state: _State) -> Node:
    whole = re.sub(r"\n{2,}\Z", "\n", m.group(0))
    items = []
    for item in (i.group(0) for i in _LIST_ITEM.finditer(whole) if i.group(0)):
        prefix = _LIST_ITEM_PREFIX.match(item)
        width = len(prefix.group(0)) if prefix else 0
        content = re.sub(rf"^ {{1,{width}}}", "", item, flags=re.MULTILINE) if width else item
        content = _LIST_ITEM_PREFIX.sub("", content, count=1)
        content = re.sub(r" *\n+\Z", "", content)  # a tight item, read inline (see the module docstring)
        items.append(Node("item", children=_parse(content, state)))
    return Node("list", children=tuple(items))


def _code_block_build(m: re.Match[str], _state: _State) -> Node:
    return Node("code_block", text=m.group(2))


def _code_build(m: re.Match[str], _state: _State) -> Node:
    return Node("code", text=re.sub(r"^ (?= *`)|(` *) \Z", lambda g: g.group(1) or "", m.group(2)))


def _link_build(m: re.Match[str], state: _State) -> Node:
    return Node("link", text=m.group(1), children=_parse(m.group(1), state), url=_UNESCAPE_URL.sub(r"\1", m.group(2)))


def _mention(kind: str) -> Callable[[re.Match[str], _State], Node]:
    def build(m: re.Match[str], _state: _State) -> Node:
        if kind == "everyone":
            return Node("mention", text=m.group(0), mention=Mention(m.group(1)))
        return Node("mention", text=m.group(0), mention=Mention(kind, int(m.group(1))))
    return build


def _plain(kind: str, group: int = 0) -> Callable[[re.Match[str], _State], Node]:
    return lambda m, _state: Node(kind, text=m.group(group))


_STRONG_ORDER = 7
_RULES: tuple[_Rule, ...] = (
    _Rule("code_block", 0, _any(_CODE_BLOCK), _code_block_build),
    _Rule("spoiler", 0, _any(_SPOILER), _inner("spoiler", 1)),
    _Rule("url", 0, _any(_URL), lambda m, _s: Node("url", text=m.group(1), url=m.group(1))),
    _Rule("quote", 1, _quote_match, _quote_build),
    _Rule("list", 2, _list_match, _list_build),
    _Rule("heading", 3, _heading_match, _inner("heading", lambda m: m.group(2).strip())),
    _Rule("subtext", 3, _subtext_match, _inner("subtext", lambda m: m.group(1).strip())),
    _Rule("escape", 4, _any(_ESCAPE), _plain("escaped", 1)),
    _Rule("autolink", 5, _any(_AUTOLINK), lambda m, _s: Node("url", text=m.group(1), url=m.group(1))),
    _Rule("link", 6, _any(_LINK), _link_build),
    _Rule("em", _STRONG_ORDER, _any(_EM), _inner("em", lambda m: m.group(2) or m.group(1)),
          quality=lambda m: len(m.group(0)) + 0.2),
    _Rule("strong", _STRONG_ORDER, _any(_STRONG), _inner("strong", 1), quality=lambda m: len(m.group(0)) + 0.1),
    _Rule("underline", _STRONG_ORDER, _any(_UNDERLINE), _inner("underline", 1), quality=lambda m: len(m.group(0))),
    _Rule("channel", _STRONG_ORDER, _any(_CHANNEL), _mention("channel")),
    _Rule("command", _STRONG_ORDER, _any(_COMMAND), _plain("command")),
    _Rule("emoji", _STRONG_ORDER, _any(_EMOJI), _plain("emoji")),
    _Rule("everyone", _STRONG_ORDER, _any(_EVERYONE), _mention("everyone")),
    _Rule("role", _STRONG_ORDER, _any(_ROLE), _mention("role")),
    _Rule("timestamp", _STRONG_ORDER, _any(_TIMESTAMP), _plain("timestamp")),
    _Rule("user", _STRONG_ORDER, _any(_USER), _mention("user")),
    _Rule("strike", 8, _any(_STRIKE), _inner("strike", 1)),
    _Rule("code", 9, _any(_CODE), _code_build),
    _Rule("break", 10, _any(_BREAK), _plain("text")),
    _Rule("text", 11, _any(_TEXT), _plain("text")),
)


def _parse(source: str, state: _State) -> tuple[Node, ...]:
    """simple-markdown's nestedParse: the first rule (by order; among equals with a quality, the best) wins."""
    out: list[Node] = []
    while source:
        best: tuple[_Rule, re.Match[str]] | None = None
        best_quality = float("nan")
        i = 0
        while True:
            rule = _RULES[i]
            m = rule.match(source, state)
            if m is not None:
                quality = rule.quality(m) if rule.quality else 0.0
                if not quality <= best_quality:  # NaN at first: the first match is taken
                    best, best_quality = (rule, m), quality
            i += 1
            if i == len(_RULES):
                break
            following = _RULES[i]
            if best is not None and not (following.order == rule.order and following.quality):
                break
        assert best is not None, "the text rule matches any non-empty source"
        rule, m = best
        out.append(rule.build(m, state))
        state.prev = m.group(0)
        put_back = len(m.string) - len(source)  # a list's leading spaces, read again but not in the source
        source = source[max(len(m.group(0)) - put_back, 1):]
    return tuple(out)


def _preprocess(text: str) -> str:
    return re.sub(r"\r\n?", "\n", text).replace("\f", "").replace("\t", "    ")


def _walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _shown(nodes: tuple[Node, ...]) -> str:
    parts = []
    for node in nodes:
        if node.kind == "list":
            parts.append("\n".join(_shown(item.children) for item in node.children))
        elif node.children:
            parts.append(_shown(node.children))
        else:
            parts.append(node.text)
    return "".join(parts)


@functools.lru_cache(maxsize=4096)
def read(text: str) -> Reading:
    """Parse `text` as Discord's client parses a message or an embed description (answers are immutable, and
    the same page is sent again and again: cached)."""
    # Each level of nesting (`- - - x`, `*_*_x_*_*`) is a few Python frames and takes at least one character:
    # room for the deepest nesting the text can hold, so no input makes the oracle fail.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 1000 + 8 * len(text)))
    try:
        return _reading(_parse(_preprocess(text), _State()))
    finally:
        sys.setrecursionlimit(limit)


def _reading(nodes: tuple[Node, ...]) -> Reading:
    every = list(_walk(nodes))
    return Reading(
        nodes=nodes,
        links=tuple(Link(n.text, n.url) for n in every if n.kind == "link"),
        urls=tuple(n.url for n in every if n.kind == "url"),
        mentions=tuple(n.mention for n in every if n.mention is not None),
        code=tuple(n.text for n in every if n.kind in ("code", "code_block")),
        stray_backticks=sum(n.text.count("`") for n in every if n.kind == "text"),
        constructs=frozenset(n.kind for n in every if n.kind not in ("text", "escaped", "item")),
        shown=_shown(nodes),
    )


def live_links(text: str) -> tuple[Link, ...]:
    return read(text).links


def live_mentions(text: str) -> tuple[Mention, ...]:
    return read(text).mentions


# --- what a message body shows, and whom it notifies ---

def surfaces(message: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (path, text) of a message body that Discord renders as Markdown: the content and each embed's
    title, description, field names and values. Footer text, author name and component labels are plain."""
    out: list[tuple[str, str]] = []
    if isinstance(message.get("content"), str) and message["content"]:
        out.append(("content", message["content"]))
    for i, embed in enumerate(message.get("embeds") or []):
        if not isinstance(embed, Mapping):
            continue
        for key in ("title", "description"):
            if isinstance(embed.get(key), str) and embed[key]:
                out.append((f"embeds.{i}.{key}", embed[key]))
        for j, f in enumerate(embed.get("fields") or []):
            for key in ("name", "value"):
                if isinstance(f, Mapping) and isinstance(f.get(key), str) and f[key]:
                    out.append((f"embeds.{i}.fields.{j}.{key}", f[key]))
    return out


def server_mentions(content: str) -> tuple[Mention, ...]:
    """The mentions Discord's server finds in raw content (Markdown-blind), each once, in order."""
    found: dict[Mention, None] = {}
    for m in _SERVER_MENTION.finditer(content):
        if m.group(3):
            found[Mention(m.group(3))] = None
        else:
            found[Mention("role" if m.group(1) == "&" else "user", int(m.group(2)))] = None
    return tuple(found)


def _ids(values: Any) -> set[int]:
    return {int(v) for v in values or [] if str(v).isdigit()}


def pings(message: Mapping[str, Any]) -> tuple[Mention, ...]:
    """Who Discord notifies for this message body: its content's mentions that `allowed_mentions` lets through.

    Discord's rules: no `allowed_mentions` means every mention in the content notifies (and a reply notifies
    the replied-to author); with it, `parse` lists the kinds that notify ("users", "roles", "everyone", the
    last covering @here), `users`/`roles` list the only ids that do otherwise, and `replied_user` says
    whether a reply notifies. Mentions in embeds never notify."""
    allowed = message.get("allowed_mentions")
    content = message.get("content")
    found = server_mentions(content) if isinstance(content, str) else ()
    if allowed is None:
        out = list(found)
        reply = True
    else:
        parse = set(allowed.get("parse") or [])
        users, roles = _ids(allowed.get("users")), _ids(allowed.get("roles"))
        out = [m for m in found if (m.kind in ("everyone", "here") and "everyone" in parse)
               or (m.kind == "user" and ("users" in parse or m.id in users))
               or (m.kind == "role" and ("roles" in parse or m.id in roles))]
        reply = bool(allowed.get("replied_user"))
    if message.get("message_reference") and reply:
        out.append(Mention("reply"))
    return tuple(out)


def named_in_allowed_mentions(message: Mapping[str, Any], mention: Mention) -> bool:
    """Whether the body asked for this very ping by id (`allowed_mentions.users`/`roles`): the bot meant it."""
    allowed = message.get("allowed_mentions") or {}
    if mention.kind == "user":
        return mention.id in _ids(allowed.get("users"))
    if mention.kind == "role":
        return mention.id in _ids(allowed.get("roles"))
    return False
