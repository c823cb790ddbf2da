"""Bring the database in line with the corpus files.

Idempotent: a file whose bytes did not change is not touched, nor parsed again (`unread_unchanged`: the
problem lines it had when last read are kept with its document and reported again); a changed file's
entries are diffed against what the database holds; a file gone from an ingested folder takes its
entries with it. A
paper's authors, venue, year, topics are then re-derived from the entries that remain, and a paper
with no entry left is deleted. The caller runs all of it in one transaction, so a failure half-way
leaves the previous corpus in place.

A file's records arrive in batches (a bulk import is never whole in memory), each written as it comes,
within the file's own savepoint: a file that fails while it is read leaves what the database had for it.
What a sync holds is bounded by a batch, not by the file: the papers seen so far (ids), the fingerprints
of the entries a changed file had, and the ids of the papers to re-derive at the end, in chunks.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bloom import Bloom
from store.corpus.bulk import count_what_was_written, defer_people_index, doubled, large_import, make_again
from store.corpus.derive import prune_unreferenced, rederive
from store.corpus.document import (
    Touched,
    Written,
    finish_document,
    named_before,
    sync_batch,
    without_member_copies,
)
from store.corpus.entries import merge_duplicates
from store.corpus.fresh import held_keys, plain_keys, write_fresh
from store.corpus.lookups import chunks
from store.db import changes
from store.db.models import Document, Entry, Paper
from store.db.settings import get_setting, put_setting
from store.ingest.corpus import CorpusFile, sha256_of
from store.ingest.records import (
    DISCORD_ROOT,
    FOLDER_ROOTS,
    MoreProblems,
    PaperRecord,
    Parsed,
    ParsedFile,
    Problem,
    StreamedFile,
)
from store.ingest.report import FileChange, IngestReport
from store.ingest.stream import Keyed

_COLLECT_EVERY = 8  # batches between two collections of the young generations (`_collected`)
_DERIVE_AT_ONCE = 2_000  # papers re-derived together at the end of a sync: their entries are read at once
CORPUS_GIVEN = "corpus_given"  # set by the first ingest: from then on the bundled seeds are never loaded by themselves



async def _remove_document(session: AsyncSession, doc: Document) -> list[int]:
    """Delete a document and its entries; the papers they described, to re-derive."""
    gone = list((await session.scalars(select(Entry.paper_id).where(Entry.document_id == doc.id))).all())
    await session.execute(delete(Entry).where(Entry.document_id == doc.id))
    await session.delete(doc)
    return gone


def _kept(problems: Sequence[Problem]) -> list[list[str | int]]:
    """A file's problem lines as `Document.problems` keeps them."""
    return [[p.source, p.line, p.message, p.count] if isinstance(p, MoreProblems) else [p.source, p.line, p.message]
            for p in problems]


def _problems(kept: Sequence[Sequence[str | int]]) -> list[Problem]:
    return [MoreProblems(str(k[0]), int(k[1]), str(k[2]), int(k[3])) if len(k) == 4
            else Problem(str(k[0]), int(k[1]), str(k[2])) for k in kept]


async def _no_batches() -> AsyncIterator[Parsed]:
    return
    yield  # an async generator that yields nothing


async def unread_unchanged(session: AsyncSession, files: Sequence[CorpusFile]) -> dict[tuple[str, str], StreamedFile]:
    """The files found whose bytes are the ones their document was last read from, by (root, name): a
    sync takes them as unchanged without their being parsed again (their papers are what the database
    holds), and reports the problem lines they had then, kept with the document. Asked inside the sync's
    transaction, after its turn is taken (`changes.take_turn`). A document that kept no problem lines
    (stored before revision 0008), or whose entries predate their title key, is left out: its file is read."""
    docs = {(d.root, d.name): d for d in (await session.scalars(select(Document).where(
        Document.problems.is_not(None)))).all()}
    candidates = [f for f in files if (f.root, f.name) in docs]
    if not candidates:
        return {}
    shas = await asyncio.to_thread(lambda: [sha256_of(f.path, f.inside) for f in candidates])
    found: dict[tuple[str, str], StreamedFile] = {}
    for file, sha in zip(candidates, shas, strict=True):
        doc = docs[(file.root, file.name)]
        if doc.problems is None or sha is None or sha != doc.sha256 or await _stale(session, doc):
            continue
        found[(file.root, file.name)] = StreamedFile(file.name, file.root, sha, False, _problems(doc.problems),
                                                     _no_batches())
    return found


