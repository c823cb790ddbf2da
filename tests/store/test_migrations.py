"""Schema migrations: a group's database survives every upgrade, on SQLite and PostgreSQL.

The last release without migrations is frozen as data (tests/data/legacy-schema): the DDL its create_all
emitted on each backend, and the rows of a real ingest of the seeds with a posted digest, a live claim,
two servers' schedules and the settings. Nothing here builds a legacy database from today's models, which
will change; the baseline revision must equal that frozen schema, and the newest revision must equal the
models (autogenerate finds no difference), so a model change without a migration fails here.
"""

from __future__ import annotations

import itertools
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from store.db import migrate
from store.db.engine import make_engine
from store.db.migrate import BASELINE, SchemaUnrecognised
from store.digest import plan as d
from store.library import Library
from store.servers import settings as servers
from tests.store.migrations import (
    ROWS,
    SKELETON_LACKED,
    assert_rows_kept,
    backend,
    build_legacy,
    copy_scripts,
    differences,
    heads,
    insert_rows,
    legacy_ddl,
    normal,
    on,
    run_alembic,
    schema_of,
    schema_of_in,
    versions,
    walk,
)

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
        # What the first versions lacked was added; revision 0011 then dropped two no query needs.
        dropped = {"ix_entries_document_id", "ix_papers_added_at"}
        assert set(migrate.LEGACY_INDEXES) - dropped <= indexes and not dropped & indexes

        found = await library.search.paper("lottery ticket", 3)
        assert found.hits[0].paper.title.startswith("The Lottery Ticket Hypothesis")
        assert found.hits[0].paper.authors == ("Jonathan Frankle", "Michael Carbin")
        assert len(library.catalog) == len(ROWS["papers"])
        default = servers.Schedule(None, 0, 9, 0, "UTC")
        async with library.sessionmaker() as s:
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
            await conn.exec_driver_sql("DROP INDEX ix_entries_paper_id")
    finally:
        await engine.dispose()
    found = await on(database_url, differences)
    ops = [op for op in found if isinstance(op, tuple)]
    assert any(op[0] == "remove_column" and op[2] == "papers" and op[3].name == "stray_note" for op in ops), found
    assert any(op[0] == "add_index" and op[1].name == "ix_entries_paper_id" for op in ops), found


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
