"""Benchmark: from commit in one process to searchable in another, at N papers, on SQLite or PostgreSQL.

    .venv/bin/python -m bench.follow --sizes 94,100000                       # SQLite (polling)
    .venv/bin/python -m bench.follow --sizes 94,100000 --postgres URL        # PostgreSQL (NOTIFY)

URL is an admin asyncpg URL (e.g. the one `.ci/postgres.sh` prints); a scratch database is made on it.
94 is the bundled seeds; any other N is generated (bench/corpus.py) and ingested first. This process
writes (as the bot process an admin or member talks to); a second process runs a Library that follows
the database exactly as a bot process does (`Library.follow`) and reports, for each awaited paper, the
wall-clock moment its /paper query first finds it (asked again at each index swap, looked for every
2 ms). Timed: five member summaries
on new papers, five on existing papers, and two reloads that each add a file with one paper. The
clock starts when the writer's transaction has committed; the commits fall at random moments of the
follower's polling cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


async def follower(url: str, poll: float) -> None:
    """The other process: follow the database, answer "wait QUERY\\tTITLE" with the moment it is found."""
    from store.library import Library

    lib = Library(url, Path(tempfile.mkdtemp()) / "no-corpus")
    await lib.start(ingest_if_empty=False)
    lib.follow(poll)
    print(json.dumps({"ready": len(lib.index)}), flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        query, title = line.rstrip("\n").split("\t")
        generation = -1
        while True:  # query only when the index changed: a query at 100,000 papers takes a while itself
            if lib.live.generation != generation:
                generation = lib.live.generation
                if any(h.paper.title == title for h in lib.index.paper(query, 3).hits):
                    break
            await asyncio.sleep(0.002)
        print(json.dumps({"found": time.time(), "source": lib.live.index_source}), flush=True)
    await lib.close()


async def measure(n: int, url: str, folder: Path, poll: float) -> dict[str, Any]:
    from store.library import BUNDLED_SEEDS, Library
    from store.summaries import contributions as C

    if n == 94:
        corpus = folder / "corpus"
        import shutil

        shutil.copytree(BUNDLED_SEEDS, corpus)
    else:
        from bench.corpus import generate

        generate(n, folder / "corpus")
        corpus = folder / "corpus"
    writer = Library(url, corpus)
    writer.live.quiet_seconds = 3600
    await writer.start()
    assert len(writer.index) == n, len(writer.index)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.follow", "--follower", url, "--poll", str(poll),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    json.loads(await proc.stdout.readline())  # ready

    async def lag(query: str, title: str, commit) -> tuple[float, str]:  # type: ignore[no-untyped-def]
        await asyncio.sleep(random.uniform(0, poll))  # commits at any moment of the follower's polling cycle
        await commit()
        committed = time.time()
        proc.stdin.write(f"{query}\t{title}\n".encode())  # type: ignore[union-attr]
        answer = json.loads(await proc.stdout.readline())  # type: ignore[union-attr]
        return answer["found"] - committed, answer["source"]

    rows: dict[str, list[float]] = {"summary, new paper": [], "summary, existing paper": [], "reload, one file": []}
    sources: set[str] = set()
    async def time_summary(row: str, title: str, query: str, summary: str, writer_id: int) -> None:
        draft = C.Draft(paper=title, summary=summary)

        async def add() -> None:
            async with writer.sessionmaker() as s, s.begin():
                await C.add(s, writer_id, "bench", draft)

        seconds, source = await lag(query, title, add)
        rows[row].append(seconds)
        sources.add(source)

    for _ in range(5):
        word = uuid.uuid4().hex[:8]
        await time_summary("summary, new paper", f"Zygomorphic Attention Study {word.upper()} for Sparse Agents",
                           f"zygomorphic attention study {word}", f"About zygomorphic {word} attention.", 7)
    for title in [p.title for p in writer.catalog[:: max(1, n // 5)]][:5]:
        word = uuid.uuid4().hex[:8]
        await time_summary("summary, existing paper", title, f"quixotic {word}", f"Quixotic {word} remark.", 8)
    for i in range(2):
        title = f"Heliotropic Gradient Paper Number {i} {uuid.uuid4().hex[:6].upper()}"
        (corpus / f"added-{i}.md").write_text(f"# Notes\n\n## {title}\nAuthors: Ada Lovelace\n\nHeliotropic steps.\n",
                                              encoding="utf-8")

        async def reload() -> None:
            await writer.ingest([corpus])

        seconds, source = await lag(title.lower(), title, reload)
        rows["reload, one file"].append(seconds)
        sources.add(source)
    proc.stdin.close()
    await proc.wait()
    await writer.close()
    return {"n": n, "sources": sorted(sources),
            **{k: (round(statistics.median(v) * 1000), round(max(v) * 1000)) for k, v in rows.items()}}


async def scratch_postgres(admin: str) -> tuple[str, Any]:
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(admin)
    name = f"paperbot_bench_{uuid.uuid4().hex[:8]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()

    async def drop() -> None:
        c = await asyncpg.connect(dsn)
        await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await c.close()

    return base.set(database=name).render_as_string(hide_password=False), drop


async def run(sizes: list[int], postgres: str | None, poll: float) -> None:
    print(f"backend: {'PostgreSQL (NOTIFY)' if postgres else f'SQLite (polling every {poll} s)'}")
    print("| papers | summary, new paper | summary, existing paper | reload, one file | index after |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            drop = None
            if postgres:
                url, drop = await scratch_postgres(postgres)
            else:
                url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
            try:
                r = await measure(n, url, Path(tmp), poll)
            finally:
                if drop is not None:
                    await drop()
        cells = " | ".join(f"{r[k][0]} ms (worst {r[k][1]})" for k in
                           ("summary, new paper", "summary, existing paper", "reload, one file"))
        print(f"| {n:,} | {cells} | {', '.join(r['sources'])} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="94,100000")
    parser.add_argument("--postgres", help="an admin asyncpg URL: measure on PostgreSQL instead of SQLite")
    parser.add_argument("--poll", type=float, default=5.0, help="SQLite: CORPUS_POLL_SECONDS (default 5)")
    parser.add_argument("--follower", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.follower:
        asyncio.run(follower(args.follower, args.poll))
        return
    asyncio.run(run([int(s) for s in args.sizes.split(",")], args.postgres, args.poll))


if __name__ == "__main__":
    main()