async def marked_new(session: AsyncSession, files: Sequence[CorpusFile]) -> list[CorpusFile]:
    """`files`, each one the database holds no document of marked `new`: a JSON Lines file is then read once,
    fingerprinted as its records stream (store.ingest.stream), not first read whole for a fingerprint nothing
    would be compared with. Asked inside the sync's transaction, after its turn is taken."""
    held = {(root, name) for root, name in await session.execute(select(Document.root, Document.name))}
    return [f if (f.root, f.name) in held else replace(f, new=True) for f in files]


async def _stale(session: AsyncSession, doc: Document) -> bool:
    """Whether some of a document's entries were stored before their title key (and writer, identifiers)
    existed: its file is then read again. Asked of the key's index (`+ 0` keeps SQLite off the document's,
    which would read every entry's row)."""
    return bool(await session.scalar(select(exists().where(Entry.key == "", Entry.document_id + 0 == doc.id))))


async def _papers_of(session: AsyncSession, doc: Document) -> int:
    """The count of the document's own index alone: a reload of an unchanged bulk import reads no entry."""
    return await session.scalar(select(func.count()).select_from(Entry).where(Entry.document_id == doc.id)) or 0


async def _unchanged(session: AsyncSession, doc: Document, file: StreamedFile) -> int | None:
    """The number of papers of a document whose file did not change; None when it must be read again."""
    if doc.sha256 != file.sha256:
        return None
    if await _stale(session, doc):
        return None
    return await _papers_of(session, doc)


def _collected(taken: int) -> int:
    """After a batch: the batches taken since the young generations were collected, collecting them every
    `_COLLECT_EVERY`th. A batch's statements leave reference cycles (some sixty objects) that hold its keys;
    with automatic collection paused for bulk work (store.db.collector) they would pile up batch after batch.
    A collection walks whatever is young and alive too, the next batch's records read ahead (some 17,000
    objects): 4 ms, a fifth of a second of a 100,000-paper import when it ran after every batch."""
    if taken + 1 < _COLLECT_EVERY:
        return taken + 1
    gc.collect(1)
    return 0


async def _sync_file(session: AsyncSession, file: StreamedFile, doc: Document | None, now: datetime,
                     report: IngestReport, members_wrote: bool, names: dict[str, tuple[int, str]],
                     held: Bloom | None = None) -> tuple[FileChange, Written | None]:
    """Write a new or changed file's records as they arrive, inside a savepoint: a file that fails while
    it is read (it became unreadable, or gave no record after all) is rolled back, and reported failed.
    `held`: a large import's filter of the keys the database holds (store.corpus.fresh), given every key written."""
    nested = await session.begin_nested()
    status = "changed" if doc is not None else "new"
    if doc is None:
        doc = Document(name=file.name, root=file.root, sha256=file.sha256, ingested_at=now)
        session.add(doc)
        await session.flush()
    written = Written(doc, status == "new", names)
    own = list(file.problems)  # the file's problem lines, kept with its document
    taken = 0  # batches since the young generations were last collected
    async for batch in file.batches:
        report.problems.extend(batch.problems)
        own.extend(batch.problems)
        # Papers none of which is stored yet: written without the look-ups below (no member wrote of them).
        if await write_fresh(session, written, batch, now, held):
            taken = _collected(taken)
            continue
        people: dict[str, str] | None = None
        titles: dict[str, str] = {}
        if isinstance(batch, Keyed):  # its authors' keys and titles' keys worked out by the parsing process
            people, titles = batch.people, batch.titles
        if held is not None:
            held.add(plain_keys(batch.records, titles))
        earlier, rest = await named_before(session, written, batch.records, titles)
        accounts: dict[str, list[PaperRecord]] = {}
        records = merge_duplicates(rest, accounts, titles)
        if members_wrote and records:
            records = await without_member_copies(session, records)
        if records or earlier:
            added = written.added
            await sync_batch(session, written, records, accounts, earlier, now, people)
            if doubled(added, written.added):
                await count_what_was_written(session)
        taken = _collected(taken)
    if file.failed:
        await nested.rollback()
        names.clear()  # some of them were written in the savepoint
        return FileChange(file.name, "failed"), None
    removed = await finish_document(session, written)
    doc.sha256, doc.ingested_at, doc.problems = file.sha256, now, _kept(own)
    await nested.commit()
    return written.change(file.name, status, removed), written


