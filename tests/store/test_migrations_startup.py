"""Migrations as a deployment meets them: a database newer than the code, the db commands, processes
upgrading at once or twice in a row, and what later revisions will rely on (a table rebuilt, a revision that
fails)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.db import migrate
from store.db.engine import make_engine
from store.db.migrate import BASELINE, SchemaTooNew
from store.library import Library
from tests.store.migrations import (
    FUTURE,
    assert_rows_kept,
    build_legacy,
    copy_scripts,
    differences,
    heads,
    on,
    schema_of,
    versions,
    walk,
)

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
