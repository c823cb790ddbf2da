"""Org-mode notes read as Markdown, line for line, so one structure reader serves both.

`#+TITLE: X` lines become "TITLE: X" key-value lines, `* Heading` stars become `#` headings,
`[[url][text]]` links become Markdown links, and `:PROPERTIES:` drawers' `:KEY: value` lines become
key-value lines. Line numbers are kept (one output line per input line). No maintained Python org
parser gives source lines for these pieces, and the conversion is a handful of line rules.
"""

from __future__ import annotations

import re

_KEYWORD = re.compile(r"^\s*#\+(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*)$")
_HEADING = re.compile(r"^(?P<stars>\*+)\s+(?P<text>.*)$")
_PROPERTY = re.compile(r"^\s*:(?P<key>[A-Za-z_-]+):\s*(?P<value>.*)$")
_LINK = re.compile(r"\[\[(?P<url>[^\]]+)\]\[(?P<text>[^\]]+)\]\]")
_BARE_LINK = re.compile(r"\[\[(?P<url>https?://[^\]]+)\]\]")
_SKIPPED_KEYWORDS = frozenset({"startup", "options", "setupfile", "latex_class", "latex_header", "html_head",
                               "begin_src", "end_src", "begin_quote", "end_quote", "begin_example", "end_example"})
_DRAWER_EDGE = re.compile(r"^\s*:(?:PROPERTIES|END):\s*$", re.IGNORECASE)


def is_org(text: str, suffix: str) -> bool:
    """An .org file, or text whose first non-blank line is an org `#+KEY:` line."""
    if suffix == ".org":
        return True
    first = next((line for line in text.split("\n", 40)[:40] if line.strip()), "")
    return bool(_KEYWORD.match(first))


def to_markdown(text: str) -> str:
    """The org text as Markdown with the same number of lines."""
    out: list[str] = []
    for line in text.split("\n"):
        keyword = _KEYWORD.match(line)
        if keyword:
            key = keyword.group("key")
            out.append("" if key.casefold() in _SKIPPED_KEYWORDS else f"{key}: {keyword.group('value')}")
            continue
        if _DRAWER_EDGE.match(line):
            out.append("")
            continue
        prop = _PROPERTY.match(line)
        if prop:
            out.append(f"{prop.group('key')}: {prop.group('value')}")
            continue
        heading = _HEADING.match(line)
        if heading:
            line = f"{'#' * min(6, len(heading.group('stars')))} {heading.group('text')}"
        line = _LINK.sub(lambda m: f"[{m.group('text')}]({m.group('url')})", line)
        line = _BARE_LINK.sub(lambda m: f"<{m.group('url')}>", line)
        out.append(line)
    return "\n".join(out)