async def sync_files(session: AsyncSession, files: AsyncIterable[StreamedFile | ParsedFile],
                     prune_roots: Iterable[str] = (), now: datetime | None = None,
                     unread: Mapping[tuple[str, str], StreamedFile] | None = None,
                     parsed_bytes: int = 0) -> IngestReport:
    """Apply files to the database inside the caller's transaction, each batch as soon as it is parsed.

    `unread`: the files `unread_unchanged` found unchanged, passed in `files` as they are (no batches):
    taken as unchanged, their kept problem lines reported. `parsed_bytes`: the size of the files to parse,
    for a large import (`bulk.large_import`) to write one of its indexes at the end (`bulk.defer_people_index`)
    and to ask its filter before the database whether a key is held (`fresh.held_keys`)."""
    now = now or datetime.now(UTC)
    unread = unread or {}
    report = IngestReport()
    await changes.take_turn(session)  # another process's sync of the same files commits first, then we read
    docs = {(d.root, d.name): d for d in (await session.scalars(select(Document))).all()}
    touched = Touched()  # papers this sync changed, for the change log
    pending: set[int] = set()  # of those, the ones to re-derive at the end (new papers are derived as written)
    seen: set[tuple[str, str]] = set()
    names: dict[str, tuple[int, str]] = {}  # authors written by this sync, by key (see `upsert_named`)
    members_wrote = any(d.root == DISCORD_ROOT for d in docs.values())
    large = await large_import(session, parsed_bytes)
    deferred = await defer_people_index(session) if large else None
    held = await held_keys(session, parsed_bytes) if large else None
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
        if doc is not None and unread.get(where) is file:  # its problems were reported above, as kept
            report.files.append(FileChange(file.name, "unchanged", papers=await _papers_of(session, doc)))
            continue
        if doc is not None and (count := await _unchanged(session, doc, file)) is not None:
            own = list(file.problems)
            async for batch in file.batches:  # its problems are reported at every reload, as long as it has them
                report.problems.extend(batch.problems)
                own.extend(batch.problems)
            if doc.problems != (kept := _kept(own)):
                doc.problems = kept  # a file read before they were kept: the next reload need not read it
            report.files.append(FileChange(file.name, "unchanged", papers=count))
            continue
        change, written = await _sync_file(session, file, doc, now, report, members_wrote, names, held)
        report.files.append(change)
        if written is None:
            if doc is not None:
                await session.refresh(doc)  # as the savepoint left it
            continue
        docs[where] = written.doc
        touched.take(written.touched)
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
    if deferred is not None:
        await make_again(session, deferred)
    if await get_setting(session, CORPUS_GIVEN) is None:
        await put_setting(session, CORPUS_GIVEN, now.isoformat())
    if touched:
        await session.flush()
        for chunk in chunks(sorted(pending), _DERIVE_AT_ONCE):
            await rederive(session, set(chunk), names=names)
        await prune_unreferenced(session)
        await changes.record(session, touched.ids)
    report.papers_total = await session.scalar(select(func.count()).select_from(Paper)) or 0
    return report
