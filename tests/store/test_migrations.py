"""Schema migrations: a group's database survives every upgrade, on SQLite and PostgreSQL.

The last release without migrations is frozen as data (tests/data/legacy-schema): the DDL its create_all
emitted on each backend, and the rows of a real ingest of the seeds with a posted digest, a live claim,
two servers' schedules and the settings. Nothing here builds a legacy database from today's models, which
will change; the baseline revision must equal that frozen schema, and the newest revision must equal the
models (autogenerate finds no difference), so a model change without a migration fails here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from store.db import migrate
from store.db.engine import make_engine
from store.db.migrate import BASELINE, SchemaTooNew, SchemaUnrecognised
from store.db.models import Base
from store.digest import plan as d
from store.library import Library
from store.servers import settings as servers

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


# --- the baseline is the last release's schema ---


async def test_the_baseline_revision_builds_exactly_the_schema_of_the_last_release(database_url: str,
                                                                                    tmp_path: Path) -> None:
    await run_alembic(database_url, BASELINE)
    if backend(database_url) == "sqlite":
        migrated = await on(database_url, schema_of)
        legacy_url = f"sqlite+aiosqlite:///{tmp_path / 'legacy.sqlite3'}"
        await build_legacy(legacy_url)
        legacy = await on(legacy_url, schema_of)
    else:  # the release's DDL in a second schema of the same database
        def legacy_schema(conn: Connection) -> dict[str, Any]:
            conn.exec_driver_sql("CREATE SCHEMA legacy")
            conn.exec_driver_sql("SET search_path TO legacy")
            for statement in legacy_ddl("postgresql"):
                conn.exec_driver_sql(statement)
            snapshot = schema_of_in(conn, "legacy")
            conn.exec_driver_sql("SET search_path TO public")
            conn.exec_driver_sql("DROP SCHEMA legacy CASCADE")
            return snapshot

        legacy = await on(database_url, legacy_schema)
        migrated = await on(database_url, schema_of_in, "public")
    assert migrated == legacy
    assert sum(len(v) for v in migrated.values()) >= 29  # every table, constraint and index was compared


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


def test_the_recognised_legacy_tables_and_indexes_are_the_baselines() -> None:
    """migrate's frozen description of the release equals the frozen DDL (both must never follow the models)."""
    ddl = legacy_ddl("sqlite")
    tables = {s.split()[2]: s for s in ddl if s.startswith("CREATE TABLE")}
    assert set(tables) == set(migrate.LEGACY_TABLES)
    for name, columns in migrate.LEGACY_TABLES.items():
        lines = [line.strip().split()[0].strip('"') for line in tables[name].splitlines()[1:-1]]
        assert columns == {w for w in lines if w not in {"PRIMARY", "UNIQUE", "CONSTRAINT", "FOREIGN"}}, name
    indexes = {s.split()[2]: (s.split()[4], s.split("(")[1].rstrip(")")) for s in ddl if s.startswith("CREATE INDEX")}
    assert indexes == migrate.LEGACY_INDEXES
    assert set(ROWS) == set(migrate.LEGACY_TABLES) and all(ROWS.values())


# --- a database from the last release is adopted, not recreated ---


