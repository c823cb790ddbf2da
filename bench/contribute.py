"""Benchmark: how long a member's saved summary takes to become searchable, at N papers.

    .venv/bin/python -m bench.contribute --sizes 94,100000

94 is the bundled seeds; any other N is generated (bench/corpus.py) and ingested first. Then, as the
bot does it: `Library.write` stores a summary in one transaction and takes the changed paper into the
index before it returns, so "searchable" is when `write` returns; the first /paper for the new words
is then asked and must find it. Timed per save: the whole `write`, the index part of it, and the
query after. Ten new papers, ten summaries added to existing papers, five edits, five deletions; the
median and the worst are shown, then the background full build that replaces the overlay.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def measure(n: int, folder: Path) -> dict[str, Any]:
    from store.library import BUNDLED_SEEDS, Library
    from store.summaries import contributions as C

    if n == 94:
        corpus = BUNDLED_SEEDS
    else:
        from bench.corpus import generate

        generate(n, folder / "corpus")
        corpus = folder / "corpus"
    lib = Library(f"sqlite+aiosqlite:///{folder}/bench.sqlite3", corpus)
    lib.live.quiet_seconds = 3600  # the background build is timed on its own, at the end
    t = time.perf_counter()
    await lib.start()
    setup_s = time.perf_counter() - t
    assert len(lib.index) == n, len(lib.index)
    taking: list[float] = []
    original = lib.live.take_changes

    async def timed_take(ids: set[int]) -> None:
        t0 = time.perf_counter()
        await original(ids)
        taking.append(time.perf_counter() - t0)

    lib.live.take_changes = timed_take  # type: ignore[method-assign]
    rows: dict[str, list[tuple[float, float, float]]] = {"new paper": [], "existing paper": [], "edit": [],
                                                         "delete": []}
    existing = [p.title for p in lib.catalog[:: max(1, n // 10)]][:10]
    saved_ids: list[int] = []

    async def one(kind: str, work, check) -> None:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        result = await lib.write(work, lambda r: r if isinstance(r, set) else r.changed)
        write_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        await check(result)
        rows[kind].append((write_s, taking[-1], time.perf_counter() - t1))
        if not isinstance(result, set):
            saved_ids.append(result.contribution.id)

    for i in range(10):
        word = f"zqxbench{i}"

        async def found(result, word=word) -> None:  # type: ignore[no-untyped-def]
            hits = (await lib.search.paper(f"{word} contribution", 3)).hits
            assert hits and hits[0].paper.id == result.contribution.paper_id, word

        await one("new paper", lambda s, i=i, word=word: C.add(s, 7, "Bench", C.Draft(
            paper=f"Benchmark Paper {word}", tldr=f"{word} summary", summary=f"A {word} contribution.")), found)
    for i, title in enumerate(existing):
        word = f"zqyexisting{i}"

        async def found_existing(result, word=word) -> None:  # type: ignore[no-untyped-def]
            hits = (await lib.search.paper(f"{word}", 3)).hits
            assert hits and hits[0].paper.id == result.contribution.paper_id, word

        await one("existing paper", lambda s, title=title, word=word: C.add(s, 8, "Bench", C.Draft(
            paper=title, tldr=f"{word} note", summary="An added account.")), found_existing)
    for cid in saved_ids[:5]:
        word = f"zqzedited{cid}"

        async def found_edit(result, word=word) -> None:  # type: ignore[no-untyped-def]
            assert (await lib.search.paper(word, 1)).hits[0].paper.id == result.contribution.paper_id

        await one("edit", lambda s, cid=cid, word=word: C.edit(s, cid, 7, False, C.Draft(
            paper="", tldr=word, summary="Edited.")), found_edit)
    for cid in saved_ids[5:10]:
        async def gone(pids, cid=cid) -> None:  # type: ignore[no-untyped-def]
            assert all(lib.index.get(p) is None for p in pids)

        await one("delete", lambda s, cid=cid: C.remove(s, cid, 7, False), gone)
    source = lib.live.index_source
    t = time.perf_counter()
    await lib.live.refresh(rebuild=True)
    rebuild_s = time.perf_counter() - t
    await lib.close()
    out: dict[str, Any] = {"n": n, "setup_s": round(setup_s, 1), "index_after": source, "full_build_s":
                           round(rebuild_s, 2)}
    for kind, values in rows.items():
        write, take, query = zip(*values, strict=True)
        out[kind] = {"write_ms": [_ms(statistics.median(write)), _ms(max(write))],
                     "index_ms": [_ms(statistics.median(take)), _ms(max(take))],
                     "first_query_ms": [_ms(statistics.median(query)), _ms(max(query))]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="94,10000")
    args = parser.parse_args()
    print("N | kind | save ms (median, max) | of which index ms | first /paper after ms | index | full build s")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            r = asyncio.run(measure(n, Path(tmp)))
        for kind in ("new paper", "existing paper", "edit", "delete"):
            k = r[kind]
            print(f"{n:,} | {kind} | {k['write_ms'][0]}, {k['write_ms'][1]} | {k['index_ms'][0]}, "
                  f"{k['index_ms'][1]} | {k['first_query_ms'][0]}, {k['first_query_ms'][1]} | "
                  f"{r['index_after']} | {r['full_build_s']}", flush=True)


if __name__ == "__main__":
    main()
