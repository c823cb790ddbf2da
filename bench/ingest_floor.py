"""Where an ingest's time goes on the database side, and the database's own floor for the same rows.

    .venv/bin/python -m bench.run --phase prepare FOLDER 100000 1000   # a prepared bench folder
    .venv/bin/python -m bench.ingest_floor FOLDER                        # its database is made again

Two figures for issue 27's ingest goal. First the bot's ingest of FOLDER/corpus into a new SQLite file,
every statement SQLite runs timed on its own thread, grouped by statement: what the database itself
spends, against the ingest's wall time. Then the floor: the rows that ingest stored (papers, entries,
authorships, topics) written again into an empty database with the same schema, foreign keys and
page cache, by the same driver call (one executemany a table for each batch of 2,000 papers, in the
import's order) from rows already in memory, then committed: no parsing, no look-ups, no Python per
row. An ingest can be no faster than its floor; what it spends beyond is the import's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import contextlib
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiosqlite.core

from bench.phases import library
from store.corpus.bulk import IMPORT_CACHE_KIB, INDEX_SHARE

BATCH = 2_000
_TABLES = {"papers": "id", "entries": "paper_id", "authorships": "paper_id", "paper_topics": "paper_id"}


@contextlib.contextmanager
def _timed_calls() -> Iterator[dict[str, list[float]]]:
    """Every call aiosqlite runs on its thread, timed there, by the statement's first words: [calls, seconds]."""
    spent: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    real = aiosqlite.core.Connection._execute

    async def execute(self: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        sql = next((a for a in args if isinstance(a, str)), "")
        key = " ".join(sql.split()[:3]) or getattr(fn, "__name__", "call")

        def timed(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key][0] += 1
                spent[key][1] += time.perf_counter() - t

        return await real(self, timed, *args, **kwargs)

    aiosqlite.core.Connection._execute = execute  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        aiosqlite.core.Connection._execute = real  # type: ignore[method-assign]


async def timed_ingest(folder: Path) -> tuple[float, float, dict[str, list[float]]]:
    """FOLDER/corpus ingested into a new FOLDER/bench.sqlite3: the wall time to its commit, the checkpoint's
    behind it (store.db.database.checkpoint_behind), and SQLite's time by statement, both included."""
    for old in folder.glob("bench.sqlite3*"):  # the snapshot's parts folder too
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    lib = library(folder)
    await lib.start(ingest_if_empty=False)
    try:
        with _timed_calls() as spent:
            t = time.perf_counter()
            await lib.ingest([folder / "corpus"])
            wall = time.perf_counter() - t
            await lib.database.settled()
            behind = time.perf_counter() - t - wall
    finally:
        await lib.close()
    return wall, behind, dict(spent)


def floor(source: Path, target: Path, cache_kib: int) -> tuple[float, float]:
    """Seconds to write the source's corpus rows into an empty database by executemany, and to commit."""
    for old in target.parent.glob(target.name + "*"):
        old.unlink()
    src = sqlite3.connect(source)
    schema = [sql for (sql,) in src.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                                            "AND name NOT LIKE 'sqlite_%'")]
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", f"cache_size=-{cache_kib}"):
        dst.execute(f"PRAGMA {pragma}")
    for sql in schema:
        dst.execute(sql)
    dst.execute("BEGIN")
    for table in ("documents", "people", "topics"):
        rows = src.execute(f"SELECT * FROM {table}").fetchall()
        if rows:
            dst.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)
    rows: dict[str, list[Any]] = {}
    at: dict[str, list[int]] = {}  # each row's paper id, in the rows' order
    for table, key in _TABLES.items():
        cursor = src.execute(f"SELECT * FROM {table} ORDER BY {key}")
        rows[table] = cursor.fetchall()
        column = [d[0] for d in cursor.description].index(key)
        at[table] = [row[column] for row in rows[table]]
    last = at["papers"][-1] if at["papers"] else 0
    t = time.perf_counter()
    for lo in range(1, last + 1, BATCH):
        for table, held in rows.items():
            a, b = bisect.bisect_left(at[table], lo), bisect.bisect_left(at[table], lo + BATCH)
            if a < b:
                dst.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(held[a]))})", held[a:b])
    inserts = time.perf_counter() - t
    t = time.perf_counter()
    dst.execute("COMMIT")
    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return inserts, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    wall, behind, spent = asyncio.run(timed_ingest(args.folder))
    database = sum(s for _, s in spent.values())
    print(f"ingest: {wall:.2f} s wall to its commit, then {behind:.2f} s of checkpoint behind it; "
          f"{database:.2f} s in SQLite's thread")
    for key, (n, s) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:8]:
        print(f"  {s:7.2f} s  {int(n):6d} calls  {key}")
    papers = sqlite3.connect(args.folder / "bench.sqlite3").execute("SELECT count(*) FROM papers").fetchone()[0]
    # The page cache an ingest takes for its indexes (store.corpus.bulk.import_cache), as it leaves the file.
    cache = max(2_000, min((args.folder / "bench.sqlite3").stat().st_size // INDEX_SHARE >> 10, IMPORT_CACHE_KIB))
    inserts, commit = floor(args.folder / "bench.sqlite3", args.folder / "floor.sqlite3", cache)
    print(f"floor: {inserts:.2f} s executemany + {commit:.2f} s commit and checkpoint for {papers:,} papers "
          f"({papers / (inserts + commit):,.0f} papers/s at best)")


if __name__ == "__main__":
    main()
