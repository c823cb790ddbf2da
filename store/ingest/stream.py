"""A corpus file read for the database as a stream of messages: `Opened` (its fingerprint, or why it
cannot be read), then its records and problems as `Parsed` batches, then `Ended` (how the reading ended).

A JSON Lines bulk import (up to 512 MiB) is streamed a block at a time, line by line into batches of at most
`BATCH_RECORDS` records or `BATCH_CHARS` characters. Memory is one batch's, whatever the file's size. Its records
keep the contract every parser's do (store.ingest.records.contract). A file the database holds a document of is
read twice: first to fingerprint and check it, so an unchanged or broken file is known before any record is
written. A file it does not (`checked=False`: nothing to compare its fingerprint with) is read once, judged by
its first block before any record and fingerprinted as it streams; one that turns out broken further on fails
at its end, and the database rolls back what it wrote of it, as it does for a file that breaks between two
readings. The fingerprint `Ended` gives is of the bytes the records came from.

In every file, problem lines beyond `PROBLEMS_PER_FILE` are counted, not kept (`MoreProblems`).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from itertools import chain
from pathlib import Path
from typing import Any

from store.ingest.readings.arxiv_jsonl import parse_line
from store.ingest.records import MoreProblems, PaperRecord, Parsed, Problem
from store.ingest.records.contract import checked_record_link, fill_identity, keeps_contract
from store.ingest.records.rows import SUMMARIES, NewRows, new_rows
from store.ingest.text.files import open_regular, outside_folder
from store.ingest.text.limits import MAX_LINE_CHARS, max_bytes
from store.ingest.text.lines import Line, TextBlocks, Unreadable, numbered_lines
from store.text.folding import fold, title_key
from store.text.names import person_key

BATCH_RECORDS = 2_000  # records the database takes at once: a few MB, whatever the file's size
BATCH_CHARS = 8 << 20  # ... or fewer, when the lines are long
PROBLEMS_PER_FILE = 1_000  # problem lines kept per file; the rest are counted


@dataclass(slots=True)
class Opened:
    """What is known of a file before its records."""

    sha256: str  # "" for a file read once (`jsonl_messages`): `Ended` gives it
    failed: bool  # it cannot be read: no batches follow
    problems: list[Problem]
    refused: bool = False  # a link out of its folder
    stamp: tuple[int, int] | None = None  # its size and modification time when opened (a streamed file)


@dataclass(slots=True)
class Ended:
    """How reading a file ended: the fingerprint of the bytes read, and whether it failed after all."""

    sha256: str
    failed: bool
    problems: list[Problem]


@dataclass(slots=True)
class Keyed(Parsed):
    """A batch with what the database side would otherwise work out a record at a time, worked out by the
    parsing process, which waits on the database most of the time: the person key
    (store.text.names.person_key) of every author name, every title's key (store.text.folding.title_key),
    and the records as new papers' rows (`NewRows`), which a batch of papers the database does not know
    is written from as they are (some 20 µs a paper of a bulk import)."""

    people: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    rows: NewRows | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as columns, one list per field of its records: a batch crosses from the parsing process
        in half the time of its records pickled one by one (objects of a class, rebuilt field by field).
        With its rows, the records, people and titles are a pickle of their own inside (`Packed`), the
        summaries the rows hold left out of it."""
        columns = [[getattr(rec, name) for rec in self.records] for name in _FIELDS]
        if self.rows is None:
            return _unpickled, (tuple(columns), self.problems, self.people, self.titles, None)
        kept = [i for i, title in enumerate(columns[_TITLE]) if self.titles.get(title)]
        summaries = columns[_SUMMARY]
        shared = self.rows.entries[SUMMARIES] == [summaries[i] for i in kept] if self.rows.entries else False
        if shared:
            columns[_SUMMARY] = summaries = list(summaries)
            for i in kept:
                summaries[i] = None
        packed = pickle.dumps((columns, self.people, self.titles), protocol=pickle.HIGHEST_PROTOCOL)
        return Packed, (self.rows, self.problems, len(self.records), packed, kept if shared else None)


_FIELDS = tuple(f.name for f in fields(PaperRecord))
_TITLE, _SUMMARY = _FIELDS.index("title"), _FIELDS.index("summary")
_RECORDS, _PEOPLE, _TITLES = Parsed.records, Keyed.people, Keyed.titles  # the slots' own descriptors


def _unpickled(columns: tuple[list[Any], ...], problems: list[Problem], people: dict[str, str],
               titles: dict[str, str], rows: NewRows | None) -> Keyed:
    return Keyed([PaperRecord(*values) for values in zip(*columns, strict=True)], problems, people, titles, rows)


