"""Revision 0009: on SQLite, authorships and paper_topics become WITHOUT ROWID tables, every row, key, index
and cascade kept; down and up again keeps them too. On PostgreSQL it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tests.store.migrations import TZ, on, run_alembic

NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
ROWS: dict[str, list[dict[str, Any]]] = {
    "papers": [{"id": i, "key": f"paper {i}", "title": f"Paper {i}", "added_at": NOW} for i in (1, 2, 3)],
    "people": [{"id": i, "key": f"person {i}", "name": f"Person {i}"} for i in (1, 2, 3)],
    "topics": [{"id": i, "key": f"topic {i}", "label": f"Topic {i}"} for i in (1, 2)],
    "authorships": [{"paper_id": 1, "person_id": 2, "position": 0, "name": "P. Two"},
                    {"paper_id": 1, "person_id": 1, "position": 1, "name": "Person One"},
                    {"paper_id": 2, "person_id": 1, "position": 0, "name": ""},
                    {"paper_id": 3, "person_id": 3, "position": 0, "name": "Person Three"}],
    "paper_topics": [{"paper_id": 1, "topic_id": 2}, {"paper_id": 2, "topic_id": 1}, {"paper_id": 3, "topic_id": 1}],
}
LINKS = ("authorships", "paper_topics")


def _table(name: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c, TZ if c == "added_at" else None) for c in ROWS[name][0]))


def _insert(conn: Connection) -> None:
    for name, rows in ROWS.items():
        conn.execute(sa.insert(_table(name)), rows)


def _links(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(tuple(r) for r in conn.execute(sa.select(*_table(name).c))) for name in LINKS}


def _without_rowid(conn: Connection) -> dict[str, bool]:
    return {name: "WITHOUT ROWID" in conn.exec_driver_sql(
        f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{name}'").scalar_one() for name in LINKS}


def _indexes(conn: Connection) -> dict[str, list[str]]:
    inspector = sa.inspect(conn)
    return {name: sorted(str(ix["name"]) for ix in inspector.get_indexes(name)) for name in LINKS}


def _cascade(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """A paper deleted takes its authorships and topics with it (foreign keys are on, as the engine sets)."""
    conn.execute(sa.delete(_table("papers")).where(sa.column("id") == 1))
    return _links(conn)


async def test_0009_keeps_every_row_index_and_cascade(database_url: str) -> None:
    sqlite = database_url.startswith("sqlite")
    await run_alembic(database_url, "0008_document_problems")
    await on(database_url, _insert)
    links, indexes = await on(database_url, _links), await on(database_url, _indexes)
    assert links == {name: sorted(tuple(r.values()) for r in ROWS[name]) for name in LINKS}
    assert indexes == {"authorships": ["ix_authorships_person_id"], "paper_topics": ["ix_paper_topics_topic_id"]}
    if sqlite:
        assert await on(database_url, _without_rowid) == dict.fromkeys(LINKS, False)

    await run_alembic(database_url, "0009_without_rowid")
    assert await on(database_url, _links) == links
    assert await on(database_url, _indexes) == indexes
    if sqlite:
        assert await on(database_url, _without_rowid) == dict.fromkeys(LINKS, True)

    await run_alembic(database_url, "0008_document_problems", "downgrade")
    assert await on(database_url, _links) == links
    assert await on(database_url, _indexes) == indexes
    if sqlite:
        assert await on(database_url, _without_rowid) == dict.fromkeys(LINKS, False)

    await run_alembic(database_url, "0009_without_rowid")
    assert await on(database_url, _links) == links
    if sqlite:
        assert await on(database_url, _without_rowid) == dict.fromkeys(LINKS, True)
    assert await on(database_url, _cascade) == {name: [r for r in rows if r[0] != 1] for name, rows in links.items()}
