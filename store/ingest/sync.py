"""Bring the database in line with the corpus files.

Idempotent: a file whose bytes did not change is not touched; a changed file's entries are diffed
against what the database holds; a file gone from an ingested folder takes its entries with it. A
paper's authors, venue, year, topics are then re-derived from the entries that remain, and a paper
with no entry left is deleted. The caller runs all of it in one transaction, so a failure half-way
leaves the previous corpus in place.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Executable, Row, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.names import fold, person_key
from store.records import DISCORD_ROOT, PaperRecord, Parsed
from store.report import FileChange, IngestReport
from store.settings import put_setting

T = TypeVar("T")
_CHUNK = 500  # ids per IN (...) clause: well under every backend's parameter limit


@dataclass(slots=True)
class ParsedFile:
    """A corpus file after reading and parsing (done off the event loop, before the transaction)."""

    name: str  # relative to `root`; the document's identity
    root: str  # the folder it was found in (resolved), for pruning
    sha256: str
    parsed: Parsed
    failed: bool  # unreadable or nothing parseable: keep what the database has for it


def paper_key(title: str) -> str:
    return fold(title).replace("-", " ")[:512]


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_ENTRY_COLUMNS = ("document_id", "paper_id", "line", "title", "authors", "venue", "year", "topics", "link", "summary",
                  "writer")


def _entry_values(rec: PaperRecord) -> dict[str, Any]:
    """The entry's columns after `document_id` and `paper_id`, in `_ENTRY_COLUMNS` order."""
    return {
        "line": rec.line,
        "title": rec.title[:1024],
        "authors": list(rec.authors),
        "venue": rec.venue,
        "year": rec.year if rec.year and 1900 <= rec.year <= 2200 else None,
        "topics": list(dict.fromkeys(rec.topics)),
        "link": rec.link,
        "summary": rec.summary,
        "writer": rec.writer[:300] if rec.writer else None,
    }


def _paper_values(rec: PaperRecord) -> tuple[str, str | None, int | None, str | None]:
    """Title, venue, year and link as `_rederive` derives them from this record's entry alone."""
    values = _entry_values(rec)
    return values["title"], values["venue"] or None, values["year"] or None, values["link"] or None


def _merge_duplicates(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    """One record per paper per document: a paper named twice in one file keeps both summaries."""
    out: dict[str, PaperRecord] = {}
    for rec in records:
        key = paper_key(rec.title)
        if not key:
            continue
        first = out.get(key)
        if first is None:
            out[key] = rec
            continue
        if rec.summary and rec.summary not in first.summary:
            first.summary = f"{first.summary}\n\n{rec.summary}".strip()
        first.authors = first.authors or rec.authors
        first.venue = first.venue or rec.venue
        first.year = first.year or rec.year
        first.link = first.link or rec.link
        first.topics = list(dict.fromkeys([*first.topics, *rec.topics]))
    return out


async def _paper_ids(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(list(keys)):
        rows = await session.execute(select(Paper.key, Paper.id).where(Paper.key.in_(chunk)))
        found.update({k: i for k, i in rows.all()})
    return found


async def _ensure_papers(session: AsyncSession, records: dict[str, PaperRecord], now: datetime,
                         created: dict[int, list[_EntryFields]]) -> dict[str, int]:
    """Key -> paper id, inserting the papers not stored yet (and noting them in `created`)."""
    ids = await _paper_ids(session, list(records))
    missing = [k for k in records if k not in ids]
    if missing:
        # Inserted as its one entry so far would derive it, so a paper with one entry needs no update later.
        await _insert_rows(session, Paper.__table__, ("key", "title", "venue", "year", "link", "added_at"),
                           [(k, *_paper_values(records[k]), now) for k in missing])
        new_ids = await _paper_ids(session, missing)
        ids.update(new_ids)
        created.update((pid, []) for pid in new_ids.values())
    return ids


async def _sync_document(session: AsyncSession, doc: Document, records: dict[str, PaperRecord],
                         now: datetime, change: FileChange, created: dict[int, list[_EntryFields]]) -> set[int]:
    """Diff one document's entries against its new records; returns the paper ids touched.

    The entries of papers created in this transaction are also noted in `created`: all of their entries
    are new, so deriving them needs no read back from the database.
    """
    ids = await _ensure_papers(session, records, now, created)
    existing = {e.paper_id: e for e in (await session.scalars(
        select(Entry).where(Entry.document_id == doc.id))).all()}
    touched: set[int] = set()
    new_rows: list[tuple[Any, ...]] = []
    for key, rec in records.items():
        pid = ids[key]
        values = _entry_values(rec)
        entry = existing.pop(pid, None)
        if entry is None:
            new_rows.append((doc.id, pid, *values.values()))
            if (fresh := created.get(pid)) is not None:
                fresh.append(_EntryFields(doc.name, pid, values["line"], values["title"], values["authors"],
                                          values["venue"], values["year"], values["link"], values["topics"]))
            change.added += 1
            touched.add(pid)
        elif any(getattr(entry, k) != v for k, v in values.items() if k != "line"):
            for k, v in values.items():
                setattr(entry, k, v)
            change.updated += 1
            touched.add(pid)
        elif entry.line != values["line"]:
            entry.line = values["line"]  # moved within the file: provenance only, not an update
    await _insert_rows(session, Entry.__table__, _ENTRY_COLUMNS, new_rows)
    if existing:
        gone = list(existing)
        for chunk in _chunks(gone):
            await session.execute(delete(Entry).where(Entry.document_id == doc.id, Entry.paper_id.in_(chunk)))
        change.removed += len(gone)
        touched.update(gone)
    change.papers = len(records)
    return touched


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


def _document_order(entry: Row[Any] | _EntryFields) -> tuple[str, int]:
    return entry.document, entry.line


async def _rederive(session: AsyncSession, paper_ids: set[int],
                    created: dict[int, list[_EntryFields]] | None = None) -> int:
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
                   Entry.venue, Entry.year, Entry.link, Entry.topics)
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
    authorships: list[tuple[int, str, int]] = []
    paper_topics: list[tuple[int, str]] = []
    topic_keys: dict[str, str] = {}  # a bulk import repeats a handful of labels on every paper
    for pid in live:
        es = entries[pid]
        authors = max((e.authors for e in es), key=len)
        if len(es) > 1 or pid not in created:  # a new paper with one entry was inserted as derived
            paper_rows.append((
                pid,
                es[0].title if len(es) == 1 else max((e.title for e in es),
                                                     key=lambda t: (sum(c.isupper() for c in t), len(t))),
                next((e.venue for e in es if e.venue), None),
                next((e.year for e in es if e.year), None),
                next((e.link for e in es if e.link), None),
            ))
        seen: set[str] = set()
        for pos, name in enumerate(authors):
            key = person_key(name)[:300]
            if not key or key in seen:
                continue
            seen.add(key)
            people.setdefault(key, []).append(name)
            authorships.append((pid, key, pos))
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
                                year=bindparam("new_year"), link=bindparam("new_link")),
                        ("pid", "new_title", "new_venue", "new_year", "new_link"), paper_rows)
    person_ids = await _upsert_named(session, Person, "name", people)
    topic_ids = await _upsert_named(session, Topic, "label", topics)
    await _insert_rows(session, Authorship.__table__, ("paper_id", "person_id", "position"),
                       [(p, person_ids[k], pos) for p, k, pos in authorships])
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
                        forms: dict[str, list[str]]) -> dict[str, int]:
    """Key -> id for people or topics, creating missing rows and keeping the fullest display form."""
    ids: dict[str, int] = {}
    current: dict[str, str] = {}
    keys = list(forms)
    for chunk in _chunks(keys):
        rows = await session.execute(select(model.key, model.id, getattr(model, field)).where(model.key.in_(chunk)))
        for key, rid, shown in rows.all():
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


