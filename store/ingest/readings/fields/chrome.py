"""Page chrome and boilerplate: the parts of a copied web page or note that are not anyone's summary.

"[link]", "more"/"less" toggles, trailing table pipes, embedded images and legal disclaimers are
dropped so summaries read as prose and do not pollute search; so are a note app's metadata (Notion's
property lines "Created: November 3, 2023 4:12 PM", "Status: Read", "Type: Paper"), an Obsidian callout's
header ("> [!abstract]", "> [!note] Summary") and stray markup (a line of "**", an unclosed "**").
"""

from __future__ import annotations

import re

from store.text.spacing import unwrap

_TOGGLES = frozenset({"more", "less", "[link]", "link", "show more", "show less", "read more", "|"})
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_BARE_IMAGE = re.compile(r"(?<!\()\bhttps?://\S+?\.(?:png|jpe?g|gif|svg|webp)(?:\?\S*)?(?=[\s)|]|$)"
                         r"|(?<!\()\bhttps?://i\.imgur\.com/\S+", re.IGNORECASE)
_CALLOUT = re.compile(r"^\s*(?:>\s*)*\[![\w-]+\][+-]?(?:\s|$)")
_QUOTE_MARK = re.compile(r"^\s*(?:>\s?)+")
_MARKUP_ONLY = re.compile(r"^\s*(?:[*_~=`>#|]+|[-*_]{3,})\s*$")
_STRONG_OPEN = re.compile(r"^(\*\*|__)\s*")
_STRONG_CLOSE = re.compile(r"\s*(\*\*|__)$")
_LITERAL_KEY = re.compile(r"^\s*(\*\*|__)(?P<key>[^\W\d_][^*_:：]{0,39}?)\s*[:：]\s*\1\s*(?P<value>\S.*)$")
_PROPERTY = re.compile(r"^\s*(?P<key>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){0,3})\s*[:：]\s*(?P<value>\S.{0,200})$")
# The property names note apps (Notion, Obsidian, Logseq templates) put above a page: its metadata.
_PROPERTY_KEYS = frozenset({
    "created", "created time", "created at", "created on", "created by", "last edited", "last edited time",
    "last edited by", "last modified", "modified", "updated", "status", "reading status", "state", "type", "kind",
    "rating", "stars", "priority", "progress", "read", "date read", "read on", "date added", "added", "owner",
    "assignee", "tags", "erstellt", "erstellt am", "geändert", "zuletzt bearbeitet", "typ", "bewertung", "gelesen",
    "créé", "créé le", "modifié", "statut", "creado", "estado", "tipo", "valoración", "leído", "创建时间", "更新时间",
    "状态", "阅读状态", "类型", "评分", "作成日時", "更新日時", "ステータス", "種類"})
_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?")
_DATE_VALUE = re.compile(
    rf"^(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?:[ T,]+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)?\s*(?:\(\w+\))?$",
    re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"\bnot an endorsement\b|\bdisclaimers?\b|\bnot necessarily (?:the|those of)\b.*\bviews?\b"
    r"|\bfor informational (?:and educational )?purposes\b|\binvestment advice\b"
    r"|\ball rights reserved\b|\bcookie policy\b|\bsubscribe to our newsletter\b",
    re.IGNORECASE,
)


def is_toggle(line: str) -> bool:
    """A line that is only a page control ("more", "less", "[link]")."""
    return line.strip().casefold() in _TOGGLES


def is_boilerplate(text: str) -> bool:
    """Disclaimers and site furniture: never part of a paper's summary."""
    return bool(_BOILERPLATE.search(text))


def is_property_line(line: str) -> bool:
    """A note app's metadata line ("Created: November 3, 2023 4:12 PM", "Status: Read"): a property name
    note apps use, or any short key whose value is a date."""
    m = _PROPERTY.match(line)
    if m is None:
        return False
    key = " ".join(m.group("key").casefold().split())
    return key in _PROPERTY_KEYS or bool(_DATE_VALUE.match(m.group("value").strip()))


def is_callout_header(line: str) -> bool:
    """An Obsidian callout's first line ("> [!abstract]", "[!note]- Summary"): its type and title, not text."""
    return bool(_CALLOUT.match(line))


def is_markup_only(line: str) -> bool:
    """A line of nothing but markup ("**", ">", "---")."""
    return bool(_MARKUP_ONLY.match(line))


def is_chrome_line(line: str) -> bool:
    """A line that is never part of a summary: a page control, metadata, a callout header, bare markup."""
    return is_toggle(line) or is_property_line(line) or is_callout_header(line) or is_markup_only(line)


def strip_stray_markup(line: str) -> str:
    """A line without an unclosed "**" or "__" at its start or end (a bold run broken over lines)."""
    for pattern in (_STRONG_OPEN, _STRONG_CLOSE):
        m = pattern.search(line)
        if m is not None and line.count(m.group(1)) % 2:
            line = line[:m.start()] + line[m.end():]
    return line


def literal_key(line: str) -> str | None:
    """"Key: value" for a bold key whose markup was left as written ("**Summary:**The standard textbook": a
    closing "**" right after punctuation and before a letter is no emphasis to Markdown), else None."""
    m = _LITERAL_KEY.match(line)
    return f"{m.group('key').strip()}: {m.group('value')}" if m else None


def summary_text(line: str) -> str | None:
    """A note's line as the summary keeps it: None for chrome, else the line without stray markup."""
    return None if is_chrome_line(line) else strip_stray_markup(line).strip()


def clean_paragraph(lines: list[str] | tuple[str, ...]) -> str:
    """One paragraph of summary text without chrome, metadata, images or trailing table pipes; a callout's
    body without its header and quote marks."""
    callout = bool(lines) and is_callout_header(lines[0])
    kept = [_QUOTE_MARK.sub("", line) if callout else line for line in lines if not is_chrome_line(line)]
    text = unwrap(kept)
    text = _MD_IMAGE.sub(" ", text)
    text = _BARE_IMAGE.sub(" ", text)
    text = "\n".join(_tidy(line) for line in text.split("\n"))
    return "\n".join(line for line in text.split("\n") if line)


def _tidy(line: str) -> str:
    line = strip_stray_markup(" ".join(line.split()))
    while line.endswith("|"):
        line = line[:-1].rstrip()
    if line.startswith("[link]"):
        line = line[len("[link]"):].lstrip()
    return line


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p)
