"""SQLite's page size: a new file is made with `PAGE_SIZE` pages, a file made before keeps its own and all it held."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from store.db import migrate
from store.db.engine import PAGE_SIZE, make_engine


def _page_size(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


async def test_a_new_database_file_has_the_larger_pages(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    assert PAGE_SIZE != 4096  # SQLite's own default: otherwise this test shows nothing
    assert _page_size(path) == PAGE_SIZE
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_file_made_with_other_pages_keeps_them_and_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA page_size=4096")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        conn.executemany("INSERT INTO kept (body) VALUES (?)", [(f"row {i} " * 50,) for i in range(2_000)])
        conn.commit()
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO kept (body) VALUES ('one more')"))
        async with engine.connect() as conn:
            count = await conn.scalar(sa.text("SELECT count(*) FROM kept"))
            first = await conn.scalar(sa.text("SELECT body FROM kept WHERE id = 1"))
    finally:
        await engine.dispose()
    assert count == 2_001 and first == "row 0 " * 50
    assert _page_size(path) == 4096
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
