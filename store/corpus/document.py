"""One document's records written batch by batch: each paper's entry added, updated, or merged with
what an earlier batch of the same file wrote for it; at the end, the entries the file no longer names go."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bloom import Bloom
from store.corpus.bulk import insert_rows
from store.corpus.derive import EntryFields, rederive
from store.corpus.entries import COMPARED, ENTRY_COLUMNS, absorb, as_record, entry_values, fingerprint, one_per_paper
from store.corpus.lookups import (
    IDS,
    chunks,
    compatible,
    ids_of,
    key_of,
    papers_by_identifier,
    papers_by_key,
    rows_in,
)
from store.corpus.papers import adopt_identifiers, ensure_papers
from store.db.changes import MAX_PAPERS
from store.db.models import Document, Entry
from store.ingest.records import DISCORD_ROOT, PaperRecord
from store.ingest.report import FileChange


class Touched:
    """The papers a sync changed, for the change log (store.db.changes): their ids while the log would name
    them (`MAX_PAPERS`), past that only that there were many (the log then says "reload everything"). A
    bulk import changes every paper it adds: a set of them all (a million ids) grows by copying its table,
    single calls that hold the interpreter lock for 100 ms and more (the event loop late), and holds 60 MB."""

    def __init__(self) -> None:
        self.ids: set[int] | None = set()  # None: more than the log names
        self.any = False

    def __bool__(self) -> bool:
        return self.any

    def update(self, ids: Collection[int]) -> None:
        if not ids:
            return
        self.any = True
        if self.ids is not None:
            self.ids.update(ids)
            if len(self.ids) > MAX_PAPERS:
                self.ids = None

    def take(self, other: Touched) -> None:
        """What another holds (a file's, into the sync's)."""
        if other.ids is None:
            self.any, self.ids = self.any or other.any, None
        else:
            self.update(other.ids)


class Written:
    """What a sync has written to one document so far: enough to merge a paper the file names again
    further down, to count the changes, and to remove at the end the entries the file no longer names,
    without holding the document's records or entries."""

    def __init__(self, doc: Document, new: bool, names: dict[str, tuple[int, str]]) -> None:
        self.doc, self.new = doc, new
        self.names = names  # the authors this sync has written (see `upsert_named`)
        self.seen: set[int] = set()  # the papers the file names, so far
        self.heard = Bloom()  # their title keys and identifiers (2**23 bits: 1 MiB)
        self.deaf = False  # some batch was written without being heard (store.corpus.fresh): every record is asked
        self.before: dict[int, int] = {}  # of those, the ones it described before: that entry's fingerprint
        self.updated: set[int] = set()  # of those, the ones whose entry differs now
        self.added = 0
        self.touched = Touched()  # papers this file changed (for the change log)
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

    def hear(self, records: Sequence[PaperRecord], keys: Mapping[str, str]) -> list[bool]:
        """Whether each record may name a paper an earlier batch of the file named (by title key or an
        identifier); the batch's own titles and identifiers are then heard. `keys`: title keys known already."""
        if self.deaf:
            return [True] * len(records)
        return self.heard.given_before([[key_of(rec.title, keys), *ids_of(rec)] for rec in records])

    def change(self, name: str, status: str, removed: int) -> FileChange:
        return FileChange(name, status, added=self.added, updated=len(self.updated), removed=removed,
                          papers=len(self.seen))


async def _entries(session: AsyncSession, doc_id: int, paper_ids: Sequence[int]) -> dict[int, Entry]:
    """The document's entries of these papers."""
    found: dict[int, Entry] = {}
    for chunk in chunks(paper_ids):
        found.update((e.paper_id, e) for e in (await session.scalars(
            select(Entry).where(Entry.document_id == doc_id, Entry.paper_id.in_(chunk)))).all())
    return found


async def named_before(session: AsyncSession, written: Written, records: list[PaperRecord],
                       titles: Mapping[str, str] | None = None
                       ) -> tuple[dict[int, list[PaperRecord]], list[PaperRecord]]:
    """The batch's records that name a paper the file named in an earlier batch, by paper, in order; and
    the others. Found as `merge_duplicates` finds them in a file read whole: by identifier, else by
    title when the first entry of that title (in the file's order) has no other identifier of a kind.
    The batch is heard here: a later batch asks about its titles and identifiers. `titles`: the records'
    title keys where they are known already (`lookups.key_of`)."""
    titles = titles or {}
    again = [r for r, before in zip(records, written.hear(records, titles), strict=True) if before]
    if not again:
        return {}, records
    by_id = {i: pid for i, pid in (await papers_by_identifier(session, again)).items() if pid in written.seen}
    first: dict[str, tuple[int, int, dict[str, str | None]]] = {}  # title key -> its first entry's line, paper, ids
    # By key alone: SQLite would rather walk the document's entries, all of them.
    query = select(Entry.key, Entry.document_id, Entry.line, Entry.paper_id, *(getattr(Entry, k) for k in IDS))
    keys = {key_of(r.title, titles) for r in again} - {""}
    for key, doc_id, line, pid, *ids in await rows_in(session, query, Entry.key, keys):
        if doc_id == written.doc.id and pid in written.seen and (key not in first or (line, pid) < first[key][:2]):
            first[key] = (line, pid, dict(zip(IDS, ids, strict=True)))
    found: dict[int, list[PaperRecord]] = {}
    rest: list[PaperRecord] = []
    for rec in records:
        titled = first.get(key_of(rec.title, titles))
        pid = next((by_id[i] for i in ids_of(rec) if i in by_id), None)
        if pid is None and titled is not None and compatible(titled[2], rec):
            pid = titled[1]
        if pid is None:
            rest.append(rec)
            continue
        found.setdefault(pid, []).append(rec)
        for kind, value in ids_of(rec):  # the paper's account now has these identifiers too
            by_id.setdefault((kind, value), pid)
            if titled is not None and titled[1] == pid and titled[2].get(kind) is None:
                titled[2][kind] = value
    return found, rest


