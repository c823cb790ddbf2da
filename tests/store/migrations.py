"""What the migration tests share: the last release frozen as data (tests/data/legacy-schema), a legacy
database built from it, its rows checked after an upgrade, alembic run on a database."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from store.db import migrate
from store.db.engine import make_engine
from store.db.models import Base

ROOT = Path(__file__).resolve().parent.parent.parent
LEGACY = Path(__file__).resolve().parent.parent / "data" / "legacy-schema"
ROWS: dict[str, list[dict[str, Any]]] = json.loads((LEGACY / "rows.json").read_text(encoding="utf-8"))
TZ = sa.DateTime(timezone=True)
# The release's column types where a driver needs them (dates, JSON); the other values are plain.
TYPES: dict[str, dict[str, sa.types.TypeEngine[Any]]] = {
    "documents": {"ingested_at": TZ}, "papers": {"added_at": TZ}, "digest_runs": {"claimed_at": TZ, "posted_at": TZ},
    "entries": {"authors": sa.JSON(), "topics": sa.JSON()},
}
SERIAL = ["documents", "papers", "people", "topics", "digest_runs", "entries", "digest_features"]
SKELETON_LACKED = ("ix_authorships_person_id", "ix_paper_topics_topic_id")  # the first versions' schema
FUTURE = "0999_from_a_newer_paperbot"


def backend(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def legacy_ddl(dialect: str, *, without: tuple[str, ...] = ()) -> list[str]:
    text = "\n".join(line for line in (LEGACY / f"{dialect}.sql").read_text(encoding="utf-8").splitlines()
                     if not line.startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip() and not any(f"INDEX {ix} " in s for ix in without)]


def table_of(name: str) -> sa.TableClause:
    types = TYPES.get(name, {})
    return sa.table(name, *(sa.column(c, types.get(c)) for c in ROWS[name][0]))


def python_rows(name: str) -> list[dict[str, Any]]:
    """The fixture's rows as Python values (ISO dates parsed)."""
    dates = {c for c, t in TYPES.get(name, {}).items() if isinstance(t, sa.DateTime)}
    return [{k: (datetime.fromisoformat(v) if k in dates and v is not None else v) for k, v in row.items()}
            for row in ROWS[name]]


def normal(value: Any) -> Any:
    """SQLite gives dates back without their zone (they were stored in UTC), PostgreSQL with it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value


def as_set(rows: list[dict[str, Any]]) -> set[str]:
    return {json.dumps({k: normal(v) for k, v in r.items()}, default=str, sort_keys=True) for r in rows}


def insert_rows(conn: Connection) -> None:
    for name in ROWS:  # in the order of their foreign keys
        conn.execute(sa.insert(table_of(name)), python_rows(name))
    if conn.dialect.name == "postgresql":  # as a real database's sequences would be
        for name in SERIAL:
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")


def assert_rows_kept(conn: Connection) -> None:
    inspector = sa.inspect(conn)
    for name in ROWS:
        present = {c["name"] for c in inspector.get_columns(name)}
        columns = [c for c in ROWS[name][0] if c in present]  # a revision may drop a column on purpose
        table = table_of(name)
        got = [dict(r) for r in conn.execute(sa.select(*(table.c[c] for c in columns))).mappings()]
        want = [{c: r[c] for c in columns} for r in python_rows(name)]
        assert len(got) == len(want), name
        assert as_set(got) == as_set(want), name


async def build_legacy(url: str, *, without: tuple[str, ...] = ()) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in legacy_ddl(backend(url), without=without):
                await conn.exec_driver_sql(statement)
            await conn.run_sync(insert_rows)
    finally:
        await engine.dispose()


async def on(url: str, work, *args: Any) -> Any:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.run_sync(work, *args)
            await conn.commit()
            return result
    finally:
        await engine.dispose()


def versions(conn: Connection) -> list[str]:
    return sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


def schema_of(conn: Connection) -> dict[str, Any]:
    """Every table's columns (type, nullability, default), constraints and indexes, with their names."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                    "WHERE tbl_name <> 'alembic_version' ORDER BY name").all()
        return {"sqlite_master": [tuple(r) for r in rows]}
    return schema_of_in(conn, "public")


def alembic_to(conn: Connection, revision: str, direction: str = "upgrade",
               script_location: Path | None = None) -> None:
    from alembic import command

    cfg = migrate.alembic_config(script_location)
    cfg.attributes["connection"] = conn
    getattr(command, direction)(cfg, revision)


async def run_alembic(url: str, revision: str, direction: str = "upgrade") -> None:
    engine = make_engine(url)
    try:
        async with migrate.migration_connection(engine) as conn:
            await conn.run_sync(alembic_to, revision, direction)
    finally:
        await engine.dispose()


def heads() -> list[str]:
    return sorted(migrate.scripts().get_heads())


def schema_of_in(conn: Connection, schema: str) -> dict[str, Any]:
    """schema_of for one PostgreSQL schema, with the schema's name taken out of the definitions."""
    snapshot = {}
    for key, query in {
        "columns": "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
                   "replace(column_default, '{s}.', '') FROM information_schema.columns WHERE table_schema = "
                   "'{s}' AND table_name <> 'alembic_version' ORDER BY table_name, ordinal_position",
        "constraints": "SELECT rel.relname, con.conname, con.contype, replace(pg_get_constraintdef(con.oid), "
                       "'{s}.', '') FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid "
                       "JOIN pg_namespace ns ON ns.oid = rel.relnamespace WHERE ns.nspname = '{s}' "
                       "AND rel.relname <> 'alembic_version' ORDER BY 1, 2",
        "indexes": "SELECT tablename, indexname, replace(indexdef, '{s}.', '') FROM pg_indexes "
                   "WHERE schemaname = '{s}' AND tablename <> 'alembic_version' ORDER BY 1, 2",
        "sequences": "SELECT sequence_name, data_type FROM information_schema.sequences "
                     "WHERE sequence_schema = '{s}' ORDER BY 1",
    }.items():
        snapshot[key] = [tuple(r) for r in conn.exec_driver_sql(query.format(s=schema)).all()]
    return snapshot


def walk() -> list[Any]:
    """The revisions from the baseline to head, in order; the history must stay one line."""
    script = migrate.scripts()
    assert len(script.get_heads()) == 1, (
        f"several newest revisions {script.get_heads()}: put your revision on top of the newest one "
        f"(down_revision) so the history stays one line")
    return list(reversed(list(script.walk_revisions())))


def differences(conn: Connection) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(context, Base.metadata)


def copy_scripts(where: Path) -> Path:
    target = where / "migrations"
    shutil.copytree(migrate.SCRIPTS, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
