"""BibTeX (a `.bib` export, or a block inside a note) to paper records, with bibtexparser.

bibtexparser 1.4 (the stable line; 2.x is still a beta whose API changes between releases) reads the
entries, `@string` macros, month macros, `@comment` and `@preamble`; this module adds what a corpus
needs on top:

- Line numbers and isolation: the text is cut at each line that opens an entry (`@type{`), each piece
  is parsed on its own with macros carried over, so a broken entry becomes a problem at its line and
  the entries after it still load.
- Fields, the way Zotero (plain and Better BibTeX), Google Scholar and JabRef write them: `title`,
  `author` (BibTeX's own name rules: "Last, First", "First Last", "Last, Jr, First", braces protect
  a corporate name, "and others" marks the list incomplete), `year` (or biblatex `date`),
  `booktitle`/`journal` as a short venue, `url`/`doi`/`eprint` as the link and identifiers,
  `keywords` as topics, `annote`/`note` (the reader's words) then `abstract` as the summary.
- LaTeX decoded with pylatexenc (store.ingest.text.latex): `{\\"o}`, `--`, `\\&`, `{{Title}}`.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from store.ingest.readings.fields.categories import category_label, is_category_code
from store.ingest.readings.fields.venues import short_venue
from store.ingest.records import PaperRecord, Parsed, Problem
from store.ingest.text.latex import decode_latex
from store.text.identifiers import arxiv_id, doi, identify, link_for, openreview_id
from store.text.names import display_name
from store.text.spacing import single_spaced

if TYPE_CHECKING:
    from bibtexparser.bparser import BibTexParser

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its parse errors become our Problems

_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(]", re.MULTILINE)
_NOT_PAPERS = frozenset({"comment", "preamble", "string"})
_YEAR = re.compile(r"(?<!\d)((?:1[89]|20|21)\d\d)(?!\d)")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")
_ZOTERO_SUBJECT = re.compile(r"^(?:Computer Science|Statistics|Mathematics|Physics|Quantitative Biology|"
                             r"Electrical Engineering and Systems Science|Quantitative Finance|Economics)"
                             r"\s+-\s+(.+)$")
_METADATA_NOTE_LINE = re.compile(r"^\s*(?:arXiv\s*:|Comment\s*:|ISBN|ISSN|_eprint\s*:)", re.IGNORECASE)
_LONG_VENUE = 48
_ACRONYM = re.compile(r"(?<![\w])([A-Z]{3,}[a-z]?)(?![\w])")
_NOT_ACRONYMS = frozenset({"IEEE", "ACM", "SIAM", "USA", "III", "VII", "VIII", "XII", "IAPR", "CVF", "SPIE"})
_ARXIV_VENUE = re.compile(r"^\s*(?:arxiv|corr)\b", re.IGNORECASE)


def looks_like_bibtex(text: str) -> bool:
    """Whether `text` holds at least one BibTeX entry opening (`@article{key,`)."""
    return any(m.group(1).casefold() not in _NOT_PAPERS for m in _ENTRY_START.finditer(text))


def _parser() -> BibTexParser:
    """A parser for one document's entries; bibtexparser is imported on first use, so a note that holds no
    BibTeX (and `looks_like_bibtex` on it) never pays for it."""
    from bibtexparser.bparser import BibTexParser

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    parser.expect_multiple_parse = True
    return parser


def parse_bibtex(text: str, source: str, first_line: int = 1) -> Parsed:
    """Records for the entries of `text` (which starts at line `first_line` of `source`); never raises."""
    parser = _parser()
    records: list[PaperRecord] = []
    problems: list[Problem] = []
    starts = list(_ENTRY_START.finditer(text))
    for i, start in enumerate(starts):
        line = first_line + text.count("\n", 0, start.start())
        chunk = text[start.start():starts[i + 1].start() if i + 1 < len(starts) else len(text)]
        kind = start.group(1).casefold()
        before = len(parser.bib_database.entries)
        try:
            parser.parse(chunk)
        except Exception as exc:  # pyparsing errors, an undefined @string macro: this entry only
            if kind not in {"comment", "preamble"}:
                problems.append(Problem(source, line, f"BibTeX @{kind} could not be read ({_reason(exc)}); "
                                                      "entry skipped"))
            continue
        if kind in _NOT_PAPERS:
            continue
        entries = parser.bib_database.entries[before:]
        if not entries:
            problems.append(Problem(source, line, f"BibTeX @{kind} could not be read (unbalanced braces "
                                                  "or quotes?); entry skipped"))
            continue
        for entry in entries:
            record = paper_from_entry(entry, source, line)
            if record is None:
                problems.append(Problem(source, line, f"BibTeX entry {entry.get('ID', '')!r} has no title; "
                                                      "skipped"))
            else:
                records.append(record)
    return Parsed(records, problems)


def paper_from_entry(entry: dict[str, str], source: str, line: int) -> PaperRecord | None:
    """One record from one parsed entry (fields lower-cased by bibtexparser); None without a title."""
    title = _text(entry.get("title", ""))
    if not title:
        return None
    authors, incomplete = bibtex_authors(entry.get("author", ""))
    eprint = entry.get("eprint", "").strip()
    archive = (entry.get("archiveprefix") or entry.get("eprinttype") or "").strip().casefold()
    venue_field = _text(entry.get("booktitle") or entry.get("journal") or entry.get("journaltitle") or "")
    url = entry.get("url", "").strip() or None
    arxiv = (
        (arxiv_id(eprint, bare=True) if eprint and archive in {"", "arxiv"} else None)
        or arxiv_id(url) or arxiv_id(venue_field) or arxiv_id(entry.get("doi")) or arxiv_id(entry.get("note"))
    )
    found = identify(url)
    doi_value = doi(entry.get("doi")) or found.doi
    if doi_value and doi_value.startswith("10.48550/"):
        doi_value = None  # arXiv's own DOI: the arXiv id says it
    venue = _venue(venue_field, entry, arxiv)
    link = url or link_for(arxiv, doi_value)
    return PaperRecord(
        title=title,
        authors=authors,
        venue=venue,
        year=_year(entry),
        topics=_topics(entry.get("keywords", "") or entry.get("keyword", "")),
        summary=_summary(entry),
        source=source,
        line=line,
        link=link,
        authors_incomplete=incomplete,
        arxiv_id=arxiv,
        doi=doi_value,
        openreview_id=openreview_id(url),
    )


def bibtex_authors(field: str) -> tuple[list[str], bool]:
    """Display names from a BibTeX `author` field, and whether it ends in "and others".

    Every name is one of the field's own "and"-separated parts, reordered to "First Last" and decoded;
    nothing is guessed, so no name is ever invented or dropped.
    """
    names: list[str] = []
    incomplete = False
    for part in _split_top_level(field, _AND):
        part = part.strip()
        if not part:
            continue
        if part.casefold() in {"others", "et al.", "et al"}:
            incomplete = True
            continue
        name = _name(part)
        if name:
            names.append(name)
    return names, incomplete


def _name(raw: str) -> str:
    if raw.startswith("{") and raw.endswith("}") and _balanced_outer(raw):
        return single_spaced(decode_latex(raw))  # "{Google DeepMind}": an institution, as written
    pieces = [decode_latex(p).strip() for p in _split_top_level(raw, re.compile(r","))]
    pieces = [single_spaced(p.strip("-")) for p in pieces]  # "Smith, John-": a stray hyphen joins nothing
    if len(pieces) == 1:
        return display_name(pieces[0])
    if len(pieces) == 2:
        last, first = pieces
        return single_spaced(f"{first} {last}") if first else last
    last, suffix, first = pieces[0], pieces[1], ", ".join(pieces[2:])
    return single_spaced(f"{first} {last} {suffix}")


def _split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """`text` split at `separator` outside braces."""
    parts: list[str] = []
    depth = 0
    start = 0
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = separator.match(text, pos)
            if m and m.end() > pos:
                parts.append(text[start:pos])
                start = pos = m.end()
                continue
        pos += 1
    parts.append(text[start:])
    return parts


def _balanced_outer(text: str) -> bool:
    """Whether the first brace of `text` closes at its last character: "{A B}" but not "{A} {B}"."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            return i == len(text) - 1
    return False


