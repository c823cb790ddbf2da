"""Faults during ingestion leave the previous corpus fully served and the database consistent."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from store.library import BUNDLED_SEEDS, Library
from store.models import Entry, Paper

ROOT = Path(__file__).resolve().parent.parent


def write_arxiv(path: Path, n: int, tag: str) -> None:
    """n arXiv-shaped records, each a distinct paper."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({
                "id": f"{2000 + i // 10000}.{i % 10000:05d}",
                "title": f"Synthetic {tag} study number {i} of sparse attention",
                "authors": f"Ada Lovelace{i % 97}, Alan Turing{i % 89} and Grace Hopper",
                "abstract": f"We study sparse attention variant {i} on {tag} benchmarks and report results.",
                "categories": "cs.LG stat.ML",
            }) + "\n")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(BUNDLED_SEEDS, folder)
    return folder


async def snapshot(url: str, corpus: Path) -> tuple[set[str], int]:
    lib = Library(url, corpus)
    try:
        await lib.start(ingest_if_empty=False)
        async with lib.session() as s:
            entries = await s.scalar(select(func.count()).select_from(Entry)) or 0
            papers = await s.scalar(select(func.count()).select_from(Paper)) or 0
        assert papers == len(lib.index)
        return {p.title for p in lib.catalog}, entries
    finally:
        await lib.close()


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
        # Kill it once it is writing: on SQLite the write-ahead log grows; on PostgreSQL give it time.
        wal = Path(database_url.split("///", 1)[-1] + "-wal") if database_url.startswith("sqlite") else None
        base = wal.stat().st_size if wal and wal.exists() else 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if wal is None:
                await asyncio.sleep(3.0)
                break
            if wal.exists() and wal.stat().st_size > base + 256 * 1024:
                break
            await asyncio.sleep(0.02)
        assert proc.poll() is None, "the ingest finished before it could be killed: " + proc.stderr.read().decode()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    assert await snapshot(database_url, corpus) == before  # nothing half-written survives
    if database_url.startswith("sqlite"):
        lib = Library(database_url, corpus)
        async with lib.session() as s:
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

    import store.sync as sync

    async def explode(*_a: object, **_k: object) -> None:
        raise RuntimeError("database went away half-way")

    monkeypatch.setattr(sync, "_prune_unreferenced", explode)
    with pytest.raises(RuntimeError):
        await lib.reload()
    assert {p.title for p in lib.catalog} == before  # still served from the old index
    monkeypatch.undo()
    await lib.refresh()
    assert {p.title for p in lib.catalog} == before  # and the database was rolled back
    await lib.close()
