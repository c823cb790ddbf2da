"""Bring the database to the schema this code knows: Alembic revisions, run at start-up.

Every schema change is a revision under `store/db/migrations/versions/` (0001_baseline is the schema of
the last release without migrations). `upgrade(engine)` is the one entry point, used by `Library.prepare`
(every start, and `paperbot ingest`) and `paperbot db upgrade`:

- an empty database is brought to the newest revision (head);
- a database made before migrations (paperbot's tables, no `alembic_version`) is checked to be that
  release's schema, stamped as the baseline and upgraded: adopted, never recreated;
- a database at a revision this code does not know was upgraded by a newer paperbot: `SchemaTooNew`,
  one line, and nothing is touched.

The check and the upgrade run under a lock and in one transaction, so two processes starting together
migrate once: PostgreSQL's transaction-scoped advisory lock (its DDL is transactional, so a failed
upgrade leaves nothing behind), SQLite's write lock (BEGIN IMMEDIATE).

A database already at head takes a fast path that does not even import Alembic (about 0.1-0.2 s of a
command's start-up): one read of `alembic_version` against the revision ids and parents written in the
files of versions/ (`declared_heads`, tested to agree with Alembic's own reading). Anything else, and
any file it cannot read plainly, goes through Alembic.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

SCRIPTS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock's key for "migrating paperbot's schema" (the bytes of "paperbot" as a bigint).
LOCK_KEY = int.from_bytes(b"paperbot", "big") - 2**63

# The schema of the release before migrations, for recognising its databases. Frozen like 0001_baseline.
LEGACY_TABLES: dict[str, frozenset[str]] = {
    "documents": frozenset({"id", "name", "root", "sha256", "ingested_at"}),
    "papers": frozenset({"id", "key", "title", "venue", "year", "link", "added_at"}),
    "people": frozenset({"id", "key", "name"}),
    "topics": frozenset({"id", "key", "label"}),
    "guild_settings": frozenset({"guild_id", "channel_id", "weekday", "hour", "minute", "timezone",
                                 "last_error"}),
    "digest_runs": frozenset({"id", "guild_id", "week", "claimed_at", "claimed_by", "posted_at", "message_id"}),
    "settings": frozenset({"key", "value"}),
    "entries": frozenset({"id", "document_id", "paper_id", "line", "title", "authors", "venue", "year",
                          "topics", "link", "summary"}),
    "authorships": frozenset({"paper_id", "person_id", "position"}),
    "paper_topics": frozenset({"paper_id", "topic_id"}),
    "digest_features": frozenset({"id", "guild_id", "paper_id", "run_id", "cycle", "reason"}),
}
# Its indexes. That release made any that were missing at every start (the first versions lacked the
# two on authorships and paper_topics), so adoption does the same before stamping the baseline.
LEGACY_INDEXES: dict[str, tuple[str, str]] = {
    "ix_papers_added_at": ("papers", "added_at"),
    "ix_digest_runs_guild_id": ("digest_runs", "guild_id"),
    "ix_entries_document_id": ("entries", "document_id"),
    "ix_entries_paper_id": ("entries", "paper_id"),
    "ix_authorships_person_id": ("authorships", "person_id"),
    "ix_paper_topics_topic_id": ("paper_topics", "topic_id"),
    "ix_digest_features_guild_id": ("digest_features", "guild_id"),
}


class MigrationError(RuntimeError):
    """The database's schema cannot be brought to this code's; the message is one line for the admin."""


class SchemaTooNew(MigrationError):
    """The database was upgraded by a newer paperbot than this one."""


class SchemaUnrecognised(MigrationError):
    """The database has some of paperbot's tables but is not a schema any paperbot release made."""


