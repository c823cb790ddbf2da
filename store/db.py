"""Engine and sessions. SQLite (one file, WAL) by default; any SQLAlchemy async URL via DATABASE_URL.

The schema is not made here: `store.migrate.upgrade` brings any database to the newest revision.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import overload

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


@overload
def utc(when: datetime) -> datetime: ...
@overload
def utc(when: None) -> None: ...
@overload
def utc(when: datetime | None) -> datetime | None: ...
def utc(when: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored in UTC), PostgreSQL aware ones: read values are made aware."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def default_data_dir() -> Path:
    """Per-user data folder: $XDG_DATA_HOME/paperbot or ~/.local/share/paperbot."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paperbot"


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_data_dir() / 'paperbot.sqlite3'}"


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("DATABASE_URL") or default_database_url()


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def _wal(cur) -> None:  # type: ignore[no-untyped-def]
    """Put the file in WAL mode (it stays so once set).

    Two processes opening a new file at the same moment both ask for it, and SQLite answers the one that
    loses "database is locked" at once, without its busy timeout; a moment later the mode is set and the
    same statement returns at once. Only a brand-new file's first connections can meet this.
    """
    for attempt in range(200):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.01)


def make_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            _wal(cur)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine, origin: str = "") -> async_sessionmaker[AsyncSession]:
    """Sessions that know which process they belong to (`info["origin"]`), for the corpus change log."""
    return async_sessionmaker(engine, expire_on_commit=False, info={"origin": origin})
