"""Bring the database in line with the corpus files.

Idempotent: a file whose bytes did not change is not touched; a changed file's entries are diffed
against what the database holds; a file gone from an ingested folder takes its entries with it. A
paper's authors, venue, year, topics are then re-derived from the entries that remain, and a paper
with no entry left is deleted. The caller runs all of it in one transaction, so a failure half-way
leaves the previous corpus in place.

A file's records arrive in batches (a bulk import is never whole in memory), each written as it comes,
within the file's own savepoint: a file that fails while it is read leaves what the database had for it.
What a sync holds is bounded by a batch, not by the file: the papers seen so far (ids), the fingerprints
of the entries a changed file had, and the ids of the papers to re-derive at the end, in chunks.
"""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterable, Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Executable, Row, Select, Table, any_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import changes
from store.db.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.db.settings import get_setting, put_setting
from store.ingest.records import DISCORD_ROOT, FOLDER_ROOTS, PaperRecord, ParsedFile, Problem, StreamedFile
from store.ingest.report import FileChange, IngestReport
from store.text.names import fold, person_key

T = TypeVar("T")
_CHUNK = 500  # ids per IN (...) clause: well under every backend's parameter limit
_DERIVE_AT_ONCE = 2_000  # papers re-derived together at the end of a sync: their entries are read at once
_ANALYZE_FROM = 2_000  # papers a file has added when PostgreSQL's statistics are first brought up to date
_KNOWN_NAMES = 50_000  # authors a sync remembers (id and display form, ~250 bytes each), not to look them up again


def paper_key(title: str) -> str:
    return fold(title).replace("-", " ")[:512]


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_ENTRY_COLUMNS = ("document_id", "paper_id", "line", "title", "authors", "venue", "year", "topics", "link", "summary",
                  "key", "writer", "authors_incomplete", "arxiv_id", "doi", "openreview_id", "metadata_record")
_IDS = ("arxiv_id", "doi", "openreview_id")
_PAPER_COLUMNS = ("key", "title", "venue", "year", "link", "authors_incomplete", *_IDS, "added_at")


def _entry_values(rec: PaperRecord, key: str | None = None) -> dict[str, Any]:
    """The entry's columns after `document_id` and `paper_id`, in `_ENTRY_COLUMNS` order (`key`: the
    record's title key when the caller has it already)."""
    return {
        "line": rec.line,
        "title": rec.title[:1024],
        "authors": list(rec.authors),
        "venue": rec.venue,
        "year": rec.year if rec.year and 1900 <= rec.year <= 2200 else None,
        "topics": list(dict.fromkeys(rec.topics)),
        "link": rec.link,
        "summary": rec.summary,
        "key": key.split("|", 1)[0] if key is not None else paper_key(rec.title),
        "writer": rec.writer[:300] if rec.writer else None,
        "authors_incomplete": bool(rec.authors_incomplete),
        "arxiv_id": rec.arxiv_id[:64] if rec.arxiv_id else None,
        "doi": rec.doi.lower()[:256] if rec.doi else None,
        "openreview_id": rec.openreview_id[:64] if rec.openreview_id else None,
        "metadata_record": bool(rec.metadata_record),
    }


def _paper_values(rec: PaperRecord, key: str) -> tuple[Any, ...]:
    """Title, venue, year, link, authors_incomplete and identifiers as `_rederive` derives them from
    this record's entry alone."""
    v = _entry_values(rec, key)
    return (v["title"], v["venue"] or None, v["year"] or None, v["link"] or None, v["authors_incomplete"],
            v["arxiv_id"], v["doi"], v["openreview_id"])


def _ids_of(rec: PaperRecord) -> list[tuple[str, str]]:
    """The record's identifiers as stored: (kind, value) pairs."""
    if rec.arxiv_id is None and rec.doi is None and rec.openreview_id is None:
        return []
    out = []
    if rec.arxiv_id:
        out.append(("arxiv_id", rec.arxiv_id[:64]))
    if rec.doi:
        out.append(("doi", rec.doi.lower()[:256]))
    if rec.openreview_id:
        out.append(("openreview_id", rec.openreview_id[:64]))
    return out


def _absorb(first: PaperRecord, rec: PaperRecord) -> None:
    """Fold a second account of the same paper from the same document into the first."""
    if rec.summary and rec.summary not in first.summary:
        first.summary = f"{first.summary}\n\n{rec.summary}".strip()
    if not first.authors and rec.authors:
        first.authors, first.authors_incomplete = rec.authors, rec.authors_incomplete
    first.venue = first.venue or rec.venue
    first.year = first.year or rec.year
    first.link = first.link or rec.link
    first.writer = first.writer or rec.writer
    first.arxiv_id = first.arxiv_id or rec.arxiv_id
    first.doi = first.doi or rec.doi
    first.openreview_id = first.openreview_id or rec.openreview_id
    first.metadata_record = first.metadata_record or rec.metadata_record
    first.topics = list(dict.fromkeys([*first.topics, *rec.topics]))