def _text(value: str) -> str:
    return single_spaced(decode_latex(value)) if value else ""


def _venue(name: str, entry: dict[str, str], arxiv: str | None) -> str | None:
    if name:
        if _ARXIV_VENUE.match(name) or "arxiv preprint" in name.casefold():
            return "arXiv"
        return _readable(short_venue(name))
    publisher = _text(entry.get("publisher", "") or entry.get("howpublished", ""))
    if arxiv or _ARXIV_VENUE.match(publisher):
        return "arXiv"
    return None


def _readable(venue: str) -> str:
    """A long venue name unknown to store.ingest.readings.fields.venues, cut to what people call it: its acronym
    ("...Intervention--MICCAI 2015: 18th International Conference, ..." -> "MICCAI"), else its name
    up to the first colon, comma or parenthesis."""
    if len(venue) <= _LONG_VENUE:
        return venue
    acronym = next((w for w in _ACRONYM.findall(venue) if w not in _NOT_ACRONYMS), None)
    if acronym:
        return acronym
    return re.split(r"\s*[:,(]|--", venue, maxsplit=1)[0].strip() or venue[:_LONG_VENUE]


def _year(entry: dict[str, str]) -> int | None:
    for key in ("year", "date"):
        m = _YEAR.search(entry.get(key, ""))
        if m:
            return int(m.group(1))
    return None


def _topics(field: str) -> list[str]:
    labels: list[str] = []
    for word in _LIST_SEPARATOR.split(_text(field)):
        word = word.strip()
        if not word:
            continue
        subject = _ZOTERO_SUBJECT.match(word)
        label = subject.group(1) if subject else (category_label(word) if is_category_code(word) else word)
        if label and label.casefold() not in {x.casefold() for x in labels}:
            labels.append(label)
    return labels


def _summary(entry: dict[str, str]) -> str:
    parts: list[str] = []
    for key in ("annote", "note", "abstract"):
        value = entry.get(key, "")
        if not value:
            continue
        lines = [ln for ln in value.split("\n") if ln.strip()]
        if key != "abstract" and all(_METADATA_NOTE_LINE.match(ln) for ln in lines):
            continue  # Zotero's "arXiv:1706.03762 [cs]" / "Comment: 15 pages": not a summary
        paragraphs = re.split(r"\n\s*\n", value.strip())
        text = "\n\n".join(t for p in paragraphs if (t := _text(p)))
        if text and text not in parts:
            parts.append(text)
    return "\n\n".join(parts)


def _reason(exc: BaseException) -> str:
    text = str(exc).split("\n")[0][:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