@pytest.mark.parametrize("without", [(), SKELETON_LACKED], ids=["release", "first-versions"])
async def test_a_database_from_the_last_release_is_upgraded_keeping_every_row(database_url: str, tmp_path: Path,
                                                                            without: tuple[str, ...]) -> None:
    await build_legacy(database_url, without=without)
    library = Library(database_url, tmp_path / "no-corpus")
    try:
        report = await library.start()
        assert report is None  # not taken for an empty database: nothing ingested
        assert library.migration is not None and library.migration.adopted
        assert list(library.migration.after) == heads() and library.migration.before == ()

        assert await on(database_url, versions) == heads()
        await on(database_url, assert_rows_kept)
        indexes = await on(database_url, lambda c: {ix["name"] for t in migrate.LEGACY_TABLES
                                                    for ix in sa.inspect(c).get_indexes(t)})
        assert set(migrate.LEGACY_INDEXES) <= indexes  # what the first versions lacked was added

        found = await library.paper("lottery ticket", 3)
        assert found.hits[0].paper.title.startswith("The Lottery Ticket Hypothesis")
        assert found.hits[0].paper.authors == ("Jonathan Frankle", "Michael Carbin")
        assert len(library.catalog) == len(ROWS["papers"])
        default = servers.Schedule(None, 0, 9, 0, "UTC")
        async with library.session() as s:
            assert await servers.guild_schedule(s, 1100000000000000001, default) == servers.Schedule(
                1200000000000000002, 3, 18, 30, "Europe/Berlin")
            assert await d.is_posted(s, 1100000000000000001, "2026-W48")
            assert not await d.is_posted(s, 1100000000000000003, "2026-W49")  # the live claim stays a claim
            cycle, featured, last = await d.history(s, 1100000000000000001)
        assert (cycle, featured) == (1, {f["paper_id"] for f in ROWS["digest_features"]})
        assert normal(last) == datetime(2026, 11, 23, 9, 0, 3)

        mine = tmp_path / "mine"
        mine.mkdir()
        (mine / "new.md").write_text("---\ntitle: A Paper Added After The Upgrade\nauthors: Ada Lovelace\n---\n"
                                     "Written after the upgrade.\n", encoding="utf-8")
        added = await library.reload([mine])
        assert added.added == 1 and len(library.catalog) == len(ROWS["papers"]) + 1
    finally:
        await library.close()


async def test_a_database_with_only_some_of_paperbots_tables_is_refused_unchanged(database_url: str) -> None:
    statements = [s for s in legacy_ddl(backend(database_url)) if s.startswith("CREATE TABLE papers ")
                  or " ON papers " in s]
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
        with pytest.raises(SchemaUnrecognised) as refused:
            await migrate.upgrade(engine)
        message = str(refused.value)
        assert "\n" not in message and "missing tables" in message and "documents" in message
        tables = await on(database_url, lambda c: set(sa.inspect(c).get_table_names()))
        assert tables == {"papers"}  # no alembic_version, nothing created
    finally:
        await engine.dispose()


async def test_a_database_holding_only_other_tables_gets_paperbots_beside_them(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY, note TEXT)")
            await conn.exec_driver_sql("INSERT INTO someone_elses (id, note) VALUES (1, 'keep me')")
        result = await migrate.upgrade(engine)
        assert not result.adopted and list(result.applied) == [s.revision for s in walk()]
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("SELECT note FROM someone_elses")).scalar() == "keep me"
    finally:
        await engine.dispose()


# --- every revision in turn ---


def walk() -> list[Any]:
    """The revisions from the baseline to head, in order; the history must stay one line."""
    script = migrate.scripts()
    assert len(script.get_heads()) == 1, (
        f"several newest revisions {script.get_heads()}: put your revision on top of the newest one "
        f"(down_revision) so the history stays one line")
    return list(reversed(list(script.walk_revisions())))


async def test_every_revision_in_turn_keeps_the_rows_of_the_baseline(database_url: str) -> None:
    revisions = walk()
    assert revisions[0].revision == BASELINE and revisions[0].down_revision is None
    await run_alembic(database_url, BASELINE)
    await on(database_url, insert_rows)
    for previous, revision in itertools.pairwise(revisions):
        assert revision.down_revision == previous.revision
        await run_alembic(database_url, revision.revision)
        assert await on(database_url, versions) == [revision.revision]
        await on(database_url, assert_rows_kept)
        # and back, and up again: a revision's downgrade works and loses none of the baseline's rows
        await run_alembic(database_url, previous.revision, "downgrade")
        assert await on(database_url, versions) == [previous.revision]
        await on(database_url, assert_rows_kept)
        await run_alembic(database_url, revision.revision)
    assert await on(database_url, versions) == heads()
    await on(database_url, assert_rows_kept)


# --- the newest revision is the models ---


def differences(conn: Connection) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(context, Base.metadata)


