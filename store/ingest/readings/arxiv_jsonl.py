"""JSON Lines in the public arXiv metadata shape, one paper per line.

Fields used: ``title``, ``authors_parsed`` ([last, first, suffix] lists) or ``authors`` (a string),
``abstract``, ``categories`` ("cs.LG stat.ML"), ``id``, and ``versions[0].created`` for the year
(else the year in a new-style id, "0704.0001" -> 2007). TeX accents are decoded and hard-wrapped
titles and abstracts unwrapped; a line that is not valid JSON is reported and the rest still load.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from store.ingest.readings.fields.categories import topic_labels
from store.ingest.records import PaperRecord, Parsed, Problem
from store.ingest.text.latex import decode_latex
from store.text.identifiers import ARXIV_ABSTRACT, arxiv_id
from store.text.links import web_link
from store.text.names import display_name, split_authors
from store.text.spacing import single_spaced

_NEW_ID = re.compile(r"^(?:[a-z-]+(?:\.[A-Z]{2})?/)?(?P<yy>\d\d)(?P<mm>\d\d)[.\d]")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_FIRST_LINE = re.compile(r"\s*(\{[^\n]*)")  # the first non-blank line when it opens with "{"
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=  +\S)")  # arXiv marks a new paragraph by an indented line


def looks_like_jsonl(text: str) -> bool:
    """Whether the first non-blank line is a JSON object with a title (a .jsonl file by another name)."""
    opening = _FIRST_LINE.match(text)  # the first line only: a note is not copied to be tested
    first = opening.group(1).strip() if opening else ""
    if not first.endswith("}"):
        return False
    try:
        item = json.loads(first)
    except ValueError:
        return False
    return isinstance(item, dict) and "title" in item


def parse_jsonl(text: str, source: str) -> Parsed:
    records: list[PaperRecord] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), 1):
        found = parse_line(line, source, number)
        if isinstance(found, PaperRecord):
            records.append(found)
        elif found is not None:
            problems.append(found)
    return Parsed(records=records, problems=problems)


def parse_line(line: str, source: str, number: int) -> PaperRecord | Problem | None:
    """One line's paper, or why it gives none (None: a blank line). A bulk import is read line by line
    (store.ingest.stream), a small file through `parse_jsonl`: both read each line here."""
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return Problem(source, number, f"not valid JSON ({_reason(exc)}); line skipped")
    if not isinstance(item, dict):
        return Problem(source, number, "not a JSON object; line skipped")
    record = paper_from_metadata(item, source, number)
    return record if record is not None else Problem(source, number, "no title; line skipped")


def paper_from_metadata(item: dict[str, Any], source: str, line: int) -> PaperRecord | None:
    """One record from one arXiv metadata object; None without a title."""
    title = _text(item.get("title"))
    if not title:
        return None
    paper_id = _text(item.get("id"))
    categories = _text(item.get("categories"))
    return PaperRecord(
        title=title,
        authors=_authors(item),
        venue="arXiv",
        year=_year(item, paper_id),
        topics=list(_labels(categories)),
        summary=_abstract(item.get("abstract")),
        source=source,
        line=line,
        link=web_link(ARXIV_ABSTRACT + paper_id) if paper_id else None,
        arxiv_id=arxiv_id(paper_id, bare=True),
        metadata_record=True,
    )


@lru_cache(maxsize=1 << 12)  # a bulk import's papers share a few hundred category lists
def _labels(categories: str) -> tuple[str, ...]:
    return tuple(topic_labels(categories.split()))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return type(exc).__name__


def _text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return single_spaced(decode_latex(value))


def _abstract(value: object) -> str:
    if not isinstance(value, str):
        return ""
    # arXiv marks a new paragraph by an indented line; other line breaks are wrapping.
    paragraphs = _PARAGRAPH.split(value.strip()) if "\n" in value else [value]
    return "\n\n".join(t for p in paragraphs if (t := single_spaced(decode_latex(p))))


def _authors(item: dict[str, Any]) -> list[str]:
    parsed = item.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [_parsed_name(entry) for entry in parsed]
        if all(names):
            return [n for n in names if n]
    raw = item.get("authors")
    if not isinstance(raw, str):
        return []
    return split_authors(_drop_parentheses(decode_latex(raw)))


def _parsed_name(entry: object) -> str | None:
    if not isinstance(entry, list) or not entry or not all(isinstance(p, str) for p in entry):
        return None
    last = decode_latex(entry[0]).strip()
    first = decode_latex(entry[1]).strip() if len(entry) > 1 else ""
    suffix = decode_latex(entry[2]).strip() if len(entry) > 2 else ""
    first = re.sub(r"\.\s+-", ".-", first)  # "C. -P." -> "C.-P."
    name = " ".join(part for part in (first, last, suffix) if part)
    return display_name(name) if name else None


def _drop_parentheses(text: str) -> str:
    """Remove affiliations, including nested ones: "A (1) ((1) Univ. X, (2) Univ. Y)"."""
    if "(" not in text and ")" not in text:
        return text
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _year(item: dict[str, Any], paper_id: str) -> int | None:
    versions = item.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        m = _YEAR.search(str(versions[0].get("created", "")))
        if m:
            return int(m.group(1))
    m = _NEW_ID.match(paper_id)
    if m and 1 <= int(m.group("mm")) <= 12:
        yy = int(m.group("yy"))
        return 1900 + yy if yy >= 91 else 2000 + yy
    m = _YEAR.search(_text(item.get("update_date")))
    return int(m.group(1)) if m else None
