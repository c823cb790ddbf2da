"""Engine and sessions. SQLite (one file, WAL) by default; PostgreSQL (asyncpg) via DATABASE_URL.

The schema is not made here: `store.db.migrate.upgrade` brings any database to the newest revision.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


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
    return normalise_url(explicit or os.environ.get("DATABASE_URL") or default_database_url())


class DatabaseURLError(ValueError):
    """A database URL that cannot work, in one line naming the setting and what to do (never the password)."""


# The async driver each database runs on here, and the module that driver needs.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_ASYNC_MODULES = {"aiosqlite": "aiosqlite", "asyncpg": "asyncpg", "psycopg": "psycopg", "psycopg_async": "psycopg"}
_EXAMPLES = "sqlite+aiosqlite:///path/to/paperbot.sqlite3 or postgresql+asyncpg://user:password@host/database"


def normalise_url(url: str, setting: str = "DATABASE_URL") -> str:
    """The async URL an admin meant: a bare path is a SQLite file; `postgres://` (what hosting services hand
    out), `postgresql://` and `sqlite://` without an async driver get this project's driver. Anything else
    raises `DatabaseURLError` naming `setting`, rather than a library error deep inside the first connection."""
    text = url.strip()
    if text == ":memory:":
        return "sqlite+aiosqlite://"
    if text and "://" not in text:
        if "@" in text:  # user:password@host/db: a server's URL that lost its scheme, not a file to create
            raise DatabaseURLError(f"{setting} looks like a server's URL without its scheme: write it as "
                                   f"{_EXAMPLES}")
        return f"sqlite+aiosqlite:///{Path(text).expanduser().absolute()}"
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):  # also a port that is not a number
        raise DatabaseURLError(f"{setting} is not a database URL: write it as {_EXAMPLES}") from None
    backend, _, driver = parsed.drivername.partition("+")
    backend = "postgresql" if backend == "postgres" else backend
    if backend == "sqlite" and parsed.host:  # sqlite://name.sqlite3: a host, and an in-memory database
        raise DatabaseURLError(f"{setting}: a SQLite URL has three slashes before a relative path and four before "
                               "an absolute one (sqlite:///paperbot.sqlite3, sqlite:////srv/paperbot.sqlite3), "
                               "or give the bare path")
    if backend not in ASYNC_DRIVERS:
        raise DatabaseURLError(f"{setting} names a {backend!r} database: paperbot runs on SQLite or PostgreSQL, "
                               f"as in {_EXAMPLES}")
    if driver not in _ASYNC_MODULES or (backend == "sqlite") != (driver == "aiosqlite"):
        driver = ASYNC_DRIVERS[backend]  # a synchronous driver, or none: the async one for that database
    if importlib.util.find_spec(_ASYNC_MODULES[driver]) is None:
        raise DatabaseURLError(f"{setting}: the {driver} driver is not installed: install it (PostgreSQL's "
                               "asyncpg: pip install 'paperbot[postgres]') or write postgresql+asyncpg://")
    wanted = f"{backend}+{driver}"
    if wanted == parsed.drivername:
        return text
    fixed = parsed.set(drivername=wanted)
    if driver == "asyncpg" and "sslmode" in parsed.query:  # libpq's name for what asyncpg calls ssl
        fixed = fixed.difference_update_query(["sslmode"]).update_query_dict({"ssl": parsed.query["sslmode"]})
    return fixed.render_as_string(hide_password=False)


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def in_memory(url: str) -> bool:
    """A SQLite database with no file: it lives in its connection, so in one engine on one event loop."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and (not parsed.database or parsed.database == ":memory:")


# How long one SQLite statement waits for another connection's write lock. Not how long a member's write
# may wait: that is `store.db.database.patiently`, which tries again after this (an ingest can hold the
# lock longer than any timeout), and an ingest is claimed before it starts (`store.db.claims.ingest_claim`).
BUSY_TIMEOUT = 30.0


# The page size of a SQLite file made from now on (an existing file keeps its own: it is fixed once a file has
# a page). A corpus database is mostly rows of one to two kilobytes (an entry: its summary, its authors) and
# indexes on title keys in no useful order; 16 KiB pages hold more rows each, so a bulk import makes fewer
# pages, splits and write-ahead log frames: at a million papers the inserts into papers and entries took
# 15.5 s rather than 21.2 s, the commit 0.9 rather than 1.5 (tried 4, 8, 16, 32 and 64 KiB: 16 and up alike).
PAGE_SIZE = 16384


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


def _holds_nul(value: Any) -> bool:
    """Whether any text in `value` holds a NUL. repr() writes one as `\\x00`, so one pass in C over a whole
    executemany's rows rules out nearly every write (the walk in Python took 7% of an ingest); text that merely
    spells backslash-x00 is told apart by the walk."""
    return "\\x00" in repr(value) and _walk_holds_nul(value)


def _walk_holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(map(_walk_holds_nul, value))
    if isinstance(value, dict):
        return any(map(_walk_holds_nul, value.values()))
    return False


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_without_nul(v) for v in value)
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    return value


def _drop_nul(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
    """PostgreSQL refuses a NUL character in text, and a whole write with it: one "\\u0000" in a JSON line, or
    a NUL a member's client puts in a form, would fail an ingest or a save. No text the bot keeps means a NUL
    (every display drops control characters), so it is dropped from every parameter here, on either database,
    for the same data on both."""
    return statement, (_without_nul(parameters) if _holds_nul(parameters) else parameters)


def make_engine(url: str, *, checkpoints: bool = True) -> AsyncEngine:
    """An engine for `url`. On SQLite, `checkpoints=False` leaves the write-ahead log to be copied into the
    database file by someone else (`Database.checkpoint_behind`): SQLite's own automatic checkpoint runs
    inside the commit that crosses its threshold, and after a bulk import that is the whole import again."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not in_memory(url):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        busy = BUSY_TIMEOUT
        engine = create_async_engine(url, connect_args={"timeout": busy})
        event.listen(engine.sync_engine, "before_cursor_execute", _drop_nul, retval=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before WAL: the mode is the new file's first write
            _wal(cur)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            if not checkpoints:
                cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        return engine
    engine = create_async_engine(url, pool_pre_ping=True)
    event.listen(engine.sync_engine, "before_cursor_execute", _drop_nul, retval=True)
    return engine


def make_sessionmaker(engine: AsyncEngine, origin: str = "") -> async_sessionmaker[AsyncSession]:
    """Sessions that know which process they belong to (`info["origin"]`), for the corpus change log."""
    return async_sessionmaker(engine, expire_on_commit=False, info={"origin": origin})


def shown_to_listeners(conn: AsyncConnection, statement: str, many: bool = False) -> None:
    """A statement run on the driver's connection directly (a bulk import's rows, a full build's read) shown
    to the engine's `before_cursor_execute` listeners first, as SQLAlchemy's cursor shows it: a command that
    is stopping refuses it (bot.interrupts). Its rows are not shown: those callers check them themselves."""
    sync = conn.sync_connection
    if sync is not None:
        for listener in sync.dispatch.before_cursor_execute:
            listener(sync, None, statement, [], None, many)