async def sync_batch(session: AsyncSession, written: Written, records: dict[str, PaperRecord],
                     accounts: dict[str, list[PaperRecord]], earlier: dict[int, list[PaperRecord]],
                     now: datetime, people: Mapping[str, str] | None = None) -> None:
    """Write one batch of a document's records: each paper's entry added, updated, or (for a paper the
    file named in an earlier batch: `earlier`, or found so now) merged with what was written for it then,
    its accounts folded in one by one, as one batch of the whole file would have merged them.

    The papers this batch creates are derived at once from the entries in hand, so nothing of them is
    kept; the others are left to the end of the sync (`written.pending`). `people`: the person keys of
    the batch's authors, when the parsing process worked them out (`store.ingest.stream.Keyed`).
    """
    doc = written.doc
    created: dict[int, list[EntryFields]] = {}
    touched: set[int] = set()
    joined: list[tuple[int, int]] = []
    ids = await ensure_papers(session, records, now, created, touched, joined) if records else {}
    for gone, kept in joined:
        written.moved(gone, kept)
        if gone in earlier:
            earlier.setdefault(kept, []).extend(earlier.pop(gone))
    records = one_per_paper(records, ids, accounts)
    wanted = [*earlier, *(ids[k] for k in records if not written.new or ids[k] in written.seen)]
    existing = await _entries(session, doc.id, wanted)
    if earlier:
        await adopt_identifiers(session, earlier)
    for pid, recs in earlier.items():
        _fold(existing[pid], recs, doc.name, written, touched)
    new_rows: list[tuple[Any, ...]] = []
    doc_id, doc_name = doc.id, doc.name  # read once: a bulk batch's every new entry names them
    for key, rec in records.items():
        pid = ids[key]
        entry = existing.get(pid)
        if entry is None:
            values = entry_values(rec, key)
            new_rows.append((doc_id, pid, *values.values()))
            if (fresh := created.get(pid)) is not None:
                fresh.append(EntryFields.written(doc_name, pid, values))
            written.added += 1
            touched.add(pid)
        elif pid in written.seen:  # named again further down the file: one entry holds both accounts
            _fold(entry, accounts[key], doc.name, written, touched)
        else:
            written.before[pid] = fingerprint(getattr(entry, k) for k in COMPARED)
            _set_entry(entry, entry_values(rec, key), written, touched)
        written.seen.add(pid)
    await insert_rows(session, Entry.__table__, ENTRY_COLUMNS, new_rows)
    await session.flush()
    if created:
        await rederive(session, set(created), created, written.names, people)
    written.touched.update(touched)
    written.pending |= touched - created.keys()


def _fold(entry: Entry, accounts: list[PaperRecord], source: str, written: Written, touched: set[int]) -> None:
    """Fold a paper's further accounts into the entry this sync wrote for it."""
    merged = as_record(entry, source)
    for account in accounts:
        absorb(merged, account)
    _set_entry(entry, entry_values(merged, entry.key), written, touched)


def _set_entry(entry: Entry, values: dict[str, Any], written: Written, touched: set[int]) -> None:
    """Give the entry these values; note whether it now differs from what it was before this sync."""
    pid = entry.paper_id
    if any(getattr(entry, k) != v for k, v in values.items() if k != "line"):
        for k, v in values.items():
            setattr(entry, k, v)
        touched.add(pid)
    elif entry.line != values["line"]:
        entry.line = values["line"]  # moved within the file: provenance only, not an update
    if pid in written.before:
        differs = fingerprint(values[k] for k in COMPARED) != written.before[pid]
        (written.updated.add if differs else written.updated.discard)(pid)


async def finish_document(session: AsyncSession, written: Written) -> int:
    """Remove the document's entries of papers the file no longer names; returns how many."""
    if written.new:
        return 0  # every entry it has, this sync wrote
    held = (await session.scalars(select(Entry.paper_id).where(Entry.document_id == written.doc.id))).all()
    gone = [pid for pid in held if pid not in written.seen]
    for chunk in chunks(gone):
        await session.execute(delete(Entry).where(Entry.document_id == written.doc.id, Entry.paper_id.in_(chunk)))
    written.touched.update(gone)
    written.pending.update(gone)
    return len(gone)


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


async def without_member_copies(session: AsyncSession, records: dict[str, PaperRecord]) -> dict[str, PaperRecord]:
    """The records that do not repeat a summary a member wrote in Discord (an export read back)."""
    ids = await papers_by_key(session, list(records))
    stored: set[tuple[int, tuple[str, ...]]] = set()
    for chunk in chunks(sorted(set(ids.values()))):
        rows = await session.execute(select(Entry.paper_id, Entry.summary)
                                     .join(Document, Entry.document_id == Document.id)
                                     .where(Document.root == DISCORD_ROOT, Entry.paper_id.in_(chunk)))
        stored.update((pid, _words(text)) for pid, text in rows.all())
    return {k: r for k, r in records.items() if (ids.get(k), _words(r.summary)) not in stored}