@dataclass(frozen=True, slots=True)
class MigrationResult:
    before: tuple[str, ...]  # the database's revisions before; () when it had none (empty, or adopted)
    after: tuple[str, ...]
    applied: tuple[str, ...]  # the revisions run, oldest first
    adopted: bool = False  # a database from before migrations, stamped as the baseline

    @property
    def changed(self) -> bool:
        return bool(self.applied) or self.adopted

    def describe(self) -> str:
        after = ", ".join(self.after)
        if not self.changed:
            return f"the database schema is up to date (revision {after})"
        ran = f": ran {', '.join(self.applied)}" if self.applied else ""
        if self.adopted:
            return f"recognised a database from before versioned migrations as {BASELINE}, upgraded to {after}{ran}"
        if not self.before:
            return f"created the database schema at revision {after}{ran}"
        return f"upgraded the database schema from {', '.join(self.before)} to {after}{ran}"


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    state: str  # "empty", "legacy" (before migrations), "versioned", "too new"
    current: tuple[str, ...]
    heads: tuple[str, ...]
    behind: int  # revisions an upgrade would run

    def describe(self) -> str:
        if self.state == "too new":
            return "newer than this paperbot: upgrade paperbot"
        if self.state == "legacy":
            runs = f" and run {self.behind} revision{'s' if self.behind != 1 else ''}" if self.behind else ""
            return f"made before versioned migrations: the next start (or `paperbot db upgrade`) will record it " \
                   f"as {BASELINE}{runs}"
        if not self.behind:
            return "up to date"
        return f"{self.behind} revision{'s' if self.behind != 1 else ''} behind: run `paperbot db upgrade`"


def alembic_config(script_location: Path | str | None = None) -> Config:
    """Alembic's configuration, made in code: no alembic.ini is needed where paperbot is installed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or SCRIPTS))
    return cfg


@lru_cache(maxsize=8)
def _scripts(location: str) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(location))


def scripts(script_location: Path | str | None = None) -> ScriptDirectory:
    """The revisions, read once per process."""
    return _scripts(str(script_location or SCRIPTS))


def _database(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


@lru_cache(maxsize=8)
def _revisions(script: ScriptDirectory) -> frozenset[str]:
    return frozenset(s.revision for s in script.walk_revisions())


def _known(script: ScriptDirectory, revision: str) -> bool:
    return revision in _revisions(script)  # exactly: Alembic's own lookup also accepts a prefix


def _refuse_unknown(script: ScriptDirectory, current: Sequence[str], where: str) -> None:
    unknown = [r for r in current if not _known(script, r)]
    if unknown:
        raise SchemaTooNew(
            f"the database {where} is at schema revision {', '.join(unknown)}, which this paperbot does not "
            f"know (its newest is {', '.join(script.get_heads())}): a newer paperbot upgraded it, so upgrade "
            f"paperbot to that version or later (the database was not changed)")


def _pending(script: ScriptDirectory, current: Sequence[str]) -> tuple[str, ...]:
    lower = current or ("base",)
    found: dict[str, None] = {}
    for low in lower:
        for rev in script.iterate_revisions("heads", low):
            found[rev.revision] = None
    return tuple(reversed(found))


def _current(conn: Connection) -> tuple[str, ...]:
    """The revisions in `alembic_version`; () when it is missing or empty."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return ()
    return tuple(sorted(conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars()))


def _literal(module: ast.Module, name: str) -> object:
    """The value of a module-level `name = <literal>` (annotated or not)."""
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == name:
            return ast.literal_eval(value)
    raise ValueError(name)


@lru_cache(maxsize=8)
def declared_heads(script_location: Path | str | None = None) -> frozenset[str] | None:
    """The head revisions as the files in versions/ declare them, read without Alembic; None if unsure.

    Each file names its `revision` and `down_revision` (None, an id or a tuple of ids) as plain
    literals; a head is a revision no other one names as its parent. A file written any other way
    makes this None, and the caller asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (Path(script_location or SCRIPTS) / "versions").glob("*.py"):
        if path.name == "__init__.py" or path.name.startswith(".#"):  # what Alembic skips too
            continue
        try:
            module = ast.parse(path.read_text(encoding="utf-8"))
            revision, down = _literal(module, "revision"), _literal(module, "down_revision")
        except (OSError, SyntaxError, ValueError):
            return None
        downs = (down,) if isinstance(down, str) else down if isinstance(down, tuple) else ()
        if not isinstance(revision, str) or (down is not None and not downs) or \
                not all(isinstance(d, str) for d in downs):
            return None
        revisions.add(revision)
        parents.update(downs)
    return frozenset(revisions - parents) or None


def _legacy_problem(conn: Connection) -> str | None:
    """Why the tables here are not the release-before-migrations schema; None if they are."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    missing = sorted(set(LEGACY_TABLES) - present)
    if missing:
        return f"missing tables {', '.join(missing)}"
    for table, columns in LEGACY_TABLES.items():
        lacking = sorted(columns - {c["name"] for c in inspector.get_columns(table)})
        if lacking:
            return f"table {table} lacks columns {', '.join(lacking)}"
    return None


