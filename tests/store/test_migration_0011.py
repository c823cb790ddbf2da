"""Revision 0011: the two indexes no query needs are dropped, every row kept, and a document's entries are
still found through an index (on SQLite, `entry_once_per_document`'s, by the plan SQLite itself reports);
down makes both indexes again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tests.store.migrations import TZ, on, run_alembic

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
ROWS: dict[str, list[dict[str, Any]]] = {
    "documents": [{"id": d, "name": f"notes-{d}.md", "root": "corpus", "sha256": f"{d:064x}", "ingested_at": NOW}
                  for d in (1, 2)],
    "papers": [{"id": i, "key": f"paper {i}", "title": f"Paper {i}", "added_at": NOW} for i in (1, 2, 3)],
    "entries": [{"id": e, "document_id": d, "paper_id": p, "line": e, "title": f"Paper {p}", "authors": "[]",
                 "topics": "[]", "summary": f"entry {e}", "key": f"paper {p}"}
                for e, d, p in ((1, 1, 1), (2, 1, 2), (3, 2, 2), (4, 2, 3))],
}
DROPPED = {"entries": "ix_entries_document_id", "papers": "ix_papers_added_at"}
DATES = {"ingested_at", "added_at"}


def _table(name: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c, TZ if c in DATES else None) for c in ROWS[name][0]))


def _insert(conn: Connection) -> None:
    for name, rows in ROWS.items():
        conn.execute(sa.insert(_table(name)), rows)


def _rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {name: [tuple(r) for r in conn.execute(sa.select(_table(name).c.id).order_by("id"))] for name in ROWS}


def _indexes(conn: Connection) -> dict[str, set[str]]:
    inspector = sa.inspect(conn)
    return {name: {str(ix["name"]) for ix in inspector.get_indexes(name)} for name in DROPPED}


def _plan_of_a_documents_entries(conn: Connection) -> str:
    return " ".join(str(row[-1]) for row in conn.exec_driver_sql(
        "EXPLAIN QUERY PLAN SELECT id FROM entries WHERE document_id = 2"))


def _a_documents_entries(conn: Connection) -> list[int]:
    return [r[0] for r in conn.exec_driver_sql("SELECT id FROM entries WHERE document_id = 2 ORDER BY id")]


async def test_0011_drops_two_indexes_and_keeps_every_row(database_url: str) -> None:
    sqlite = database_url.startswith("sqlite")
    await run_alembic(database_url, "0010_paper_vectors")
    await on(database_url, _insert)
    rows = await on(database_url, _rows)
    assert {t: len(r) for t, r in rows.items()} == {"documents": 2, "papers": 3, "entries": 4}
    before = await on(database_url, _indexes)
    assert all(name in before[table] for table, name in DROPPED.items())

    await run_alembic(database_url, "0011_fewer_indexes")
    after = await on(database_url, _indexes)
    assert after == {table: before[table] - {name} for table, name in DROPPED.items()}
    assert await on(database_url, _rows) == rows
    assert await on(database_url, _a_documents_entries) == [3, 4]
    if sqlite:  # still by an index, the unique one whose first column is the document
        plan = await on(database_url, _plan_of_a_documents_entries)
        assert "USING COVERING INDEX sqlite_autoindex_entries_1 (document_id=?)" in plan, plan

    await run_alembic(database_url, "0010_paper_vectors", "downgrade")
    assert await on(database_url, _indexes) == before
    assert await on(database_url, _rows) == rows