CORPUS_VERSION = "corpus_version"


async def renew_corpus_version(session: AsyncSession) -> str:
    """Stamp the corpus as changed; index snapshots built from an older stamp are then stale."""
    version = uuid.uuid4().hex
    await put_setting(session, CORPUS_VERSION, version)
    return version


async def sync_files(session: AsyncSession, files: AsyncIterable[ParsedFile], prune_roots: Iterable[str] = (),
                     now: datetime | None = None) -> IngestReport:
    """Apply parsed files to the database inside the caller's transaction, each as soon as it is parsed."""
    now = now or datetime.now(UTC)
    report = IngestReport()
    docs = {d.name: d for d in (await session.scalars(select(Document))).all()}
    touched: set[int] = set()
    created: dict[int, list[_EntryFields]] = {}  # papers this transaction inserts, with their entries
    seen: set[str] = set()
    members_wrote = any(d.root == DISCORD_ROOT for d in docs.values())
    async for pf in files:
        seen.add(pf.name)
        report.problems.extend(pf.parsed.problems)
        doc = docs.get(pf.name)
        if pf.failed:
            report.files.append(FileChange(pf.name, "failed"))
            continue
        if doc is not None and doc.sha256 == pf.sha256:
            count = await session.scalar(select(func.count()).select_from(Entry).where(Entry.document_id == doc.id))
            if doc.root != pf.root:
                doc.root = pf.root
            report.files.append(FileChange(pf.name, "unchanged", papers=count or 0))
            continue
        change = FileChange(pf.name, "changed" if doc else "new")
        if doc is None:
            doc = Document(name=pf.name, root=pf.root, sha256=pf.sha256, ingested_at=now)
            session.add(doc)
            await session.flush()
            docs[pf.name] = doc
        else:
            doc.sha256, doc.root, doc.ingested_at = pf.sha256, pf.root, now
        records = _merge_duplicates(pf.parsed.records)
        if members_wrote:
            records = await _without_member_copies(session, records)
        touched |= await _sync_document(session, doc, records, now, change, created)
        report.files.append(change)
    roots = set(prune_roots)
    for name, doc in docs.items():
        if name in seen or doc.root not in roots:
            continue
        gone = list((await session.scalars(select(Entry.paper_id).where(Entry.document_id == doc.id))).all())
        await session.execute(delete(Entry).where(Entry.document_id == doc.id))
        await session.delete(doc)
        touched.update(gone)
        report.files.append(FileChange(name, "removed", removed=len(gone)))
    if touched:
        await session.flush()
        await _rederive(session, touched, created)
        await _prune_unreferenced(session)
        await renew_corpus_version(session)
    report.papers_total = await session.scalar(select(func.count()).select_from(Paper)) or 0
    return report