async def test_the_newest_revision_and_the_models_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    found = await on(database_url, differences)
    assert found == [], ("the models and the migrations differ: add a revision (README, \"Changing the "
                         f"schema\"): {found}")


async def test_a_model_change_without_a_revision_is_noticed(database_url: str) -> None:
    """The check above can fail: a column the models have and no revision made is a difference."""
    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE papers ADD COLUMN stray_note TEXT")
            await conn.exec_driver_sql("DROP INDEX ix_papers_added_at")
    finally:
        await engine.dispose()
    found = await on(database_url, differences)
    ops = [op for op in found if isinstance(op, tuple)]
    assert any(op[0] == "remove_column" and op[2] == "papers" and op[3].name == "stray_note" for op in ops), found
    assert any(op[0] == "add_index" and op[1].name == "ix_papers_added_at" for op in ops), found


def test_the_revision_files_declare_the_heads_alembic_reads(tmp_path: Path) -> None:
    assert migrate.declared_heads() == frozenset(heads())
    scratch = copy_scripts(tmp_path)
    versions_dir = scratch / "versions"
    head = heads()[0]
    (versions_dir / "9002_a.py").write_text(f'revision: str = "9002_a"\ndown_revision = "{head}"\n')
    (versions_dir / "9003_b.py").write_text(f'revision = "9003_b"\ndown_revision = "{head}"\n')
    assert migrate.declared_heads(scratch) == {"9002_a", "9003_b"}
    merged = copy_scripts(tmp_path / "merged")  # read once per process and place: a new place
    for name in ("9002_a.py", "9003_b.py"):
        shutil.copy(versions_dir / name, merged / "versions" / name)
    (merged / "versions" / "9004_merge.py").write_text(
        'revision = "9004_merge"\ndown_revision = ("9002_a", "9003_b")\n')
    assert migrate.declared_heads(merged) == {"9004_merge"}
    assert migrate.declared_heads(merged) == frozenset(migrate.scripts(merged).get_heads())
    odd = copy_scripts(tmp_path / "odd")
    (odd / "versions" / "9002_odd.py").write_text(f'revision = "9002_" + "odd"\ndown_revision = "{head}"\n')
    assert migrate.declared_heads(odd) is None  # not a plain literal: Alembic is asked instead


# --- a database newer than the code ---


async def stamp_future(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        await engine.dispose()


def cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=tmp_path,
                          env=environ, timeout=120)


async def test_a_database_newer_than_the_code_stops_start_up_with_one_line(database_url: str, tmp_path: Path) -> None:
    await stamp_future(database_url)
    before = await on(database_url, schema_of)
    library = Library(database_url, tmp_path / "no-corpus")
    try:
        with pytest.raises(SchemaTooNew) as stopped:
            await library.start()
    finally:
        await library.close()
    message = str(stopped.value)
    assert "\n" not in message and FUTURE in message and "upgrade paperbot" in message
    assert heads()[0] in message
    assert await on(database_url, versions) == [FUTURE] and await on(database_url, schema_of) == before

    for args in (["papers", "--db", database_url], ["--db", database_url, "db", "upgrade"],
                 ["db", "current", "--db", database_url]):
        out = await asyncio.to_thread(cli, tmp_path, *args)
        assert out.returncode == 1, (args, out.stderr)
        assert "Traceback" not in out.stderr
        if args[0] == "db" and args[1] == "current":
            assert f"current:  {FUTURE}" in out.stdout and "newer than this paperbot" in out.stdout
            continue
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("paperbot: the database "), out.stderr
        assert FUTURE in out.stderr and not out.stdout
    # the Discord bot stops the same way, before connecting anywhere
    bot = await asyncio.to_thread(cli, tmp_path, "run", "--db", database_url, env={"DISCORD_TOKEN": "x" * 60})
    assert bot.returncode == 1 and "Traceback" not in bot.stderr
    last = bot.stderr.strip().splitlines()[-1]
    assert last.startswith("paperbot: the database ") and FUTURE in last


# --- the db commands ---


