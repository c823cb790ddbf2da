"""Which reader a document gets: the formats, in the order they are tried, in one list (`FORMATS`).

A document goes to the first format whose test it passes:

1. BibTeX: a `.bib` file (Zotero, Google Scholar, JabRef exports).
2. arXiv JSON Lines: a `.jsonl` file, or text whose first line is a JSON object with a title.
3. Front matter: paperbot's own Markdown, a `---` block of `key: value` lines at the top (one per paper).
   A block without a title (an Obsidian-style header) leaves the document to the note reader.
4. Note: anything else (Markdown, plain text, org), read for its structure and shapes
   (store.ingest.readings.document).

Before any reader, line ends are made "\\n", a byte-order mark is dropped, and overlong lines are reported
and clipped (JSON lines: skipped) so one pasted blob cannot stall or lose a whole file. After it, every
record keeps the same contract (store.ingest.records.contract): a title, a line in the document, a
checked link, identifiers filled from the link. Nothing here raises for bad input: a reader's failure is
a problem line against the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from store.ingest.readings.arxiv_jsonl import looks_like_jsonl, parse_jsonl
from store.ingest.readings.bibtex import parse_bibtex
from store.ingest.readings.compete import Choice, Reading
from store.ingest.readings.document import gated, read_document, read_explained
from store.ingest.readings.frontmatter import parse_front_matter, starts_with_front_matter
from store.ingest.records import Parsed, Problem
from store.ingest.records.contract import checked_record_link, fill_identity, keeps_contract
from store.ingest.text.files import decode, read_limited
from store.ingest.text.limits import limit_lines


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    test: Callable[[str, str], bool]  # (text, suffix): whether the document is in this format
    read: Callable[[str, str, str], Parsed]  # (text, source, suffix): its records and problems
    looked_for: str  # what "no papers found" names when the reader found nothing and said nothing


def _read_front_matter(text: str, source: str, suffix: str) -> Parsed:
    return _front_matter_explained(text, source, suffix)[0]


def _front_matter_explained(text: str, source: str, suffix: str) -> tuple[Parsed, Choice]:
    """Front matter's papers compete with the note's readings: a blog post's `title:` that names the paper
    inside a longer phrase ("Reading group #14: ...") is the post's, and the paper is the one its body names.
    A block without a title (an Obsidian-style header) leaves the document to the note reader."""
    parsed = parse_front_matter(text, source)
    if not parsed.records:
        return read_explained(text, source, suffix)
    kept, refused = gated(parsed.records, source)
    own = Reading("front matter", Parsed(kept, [*parsed.problems, *refused]))
    return read_explained(text, source, suffix, before=[own])


_JSON = "JSON objects with a title"
FORMATS: tuple[Format, ...] = (
    Format("BibTeX", lambda _text, suffix: suffix == ".bib", lambda text, source, _suffix: parse_bibtex(text, source),
           "BibTeX entries (@article{key, title = {...}, ...})"),
    Format("arXiv JSON Lines", lambda text, suffix: suffix == ".jsonl" or looks_like_jsonl(text),
           lambda text, source, _suffix: parse_jsonl(text, source), _JSON),
    Format("front matter", lambda text, _suffix: starts_with_front_matter(text), _read_front_matter, _JSON),
    Format("note", lambda _text, _suffix: True, read_document, _JSON),
)


def format_of(text: str, suffix: str) -> Format:
    """The first format in `FORMATS` whose test the document passes (the note reader takes anything)."""
    return next(f for f in FORMATS if f.test(text, suffix))


def parse_text(text: str, source: str, suffix: str = ".txt") -> Parsed:
    """Records and problems for one document's text; never raises for any input."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return Parsed([], [Problem(source, 0, "empty file: nothing to read")])
    suffix = suffix.lower()
    lines, problems = limit_lines(text.split("\n"), source, skip=suffix == ".jsonl")
    text = "\n".join(lines)
    try:
        found = format_of(text, suffix)
        parsed = found.read(text, source, suffix)
    except (RecursionError, MemoryError, ValueError, IndexError, KeyError, TypeError) as exc:
        # A parser bug must not cost the rest of the corpus: report it against the file.
        failure = Problem(source, 0, f"could not be parsed ({type(exc).__name__}: {exc})")
        return Parsed([], [*problems, failure])
    records = [r for r in parsed.records if keeps_contract(r, len(lines))]
    problems.extend(parsed.problems)
    problems.extend(p for r in records if (p := checked_record_link(r, source)) is not None)
    records = [fill_identity(r) for r in records]
    if not records and not problems:  # the note reader says what it looked for; other formats here
        problems.append(Problem(source, 0, f"no papers found: {found.looked_for}"))
    return Parsed(records, problems)


def explain_text(text: str, source: str, suffix: str = ".txt") -> list[str]:
    """How a document was read, for `paperbot check --explain`: its format, and for notes the readings
    that competed (the one chosen, the runner-up and why) and the choices made block by block."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines, _problems = limit_lines(text.split("\n"), source, skip=suffix.lower() == ".jsonl")
    text = "\n".join(lines)
    found = format_of(text, suffix.lower())
    explained = {"note": read_explained, "front matter": _front_matter_explained}.get(found.name)
    if explained is None:
        return [f"format: {found.name} (one reader, no competing readings)"]
    return [f"format: {found.name}", *explained(text, source, suffix.lower())[1].explain()]


def read_text(path: Path, source: str, inside: Path | None = None) -> str | Problem:
    """The file's text, read inside the corpus folder's boundary and decoded; or the problem why not."""
    data = read_limited(path, source, inside)
    if isinstance(data, Problem):
        return data
    return decode(data, source)


def parse_file(path: Path, source: str, inside: Path | None = None) -> Parsed:
    """Parse the file at `path`; `source` is its name relative to the corpus folder, `inside` the folder
    (resolved) it must really lie in (None: a file named on its own, read wherever it is)."""
    text = read_text(path, source, inside)
    if isinstance(text, Problem):
        return Parsed([], [text])
    return parse_text(text, source, path.suffix.lower())