def _merge_duplicates(records: Iterable[PaperRecord],
                      accounts: dict[str, list[PaperRecord]]) -> dict[str, PaperRecord]:
    """One record per paper per document: a paper named twice in one file (by title, or by arXiv id,
    DOI or OpenReview id) keeps both summaries. `accounts` gets each merged record's records as they
    were, in order: merged further, they are folded one by one (`_one_per_paper`, and a later batch of
    the file into what an earlier one wrote), as if the file had named them all at once."""
    out: dict[str, PaperRecord] = {}
    by_id: dict[tuple[str, str], str] = {}
    for rec in records:
        key = paper_key(rec.title)
        if not key:
            continue
        ids = _ids_of(rec)
        if key in out and not _compatible(dict(_ids_of(out[key])), rec):
            key = f"{key}|{ids[0][1]}"[:512]  # one title, two papers: "Survey" of arXiv A and of arXiv B
        same = next((by_id[i] for i in ids if i in by_id), None) or (key if key in out else None)
        if same is None:
            out[key] = replace(rec)  # `rec` itself stays as it was, an account
            same = key
        else:
            _absorb(out[same], rec)
        accounts.setdefault(same, []).append(rec)
        for i in _ids_of(out[same]):
            by_id.setdefault(i, same)
    return out


_WHOLE_COLUMN = 5_000  # more values than this: one pass over the column, not a look-up per chunk


async def _rows_where(session: AsyncSession, query: Select[Any], column: Any, values: Collection[Any]) -> list[Any]:
    """The rows of `query` whose `column` (the rows' first item) is one of `values`.

    A few values are looked up (`_rows_in`). Asked for a hundred thousand keys or identifiers at once
    (a file parsed whole), PostgreSQL's planner answers with a pass over the whole table (wide rows, and a
    reload's own updated versions of them), so that many values are read in one pass over the column and
    picked out here.
    """
    if len(values) > _WHOLE_COLUMN:
        wanted = set(values)
        return [row for row in (await session.execute(query.where(column.is_not(None)))).all() if row[0] in wanted]
    return await _rows_in(session, query, column, values)


async def _rows_in(session: AsyncSession, query: Select[Any], column: Any, values: Collection[Any]) -> list[Any]:
    """The rows of `query` whose `column` is one of `values`: in chunks of IN (...), on PostgreSQL as one
    array (`= ANY`), one statement its driver prepares once where IN lists of every length are as many
    statements (a bulk import's batches ask thousands of times)."""
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        one_of = any_(bindparam("wanted", list(values), type_=postgresql.ARRAY(column.type)))
        return list((await session.execute(query.where(column == one_of))).all())
    rows: list[Any] = []
    for chunk in _chunks(list(values)):
        rows.extend((await session.execute(query.where(column.in_(chunk)))).all())
    return rows