async def test_db_current_and_db_upgrade_from_empty_legacy_and_head(database_url: str, tmp_path: Path) -> None:
    out = await asyncio.to_thread(cli, tmp_path, "db", "current", "--db", database_url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    n = len(walk())
    assert lines[1:] == ["current:  none (an empty database)", f"head:     {heads()[0]}",
                         f"{n} revision{'s' if n != 1 else ''} behind: run `paperbot db upgrade`"]
    await build_legacy(database_url)
    out = await asyncio.to_thread(cli, tmp_path, "--db", database_url, "db", "current")
    assert out.returncode == 0 and f"made before versioned migrations: {BASELINE}" in out.stdout
    assert "will record it as 0001_baseline" in out.stdout
    assert await on(database_url, lambda c: sa.inspect(c).has_table("alembic_version")) is False  # read only
    out = await asyncio.to_thread(cli, tmp_path, "db", "--db", database_url, "upgrade")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"recognised a database from before versioned migrations as {BASELINE}")
    out = await asyncio.to_thread(cli, tmp_path, "db", "upgrade", "--db", database_url)
    assert out.stdout.strip() == f"the database schema is up to date (revision {heads()[0]})"
    out = await asyncio.to_thread(cli, tmp_path, "db", "current", "--db", database_url)
    assert out.stdout.splitlines()[1:] == [f"current:  {heads()[0]}", f"head:     {heads()[0]}", "up to date"]
    await on(database_url, assert_rows_kept)


# --- two processes at once; twice in a row ---


async def test_two_upgrades_at_once_on_an_empty_database_migrate_once(database_url: str) -> None:
    holder, first, second = make_engine(database_url), make_engine(database_url), make_engine(database_url)
    try:
        async with migrate.migration_connection(holder):  # hold the lock while both start
            racers = [asyncio.create_task(migrate.upgrade(e)) for e in (first, second)]
            await asyncio.sleep(0.5)
            assert not any(t.done() for t in racers)  # both wait for the lock
        results = await asyncio.wait_for(asyncio.gather(*racers), 60)
    finally:
        for engine in (holder, first, second):
            await engine.dispose()
    assert sorted(len(r.applied) for r in results) == [0, len(walk())]
    assert await on(database_url, versions) == heads()
    assert await on(database_url, differences) == []