class Packed(Keyed):
    """A keyed batch as the importing process takes it from the pipe: its rows at once, its records and its
    authors' and titles' keys unpickled when first asked for. Most batches of a bulk import are papers the
    database does not know, written from their rows alone (store.corpus.fresh): unpickling their records
    too was some 40% of taking a batch in, on the thread whose interpreter lock the database's writes need
    back after every row."""

    __slots__ = ("_kept", "_packed", "count")

    def __init__(self, rows: NewRows, problems: list[Problem], count: int, packed: bytes,
                 kept: list[int] | None) -> None:
        self.count, self._packed, self._kept = count, packed, kept
        _RECORDS.__set__(self, [])
        self.problems, self.rows = problems, rows
        _PEOPLE.__set__(self, {})
        _TITLES.__set__(self, {})

    def _unpack(self) -> None:
        packed, self._packed = self._packed, None
        if packed is None:
            return
        columns, people, titles = pickle.loads(packed)
        if self._kept is not None:  # the summaries of the records the rows hold are the rows' own
            assert self.rows is not None
            summaries = columns[_SUMMARY]
            for i, summary in zip(self._kept, self.rows.entries[SUMMARIES], strict=True):
                summaries[i] = summary
        _RECORDS.__set__(self, [PaperRecord(*values) for values in zip(*columns, strict=True)])
        _PEOPLE.__set__(self, people)
        _TITLES.__set__(self, titles)

    def size(self) -> int:
        return self.count if self._packed is not None else len(_RECORDS.__get__(self))

    @property  # type: ignore[override]
    def records(self) -> list[PaperRecord]:
        self._unpack()
        return _RECORDS.__get__(self)

    @records.setter
    def records(self, value: list[PaperRecord]) -> None:
        self._unpack()
        _RECORDS.__set__(self, value)

    @property  # type: ignore[override]
    def people(self) -> dict[str, str]:
        self._unpack()
        return _PEOPLE.__get__(self)

    @property  # type: ignore[override]
    def titles(self) -> dict[str, str]:
        self._unpack()
        return _TITLES.__get__(self)


def keyed(batch: Parsed) -> Keyed:
    """The batch with its authors' person keys, its titles' keys and its rows as new papers."""
    names = {name for rec in batch.records for name in rec.authors}
    people = {name: person_key(name) for name in names}
    titles = {rec.title: title_key(fold(rec.title)) for rec in batch.records}
    return Keyed(batch.records, batch.problems, people, titles, new_rows(batch.records, people, titles))


Message = Opened | Parsed | Ended


class ProblemCap:
    """Keeps a file's first `PROBLEMS_PER_FILE` problems and counts the rest."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.kept = self.more = 0

    def take(self, problems: Iterable[Problem]) -> list[Problem]:
        out: list[Problem] = []
        for problem in problems:
            if self.kept < PROBLEMS_PER_FILE:
                out.append(problem)
                self.kept += 1
            else:
                self.more += 1
        return out

    @property
    def total(self) -> int:
        return self.kept + self.more

    def rest(self) -> list[Problem]:
        """The line that stands for the problems not kept, if any."""
        return [MoreProblems.of(self.source, self.more)] if self.more else []


def jsonl_messages(path: Path, source: str, inside: Path | None = None, checked: bool = True) -> Iterator[Message]:
    """The messages for a JSON Lines file (see the module's docstring). `checked`: read it whole for its
    fingerprint and problem before its records (a file the database holds a document of)."""
    handle = open_regular(path, source, inside)
    if isinstance(handle, Problem):
        yield Opened("", True, [handle], outside_folder([handle]))
        yield Ended("", True, [])
        return
    with handle:
        limit = max_bytes(path.suffix)
        status = os.fstat(handle.fileno())
        stamp = (status.st_size, status.st_mtime_ns)
        blocks = TextBlocks(handle, source, limit)
        texts: Iterable[str]
        if checked:
            problem = blocks.check()
            sha256 = blocks.sha256
            blocks = TextBlocks(handle, source, limit)
            texts = blocks
        else:  # judged by its first block: a file over its limit, or not text from its start, fails before a record
            sha256, problem, rest = "", None, iter(blocks)
            try:
                texts = chain([next(rest, "")], rest)
            except Unreadable as exc:
                problem = exc.problem
        if problem is not None:
            yield Opened(sha256, True, [problem], stamp=stamp)
            yield Ended(sha256, True, [])
            return
        yield Opened(sha256, False, [], stamp=stamp)
        cap = ProblemCap(source)
        records = 0
        late: Problem | None = None
        try:
            for batch in _batches(numbered_lines(texts, MAX_LINE_CHARS), source):
                records += len(batch.records)
                batch.problems = cap.take(batch.problems)
                yield batch
        except Unreadable as exc:  # binary, not UTF-8 or too large further on (read once), or since it was checked
            late = exc.problem
        if late is None and not records and not cap.total:
            late = Problem(source, 0, "empty file: nothing to read")  # only blank lines (a JSON line gives one)
        yield Ended(blocks.sha256, late is not None or not records, [*([late] if late else []), *cap.rest()])


def _batches(lines: Iterable[Line], source: str) -> Iterator[Parsed]:
    """The lines' records and problems, in batches."""
    batch = Parsed()
    chars = 0
    for line in lines:
        for found in _read_line(line, source):
            if isinstance(found, PaperRecord):
                batch.records.append(found)
            else:
                batch.problems.append(found)
        chars += line.length
        if len(batch.records) >= BATCH_RECORDS or chars >= BATCH_CHARS:
            yield batch
            batch, chars = Parsed(), 0
    if batch.records or batch.problems:
        yield batch


def _read_line(line: Line, source: str) -> list[PaperRecord | Problem]:
    """One line's record and problems, under the contract every reader's records keep
    (store.ingest.records.contract: title clipped, link checked, identifiers filled from it)."""
    if line.length > MAX_LINE_CHARS:
        return [Problem(source, line.number, f"line of {line.length:,} characters skipped")]
    try:
        found = parse_line(line.text, source, line.number)
        if not isinstance(found, PaperRecord):
            return [found] if found is not None else []
        if not keeps_contract(found, line.number):
            return []
        refused = checked_record_link(found, source)
        return [fill_identity(found), *([refused] if refused else [])]
    except (RecursionError, MemoryError, ValueError, IndexError, KeyError, TypeError) as exc:
        # A parser bug must not cost the rest of the file: report it against the line.
        return [Problem(source, line.number, f"could not be parsed ({type(exc).__name__}: {exc}); line skipped")]
