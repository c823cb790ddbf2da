"""Each record's paper: found by identifier, then by title (its own or an entry's), else created; two
papers found to be one are joined."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bulk import insert_columns
from store.corpus.derive import EntryFields, numbered_on
from store.corpus.entries import PAPER_COLUMNS, paper_values
from store.corpus.lookups import (
    IDS,
    compatible,
    identifiers_of_papers,
    ids_of,
    papers_by_alias,
    papers_by_identifier,
    papers_by_key,
)
from store.db.models import Entry, Paper
from store.ingest.records import PaperRecord


async def ensure_papers(session: AsyncSession, records: dict[str, PaperRecord], now: datetime,
                        created: dict[int, list[EntryFields]], touched: set[int],
                        joined: list[tuple[int, int]] | None = None) -> dict[str, int]:
    """Key -> paper id, finding each record's paper by identifier, then by title (its own or any
    entry's), inserting the papers not stored yet (and noting them in `created`).

    A record whose identifier and title find two different papers joins them: the one found by title
    gives its entries to the one found by identifier (unless a document holds both, or their
    identifiers differ), so the result does not depend on which file came first.
    """
    by_key = await papers_by_key(session, list(records))
    unkeyed = [k for k in records if k not in by_key]
    aliases = await papers_by_alias(session, unkeyed) if unkeyed else {}
    identified = await papers_by_identifier(session, records.values())
    title_found = {k: by_key.get(k) or aliases.get(k) for k in records}
    candidates = {p for p in title_found.values() if p is not None} | set(identified.values())
    held = await identifiers_of_papers(session, candidates) if candidates else {}
    ids: dict[str, int] = {}
    adopt: dict[int, dict[str, str]] = {}  # paper -> identifiers it gains from these records
    joins: list[tuple[int, int]] = []
    missing: list[str] = []
    for key, rec in records.items():
        by_id = next((identified[i] for i in ids_of(rec) if i in identified), None)
        by_title = title_found[key]
        if by_title is not None and not compatible(held.get(by_title, {}), rec):
            by_title = None
        pid = by_id or by_title
        if by_id and by_title and by_id != by_title and compatible(held.get(by_id, {}), rec) \
                and all(held.get(by_title, {}).get(k) in (None, v) for k, v in held.get(by_id, {}).items()):
            joins.append((by_title, by_id))
        if pid is None:
            missing.append(key)
            continue
        ids[key] = pid
        for kind, value in ids_of(rec):
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
            title, venue, year, link, incomplete, *values = paper_values(rec, key)
            # Its identifiers in IDS order, less those a paper (or an earlier record here) holds already.
            own = {kind: v for kind, v in zip(IDS, values, strict=True) if v and (kind, v) not in seen_ids}
            stored_key = key if key not in taken else f"{key}|{next(iter(own.values()), None) or rec.line}"[:512]
            taken.add(stored_key)
            seen_ids.update(own.items())
            rows.append((stored_key, title, venue, year, link, incomplete, *(own.get(kind) for kind in IDS), now))
        # Inserted as its one entry so far would derive it, so a paper with one entry needs no update later.
        new_ids = await insert_papers(session, list(zip(*rows, strict=True)))
        ids.update(zip(missing, new_ids, strict=True))
        created.update((pid, []) for pid in new_ids)
    return ids


async def insert_papers(session: AsyncSession, columns: Sequence[Sequence[Any]]) -> list[int]:
    """Insert papers given as a list per column (`PAPER_COLUMNS` order); their ids, in order.

    SQLite gives a row of a table with an integer primary key the largest id so far plus one, so the rows
    of one executemany (this transaction holds the only write lock) are numbered on from the largest id
    before them: checked by the first and last keys and the count, else read back by key.
    """
    keys = list(columns[0])
    sqlite = session.get_bind().dialect.name == "sqlite"
    top = (await session.scalar(select(func.max(Paper.id))) or 0) if sqlite else 0
    await insert_columns(session, Paper.__table__, PAPER_COLUMNS, columns)
    if sqlite and await numbered_on(session, Paper, keys, top):
        return list(range(top + 1, top + 1 + len(keys)))
    by_key = await papers_by_key(session, keys)
    return [by_key[key] for key in keys]


async def _join(session: AsyncSession, gone: int, kept: int, created: dict[int, list[EntryFields]],
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


async def adopt_identifiers(session: AsyncSession, found: dict[int, list[PaperRecord]]) -> None:
    """Papers take the identifiers their further accounts give and no paper holds yet (as a paper found
    by title does in `ensure_papers`)."""
    held = await identifiers_of_papers(session, found)
    taken = set(await papers_by_identifier(session, (r for recs in found.values() for r in recs)))
    for pid, recs in found.items():
        gained: dict[str, str] = {}
        for kind, value in (i for rec in recs for i in ids_of(rec)):
            if held.get(pid, {}).get(kind) is None and kind not in gained and (kind, value) not in taken:
                gained[kind] = value
                taken.add((kind, value))
        if gained:
            await session.execute(update(Paper).where(Paper.id == pid).values(**gained))
