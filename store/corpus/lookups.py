"""Look-ups by title key and identifier: which stored paper a record names, read in few statements.

Every look-up of many values goes through `rows_where` / `rows_in`: one statement whose values are one
parameter (a JSON array read by `json_each` on SQLite, `= ANY(array)` on PostgreSQL), one pass over the
column when the values are very many.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, String, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.models import IDS, Entry, Paper
from store.ingest.records import PaperRecord
from store.ingest.records.rows import ids_of
from store.text.folding import fold, title_key

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) clause: well under every backend's parameter limit


@lru_cache(maxsize=1 << 14)  # a batch asks for each record's key several times (heard, merged, stored)
def paper_key(title: str) -> str:
    return title_key(fold(title))


def key_of(title: str, keys: Mapping[str, str]) -> str:
    """`paper_key`, taken from `keys` (a batch's titles keyed already) when it is there."""
    key = keys.get(title)
    return paper_key(title) if key is None else key


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def compatible(held: dict[str, str | None], rec: PaperRecord) -> bool:
    """A paper found by title is this record's paper unless their identifiers of one kind differ."""
    return all(held.get(kind) in (None, value) for kind, value in ids_of(rec))


WHOLE_COLUMN = 5_000  # more values than this: one pass over the column, not a look-up per chunk


async def rows_where(session: AsyncSession, query: Select[Any], column: Any, values: Collection[Any]) -> list[Any]:
    """The rows of `query` whose `column` (the rows' first item) is one of `values`.

    A few values are looked up (`rows_in`). Asked for a hundred thousand keys or identifiers at once
    (a file parsed whole), PostgreSQL's planner answers with a pass over the whole table (wide rows, and a
    reload's own updated versions of them), so that many values are read in one pass over the column and
    picked out here.
    """
    if len(values) > WHOLE_COLUMN:
        wanted = set(values)
        return [row for row in (await session.execute(query.where(column.is_not(None)))).all() if row[0] in wanted]
    return await rows_in(session, query, column, values)


async def rows_in(session: AsyncSession, query: Select[Any], column: Any, values: Collection[Any]) -> list[Any]:
    """The rows of `query` whose `column` is one of `values`, in one statement whatever their number: on
    PostgreSQL one array (`= ANY`), on SQLite one JSON array read by `json_each`. Either is a statement
    compiled once, where IN lists of every length are as many statements, each rendered again with its
    values (a bulk import's batches ask thousands of times); the column's index answers each value."""
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        one_of = any_(bindparam("wanted", list(values), type_=postgresql.ARRAY(column.type)))
        return list((await session.execute(query.where(column == one_of))).all())
    listed = func.json_each(bindparam("wanted", json_array(values), type_=String)).table_valued("value")
    return list((await session.execute(query.where(column.in_(select(listed.c.value))))).all())


def json_array(values: Iterable[Any]) -> str:
    """The values as one JSON array. A NUL is dropped from a text value, as from every parameter
    (store.db.engine): the values then match what was stored."""
    text = json.dumps(list(values))
    if "\\u0000" in text:
        text = json.dumps([v.replace("\x00", "") if isinstance(v, str) else v for v in values])
    return text


async def papers_by_key(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    return dict(await rows_where(session, select(Paper.key, Paper.id), Paper.key, set(keys)))


async def papers_by_alias(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    """Title key -> paper, for titles some entry gave a paper stored under another title."""
    query = select(Entry.key, func.min(Entry.paper_id)).group_by(Entry.key)
    return dict(await rows_where(session, query, Entry.key, set(keys)))


async def papers_by_identifier(session: AsyncSession, records: Iterable[PaperRecord]) -> dict[tuple[str, str], int]:
    """(kind, identifier) -> the paper holding it, for the records' identifiers."""
    wanted: dict[str, set[str]] = {kind: set() for kind in IDS}
    for rec in records:
        for kind, value in ids_of(rec):
            wanted[kind].add(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in wanted.items():
        column = getattr(Paper, kind)
        if values:
            rows = await rows_where(session, select(column, Paper.id), column, values)
            found.update({(kind, v): i for v, i in rows})
    return found


async def identifiers_of_papers(session: AsyncSession, ids: Iterable[int]) -> dict[int, dict[str, str | None]]:
    query = select(Paper.id, *(getattr(Paper, kind) for kind in IDS))
    rows = await rows_where(session, query, Paper.id, set(ids))
    return {pid: dict(zip(IDS, held, strict=True)) for pid, *held in rows}
