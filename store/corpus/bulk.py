"""Writing many rows at once: one driver-level executemany, PostgreSQL's statistics kept up to date, and
SQLite's page cache sized for an import's indexes."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Executable, Index, Table, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.schema import CreateIndex, DropIndex

from store.db.engine import _holds_nul, _without_nul, shown_to_listeners
from store.db.models import Authorship
from store.text.json_text import FAST, SAMPLE

_ANALYZE_FROM = 2_000  # papers a file has added when PostgreSQL's statistics are first brought up to date
IMPORT_CACHE_KIB = 512 << 10  # the most SQLite page cache an ingest takes (as pages are used; given back after)
INDEX_SHARE = 10  # a corpus database's indexes written in no useful order: about a tenth of the file
NARROW_COLUMNS = 4  # a row of at most so many columns is inserted with others (`_sqlite_executemany_columns`)
ROWS_PER_STATEMENT = 200
SORT_CACHE_KIB = 4 << 10  # SQLite's page cache while it sorts an index's keys (`make_again`)
LARGE_FROM = 32 << 20  # bytes an import parses from which it may be large for its database (`large_import`)


async def insert_rows(session: AsyncSession, table: Table, columns: tuple[str, ...],
                      rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples in `columns` order (on SQLite as `insert_columns` inserts their columns: rows
    of a few columns many to a statement)."""
    if rows and session.get_bind().dialect.name == "sqlite":
        await insert_columns(session, table, columns, list(zip(*rows, strict=True)))
        return
    await execute_rows(session, insert(table), columns, rows, column_keys=columns)


async def execute_rows(session: AsyncSession, statement: Executable, names: tuple[str, ...],
                       rows: Sequence[tuple[Any, ...]], column_keys: Sequence[str] | None = None) -> None:
    """Run `statement` once per row (tuples of the parameters `names`) as one driver-level executemany.

    A bulk import writes 100,000 papers and entries and half a million authorships. The statement is
    compiled by the dialect (valid SQL for SQLite and PostgreSQL alike) and each parameter keeps its
    type's conversion (JSON, datetimes), but the rows skip SQLAlchemy's per-row parameter dictionaries,
    which cost more than the database's own work. On SQLite an insert goes through `insert_columns` (`insert_rows`);
    here go the other statements (`derive.rederive`'s UPDATE of the papers it derives again).
    """
    if not rows:
        return
    conn = await session.connection()
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
    keys = compiled.positiontup or []
    order = [names.index(key) for key in keys]
    convert = [compiled.binds[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys]
    as_json = [_json_as_dumps(compiled.binds[key].type, f, dialect) for key, f in zip(keys, convert, strict=True)]
    if dialect.name == "sqlite":  # column by column, NULs dropped here, and straight to the driver
        columns = list(zip(*rows, strict=True))
        converted = [_nul_free(_converted(columns[i], f, j)) for i, f, j in zip(order, convert, as_json, strict=True)]
        await _sqlite_executemany(conn, compiled.string, zip(*converted, strict=True))
        return
    if order != list(range(len(names))) or any(convert):  # column by column: a call per value, not per row
        columns = list(zip(*rows, strict=True))
        converted = [_converted(columns[i], f, j) for i, f, j in zip(order, convert, as_json, strict=True)]
        rows = list(zip(*converted, strict=True))
    await conn.exec_driver_sql(compiled.string, list(rows))


async def insert_columns(session: AsyncSession, table: Table, names: tuple[str, ...], columns: Sequence[Sequence[Any]],
                         stored: frozenset[str] = frozenset()) -> None:
    """Insert rows given as a list per column, in `names` order (what `store.ingest.records.rows` works
    out): each column converted and checked for NULs at once, the rows zipped from them in C. `stored`
    names JSON columns given as their JSON text already (json.dumps, what the column's own conversion
    writes; decoded and converted again where an engine writes JSON its own way)."""
    if not columns or not columns[0]:
        return
    if session.get_bind().dialect.name != "sqlite":  # the values as the column's own conversion takes them
        values = [[json.loads(v) for v in column] if name in stored else column
                  for name, column in zip(names, columns, strict=True)]
        await insert_rows(session, table, names, list(zip(*values, strict=True)))
        return
    conn = await session.connection()
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    given = dict(zip(names, columns, strict=True))
    out = []
    for key in compiled.positiontup or []:
        convert = compiled.binds[key].type.dialect_impl(dialect).bind_processor(dialect)
        values = given[key]
        if key in stored:
            if convert is not None and not _writes_json(convert, dialect):
                out.append(_nul_free([convert(json.loads(v)) for v in values]))
            else:
                out.append(_nul_free(values))
            continue
        out.append(_nul_free(_converted(values, convert, _json_as_dumps(compiled.binds[key].type, convert, dialect))))
    await _sqlite_executemany_columns(conn, compiled.string, out)


async def _sqlite_executemany_columns(conn: AsyncConnection, statement: str, columns: list[Sequence[Any]]) -> None:
    """The rows of `columns` inserted by `statement` (an INSERT of one row's VALUES); rows of a few columns
    `ROWS_PER_STATEMENT` to a statement.

    A narrow row (an authorship, a paper's topic label) costs sqlite3 more to step than to store: the
    statement reset and stepped, and the interpreter lock handed back and forth, row by row. In a million
    papers' import, 200 rows to a statement write the 4.5 million authorships in 6.4-7.5 s rather than
    9.2-11.4, the 2 million topic labels in 3.1-3.7 s rather than 4.0-4.7 (bench/HISTORY.md). A wide row
    (a paper, an entry) gains nothing: binding its values is most of its cost."""
    width = len(columns)
    count = len(columns[0])
    full = count - count % ROWS_PER_STATEMENT if width <= NARROW_COLUMNS else 0
    if full:
        one = statement[statement.rindex(" VALUES ") + len(" VALUES "):]
        many = statement + f", {one}" * (ROWS_PER_STATEMENT - 1)
        flat: list[Any] = [None] * (full * width)
        for i, column in enumerate(columns):
            flat[i::width] = column[:full]
        step = ROWS_PER_STATEMENT * width
        await _sqlite_executemany(conn, many, (flat[j:j + step] for j in range(0, len(flat), step)))
    if full < count:  # the rest, one to a statement (every row of a wide one: its columns as they are)
        rest = [column[full:] for column in columns] if full else columns
        await _sqlite_executemany(conn, statement, zip(*rest, strict=True))


_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})


