"""Writing many rows at once: one driver-level executemany, and PostgreSQL's statistics kept up to date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Executable, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

_ANALYZE_FROM = 2_000  # papers a file has added when PostgreSQL's statistics are first brought up to date


async def insert_rows(session: AsyncSession, table: Table, columns: tuple[str, ...],
                      rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples in `columns` order."""
    await execute_rows(session, insert(table), columns, rows, column_keys=columns)


async def execute_rows(session: AsyncSession, statement: Executable, names: tuple[str, ...],
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