def _state(conn: Connection) -> tuple[str, tuple[str, ...]]:
    current = _current(conn)
    if current:
        return "versioned", current
    present = set(inspect(conn).get_table_names())
    return ("legacy" if present & set(LEGACY_TABLES) else "empty"), ()


def _adopt(conn: Connection, cfg: Config) -> None:
    from alembic import command

    problem = _legacy_problem(conn)
    if problem:
        raise SchemaUnrecognised(
            f"the database {_database(conn)} has some of paperbot's tables but not the schema of any paperbot "
            f"release ({problem}): refusing to change it; point paperbot at an empty database or restore a "
            f"backup")
    for name, (table, column) in LEGACY_INDEXES.items():
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
    cfg.attributes["connection"] = conn
    command.stamp(cfg, BASELINE)


def _upgrade_locked(conn: Connection, cfg: Config, script: ScriptDirectory) -> MigrationResult:
    state, before = _state(conn)  # again, under the lock: another process may have just migrated
    _refuse_unknown(script, before, _database(conn))
    adopted = state == "legacy"
    if adopted:
        _adopt(conn, cfg)
    pending = _pending(script, _current(conn))
    if pending:
        from alembic import command

        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    return MigrationResult(before, _current(conn), pending, adopted)


@contextlib.asynccontextmanager
async def migration_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside one transaction that holds the migration lock; committed when the block ends.

    On SQLite, foreign keys are off for the transaction (the documented way to change a schema: Alembic's
    batch mode copies a table and drops the old one, and with foreign keys on, that drop would cascade
    to every row referring to it) and checked before the commit.
    """
    backend = engine.dialect.name
    async with engine.connect() as conn:
        if backend == "sqlite":
            # The driver must not open transactions of its own: the one below spans every statement.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            try:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first()
                    if broken:
                        raise MigrationError(f"the migration left a row of {broken[0]} pointing at a missing "
                                             f"row of {broken[2]}: nothing was changed")
                except BaseException:
                    await conn.exec_driver_sql("ROLLBACK")
                    raise
                await conn.exec_driver_sql("COMMIT")
            finally:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            return
        if backend == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        else:
            await conn.begin()
        yield conn
        await conn.commit()


async def upgrade(engine: AsyncEngine, *, script_location: Path | str | None = None) -> MigrationResult:
    """Bring the database to the newest revision; see the module's docstring for what happens when."""
    async with engine.connect() as conn:
        current = await conn.run_sync(_current)
    if current and set(current) == declared_heads(script_location):
        return MigrationResult(current, current, ())
    script = scripts(script_location)
    _refuse_unknown(script, current, engine.url.render_as_string(hide_password=True))  # before waiting for a lock
    async with migration_connection(engine) as conn:
        return await conn.run_sync(_upgrade_locked, alembic_config(script_location), script)


async def status(engine: AsyncEngine, *, script_location: Path | str | None = None) -> SchemaStatus:
    """Where the database stands against this code's revisions; changes nothing."""
    script = scripts(script_location)
    heads = tuple(script.get_heads())
    async with engine.connect() as conn:
        state, current = await conn.run_sync(_state)
    if any(not _known(script, r) for r in current):
        return SchemaStatus("too new", current, heads, 0)
    pending = _pending(script, current or ((BASELINE,) if state == "legacy" else ()))
    return SchemaStatus(state, current, heads, len(pending))