def _nul_free(values: Sequence[Any]) -> Sequence[Any]:
    """A column's values as store.db.engine's `_drop_nul` leaves a write's parameters (a NUL dropped from
    every text), checked by one join in C rather than a repr of every row."""
    try:
        joined = "".join(values)
    except TypeError:
        types = set(map(type, values))
        if not types <= _PLAIN:  # a list, a dict, a subclass of str: the engine's own walk
            return [_without_nul(v) for v in values] if _holds_nul(values) else values
        if str not in types:  # numbers (ids, positions): no text to look in
            return values
        joined = "".join([v for v in values if type(v) is str])
    if "\x00" not in joined:
        return values
    return [v.replace("\x00", "") if isinstance(v, str) else v for v in values]


async def _sqlite_executemany(conn: AsyncConnection, statement: str, rows: Iterable[Sequence[Any]]) -> None:
    """One executemany on the connection's aiosqlite connection, inside the session's transaction (the
    same SQLite connection): a bulk import's rows skip SQLAlchemy's cursor and its per-write NUL check,
    done column by column by the caller. Rows zipped from columns are given as the zip itself: sqlite3
    takes them one at a time on its own thread, and zip hands it the one tuple again and again (a list of
    them was made here, on the event loop's thread, while the database waited).

    The engine's `before_cursor_execute` listeners still see the
    statement (without its rows: a command that is stopping refuses it, bot.interrupts), and a driver
    error is raised as SQLAlchemy raises it."""
    shown_to_listeners(conn, statement, many=True)
    raw = await conn.get_raw_connection()
    try:
        cursor = await raw.driver_connection.executemany(statement, rows)  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc
    await cursor.close()


def _json_as_dumps(kind: Any, convert: Callable[[Any], Any] | None, dialect: Any) -> bool:
    """Whether a column's values may be written as `_converted` writes JSON fast: a JSON column (`kind`) whose own
    conversion is json.dumps."""
    return isinstance(kind, JSON) and convert is not None and _writes_json(convert, dialect)


def _writes_json(convert: Callable[[Any], Any], dialect: Any) -> bool:
    """Whether a JSON column's own conversion is json.dumps as it comes (no serializer of the engine's)."""
    return (FAST is not None and getattr(dialect, "_json_serializer", None) is None
            and convert(SAMPLE) == json.dumps(SAMPLE))


def _converted(values: Sequence[Any], convert: Callable[[Any], Any] | None, as_json: bool = False
               ) -> Sequence[Any]:
    if convert is None:
        return values
    if as_json and FAST is not None:
        text = FAST
        return [text(v) if type(v) is list else convert(v) for v in values]
    first = values[0]
    if all(v is first for v in values):  # one timestamp for a whole import: converted once
        return [convert(first)] * len(values)
    return [convert(v) for v in values]


