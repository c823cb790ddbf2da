"""Bulk work commits without copying SQLite's write-ahead log into the database file; the copy runs behind it.

The file is read as it is on disk (`immutable=1`: SQLite then ignores the log), so each test sees what the
checkpoint copied, not what a connection would read. The work writes well past SQLite's automatic threshold
(1,000 pages), which is where the commit itself used to do the copy."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db.database import Database

ROWS = 3_000
PAYLOAD = "x" * 8_000  # 3,000 rows of 8 kB: some 1,500 pages of 16 kB (store.db.engine.PAGE_SIZE)


def _on_disk(path: Path) -> int:
    """Rows of `bulk` in the database file itself, the log ignored."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as conn:
        found = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'bulk'").fetchone()[0]
        return conn.execute("SELECT count(*) FROM bulk").fetchone()[0] if found else -1


def _through_a_connection(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM bulk").fetchone()[0]


async def _create(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bulk (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    async with db.engine.connect() as conn:  # the table itself in the file, so only the rows wait in the log
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def _write_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The bulk work: ROWS rows in one transaction."""
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO bulk (body) VALUES (:body)"), [{"body": PAYLOAD}] * ROWS)


async def test_bulk_work_commits_and_the_checkpoint_behind_copies_it(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "bulk.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    seen_at_commit: list[int] = []

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        await _write_rows(sessions)
        seen_at_commit.append(_on_disk(path))  # committed, on this thread, before the checkpoint can start
        return ROWS

    try:
        await _create(db)
        assert _on_disk(path) == 0
        assert await db.off_the_loop(work) == ROWS
        assert seen_at_commit == [0]  # the commit copied nothing into the file...
        assert _through_a_connection(path) == ROWS  # ...and every connection reads the rows all the same
        with caplog.at_level(logging.INFO, logger="store.db.database"):
            await db.settled()
        assert _on_disk(path) == ROWS  # the checkpoint behind copied them
        told = [r.getMessage() for r in caplog.records if r.name == "store.db.database"]
        assert len(told) == 1 and told[0].startswith("copied ") and "pages of the write-ahead log" in told[0], told
        with contextlib.closing(sqlite3.connect(path)) as conn:
            busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and logged == copied  # nothing left in the log to copy
    finally:
        await db.dispose()


async def test_closing_the_database_waits_for_the_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "bulk.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")

    await _create(db)
    await db.off_the_loop(_write_rows)
    await db.off_the_loop(_write_rows)  # a second while the first's checkpoint may still run: they run in turn
    await db.dispose()
    assert _on_disk(path) == 2 * ROWS


async def test_a_write_right_after_bulk_work_is_kept_with_its_rows(tmp_path: Path) -> None:
    """A member's write made right after bulk work, while its checkpoint may run (PASSIVE: it holds up no
    writer), commits and is kept with the bulk work's rows: read through a connection, then in the file."""
    path = tmp_path / "bulk.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await _create(db)
        await db.off_the_loop(_write_rows)
        async with db.session() as session, session.begin():
            await session.execute(text("INSERT INTO bulk (body) VALUES ('a member wrote this')"))
        await db.settled()
        assert _through_a_connection(path) == ROWS + 1
    finally:
        await db.dispose()
    assert _on_disk(path) == ROWS + 1  # the member's row too, whether the checkpoint or the last close copied it
