"""Revision 0010: `paper_vectors` added to a database at 0009 with papers in it, every paper kept; a vector
stored, read back byte for byte, and taken with its paper when the paper is deleted; down drops the table
and nothing else, up again makes it empty."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tests.store.migrations import TZ, on, run_alembic

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
PAPERS = [{"id": i, "key": f"paper {i}", "title": f"Paper {i}", "added_at": NOW} for i in (1, 2, 3)]
VECTORS = [{"paper_id": 1, "model": "0123456789abcdef", "text_hash": -(1 << 62), "codes": bytes(range(256)),
            "scale": 0.0078125},
           {"paper_id": 3, "model": "0123456789abcdef", "text_hash": 42, "codes": bytes(256), "scale": 0.0}]
PAPERS_TABLE = sa.table("papers", sa.column("id"), sa.column("key"), sa.column("title"), sa.column("added_at", TZ))
VECTORS_TABLE = sa.table("paper_vectors", *(sa.column(c) for c in VECTORS[0]))


def _papers(conn: Connection) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sa.select(PAPERS_TABLE.c.id, PAPERS_TABLE.c.title).order_by("id"))]


def _tables(conn: Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def _store(conn: Connection) -> None:
    conn.execute(sa.insert(VECTORS_TABLE), VECTORS)


def _vectors(conn: Connection) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sa.select(*VECTORS_TABLE.c).order_by("paper_id"))]


def _delete_paper_one(conn: Connection) -> list[tuple[Any, ...]]:
    conn.execute(sa.delete(PAPERS_TABLE).where(PAPERS_TABLE.c.id == 1))
    return _vectors(conn)


async def test_0010_adds_paper_vectors_with_its_cascade(database_url: str) -> None:
    await run_alembic(database_url, "0009_without_rowid")
    await on(database_url, lambda conn: conn.execute(sa.insert(PAPERS_TABLE), PAPERS))
    papers = [(1, "Paper 1"), (2, "Paper 2"), (3, "Paper 3")]
    assert "paper_vectors" not in await on(database_url, _tables)

    await run_alembic(database_url, "0010_paper_vectors")
    assert await on(database_url, _papers) == papers
    assert await on(database_url, _vectors) == []
    await on(database_url, _store)
    stored = [tuple(v.values()) for v in VECTORS]
    assert await on(database_url, _vectors) == stored

    await run_alembic(database_url, "0009_without_rowid", "downgrade")
    assert "paper_vectors" not in await on(database_url, _tables)
    assert await on(database_url, _papers) == papers

    await run_alembic(database_url, "0010_paper_vectors")
    assert await on(database_url, _vectors) == []
    await on(database_url, _store)
    assert await on(database_url, _delete_paper_one) == stored[1:]
    assert await on(database_url, _papers) == papers[1:]
