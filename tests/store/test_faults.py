"""Faults during ingestion leave the previous corpus fully served and the database consistent."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from store.db.models import Entry, Paper
from store.library import BUNDLED_SEEDS, Library
from tests.corpora import write_arxiv

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(BUNDLED_SEEDS, folder)
    return folder


async def snapshot(url: str, corpus: Path) -> tuple[set[str], int]:
    lib = Library(url, corpus)
    try:
        await lib.start(ingest_if_empty=False)
        async with lib.sessionmaker() as s:
            entries = await s.scalar(select(func.count()).select_from(Entry)) or 0
            papers = await s.scalar(select(func.count()).select_from(Paper)) or 0
        assert papers == len(lib.index)
        return {p.title for p in lib.catalog}, entries
    finally:
        await lib.close()


async def wait_for_sqlite_writes(proc: subprocess.Popen, wal: Path, timeout: float = 60) -> bool:
    """Until the write-ahead log has grown by 256 KiB: the ingest's transaction is writing rows."""
    base = wal.stat().st_size if wal.exists() else 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > base + 256 * 1024:
            return True
        await asyncio.sleep(0.02)
    return False


async def wait_for_postgres_writes(proc: subprocess.Popen, url: str, timeout: float = 60) -> bool:
    """Until another session on the database is inside a transaction that has written (backend_xid set),
    the same transaction on two looks in a row: a long write, not a short bookkeeping commit."""
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        deadline = time.monotonic() + timeout
        seen: set[tuple[int, str]] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            rows = await conn.fetch(
                "SELECT pid, backend_xid::text AS xid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")
            now = {(r["pid"], r["xid"]) for r in rows}
            if now & seen:
                return True
            seen = now
            await asyncio.sleep(0.05)
        return False
    finally:
        await conn.close()


async def test_sigkill_in_the_middle_of_an_ingest_keeps_the_previous_corpus(database_url: str, corpus: Path,
                                                                            tmp_path: Path) -> None:
    lib = Library(database_url, corpus)
    await lib.start()
    await lib.close()
    before = await snapshot(database_url, corpus)
    assert before[0]

    write_arxiv(corpus / "bulk.jsonl", 60_000, "killed")
    env = {**os.environ, "DATABASE_URL": database_url, "HOME": str(tmp_path)}
    env.pop("DISCORD_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ingest", str(corpus)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Kill it once it is writing, as observed from outside: on SQLite the write-ahead log grows; on
        # PostgreSQL another backend of this database holds a transaction id (it has written a row).
        if database_url.startswith("sqlite"):
            writing = await wait_for_sqlite_writes(proc, Path(database_url.split("///", 1)[-1] + "-wal"))
        else:
            writing = await wait_for_postgres_writes(proc, database_url)
        assert proc.poll() is None, "the ingest finished before it could be killed: " + proc.stderr.read().decode()
        assert writing, "no write was seen in 60 s: killing now would not test a half-done write"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    assert await snapshot(database_url, corpus) == before  # nothing half-written survives
    if database_url.startswith("sqlite"):
        lib = Library(database_url, corpus)
        async with lib.sessionmaker() as s:
            assert (await s.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
            assert not (await s.execute(text("PRAGMA foreign_key_check"))).all()
        await lib.close()

    # ...and the next ingest completes the job.
    lib = Library(database_url, corpus)
    await lib.start(ingest_if_empty=False)
    report = await lib.reload()
    assert next(f for f in report.files if f.source == "bulk.jsonl").added == 60_000
    assert len(lib.index) == len(before[0]) + 60_000
    await lib.close()


async def test_a_failing_transaction_rolls_back_everything(database_url: str, corpus: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    lib = Library(database_url, corpus)
    await lib.start()
    before = {p.title for p in lib.catalog}
    (corpus / "new.md").write_text("---\ntitle: Never Stored\nauthors: Ada Lovelace\n---\nText.\n", "utf-8")
    (corpus / BUNDLED_SEEDS.joinpath(sorted(os.listdir(BUNDLED_SEEDS))[0]).name).unlink()

    import store.corpus.sync as sync

    async def explode(*_a: object, **_k: object) -> None:
        raise RuntimeError("database went away half-way")

    monkeypatch.setattr(sync, "prune_unreferenced", explode)
    with pytest.raises(RuntimeError):
        await lib.reload()
    assert {p.title for p in lib.catalog} == before  # still served from the old index
    monkeypatch.undo()
    await lib.live.refresh()
    assert {p.title for p in lib.catalog} == before  # and the database was rolled back
    await lib.close()