async def _paper_ids(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    return dict(await _rows_where(session, select(Paper.key, Paper.id), Paper.key, set(keys)))


async def _alias_ids(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    """Title key -> paper, for titles some entry gave a paper stored under another title."""
    query = select(Entry.key, func.min(Entry.paper_id)).group_by(Entry.key)
    return dict(await _rows_where(session, query, Entry.key, set(keys)))


async def _identified(session: AsyncSession, records: Iterable[PaperRecord]) -> dict[tuple[str, str], int]:
    """(kind, identifier) -> the paper holding it, for the records' identifiers."""
    wanted: dict[str, set[str]] = {kind: set() for kind in _IDS}
    for rec in records:
        for kind, value in _ids_of(rec):
            wanted[kind].add(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in wanted.items():
        column = getattr(Paper, kind)
        if values:
            rows = await _rows_where(session, select(column, Paper.id), column, values)
            found.update({(kind, v): i for v, i in rows})
    return found


async def _paper_identifiers(session: AsyncSession, ids: Iterable[int]) -> dict[int, dict[str, str | None]]:
    query = select(Paper.id, Paper.arxiv_id, Paper.doi, Paper.openreview_id)
    return {pid: {"arxiv_id": arxiv, "doi": doi, "openreview_id": openreview}
            for pid, arxiv, doi, openreview in await _rows_where(session, query, Paper.id, set(ids))}


def _compatible(held: dict[str, str | None], rec: PaperRecord) -> bool:
    """A paper found by title is this record's paper unless their identifiers of one kind differ."""
    return all(held.get(kind) in (None, value) for kind, value in _ids_of(rec))


async def _ensure_papers(session: AsyncSession, records: dict[str, PaperRecord], now: datetime,
                         created: dict[int, list[_EntryFields]], touched: set[int],
                         joined: list[tuple[int, int]] | None = None) -> dict[str, int]:
    """Key -> paper id, finding each record's paper by identifier, then by title (its own or any
    entry's), inserting the papers not stored yet (and noting them in `created`).

    A record whose identifier and title find two different papers joins them: the one found by title
    gives its entries to the one found by identifier (unless a document holds both, or their
    identifiers differ), so the result does not depend on which file came first.
    """
    by_key = await _paper_ids(session, list(records))
    unkeyed = [k for k in records if k not in by_key]
    aliases = await _alias_ids(session, unkeyed) if unkeyed else {}
    identified = await _identified(session, records.values())
    title_found = {k: by_key.get(k) or aliases.get(k) for k in records}
    candidates = {p for p in title_found.values() if p is not None} | set(identified.values())
    held = await _paper_identifiers(session, candidates) if candidates else {}
    ids: dict[str, int] = {}
    adopt: dict[int, dict[str, str]] = {}  # paper -> identifiers it gains from these records
    joins: list[tuple[int, int]] = []
    missing: list[str] = []
    for key, rec in records.items():
        by_id = next((identified[i] for i in _ids_of(rec) if i in identified), None)
        by_title = title_found[key]
        if by_title is not None and not _compatible(held.get(by_title, {}), rec):
            by_title = None
        pid = by_id or by_title
        if by_id and by_title and by_id != by_title and _compatible(held.get(by_id, {}), rec) \
                and all(held.get(by_title, {}).get(k) in (None, v) for k, v in held.get(by_id, {}).items()):
            joins.append((by_title, by_id))
        if pid is None:
            missing.append(key)
            continue
        ids[key] = pid
        for kind, value in _ids_of(rec):
            if held.get(pid, {}).get(kind) is None and (kind, value) not in identified:
                adopt.setdefault(pid, {}).setdefault(kind, value)
                identified[(kind, value)] = pid
                held.setdefault(pid, {})[kind] = value
    for pid, values in adopt.items():
        await session.execute(update(Paper).where(Paper.id == pid).values(**values))
    for gone, kept in joins:
        if await _join(session, gone, kept, created, touched) and joined is not None:
            joined.append((gone, kept))
    if missing:
        rows, seen_ids, taken = [], set(identified), set(by_key)
        for key in missing:
            rec = records[key]
            title, venue, year, link, incomplete, arxiv, doi, openreview = _paper_values(rec, key)
            arxiv = arxiv if ("arxiv_id", arxiv) not in seen_ids else None
            doi = doi if ("doi", doi) not in seen_ids else None
            openreview = openreview if ("openreview_id", openreview) not in seen_ids else None
            stored_key = key if key not in taken else f"{key}|{arxiv or doi or openreview or rec.line}"[:512]
            taken.add(stored_key)
            seen_ids.update(i for i in (("arxiv_id", arxiv), ("doi", doi), ("openreview_id", openreview)) if i[1])
            rows.append((stored_key, title, venue, year, link, incomplete, arxiv, doi, openreview, now))
        # Inserted as its one entry so far would derive it, so a paper with one entry needs no update later.
        await _insert_rows(session, Paper.__table__, _PAPER_COLUMNS, rows)
        new_ids = await _paper_ids(session, [row[0] for row in rows])
        for key, row in zip(missing, rows, strict=True):
            ids[key] = new_ids[row[0]]
        created.update((pid, []) for pid in new_ids.values())
    return ids


async def _join(session: AsyncSession, gone: int, kept: int, created: dict[int, list[_EntryFields]],
                touched: set[int]) -> bool:
    """Move paper `gone`'s entries to paper `kept` (one paper named two ways); `gone` is then deleted.
    False when they stay two papers."""
    shared = await session.scalar(
        select(func.count()).select_from(Entry).where(Entry.paper_id.in_([gone, kept]))
        .group_by(Entry.document_id).having(func.count() > 1).limit(1))
    if shared:
        return False  # one document speaks of both: they stay two papers
    await session.execute(update(Entry).where(Entry.paper_id == gone).values(paper_id=kept))
    created.pop(gone, None)
    created.pop(kept, None)
    touched.update((gone, kept))
    return True


def _one_per_paper(records: dict[str, PaperRecord], ids: dict[str, int],
                   accounts: dict[str, list[PaperRecord]]) -> dict[str, PaperRecord]:
    """Records of one document that found the same paper become one (its entry is once per document):
    their accounts folded in the file's order."""
    keys: dict[int, list[str]] = {}
    for key in records:
        keys.setdefault(ids[key], []).append(key)
    out: dict[str, PaperRecord] = {}
    for same in keys.values():
        first = same[0]
        if len(same) == 1:
            out[first] = records[first]
            continue
        told = sorted((a for key in same for a in accounts.pop(key)), key=lambda r: r.line)
        out[first] = merged = replace(told[0])
        for account in told[1:]:
            _absorb(merged, account)
        accounts[first] = told
    return out


_COMPARED = tuple(k for k in _ENTRY_COLUMNS[2:] if k != "line")  # a move within the file is no update


def _fingerprint(values: Iterable[Any]) -> int:
    """An entry's compared columns (`_COMPARED` order) in one number, to tell later whether it changed."""
    return hash(tuple(tuple(v) if isinstance(v, list) else v for v in values))


def _as_record(entry: Entry, source: str) -> PaperRecord:
    """An entry this sync wrote, as the record it came from (to absorb the same paper named again)."""
    return PaperRecord(title=entry.title, authors=list(entry.authors), venue=entry.venue, year=entry.year,
                       topics=list(entry.topics), summary=entry.summary, source=source, line=entry.line,
                       link=entry.link, writer=entry.writer, authors_incomplete=entry.authors_incomplete,
                       arxiv_id=entry.arxiv_id, doi=entry.doi, openreview_id=entry.openreview_id,
                       metadata_record=entry.metadata_record)


class _Heard:
    """Which title keys and identifiers a file has given so far, in a fixed 1 MiB (a Bloom filter): a batch
    asks the database only about its records that may name a paper again. It may answer yes wrongly
    (rarely: a needless look-up), never no wrongly."""

    _BITS = 1 << 23

    def __init__(self) -> None:
        self._bits = bytearray(self._BITS // 8)

    def _places(self, value: object) -> tuple[int, int]:
        h = hash(value)
        return h & (self._BITS - 1), (h >> 23) & (self._BITS - 1)

    def add(self, value: object) -> None:
        for i in self._places(value):
            self._bits[i >> 3] |= 1 << (i & 7)

    def __contains__(self, value: object) -> bool:
        return all(self._bits[i >> 3] & (1 << (i & 7)) for i in self._places(value))


class _Written:
    """What a sync has written to one document so far: enough to merge a paper the file names again
    further down, to count the changes, and to remove at the end the entries the file no longer names,
    without holding the document's records or entries."""

    def __init__(self, doc: Document, new: bool, names: dict[str, tuple[int, str]]) -> None:
        self.doc, self.new = doc, new
        self.names = names  # the authors this sync has written (see `_upsert_named`)
        self.seen: set[int] = set()  # the papers the file names, so far
        self.heard = _Heard()  # their title keys and identifiers
        self.before: dict[int, int] = {}  # of those, the ones it described before: that entry's fingerprint
        self.updated: set[int] = set()  # of those, the ones whose entry differs now
        self.added = 0
        self.touched: set[int] = set()  # papers this file changed (for the change log)
        self.pending: set[int] = set()  # of those, the ones to re-derive at the end of the sync

    def moved(self, gone: int, kept: int) -> None:
        """Paper `gone`'s entries now belong to paper `kept` (two names of one paper joined)."""
        if gone in self.seen:
            self.seen.discard(gone)
            self.seen.add(kept)
        if gone in self.before:
            self.before[kept] = self.before.pop(gone)
        if gone in self.updated:
            self.updated.discard(gone)
            self.updated.add(kept)

    def hear(self, records: Iterable[PaperRecord]) -> None:
        for rec in records:
            self.heard.add(paper_key(rec.title))
            for i in _ids_of(rec):
                self.heard.add(i)

    def may_have_heard(self, rec: PaperRecord) -> bool:
        return paper_key(rec.title) in self.heard or any(i in self.heard for i in _ids_of(rec))

    def change(self, name: str, status: str, removed: int) -> FileChange:
        return FileChange(name, status, added=self.added, updated=len(self.updated), removed=removed,
                          papers=len(self.seen))


async def _entries(session: AsyncSession, doc_id: int, paper_ids: Sequence[int]) -> dict[int, Entry]:
    """The document's entries of these papers."""
    found: dict[int, Entry] = {}
    for chunk in _chunks(paper_ids):
        found.update((e.paper_id, e) for e in (await session.scalars(
            select(Entry).where(Entry.document_id == doc_id, Entry.paper_id.in_(chunk)))).all())
    return found


async def _named_before(session: AsyncSession, written: _Written, records: list[PaperRecord]
                       ) -> tuple[dict[int, list[PaperRecord]], list[PaperRecord]]:
    """The batch's records that name a paper the file named in an earlier batch, by paper, in order; and
    the others. Found as `_merge_duplicates` finds them in a file read whole: by identifier, else by
    title when the first entry of that title (in the file's order) has no other identifier of a kind."""
    again = [r for r in records if written.may_have_heard(r)]
    if not again:
        return {}, records
    by_id = {i: pid for i, pid in (await _identified(session, again)).items() if pid in written.seen}
    first: dict[str, tuple[int, int, dict[str, str | None]]] = {}  # title key -> its first entry's line, paper, ids
    # By key alone: SQLite would rather walk the document's entries, all of them.
    query = select(Entry.key, Entry.document_id, Entry.line, Entry.paper_id, *(getattr(Entry, k) for k in _IDS))
    keys = {paper_key(r.title) for r in again} - {""}
    for key, doc_id, line, pid, *ids in await _rows_in(session, query, Entry.key, keys):
        if doc_id == written.doc.id and pid in written.seen and (key not in first or (line, pid) < first[key][:2]):
            first[key] = (line, pid, dict(zip(_IDS, ids, strict=True)))
    found: dict[int, list[PaperRecord]] = {}
    rest: list[PaperRecord] = []
    for rec in records:
        titled = first.get(paper_key(rec.title))
        pid = next((by_id[i] for i in _ids_of(rec) if i in by_id), None)
        if pid is None and titled is not None and _compatible(titled[2], rec):
            pid = titled[1]
        if pid is None:
            rest.append(rec)
            continue
        found.setdefault(pid, []).append(rec)
        for kind, value in _ids_of(rec):  # the paper's account now has these identifiers too
            by_id.setdefault((kind, value), pid)
            if titled is not None and titled[1] == pid and titled[2].get(kind) is None:
                titled[2][kind] = value
    return found, rest


async def _sync_batch(session: AsyncSession, written: _Written, records: dict[str, PaperRecord],
                      accounts: dict[str, list[PaperRecord]], earlier: dict[int, list[PaperRecord]],
                      now: datetime) -> None:
    """Write one batch of a document's records: each paper's entry added, updated, or (for a paper the
    file named in an earlier batch: `earlier`, or found so now) merged with what was written for it then,
    its accounts folded in one by one, as one batch of the whole file would have merged them.

    The papers this batch creates are derived at once from the entries in hand, so nothing of them is
    kept; the others are left to the end of the sync (`written.pending`).
    """
    doc = written.doc
    created: dict[int, list[_EntryFields]] = {}
    touched: set[int] = set()
    joined: list[tuple[int, int]] = []
    ids = await _ensure_papers(session, records, now, created, touched, joined) if records else {}
    for gone, kept in joined:
        written.moved(gone, kept)
        if gone in earlier:
            earlier.setdefault(kept, []).extend(earlier.pop(gone))
    records = _one_per_paper(records, ids, accounts)
    wanted = [*earlier, *(ids[k] for k in records if not written.new or ids[k] in written.seen)]
    existing = await _entries(session, doc.id, wanted)
    if earlier:
        await _adopt_identifiers(session, earlier)
    for pid, recs in earlier.items():
        _fold(existing[pid], recs, doc.name, written, touched)
    new_rows: list[tuple[Any, ...]] = []
    for key, rec in records.items():
        pid = ids[key]
        entry = existing.get(pid)
        if entry is None:
            values = _entry_values(rec, key)
            new_rows.append((doc.id, pid, *values.values()))
            if (fresh := created.get(pid)) is not None:
                fresh.append(_EntryFields(doc.name, pid, values["line"], values["title"], values["authors"],
                                          values["venue"], values["year"], values["link"], values["topics"],
                                          values["authors_incomplete"], values["metadata_record"]))
            written.added += 1
            touched.add(pid)
        elif pid in written.seen:  # named again further down the file: one entry holds both accounts
            _fold(entry, accounts[key], doc.name, written, touched)
        else:
            written.before[pid] = _fingerprint(getattr(entry, k) for k in _COMPARED)
            _set_entry(entry, _entry_values(rec, key), written, touched)
        written.seen.add(pid)
    await _insert_rows(session, Entry.__table__, _ENTRY_COLUMNS, new_rows)
    await session.flush()
    if created:
        await _rederive(session, set(created), created, written.names)
    written.touched |= touched
    written.pending |= touched - created.keys()


async def _adopt_identifiers(session: AsyncSession, found: dict[int, list[PaperRecord]]) -> None:
    """Papers take the identifiers their further accounts give and no paper holds yet (as a paper found
    by title does in `_ensure_papers`)."""
    held = await _paper_identifiers(session, found)
    taken = set(await _identified(session, (r for recs in found.values() for r in recs)))
    for pid, recs in found.items():
        gained: dict[str, str] = {}
        for kind, value in (i for rec in recs for i in _ids_of(rec)):
            if held.get(pid, {}).get(kind) is None and kind not in gained and (kind, value) not in taken:
                gained[kind] = value
                taken.add((kind, value))
        if gained:
            await session.execute(update(Paper).where(Paper.id == pid).values(**gained))


def _fold(entry: Entry, accounts: list[PaperRecord], source: str, written: _Written, touched: set[int]) -> None:
    """Fold a paper's further accounts into the entry this sync wrote for it."""
    merged = _as_record(entry, source)
    for account in accounts:
        _absorb(merged, account)
    _set_entry(entry, _entry_values(merged, entry.key), written, touched)


def _set_entry(entry: Entry, values: dict[str, Any], written: _Written, touched: set[int]) -> None:
    """Give the entry these values; note whether it now differs from what it was before this sync."""
    pid = entry.paper_id
    if any(getattr(entry, k) != v for k, v in values.items() if k != "line"):
        for k, v in values.items():
            setattr(entry, k, v)
        touched.add(pid)
    elif entry.line != values["line"]:
        entry.line = values["line"]  # moved within the file: provenance only, not an update
    if pid in written.before:
        differs = _fingerprint(values[k] for k in _COMPARED) != written.before[pid]
        (written.updated.add if differs else written.updated.discard)(pid)


def _doubled(before: int, after: int) -> bool:
    """Whether a count went past `_ANALYZE_FROM`, or twice that, or four times, ..."""
    return before < _ANALYZE_FROM << (before // _ANALYZE_FROM).bit_length() <= after


async def _count_what_was_written(session: AsyncSession) -> None:
    """Bring PostgreSQL's statistics up to date with the rows this transaction wrote (ANALYZE counts them,
    uncommitted). Its planner reads a lookup of a few hundred keys as a pass over the whole table when
    its statistics say the table is empty: once a batch, over a table a bulk import keeps growing. Done
    when a file's additions double, so a few times an import."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE papers, entries, people, authorships"))


async def _finish_document(session: AsyncSession, written: _Written) -> int:
    """Remove the document's entries of papers the file no longer names; returns how many."""
    if written.new:
        return 0  # every entry it has, this sync wrote
    held = (await session.scalars(select(Entry.paper_id).where(Entry.document_id == written.doc.id))).all()
    gone = [pid for pid in held if pid not in written.seen]
    for chunk in _chunks(gone):
        await session.execute(delete(Entry).where(Entry.document_id == written.doc.id, Entry.paper_id.in_(chunk)))
    written.touched.update(gone)
    written.pending.update(gone)
    return len(gone)


def _fullest(names: Iterable[str]) -> str:
    """The display form with the most information: "Quoc V. Le" over "Quoc Le"."""
    return max(names, key=lambda n: (len(n.split()), len(n), n))


class _EntryFields(NamedTuple):
    """What deriving a paper reads of one entry: the fields of a row of the query in `_rederive`."""

    document: str
    paper_id: int
    line: int
    title: str
    authors: list[str]
    venue: str | None
    year: int | None
    link: str | None
    topics: list[str]
    authors_incomplete: bool
    metadata_record: bool


def _document_order(entry: Row[Any] | _EntryFields) -> tuple[str, int]:
    return entry.document, entry.line


async def _rederive(session: AsyncSession, paper_ids: set[int], created: dict[int, list[_EntryFields]] | None = None,
                    names: dict[str, tuple[int, str]] | None = None) -> int:
    """Recompute papers from their remaining entries; delete the ones with none. Returns deletions.

    Papers in `created` were inserted by this transaction with the entries given there: they are
    derived from those, with no read back and no old authorships or topics to delete.
    """
    created = created or {}
    ids = sorted(paper_ids)
    entries: dict[int, list[Row[Any] | _EntryFields]] = {pid: [] for pid in ids}
    stored = []
    for pid in ids:
        fresh = created.get(pid)
        if fresh is None:
            stored.append(pid)
        else:
            entries[pid] = fresh
    for chunk in _chunks(stored):  # plain rows, not ORM objects: this touches every paper of a bulk import
        rows = await session.execute(
            select(Document.name.label("document"), Entry.paper_id, Entry.line, Entry.title, Entry.authors,
                   Entry.venue, Entry.year, Entry.link, Entry.topics, Entry.authors_incomplete,
                   Entry.metadata_record)
            .join(Document, Entry.document_id == Document.id).where(Entry.paper_id.in_(chunk)))
        for entry in rows.all():
            entries[entry.paper_id].append(entry)
    for es in entries.values():  # in Python, not ORDER BY: the same order whatever the database's collation
        es.sort(key=_document_order)
    orphans = [pid for pid, es in entries.items() if not es]
    for chunk in _chunks(orphans):
        await session.execute(delete(Paper).where(Paper.id.in_(chunk)))
    live = [pid for pid in ids if entries[pid]]
    for chunk in _chunks([pid for pid in live if pid not in created]):
        await session.execute(delete(Authorship).where(Authorship.paper_id.in_(chunk)))
        await session.execute(delete(PaperTopic).where(PaperTopic.paper_id.in_(chunk)))

    people: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    paper_rows: list[tuple[Any, ...]] = []
    authorships: list[tuple[int, str, int, str]] = []
    paper_topics: list[tuple[int, str]] = []
    topic_keys: dict[str, str] = {}  # a bulk import repeats a handful of labels on every paper
    for pid in live:
        es = entries[pid]
        # Bibliographic metadata (arXiv JSON Lines) gives the title and authors; else the fullest account.
        named = [e for e in es if e.metadata_record] or es
        by_authors = max(named, key=lambda e: len(e.authors))
        authors = by_authors.authors
        if len(es) > 1 or pid not in created:  # a new paper with one entry was inserted as derived
            paper_rows.append((
                pid,
                named[0].title if len(named) == 1 else max((e.title for e in named),
                                                           key=lambda t: (sum(c.isupper() for c in t), len(t))),
                next((e.venue for e in es if e.venue), None),
                next((e.year for e in es if e.year), None),
                next((e.link for e in es if e.link), None),
                bool(by_authors.authors_incomplete),
            ))
        seen: set[str] = set()
        for pos, name in enumerate(authors):
            key = person_key(name)[:300]
            if not key or key in seen:
                continue
            seen.add(key)
            people.setdefault(key, []).append(name)
            authorships.append((pid, key, pos, name[:300]))
        labelled: set[str] = set()
        for label in dict.fromkeys(t for e in es for t in e.topics):
            tkey = topic_keys.get(label)
            if tkey is None:
                tkey = topic_keys[label] = fold(label)[:200]
            if tkey and tkey not in labelled:
                labelled.add(tkey)
                topics.setdefault(tkey, []).append(label)
                paper_topics.append((pid, tkey))
    papers = Paper.__table__
    await _execute_rows(session, update(papers).where(papers.c.id == bindparam("pid"))
                        .values(title=bindparam("new_title"), venue=bindparam("new_venue"),
                                year=bindparam("new_year"), link=bindparam("new_link"),
                                authors_incomplete=bindparam("new_incomplete")),
                        ("pid", "new_title", "new_venue", "new_year", "new_link", "new_incomplete"), paper_rows)
    person_ids = await _upsert_named(session, Person, "name", people, names)
    topic_ids = await _upsert_named(session, Topic, "label", topics)
    await _insert_rows(session, Authorship.__table__, ("paper_id", "person_id", "position", "name"),
                       [(p, person_ids[k], pos, name) for p, k, pos, name in authorships])
    await _insert_rows(session, PaperTopic.__table__, ("paper_id", "topic_id"),
                       [(p, topic_ids[k]) for p, k in paper_topics])
    return len(orphans)


async def _insert_rows(session: AsyncSession, table: Table, columns: tuple[str, ...],
                      rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples in `columns` order."""
    await _execute_rows(session, insert(table), columns, rows, column_keys=columns)


async def _execute_rows(session: AsyncSession, statement: Executable, names: tuple[str, ...],
                        rows: Sequence[tuple[Any, ...]], column_keys: Sequence[str] | None = None) -> None:
    """Run `statement` once per row (tuples of the parameters `names`) as one driver-level executemany.

    A bulk import writes 100,000 papers and entries and half a million authorships. The statement is
    compiled by the dialect (valid SQL for SQLite and PostgreSQL alike) and each parameter keeps its
    type's conversion (JSON, datetimes), but the rows skip SQLAlchemy's per-row parameter dictionaries,
    which cost more than the database's own work.
    """
    if not rows:
        return
    conn = await session.connection()
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
    keys = compiled.positiontup or []
    order = [names.index(key) for key in keys]
    convert = [compiled.binds[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys]
    if order != list(range(len(names))) or any(convert):  # column by column: a call per value, not per row
        columns = list(zip(*rows, strict=True))
        converted = [_converted(columns[i], f) for i, f in zip(order, convert, strict=True)]
        rows = list(zip(*converted, strict=True))
    await conn.exec_driver_sql(compiled.string, list(rows))


def _converted(values: Sequence[Any], convert: Callable[[Any], Any] | None) -> Sequence[Any]:
    if convert is None:
        return values
    first = values[0]
    if all(v is first for v in values):  # one timestamp for a whole import: converted once
        return [convert(first)] * len(values)
    return [convert(v) for v in values]


async def _upsert_named(session: AsyncSession, model: type[Person] | type[Topic], field: str,
                        forms: dict[str, list[str]], known: dict[str, tuple[int, str]] | None = None
                        ) -> dict[str, int]:
    """Key -> id for people or topics, creating missing rows and keeping the fullest display form.

    `known` (key -> id and display form) holds what earlier calls of the same transaction found, so that
    a bulk import written batch by batch looks each author up once, not once a batch (it is cleared when
    it grows past `_KNOWN_NAMES`).
    """
    ids: dict[str, int] = {}
    current: dict[str, str] = {}
    remembered = known if known is not None else {}
    for key in forms.keys() & remembered.keys():
        ids[key], current[key] = remembered[key]
    query = select(model.key, model.id, getattr(model, field))
    for key, rid, shown in await _rows_in(session, query, model.key, [k for k in forms if k not in ids]):
        ids[key] = rid
        current[key] = shown
    new_rows = [{"key": k, field: _fullest(v)[:300]} for k, v in forms.items() if k not in ids]
    for chunk in _chunks(new_rows):
        result = await session.execute(insert(model).returning(model.key, model.id), list(chunk))
        ids.update({k: i for k, i in result.all()})
    renamed = [{"id": ids[k], field: best} for k, v in forms.items() if k in current
               and (best := _fullest([current[k], *v])) != current[k]]
    for chunk in _chunks(renamed):
        await session.execute(update(model), list(chunk))
    if known is not None:
        if len(known) > _KNOWN_NAMES:
            known.clear()
        shown = {row["id"]: row[field] for row in renamed}
        known.update((k, (ids[k], shown.get(ids[k]) or current.get(k) or _fullest(v)[:300])) for k, v in forms.items())
    return ids


async def _prune_unreferenced(session: AsyncSession) -> None:
    await session.execute(delete(Person).where(~select(Authorship.person_id)
                                                .where(Authorship.person_id == Person.id).exists()))
    await session.execute(delete(Topic).where(~select(PaperTopic.topic_id)
                                               .where(PaperTopic.topic_id == Topic.id).exists()))


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


async def _without_member_copies(session: AsyncSession, records: dict[str, PaperRecord]) -> dict[str, PaperRecord]:
    """The records that do not repeat a summary a member wrote in Discord (an export read back)."""
    ids = await _paper_ids(session, list(records))
    stored: set[tuple[int, tuple[str, ...]]] = set()
    for chunk in _chunks(sorted(set(ids.values()))):
        rows = await session.execute(select(Entry.paper_id, Entry.summary)
                                     .join(Document, Entry.document_id == Document.id)
                                     .where(Document.root == DISCORD_ROOT, Entry.paper_id.in_(chunk)))
        stored.update((pid, _words(text)) for pid, text in rows.all())
    return {k: r for k, r in records.items() if (ids.get(k), _words(r.summary)) not in stored}


CORPUS_GIVEN = "corpus_given"  # set by the first ingest: from then on the bundled seeds are never loaded by themselves


async def former_homes(session: AsyncSession, corpus_dir: Path) -> dict[str, dict[str, str]]:
    """Paths the corpus folder's documents may be stored under: {path: {name: sha256}}.

    An older paperbot knew the folder's files by the folder's path. Candidates are the folder's own
    path, and paths that are no folder on this machine (moved, reinstalled elsewhere, another
    machine's); the caller compares their files with the folder's. Usually there are none: then this
    is one query, and the folder is not read.
    """
    here = str(Path(corpus_dir).expanduser().resolve())
    stored = (await session.execute(select(Document.root, Document.name, Document.sha256)
                                    .where(Document.root.not_in([DISCORD_ROOT, *FOLDER_ROOTS])))).all()
    by_root: dict[str, dict[str, str]] = {}
    for r, name, sha in stored:
        by_root.setdefault(r, {})[name] = sha
    return {r: held for r, held in by_root.items() if r == here or not Path(r).is_dir()}  # one stat a path


async def adopt(session: AsyncSession, root: str, homes: Sequence[str]) -> int:
    """Rename the documents stored under `homes` (paths, the first adopted first) to `root`: not read
    again, they keep their entries, and the next reload finds them unchanged. A name `root` already
    holds is left where it was."""
    taken = set((await session.scalars(select(Document.name).where(Document.root == root))).all())
    adopted = 0
    for home in homes:
        moving = sorted(set((await session.scalars(select(Document.name).where(Document.root == home))).all())
                        - taken)
        for chunk in _chunks(moving):
            await session.execute(update(Document).where(Document.root == home, Document.name.in_(chunk))
                                  .values(root=root))
        taken.update(moving)
        adopted += len(moving)
    return adopted


async def _remove_document(session: AsyncSession, doc: Document) -> list[int]:
    """Delete a document and its entries; the papers they described, to re-derive."""
    gone = list((await session.scalars(select(Entry.paper_id).where(Entry.document_id == doc.id))).all())
    await session.execute(delete(Entry).where(Entry.document_id == doc.id))
    await session.delete(doc)
    return gone


async def _unchanged(session: AsyncSession, doc: Document, file: StreamedFile) -> int | None:
    """The number of papers of a document whose file did not change; None when it must be read again."""
    if doc.sha256 != file.sha256:
        return None
    count, stale = (await session.execute(
        select(func.count(), func.count().filter(Entry.key == ""))
        .select_from(Entry).where(Entry.document_id == doc.id))).one()
    # Entries stored before their title key (and writer, identifiers) existed: read the file again.
    return None if stale else count or 0


async def _sync_file(session: AsyncSession, file: StreamedFile, doc: Document | None, now: datetime,
                     report: IngestReport, members_wrote: bool, names: dict[str, tuple[int, str]]
                     ) -> tuple[FileChange, _Written | None]:
    """Write a new or changed file's records as they arrive, inside a savepoint: a file that fails while
    it is read (it became unreadable, or gave no record after all) is rolled back, and reported failed."""
    nested = await session.begin_nested()
    status = "changed" if doc is not None else "new"
    if doc is None:
        doc = Document(name=file.name, root=file.root, sha256=file.sha256, ingested_at=now)
        session.add(doc)
        await session.flush()
    written = _Written(doc, status == "new", names)
    async for batch in file.batches:
        report.problems.extend(batch.problems)
        earlier, rest = await _named_before(session, written, batch.records)
        written.hear(batch.records)
        accounts: dict[str, list[PaperRecord]] = {}
        records = _merge_duplicates(rest, accounts)
        if members_wrote and records:
            records = await _without_member_copies(session, records)
        if records or earlier:
            added = written.added
            await _sync_batch(session, written, records, accounts, earlier, now)
            if _doubled(added, written.added):
                await _count_what_was_written(session)
        # A batch's statements leave reference cycles that hold its keys; with automatic collection paused
        # for bulk work (store.db.collector) they would pile up batch after batch. Collecting the young
        # generations walks only what the batch left: milliseconds.
        gc.collect(1)
    if file.failed:
        await nested.rollback()
        names.clear()  # some of them were written in the savepoint
        return FileChange(file.name, "failed"), None
    removed = await _finish_document(session, written)
    doc.sha256, doc.ingested_at = file.sha256, now
    await nested.commit()
    return written.change(file.name, status, removed), written


async def sync_files(session: AsyncSession, files: AsyncIterable[StreamedFile | ParsedFile],
                     prune_roots: Iterable[str] = (), now: datetime | None = None) -> IngestReport:
    """Apply files to the database inside the caller's transaction, each batch as soon as it is parsed."""
    now = now or datetime.now(UTC)
    report = IngestReport()
    await changes.take_turn(session)  # another process's sync of the same files commits first, then we read
    docs = {(d.root, d.name): d for d in (await session.scalars(select(Document))).all()}
    touched: set[int] = set()  # papers this sync changed, for the change log
    pending: set[int] = set()  # of those, the ones to re-derive at the end (new papers are derived as written)
    seen: set[tuple[str, str]] = set()
    names: dict[str, tuple[int, str]] = {}  # authors written by this sync, by key (see `_upsert_named`)
    members_wrote = any(d.root == DISCORD_ROOT for d in docs.values())
    async for given in files:
        file = given if isinstance(given, StreamedFile) else StreamedFile.whole(given)
        where = (file.root, file.name)
        seen.add(where)
        report.problems.extend(file.problems)
        doc = docs.get(where)
        if file.failed and file.refused and doc is not None:  # it may have served a file outside the folder
            gone = await _remove_document(session, doc)
            touched.update(gone)
            pending.update(gone)
            report.files.append(FileChange(file.name, "removed", removed=len(gone)))
            del docs[where]
            continue
        if file.failed:
            report.files.append(FileChange(file.name, "failed"))
            continue
        if doc is not None and (count := await _unchanged(session, doc, file)) is not None:
            async for batch in file.batches:  # its problems are reported at every reload, as long as it has them
                report.problems.extend(batch.problems)
            report.files.append(FileChange(file.name, "unchanged", papers=count))
            continue
        change, written = await _sync_file(session, file, doc, now, report, members_wrote, names)
        report.files.append(change)
        if written is None:
            if doc is not None:
                await session.refresh(doc)  # as the savepoint left it
            continue
        docs[where] = written.doc
        touched |= written.touched
        pending |= written.pending
    roots = set(prune_roots)
    for root in FOLDER_ROOTS:
        if root in roots and not any(r == root for r, _ in seen) and any(r == root for r, _ in docs):
            # The deployment's corpus folder found empty is far more often an unmounted disk, or a machine
            # given an empty CORPUS_DIR, than a corpus deleted on purpose: nothing is removed.
            why = "no summary files found: nothing removed (is it mounted, and is CORPUS_DIR the right folder?)"
            report.problems.append(Problem("the corpus folder", 0, why))
            roots.discard(root)
    for (root, name), doc in docs.items():  # pruning is scoped to the folders ingested, each on its own
        if (root, name) in seen or root not in roots:
            continue
        gone = await _remove_document(session, doc)
        touched.update(gone)
        pending.update(gone)
        report.files.append(FileChange(name, "removed", removed=len(gone)))
    if await get_setting(session, CORPUS_GIVEN) is None:
        await put_setting(session, CORPUS_GIVEN, now.isoformat())
    if touched:
        await session.flush()
        for chunk in _chunks(sorted(pending), _DERIVE_AT_ONCE):
            await _rederive(session, set(chunk), names=names)
        await _prune_unreferenced(session)
        await changes.record(session, touched)
    report.papers_total = await session.scalar(select(func.count()).select_from(Paper)) or 0
    return report