def doubled(before: int, after: int) -> bool:
    """Whether a count went past `_ANALYZE_FROM`, or twice that, or four times, ..."""
    return before < _ANALYZE_FROM << (before // _ANALYZE_FROM).bit_length() <= after


async def count_what_was_written(session: AsyncSession) -> None:
    """Bring PostgreSQL's statistics up to date with the rows this transaction wrote (ANALYZE counts them,
    uncommitted). Its planner reads a lookup of a few hundred keys as a pass over the whole table when
    its statistics say the table is empty: once a batch, over a table a bulk import keeps growing. Done
    when a file's additions double, so a few times an import."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE papers, entries, people, authorships"))


@contextlib.asynccontextmanager
async def import_cache(session: AsyncSession, incoming: int = 0) -> AsyncIterator[None]:
    """On SQLite, a page cache that holds the indexes an import writes into, for its transaction.

    Every paper adds a key to indexes in no useful order (the title keys of papers and entries, the people
    of authorships), about a tenth of the database: 25 MB at 100,000 papers, ten times that at a million.
    With SQLite's default 2 MiB cache each of those inserts reads its page back (from the WAL the
    transaction itself spilled it to), and the cost of a paper grows with the database. The cache is sized
    for that tenth of the database as the import leaves it (`incoming`: the bytes of the files read, about
    half what they add), between the connection's own size and `IMPORT_CACHE_KIB`; it is taken only as pages
    are used, so a reload of a few notes costs nothing. What it holds is written at commit as before
    (durability is unchanged), and the connection's own size is put back afterwards.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = await session.connection()
    before, pages, page_size = [await _pragma(conn, name) for name in ("cache_size", "page_count", "page_size")]
    wanted = (pages * page_size + 2 * incoming) // INDEX_SHARE >> 10  # KiB
    own = -before if before < 0 else before * page_size >> 10  # a negative size is in KiB, a positive in pages
    async with _page_cache(conn, max(own, min(wanted, IMPORT_CACHE_KIB)), before):
        yield


async def _pragma(conn: AsyncConnection, name: str) -> int:
    return int((await conn.exec_driver_sql(f"PRAGMA {name}")).scalar() or 0)


@contextlib.asynccontextmanager
async def _page_cache(conn: AsyncConnection, kib: int, before: int) -> AsyncIterator[None]:
    """SQLite's page cache at `kib` KiB for the block, then `before` (the connection's own `cache_size`) again."""
    await conn.exec_driver_sql(f"PRAGMA cache_size=-{kib}")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # a failed transaction's connection is discarded or rolled back
            await conn.exec_driver_sql(f"PRAGMA cache_size={before}")


def _by_person() -> Index:
    return next(i for i in Authorship.__table__.indexes if [c.name for c in i.columns] == ["person_id"])


async def large_import(session: AsyncSession, parsed_bytes: int) -> bool:
    """Whether an import is large for its database (SQLite only): its files are `LARGE_FROM` bytes or more
    and at least half the database's size, so the import at least doubles it (a file parsed is about half
    what it adds, `import_cache`). Such an import may spend a pass over the database to save a cost per
    row: the people index written at its end (`defer_people_index`), the keys held read into a filter
    (store.corpus.fresh.held_keys)."""
    if session.get_bind().dialect.name != "sqlite" or parsed_bytes < LARGE_FROM:
        return False
    conn = await session.connection()
    pages, page_size = [await _pragma(conn, name) for name in ("page_count", "page_size")]
    return 2 * parsed_bytes >= pages * page_size


async def defer_people_index(session: AsyncSession) -> Index:
    """For a large import (`large_import`): the index of authorships by person dropped for the import's
    transaction, to be made again by `make_again` before its end.

    Every authorship adds a key to that index in no useful order: at a million papers, four and a half
    million inserts at random places, 8 s of the 38.5 its rows' inserts take alone. Made again at the end,
    it is one sort of every row (about 5 s). Nothing an import does before `make_again` looks authorships up by person
    (the prune of people no paper names runs after it), and a failed import rolls the drop back with
    everything else: other connections never see the database without it. A smaller import into a larger
    database would sort more than it saves."""
    index = _by_person()
    await session.execute(DropIndex(index))
    return index


async def make_again(session: AsyncSession, index: Index) -> None:
    """The index dropped by `defer_people_index`, made again, with SQLite's page cache at `SORT_CACHE_KIB` for
    the sort and put back after.

    SQLite's sorter sorts as much at once in memory as the page cache holds, and an import's cache is large
    (`import_cache`: some 240 MB for a million papers' 1.2 GB of JSON Lines). Their 4.5 million authorships
    sorted with a 256 MiB cache take 6.2-6.5 s; sorted 4 MiB at a time and merged, 1.8 s (16 MiB: 2.4-2.5)."""
    conn = await session.connection()
    if conn.dialect.name != "sqlite":
        await session.execute(CreateIndex(index))
        return
    async with _page_cache(conn, SORT_CACHE_KIB, await _pragma(conn, "cache_size")):
        await session.execute(CreateIndex(index))