async def test_two_processes_starting_together_migrate_once(database_url: str, tmp_path: Path) -> None:
    environ = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    environ.pop("DATABASE_URL", None)
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade", "--db", database_url], cwd=tmp_path,
                              env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [await asyncio.to_thread(p.communicate, timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    said = sorted(out.strip() for out, _ in outs)
    assert said[0].startswith("created the database schema at revision ")
    assert said[1] == f"the database schema is up to date (revision {heads()[0]})"
    assert await on(database_url, versions) == heads()
    assert await on(database_url, differences) == []


async def test_starting_twice_changes_nothing_and_at_head_takes_no_lock(database_url: str, tmp_path: Path) -> None:
    await build_legacy(database_url)
    for _ in range(2):
        library = Library(database_url, tmp_path / "no-corpus")
        try:
            await library.start()
        finally:
            await library.close()
        assert library.migration is not None
        snapshot = await on(database_url, schema_of)
        if library.migration.changed:
            first = snapshot
    assert not library.migration.changed and library.migration.before == library.migration.after
    assert snapshot == first
    assert await on(database_url, versions) == heads()
    await on(database_url, assert_rows_kept)
    holder, other = make_engine(database_url), make_engine(database_url)
    try:
        async with migrate.migration_connection(holder):  # another process migrating, or a long write
            result = await asyncio.wait_for(migrate.upgrade(other), 10)
        assert not result.changed
    finally:
        await holder.dispose()
        await other.dispose()


# --- what later revisions will rely on ---


def copy_scripts(where: Path) -> Path:
    target = where / "migrations"
    shutil.copytree(migrate.SCRIPTS, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


REBUILD_PAPERS = '''
import sqlalchemy as sa
from alembic import op

revision = "0002_test_rebuild_papers"
down_revision = "{head}"


def upgrade() -> None:
    # SQLite: copy the table and drop the old one, as any ALTER SQLite cannot do in place
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("papers", recreate=recreate) as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
    {then}


def downgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("note")
'''


async def test_a_revision_that_rebuilds_a_table_keeps_the_rows_that_refer_to_it(database_url: str,
                                                                                tmp_path: Path) -> None:
    """SQLite's table copy drops the old table: with foreign keys on, that would delete every entry."""
    scratch = copy_scripts(tmp_path)
    (scratch / "versions" / "0002_test_rebuild_papers.py").write_text(REBUILD_PAPERS.format(head=heads()[0],
                                                                                            then="pass"))
    await build_legacy(database_url)
    engine = make_engine(database_url)
    try:
        result = await migrate.upgrade(engine, script_location=scratch)
        assert result.adopted and result.applied[-1] == "0002_test_rebuild_papers"
    finally:
        await engine.dispose()
    await on(database_url, assert_rows_kept)
    columns = await on(database_url, lambda c: [col["name"] for col in sa.inspect(c).get_columns("papers")])
    assert columns[-1] == "note"
    fks = await on(database_url, lambda c: c.exec_driver_sql("PRAGMA foreign_keys").scalar()
                   if c.dialect.name == "sqlite" else 1)
    assert fks == 1  # and foreign keys are on again for the application


async def test_a_failing_revision_leaves_the_database_as_it_was(database_url: str, tmp_path: Path) -> None:
    scratch = copy_scripts(tmp_path)
    (scratch / "versions" / "0002_test_rebuild_papers.py").write_text(REBUILD_PAPERS.format(
        head=heads()[0], then='raise RuntimeError("half way")'))
    await build_legacy(database_url)
    before = await on(database_url, schema_of)
    engine = make_engine(database_url)
    try:
        with pytest.raises(RuntimeError, match="half way"):
            await migrate.upgrade(engine, script_location=scratch)
    finally:
        await engine.dispose()
    assert await on(database_url, schema_of) == before
    # not even the adoption's stamp: it was one transaction
    assert await on(database_url, lambda c: sa.inspect(c).has_table("alembic_version")) is False
    await on(database_url, assert_rows_kept)


def test_db_commands_default_to_the_per_user_database(tmp_path: Path) -> None:
    out = cli(tmp_path, "db", "upgrade")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("created the database schema at revision ")
    path = tmp_path / "data" / "paperbot" / "paperbot.sqlite3"
    assert path.is_file()
    out = cli(tmp_path, "db", "current")
    assert out.stdout.splitlines()[0] == f"database: sqlite+aiosqlite:///{path}"
    assert out.stdout.splitlines()[-1] == "up to date"


# --- 0006: the stored links mended ---

LINK_TABLES = ("papers", "entries", "contribution_edits", "rg_proposals")
# (as stored before 0006, as stored after): mended where the link can be mended, NULL where it cannot
STORED_LINKS = [("javascript:alert(1)", None),
                ("arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
                ("www.example.com/x y", None),
                ("https://arxiv.org/abs/1512.03385", "https://arxiv.org/abs/1512.03385"),
                (None, None),
                ("<HTTPS://Doi.org/10.1145/3065386>.", "https://doi.org/10.1145/3065386"),
                ("https://münchen.de/Straße", "https://xn--mnchen-3ya.de/Stra%C3%9Fe"),
                ("", None)]


def web_links_revision() -> Any:
    return migrate.scripts().get_revision("0006_web_links").module


def insert_links(conn: Connection) -> None:
    """One row per stored link in each table with a link column, with the parents their foreign keys need."""
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    later = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
    t = {name: sa.table(name, *(sa.column(c, TZ if c.endswith("_at") else sa.JSON() if c in {"authors", "topics"}
                                          else None) for c in columns))
         for name, columns in {
             "documents": ("id", "name", "root", "sha256", "ingested_at"),
             "papers": ("id", "key", "title", "link", "added_at"),
             "entries": ("id", "document_id", "paper_id", "line", "title", "authors", "topics", "link", "summary"),
             "contributions": ("id", "entry_id", "writer_id", "tldr", "created_at"),
             "contribution_edits": ("id", "contribution_id", "editor_id", "edited_at", "title", "link", "tldr",
                                    "summary", "topics"),
             "rg_proposals": ("id", "guild_id", "paper_key", "title", "link", "proposer_id", "created_at",
                              "expires_at", "status")}.items()}
    conn.execute(sa.insert(t["documents"]), [{"id": 1, "name": "discord:7", "root": "discord:", "sha256": "",
                                              "ingested_at": now}])
    for i, (link, _) in enumerate(STORED_LINKS, 1):
        conn.execute(sa.insert(t["papers"]), [{"id": i, "key": f"paper {i}", "title": f"Paper {i}", "link": link,
                                               "added_at": now}])
        conn.execute(sa.insert(t["entries"]), [{"id": i, "document_id": 1, "paper_id": i, "line": 1,
                                                "title": f"Paper {i}", "authors": [], "topics": [], "link": link,
                                                "summary": "s"}])
        conn.execute(sa.insert(t["contributions"]), [{"id": i, "entry_id": i, "writer_id": 7, "tldr": "t",
                                                      "created_at": now}])
        conn.execute(sa.insert(t["contribution_edits"]), [{"id": i, "contribution_id": i, "editor_id": 7,
                                                           "edited_at": now, "title": f"Paper {i}", "link": link,
                                                           "tldr": "t", "summary": "s", "topics": []}])
        conn.execute(sa.insert(t["rg_proposals"]), [{"id": i, "guild_id": 1, "paper_key": f"paper {i}",
                                                     "title": f"Paper {i}", "link": link, "proposer_id": 7,
                                                     "created_at": now, "expires_at": later, "status": "open"}])


def links_by_table(conn: Connection) -> dict[str, list[str | None]]:
    return {name: list(conn.execute(sa.text(f"SELECT link FROM {name} ORDER BY id")).scalars())
            for name in LINK_TABLES}


async def test_0006_mends_every_stored_link_or_sets_it_null(database_url: str) -> None:
    await run_alembic(database_url, "0005_corpus_changes")
    await on(database_url, insert_links)
    before = [link for link, _ in STORED_LINKS]
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, before)
    await run_alembic(database_url, "0006_web_links")
    after = [mended for _, mended in STORED_LINKS]
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, after)
    # down keeps the mended links (valid for the older code too), and up again changes nothing
    await run_alembic(database_url, "0005_corpus_changes", "downgrade")
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, after)
    await run_alembic(database_url, "0006_web_links")
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, after)
    titles = await on(database_url, lambda c: list(c.exec_driver_sql("SELECT title FROM papers ORDER BY id").scalars()))
    assert titles == [f"Paper {i}" for i in range(1, len(STORED_LINKS) + 1)]  # every paper stays


def test_0006_reads_the_rows_a_batch_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = web_links_revision()
    monkeypatch.setattr(module, "_BATCH", 3)  # 8 rows: batches of 3, 3 and 2
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        insert_links(conn)
        statements: list[str] = []
        sa.event.listen(conn, "before_cursor_execute", lambda *a: statements.append(a[2]))
        module._mend(conn, "papers")
        selects = sum(s.startswith("SELECT") for s in statements)
        assert links_by_table(conn)["papers"] == [mended for _, mended in STORED_LINKS]
    engine.dispose()
    assert selects == 4  # three batches, and the empty one that ends it


def test_0006s_frozen_rule_keeps_the_links_that_store_links_keeps() -> None:
    """The revision carries its own copy of the rule; at this revision both give every link the same answer.
    If store.text.links changes its rules, links stored under the old ones need a new revision, not an edit here."""
    from tests.ingest.test_links import KEPT, REFUSED

    frozen = web_links_revision().web_link
    assert [frozen(written) for written, _ in KEPT] == [stored for _, stored in KEPT]
    assert [frozen(written) for written, _ in REFUSED] == [None] * len(REFUSED)
